/**
 * One scan across venues: markets (loaded once, refreshed on schedule), a funding + ticker
 * snapshot per venue (≤ 3 requests each), borrow rates for the reverse-carry candidates of
 * venues that can borrow (cached for the markets refresh period), order books for the
 * shortlisted pairs only, then the pure ranker. A venue that fails is reported and skipped;
 * the others go on. All timing comes from the Clock, so a scan under a simulated clock is
 * reproducible.
 */
import type { Clock } from '../domain/clock.js';
import { isCarryError, type ErrorAction, type ErrorCode } from '../domain/errors.js';
import type { FundingSnapshot, Market, OrderBook, SkippedItem, TickerSnapshot, VenueId } from '../domain/market.js';
import type { OpportunityList } from '../domain/opportunity.js';
import { packBooks } from '../pricing/book-arena.js';
import type { Logger } from '../util/log.js';
import type { VenueMarketData } from '../venues/port.js';
import type { SpotPerpCarryParams } from '../../strategies/spot-perp-carry/params.js';
import { bookKey, rankRows, shortlist, type VenueBorrow } from '../../strategies/spot-perp-carry/rank.js';
import type { VenueSet } from './venue-set.js';

export interface VenueError {
  readonly code: ErrorCode | 'CARRY_INTERNAL';
  readonly action: ErrorAction;
  readonly message: string;
}

export type VenueScanReport =
  | {
      readonly venue: VenueId;
      readonly status: 'ok';
      readonly perps: number;
      readonly books: number;
      readonly bookErrors: number;
      readonly skipped: readonly SkippedItem[];
      readonly elapsedMs: number;
    }
  | { readonly venue: VenueId; readonly status: 'closed'; readonly since: string; readonly note: string }
  | { readonly venue: VenueId; readonly status: 'unavailable'; readonly reason: string }
  | { readonly venue: VenueId; readonly status: 'error'; readonly phase: 'markets' | 'snapshot'; readonly error: VenueError };

export interface ScanResult {
  /** Clock time the ranking was computed at. */
  readonly at: number;
  readonly venues: readonly VenueScanReport[];
  /** Ranked rows, built into Opportunity objects as they are read (slice). */
  readonly opportunities: OpportunityList;
  /** The inputs the ranking saw, for the engine (decisions, marks, funding accrual). */
  readonly markets: ReadonlyMap<VenueId, readonly Market[]>;
  readonly funding: readonly FundingSnapshot[];
  readonly tickers: readonly TickerSnapshot[];
  /** Keyed by bookKey(venue, symbol). */
  readonly books: ReadonlyMap<string, OrderBook>;
}

export interface ScanRequest {
  /** Books to fetch besides the shortlist (e.g. both legs of every held position). */
  readonly extraBooks?: ReadonlyMap<VenueId, readonly string[]>;
}

export type ScanProgress =
  | { readonly kind: 'venue'; readonly venue: VenueId; readonly phase: 'markets' | 'snapshot' | 'done' | 'error' | 'closed'; readonly detail?: string }
  | { readonly kind: 'books'; readonly requested: number; readonly done: number };

export interface ScannerOptions {
  readonly clock: Clock;
  readonly venues: VenueSet;
  readonly params: SpotPerpCarryParams;
  readonly bookDepth: number;
  readonly marketsRefreshMs: number;
  readonly log: Logger;
  readonly onProgress?: (p: ScanProgress) => void;
  /** Concurrent book requests per venue. */
  readonly bookConcurrency?: number;
}

function toVenueError(e: unknown): VenueError {
  if (isCarryError(e)) return { code: e.code, action: e.action, message: e.message };
  return { code: 'CARRY_INTERNAL', action: 'skip', message: e instanceof Error ? e.message : String(e) };
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}

/** One borrow-rate lookup: the APR, or null when it failed (the base stays unknown until the next period). */
interface BorrowLookup {
  /** The refresh period it was made in: floor(clock / marketsRefreshMs). */
  readonly period: number;
  readonly apr: number | null;
}

