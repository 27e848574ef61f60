/**
 * Rounding amounts and prices to a market's lot and tick, and the venue's minimum-order checks.
 *
 * Float-safe by working in whole step counts: 0.3 / 0.1 is 2.9999999999999996 in binary floating
 * point, and a naive Math.floor would turn a 0.3 BTC order on a 0.1 lot into 0.2. A quotient
 * within STEP_TOLERANCE of a whole number counts as that number; the value is then rebuilt as
 * (count × step numerator) / 10^decimals, two exact integers divided once, which gives the double
 * nearest the decimal (0.3, not 0.30000000000000004).
 *
 * Directions, chosen so a rounded order is never more than the caller can afford or hold and a
 * limit never silently tightens the slippage the caller allowed:
 * - amounts round DOWN by default (the caller sized to what it can afford / what the book holds);
 * - an IOC taker buy limit rounds UP to the tick and a sell limit DOWN: the limit is the worst
 *   price accepted, and rounding it toward the touch would reject levels the slippage cap allows.
 *   The cost is at most one tick beyond the cap, which is the venue's own granularity.
 */
import type { Market } from '../domain/market.js';
import type { OrderSide } from '../domain/position.js';
import { amountModel, amountToQuote } from './units.js';

export type RoundMode = 'down' | 'up' | 'nearest';

/**
 * How far (in steps) a quotient may sit from a whole number and still count as it: absorbs the
 * representation error of decimal steps and of a few multiplications (relative error ~1e-15),
 * far below any intended fraction of a lot.
 */
export function stepTolerance(quotient: number): number {
  return Math.max(1e-9, Math.abs(quotient) * 1e-12);
}

function checkStep(step: number, what: string): void {
  if (!(Number.isFinite(step) && step > 0)) throw new RangeError(`${what} step must be a positive number, got ${step}`);
}

function checkValue(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite number, got ${value}`);
}

/** Whole steps in `value`, rounded by `mode`, float-safe (see file comment). */
export function stepsIn(value: number, step: number, mode: RoundMode): number {
  checkValue(value, 'value');
  checkStep(step, 'lot/tick');
  const q = value / step;
  const near = Math.round(q);
  if (Math.abs(q - near) <= stepTolerance(q)) return near;
  return mode === 'down' ? Math.floor(q) : mode === 'up' ? Math.ceil(q) : near;
}

/** true when `value` is a whole number of steps (within the float tolerance). */
export function isOnStep(value: number, step: number): boolean {
  checkValue(value, 'value');
  checkStep(step, 'lot/tick');
  const q = value / step;
  return Math.abs(q - Math.round(q)) <= stepTolerance(q);
}

/** A decimal step as numerator / 10^decimals (0.001 → 1/1000, 10 → 10/1), or null if not decimal. */
function decimalStep(step: number): { readonly num: number; readonly den: number } | null {
  for (let d = 0, den = 1; d <= 15; d++, den *= 10) {
    const scaled = step * den;
    const num = Math.round(scaled);
    if (num > 0 && Math.abs(scaled - num) <= 1e-9 * num) return { num, den };
  }
  return null;
}

/** `count` steps as a number: the double nearest the exact decimal value. */
export function fromSteps(count: number, step: number): number {
  checkStep(step, 'lot/tick');
  if (!Number.isInteger(count)) throw new RangeError(`step count must be an integer, got ${count}`);
  const dec = decimalStep(step);
  if (dec === null) return count * step;
  const scaled = count * dec.num;
  // Beyond 2^53 the integer product is no longer exact; the plain product is as good there.
  return Number.isSafeInteger(scaled) ? scaled / dec.den : count * step;
}

/** `value` rounded to a whole number of `step`s. */
export function roundToStep(value: number, step: number, mode: RoundMode): number {
  return fromSteps(stepsIn(value, step, mode), step);
}

/** An order amount (market's ccxt unit) rounded to the lot; DOWN unless told otherwise. */
export function roundAmount(market: Pick<Market, 'amountStep'>, amount: number, mode: RoundMode = 'down'): number {
  return roundToStep(amount, market.amountStep, mode);
}

/**
 * An IOC taker limit rounded to the tick away from the touch: buy UP, sell DOWN (file comment).
 * Throws a RangeError when the price is not positive or a sell limit would round to 0.
 */
export function roundLimitPrice(market: Pick<Market, 'priceStep' | 'symbol'>, side: OrderSide, price: number): number {
  if (!(Number.isFinite(price) && price > 0)) throw new RangeError(`${market.symbol}: limit price must be a positive number, got ${price}`);
  const rounded = roundToStep(price, market.priceStep, side === 'buy' ? 'up' : 'down');
  if (!(rounded > 0)) {
    throw new RangeError(`${market.symbol}: sell limit ${price} is below one tick (${market.priceStep}) and rounds to 0`);
  }
  return rounded;
}

export type MinimumMarket = Pick<Market, 'symbol' | 'minAmount' | 'minCost' | 'amountUnit' | 'contractSize' | 'settlement' | 'quote'>;

/**
 * Why `amount` (market units) at `price` is below the venue's minimum order, or null when it is
 * not. The minimum cost is compared with the order's quote value (units.ts), so it means the
 * same for spot, linear and inverse markets.
 */
export function minimumProblem(market: MinimumMarket, amount: number, price: number): string | null {
  if (!(amount > 0)) return `${market.symbol}: amount ${amount} is not positive`;
  // Relative tolerance: an amount rebuilt from steps may differ from the venue's figure in the last bit.
  if (market.minAmount !== null && amount < market.minAmount * (1 - 1e-9)) {
    return `${market.symbol}: amount ${amount} is below the minimum amount ${market.minAmount}`;
  }
  if (market.minCost !== null) {
    const cost = amountToQuote(amountModel(market), amount, price);
    if (cost < market.minCost * (1 - 1e-9)) {
      return `${market.symbol}: order value ${formatQuote(cost)} ${market.quote} at ${price} is below the minimum cost ${market.minCost} ${market.quote}`;
    }
  }
  return null;
}

/**
 * Why an order of `amount` at limit `price` cannot be placed as is (not positive, not a lot
 * multiple, limit off the tick, below the minimum), or null when it can.
 */
export function orderProblem(
  market: MinimumMarket & Pick<Market, 'amountStep' | 'priceStep'>,
  amount: number,
  price: number,
): string | null {
  if (!(Number.isFinite(amount) && amount > 0)) return `${market.symbol}: amount must be a positive number, got ${amount}`;
  if (!(Number.isFinite(price) && price > 0)) return `${market.symbol}: limit price must be a positive number, got ${price}`;
  if (!isOnStep(amount, market.amountStep)) {
    return `${market.symbol}: amount ${amount} is not a multiple of the lot ${market.amountStep}`;
  }
  if (!isOnStep(price, market.priceStep)) {
    return `${market.symbol}: limit price ${price} is not on the tick ${market.priceStep}`;
  }
  return minimumProblem(market, amount, price);
}

function formatQuote(x: number): string {
  return Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(4);
}
