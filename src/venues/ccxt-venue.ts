/**
 * VenueMarketData over anything that speaks ccxt's unified API (CcxtCalls): a real ccxt
 * instance, the tape replayer or the sim market. Runs the profile's call plan, normalises, and
 * turns every failure into a CarryError (retrying the transient ones, through the Clock).
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { CarryError } from '../domain/errors.js';
import type { FundingSnapshot, Market, OrderBook, SkippedItem, TickerSnapshot, VenueId, VenueSnapshot } from '../domain/market.js';
import { HOURS_PER_YEAR } from '../pricing/funding.js';
import type { CcxtCalls } from './ccxt-calls.js';
import { mapCcxtError } from './ccxt-errors.js';
import {
  indexMarkets,
  normaliseDeribitTickerFunding,
  normaliseFundingIntervals,
  normaliseFundingRate,
  normaliseMarket,
  normaliseOrderBook,
  normaliseTicker,
  type MarketIndex,
  type Outcome,
} from './normalise.js';
import type { SettledFunding, VenueMarketData } from './port.js';
import { bookLimitFor, type ScanCall, type VenueProfile } from './profiles.js';
import { ccxtCall, DEFAULT_RETRY } from './retry.js';

export interface CcxtVenueOptions {
  /** Venue name as configured (defaults to the profile id), e.g. 'binance-2'. */
  readonly name?: string;
  readonly retry?: { readonly attempts: number; readonly baseMs: number; readonly maxMs: number };
  /** Jitter source, injectable for deterministic tests. */
  readonly random?: () => number;
}

interface CallResult {
  readonly call: ScanCall;
  readonly result: unknown;
  readonly receivedAt: number;
}

export class CcxtVenue implements VenueMarketData {
  readonly venue: VenueId;
  private readonly log: Logger | undefined;
  private readonly retry: { readonly attempts: number; readonly baseMs: number; readonly maxMs: number };
  private loaded: { readonly list: readonly Market[]; readonly index: MarketIndex; readonly skipped: readonly SkippedItem[] } | null = null;
  private pendingMarketSkips: SkippedItem[] = [];
  /** Market counts of the last load (listed/excluded/skipped), so an unchanged reload logs at debug. */
  private loadedCounts: string | null = null;

  constructor(
    private readonly calls: CcxtCalls,
    readonly profile: VenueProfile,
    private readonly clock: Clock,
    log?: Logger,
    private readonly opts: CcxtVenueOptions = {},
  ) {
    this.venue = opts.name ?? profile.id;
    this.log = log?.child({ venue: this.venue });
    this.retry = opts.retry ?? DEFAULT_RETRY;
  }

  async loadMarkets(reload = false): Promise<readonly Market[]> {
    const raw = await this.request('loadMarkets', () => this.calls.loadMarkets(reload));
    if (typeof raw !== 'object' || raw === null) {
      throw new CarryError('CARRY_VENUE_BAD_RESPONSE', 'skip', `${this.venue} loadMarkets: result is not an object`, { venue: this.venue });
    }
    const markets: Market[] = [];
    const excluded: string[] = [];
    const skipped: SkippedItem[] = [];
    const ctx = { venue: this.venue, profile: this.profile, precisionMode: this.profile.precisionMode };
    for (const [key, entry] of Object.entries(raw)) {
      const out = normaliseMarket(entry, ctx);
      if (out.kind === 'ok') markets.push(out.value);
      else if (out.kind === 'ignored') excluded.push(key);
      else skipped.push(out.skipped);
    }
    const unusable = skipped.flatMap((s) => (s.symbol === null ? [] : [s.symbol]));
    this.loaded = { list: markets, index: indexMarkets(markets, [...excluded, ...unusable]), skipped };
    this.pendingMarketSkips = [...skipped];
    if (skipped.length > 0) {
      this.log?.warn({ count: skipped.length, skipped }, 'markets carry cannot use were skipped');
    }
    // The first load and any change in what is listed are news; the hourly refresh that finds the
    // same markets is not (a month of paper trading logged it 2,880 times).
    const counts = `${markets.length}/${excluded.length}/${skipped.length}`;
    const level = counts === this.loadedCounts ? 'debug' : 'info';
    this.loadedCounts = counts;
    this.log?.[level]({ markets: markets.length, excluded: excluded.length }, 'markets loaded');
    return markets;
  }

