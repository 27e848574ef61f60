/**
 * carry's tape format (docs/tape-format.md): NDJSON, one recorded ccxt call per line,
 * `{"ts", "venue", "method", "args", "result"}` or, for a call that failed, `"error"` instead
 * of `"result"`. This file owns the record type, the per-line validator and the one canonical
 * JSON serialisation of call arguments, so that the recorder and the replayer agree on it.
 */
import { z } from 'zod';
import { CarryError } from '../../domain/errors.js';
import { TAPE_METHODS, type TapeMethod } from '../ccxt-calls.js';

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [k: string]: JsonValue };

/** A failed call: the ccxt error class name (e.g. "RequestTimeout") and its message. */
export interface RecordedError {
  readonly name: string;
  readonly message: string;
}

interface RecordBase {
  /** ms epoch when the call returned (or failed). */
  readonly ts: number;
  /** ccxt exchange id. */
  readonly venue: string;
  readonly method: TapeMethod;
  /** Call arguments as serializeArgs() writes them. */
  readonly args: readonly unknown[];
}
export interface TapeResultRecord extends RecordBase {
  readonly result: unknown;
  readonly error?: undefined;
}
export interface TapeErrorRecord extends RecordBase {
  readonly result?: undefined;
  readonly error: RecordedError;
}
export type TapeRecord = TapeResultRecord | TapeErrorRecord;

export function isErrorRecord(r: TapeRecord): r is TapeErrorRecord {
  return r.error !== undefined;
}

// Unknown top-level keys are ignored (stripped), so later versions can add fields.
const lineSchema = z.object({
  ts: z.number().nonnegative(),
  venue: z.string().min(1),
  method: z.enum(TAPE_METHODS),
  args: z.array(z.unknown()),
  result: z.unknown().optional(),
  error: z.object({ name: z.string().min(1), message: z.string() }).optional(),
});

export interface LinePosition {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
}

function invalid(pos: LinePosition, what: string): CarryError {
  return new CarryError('CARRY_TAPE_INVALID', 'stop', `${pos.file}:${pos.line}: ${what}`);
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(record)' : out;
}

/** ` (found <value>)` for the value at `path`, shortened; empty when there is none. */
function foundAt(raw: unknown, path: readonly PropertyKey[]): string {
  let v = raw;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return '';
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  if (v === undefined) return '';
  const text = JSON.stringify(v) ?? String(v);
  return ` (found ${text.length > 60 ? `${text.slice(0, 60)}…` : text})`;
}

/**
 * Parses and validates one tape line. Throws CARRY_TAPE_INVALID naming the file, the line
 * number and the offending field.
 */
export function parseTapeLine(text: string, pos: LinePosition): TapeRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw invalid(pos, `not valid JSON (${(e as Error).message})`);
  }
  const parsed = lineSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path ?? [];
    throw invalid(pos, `field "${fieldPath(path)}": ${issue?.message ?? 'invalid'}${foundAt(raw, path)}`);
  }
  const r = parsed.data;
  // JSON has no undefined, so "key absent" and "value undefined" are the same thing here.
  const hasResult = r.result !== undefined;
  const hasError = r.error !== undefined;
  if (hasResult && hasError) throw invalid(pos, 'field "error": a record has both "result" and "error"; keep one');
  if (!hasResult && !hasError) throw invalid(pos, 'field "result": missing (a record needs "result", or "error" for a failed call)');
  if (r.method === 'fetchOrderBook' && typeof r.args[0] !== 'string') {
    throw invalid(pos, 'field "args[0]": fetchOrderBook needs the symbol as its first argument');
  }
  if (r.method === 'fetchCrossBorrowRate' && typeof r.args[0] !== 'string') {
    throw invalid(pos, `field "args[0]": fetchCrossBorrowRate needs the currency code as its first argument${foundAt(raw, ['args', 0])}`);
  }
  const base = { ts: r.ts, venue: r.venue, method: r.method, args: r.args };
  return hasError ? { ...base, error: r.error as RecordedError } : { ...base, result: r.result };
}

/**
 * The one line a record is written as: fixed key order, standard JSON (undefined values
 * dropped, NaN/Infinity written as null, as JSON.stringify does).
 */
export function formatTapeLine(r: TapeRecord): string {
  if (!Number.isFinite(r.ts) || r.ts < 0) {
    throw new CarryError('CARRY_INTERNAL', 'stop', `tape record ts must be a ms epoch, got ${String(r.ts)} (${r.venue} ${r.method})`);
  }
  const out = isErrorRecord(r)
    ? { ts: r.ts, venue: r.venue, method: r.method, args: r.args, error: { name: r.error.name, message: r.error.message } }
    : { ts: r.ts, venue: r.venue, method: r.method, args: r.args, result: r.result ?? null };
  return JSON.stringify(out);
}

/**
 * A value as canonical JSON data: object keys sorted, undefined object values dropped,
 * undefined array items and non-finite numbers as null (JSON's own rules, applied here so
 * the in-memory form equals what a tape line parses back to).
 */
export function canonicalValue(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'object': {
      if (Array.isArray(v)) return v.map((x) => canonicalValue(x));
      const toJSON = (v as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return canonicalValue((toJSON as () => unknown).call(v));
      const out: Record<string, JsonValue> = {};
      for (const k of Object.keys(v).sort()) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined && typeof x !== 'function' && typeof x !== 'symbol') out[k] = canonicalValue(x);
      }
      return out;
    }
    default:
      // functions, symbols and bigints are not call data; JSON cannot hold them either.
      return null;
  }
}

/** Canonical JSON text of a value (sorted keys): equal values give equal strings. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(canonicalValue(v));
}

/**
 * Call arguments as they are written to and matched against a tape: trailing undefined
 * arguments dropped (so `fetchTickers()` and `fetchTickers(undefined, undefined)` are the
 * same call), inner undefined → null, objects with sorted keys.
 */
export function serializeArgs(args: readonly unknown[]): JsonValue[] {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  const out: JsonValue[] = [];
  for (let i = 0; i < n; i++) out.push(canonicalValue(args[i]));
  return out;
}
