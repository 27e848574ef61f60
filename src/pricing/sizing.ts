/**
 * Sizing a spot-perp position from depth: how much of each leg to order so the hedge is as flat
 * as the two lots allow. Pure.
 *
 * Steps:
 * 1. Target notional = the smallest of the strategy's notional, the ranker's max notional, free
 *    capital and the risk cap (whichever binds is reported).
 * 2. Each leg's IOC limit = mid × (1 ± maxSlippageBps), rounded to the tick away from the touch
 *    (lots.ts). Only levels at or better than the limit count as depth, so the size never needs
 *    more than the IOC will be allowed to take.
 * 3. Base B = the smaller of what each book gives for the target notional within its limit (the
 *    legs differ by the basis, so the smaller keeps both legs within the target). If a book runs
 *    out first, depth is the binding bound.
 * 4. Lots: a perp amount c is worth c × bpa base, bpa = contract size (linear) or
 *    contract size / P (inverse, P = the perp's walked VWAP). Two candidates each way: the perp
 *    floored to its lot and the spot rounded down or up to match it, or the spot floored and the
 *    perp rounded down or up; of those not above B and meeting both venue minimums, the one with
 *    the smallest |spot − perp base| wins (ties: the larger size). So the finer leg matches the
 *    coarser one, whichever it is, and the residual is below the finer lot.
 * 5. Each rounded amount is walked again within its limit for the VWAP the order should get.
 *
 * A size that cannot reach either venue's minimum is a skip with the reason: the book too thin
 * within the limit, or the target too small, told apart so the recorded reason says which.
 */
import { levelAt } from '../domain/book.js';
import type { Market, OrderBook } from '../domain/market.js';
import type { Direction } from '../domain/opportunity.js';
import type { LegKind, OrderSide } from '../domain/position.js';
import { levelsFor, midPrice, touchProblem } from './depth.js';
import { minimumProblem, roundLimitPrice, roundToStep } from './lots.js';
import { slippageLimitPrice } from './max-notional.js';
import { amountModel, amountToBase, amountToQuote, quoteToAmount, type AmountModel } from './units.js';

// ---------------------------------------------------------------------------------------------
// Taking liquidity within a limit price
// ---------------------------------------------------------------------------------------------

export interface Take {
  /** Market units taken (unrounded when the target was a quote notional). */
  readonly amount: number;
  readonly base: number;
  readonly quote: number;
  /** quote / base (the harmonic mean of prices for inverse contracts); null when nothing was taken. */
  readonly vwap: number | null;
  readonly levelsUsed: number;
  /** false when the side ran out, or reached the limit price, before the target. */
  readonly complete: boolean;
}

export type TakeTarget = { readonly quote: number } | { readonly amount: number };

/** true when `price` is at or better than `limit` for a taker of `side`. */
export function withinLimit(side: OrderSide, price: number, limit: number): boolean {
  return side === 'buy' ? price <= limit : price >= limit;
}

/**
 * Walks the side a taker of `side` consumes, levels at or better than `limit` only, until
 * `target` (a quote notional, or an amount in market units) is reached. `Infinity` measures all
 * the depth within the limit.
 */
export function takeWithinLimit(book: OrderBook, side: OrderSide, model: AmountModel, limit: number, target: TakeTarget): Take {
  const byQuote = 'quote' in target;
  const goal = byQuote ? target.quote : target.amount;
  if (!(goal >= 0)) throw new RangeError(`take target must be >= 0, got ${goal}`);
  const levels = levelsFor(book, side);
  let amount = 0;
  let base = 0;
  let quote = 0;
  let used = 0;
  let complete = goal === 0;
  for (let i = 0; i < levels.length && !complete; i++) {
    const [p, a] = levelAt(levels, i) as readonly [number, number];
    if (!withinLimit(side, p, limit)) break;
    const levelQuote = amountToQuote(model, a, p);
    const have = byQuote ? quote : amount;
    const levelSize = byQuote ? levelQuote : a;
    used++;
    // A last level within a hair of the remainder completes it (float sums of levels).
    if (levelSize >= (goal - have) * (1 - 1e-12)) {
      const takeAmount = byQuote ? quoteToAmount(model, goal - have, p) : goal - have;
      amount += takeAmount;
      base += amountToBase(model, takeAmount, p);
      quote += amountToQuote(model, takeAmount, p);
      complete = true;
    } else {
      amount += a;
      base += amountToBase(model, a, p);
      quote += levelQuote;
    }
  }
  return { amount, base, quote, vwap: base > 0 ? quote / base : null, levelsUsed: used, complete };
}

