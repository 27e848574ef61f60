/**
 * Replays a tape as CcxtCalls: a call at clock time t is answered by the latest record with
 * ts ≤ t for the same venue, method, symbol and params (docs/tape-format.md, "Matching").
 * A call the tape cannot answer throws CARRY_TAPE_MISS (action 'skip') saying what the tape
 * has instead. Lookups are a few map hits and one binary search on ts.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Clock } from '../../domain/clock.js';
import { CarryError } from '../../domain/errors.js';
import { TAPE_METHODS, type CcxtCalls, type TapeMethod } from '../ccxt-calls.js';
import { deepFreeze } from './deep-freeze.js';
import { isErrorRecord, parseTapeLine, serializeArgs, type JsonValue, type TapeRecord } from './format.js';
import { paramEntries, paramsKey, paramsOf, paramsSubset, symbolOf } from './match-key.js';
import { fromRecordedError } from './recorded-error.js';

interface Entry {
  readonly ts: number;
  /** Position in the tape (files in the order given, then line order): later wins a ts tie. */
  readonly seq: number;
  readonly record: TapeRecord;
  frozen: boolean;
}

/** All records of one venue + method + symbol + params, sorted by (ts, seq). */
interface Series {
  readonly key: string;
  readonly params: ReadonlyMap<string, string> | null;
  readonly entries: Entry[];
}

interface SymbolIndex {
  readonly byParams: Map<string, Series>;
  /** Asked params key → the series that answer it when no series has those exact params. */
  readonly fallback: Map<string, readonly Series[]>;
}

interface VenueIndex {
  readonly methods: Map<TapeMethod, Map<string | null, SymbolIndex>>;
  start: number;
  end: number;
  records: number;
  firstLoadMarketsTs: number | null;
}

export interface VenueTapeSummary {
  readonly venue: string;
  readonly start: number;
  readonly end: number;
  readonly records: number;
  readonly firstLoadMarketsTs: number | null;
  readonly methods: readonly TapeMethod[];
}

export interface ReplayOptions {
  /**
   * Refuse (as a miss) a record older than this at the time of the call, instead of
   * answering a call long after the tape stopped with its last, stale snapshot.
   */
  readonly maxAgeMs?: number;
}

const iso = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

function describeCall(venue: string, method: TapeMethod, args: readonly JsonValue[]): string {
  return `${venue} ${method}(${JSON.stringify(args).slice(1, -1)})`;
}

