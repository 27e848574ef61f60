/**
 * Funding observations per (venue, perp): what the strategy needs to ask "has funding been on
 * our side lately?" without keeping every scan forever.
 *
 * Two views of the same observations:
 * - lastObservations(k): the k most recent observations (one per scan that saw the perp).
 * - lastSettledRates(k, now): the rate that applied to each of the last k settlements at or
 *   before `now`. For a venue that quotes the predicted rate (Binance, Bybit, OKX), that is the
 *   last observation received before the settlement it names (nextFundingTime): the best
 *   estimate carry has of the rate that was paid. A 'last_settled' quote names the settlement one
 *   interval before nextFundingTime directly. Continuous funding (Deribit) has no discrete
 *   settlement: its quote is the trailing realised 8h rate, so the last observation of each
 *   interval-long window aligned to the epoch (00/08/16 UTC for 8h) is the rate realised over
 *   that window, and the window's end stands in for the settlement.
 *
 * Memory is bounded: per perp, `capacity` observations and `capacity + SETTLEMENT_MARGIN`
 * settlements (the margin holds the upcoming settlement and one spare). Queries for more than
 * `capacity` throw: an answer from a history too short to ever hold k would be silently wrong.
 *
 * Rebuildable: observations must be added in receivedAt order (the engine's scans are);
 * fromObservations sorts first, so it gives the same history as adding the same observations
 * one by one in time order. retained() returns the observations the history still uses, and
 * fromObservations(h.retained()) answers every query like h: persist that to compact.
 */
import type { FundingSnapshot, RateKind, VenueId } from '../../src/domain/market.js';

const HOUR_MS = 3_600_000;

/** Settlements kept beyond `capacity`: the upcoming (not yet settled) one and a spare. */
export const SETTLEMENT_MARGIN = 2;

export interface FundingObservation {
  readonly venue: VenueId;
  readonly symbol: string;
  /** Decimal rate for one interval as the venue quotes it. */
  readonly rate: number;
  readonly intervalHours: number;
  readonly continuous: boolean;
  readonly rateKind: RateKind;
  /** Settlement the quote refers to (ms epoch); null when the venue does not say. */
  readonly nextFundingTime: number | null;
  /** Local clock when carry received it; orders the observations. */
  readonly receivedAt: number;
}

export interface SettledRate {
  /** Settlement instant (continuous funding: end of the window). */
  readonly settlementTime: number;
  readonly rate: number;
  /** receivedAt of the observation the rate comes from. */
  readonly observedAt: number;
}

/** Read side, all decide() needs. */
export interface FundingHistoryView {
  /** Largest k the history can answer. */
  readonly capacity: number;
  /** Up to k most recent observations, oldest first. */
  lastObservations(venue: VenueId, symbol: string, k: number): readonly FundingObservation[];
  /** Up to k most recent settlements at or before `now`, oldest first. */
  lastSettledRates(venue: VenueId, symbol: string, k: number, now: number): readonly SettledRate[];
}

export type AddResult =
  | 'added'
  | 'duplicate' // same receivedAt as the newest observation of this perp: the first one is kept
  | 'out_of_order' // older than the newest observation of this perp: ignored (add in time order)
  | 'invalid'; // non-finite rate or time, or a non-positive interval

export function observationFromSnapshot(f: FundingSnapshot): FundingObservation {
  return {
    venue: f.venue,
    symbol: f.symbol,
    rate: f.rate,
    intervalHours: f.intervalHours,
    continuous: f.continuous,
    rateKind: f.rateKind,
    nextFundingTime: f.nextFundingTime,
    receivedAt: f.receivedAt,
  };
}

interface SettlementEntry {
  readonly settlementTime: number;
  readonly obs: FundingObservation;
}

interface Series {
  /** Oldest first, at most `capacity`. */
  readonly obs: FundingObservation[];
  /** Ascending settlementTime, at most capacity + SETTLEMENT_MARGIN. */
  readonly settlements: SettlementEntry[];
}

function key(venue: VenueId, symbol: string): string {
  return `${venue}|${symbol}`;
}

function valid(o: FundingObservation): boolean {
  return (
    Number.isFinite(o.rate) &&
    Number.isFinite(o.intervalHours) &&
    o.intervalHours > 0 &&
    Number.isFinite(o.receivedAt) &&
    (o.nextFundingTime === null || Number.isFinite(o.nextFundingTime))
  );
}

