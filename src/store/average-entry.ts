/**
 * One leg's signed quantity and average entry price, moved by one trade (pure math).
 *
 * Realised P&L of closing `c` units of a leg with sign s at price P against entry E
 * (accounting.md, "Legs"):
 *   linear (spot with multiplier 1, linear perps with cs): s × c × mult × (P − E)   [quote/settle]
 *   inverse perps (mult = cs in USD):                        s × c × mult × (1/E − 1/P) [coin]
 * For several entries to close exactly as the sum of their lots, the average must be the
 * quantity-weighted mean of P for linear, and of 1/P for inverse (a harmonic mean of prices).
 */

export type PnlModel = 'linear' | 'inverse';

export interface Leg {
  /** Signed quantity (long > 0). */
  readonly qty: number;
  /** Average entry price of `qty`; null when flat. */
  readonly entry: number | null;
}

export interface TradeEffect extends Leg {
  /** Unsigned quantity the trade closed (0 when it only added). */
  readonly closed: number;
  /** P&L realised by the closed part, null when nothing closed. */
  readonly realised: number | null;
}

// Quantities are sums of venue lots, so a leftover this small relative to the quantities
// involved is binary floating-point dust (0.1 + 0.2 − 0.3), never a real position.
const DUST = 1e-9;

function isDust(x: number, scale: number): boolean {
  return Math.abs(x) <= DUST * scale;
}

export function realisedPnl(model: PnlModel, sign: 1 | -1, closed: number, multiplier: number, entry: number, price: number): number {
  return model === 'linear'
    ? sign * closed * multiplier * (price - entry)
    : sign * closed * multiplier * (1 / entry - 1 / price);
}

function blend(model: PnlModel, q1: number, e1: number, q2: number, p2: number): number {
  return model === 'linear' ? (q1 * e1 + q2 * p2) / (q1 + q2) : (q1 + q2) / (q1 / e1 + q2 / p2);
}

/** The leg after a trade of `signedQty` (buy > 0) at `price`. */
export function applyTrade(leg: Leg, signedQty: number, price: number, model: PnlModel, multiplier: number): TradeEffect {
  if (!(Number.isFinite(price) && price > 0)) throw new RangeError(`trade price must be positive, got ${price}`);
  if (!(Number.isFinite(signedQty) && signedQty !== 0)) throw new RangeError(`trade quantity must be non-zero, got ${signedQty}`);
  const q = leg.qty;
  const scale = Math.max(Math.abs(q), Math.abs(signedQty));
  if (q === 0 || Math.sign(q) === Math.sign(signedQty)) {
    const entry = q === 0 || leg.entry === null ? price : blend(model, Math.abs(q), leg.entry, Math.abs(signedQty), price);
    return { qty: q + signedQty, entry, closed: 0, realised: null };
  }
  if (leg.entry === null) throw new RangeError(`leg holds ${q} but has no entry price`);
  const sign = q > 0 ? 1 : -1;
  let next = q + signedQty;
  if (isDust(next, scale)) next = 0;
  if (next === 0 || Math.sign(next) !== sign) {
    // Closed the whole leg; whatever is left over opens the other side at this price.
    const closed = Math.abs(q);
    return { qty: next, entry: next === 0 ? null : price, closed, realised: realisedPnl(model, sign, closed, multiplier, leg.entry, price) };
  }
  const closed = Math.abs(signedQty);
  return { qty: next, entry: leg.entry, closed, realised: realisedPnl(model, sign, closed, multiplier, leg.entry, price) };
}

/** Removes quantity without a trade (a fee charged in the base coin): entry unchanged, nothing realised. */
export function shrink(leg: Leg, qty: number): Leg {
  if (qty === 0) return leg;
  let next = leg.qty - qty;
  if (isDust(next, Math.max(Math.abs(leg.qty), Math.abs(qty)))) next = 0;
  return { qty: next, entry: next === 0 ? null : leg.entry };
}
