/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * delay = random() * min(maxMs, baseMs * 2^(attempt-1)). Full jitter spreads retries of many
 * scans hitting the same venue limit instead of having them retry in lockstep.
 *
 * Only CarryErrors whose action is 'retry' are retried; anything else is rethrown at once.
 * Sleep and random are injected so tests (and the simulated clock) never wait.
 */
import { CarryError, isCarryError } from '../domain/errors.js';
import { mapCcxtError } from './ccxt-errors.js';

export interface RetryOptions {
  /** Total attempts including the first one (1 = no retry). */
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** In [0, 1); Math.random by default. */
  readonly random?: () => number;
  readonly onRetry?: (info: { readonly attempt: number; readonly delayMs: number; readonly error: CarryError }) => void;
}

export const DEFAULT_RETRY = { attempts: 3, baseMs: 500, maxMs: 8_000 } as const;

/** Delay before retry number `attempt` (1 = the first retry). Pure. */
export function fullJitterDelay(attempt: number, baseMs: number, maxMs: number, random: number): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const r = Math.min(Math.max(random, 0), 1);
  return Math.floor(r * cap);
}

function validate(opts: RetryOptions): void {
  const ok =
    Number.isInteger(opts.attempts) &&
    opts.attempts >= 1 &&
    Number.isFinite(opts.baseMs) &&
    opts.baseMs >= 0 &&
    Number.isFinite(opts.maxMs) &&
    opts.maxMs >= opts.baseMs;
  if (!ok) {
    throw new CarryError(
      'CARRY_CONFIG_INVALID',
      'stop',
      `retry options must have integer attempts >= 1 and 0 <= baseMs <= maxMs; got attempts=${opts.attempts} baseMs=${opts.baseMs} maxMs=${opts.maxMs}`,
    );
  }
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  validate(opts);
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (!isCarryError(e) || e.action !== 'retry') throw e;
      if (attempt >= opts.attempts) {
        if (opts.attempts === 1) throw e;
        // Same code and action: the caller still knows it was transient and may try next round.
        throw new CarryError(e.code, e.action, `${e.message} [gave up after ${attempt} attempts]`, {
          ...(e.venue === undefined ? {} : { venue: e.venue }),
          cause: e,
        });
      }
      const delayMs = fullJitterDelay(attempt, opts.baseMs, opts.maxMs, random());
      opts.onRetry?.({ attempt, delayMs, error: e });
      await opts.sleep(delayMs);
    }
  }
}

/**
 * One ccxt call as carry makes them: the error mapped to a CarryError in the one place that does
 * it (ccxt-errors.ts), then retried by its action. Used by the market-data and account adapters.
 */
export function ccxtCall<T>(venue: string, operation: string, fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  return withRetry(async () => {
    try {
      return await fn();
    } catch (e) {
      throw mapCcxtError(e, venue, operation);
    }
  }, opts);
}