  markets(): readonly Market[] {
    return this.requireLoaded().list;
  }

  market(symbol: string): Market | undefined {
    return this.loaded?.index.bySymbol.get(symbol);
  }

  /** Markets the last load could not use, with reasons (also logged at load). */
  marketSkips(): readonly SkippedItem[] {
    return this.loaded?.skipped ?? [];
  }

  async fetchSnapshot(): Promise<VenueSnapshot> {
    if (this.loaded === null) await this.loadMarkets();
    const index = this.requireLoaded().index;
    const skipped: SkippedItem[] = [];
    const results: CallResult[] = [];
    let firstFundingError: CarryError | null = null;
    // Market skips are reported with the first snapshot after each load, then their rows are ignored.
    skipped.push(...this.pendingMarketSkips.splice(0));

    for (const call of this.profile.scanCalls) {
      if (call.method === 'fetchFundingRates' && call.onlyIfHas !== undefined && this.calls.has[call.onlyIfHas] !== true) {
        skipped.push({ venue: this.venue, symbol: null, reason: `ccxt has no ${call.onlyIfHas} for ${this.calls.id}: no funding data from this venue` });
        continue;
      }
      try {
        const result = await this.request(call.method, () => this.invoke(call));
        results.push({ call, result, receivedAt: this.clock.now() });
      } catch (e) {
        const err = mapCcxtError(e, this.venue, call.method);
        // Funding rates and intervals are what the scan is for: without them every number would
        // be missing or assumed. Tickers only add volume (or, on Deribit, one currency's perps).
        const required = call.method === 'fetchFundingIntervals' || call.method === 'fetchFundingRates';
        if (err.action === 'stop' || required) throw err;
        if (isFunding(call) && firstFundingError === null) firstFundingError = err;
        skipped.push({ venue: this.venue, symbol: null, reason: `${call.method}(${JSON.stringify(call.params ?? {})}) failed: ${err.code}: ${err.message}` });
        this.log?.warn({ code: err.code, action: err.action, err: err.message }, 'scan call failed, continuing without it');
      }
    }
    // Deribit: one currency failing is a skip; every currency failing is the venue failing.
    if (firstFundingError !== null && !results.some((r) => isFunding(r.call))) throw firstFundingError;

    const snapshot = this.assemble(index, results, skipped);
    this.log?.debug({ funding: snapshot.funding.length, tickers: snapshot.tickers.length, skipped: snapshot.skipped.length }, 'snapshot');
    return snapshot;
  }

  async fetchOrderBook(symbol: string, depth: number): Promise<OrderBook> {
    const market = this.requireLoaded().index.bySymbol.get(symbol);
    if (market === undefined) {
      throw new CarryError('CARRY_VENUE_BAD_SYMBOL', 'skip', `${this.venue}: ${symbol} is not a loaded spot or perpetual market`, { venue: this.venue });
    }
    if (!Number.isInteger(depth) || depth < 1) {
      throw new CarryError('CARRY_INTERNAL', 'stop', `${this.venue} fetchOrderBook: depth must be a positive integer, got ${depth}`, { venue: this.venue });
    }
    const limit = bookLimitFor(this.profile, depth);
    const raw = await this.request('fetchOrderBook', () => this.calls.fetchOrderBook(symbol, limit));
    const out = normaliseOrderBook(raw, { venue: this.venue, symbol, depth, receivedAt: this.clock.now() });
    if (out.kind === 'skipped') {
      throw new CarryError('CARRY_VENUE_BAD_RESPONSE', 'skip', `${this.venue} fetchOrderBook ${symbol}: ${out.skipped.reason}`, { venue: this.venue });
    }
    if (out.dropped > 0) this.log?.warn({ symbol, dropped: out.dropped }, 'dropped malformed order-book levels');
    return out.book;
  }

