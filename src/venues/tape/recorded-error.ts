/**
 * A failed call on a tape: `{"name": "<ccxt error class>", "message": "..."}`. Replaying it
 * throws an instance of the same ccxt class, so the error mapping and retry logic downstream
 * see exactly what they saw live.
 */
import { errors as ccxtErrors } from 'ccxt';
import type { RecordedError } from './format.js';

type ErrorClass = new (message: string) => Error;

const classes = ccxtErrors as unknown as Readonly<Record<string, ErrorClass>>;

/** What to write for a thrown value. ccxt sets `name` to its class name in every constructor. */
export function toRecordedError(e: unknown): RecordedError {
  if (e instanceof Error) return { name: e.name || e.constructor.name || 'Error', message: e.message };
  return { name: 'Error', message: String(e) };
}

/** True when the name is a ccxt error class (so a replay can rebuild it exactly). */
export function isCcxtErrorName(name: string): boolean {
  return Object.hasOwn(classes, name) && typeof classes[name] === 'function';
}

/**
 * The error a replay throws: a new instance of the ccxt class of that name, or, for a name
 * ccxt does not have (a TypeError, an error from a non-ccxt source), a plain Error carrying
 * the recorded name and message.
 */
export function fromRecordedError(r: RecordedError): Error {
  if (isCcxtErrorName(r.name)) {
    const Cls = classes[r.name] as ErrorClass;
    return new Cls(r.message);
  }
  const e = new Error(r.message);
  e.name = r.name;
  return e;
}
