/**
 * Which funding payments a held perp is due, now. Pure: the engine passes what the ledger and
 * the scans know, books the returned FundingPaid events, and reports the skipped settlements.
 *
 * Discrete settlements (Binance, Bybit, OKX, generic)
 * - The settlement instants are the nextFundingTime values the venue reported, so an interval
 *   change (8h → 1h) is followed exactly as the venue announces it.
 * - A settlement is paid when the position was open before it and still open at it: the
 *   contracts held at T are those left by the last change strictly before T. A position opened
 *   exactly at T is not paid for T; one closed exactly at T is (it was open up to T).
 * - Its rate is the last rate observed for that nextFundingTime, received before T (the
 *   predicted rate the venue then settles). Its mark is the last mark observed at or before T.
 * - A settlement nobody observed (the bot or the venue was down across it) is inferred from the
 *   schedule: stepping back from the next observed settlement by that observation's interval.
 *   It is reported as skipped, never paid at a guessed rate, and never at 0.
 * - Idempotent: nothing at or before `paidThrough` is returned, nothing after `now`.
 *
 * Continuous funding (Deribit)
 * - Accrues pro rata from the end of the last accrual (`paidThrough`, else when the contracts
 *   were first held) to `now`, at the latest observed trailing-8h rate and mark, one FundingPaid
 *   per stretch of constant contracts (periodStart .. settlementTime). The engine books it as it
 *   accrues; Deribit's daily 08:00 UTC cash settlement only moves it from session P&L to the
 *   balance and is a reporting detail, not a payment here. Calling once over [a, c] or twice over
 *   [a, b] and [b, c] gives the same total when the rate and mark did not change.
 * - With no rate or mark observed yet, nothing accrues and `through` does not move: the period
 *   is accrued in full once data arrives, never dropped.
 */
import type { FundingPaid, OrderFilled } from '../domain/events.js';
import type { FundingSnapshot } from '../domain/market.js';
import type { PositionSpec } from '../domain/position.js';
import { accruedPayment, settlementPayment } from '../pricing/funding-payment.js';

/** What accrual needs from a FundingSnapshot of the position's perp (a FundingSnapshot is one). */
export type FundingObservation = Pick<FundingSnapshot, 'rate' | 'nextFundingTime' | 'markPrice' | 'intervalHours' | 'receivedAt'> & {
  /**
   * 'last_settled': the quoted rate is the previous settlement's, not a prediction of the
   * settlement it is kept for, so the engine confirms that settlement's rate from the venue's
   * history before booking it (funding-tick.ts confirmSettledRates). Absent: 'predicted'.
   */
  readonly rateKind?: FundingSnapshot['rateKind'] | undefined;
};

/**
 * A mark price seen elsewhere (ticker, book mid): for venues whose funding feed carries no mark
 * (OKX's scan leaves markPrice null).
 */
export interface MarkObservation {
  readonly at: number;
  readonly price: number;
}

/** The position holds `contracts` (signed, short < 0) from `at` until the next change. */
export interface ContractsChange {
  readonly at: number;
  readonly contracts: number;
}

export interface FundingAccrualInput {
  readonly spec: PositionSpec;
  /** Perp contracts over time, ascending by `at`; before the first entry nothing is held. */
  readonly held: readonly ContractsChange[];
  /** Funding snapshots of this perp, any order; must reach back to `paidThrough`. */
  readonly observations: readonly FundingObservation[];
  readonly marks?: readonly MarkObservation[];
  /**
   * Latest settlementTime already booked for this position (its last FundingPaid), or null.
   * A caller that records skipped settlements may pass the later of the two (see `through`).
   */
  readonly paidThrough: number | null;
  readonly now: number;
}

export interface SkippedSettlement {
  readonly positionId: string;
  readonly symbol: string;
  /** The settlement instant (discrete) or the end of the period that could not accrue. */
  readonly settlementTime: number;
  readonly reason: string;
}

export interface FundingAccrualResult {
  /** Ascending by settlementTime; `ts` is `now`, the instant they are booked. */
  readonly payments: readonly FundingPaid[];
  readonly skipped: readonly SkippedSettlement[];
  /**
   * Latest settlement (or accrual end) this call decided, paid or skipped; `paidThrough` when it
   * decided nothing. Discrete skips are final: a later call cannot observe a rate before a past
   * settlement, so a caller may remember `through` to avoid reporting the same skip again.
   */
  readonly through: number | null;
}

export const ACCRUAL_REASONS = {
  noRate: 'no funding rate was observed for this settlement before it happened; not guessed',
  noMark: 'no mark price observed at or before the settlement',
  noContinuousRate: 'no funding rate observed yet; accrual waits for one',
  noContinuousMark: 'no mark price observed yet; accrual waits for one',
} as const;

const HOUR_MS = 3_600_000;

