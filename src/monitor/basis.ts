/**
 * Basis: how far the perp trades from spot, and the perp's mark from its index, per held
 * position; alert beyond a fixed number of bps or beyond a z-score against the recent history
 * of the same measure (rolling-window.ts).
 *
 *   basis      = (perp price − spot price) / spot price × 10,000 bps   (perp mark or mid; spot mid)
 *   mark/index = (mark − index) / index × 10,000 bps
 *
 * One `basis` alert per position carries whichever measures breach (kind + position is the
 * dedup key, so two alerts of one kind on one position would collide).
 *
 * Use: score first, then record. checkBasis reads the history strictly before `now`, so the
 * current value is scored against what came before it, not diluted by itself; recordBasis
 * then adds the current values (once per scan: a repeated instant is ignored).
 *
 * Severity: a measure is "against" the position when it sits on the side that loses on the
 * hedge, relative to its window mean (or to 0, convergence, without enough history): above for
 * a carry (short perp: a richer perp is an unrealised loss), below for a reverse carry. Against:
 * warning, critical from twice the bps limit. In favour: info (closing now would realise it).
 */
import type { Alert, Severity } from '../domain/alert.js';
import type { VenueId } from '../domain/market.js';
import { eachInput, firingAlert, positionLabel, reportClear, type CheckContext, type MonitoredPosition } from './alert-build.js';
import { capitalise, formatBps, formatNumber, formatUtc } from './format.js';
import { SeriesHistory, zScore, type WindowStats } from './rolling-window.js';

export interface BasisThresholds {
  /** |perp − spot| beyond this many bps of spot (monitor.basis.maxBps). */
  readonly maxBps: number;
  /** |mark − index| beyond this many bps of index (monitor.basis.markIndexMaxBps). */
  readonly markIndexMaxBps: number;
  /** |z| at or beyond this against the window (monitor.basis.zScore). */
  readonly zScore: number;
  /** History window in minutes (monitor.basis.windowMinutes). */
  readonly windowMinutes: number;
  /** Fewest points in the window before a z-score counts (monitor.basis.minPoints). */
  readonly minPoints: number;
}

/** Points kept per series whatever the window: at one point every 15 s, 17 hours. */
export const BASIS_MAX_POINTS = 4096;

export type BasisMeasure = 'basis' | 'markIndex';

export interface BasisInput {
  readonly position: MonitoredPosition;
  /** Spot mid; null = unknown (basis not measured). */
  readonly spotPrice: number | null;
  /** Perp mark, else mid; null = unknown. */
  readonly perpPrice: number | null;
  readonly markPrice: number | null;
  readonly indexPrice: number | null;
  readonly nextFundingTime?: number | null;
}

/** A history sized for these thresholds; rebuild with `SeriesHistory.from(…, points)` after a restart. */
export function basisHistory(t: BasisThresholds): SeriesHistory {
  return new SeriesHistory(t.windowMinutes * 60_000, BASIS_MAX_POINTS);
}

export function basisSeriesKey(venue: VenueId, perpSymbol: string, measure: BasisMeasure): string {
  return `${venue}|${perpSymbol}|${measure}`;
}

function bps(x: number, ref: number): number | null {
  return Number.isFinite(x) && Number.isFinite(ref) && x > 0 && ref > 0 ? ((x - ref) / ref) * 10_000 : null;
}

/** The two measures of one input, null where a price is missing. */
export function basisMeasures(input: BasisInput): Readonly<Record<BasisMeasure, number | null>> {
  return {
    basis: input.perpPrice === null || input.spotPrice === null ? null : bps(input.perpPrice, input.spotPrice),
    markIndex: input.markPrice === null || input.indexPrice === null ? null : bps(input.markPrice, input.indexPrice),
  };
}

/** Adds this round's measures to the history at `now` (after checkBasis has scored them). */
export function recordBasis(inputs: readonly BasisInput[], history: SeriesHistory, now: number): void {
  for (const input of inputs) {
    const m = basisMeasures(input);
    const p = input.position;
    for (const measure of ['basis', 'markIndex'] as const) {
      const v = m[measure];
      if (v !== null) history.add(basisSeriesKey(p.venue, p.perpSymbol, measure), { ts: now, value: v });
    }
  }
}

interface Breach {
  readonly measure: BasisMeasure;
  readonly value: number;
  readonly limit: number;
  readonly z: number | null;
  readonly stats: WindowStats;
  readonly overBps: boolean;
  readonly overZ: boolean;
  readonly against: boolean;
}

const NAMES: Readonly<Record<BasisMeasure, string>> = { basis: 'perp vs spot', markIndex: 'mark vs index' };