/** Index of the last entry with ts ≤ t, or -1. */
function lastAtOrBefore(entries: readonly Entry[], t: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((entries[mid] as Entry).ts <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function listSome(items: readonly string[], max = 8): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown}, … (${items.length} in all)` : shown;
}

function isStringArray(v: unknown): v is readonly string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

function isPlainObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Mimics what the venue would return for the asked arguments, from a broader recorded answer. */
function shapeAnswer(method: TapeMethod, args: readonly JsonValue[], result: unknown): unknown {
  if (method === 'fetchOrderBook') {
    const limit = args[1];
    if (typeof limit !== 'number' || !isPlainObject(result)) return result;
    const { bids, asks } = result;
    const longer = (side: unknown): boolean => Array.isArray(side) && side.length > limit;
    if (!longer(bids) && !longer(asks)) return result;
    const cut = (side: unknown): unknown => (longer(side) ? Object.freeze((side as unknown[]).slice(0, limit)) : side);
    return Object.freeze({ ...result, bids: cut(bids), asks: cut(asks) });
  }
  if (method === 'fetchTickers' || method === 'fetchFundingRates' || method === 'fetchFundingIntervals') {
    const symbols = args[0];
    if (!isStringArray(symbols) || !isPlainObject(result)) return result;
    const out: Record<string, unknown> = {};
    for (const s of symbols) if (Object.hasOwn(result, s)) out[s] = result[s];
    return Object.freeze(out);
  }
  return result;
}

export class TapeReplayer {
  readonly files: readonly string[];
  /** ts of the first and last record (ms epoch). */
  readonly start: number;
  readonly end: number;
  readonly records: number;
  readonly venues: readonly string[];
  /** ts of the first loadMarkets record of any venue, null if the tape has none. */
  readonly firstLoadMarketsTs: number | null;
  /**
   * The earliest time at which every venue with a loadMarkets record can load its markets:
   * where a replay clock should start. `start` when the tape has no loadMarkets at all.
   */
  readonly readyAt: number;
  private readonly index: ReadonlyMap<string, VenueIndex>;
  private readonly label: string;

  /** Use loadTape(); this is for tapes built in memory. */
  constructor(records: readonly TapeRecord[], files: readonly string[] = ['(memory)']) {
    if (records.length === 0) {
      throw new CarryError('CARRY_TAPE_INVALID', 'stop', `tape ${files.join(', ')} has no records`);
    }
    this.files = files;
    this.label = files.map((f) => basename(f)).join(', ');
    const index = new Map<string, VenueIndex>();
    let start = Infinity;
    let end = -Infinity;
    records.forEach((record, seq) => {
      let v = index.get(record.venue);
      if (v === undefined) {
        v = { methods: new Map(), start: Infinity, end: -Infinity, records: 0, firstLoadMarketsTs: null };
        index.set(record.venue, v);
      }
      v.records++;
      v.start = Math.min(v.start, record.ts);
      v.end = Math.max(v.end, record.ts);
      if (record.method === 'loadMarkets' && (v.firstLoadMarketsTs === null || record.ts < v.firstLoadMarketsTs)) {
        v.firstLoadMarketsTs = record.ts;
      }
      start = Math.min(start, record.ts);
      end = Math.max(end, record.ts);

      let bySymbol = v.methods.get(record.method);
      if (bySymbol === undefined) v.methods.set(record.method, (bySymbol = new Map()));
      const symbol = symbolOf(record.args);
      let sym = bySymbol.get(symbol);
      if (sym === undefined) bySymbol.set(symbol, (sym = { byParams: new Map(), fallback: new Map() }));
      const key = paramsKey(record.method, record.args);
      let series = sym.byParams.get(key);
      if (series === undefined) {
        series = { key, params: paramEntries(paramsOf(record.method, record.args)), entries: [] };
        sym.byParams.set(key, series);
      }
      series.entries.push({ ts: record.ts, seq, record, frozen: false });
    });
    // Array.prototype.sort is stable, so equal ts keep tape order (seq).
    for (const v of index.values())
      for (const bySymbol of v.methods.values())
        for (const sym of bySymbol.values()) for (const s of sym.byParams.values()) s.entries.sort((a, b) => a.ts - b.ts);

    this.index = index;
    this.records = records.length;
    this.start = start;
    this.end = end;
    this.venues = [...index.keys()].sort();
    const lm = [...index.values()].map((v) => v.firstLoadMarketsTs).filter((t): t is number => t !== null);
    this.firstLoadMarketsTs = lm.length > 0 ? Math.min(...lm) : null;
    this.readyAt = lm.length > 0 ? Math.max(...lm) : start;
  }

  summary(venue: string): VenueTapeSummary | undefined {
    const v = this.index.get(venue);
    if (v === undefined) return undefined;
    return {
      venue,
      start: v.start,
      end: v.end,
      records: v.records,
      firstLoadMarketsTs: v.firstLoadMarketsTs,
      methods: TAPE_METHODS.filter((m) => v.methods.has(m)),
    };
  }

  /**
   * The record answering `method(...args)` on `venue` at time `at`. Throws CARRY_TAPE_MISS
   * when there is none. `args` are the call's own arguments (serialised here).
   */
  lookup(venue: string, method: TapeMethod, args: readonly unknown[], at: number, opts: ReplayOptions = {}): TapeRecord {
    const sargs = serializeArgs(args);
    return this.find(venue, method, sargs, at, opts).record;
  }

  /** A CcxtCalls for one venue that answers every call at `clock.now()`. */
  callsFor(venue: string, clock: Clock, opts: ReplayOptions = {}): CcxtCalls {
    const v = this.index.get(venue);
    const has: Record<string, boolean> = {};
    for (const m of TAPE_METHODS) has[m] = v?.methods.has(m) ?? false;
    Object.freeze(has);

    const answer = async (method: TapeMethod, args: readonly unknown[]): Promise<never> => {
      const sargs = serializeArgs(args);
      const entry = this.find(venue, method, sargs, clock.now(), opts);
      const r = entry.record;
      if (isErrorRecord(r)) throw fromRecordedError(r.error);
      return shapeAnswer(method, sargs, r.result) as never;
    };

    return {
      id: venue,
      has,
      loadMarkets: (...a) => answer('loadMarkets', a),
      fetchFundingRates: (...a) => answer('fetchFundingRates', a),
      fetchFundingIntervals: (...a) => answer('fetchFundingIntervals', a),
      fetchTickers: (...a) => answer('fetchTickers', a),
      fetchOrderBook: (...a) => answer('fetchOrderBook', a),
      fetchTradingFees: (...a) => answer('fetchTradingFees', a),
      fetchFundingRateHistory: (...a) => answer('fetchFundingRateHistory', a),
      fetchCrossBorrowRate: (...a) => answer('fetchCrossBorrowRate', a),
    };
  }

  private miss(venue: string, method: TapeMethod, args: readonly JsonValue[], at: number, why: string): CarryError {
    return new CarryError(
      'CARRY_TAPE_MISS',
      'skip',
      `tape miss: ${describeCall(venue, method, args)} at ${iso(at)}: ${why} (tape ${this.label})`,
      { venue },
    );
  }

  private find(venue: string, method: TapeMethod, args: readonly JsonValue[], at: number, opts: ReplayOptions): Entry {
    const v = this.index.get(venue);
    if (v === undefined) {
      throw this.miss(venue, method, args, at, `the tape has no records for venue ${venue} (venues in the tape: ${this.venues.join(', ')})`);
    }
    const bySymbol = v.methods.get(method);
    if (bySymbol === undefined) {
      const have = TAPE_METHODS.filter((m) => v.methods.has(m));
      throw this.miss(venue, method, args, at, `the tape has no ${method} records for ${venue} (it has: ${have.join(', ')})`);
    }
    const symbol = symbolOf(args);
    const sym = bySymbol.get(symbol);
    if (sym === undefined) {
      const recorded = [...bySymbol.keys()].map((s) => s ?? '(no symbol)');
      const what = symbol === null ? 'without a symbol' : `for ${symbol}`;
      throw this.miss(venue, method, args, at, `no ${method} records ${what} (recorded: ${listSome(recorded)})`);
    }
    const forWhat = symbol === null ? method : `${method} ${symbol}`;
    const candidates = this.candidates(sym, method, args);
    if (candidates.length === 0) {
      const recorded = [...sym.byParams.keys()];
      throw this.miss(
        venue,
        method,
        args,
        at,
        `no ${forWhat} record has these params or a subset of them (recorded params: ${listSome(recorded)})`,
      );
    }

    let best: Entry | undefined;
    let earliest = Infinity;
    for (const s of candidates) {
      earliest = Math.min(earliest, (s.entries[0] as Entry).ts);
      const i = lastAtOrBefore(s.entries, at);
      const e = s.entries[i];
      if (e !== undefined && (best === undefined || e.ts > best.ts || (e.ts === best.ts && e.seq > best.seq))) best = e;
    }
    const withParams = candidates.length === 1 && (candidates[0] as Series).key !== '{}' ? ` ${(candidates[0] as Series).key}` : '';
    if (best === undefined) {
      throw this.miss(venue, method, args, at, `the earliest ${forWhat}${withParams} record is at ${iso(earliest)}`);
    }
    if (opts.maxAgeMs !== undefined && at - best.ts > opts.maxAgeMs) {
      throw this.miss(
        venue,
        method,
        args,
        at,
        `the latest ${forWhat}${withParams} record, at ${iso(best.ts)}, is older than ${opts.maxAgeMs} ms`,
      );
    }
    if (!best.frozen) {
      // Frozen on first use, not at load: records never asked for cost nothing.
      deepFreeze(best.record);
      best.frozen = true;
    }
    return best;
  }

  /**
   * The series allowed to answer: the one with exactly the asked params if the tape has it
   * (at any time); otherwise those whose params are a subset of the asked ones, keeping only
   * the most specific (most params). See docs/tape-format.md, "Matching".
   */
  private candidates(sym: SymbolIndex, method: TapeMethod, args: readonly JsonValue[]): readonly Series[] {
    const key = paramsKey(method, args);
    const exact = sym.byParams.get(key);
    if (exact !== undefined) return [exact];
    const cached = sym.fallback.get(key);
    if (cached !== undefined) return cached;
    const asked = paramEntries(paramsOf(method, args));
    let chosen: Series[] = [];
    let size = -1;
    for (const s of sym.byParams.values()) {
      if (!paramsSubset(s.params, asked)) continue;
      const n = s.params?.size ?? 0;
      if (n > size) {
        chosen = [s];
        size = n;
      } else if (n === size) chosen.push(s);
    }
    sym.fallback.set(key, chosen);
    return chosen;
  }
}

function readTapeText(file: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new CarryError('CARRY_TAPE_INVALID', 'stop', `cannot read tape ${file}: ${(e as Error).message}`, { cause: e });
  }
  if (file.endsWith('.gz')) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new CarryError('CARRY_TAPE_INVALID', 'stop', `tape ${file} is not valid gzip: ${(e as Error).message}`, { cause: e });
    }
  }
  return buf.toString('utf8');
}

/** Parses every line of one tape file (blank lines skipped), appending to `out`. */
export function readTapeRecords(file: string, out: TapeRecord[] = []): TapeRecord[] {
  const text = readTapeText(file);
  let lineNo = 0;
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl === -1) nl = text.length;
    lineNo++;
    let line = text.slice(pos, nl);
    pos = nl + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    out.push(parseTapeLine(line, { file, line: lineNo }));
  }
  return out;
}

/**
 * Loads and validates a tape (or several, e.g. one file per day, indexed as one). Every
 * line is validated; the first bad one throws CARRY_TAPE_INVALID naming file and line.
 * `.gz` files are gunzipped. The whole tape is held in memory.
 */
export function loadTape(file: string | readonly string[]): TapeReplayer {
  const files = typeof file === 'string' ? [file] : [...file];
  if (files.length === 0) throw new CarryError('CARRY_TAPE_INVALID', 'stop', 'no tape file given');
  const records: TapeRecord[] = [];
  for (const f of files) readTapeRecords(f, records);
  return new TapeReplayer(records, files);
}
