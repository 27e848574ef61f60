/**
 * Compact encodings of the two large parts of the engine checkpoint: the strategy's funding
 * history and the monitor's basis series.
 *
 * The checkpoint is rewritten in the same transaction as every tick's events, so its size is
 * paid on every scan: written as plain objects these two parts were 35-120 KB a tick (the field
 * names, the venue and symbol, and 13-digit timestamps repeated on every point), most of the
 * ledger's write volume. Here each series names its venue, symbol and fixed fields once, times
 * are indexes into one table of distinct instants (a scan stamps every perp with the same few),
 * and basis points are time deltas. Numbers are kept exactly (JSON round-trips doubles), so a
 * history restored from the checkpoint answers every query as the one that was saved.
 *
 * Decoding also reads the earlier forms (objects, then tuples), so a ledger written by an earlier
 * carry resumes.
 */
import type { RateKind } from '../domain/market.js';
import type { SeriesPoint } from '../monitor/rolling-window.js';
import type { FundingObservation } from '../../strategies/spot-perp-carry/funding-history.js';

/** Earlier form of one observation (checkpoint v1). */
export type EncodedObservation = readonly [string, string, number, number, 0 | 1, RateKind, number | null, number];

/**
 * One perp's observations: venue, symbol, interval hours, continuous (0/1), rate kind, then
 * [rate, index of nextFundingTime in `t` (−1 = null), index of receivedAt in `t`] per observation.
 */
export type HistoryGroup = readonly [string, string, number, 0 | 1, RateKind, readonly number[]];

export interface EncodedHistory {
  /** Distinct instants, ascending. */
  readonly t: readonly number[];
  readonly g: readonly HistoryGroup[];
}

export type StoredHistory = EncodedHistory | readonly (FundingObservation | EncodedObservation)[];

export type KeyedPoint = SeriesPoint & { readonly key: string };

/** One series: key, first ts, then [Δts from the previous point (0 for the first), value] per point. */
export type SeriesGroup = readonly [string, number, readonly number[]];

export type StoredSeries = { readonly s: readonly SeriesGroup[] } | readonly KeyedPoint[];

function groupKey(o: FundingObservation): string {
  return `${o.venue}\u0000${o.symbol}\u0000${o.intervalHours}\u0000${o.continuous ? 1 : 0}\u0000${o.rateKind}`;
}

/** Observations (any order) as groups; decodeHistory gives them back in receivedAt order (stable). */
export function encodeHistory(observations: readonly FundingObservation[]): EncodedHistory {
  const times = new Set<number>();
  for (const o of observations) {
    times.add(o.receivedAt);
    if (o.nextFundingTime !== null) times.add(o.nextFundingTime);
  }
  const t = [...times].sort((a, b) => a - b);
  const index = new Map(t.map((x, i) => [x, i]));
  const groups = new Map<string, { readonly head: FundingObservation; readonly flat: number[] }>();
  for (const o of observations) {
    const k = groupKey(o);
    let g = groups.get(k);
    if (g === undefined) groups.set(k, (g = { head: o, flat: [] }));
    g.flat.push(o.rate, o.nextFundingTime === null ? -1 : (index.get(o.nextFundingTime) as number), index.get(o.receivedAt) as number);
  }
  return {
    t,
    g: [...groups.values()].map(({ head, flat }) => [head.venue, head.symbol, head.intervalHours, head.continuous ? 1 : 0, head.rateKind, flat] as const),
  };
}

function decodeTuple(o: FundingObservation | EncodedObservation): FundingObservation {
  if (!Array.isArray(o)) return o as FundingObservation;
  const [venue, symbol, rate, intervalHours, continuous, rateKind, nextFundingTime, receivedAt] = o as EncodedObservation;
  return { venue, symbol, rate, intervalHours, continuous: continuous === 1, rateKind, nextFundingTime, receivedAt };
}

function at(t: readonly number[], i: number | undefined, what: string): number {
  const v = i === undefined ? undefined : t[i];
  if (v === undefined) throw new RangeError(`checkpoint history: ${what} index ${String(i)} is not in its time table (${t.length} entries)`);
  return v;
}

export function decodeHistory(stored: StoredHistory): FundingObservation[] {
  if (Array.isArray(stored)) return (stored as readonly (FundingObservation | EncodedObservation)[]).map(decodeTuple);
  const { t, g } = stored as EncodedHistory;
  const out: FundingObservation[] = [];
  for (const [venue, symbol, intervalHours, continuous, rateKind, flat] of g) {
    if (flat.length % 3 !== 0) throw new RangeError(`checkpoint history: ${venue} ${symbol} has ${flat.length} numbers, not triples`);
    for (let i = 0; i < flat.length; i += 3) {
      const nft = flat[i + 1] as number;
      out.push({
        venue,
        symbol,
        rate: flat[i] as number,
        intervalHours,
        continuous: continuous === 1,
        rateKind,
        nextFundingTime: nft === -1 ? null : at(t, nft, 'nextFundingTime'),
        receivedAt: at(t, flat[i + 2], 'receivedAt'),
      });
    }
  }
  return out.sort((a, b) => a.receivedAt - b.receivedAt);
}

/** Series as groups, straight from each series' points (oldest first), without keyed copies. */
export function encodeSeriesOf(series: Iterable<readonly [string, readonly SeriesPoint[]]>): { readonly s: readonly SeriesGroup[] } {
  const out: SeriesGroup[] = [];
  for (const [key, points] of series) {
    const first = points[0];
    if (first === undefined) continue;
    const flat: number[] = new Array<number>(2 * points.length);
    let last = first.ts;
    for (let i = 0; i < points.length; i++) {
      const p = points[i] as SeriesPoint;
      flat[2 * i] = p.ts - last;
      flat[2 * i + 1] = p.value;
      last = p.ts;
    }
    out.push([key, first.ts, flat]);
  }
  return { s: out };
}

export function decodeSeries(stored: StoredSeries): KeyedPoint[] {
  if (Array.isArray(stored)) return [...(stored as readonly KeyedPoint[])];
  const out: KeyedPoint[] = [];
  for (const [key, first, flat] of (stored as { readonly s: readonly SeriesGroup[] }).s) {
    if (flat.length % 2 !== 0) throw new RangeError(`checkpoint series ${key}: ${flat.length} numbers, not pairs`);
    let ts = first;
    for (let i = 0; i < flat.length; i += 2) {
      ts += flat[i] as number;
      out.push({ key, ts, value: flat[i + 1] as number });
    }
  }
  return out;
}