function severityOf(b: Breach): Severity {
  if (!b.against) return 'info';
  return Math.abs(b.value) >= 2 * b.limit ? 'critical' : 'warning';
}

const RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };

/** `basis` alerts firing now, one per open position with a measure beyond its limit. */
export function checkBasis(inputs: readonly BasisInput[], history: SeriesHistory, t: BasisThresholds, ctx: CheckContext): Alert[] {
  if (!(t.maxBps > 0 && t.markIndexMaxBps > 0 && t.zScore > 0)) throw new RangeError('basis limits must be positive');
  const out: Alert[] = [];
  eachInput(inputs, (i) => i.position.positionId, ctx, (input) => {
    const p = input.position;
    if (p.state !== 'open') return;
    const m = basisMeasures(input);
    const breaches: Breach[] = [];
    const within: (() => string)[] = []; // texts built only if a resolved message needs them
    for (const measure of ['basis', 'markIndex'] as const) {
      const value = m[measure];
      if (value === null) continue;
      const limit = measure === 'basis' ? t.maxBps : t.markIndexMaxBps;
      const stats = history.statsBefore(basisSeriesKey(p.venue, p.perpSymbol, measure), ctx.now);
      const z = zScore(value, stats, t.minPoints);
      const overBps = Math.abs(value) > limit;
      const overZ = z !== null && Math.abs(z) >= t.zScore;
      if (!overBps && !overZ) {
        within.push(() => `${NAMES[measure]} ${formatBps(value)} (limit ${formatBps(limit)}${z === null ? '' : `, z ${formatNumber(z, 1)} within ${formatNumber(t.zScore, 1)}`})`);
        continue;
      }
      const reference = z !== null ? stats.mean : 0;
      const above = value > reference;
      const against = p.direction === 'carry' ? above : !above;
      breaches.push({ measure, value, limit, z, stats, overBps, overZ, against });
    }
    if (breaches.length === 0) {
      reportClear(ctx, 'basis', p.positionId, () => ({
        kind: 'basis',
        subject: p.positionId,
        message: within.length > 0 ? `Back within bounds: ${within.map((w) => w()).join('; ')}.` : 'No basis measure beyond its limit.',
        data: { spotPrice: input.spotPrice, perpPrice: input.perpPrice, markPrice: input.markPrice, indexPrice: input.indexPrice, basisBps: m.basis, markIndexBps: m.markIndex, maxBps: t.maxBps, markIndexMaxBps: t.markIndexMaxBps },
        nextFundingTime: input.nextFundingTime ?? null,
      }));
      return;
    }
    const severity = breaches.map(severityOf).reduce((a, b) => (RANK[b] > RANK[a] ? b : a), 'info' as Severity);
    const parts = breaches.map((b) => {
      const side = b.value >= 0 ? 'above' : 'below';
      const zText = b.z === null ? '' : `, z ${formatNumber(b.z, 1)} vs ${formatBps(b.stats.mean)} mean of ${b.stats.n} points`;
      return `${NAMES[b.measure]} ${formatBps(Math.abs(b.value))} ${side} (limit ${formatBps(b.limit)}${zText})`;
    });
    const anyAgainst = breaches.some((b) => b.against);
    const advice = anyAgainst
      ? `Against the ${p.direction === 'carry' ? 'short' : 'long'} perp: an unrealised loss on the hedge until it converges; closing now would lock it in.`
      : 'In the position\'s favour: closing now would realise it.';
    const funding = input.nextFundingTime != null ? ` Next funding ${formatUtc(input.nextFundingTime)}.` : '';
    const first = breaches[0] as Breach;
    const data: Record<string, number | string | boolean | null> = {
      spotPrice: input.spotPrice,
      perpPrice: input.perpPrice,
      markPrice: input.markPrice,
      indexPrice: input.indexPrice,
      basisBps: m.basis,
      markIndexBps: m.markIndex,
    };
    for (const b of breaches) {
      data[`${b.measure}Z`] = b.z;
      data[`${b.measure}Mean`] = b.stats.n > 0 ? b.stats.mean : null;
      data[`${b.measure}Points`] = b.stats.n;
      data[`${b.measure}Against`] = b.against;
    }
    out.push(
      firingAlert(
        {
          kind: 'basis',
          severity,
          subject: p.positionId,
          positionId: p.positionId,
          venue: p.venue,
          symbol: p.perpSymbol,
          title: `${positionLabel(p)}: ${NAMES[first.measure]} ${formatBps(first.value)}`,
          message: `${capitalise(parts.join('; '))}. ${advice}${funding}`,
          data,
          nextFundingTime: input.nextFundingTime ?? null,
        },
        ctx,
      ),
    );
  });
  return out;
}