  async fetchFundingHistory(symbol: string, since: number): Promise<readonly SettledFunding[]> {
    if (this.requireLoaded().index.bySymbol.get(symbol) === undefined) {
      throw new CarryError('CARRY_VENUE_BAD_SYMBOL', 'skip', `${this.venue}: ${symbol} is not a loaded perpetual market`, { venue: this.venue });
    }
    const raw = await this.request('fetchFundingRateHistory', () => this.calls.fetchFundingRateHistory(symbol, since));
    if (!Array.isArray(raw)) {
      throw new CarryError('CARRY_VENUE_BAD_RESPONSE', 'skip', `${this.venue} fetchFundingRateHistory ${symbol}: result is not a list`, { venue: this.venue });
    }
    const out: SettledFunding[] = [];
    for (const r of raw as readonly { fundingRate?: unknown; timestamp?: unknown }[]) {
      // A row without a finite rate and time is skipped: never read as a 0% settlement.
      if (typeof r.fundingRate === 'number' && Number.isFinite(r.fundingRate) && typeof r.timestamp === 'number' && Number.isFinite(r.timestamp)) {
        out.push({ symbol, settlementTime: r.timestamp, rate: r.fundingRate });
      }
    }
    return out.sort((a, b) => a.settlementTime - b.settlementTime);
  }

  async fetchBorrowApr(code: string): Promise<number> {
    if (!this.profile.spotMarginBorrow) {
      throw new CarryError('CARRY_VENUE_NOT_SUPPORTED', 'skip', `${this.venue}: carry cannot borrow spot on ${this.profile.id} through ccxt (venues.md §2), so it has no borrow rate`, { venue: this.venue });
    }
    // Real ccxt says true for binance/bybit/okx; a tape says whether it holds borrow records.
    if (this.calls.has['fetchCrossBorrowRate'] !== true) {
      throw new CarryError('CARRY_VENUE_NOT_SUPPORTED', 'skip', `${this.venue}: ${this.calls.id} has no fetchCrossBorrowRate (has.fetchCrossBorrowRate is not true)`, { venue: this.venue });
    }
    const raw = await this.request('fetchCrossBorrowRate', () => this.calls.fetchCrossBorrowRate(code));
    return borrowAprFrom(raw, code, this.venue);
  }

  // -------------------------------------------------------------------------------------------

  private requireLoaded(): NonNullable<CcxtVenue['loaded']> {
    if (this.loaded === null) {
      throw new CarryError('CARRY_INTERNAL', 'stop', `${this.venue}: markets used before loadMarkets()`, { venue: this.venue });
    }
    return this.loaded;
  }

