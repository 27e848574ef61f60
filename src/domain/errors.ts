/**
 * Errors grouped by what the caller should do (freqtrade style), each with a stable code.
 * ccxt errors are mapped into these in one place: src/venues/ccxt-errors.ts.
 */

export type ErrorAction =
  | 'retry' // transient: retry with backoff and jitter
  | 'skip' // this venue/symbol is unusable this round: skip it, keep the others going
  | 'stop'; // configuration or credential problem: stop and tell the user

export type ErrorCode =
  | 'CARRY_CONFIG_INVALID'
  | 'CARRY_INPUT_INVALID'
  | 'CARRY_VENUE_UNKNOWN'
  | 'CARRY_VENUE_CLOSED'
  | 'CARRY_VENUE_TIMEOUT'
  | 'CARRY_VENUE_RATE_LIMITED'
  | 'CARRY_VENUE_UNAVAILABLE'
  | 'CARRY_VENUE_BAD_RESPONSE'
  | 'CARRY_VENUE_BAD_SYMBOL'
  | 'CARRY_VENUE_AUTH'
  | 'CARRY_CREDENTIALS_MISSING'
  | 'CARRY_LIVE_REFUSED'
  | 'CARRY_VENUE_NOT_SUPPORTED'
  | 'CARRY_VENUE_INSUFFICIENT_FUNDS'
  | 'CARRY_VENUE_ORDER_REJECTED'
  | 'CARRY_TAPE_MISS'
  | 'CARRY_TAPE_INVALID'
  | 'CARRY_STORE_INVALID'
  | 'CARRY_LEASE_HELD'
  | 'CARRY_INTERNAL';

export class CarryError extends Error {
  readonly code: ErrorCode;
  readonly action: ErrorAction;
  readonly venue: string | undefined;

  constructor(code: ErrorCode, action: ErrorAction, message: string, opts: { venue?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CarryError';
    this.code = code;
    this.action = action;
    this.venue = opts.venue;
  }
}

/** Bad user input (flags, files, config): exit code 2. */
export class InputError extends CarryError {
  constructor(message: string, code: ErrorCode = 'CARRY_INPUT_INVALID') {
    super(code, 'stop', message);
    this.name = 'InputError';
  }
}

export function isCarryError(e: unknown): e is CarryError {
  return e instanceof CarryError;
}
