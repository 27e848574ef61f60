/**
 * A bounded rolling window of timestamped values and its mean / standard deviation, for
 * z-scores against recent history. No I/O and no clock: time comes with each point and each
 * question. Memory is bounded twice: by age (windowMs) and by count (maxPoints, oldest dropped
 * first). Rebuildable from its points (`from` / `points`), so a checkpoint can carry it.
 *
 * Statistics are recomputed over the retained points when asked (two passes, numerically
 * stable), not kept as running sums, which drift after many add/remove cycles.
 */

export interface SeriesPoint {
  readonly ts: number;
  readonly value: number;
}

export interface WindowStats {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); 0 when n < 2. */
  readonly std: number;
}

export class RollingWindow {
  private readonly buf: SeriesPoint[] = [];

  constructor(
    readonly windowMs: number,
    readonly maxPoints: number,
  ) {
    if (!(Number.isFinite(windowMs) && windowMs > 0)) throw new RangeError(`window must be a positive duration, got ${windowMs}`);
    if (!(Number.isInteger(maxPoints) && maxPoints >= 2)) throw new RangeError(`maxPoints must be an integer >= 2, got ${maxPoints}`);
  }

  static from(windowMs: number, maxPoints: number, points: readonly SeriesPoint[]): RollingWindow {
    const w = new RollingWindow(windowMs, maxPoints);
    for (const p of [...points].sort((a, b) => a.ts - b.ts)) w.add(p);
    return w;
  }

  /**
   * Adds a point. One value per instant: a point not later than the last is ignored, so feeding
   * the same scan twice (a monitor tick re-reading it) does not count it twice.
   */
  add(p: SeriesPoint): void {
    if (!Number.isFinite(p.ts) || !Number.isFinite(p.value)) throw new RangeError(`point must have a finite ts and value, got ${p.ts}, ${p.value}`);
    const last = this.buf[this.buf.length - 1];
    if (last !== undefined && p.ts <= last.ts) return;
    this.buf.push({ ts: p.ts, value: p.value });
    this.prune(p.ts);
  }

  private prune(now: number): void {
    let drop = 0;
    const oldest = now - this.windowMs;
    while (drop < this.buf.length && (this.buf[drop] as SeriesPoint).ts <= oldest) drop++;
    drop = Math.max(drop, this.buf.length - this.maxPoints);
    if (drop > 0) this.buf.splice(0, drop);
  }

  /** Retained points, oldest first. */
  points(): readonly SeriesPoint[] {
    return this.buf.slice();
  }

  /** The retained points without a copy, oldest first: read at once, before the next add. */
  view(): readonly SeriesPoint[] {
    return this.buf;
  }

  /** Stats over points in (now − windowMs, now): strictly before `now`, so a value can be scored against the history before it. */
  statsBefore(now: number): WindowStats {
    const from = now - this.windowMs;
    let n = 0;
    let sum = 0;
    for (const p of this.buf) {
      if (p.ts > from && p.ts < now) {
        n++;
        sum += p.value;
      }
    }
    if (n === 0) return { n: 0, mean: 0, std: 0 };
    const mean = sum / n;
    if (n < 2) return { n, mean, std: 0 };
    let sq = 0;
    for (const p of this.buf) if (p.ts > from && p.ts < now) sq += (p.value - mean) ** 2;
    return { n, mean, std: Math.sqrt(sq / (n - 1)) };
  }
}

/** z of `value` against `stats`; null with fewer than `minPoints` points or no spread (std 0). */
export function zScore(value: number, stats: WindowStats, minPoints: number): number | null {
  if (stats.n < Math.max(2, minPoints) || !(stats.std > 0)) return null;
  return (value - stats.mean) / stats.std;
}

/** Several named series (one per position and measure) sharing a window; series not kept are forgotten. */
export class SeriesHistory {
  private readonly series = new Map<string, RollingWindow>();

  constructor(
    readonly windowMs: number,
    readonly maxPoints: number,
  ) {}

  static from(windowMs: number, maxPoints: number, points: readonly (SeriesPoint & { readonly key: string })[]): SeriesHistory {
    const h = new SeriesHistory(windowMs, maxPoints);
    for (const p of [...points].sort((a, b) => a.ts - b.ts)) h.add(p.key, p);
    return h;
  }

  add(key: string, p: SeriesPoint): void {
    let w = this.series.get(key);
    if (!w) this.series.set(key, (w = new RollingWindow(this.windowMs, this.maxPoints)));
    w.add(p);
  }

  statsBefore(key: string, now: number): WindowStats {
    return this.series.get(key)?.statsBefore(now) ?? { n: 0, mean: 0, std: 0 };
  }

  /** Drops every series whose key is not in `keys` (positions closed): memory stays bounded by what is held. */
  retainOnly(keys: Iterable<string>): void {
    const keep = new Set(keys);
    for (const k of [...this.series.keys()]) if (!keep.has(k)) this.series.delete(k);
  }

  /** Each series' key and retained points (not copied: read at once, before the next add). */
  *eachSeries(): IterableIterator<readonly [string, readonly SeriesPoint[]]> {
    for (const [key, w] of this.series) yield [key, w.view()];
  }

  /** Every retained point with its series key, for a checkpoint. */
  points(): (SeriesPoint & { readonly key: string })[] {
    const out: (SeriesPoint & { readonly key: string })[] = [];
    for (const [key, w] of this.series) for (const p of w.points()) out.push({ key, ...p });
    return out;
  }
}