/** Contracts held from `at` on, for a position opened at `openedAt` and closed at `closedAt`. */
export function heldBetween(contracts: number, openedAt: number, closedAt: number | null): ContractsChange[] {
  const held: ContractsChange[] = [{ at: openedAt, contracts }];
  if (closedAt !== null) held.push({ at: closedAt, contracts: 0 });
  return held;
}

/**
 * Running perp contracts from a position's perp fills (buy +, sell −), one change per fill
 * time. A close that sums to a float residue (0.1 + 0.2 − 0.3) is snapped to exactly 0 so a
 * closed position is never paid funding on 5e-17 contracts.
 */
export function heldFromFills(fills: readonly OrderFilled[]): ContractsChange[] {
  const perp = fills.filter((f) => f.leg === 'perp').map((f, i) => ({ f, i }));
  perp.sort((a, b) => a.f.ts - b.f.ts || a.i - b.i);
  const held: ContractsChange[] = [];
  let q = 0;
  for (const { f } of perp) {
    if (f.contracts === null || !Number.isFinite(f.contracts)) {
      throw new RangeError(`perp fill ${f.fillId} has no contract count`);
    }
    const signed = f.side === 'buy' ? f.contracts : -f.contracts;
    const next = q + signed;
    q = Math.abs(next) <= 1e-9 * Math.max(Math.abs(q), Math.abs(signed)) ? 0 : next;
    const last = held[held.length - 1];
    if (last !== undefined && last.at === f.ts) held[held.length - 1] = { at: f.ts, contracts: q };
    else held.push({ at: f.ts, contracts: q });
  }
  return held;
}

function checkHeld(held: readonly ContractsChange[]): void {
  let prev = -Infinity;
  for (const h of held) {
    if (!Number.isFinite(h.at) || !Number.isFinite(h.contracts)) {
      throw new RangeError(`held contracts must be finite numbers, got ${h.contracts} at ${h.at}`);
    }
    if (h.at < prev) throw new RangeError(`held contracts must be ascending in time: ${h.at} after ${prev}`);
    prev = h.at;
  }
}

/** Contracts left by the last change strictly before `t` (0 before the first). */
function heldBefore(held: readonly ContractsChange[], t: number): number {
  let q = 0;
  for (const h of held) {
    if (h.at >= t) break;
    q = h.contracts;
  }
  return q;
}

function usableRate(o: FundingObservation): boolean {
  return Number.isFinite(o.rate) && Number.isFinite(o.receivedAt);
}

function usableMark(p: number | null): p is number {
  return p !== null && Number.isFinite(p) && p > 0;
}

