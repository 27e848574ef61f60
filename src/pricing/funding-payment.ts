/**
 * Funding a perp holder receives (negative = pays), per accounting.md "Funding". Pure.
 *
 * `contracts` is signed (long > 0, short < 0), so a short receives when the rate is positive.
 * - linear:  −q × cs × M × r            in the settle currency (USDT)
 * - inverse: −q × cs / M × r            in the coin; its USD value is −q × cs × r, whatever M is
 * - continuous (Deribit): the rate is quoted per `rateIntervalHours` (8h) and accrues pro rata,
 *   so a period [t0, t1] pays the formula above × (t1 − t0) / interval.
 *
 * Amounts are not rounded: venues credit funding to many more decimals than an order's lot,
 * and rounding here would make a sum of periods differ from the whole.
 */
import type { Settlement } from '../domain/market.js';

/** The perp's terms that funding depends on (a PositionSpec has all three). */
export interface FundingTerms {
  readonly settlement: Settlement;
  /** Base per contract (linear) or USD per contract (inverse). */
  readonly contractSize: number;
  /** Currency the venue pays funding in: the settle asset (USDT), or the coin for inverse. */
  readonly settle: string;
}

export interface SettlementInput extends FundingTerms {
  /** Signed contracts held over the settlement. */
  readonly contracts: number;
  readonly markPrice: number;
  /** Rate for one interval as the venue quotes it. */
  readonly rate: number;
}

export interface AccrualInput extends SettlementInput {
  /** Hours the quoted rate is for (Deribit: 8). */
  readonly rateIntervalHours: number;
  readonly periodStart: number;
  readonly periodEnd: number;
}

export interface FundingAmount {
  /** Received by the holder (negative = paid), in `currency`. */
  readonly amount: number;
  readonly currency: string;
  /**
   * The same in quote currency. Linear: equal to `amount` (the settle asset is the quote, USDT
   * and USDC counted 1:1). Inverse: the USD value at the mark used, −q × cs × r, computed
   * directly so it is exact rather than amount × M re-multiplied.
   */
  readonly amountQuote: number;
}

const HOUR_MS = 3_600_000;

function finite(name: string, v: number): void {
  if (!Number.isFinite(v)) throw new RangeError(`${name} must be a finite number, got ${v}`);
}

function positive(name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`${name} must be a positive number, got ${v}`);
}

/** −0 would print as "-0" in reports and ledgers: a zero payment is just 0. */
function noNegZero(x: number): number {
  return x === 0 ? 0 : x;
}

function scaled(p: SettlementInput, fraction: number): FundingAmount {
  finite('contracts', p.contracts);
  positive('contract size', p.contractSize);
  positive('mark price', p.markPrice);
  finite('funding rate', p.rate);
  if (p.settlement === 'linear') {
    const amount = noNegZero(-p.contracts * p.contractSize * p.markPrice * p.rate * fraction);
    return { amount, currency: p.settle, amountQuote: amount };
  }
  const usd = -p.contracts * p.contractSize * p.rate * fraction;
  return { amount: noNegZero(usd / p.markPrice), currency: p.settle, amountQuote: noNegZero(usd) };
}

/** Payment at one discrete settlement. */
export function settlementPayment(p: SettlementInput): FundingAmount {
  return scaled(p, 1);
}

/** Payment accrued continuously over [periodStart, periodEnd] (ms) at a rate quoted per interval. */
export function accruedPayment(p: AccrualInput): FundingAmount {
  positive('rate interval hours', p.rateIntervalHours);
  finite('period start', p.periodStart);
  finite('period end', p.periodEnd);
  if (p.periodEnd < p.periodStart) {
    throw new RangeError(`accrual period ends before it starts: ${p.periodEnd} < ${p.periodStart}`);
  }
  return scaled(p, (p.periodEnd - p.periodStart) / (p.rateIntervalHours * HOUR_MS));
}
