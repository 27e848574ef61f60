/**
 * One scan across venues: markets (loaded once, refreshed on schedule), a funding + ticker
 * snapshot per venue (≤ 3 requests each), order books for the shortlisted pairs only, then
 * the pure ranker. A venue that fails is reported and skipped; the others go on.
 * All timing comes from the Clock, so a scan under a simulated clock is reproducible.
 */
import type { Clock } from '../domain/clock.js';
import { isCarryError, type ErrorAction, type ErrorCode } from '../domain/errors.js';
import type { FundingSnapshot, Market, OrderBook, SkippedItem, TickerSnapshot, VenueId } from '../domain/market.js';
import type { Opportunity } from '../domain/opportunity.js';
import type { Logger } from '../util/log.js';
import type { VenueMarketData } from '../venues/port.js';
import type { SpotPerpCarryParams } from '../../strategies/spot-perp-carry/params.js';
import { bookKey, rankWithSkipped, shortlist, type VenueBorrow } from '../../strategies/spot-perp-carry/rank.js';
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
  readonly opportunities: readonly Opportunity[];
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

export class Scanner {
  private readonly marketsLoadedAt = new Map<VenueId, number>();
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

    const borrow = new Map<VenueId, VenueBorrow>();
    for (const v of markets.keys()) borrow.set(v, { canBorrow: venues.canBorrowSpot(v) });
    const closedVenues = new Set(venues.closed.map((c) => c.venue));
    // Stable order regardless of which venue answered first: sort by venue then symbol.
    const byVenueSymbol = (a: { venue: string; symbol: string }, b: { venue: string; symbol: string }) =>
      a.venue < b.venue ? -1 : a.venue > b.venue ? 1 : a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0;
    funding.sort(byVenueSymbol);
    tickers.sort(byVenueSymbol);

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

    const at = clock.now();
    const ranked = rankWithSkipped({ now: at, markets, funding, tickers, books, borrow, closedVenues, params });
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
      opportunities: ranked.opportunities,
      markets,
      funding,
      tickers,
      books,
    };
  }
}