/** Mid and the IOC limit for one side of a book, or why the book cannot give them. */
export function limitPriceFor(
  market: Pick<Market, 'priceStep' | 'symbol'>,
  book: OrderBook,
  side: OrderSide,
  maxSlippageBps: number,
): { readonly mid: number; readonly limit: number } | { readonly problem: string } {
  checkSlippage(maxSlippageBps);
  const problem = touchProblem(book);
  if (problem !== null) return { problem: `${market.symbol}: ${problem}` };
  const mid = midPrice(book) as number;
  return { mid, limit: roundLimitPrice(market, side, slippageLimitPrice(side === 'buy', mid, maxSlippageBps)) };
}

function checkSlippage(bps: number): void {
  // 10,000 bps would put a sell limit at 0.
  if (!(Number.isFinite(bps) && bps > 0 && bps < 10_000)) {
    throw new RangeError(`maxSlippageBps must be a number in (0, 10000), got ${bps}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Sizing
// ---------------------------------------------------------------------------------------------

export type NotionalBoundName = 'strategy' | 'rankerMax' | 'freeCapital' | 'riskCap';
/** What limited the size: one of the notional bounds, or the books (depth within the limits). */
export type SizingBound = NotionalBoundName | 'depth';

/** Notional limits in quote currency; null = no such limit. */
export interface NotionalBounds {
  /** What the strategy asked for. */
  readonly strategy: number;
  /** The ranker's max notional within the slippage cap (Opportunity.maxNotional). */
  readonly rankerMax: number | null;
  /** Capital the venue wallet can commit to this position. */
  readonly freeCapital: number | null;
  /** The tightest of the risk gate's caps (per position, venue, total) for this position. */
  readonly riskCap: number | null;
}

export interface SizingInput {
  readonly direction: Direction;
  readonly spot: Market;
  readonly perp: Market;
  readonly spotBook: OrderBook;
  readonly perpBook: OrderBook;
  readonly bounds: NotionalBounds;
  /** Per-leg slippage cap vs mid: sets each leg's IOC limit and the depth sizing may count. */
  readonly maxSlippageBps: number;
}

export interface SizedLeg {
  readonly kind: LegKind;
  readonly market: Market;
  readonly side: OrderSide;
  /** Order amount in the market's ccxt unit, on the lot. */
  readonly amount: number;
  /** Base quantity at the walked VWAP. */
  readonly baseQty: number;
  readonly quoteNotional: number;
  /** Expected VWAP of an IOC for `amount` on the book sized from. */
  readonly vwap: number;
  readonly mid: number;
  /** IOC limit, on the tick. */
  readonly limitPrice: number;
  readonly levelsUsed: number;
  /** Base the side holds within the limit over the fetched depth. */
  readonly availableBase: number;
}

export type Sizing =
  | {
      readonly kind: 'sized';
      /** Target notional (quote) after the bounds. */
      readonly target: number;
      readonly bound: SizingBound;
      readonly spot: SizedLeg;
      readonly perp: SizedLeg;
      /** Net base exposure of the two legs at their VWAPs (spot signed + perp signed base). */
      readonly residualBase: number;
      /** residualBase / spot base quantity. */
      readonly residualShare: number;
    }
  | { readonly kind: 'skip'; readonly reason: string; readonly target: number; readonly bound: SizingBound };

const BOUND_ORDER: readonly NotionalBoundName[] = ['strategy', 'rankerMax', 'freeCapital', 'riskCap'];

/** The smallest bound and its name (first in BOUND_ORDER on ties). */
export function bindingBound(bounds: NotionalBounds): { readonly target: number; readonly bound: NotionalBoundName } {
  let target = Infinity;
  let bound: NotionalBoundName = 'strategy';
  for (const name of BOUND_ORDER) {
    const v = bounds[name];
    if (v === null) continue;
    if (!Number.isFinite(v)) throw new RangeError(`notional bound ${name} must be a finite number or null, got ${v}`);
    if (v < target) {
      target = v;
      bound = name;
    }
  }
  return { target, bound };
}

interface LegPlan {
  readonly kind: LegKind;
  readonly market: Market;
  readonly book: OrderBook;
  readonly side: OrderSide;
  readonly model: AmountModel;
  readonly mid: number;
  readonly limit: number;
  readonly available: Take;
}

function planLeg(kind: LegKind, market: Market, book: OrderBook, side: OrderSide, cap: number): LegPlan | string {
  if (!market.active) return `${kind} ${market.symbol} is not active`;
  const lp = limitPriceFor(market, book, side, cap);
  if ('problem' in lp) return `${kind} ${lp.problem}`;
  const model = amountModel(market);
  const available = takeWithinLimit(book, side, model, lp.limit, { quote: Infinity });
  return { kind, market, book, side, model, mid: lp.mid, limit: lp.limit, available };
}

/** Smallest base quantity the venue accepts for one order on this leg, priced at its limit. */
function minimumBase(leg: LegPlan, perpBasePerAmount: number): number {
  const m = leg.market;
  const perUnit = leg.kind === 'spot' ? 1 : perpBasePerAmount;
  let units = m.amountStep;
  if (m.minAmount !== null) units = Math.max(units, m.minAmount);
  if (m.minCost !== null) units = Math.max(units, quoteToAmount(leg.model, m.minCost, leg.limit));
  return units * perUnit;
}

function fmt(x: number): string {
  return Number(x.toPrecision(8)).toString();
}

function sideWord(side: OrderSide): string {
  return side === 'buy' ? 'asks' : 'bids';
}

export function sizePosition(input: SizingInput): Sizing {
  const { spot, perp, spotBook, perpBook, direction } = input;
  checkSlippage(input.maxSlippageBps);
  if (spot.type !== 'spot' || spot.amountUnit !== 'base') throw new RangeError(`${spot.symbol} is not a spot market`);
  if (perp.type !== 'swap' || perp.settlement === null) throw new RangeError(`${perp.symbol} is not a perpetual`);
  if (spot.venue !== perp.venue) throw new RangeError(`legs on two venues (${spot.venue}, ${perp.venue}): carry hedges on one venue`);
  if (spotBook.symbol !== spot.symbol || perpBook.symbol !== perp.symbol) {
    throw new RangeError(`books (${spotBook.symbol}, ${perpBook.symbol}) do not match the markets (${spot.symbol}, ${perp.symbol})`);
  }

  const { target, bound: notionalBound } = bindingBound(input.bounds);
  const skip = (reason: string, bound: SizingBound = notionalBound): Sizing => ({ kind: 'skip', reason, target, bound });
  if (!(target > 0)) return skip(`target notional ${fmt(target)} ${spot.quote} (bound: ${notionalBound}) leaves nothing to trade`);

  const spotSide: OrderSide = direction === 'carry' ? 'buy' : 'sell';
  const perpSide: OrderSide = direction === 'carry' ? 'sell' : 'buy';
  const s = planLeg('spot', spot, spotBook, spotSide, input.maxSlippageBps);
  if (typeof s === 'string') return skip(s);
  const p = planLeg('perp', perp, perpBook, perpSide, input.maxSlippageBps);
  if (typeof p === 'string') return skip(p);

  const takeS = takeWithinLimit(spotBook, spotSide, s.model, s.limit, { quote: target });
  const takeP = takeWithinLimit(perpBook, perpSide, p.model, p.limit, { quote: target });
  const base = Math.min(takeS.base, takeP.base);
  const bound: SizingBound = (takeS.base <= takeP.base ? takeS : takeP).complete ? notionalBound : 'depth';

  // Base per perp amount unit: fixed for linear; for inverse it depends on the price paid.
  const perpRef = takeP.vwap ?? p.mid;
  const bpa = amountToBase(p.model, 1, perpRef);

  // Too thin is judged on everything within the limit; too small on the target.
  for (const leg of [s, p]) {
    const min = minimumBase(leg, bpa);
    if (leg.available.base < min) {
      return skip(
        `book too thin: ${leg.kind} ${leg.market.symbol} ${sideWord(leg.side)} within the limit ${leg.limit} ` +
          `(${input.maxSlippageBps} bps from mid ${fmt(leg.mid)}) hold ${fmt(leg.available.base)} ${spot.base}, ` +
          `below the minimum order of ${fmt(min)} ${spot.base}`,
        'depth',
      );
    }
  }
  for (const leg of [s, p]) {
    const min = minimumBase(leg, bpa);
    if (base < min) {
      return skip(
        `size too small: ${fmt(base)} ${spot.base} (target ${fmt(target)} ${spot.quote}, bound: ${bound}) is below ` +
          `the minimum order of ${leg.kind} ${leg.market.symbol} (${fmt(min)} ${spot.base})`,
        bound,
      );
    }
  }

  const pick = pickLots(base, spot.amountStep, perp.amountStep, bpa, (qty, contracts) =>
    minimumProblem(spot, qty, s.limit) === null && minimumProblem(perp, contracts, p.limit) === null,
  );
  if (pick === null) {
    return skip(
      `no lot combination fits: ${fmt(base)} ${spot.base} with spot lot ${spot.amountStep} and perp lot ` +
        `${perp.amountStep} (${fmt(perp.amountStep * bpa)} ${spot.base}) meets both minimums only above the size`,
      bound,
    );
  }

  const spotLeg = sizedLeg(s, pick.spot);
  const perpLeg = sizedLeg(p, pick.perp);
  const spotSigned = spotSide === 'buy' ? spotLeg.baseQty : -spotLeg.baseQty;
  const perpSigned = perpSide === 'buy' ? perpLeg.baseQty : -perpLeg.baseQty;
  const residualBase = spotSigned + perpSigned;
  return { kind: 'sized', target, bound, spot: spotLeg, perp: perpLeg, residualBase, residualShare: residualBase / spotLeg.baseQty };
}

/**
 * The (spot qty, perp amount) pair with the smallest |spot − perp × bpa| among the four
 * candidates of step 4 (file comment), none above `base`, all passing `accept`; null if none.
 */
export function pickLots(
  base: number,
  spotStep: number,
  perpStep: number,
  bpa: number,
  accept: (spotQty: number, perpAmount: number) => boolean,
): { readonly spot: number; readonly perp: number; readonly residual: number } | null {
  const cap = base * (1 + 1e-12);
  const perpFloor = roundToStep(base / bpa, perpStep, 'down');
  const spotFloor = roundToStep(base, spotStep, 'down');
  const candidates: [number, number][] = [
    [roundToStep(perpFloor * bpa, spotStep, 'down'), perpFloor],
    [roundToStep(perpFloor * bpa, spotStep, 'up'), perpFloor],
    [spotFloor, roundToStep(spotFloor / bpa, perpStep, 'down')],
    [spotFloor, roundToStep(spotFloor / bpa, perpStep, 'up')],
  ];
  let best: { spot: number; perp: number; residual: number } | null = null;
  for (const [q, c] of candidates) {
    if (!(q > 0 && c > 0) || q > cap || c * bpa > cap || !accept(q, c)) continue;
    const residual = Math.abs(q - c * bpa);
    if (best === null || residual < best.residual - 1e-15 || (Math.abs(residual - best.residual) <= 1e-15 && q > best.spot)) {
      best = { spot: q, perp: c, residual };
    }
  }
  return best;
}

function sizedLeg(leg: LegPlan, amount: number): SizedLeg {
  const t = takeWithinLimit(leg.book, leg.side, leg.model, leg.limit, { amount });
  // Cannot happen: amount ≤ what the target walk took within the same limit.
  if (!t.complete || t.vwap === null) {
    throw new RangeError(`${leg.market.symbol}: sized amount ${amount} does not fit the book within ${leg.limit}`);
  }
  return {
    kind: leg.kind,
    market: leg.market,
    side: leg.side,
    amount,
    baseQty: t.base,
    quoteNotional: t.quote,
    vwap: t.vwap,
    mid: leg.mid,
    limitPrice: leg.limit,
    levelsUsed: t.levelsUsed,
    availableBase: leg.available.base,
  };
}
