/**
 * Pure functions from ccxt *unified* results to carry's domain types. Input is treated as
 * untrusted (real ccxt, tapes and the sim market all feed this): every field is checked, a
 * missing number stays null (never 0), and a row that cannot be used becomes a SkippedItem with
 * a reason instead of an exception.
 */
import { orderBook } from '../domain/book.js';
import type {
  AmountUnit,
  BookLevel,
  BookSide,
  FundingSnapshot,
  Market,
  OrderBook,
  SkippedItem,
  TickerSnapshot,
  VenueId,
} from '../domain/market.js';
import { PRECISION_MODE, type VenueProfile } from './profiles.js';

// ---------------------------------------------------------------------------------------------
// Numbers at the boundary
// ---------------------------------------------------------------------------------------------

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number, or a numeric string (ccxt fixtures and some parsers keep strings); else null. */
export function toNumber(x: unknown): number | null {
  if (typeof x === 'number') return Number.isFinite(x) ? x : null;
  if (typeof x === 'string') {
    const s = x.trim();
    if (!NUMERIC.test(s)) return null;
    const n = Number(s);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function toPositive(x: unknown): number | null {
  const n = toNumber(x);
  return n !== null && n > 0 ? n : null;
}

export function toNonNegative(x: unknown): number | null {
  const n = toNumber(x);
  return n !== null && n >= 0 ? n : null;
}

/** ms epoch: positive and integral. */
export function toTimestamp(x: unknown): number | null {
  const n = toNumber(x);
  return n !== null && n > 0 && Number.isInteger(n) ? n : null;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function nonEmptyString(x: unknown): string | null {
  return typeof x === 'string' && x.length > 0 ? x : null;
}

function field(obj: unknown, key: string): unknown {
  return isRecord(obj) ? obj[key] : undefined;
}

/**
 * '8h' → 8, '30m' → 0.5, '1d' → 24. Anything else → null (an interval carry cannot read must not
 * silently become the default).
 */
export function parseIntervalHours(x: unknown): number | null {
  if (typeof x !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$/i.exec(x);
  if (m === null) return null;
  const n = Number(m[1]);
  const unit = (m[2] as string).toLowerCase();
  const hours = unit === 'm' ? n / 60 : unit === 'd' ? n * 24 : n;
  return hours > 0 && Number.isFinite(hours) ? hours : null;
}

/**
 * Funding beyond 10% of notional per interval is far past the venue caps carry knows of (Binance
 * adjusted caps ±3%, Bybit ±0.5%, OKX 0.375-0.75%, BitMEX ±0.375%; venues.md §3): it means a unit
 * error (a percent read as a decimal) or garbage, never a trade.
 */
export const MAX_ABS_FUNDING_RATE = 0.1;

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/**
 * ok: usable. ignored: a row for a market carry deliberately does not trade (options, dated
 * futures): not an error, not reported. skipped: bad data, reported with a reason.
 */
export type Outcome<T> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'skipped'; readonly skipped: SkippedItem };

const ok = <T>(value: T): Outcome<T> => ({ kind: 'ok', value });
const ignored = <T>(reason: string): Outcome<T> => ({ kind: 'ignored', reason });
const skip = <T>(venue: VenueId, symbol: string | null, reason: string): Outcome<T> => ({
  kind: 'skipped',
  skipped: { venue, symbol, reason },
});

/** The loaded markets, plus ccxt symbols carry filtered out on purpose (their rows are ignored). */
export interface MarketIndex {
  readonly bySymbol: ReadonlyMap<string, Market>;
  readonly excluded: ReadonlySet<string>;
}

export function indexMarkets(markets: readonly Market[], excluded: Iterable<string> = []): MarketIndex {
  return { bySymbol: new Map(markets.map((m) => [m.symbol, m])), excluded: new Set(excluded) };
}

function lookup(index: MarketIndex, venue: VenueId, symbol: string | null, what: string): Outcome<Market> {
  if (symbol === null) return skip(venue, null, `${what} without a symbol`);
  const market = index.bySymbol.get(symbol);
  if (market !== undefined) return ok(market);
  if (index.excluded.has(symbol)) return ignored(`${symbol} is not a spot or perpetual market`);
  return skip(venue, symbol, `${what} for a market that is not loaded (new listing or delisted?)`);
}

// ---------------------------------------------------------------------------------------------
// Markets
// ---------------------------------------------------------------------------------------------

/** Turns a ccxt precision value into a step in the same units (see PRECISION_MODE). */
export function precisionToStep(value: unknown, precisionMode: number | null): number | null {
  if (precisionMode === PRECISION_MODE.TICK_SIZE) return toPositive(value);
  if (precisionMode === PRECISION_MODE.DECIMAL_PLACES) {
    const digits = toNumber(value);
    return digits !== null && Number.isInteger(digits) && digits >= 0 ? 10 ** -digits : null;
  }
  // SIGNIFICANT_DIGITS has no fixed step; unknown modes cannot be trusted.
  return null;
}

export interface MarketContext {
  readonly venue: VenueId;
  readonly profile: VenueProfile;
  readonly precisionMode: number | null;
}

export function normaliseMarket(raw: unknown, ctx: MarketContext): Outcome<Market> {
  const { venue, profile } = ctx;
  if (!isRecord(raw)) return skip(venue, null, 'market entry is not an object');
  const symbol = nonEmptyString(raw['symbol']);
  if (symbol === null) return skip(venue, null, 'market without a symbol');

  const type = raw['type'];
  const isSpot = type === 'spot' && raw['spot'] !== false;
  const isSwap = type === 'swap' && raw['swap'] !== false;
  if (!isSpot && !isSwap) return ignored(`${String(type)} market`);
  if (isSpot && raw['index'] === true) return ignored('index, not tradable');

  const id = nonEmptyString(raw['id']);
  const base = nonEmptyString(raw['base']);
  const quote = nonEmptyString(raw['quote']);
  if (id === null || base === null || quote === null) return skip(venue, symbol, 'market without id, base or quote');

  let settle: string | null = null;
  let settlement: Market['settlement'] = null;
  let contractSize = 1;
  let amountUnit: AmountUnit = 'base';
  if (isSwap) {
    if (raw['linear'] === true) settlement = 'linear';
    else if (raw['inverse'] === true) settlement = 'inverse';
    else return skip(venue, symbol, 'perpetual is neither linear nor inverse (quanto?): carry has no formula for it');
    settle = nonEmptyString(raw['settle']);
    if (settle === null) return skip(venue, symbol, 'perpetual without a settlement currency');
    const cs = toPositive(raw['contractSize']);
    if (cs === null) return skip(venue, symbol, `perpetual without a positive contractSize (got ${String(raw['contractSize'])})`);
    contractSize = cs;
    amountUnit = profile.swapAmountUnit[settlement];
  }

  if (ctx.precisionMode === PRECISION_MODE.SIGNIFICANT_DIGITS) {
    return skip(venue, symbol, 'ccxt precision mode SIGNIFICANT_DIGITS has no fixed lot or tick: carry cannot round orders');
  }
  const precision = raw['precision'];
  const amountStep = precisionToStep(field(precision, 'amount'), ctx.precisionMode);
  const priceStep = precisionToStep(field(precision, 'price'), ctx.precisionMode);
  if (amountStep === null || priceStep === null) {
    return skip(venue, symbol, `missing or unreadable precision (amount ${String(field(precision, 'amount'))}, price ${String(field(precision, 'price'))})`);
  }

  const limits = raw['limits'];
  const minAmount = toPositive(field(field(limits, 'amount'), 'min'));
  const minCost = toPositive(field(field(limits, 'cost'), 'min'));
  const minPrice = toPositive(field(field(limits, 'price'), 'min'));
  // A step coarser than the venue's own minimum means the precision is not a tick size
  // (e.g. decimal places read as a step): rounding with it would be wildly wrong.
  if (minAmount !== null && amountStep > minAmount * (1 + 1e-9)) {
    return skip(venue, symbol, `amount step ${amountStep} exceeds minimum amount ${minAmount}: precision is not a tick size`);
  }
  if (minPrice !== null && priceStep > minPrice * (1 + 1e-9)) {
    return skip(venue, symbol, `price step ${priceStep} exceeds minimum price ${minPrice}: precision is not a tick size`);
  }

  const taker = toNumber(raw['taker']);
  const maker = toNumber(raw['maker']);
  if (taker === null || maker === null) return skip(venue, symbol, 'market without taker/maker fee');

  let fundingIntervalHours: number | null = null;
  if (isSwap && profile.fundingIntervalInfoMinutes !== null) {
    const minutes = toPositive(field(raw['info'], profile.fundingIntervalInfoMinutes));
    fundingIntervalHours = minutes === null ? null : minutes / 60;
  }

  return ok({
    venue,
    symbol,
    id,
    type: isSpot ? 'spot' : 'swap',
    base,
    quote,
    settle,
    settlement,
    contractSize,
    amountUnit,
    amountStep,
    priceStep,
    minAmount,
    minCost,
    taker,
    maker,
    // ccxt leaves `active` undefined when the venue does not say; only an explicit false is closed.
    active: raw['active'] !== false,
    marginable: isSpot && profile.spotMarginBorrow && raw['margin'] === true,
    fundingIntervalHours,
  });
}

// ---------------------------------------------------------------------------------------------
// Funding
// ---------------------------------------------------------------------------------------------

export interface FundingContext {
  readonly venue: VenueId;
  readonly profile: VenueProfile;
  readonly markets: MarketIndex;
  /** Binance fetchFundingIntervals: symbol → hours, for symbols the venue lists. */
  readonly intervals: ReadonlyMap<string, number> | null;
  readonly receivedAt: number;
}

function perpFor(ctx: FundingContext, symbol: string | null): Outcome<Market> {
  const found = lookup(ctx.markets, ctx.venue, symbol, 'funding row');
  if (found.kind !== 'ok') return found;
  if (found.value.type !== 'swap' || found.value.settlement === null || found.value.settle === null) {
    return skip(ctx.venue, symbol, 'funding row for a market that is not a perpetual');
  }
  return found;
}

function checkedRate(ctx: FundingContext, symbol: string, x: unknown): Outcome<number> {
  const rate = toNumber(x);
  if (rate === null) return skip(ctx.venue, symbol, `missing or non-numeric funding rate (${JSON.stringify(x) ?? 'undefined'})`);
  if (Math.abs(rate) > MAX_ABS_FUNDING_RATE) {
    return skip(ctx.venue, symbol, `implausible funding rate ${rate} (beyond ±${MAX_ABS_FUNDING_RATE} per interval): wrong units?`);
  }
  return ok(rate);
}

type Interval = { readonly hours: number; readonly source: 'venue' | 'default' };

function intervalFor(ctx: FundingContext, market: Market, ccxtInterval: unknown): Outcome<Interval> {
  const fallback: Interval = { hours: ctx.profile.defaultIntervalHours, source: 'default' };
  // ccxt's own interval string: absent → fall back; present but unreadable → skip, never default.
  const fromCcxt = (): Outcome<Interval | null> => {
    if (ccxtInterval === undefined || ccxtInterval === null) return ok(null);
    const hours = parseIntervalHours(ccxtInterval);
    return hours === null
      ? skip(ctx.venue, market.symbol, `unreadable funding interval ${JSON.stringify(ccxtInterval)}`)
      : ok({ hours, source: 'venue' });
  };
  const orFallback = (o: Outcome<Interval | null>): Outcome<Interval> =>
    o.kind === 'ok' ? ok(o.value ?? fallback) : (o as Outcome<Interval>);
  switch (ctx.profile.intervalSource) {
    case 'fixed':
      return ok({ hours: ctx.profile.defaultIntervalHours, source: 'venue' });
    case 'marketInfo':
      // Checked first: ccxt truncates minutes/60 to whole hours ('0h' for 30 min).
      if (market.fundingIntervalHours !== null) return ok({ hours: market.fundingIntervalHours, source: 'venue' });
      return orFallback(fromCcxt());
    case 'fundingIntervals': {
      const own = fromCcxt();
      if (own.kind !== 'ok' || own.value !== null) return orFallback(own);
      const listed = ctx.intervals?.get(market.symbol);
      // Binance fundingInfo lists only symbols moved off the default: unlisted = 8h by rule.
      return ok(listed !== undefined ? { hours: listed, source: 'venue' } : fallback);
    }
    case 'rate':
      return orFallback(fromCcxt());
  }
}

/** ccxt FundingRate (fetchFundingRates) → FundingSnapshot. */
export function normaliseFundingRate(raw: unknown, ctx: FundingContext): Outcome<FundingSnapshot> {
  if (!isRecord(raw)) return skip(ctx.venue, null, 'funding row is not an object');
  const found = perpFor(ctx, nonEmptyString(raw['symbol']));
  if (found.kind !== 'ok') return found;
  const market = found.value;
  const rate = checkedRate(ctx, market.symbol, raw['fundingRate']);
  if (rate.kind !== 'ok') return rate;
  const interval = intervalFor(ctx, market, raw['interval']);
  if (interval.kind !== 'ok') return interval;
  return ok(
    fundingSnapshot(ctx, market, {
      rate: rate.value,
      interval: interval.value,
      nextFundingTime: ctx.profile.continuousFunding ? null : toTimestamp(raw['fundingTimestamp']),
      markPrice: toPositive(raw['markPrice']),
      indexPrice: toPositive(raw['indexPrice']),
      eventTime: toTimestamp(raw['timestamp']),
    }),
  );
}

/**
 * Deribit book summary (ccxt Ticker from get_book_summary_by_currency) → FundingSnapshot.
 * Fields read from `info` (deribit.js parseTicker keeps the raw summary there):
 * funding_8h (realised over the trailing 8h), mark_price, and for the index: index_price when
 * present (public/ticker), else estimated_delivery_price, which for a perpetual is the index.
 */
export function normaliseDeribitTickerFunding(raw: unknown, ctx: FundingContext): Outcome<FundingSnapshot> {
  if (!isRecord(raw)) return skip(ctx.venue, null, 'ticker is not an object');
  const symbol = nonEmptyString(raw['symbol']);
  const found = lookup(ctx.markets, ctx.venue, symbol, 'ticker');
  if (found.kind !== 'ok') return found;
  const market = found.value;
  // Spot summaries carry no funding: not a perp row, nothing to report.
  if (market.type !== 'swap') return ignored('spot market has no funding');
  const info = raw['info'];
  const rate = checkedRate(ctx, market.symbol, field(info, 'funding_8h'));
  if (rate.kind !== 'ok') return rate;
  return ok(
    fundingSnapshot(ctx, market, {
      rate: rate.value,
      interval: { hours: ctx.profile.defaultIntervalHours, source: 'venue' },
      nextFundingTime: null,
      markPrice: toPositive(raw['markPrice']) ?? toPositive(field(info, 'mark_price')),
      indexPrice: toPositive(raw['indexPrice']) ?? toPositive(field(info, 'index_price')) ?? toPositive(field(info, 'estimated_delivery_price')),
      eventTime: toTimestamp(raw['timestamp']),
    }),
  );
}

function fundingSnapshot(
  ctx: FundingContext,
  market: Market,
  v: {
    rate: number;
    interval: Interval;
    nextFundingTime: number | null;
    markPrice: number | null;
    indexPrice: number | null;
    eventTime: number | null;
  },
): FundingSnapshot {
  return {
    venue: ctx.venue,
    symbol: market.symbol,
    base: market.base,
    quote: market.quote,
    settle: market.settle as string,
    settlement: market.settlement as NonNullable<Market['settlement']>,
    contractSize: market.contractSize,
    rate: v.rate,
    intervalHours: v.interval.hours,
    intervalSource: v.interval.source,
    continuous: ctx.profile.continuousFunding,
    rateKind: ctx.profile.rateKind,
    nextFundingTime: v.nextFundingTime,
    markPrice: v.markPrice,
    indexPrice: v.indexPrice,
    eventTime: v.eventTime,
    receivedAt: ctx.receivedAt,
  };
}

/** ccxt fetchFundingIntervals result → symbol → hours. Unreadable rows are skipped, not defaulted. */
export function normaliseFundingIntervals(
  raw: unknown,
  venue: VenueId,
): { readonly hours: ReadonlyMap<string, number>; readonly skipped: readonly SkippedItem[] } {
  const hours = new Map<string, number>();
  const skipped: SkippedItem[] = [];
  if (!isRecord(raw)) {
    return { hours, skipped: [{ venue, symbol: null, reason: 'fetchFundingIntervals result is not an object' }] };
  }
  for (const [key, row] of Object.entries(raw)) {
    const symbol = nonEmptyString(field(row, 'symbol')) ?? key;
    const h = parseIntervalHours(field(row, 'interval'));
    if (h === null) skipped.push({ venue, symbol, reason: `unreadable funding interval ${JSON.stringify(field(row, 'interval'))}` });
    else hours.set(symbol, h);
  }
  return { hours, skipped };
}

// ---------------------------------------------------------------------------------------------
// Tickers
// ---------------------------------------------------------------------------------------------

export interface TickerContext {
  readonly venue: VenueId;
  readonly profile: VenueProfile;
  readonly markets: MarketIndex;
  readonly receivedAt: number;
}

export function normaliseTicker(raw: unknown, ctx: TickerContext): Outcome<TickerSnapshot> {
  if (!isRecord(raw)) return skip(ctx.venue, null, 'ticker is not an object');
  const found = lookup(ctx.markets, ctx.venue, nonEmptyString(raw['symbol']), 'ticker');
  if (found.kind !== 'ok') return found;
  const market = found.value;
  const bid = toPositive(raw['bid']);
  const ask = toPositive(raw['ask']);
  const last = toPositive(raw['last']) ?? toPositive(raw['close']);
  let quoteVolume24h: number | null;
  if (market.type === 'swap' && ctx.profile.swapQuoteVolume === 'infoBaseTimesLast') {
    const baseVolume = toNonNegative(field(raw['info'], 'volCcy24h'));
    quoteVolume24h = baseVolume !== null && last !== null ? baseVolume * last : null;
  } else {
    quoteVolume24h = toNonNegative(raw['quoteVolume']);
  }
  if (bid === null && ask === null && last === null && quoteVolume24h === null) {
    return skip(ctx.venue, market.symbol, 'ticker has no usable price or volume');
  }
  return ok({
    venue: ctx.venue,
    symbol: market.symbol,
    bid,
    ask,
    last,
    quoteVolume24h,
    eventTime: toTimestamp(raw['timestamp']),
    receivedAt: ctx.receivedAt,
  });
}

// ---------------------------------------------------------------------------------------------
// Order books
// ---------------------------------------------------------------------------------------------

export interface BookContext {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly depth: number;
  readonly receivedAt: number;
}

function levels(side: unknown[], descending: boolean, depth: number): { levels: BookLevel[]; dropped: number } {
  const out: BookLevel[] = [];
  let dropped = 0;
  for (const level of side) {
    const price = Array.isArray(level) ? toPositive(level[0]) : null;
    const amount = Array.isArray(level) ? toPositive(level[1]) : null;
    if (price === null || amount === null) dropped++;
    else out.push([price, amount]);
  }
  out.sort((a, b) => (descending ? b[0] - a[0] : a[0] - b[0]));
  return { levels: out.slice(0, Math.max(0, depth)), dropped };
}

/**
 * Whether every level of `side` is a [price, amount] of positive finite numbers and the side is
 * best first (ties allowed). Numbers only, as ccxt's parsers give them: a side with numeric
 * strings (some fixtures) takes the general path, which reads those too.
 */
function cleanAndSorted(side: readonly unknown[], descending: boolean): boolean {
  let prev = descending ? Infinity : 0;
  for (let i = 0; i < side.length; i++) {
    const level = side[i];
    if (!Array.isArray(level)) return false;
    const price: unknown = level[0];
    const amount: unknown = level[1];
    if (typeof price !== 'number' || !(price > 0 && price < Infinity)) return false;
    if (typeof amount !== 'number' || !(amount > 0 && amount < Infinity)) return false;
    if (descending ? price > prev : price < prev) return false;
    prev = price;
  }
  return true;
}

/** The first `n` levels of a clean side into `buf` from level `at` (2 numbers a level). */
function packSide(side: readonly unknown[], n: number, buf: Float64Array, at: number): BookSide {
  for (let i = 0; i < n; i++) {
    const level = side[i] as readonly number[];
    buf[2 * (at + i)] = level[0] as number;
    buf[2 * (at + i) + 1] = level[1] as number;
  }
  return { levels: buf.subarray(2 * at, 2 * (at + n)), length: n };
}

/**
 * The common case read in one pass, with no intermediate level arrays: both sides clean and
 * already best first, as venues send them. Gives exactly what the general path below gives for
 * such a book (its stable sort leaves a sorted side as it is; levels past `depth` are cut the
 * same way; the two sides share one buffer, bids first, as orderBook() lays them out); null when
 * any level is malformed or out of order, which the general path then filters, counts and sorts.
 * Scans fetch tens of books a minute: this is most of what normalising them costs.
 */
function packIfClean(bids: readonly unknown[], asks: readonly unknown[], depth: number): { readonly bids: BookSide; readonly asks: BookSide } | null {
  if (!cleanAndSorted(bids, true) || !cleanAndSorted(asks, false)) return null;
  const d = Math.max(0, depth);
  const nb = Math.min(bids.length, d);
  const na = Math.min(asks.length, d);
  if (nb === 0 && na === 0) return null; // the general path reports it
  const buf = new Float64Array(2 * (nb + na));
  return { bids: packSide(bids, nb, buf, 0), asks: packSide(asks, na, buf, nb) };
}

/**
 * ccxt OrderBook → OrderBook: best first, only positive finite levels, at most `depth` a side,
 * packed (book.ts). `dropped` counts malformed levels so the caller can report them. One empty
 * side is a real state (one-sided book); both empty is not accepted.
 */
export function normaliseOrderBook(
  raw: unknown,
  ctx: BookContext,
): { readonly kind: 'ok'; readonly book: OrderBook; readonly dropped: number } | { readonly kind: 'skipped'; readonly skipped: SkippedItem } {
  const bad = (reason: string) => ({ kind: 'skipped' as const, skipped: { venue: ctx.venue, symbol: ctx.symbol, reason } });
  if (!isRecord(raw)) return bad('order book is not an object');
  const { bids, asks } = raw;
  if (!Array.isArray(bids) || !Array.isArray(asks)) return bad('order book without bids/asks arrays');
  const rawSymbol = nonEmptyString(raw['symbol']);
  if (rawSymbol !== null && rawSymbol !== ctx.symbol) return bad(`order book is for ${rawSymbol}, asked for ${ctx.symbol}`);
  const fast = packIfClean(bids, asks, ctx.depth);
  if (fast !== null) {
    return {
      kind: 'ok',
      dropped: 0,
      book: { venue: ctx.venue, symbol: ctx.symbol, bids: fast.bids, asks: fast.asks, eventTime: toTimestamp(raw['timestamp']), receivedAt: ctx.receivedAt },
    };
  }
  const b = levels(bids, true, ctx.depth);
  const a = levels(asks, false, ctx.depth);
  // ccxt parses an unreadable body into a book with no levels: an empty book on both sides is
  // treated as a bad answer rather than as "no liquidity", which would look like real data.
  if (b.levels.length === 0 && a.levels.length === 0) {
    return bad(`order book has no usable level on either side${b.dropped + a.dropped > 0 ? ` (${b.dropped + a.dropped} malformed)` : ''}`);
  }
  return {
    kind: 'ok',
    dropped: b.dropped + a.dropped,
    // Cannot throw: the levels were filtered to positive finite numbers and sorted above.
    book: orderBook({
      venue: ctx.venue,
      symbol: ctx.symbol,
      bids: b.levels,
      asks: a.levels,
      eventTime: toTimestamp(raw['timestamp']),
      receivedAt: ctx.receivedAt,
    }),
  };
}