/** Errors that hold for every currency of a venue: asking for the next base would fail the same way. */
function venueWideBorrowError(code: VenueError['code']): boolean {
  return code === 'CARRY_VENUE_NOT_SUPPORTED' || code === 'CARRY_VENUE_AUTH';
}

/**
 * The bases a reverse carry on `venue` would borrow: those of its negative-funding perps whose
 * spot the venue lends, strongest first by |rate| per hour (the order of |gross APR|, so 1h and
 * 8h rates compare fairly), at most `max`; ties by base, so the set does not depend on the
 * order the rows came in.
 */
export function reverseCarryBases(venue: VenueId, markets: readonly Market[], funding: readonly FundingSnapshot[], max: number): string[] {
  if (max <= 0) return [];
  const lendable = new Set<string>();
  for (const m of markets) if (m.type === 'spot' && m.active && m.marginable) lendable.add(m.base);
  const strength = new Map<string, number>();
  for (const f of funding) {
    if (f.venue !== venue || !(f.rate < 0) || !Number.isFinite(f.rate) || !(f.intervalHours > 0) || !lendable.has(f.base)) continue;
    const perHour = -f.rate / f.intervalHours;
    if (perHour > (strength.get(f.base) ?? -1)) strength.set(f.base, perHour);
  }
  return [...strength.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, max)
    .map(([base]) => base);
}

export class Scanner {
  private readonly marketsLoadedAt = new Map<VenueId, number>();
  /** Borrow lookups per venue, by base, of the current refresh period only (borrow rates move slowly). */
  private readonly borrowLookups = new Map<VenueId, Map<string, BorrowLookup>>();
  /** Venues whose borrow lookups all fail (not supported, no credentials): the period that was found in. */
  private readonly borrowOffPeriod = new Map<VenueId, number>();
  /** Why each venue's markets last failed to load (cleared on success). */
  readonly marketErrors = new Map<VenueId, string>();
  private readonly opts: ScannerOptions;

  constructor(opts: ScannerOptions) {
    this.opts = opts;
  }

  private progress(p: ScanProgress): void {
    this.opts.onProgress?.(p);
  }

  private async ensureMarkets(a: VenueMarketData): Promise<readonly Market[]> {
    const { clock, marketsRefreshMs } = this.opts;
    const loadedAt = this.marketsLoadedAt.get(a.venue);
    if (loadedAt !== undefined && clock.now() - loadedAt < marketsRefreshMs) return a.markets();
    this.progress({ kind: 'venue', venue: a.venue, phase: 'markets' });
    const markets = await a.loadMarkets(loadedAt !== undefined);
    this.marketsLoadedAt.set(a.venue, clock.now());
    return markets;
  }

  /**
   * Borrow APRs for the bases reverse carry would need on one venue (reverseCarryBases): at
   * most `params.depthCandidates` lookups, one request each, one at a time, and none for a base
   * already looked up in this refresh period. Periods are fixed windows of marketsRefreshMs on
   * the clock (not "since the last lookup"), and only the bases wanted now are returned, so the
   * result does not depend on which scans came before in the period: a run restarted mid-period
   * ranks as the uninterrupted one would. A failed lookup is logged and leaves the base unknown
   * (the ranker filters it as 'borrow rate unknown') until the next period: a venue in trouble
   * gets no more than this bounded set of extra requests.
   */
  private async borrowAprs(a: VenueMarketData, markets: readonly Market[], funding: readonly FundingSnapshot[]): Promise<ReadonlyMap<string, number>> {
    const { clock, marketsRefreshMs, params, log } = this.opts;
    const period = Math.floor(clock.now() / marketsRefreshMs);
    let lookups = this.borrowLookups.get(a.venue);
    if (lookups === undefined) this.borrowLookups.set(a.venue, (lookups = new Map()));
    for (const [base, l] of lookups) if (l.period !== period) lookups.delete(base);

    const wanted = reverseCarryBases(a.venue, markets, funding, params.depthCandidates);
    if (this.borrowOffPeriod.get(a.venue) !== period) {
      this.borrowOffPeriod.delete(a.venue);
      for (const base of wanted) {
        if (lookups.has(base)) continue;
        try {
          lookups.set(base, { period, apr: await a.fetchBorrowApr(base) });
        } catch (e) {
          const err = toVenueError(e);
          if (venueWideBorrowError(err.code)) {
            this.borrowOffPeriod.set(a.venue, period);
            log.warn({ venue: a.venue, code: err.code, err: err.message }, 'no borrow rates from this venue; its reverse carry is filtered as borrow rate unknown');
            break;
          }
          lookups.set(base, { period, apr: null });
          log.warn({ venue: a.venue, base, code: err.code, err: err.message }, 'borrow rate unavailable; reverse carry on this base is filtered as borrow rate unknown');
        }
      }
    }
    const out = new Map<string, number>();
    for (const base of wanted) {
      const apr = lookups.get(base)?.apr;
      if (apr !== undefined && apr !== null) out.set(base, apr);
    }
    return out;
  }

