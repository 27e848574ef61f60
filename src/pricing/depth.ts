/**
 * Walking one side of an order book for a target quote notional.
 *
 * Hot path of the ranker (thousands of walks per scan): no per-level allocation, no sorting,
 * the mid is computed once per book by the caller, and callers that walk many books can reuse
 * one mutable WalkState (walkInto) instead of allocating a result per walk. Sides are packed
 * (BookSide) and the book.ts builders validate them, but a BookSide can be assembled by hand, so
 * the walk still checks order and values on the levels it touches and reports a problem instead
 * of returning numbers computed from a malformed book.
 */
import type { BookSide, OrderBook, ReadonlyFloat64Array } from '../domain/market.js';
import type { AmountModel } from './units.js';

export type Side = 'buy' | 'sell';

export interface DepthFill {
  readonly side: Side;
  readonly requestedNotional: number;
  /** Quote notional filled (= requested when complete). */
  readonly filledNotional: number;
  readonly baseQty: number;
  /** Filled size in the market's ccxt amount unit, unrounded. */
  readonly amount: number;
  /** filledNotional / baseQty; null when nothing was filled. */
  readonly vwap: number | null;
  readonly levelsUsed: number;
  /** false when the side ran out before the target (book exhausted, or the fetched depth was). */
  readonly complete: boolean;
  /** VWAP vs mid in bps, positive = worse than mid for this side; null when nothing was filled. */
  readonly slippageBps: number | null;
  /** Set when a touched level was malformed; the other numbers must then not be used. */
  readonly problem: string | null;
}

export const BOOK_PROBLEMS = {
  badLevel: 'book level with non-positive or non-finite price or amount',
  unsorted: 'book side not sorted best-first',
  emptyBids: 'no bids in book',
  emptyAsks: 'no asks in book',
  crossed: 'crossed book (best bid >= best ask)',
} as const;

/** Levels a taker of `side` consumes: a buy lifts asks, a sell hits bids. */
export function levelsFor(book: OrderBook, side: Side): BookSide {
  return side === 'buy' ? book.asks : book.bids;
}

/** Why the book's top cannot give a mid, or null when it can. */
export function touchProblem(book: OrderBook): string | null {
  return topProblem(book.bids.levels, 0, book.bids.length, book.asks.levels, 0, book.asks.length);
}

/**
 * touchProblem for sides given as (array, offset of level 0, level count), the form a
 * BookArena stores them in. A side's best price is only read once it is known to exist: in an
 * arena, the number past an empty side belongs to another book.
 */
export function topProblem(
  bidLevels: ReadonlyFloat64Array,
  bidsAt: number,
  bidCount: number,
  askLevels: ReadonlyFloat64Array,
  asksAt: number,
  askCount: number,
): string | null {
  if (bidCount === 0) return BOOK_PROBLEMS.emptyBids;
  if (askCount === 0) return BOOK_PROBLEMS.emptyAsks;
  const b = bidLevels[bidsAt] as number;
  const a = askLevels[asksAt] as number;
  if (!(b > 0 && a > 0 && b < Infinity && a < Infinity)) return BOOK_PROBLEMS.badLevel;
  if (b >= a) return BOOK_PROBLEMS.crossed;
  return null;
}

/** (best bid + best ask) / 2, or null when the top of book is unusable (see touchProblem). */
export function midPrice(book: OrderBook): number | null {
  if (touchProblem(book) !== null) return null;
  // touchProblem guarantees both levels exist.
  return ((book.bids.levels[0] as number) + (book.asks.levels[0] as number)) / 2;
}

/** Signed so that positive always means worse than mid: paid above it, or sold below it. */
export function slippageBps(side: Side, vwap: number, mid: number): number {
  return side === 'buy' ? ((vwap - mid) / mid) * 1e4 : ((mid - vwap) / mid) * 1e4;
}

/** Mutable result of walkInto, meant to be reused across walks. */
export interface WalkState {
  /** Quote filled. */
  quote: number;
  /** Base filled. */
  base: number;
  levelsUsed: number;
  complete: boolean;
  problem: string | null;
}