/** The settlement whose rate this observation tells, or null when it tells none. */
export function settlementOf(o: FundingObservation): number | null {
  const intervalMs = o.intervalHours * HOUR_MS;
  if (o.continuous) return (Math.floor(o.receivedAt / intervalMs) + 1) * intervalMs;
  if (o.nextFundingTime === null) return null;
  if (o.rateKind === 'last_settled') {
    const settled = o.nextFundingTime - intervalMs;
    return o.receivedAt >= settled ? settled : null;
  }
  // A predicted rate received at or after the settlement it names is a venue that has not
  // rolled over yet: it says nothing reliable about what was paid.
  return o.receivedAt < o.nextFundingTime ? o.nextFundingTime : null;
}

function checkK(k: number, capacity: number): void {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  if (k > capacity) {
    throw new RangeError(`funding history keeps ${capacity} entries per perp; cannot answer k = ${k}`);
  }
}

export class FundingHistory implements FundingHistoryView {
  readonly capacity: number;
  private readonly series = new Map<string, Series>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`funding history capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** A history holding `observations` (any order: sorted by receivedAt, stable, then added). */
  static fromObservations(capacity: number, observations: readonly FundingObservation[]): FundingHistory {
    const h = new FundingHistory(capacity);
    const sorted = [...observations].sort((a, b) => a.receivedAt - b.receivedAt);
    for (const o of sorted) h.add(o);
    return h;
  }

  add(o: FundingObservation): AddResult {
    if (!valid(o)) return 'invalid';
    const k = key(o.venue, o.symbol);
    let s = this.series.get(k);
    if (s === undefined) {
      s = { obs: [], settlements: [] };
      this.series.set(k, s);
    }
    const newest = s.obs[s.obs.length - 1];
    if (newest !== undefined) {
      if (o.receivedAt === newest.receivedAt) return 'duplicate';
      if (o.receivedAt < newest.receivedAt) return 'out_of_order';
    }
    s.obs.push(o);
    if (s.obs.length > this.capacity) s.obs.shift();

    const t = settlementOf(o);
    if (t !== null) {
      const st = s.settlements;
      let i = st.length;
      while (i > 0 && (st[i - 1] as SettlementEntry).settlementTime > t) i--;
      const prev = st[i - 1];
      // Observations arrive in time order, so the newest one for a settlement is the last
      // one received before it.
      if (prev !== undefined && prev.settlementTime === t) st[i - 1] = { settlementTime: t, obs: o };
      else st.splice(i, 0, { settlementTime: t, obs: o });
      const keep = this.capacity + SETTLEMENT_MARGIN;
      if (st.length > keep) st.splice(0, st.length - keep);
    }
    return 'added';
  }

  lastObservations(venue: VenueId, symbol: string, k: number): readonly FundingObservation[] {
    checkK(k, this.capacity);
    const obs = this.series.get(key(venue, symbol))?.obs;
    if (obs === undefined || k === 0) return [];
    return obs.slice(Math.max(0, obs.length - k));
  }

  lastSettledRates(venue: VenueId, symbol: string, k: number, now: number): readonly SettledRate[] {
    checkK(k, this.capacity);
    const st = this.series.get(key(venue, symbol))?.settlements;
    if (st === undefined || k === 0) return [];
    const out: SettledRate[] = [];
    for (let i = st.length - 1; i >= 0 && out.length < k; i--) {
      const e = st[i] as SettlementEntry;
      if (e.settlementTime > now) continue;
      out.push({ settlementTime: e.settlementTime, rate: e.obs.rate, observedAt: e.obs.receivedAt });
    }
    return out.reverse();
  }

  /** Observations still in use (recent ones and each kept settlement's source), by receivedAt. */
  retained(): readonly FundingObservation[] {
    const out: FundingObservation[] = [];
    for (const s of this.series.values()) {
      const seen = new Set<FundingObservation>(s.obs);
      for (const e of s.settlements) if (!seen.has(e.obs)) (seen.add(e.obs), out.push(e.obs));
      out.push(...s.obs);
    }
    return out.sort((a, b) => a.receivedAt - b.receivedAt);
  }
}
