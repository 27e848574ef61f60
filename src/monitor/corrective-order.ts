/**
 * Corrective orders as an alert carries them: a signed quantity rounded to the market's lot,
 * its amount in the market's ccxt unit, its contracts for a perp, and a sentence a person can
 * follow ("sell 0.012 BTC spot on binance", "sell 400 BTC-PERPETUAL contracts on deribit").
 *
 * Rounding is to the NEAREST lot: a correction aims at flat, and rounding it down would leave a
 * systematic residue on one side. Callers that must not undershoot (margin reductions) round
 * the quantity themselves before asking for the order.
 */
import type { CorrectiveAction } from '../domain/alert.js';
import type { Market, VenueId } from '../domain/market.js';
import { fromSteps, minimumProblem, stepsIn, type RoundMode } from '../pricing/lots.js';
import { amountModel } from '../pricing/units.js';
import { formatOnStep } from './format.js';

export type OrderAction = Extract<CorrectiveAction, { kind: 'order' }>;

/** Contracts per one ccxt amount unit of a perp: 1 for 'contracts', 1/cs for base or USD amounts. */
function contractsPerAmount(perp: Market): number {
  return amountModel(perp).k / perp.contractSize;
}

/** Signed contracts → signed ccxt amount of `perp` (Deribit inverse: USD, contracts × 10). Unrounded. */
export function contractsToAmount(perp: Market, contracts: number): number {
  return contracts / contractsPerAmount(perp);
}

/** The size of one contract step of `perp`, in contracts (Deribit BTC-PERPETUAL: 10 USD = 1). */
export function contractStep(perp: Market): number {
  return perp.amountStep * contractsPerAmount(perp);
}

export interface RoundedOrder {
  /** Signed amount in the market's ccxt unit, on the lot (0 when it rounds away). */
  readonly amount: number;
  /** Perp: signed contracts of that amount; spot: null. */
  readonly contracts: number | null;
  /** Signed base quantity the order moves at `price` (what it does to the exposure). */
  readonly baseQty: number;
}

/**
 * `signed` (spot: base quantity; perp: contracts) rounded to the lot by `mode` on its magnitude,
 * so a sell and a buy of the same size round alike.
 */
export function roundOrder(market: Market, leg: 'spot' | 'perp', signed: number, price: number, mode: RoundMode = 'nearest'): RoundedOrder {
  if (!Number.isFinite(signed)) throw new RangeError(`${market.symbol}: order quantity must be finite, got ${signed}`);
  if (!(Number.isFinite(price) && price > 0)) throw new RangeError(`${market.symbol}: price must be a positive number, got ${price}`);
  const sign = signed < 0 ? -1 : 1;
  if (leg === 'spot') {
    const steps = stepsIn(Math.abs(signed), market.amountStep, mode);
    const amount = steps === 0 ? 0 : sign * fromSteps(steps, market.amountStep);
    return { amount, contracts: null, baseQty: amount };
  }
  const steps = stepsIn(Math.abs(contractsToAmount(market, signed)), market.amountStep, mode);
  if (steps === 0) return { amount: 0, contracts: 0, baseQty: 0 };
  const amount = sign * fromSteps(steps, market.amountStep);
  const contracts = sign * fromSteps(steps, contractStep(market));
  const baseQty = market.settlement === 'inverse' ? (contracts * market.contractSize) / price : contracts * market.contractSize;
  return { amount, contracts, baseQty };
}

/** Why this rounded order cannot be placed (zero, below the venue's minimum), or null. */
export function orderTooSmall(market: Market, order: RoundedOrder, price: number): string | null {
  if (order.amount === 0) return `${market.symbol}: the correction is smaller than one lot (${market.amountStep})`;
  return minimumProblem(market, Math.abs(order.amount), price);
}

/** The alert's order for a rounded, non-zero quantity. */
export function orderAction(venue: VenueId, market: Market, leg: 'spot' | 'perp', order: RoundedOrder): OrderAction {
  if (order.amount === 0) throw new RangeError(`${market.symbol}: an order of 0 is not an action`);
  const side = order.amount > 0 ? 'buy' : 'sell';
  const amount = Math.abs(order.amount);
  const contracts = order.contracts === null ? null : Math.abs(order.contracts);
  const text =
    leg === 'spot'
      ? `${side} ${formatOnStep(amount, market.amountStep)} ${market.base} spot on ${venue}`
      : `${side} ${formatOnStep(contracts ?? 0, contractStep(market))} ${market.id} contracts on ${venue}`;
  return { kind: 'order', venue, symbol: market.symbol, leg, side, amount, contracts, text };
}