export function newWalkState(): WalkState {
  return { quote: 0, base: 0, levelsUsed: 0, complete: false, problem: null };
}

/**
 * Core walk, writing into `st`. Quote notional per level is amount × k × price
 * (base-denominated) or amount × k (quote-denominated, inverse); see units.ts.
 * Arguments are not validated here: walkBook does that for callers outside hot loops.
 */
export function walkInto(
  st: WalkState,
  levels: BookSide,
  buy: boolean,
  targetQuote: number,
  k: number,
  inQuote: boolean,
): void {
  walkLevelsInto(st, levels.levels, 0, levels.length, 0, 0, buy, targetQuote, k, inQuote);
}

/**
 * walkInto over a side packed in `lv` in up to two spans: its first `headCount` levels from
 * index `headAt`, then `tailCount` more from `tailAt` (level i of a span is lv[at + 2i],
 * lv[at + 2i + 1]). That is how a BookArena stores a side (top levels of all books together,
 * see book-arena.ts), walked here without a BookSide object; a side in one piece has no tail.
 * The levels are read in the same order either way, so the result is the same bit for bit.
 */
export function walkLevelsInto(
  st: WalkState,
  lv: ReadonlyFloat64Array,
  headAt: number,
  headCount: number,
  tailAt: number,
  tailCount: number,
  buy: boolean,
  targetQuote: number,
  k: number,
  inQuote: boolean,
): void {
  let q = 0;
  let b = 0;
  let used = 0;
  let complete = targetQuote === 0;
  let filledInLevel = false;
  let problem: string | null = null;
  let prev = buy ? 0 : Infinity;
  let j = headAt;
  let end = headAt + 2 * headCount;
  let tailLeft = tailCount > 0;
  while (!complete) {
    if (j === end) {
      if (!tailLeft) break;
      tailLeft = false;
      j = tailAt;
      end = tailAt + 2 * tailCount;
    }
    const p = lv[j] as number;
    const a = lv[j + 1] as number;
    j += 2;
    if (!(p > 0 && p < Infinity && a >= 0 && a < Infinity)) {
      problem = BOOK_PROBLEMS.badLevel;
      break;
    }
    if (buy ? p < prev : p > prev) {
      problem = BOOK_PROBLEMS.unsorted;
      break;
    }
    prev = p;
    const lq = inQuote ? a * k : a * k * p;
    if (lq === 0) continue;
    used++;
    const need = targetQuote - q;
    if (lq >= need) {
      // Partial level: whatever the unit, `need` quote at price p is need / p base. The quote
      // filled is then exactly the target (stored below): assigning targetQuote to q here would
      // make V8 keep q as a tagged value and allocate a number on every level.
      b += need / p;
      filledInLevel = true;
      complete = true;
    } else {
      q += lq;
      b += inQuote ? lq / p : a * k;
    }
  }
  st.quote = filledInLevel ? targetQuote : q;
  st.base = b;
  st.levelsUsed = used;
  st.complete = complete;
  st.problem = problem;
}

/** Take `targetQuote` of notional from the side a taker of `side` consumes. */
export function walkBook(
  book: OrderBook,
  side: Side,
  targetQuote: number,
  model: AmountModel,
  mid: number,
): DepthFill {
  if (!(Number.isFinite(targetQuote) && targetQuote >= 0)) {
    throw new RangeError(`target notional must be a finite number >= 0, got ${targetQuote}`);
  }
  if (!(Number.isFinite(mid) && mid > 0)) throw new RangeError(`mid must be a positive number, got ${mid}`);
  const st = newWalkState();
  walkInto(st, levelsFor(book, side), side === 'buy', targetQuote, model.k, model.inQuote);
  const vwap = st.base > 0 ? st.quote / st.base : null;
  return {
    side,
    requestedNotional: targetQuote,
    filledNotional: st.quote,
    baseQty: st.base,
    amount: model.inQuote ? st.quote / model.k : st.base / model.k,
    vwap,
    levelsUsed: st.levelsUsed,
    complete: st.complete,
    slippageBps: vwap === null ? null : slippageBps(side, vwap, mid),
    problem: st.problem,
  };
}
