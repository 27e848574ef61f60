/**
 * Walking one side of an order book for a target quote notional.
 *
 * Hot path of the ranker (thousands of walks per scan): no per-level allocation, no sorting,
 * the mid is computed once per book by the caller, and callers that walk many books can reuse
 * one mutable WalkState (walkInto) instead of allocating a result per walk. Sides are packed
 * (BookSide) and the book.ts builders validate them, but a BookSide can be assembled by hand, so
 * levels are still checked for order and values (checkLevelsInto) and a walk that needs a level
 * past a malformed one reports a problem instead of returning numbers computed from it. walkInto
 * checks its side first; the ranker's walks (walkLevelsInto) read a BookArena, whose levels
 * were checked once when the books were packed.
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

/** How far the walks can read one side: see checkLevelsInto. */
export interface LevelCheck {
  /** Levels from the top that pass the walks' checks. */
  valid: number;
  /** Why level `valid` does not (a BOOK_PROBLEMS text); null when every level passes. */
  problem: string | null;
}

export function newLevelCheck(): LevelCheck {
  return { valid: 0, problem: null };
}

/**
 * The checks a walk makes on the levels it reads, made once over a whole side: a positive
 * finite price, a finite amount >= 0, and prices in order for a taker of direction `buy` (asks
 * ascending, bids descending; equal prices allowed). The walks take the result instead of
 * checking level by level: they read `valid` levels and, if they need more, stop with `problem`,
 * which is where and why a walk checking as it went would have stopped.
 */
export function checkLevelsInto(out: LevelCheck, lv: ReadonlyFloat64Array, at: number, count: number, buy: boolean): void {
  let prev = buy ? 0 : Infinity;
  for (let i = 0; i < count; i++) {
    const p = lv[at + 2 * i] as number;
    const a = lv[at + 2 * i + 1] as number;
    if (!(p > 0 && p < Infinity && a >= 0 && a < Infinity)) {
      out.valid = i;
      out.problem = BOOK_PROBLEMS.badLevel;
      return;
    }
    if (buy ? p < prev : p > prev) {
      out.valid = i;
      out.problem = BOOK_PROBLEMS.unsorted;
      return;
    }
    prev = p;
  }
  out.valid = count;
  out.problem = null;
}

const sideCheck = newLevelCheck();

/**
 * Core walk, writing into `st`. Quote notional per level is amount × k × price
 * (base-denominated) or amount × k (quote-denominated, inverse); see units.ts. The side's levels
 * are checked first (checkLevelsInto, over the whole side); the other arguments are not
 * validated here: walkBook does that for callers outside hot loops.
 */
export function walkInto(
  st: WalkState,
  levels: BookSide,
  buy: boolean,
  targetQuote: number,
  k: number,
  inQuote: boolean,
): void {
  checkLevelsInto(sideCheck, levels.levels, 0, levels.length, buy);
  walkLevelsInto(st, levels.levels, 0, sideCheck.valid, 0, 0, sideCheck.problem, targetQuote, k, inQuote);
}

/**
 * walkInto over checked levels (checkLevelsInto) packed in `lv` in up to two spans: `headCount`
 * levels from index `headAt`, then `tailCount` more from `tailAt` (level i of a span is
 * lv[at + 2i], lv[at + 2i + 1]); `stop` is the problem to report if the walk needs a level past
 * them (null: the side ends there). That is how a BookArena stores a side (top levels of all
 * books together, levels checked when packed; see book-arena.ts), walked without a BookSide
 * object or a check per level; a side in one piece has no tail. The same levels are read in the
 * same order as walkInto reads them, so the result is the same bit for bit.
 */
export function walkLevelsInto(
  st: WalkState,
  lv: ReadonlyFloat64Array,
  headAt: number,
  headCount: number,
  tailAt: number,
  tailCount: number,
  stop: string | null,
  targetQuote: number,
  k: number,
  inQuote: boolean,
): void {
  let q = 0;
  let b = 0;
  let used = 0;
  let complete = targetQuote === 0;
  let filledInLevel = false;
  // The head span, then the tail: one inner loop per span keeps each a plain counted loop.
  walk: for (let span = 0; span < 2 && !complete; span++) {
    const from = span === 0 ? headAt : tailAt;
    const end = from + 2 * (span === 0 ? headCount : tailCount);
    for (let j = from; j < end; j += 2) {
      const p = lv[j] as number;
      const a = lv[j + 1] as number;
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
        break walk;
      }
      q += lq;
      b += inQuote ? lq / p : a * k;
    }
  }
  st.quote = filledInLevel ? targetQuote : q;
  st.base = b;
  st.levelsUsed = used;
  st.complete = complete;
  st.problem = complete ? null : stop;
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