  /** One ccxt call: errors mapped to CarryError, 'retry' ones retried with backoff on the Clock. */
  private request<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return ccxtCall(this.venue, operation, fn, {
      ...this.retry,
      sleep: (ms) => this.clock.sleep(ms),
      ...(this.opts.random === undefined ? {} : { random: this.opts.random }),
      onRetry: ({ attempt, delayMs, error }) => this.log?.warn({ operation, attempt, delayMs, code: error.code, err: error.message }, 'retrying venue call'),
    });
  }

  private invoke(call: ScanCall): Promise<unknown> {
    // A fresh params object per call: ccxt must never see (or mutate) the shared profile object.
    const params = { ...(call.params ?? {}) };
    switch (call.method) {
      case 'fetchFundingRates':
        return this.calls.fetchFundingRates(undefined, params);
      case 'fetchFundingIntervals':
        return this.calls.fetchFundingIntervals(undefined, params);
      case 'fetchTickers':
        return this.calls.fetchTickers(undefined, params);
    }
  }

  private assemble(index: MarketIndex, results: readonly CallResult[], skipped: SkippedItem[]): VenueSnapshot {
    const funding = new Map<string, FundingSnapshot>();
    const tickers = new Map<string, TickerSnapshot>();
    const take = <T>(out: Outcome<T>, into: Map<string, T>, key: (v: T) => string): void => {
      if (out.kind === 'ok') {
        if (!into.has(key(out.value))) into.set(key(out.value), out.value);
      } else if (out.kind === 'skipped') skipped.push(out.skipped);
    };
    const rows = (r: CallResult): unknown[] | null => {
      if (typeof r.result !== 'object' || r.result === null || Array.isArray(r.result)) {
        skipped.push({ venue: this.venue, symbol: null, reason: `${r.call.method} returned ${Array.isArray(r.result) ? 'an array' : typeof r.result}, expected an object keyed by symbol` });
        return null;
      }
      return Object.values(r.result);
    };

    let intervals: ReadonlyMap<string, number> | null = null;
    for (const r of results) {
      if (r.call.method !== 'fetchFundingIntervals') continue;
      const parsed = normaliseFundingIntervals(r.result, this.venue);
      intervals = parsed.hours;
      skipped.push(...parsed.skipped);
    }
    if (this.profile.intervalSource === 'fundingIntervals' && intervals === null) {
      // The call plan lacks the intervals call: every interval would be an unmarked guess.
      throw new CarryError('CARRY_INTERNAL', 'stop', `${this.venue}: profile reads intervals from fetchFundingIntervals but its call plan does not make that call`, { venue: this.venue });
    }

    for (const r of results) {
      if (r.call.method === 'fetchFundingIntervals') continue;
      const list = rows(r);
      if (list === null) continue;
      const fctx = { venue: this.venue, profile: this.profile, markets: index, intervals, receivedAt: r.receivedAt };
      for (const row of list) {
        if (r.call.method === 'fetchFundingRates') {
          take(normaliseFundingRate(row, fctx), funding, (f) => f.symbol);
        } else {
          take(normaliseTicker(row, fctx), tickers, (t) => t.symbol);
          if (r.call.fundingFromTicker === true) take(normaliseDeribitTickerFunding(row, fctx), funding, (f) => f.symbol);
        }
      }
    }

    const perps = [...index.bySymbol.values()].filter((m) => m.type === 'swap').length;
    if (results.some((r) => isFunding(r.call)) && funding.size === 0 && perps > 0) {
      skipped.push({ venue: this.venue, symbol: null, reason: `no usable funding rows for ${perps} loaded perpetual markets` });
    }
    return {
      venue: this.venue,
      funding: [...funding.values()],
      tickers: [...tickers.values()],
      skipped,
      receivedAt: this.clock.now(),
    };
  }
}

const MS_PER_YEAR = HOURS_PER_YEAR * 3_600_000;

/**
 * A ccxt CrossBorrowRate as a simple APR: rate × (365 days / period), not compounded, the same
 * convention as funding APR. A missing, non-finite or negative rate, a missing or non-positive
 * period, or a rate for another currency is a bad response: never read as 0.
 */
export function borrowAprFrom(raw: unknown, code: string, venue: string): number {
  const bad = (why: string): CarryError =>
    new CarryError('CARRY_VENUE_BAD_RESPONSE', 'skip', `${venue} fetchCrossBorrowRate ${code}: ${why}`, { venue });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(`result is ${Array.isArray(raw) ? 'an array' : typeof raw}, expected a borrow-rate object`);
  const { rate, period, currency } = raw as { rate?: unknown; period?: unknown; currency?: unknown };
  // ccxt reads the first row of the venue's list; a venue that ignored the filter would price another coin.
  if (typeof currency === 'string' && currency !== code) throw bad(`the venue answered for ${currency}`);
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) throw bad(`no usable rate (found ${JSON.stringify(rate) ?? 'undefined'})`);
  if (typeof period !== 'number' || !Number.isFinite(period) || period <= 0) throw bad(`no usable period (found ${JSON.stringify(period) ?? 'undefined'})`);
  return rate * (MS_PER_YEAR / period);
}

function isFunding(call: ScanCall): boolean {
  return call.method === 'fetchFundingRates' || (call.method === 'fetchTickers' && call.fundingFromTicker === true);
}