/** Last mark at or before `t` from the snapshots and the extra marks; ties go to the later input. */
function markAt(input: FundingAccrualInput, t: number): number | null {
  let best: number | null = null;
  let bestAt = -Infinity;
  for (const o of input.observations) {
    if (usableMark(o.markPrice) && o.receivedAt <= t && o.receivedAt >= bestAt) {
      best = o.markPrice;
      bestAt = o.receivedAt;
    }
  }
  for (const m of input.marks ?? []) {
    if (usableMark(m.price) && m.at <= t && m.at >= bestAt) {
      best = m.price;
      bestAt = m.at;
    }
  }
  return best;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

function paid(
  input: FundingAccrualInput,
  t: number,
  periodStart: number | null,
  contracts: number,
  rate: number,
  markPrice: number,
  amount: { amount: number; currency: string; amountQuote: number },
): FundingPaid {
  const { spec } = input;
  return {
    type: 'funding.payment',
    ts: input.now,
    positionId: spec.positionId,
    venue: spec.venue,
    symbol: spec.perpSymbol,
    settlementTime: t,
    periodStart,
    rate,
    markPrice,
    contracts,
    contractSize: spec.contractSize,
    settlement: spec.settlement,
    amount: amount.amount,
    currency: amount.currency,
    amountQuote: amount.amountQuote,
  };
}

interface Scheduled {
  /** Last rate received before T (null: none). */
  rate: number | null;
  rateAt: number;
  /** Interval of the latest observation naming T, received at any time. */
  intervalMs: number | null;
  intervalAt: number;
}

function discrete(input: FundingAccrualInput): FundingAccrualResult {
  const { spec, held, now, paidThrough } = input;
  const firstHeld = held.find((h) => h.contracts !== 0);
  if (firstHeld === undefined) return { payments: [], skipped: [], through: paidThrough };
  // No settlement at or before this can be due: already paid, or before anything was held.
  const floor = Math.max(paidThrough ?? -Infinity, firstHeld.at);

  const byTime = new Map<number, Scheduled>();
  for (const o of input.observations) {
    const t = o.nextFundingTime;
    if (t === null || !Number.isFinite(t) || !usableRate(o)) continue;
    let s = byTime.get(t);
    if (s === undefined) {
      s = { rate: null, rateAt: -Infinity, intervalMs: null, intervalAt: -Infinity };
      byTime.set(t, s);
    }
    if (o.receivedAt < t && o.receivedAt >= s.rateAt) {
      s.rate = o.rate;
      s.rateAt = o.receivedAt;
    }
    if (Number.isFinite(o.intervalHours) && o.intervalHours > 0 && o.receivedAt >= s.intervalAt) {
      s.intervalMs = o.intervalHours * HOUR_MS;
      s.intervalAt = o.receivedAt;
    }
  }

  const observed = [...byTime.keys()].sort((a, b) => a - b);
  const candidates = new Set<number>(observed);
  for (let i = 0; i < observed.length; i++) {
    const t = observed[i] as number;
    const step = (byTime.get(t) as Scheduled).intervalMs;
    if (step === null) continue;
    // Settlements between the previous observed one (or the floor) and this one that no scan saw,
    // stepping from the last one not after `now` so a far-future nextFundingTime cannot spin.
    const after = Math.max(i === 0 ? floor : (observed[i - 1] as number), floor);
    const k0 = Math.max(1, Math.ceil((t - now) / step));
    for (let u = t - k0 * step; u > after; u -= step) candidates.add(u);
  }

  const payments: FundingPaid[] = [];
  const skipped: SkippedSettlement[] = [];
  let through = paidThrough;
  for (const t of [...candidates].sort((a, b) => a - b)) {
    if (t <= floor || t > now) continue;
    const contracts = heldBefore(held, t);
    if (contracts === 0) continue;
    through = t;
    const rate = byTime.get(t)?.rate ?? null;
    if (rate === null) {
      skipped.push({ positionId: spec.positionId, symbol: spec.perpSymbol, settlementTime: t, reason: `${ACCRUAL_REASONS.noRate} (${iso(t)})` });
      continue;
    }
    const mark = markAt(input, t);
    if (mark === null) {
      skipped.push({ positionId: spec.positionId, symbol: spec.perpSymbol, settlementTime: t, reason: `${ACCRUAL_REASONS.noMark} (${iso(t)})` });
      continue;
    }
    const amount = settlementPayment({ ...termsOf(spec), contracts, markPrice: mark, rate });
    payments.push(paid(input, t, null, contracts, rate, mark, amount));
  }
  return { payments, skipped, through };
}

function termsOf(spec: PositionSpec): { settlement: PositionSpec['settlement']; contractSize: number; settle: string } {
  return { settlement: spec.settlement, contractSize: spec.contractSize, settle: spec.settle };
}

function continuous(input: FundingAccrualInput): FundingAccrualResult {
  const { spec, held, now, paidThrough } = input;
  const first = held[0];
  if (first === undefined) return { payments: [], skipped: [], through: paidThrough };
  const start = Math.max(paidThrough ?? -Infinity, first.at);
  if (!(now > start)) return { payments: [], skipped: [], through: paidThrough };

  // Stretches of constant contracts within [start, now].
  const stretches: { from: number; to: number; contracts: number }[] = [];
  let from = start;
  let q = 0;
  for (const h of held) {
    if (h.at <= start) {
      q = h.contracts;
      continue;
    }
    if (h.at >= now) break;
    if (h.contracts === q) continue;
    if (q !== 0) stretches.push({ from, to: h.at, contracts: q });
    from = h.at;
    q = h.contracts;
  }
  if (q !== 0) stretches.push({ from, to: now, contracts: q });
  if (stretches.length === 0) return { payments: [], skipped: [], through: paidThrough };

  let latest: FundingObservation | null = null;
  for (const o of input.observations) {
    if (!usableRate(o) || !(Number.isFinite(o.intervalHours) && o.intervalHours > 0) || o.receivedAt > now) continue;
    if (latest === null || o.receivedAt >= latest.receivedAt) latest = o;
  }
  const mark = markAt(input, now);
  const reason = latest === null ? ACCRUAL_REASONS.noContinuousRate : mark === null ? ACCRUAL_REASONS.noContinuousMark : null;
  if (latest === null || mark === null) {
    const skip = { positionId: spec.positionId, symbol: spec.perpSymbol, settlementTime: now, reason: reason as string };
    return { payments: [], skipped: [skip], through: paidThrough };
  }

  const payments = stretches.map((s) => {
    const amount = accruedPayment({
      ...termsOf(spec),
      contracts: s.contracts,
      markPrice: mark,
      rate: latest.rate,
      rateIntervalHours: latest.intervalHours,
      periodStart: s.from,
      periodEnd: s.to,
    });
    return paid(input, s.to, s.from, s.contracts, latest.rate, mark, amount);
  });
  return { payments, skipped: [], through: (stretches[stretches.length - 1] as { to: number }).to };
}

/** The FundingPaid events due for one position's perp at `now` (see the module comment). */
export function dueFunding(input: FundingAccrualInput): FundingAccrualResult {
  if (!Number.isFinite(input.now)) throw new RangeError(`now must be a finite time, got ${input.now}`);
  checkHeld(input.held);
  return input.spec.continuousFunding ? continuous(input) : discrete(input);
}
