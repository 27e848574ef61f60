/**
 * Fault injection for the sim market, deterministic by seed.
 *
 * Whether a call fails is a pure function of (seed, venue, method, arguments, clock time):
 * the same call at the same instant always gets the same answer, and a retry after a
 * backoff (which moves the clock) draws again. Errors are ccxt's own classes, thrown with
 * messages shaped like ccxt's; garbage is data a real venue has sent at some point (a rate
 * that is a string or NaN, a missing mark, a crossed or empty book), which the adapter must
 * skip with a reason rather than crash on or pass through.
 */
import ccxt from 'ccxt';
import { bits, hashString, streamKey, uniform } from './prng.js';

export interface MaintenanceWindows {
  /** A window starts every `everyHours`, `offsetHours` after 00:00 UTC of 1970-01-01 (so aligned to UTC). */
  readonly everyHours: number;
  readonly durationMinutes: number;
  readonly offsetHours?: number;
}

export interface SimVenueFaults {
  /** Probability per call of ccxt.RequestTimeout. */
  readonly timeoutRate?: number;
  /** Probability per call of ccxt.RateLimitExceeded (HTTP 429). */
  readonly rateLimitRate?: number;
  /** Probability per call of ccxt.ExchangeNotAvailable (HTTP 5xx). */
  readonly unavailableRate?: number;
  /** Scheduled maintenance: every call inside a window throws ccxt.OnMaintenance. */
  readonly maintenance?: MaintenanceWindows | ReadonlyArray<{ readonly startMs: number; readonly endMs: number }>;
  /** Probability per returned item (rate, ticker, book, market) of malformed data. */
  readonly garbageRate?: number;
}

export type SimFaults = Readonly<Partial<Record<string, SimVenueFaults>>>;

function checkRate(name: string, v: number | undefined): void {
  if (v !== undefined && !(v >= 0 && v <= 1)) throw new RangeError(`sim fault ${name} must be in [0, 1], got ${v}`);
}

export function validateFaults(f: SimVenueFaults): void {
  checkRate('timeoutRate', f.timeoutRate);
  checkRate('rateLimitRate', f.rateLimitRate);
  checkRate('unavailableRate', f.unavailableRate);
  checkRate('garbageRate', f.garbageRate);
  const m = f.maintenance;
  if (m && !Array.isArray(m)) {
    const w = m as MaintenanceWindows;
    if (!(w.everyHours > 0) || !(w.durationMinutes > 0) || w.durationMinutes > w.everyHours * 60) {
      throw new RangeError('sim maintenance needs everyHours > 0 and 0 < durationMinutes <= everyHours * 60');
    }
  }
}

export function inMaintenance(f: SimVenueFaults, t: number): boolean {
  const m = f.maintenance;
  if (!m) return false;
  if (Array.isArray(m)) return (m as ReadonlyArray<{ startMs: number; endMs: number }>).some((w) => t >= w.startMs && t < w.endMs);
  const w = m as MaintenanceWindows;
  const period = w.everyHours * 3_600_000;
  const phase = (((t - (w.offsetHours ?? 0) * 3_600_000) % period) + period) % period;
  return phase < w.durationMinutes * 60_000;
}

/** Decides and raises faults for one venue. */
export class FaultPlan {
  private readonly key: number;

  constructor(
    seed: number,
    private readonly venue: string,
    private readonly f: SimVenueFaults,
  ) {
    validateFaults(f);
    this.key = streamKey(seed, `faults:${venue}`);
  }

  get garbageRate(): number {
    return this.f.garbageRate ?? 0;
  }

  /** Throws the ccxt error a real call could have thrown at time t, if any. */
  beforeCall(method: string, argsKey: string, t: number): void {
    const k = this.key ^ hashString(`${method}|${argsKey}`);
    if (inMaintenance(this.f, t)) {
      throw new ccxt.OnMaintenance(`${this.venue} is under maintenance (sim): ${method} refused`);
    }
    const u = uniform(k, t, 0);
    let edge = this.f.timeoutRate ?? 0;
    if (u < edge) throw new ccxt.RequestTimeout(`${this.venue} ${method} request timed out (sim)`);
    edge += this.f.rateLimitRate ?? 0;
    if (u < edge) throw new ccxt.RateLimitExceeded(`${this.venue} 429 Too Many Requests (sim) on ${method}`);
    edge += this.f.unavailableRate ?? 0;
    if (u < edge) throw new ccxt.ExchangeNotAvailable(`${this.venue} 503 Service Unavailable (sim) on ${method}`);
  }

  /** Whether item `name` of this call comes back malformed, and which way (0..n-1). */
  garbage(method: string, name: string, t: number, kinds: number): number | undefined {
    const rate = this.f.garbageRate ?? 0;
    if (rate <= 0) return undefined;
    const k = this.key ^ hashString(`${method}|${name}`);
    if (uniform(k, t, 1) >= rate) return undefined;
    return bits(k, t, 2) % kinds;
  }
}
