/**
 * ccxt's unified structures, rebuilt without ccxt's string arithmetic.
 *
 * Key order, undefined-valued keys and derived fields follow ccxt 4.5.84's base Exchange
 * (safeMarketStructure, setMarkets, safeTicker, parseOrderBook). Derived ticker fields are
 * computed in exact decimal units the way ccxt's Precise does (truncating divisions at 18
 * decimals), so the sim's output equals ccxt parsing the sim's own `info` — the shape tests
 * check exactly that against real ccxt.
 */
import { formatUnits, pow10 } from './decimal.js';

/** A decimal value: `u` integer units of 10^-d. */
export interface Dec {
  readonly u: number;
  readonly d: number;
}

export function dec(u: number, d: number): Dec {
  return { u, d };
}

export function decValue(x: Dec): number {
  return x.u / pow10(x.d);
}

export function decText(x: Dec, decimals: number = x.d): string {
  return formatUnits(x.u, x.d, decimals);
}

/** Round a real number to `d` decimals as a Dec. */
export function decOf(x: number, d: number): Dec {
  return { u: Math.round(x * pow10(d)), d };
}

/**
 * Like decOf but with at most 15 significant digits, so the units stay exact in a double
 * (a venue printing 191907024.69597728 has more digits than parseFloat keeps anyway).
 */
export function decOfSig(x: number, maxDecimals: number): Dec {
  const ax = Math.abs(x);
  const intDigits = ax >= 1 ? Math.floor(Math.log10(ax)) + 1 : 0;
  return decOf(x, Math.max(0, Math.min(maxDecimals, 15 - intDigits)));
}

function scaled(x: Dec, d: number): number {
  return x.d === d ? x.u : x.u * pow10(d - x.d);
}

export function decSub(a: Dec, b: Dec): Dec {
  const d = Math.max(a.d, b.d);
  return { u: scaled(a, d) - scaled(b, d), d };
}

export function decMulPow10(a: Dec, e: number): Dec {
  return e <= a.d ? { u: a.u, d: a.d - e } : { u: a.u * pow10(e - a.d), d: 0 };
}

/** Precise.stringDiv(stringAdd(a, b), '2', precision): truncated toward zero. */
export function decAverage(a: Dec, b: Dec, precision: number): number {
  const d = Math.max(a.d, b.d);
  const sum = scaled(a, d) + scaled(b, d);
  if (precision >= d && precision - d <= 15) {
    const num = sum * pow10(precision - d);
    if (Number.isSafeInteger(num)) return Math.trunc(num / 2) / pow10(precision);
  } else if (precision < d) {
    return Math.trunc(Math.trunc(sum / pow10(d - precision)) / 2) / pow10(precision);
  }
  return bigDiv(BigInt(sum), d, 2n, 0, precision);
}

function bigDiv(a: bigint, ad: number, b: bigint, bd: number, precision: number): number {
  const distance = precision - ad + bd;
  const num = distance >= 0 ? a * 10n ** BigInt(distance) : a / 10n ** BigInt(-distance);
  return bigToNumber(num / b, precision);
}