  adapters(): readonly VenueMarketData[] {
    return this.opts.venues.adapters;
  }

  /** Loads every venue's markets (once; later scans refresh them on schedule). Failures are logged. */
  async loadMarkets(): Promise<ReadonlyMap<VenueId, readonly Market[]>> {
    const out = new Map<VenueId, readonly Market[]>();
    await Promise.all(
      this.opts.venues.adapters.map(async (a) => {
        try {
          out.set(a.venue, await this.ensureMarkets(a));
          this.marketErrors.delete(a.venue);
        } catch (e) {
          const err = toVenueError(e);
          this.marketErrors.set(a.venue, `${err.code}: ${err.message}`);
          this.opts.log.warn({ venue: a.venue, code: err.code, err: err.message }, 'markets unavailable');
        }
      }),
    );
    return out;
  }

  async scan(request: ScanRequest = {}): Promise<ScanResult> {
    const { clock, venues, params, log } = this.opts;
    const reports = new Map<VenueId, VenueScanReport>();
    const markets = new Map<VenueId, readonly Market[]>();
    const funding: FundingSnapshot[] = [];
    const tickers: TickerSnapshot[] = [];
    const skippedBy = new Map<VenueId, SkippedItem[]>();
    const started = new Map<VenueId, number>();

    for (const c of venues.closed) {
      reports.set(c.venue, { venue: c.venue, status: 'closed', since: c.since, note: c.note });
      this.progress({ kind: 'venue', venue: c.venue, phase: 'closed', detail: `closed since ${c.since}` });
    }

    for (const u of venues.unavailable) reports.set(u.venue, { venue: u.venue, status: 'unavailable', reason: u.reason });

    // Phase 1: every venue in parallel; one failing never stops the others.
    await Promise.all(
      venues.adapters.map(async (a) => {
        started.set(a.venue, clock.now());
        let phase: 'markets' | 'snapshot' = 'markets';
        try {
          const ms = await this.ensureMarkets(a);
          phase = 'snapshot';
          this.progress({ kind: 'venue', venue: a.venue, phase: 'snapshot' });
          const snap = await a.fetchSnapshot();
          markets.set(a.venue, ms);
          funding.push(...snap.funding);
          tickers.push(...snap.tickers);
          skippedBy.set(a.venue, [...snap.skipped]);
          for (const s of snap.skipped) log.warn({ venue: s.venue, symbol: s.symbol, reason: s.reason }, 'skipped venue data');
        } catch (e) {
          const error = toVenueError(e);
          log.warn({ venue: a.venue, phase, code: error.code, action: error.action, err: error.message }, 'venue failed this scan');
          reports.set(a.venue, { venue: a.venue, status: 'error', phase, error });
          this.progress({ kind: 'venue', venue: a.venue, phase: 'error', detail: error.message });
        }
      }),
    );

    const closedVenues = new Set(venues.closed.map((c) => c.venue));
    // Stable order regardless of which venue answered first: sort by venue then symbol.
    const byVenueSymbol = (a: { venue: string; symbol: string }, b: { venue: string; symbol: string }) =>
      a.venue < b.venue ? -1 : a.venue > b.venue ? 1 : a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;
    funding.sort(byVenueSymbol);
    tickers.sort(byVenueSymbol);

    // Borrow rates for reverse carry, where the venue can borrow the spot: venues in parallel.
    const borrow = new Map<VenueId, VenueBorrow>();
    await Promise.all(
      [...markets.entries()].map(async ([v, ms]) => {
        const canBorrow = venues.canBorrowSpot(v);
        const adapter = venues.adapters.find((a) => a.venue === v);
        if (!canBorrow || !params.reverseCarry || adapter === undefined) {
          borrow.set(v, { canBorrow });
          return;
        }
        borrow.set(v, { canBorrow, aprByBase: await this.borrowAprs(adapter, ms, funding) });
      }),
    );

    // Phase 2: books for the shortlist only.
    const candidates = shortlist({ now: clock.now(), markets, funding, tickers, borrow, closedVenues, params });
    const wanted = new Map<VenueId, Set<string>>();
    for (const [venue, symbols] of request.extraBooks ?? []) {
      if (!markets.has(venue)) continue;
      const set = wanted.get(venue) ?? new Set<string>();
      for (const s of symbols) set.add(s);
      wanted.set(venue, set);
    }
    for (const c of candidates) {
      const set = wanted.get(c.venue) ?? new Set<string>();
      set.add(c.perpSymbol);
      set.add(c.spotSymbol);
      wanted.set(c.venue, set);
    }
    const books = new Map<string, OrderBook>();
    const bookCount = new Map<VenueId, number>();
    const bookErrors = new Map<VenueId, number>();
    const total = [...wanted.values()].reduce((n, s) => n + s.size, 0);
    let done = 0;
    if (total > 0) this.progress({ kind: 'books', requested: total, done });
    await Promise.all(
      [...wanted.entries()].map(async ([venue, symbols]) => {
        const adapter = venues.adapters.find((a) => a.venue === venue);
        if (!adapter) return;
        await mapLimit([...symbols].sort(), this.opts.bookConcurrency ?? 4, async (symbol) => {
          try {
            const book = await adapter.fetchOrderBook(symbol, this.opts.bookDepth);
            books.set(bookKey(venue, symbol), book);
            bookCount.set(venue, (bookCount.get(venue) ?? 0) + 1);
          } catch (e) {
            const err = toVenueError(e);
            bookErrors.set(venue, (bookErrors.get(venue) ?? 0) + 1);
            log.warn({ venue, symbol, code: err.code, err: err.message }, 'order book unavailable; pair listed without depth');
          }
          done++;
          this.progress({ kind: 'books', requested: total, done });
        });
      }),
    );

    // The ranker reads books packed into one arena; packed here, with the fetching, like each
    // book's levels are packed by the normaliser.
    const packed = packBooks(markets, books.values());
    const at = clock.now();
    const ranked = rankRows({ now: at, markets, funding, tickers, books: packed, borrow, closedVenues, params });
    for (const s of ranked.skipped) {
      const list = skippedBy.get(s.venue) ?? [];
      list.push(s);
      skippedBy.set(s.venue, list);
    }

    for (const a of venues.adapters) {
      if (reports.has(a.venue)) continue;
      reports.set(a.venue, {
        venue: a.venue,
        status: 'ok',
        perps: funding.filter((f) => f.venue === a.venue).length,
        books: bookCount.get(a.venue) ?? 0,
        bookErrors: bookErrors.get(a.venue) ?? 0,
        skipped: skippedBy.get(a.venue) ?? [],
        elapsedMs: at - (started.get(a.venue) ?? at),
      });
      this.progress({ kind: 'venue', venue: a.venue, phase: 'done' });
    }
    const order = [...venues.adapters.map((a) => a.venue), ...venues.unavailable.map((u) => u.venue), ...venues.closed.map((c) => c.venue)];
    return {
      at,
      venues: order.map((v) => reports.get(v)).filter((r): r is VenueScanReport => r !== undefined),
      opportunities: ranked,
      markets,
      funding,
      tickers,
      books,
    };
  }
}
