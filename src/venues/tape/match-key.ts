/**
 * The parts of a call that decide which tape records may answer it (docs/tape-format.md,
 * "Matching"): the symbol and the params object. Both are read from serialised args
 * (format.ts serializeArgs), so a recorded line and a live call give the same key.
 */
import type { TapeMethod } from '../ccxt-calls.js';
import { canonicalJson, type JsonValue } from './format.js';

/** Where each method takes its ccxt `params` object (the signatures in ccxt-calls.ts). */
export const PARAMS_ARG_INDEX: Readonly<Record<TapeMethod, number>> = {
  loadMarkets: 1,
  fetchFundingRates: 1,
  fetchFundingIntervals: 1,
  fetchTickers: 1,
  fetchOrderBook: 2,
  fetchTradingFees: 0,
  fetchFundingRateHistory: 3,
  fetchCrossBorrowRate: 1,
};

/**
 * args[0] when it is a string (fetchOrderBook and fetchFundingRateHistory: the symbol;
 * fetchCrossBorrowRate: the currency code), else null.
 */
export function symbolOf(args: readonly unknown[]): string | null {
  const a = args[0];
  return typeof a === 'string' ? a : null;
}

/** The params argument; absent or null params are the empty object. */
export function paramsOf(method: TapeMethod, args: readonly unknown[]): unknown {
  const p = args[PARAMS_ARG_INDEX[method]];
  return p === undefined || p === null ? {} : p;
}

/** The params discriminator: canonical JSON (sorted keys) of the params argument. */
export function paramsKey(method: TapeMethod, args: readonly unknown[]): string {
  return canonicalJson(paramsOf(method, args));
}

function isPlainObject(v: unknown): v is Readonly<Record<string, JsonValue>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Each top-level param as canonical JSON, or null when params is not an object. */
export function paramEntries(params: unknown): ReadonlyMap<string, string> | null {
  if (!isPlainObject(params)) return null;
  const m = new Map<string, string>();
  for (const k of Object.keys(params)) m.set(k, canonicalJson(params[k]));
  return m;
}

/**
 * True when every param of the recorded call was also given, with an equal value, by the
 * asked call: the recorded call asked for no more than this one (e.g. `{}` ⊆ any,
 * `{type:'swap'}` ⊆ `{type:'swap', subType:'linear'}`, but `{code:'BTC'}` ⊄ `{code:'ETH'}`).
 */
export function paramsSubset(recorded: ReadonlyMap<string, string> | null, asked: ReadonlyMap<string, string> | null): boolean {
  if (recorded === null || asked === null) return false;
  for (const [k, v] of recorded) if (asked.get(k) !== v) return false;
  return true;
}