function bigToNumber(v: bigint, decimals: number): number {
  const neg = v < 0n;
  let s = (neg ? -v : v).toString();
  if (s.length <= decimals) s = '0'.repeat(decimals - s.length + 1) + s;
  const txt = `${neg ? '-' : ''}${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
  return Number(txt);
}

/** Precise.stringDiv(a, b) (18 decimals, truncated) as ccxt's parseNumber reads it; undefined if b is 0. */
export function preciseDiv(a: Dec, b: Dec): number | undefined {
  if (b.u === 0) return undefined;
  return bigDiv(BigInt(a.u), a.d, BigInt(b.u), b.d, 18);
}

/** Precise.stringMul(Precise.stringDiv(a, b), '100'). */
export function precisePercent(a: Dec, b: Dec): number | undefined {
  if (b.u === 0) return undefined;
  const distance = 18 - a.d + b.d;
  const A = BigInt(a.u);
  const num = distance >= 0 ? A * 10n ** BigInt(distance) : A / 10n ** BigInt(-distance);
  return bigToNumber((num / BigInt(b.u)) * 100n, 18);
}

/** Decimals of a step as ccxt counts them (precisionFromString of the number): "0.10" → 1. */
export function stepPrecision(stepValue: number): number {
  const s = stepValue.toString();
  if (s.includes('e-')) return Number(s.split('e-')[1]) + (s.split('e-')[0]?.split('.')[1]?.length ?? 0);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

// --- markets -------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function isPlain(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && (v as object).constructor === Object;
}

/** ccxt's deepExtend: plain objects merge recursively, anything else (undefined included) overwrites. */
export function deepExtend(...args: Obj[]): Obj {
  const out: Obj = {};
  for (const arg of args) {
    for (const key of Object.keys(arg)) {
      const value = arg[key];
      const current = out[key];
      out[key] = isPlain(current) && isPlain(value) ? deepExtend(current, value) : value;
    }
  }
  return out;
}

export function safeMarketStructure(market?: Obj): Obj {
  const clean: Obj = {
    id: undefined,
    lowercaseId: undefined,
    symbol: undefined,
    base: undefined,
    quote: undefined,
    settle: undefined,
    baseId: undefined,
    quoteId: undefined,
    settleId: undefined,
    type: undefined,
    spot: undefined,
    margin: undefined,
    swap: undefined,
    future: undefined,
    option: undefined,
    index: undefined,
    active: undefined,
    contract: undefined,
    linear: undefined,
    inverse: undefined,
    subType: undefined,
    taker: undefined,
    maker: undefined,
    contractSize: undefined,
    expiry: undefined,
    expiryDatetime: undefined,
    strike: undefined,
    optionType: undefined,
    precision: { amount: undefined, price: undefined, cost: undefined, base: undefined, quote: undefined },
    limits: {
      leverage: { min: undefined, max: undefined },
      amount: { min: undefined, max: undefined },
      price: { min: undefined, max: undefined },
      cost: { min: undefined, max: undefined },
    },
    marginModes: { cross: undefined, isolated: undefined },
    created: undefined,
    info: undefined,
  };
  if (market === undefined) return clean;
  const result = { ...clean, ...market };
  if (result['spot'] === true) {
    for (const k of ['contract', 'swap', 'future', 'option', 'index']) if (result[k] === undefined) result[k] = false;
  }
  return result;
}

const EMPTY_LIMITS: Obj = { leverage: {}, amount: {}, price: {}, cost: {} };

/**
 * What ccxt's setMarkets stores for a parsed market: defined keys merged over the clean
 * structure, the exchange's default limits and trading fees, and subType from linear/inverse.
 */
export function finalizeMarket(parsed: Obj, feesTrading: Obj): Obj {
  const defined: Obj = {};
  for (const k of Object.keys(parsed)) if (parsed[k] !== undefined) defined[k] = parsed[k];
  const market = deepExtend(safeMarketStructure(), { precision: undefined, limits: EMPTY_LIMITS }, feesTrading, defined);
  market['subType'] = market['linear'] === true ? 'linear' : market['inverse'] === true ? 'inverse' : undefined;
  return market;
}

// --- tickers -------------------------------------------------------------------------

export interface TickerInput {
  readonly symbol: string;
  readonly timestamp: number | undefined;
  readonly high?: Dec | undefined;
  readonly low?: Dec | undefined;
  readonly bid?: Dec | undefined;
  readonly bidVolume?: Dec | undefined;
  readonly ask?: Dec | undefined;
  readonly askVolume?: Dec | undefined;
  readonly vwap?: Dec | undefined;
  readonly open?: Dec | undefined;
  readonly last?: Dec | undefined;
  readonly previousClose?: Dec | undefined;
  readonly change?: Dec | undefined;
  readonly percentage?: Dec | undefined;
  readonly baseVolume?: Dec | undefined;
  readonly quoteVolume?: Dec | undefined;
  readonly markPrice?: Dec | undefined;
  readonly indexPrice?: Dec | undefined;
  readonly info: unknown;
  /** Decimals ccxt uses for `average` (tick decimals when the parser passes the market, else 18). */
  readonly averagePrecision: number;
}

const nz = (x: Dec | undefined): Dec | undefined => (x === undefined || x.u === 0 ? undefined : x);
const num = (x: Dec | undefined): number | undefined => (x === undefined ? undefined : decValue(x));

/** ccxt safeTicker for the inputs the sim's venues give (open/close/change/percentage/vwap rules). */
export function tickerShape(t: TickerInput): Obj {
  let open = nz(t.open);
  const close = nz(t.last);
  let change = t.change;
  const pctIn = nz(t.percentage);
  let percentage: number | undefined = pctIn === undefined ? undefined : decValue(pctIn);
  let vwap: number | undefined = t.vwap === undefined ? undefined : decValue(t.vwap);
  if (t.vwap === undefined && nz(t.quoteVolume) !== undefined && t.baseVolume !== undefined) {
    vwap = preciseDiv(t.quoteVolume as Dec, t.baseVolume);
  }
  if (change !== undefined && open === undefined && close !== undefined) open = decSub(close, change);
  if (change === undefined && close !== undefined && open !== undefined) change = decSub(close, open);
  let average: number | undefined;
  if (open !== undefined) {
    if (percentage === undefined && change !== undefined) percentage = precisePercent(change, open);
    if (close !== undefined) average = decAverage(open, close, t.averagePrecision);
  }
  const closeNum = num(close);
  return {
    symbol: t.symbol,
    timestamp: t.timestamp,
    datetime: iso(t.timestamp),
    high: num(nz(t.high)),
    low: num(nz(t.low)),
    bid: num(nz(t.bid)),
    bidVolume: num(t.bidVolume),
    ask: num(nz(t.ask)),
    askVolume: num(t.askVolume),
    vwap,
    open: num(open),
    close: closeNum,
    last: closeNum,
    previousClose: num(t.previousClose),
    change: num(change),
    percentage,
    average,
    baseVolume: num(t.baseVolume),
    quoteVolume: num(t.quoteVolume),
    markPrice: num(t.markPrice),
    indexPrice: num(t.indexPrice),
    info: t.info,
  };
}

// --- funding rates -------------------------------------------------------------------

export interface FundingInput {
  readonly info: unknown;
  readonly symbol: string;
  readonly markPrice?: number | undefined;
  readonly indexPrice?: number | undefined;
  readonly interestRate?: number | undefined;
  readonly estimatedSettlePrice?: number | undefined;
  readonly timestamp?: number | undefined;
  readonly fundingRate: number | undefined;
  readonly fundingTimestamp?: number | undefined;
  readonly nextFundingRate?: number | undefined;
  readonly nextFundingTimestamp?: number | undefined;
  readonly interval?: string | undefined;
}

const isoCache = new Map<number, string>();
/** ccxt's iso8601; a call repeats a handful of instants (now, next settlements), so they are remembered. */
export function iso(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  let text = isoCache.get(ms);
  if (text === undefined) {
    if (isoCache.size > 256) isoCache.clear();
    text = new Date(ms).toISOString();
    isoCache.set(ms, text);
  }
  return text;
}

/**
 * Sets `obj.info` (declared first as a placeholder so it keeps ccxt's key position) from a
 * builder. An accessor that built it lazily was tried: defineProperty pushed objects into
 * dictionary mode and cost more than the strings it saved.
 */
export function withInfo<T extends Obj>(obj: T, build: () => Obj): T {
  (obj as Obj)['info'] = build();
  return obj;
}

/** The FundingRate structure every ccxt parser builds (same key order in all four). */
export function fundingRateShape(f: FundingInput): Obj {
  return {
    info: f.info,
    symbol: f.symbol,
    markPrice: f.markPrice,
    indexPrice: f.indexPrice,
    interestRate: f.interestRate,
    estimatedSettlePrice: f.estimatedSettlePrice,
    timestamp: f.timestamp,
    datetime: iso(f.timestamp),
    fundingRate: f.fundingRate,
    fundingTimestamp: f.fundingTimestamp,
    fundingDatetime: iso(f.fundingTimestamp),
    nextFundingRate: f.nextFundingRate,
    nextFundingTimestamp: f.nextFundingTimestamp,
    nextFundingDatetime: iso(f.nextFundingTimestamp),
    previousFundingRate: undefined,
    previousFundingTimestamp: undefined,
    previousFundingDatetime: undefined,
    interval: f.interval,
  };
}

/** Funding-rate history row as the discrete-interval parsers build it. */
export function historyRowShape(info: unknown, symbol: string, rate: number | undefined, timestamp: number): Obj {
  return { info, symbol, fundingRate: rate, timestamp, datetime: iso(timestamp) };
}

// --- order books ---------------------------------------------------------------------

export function orderBookShape(symbol: string, bids: unknown[], asks: unknown[], timestamp: number | undefined, nonce?: number): Obj {
  return {
    symbol,
    bids,
    asks,
    timestamp,
    datetime: iso(timestamp),
    nonce,
  };
}
