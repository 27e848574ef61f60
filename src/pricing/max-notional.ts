/**
 * Largest notional a taker can trade on one side of a book while its VWAP stays within
 * `maxSlippageBps` of mid, solved from depth rather than searched.
 *
 * With limit price L = mid × (1 ± cap) (+ for buys, − for sells), "VWAP within cap" is
 * Q ≤ L·B for buys and Q ≥ L·B for sells, Q and B being cumulative quote and base. Levels are
 * walked whole while that holds. Inside the level of price p where it first fails, taking x
 * more quote adds x / p base, so VWAP(Q + x) = (Q + x) / (B + x / p) and VWAP = L solves to
 *   N = Q + x = L · (p·B − Q) / (p − L).
 * p − L is never 0 there: a level can only push VWAP past L if p itself is beyond L. VWAP is
 * monotonic in notional (each level is no better than the ones before), so the first crossing
 * is the answer.
 */
import type { BookSide, OrderBook, ReadonlyFloat64Array } from '../domain/market.js';
import { BOOK_PROBLEMS, checkLevelsInto, levelsFor, newLevelCheck, type Side } from './depth.js';
import type { AmountModel } from './units.js';

export interface MaxNotional {
  /** Quote notional; 0 when even the best level is beyond the cap. */
  readonly notional: number;
  /**
   * The cap was never reached: `notional` is the whole side as given (all fetched levels),
   * so the true limit is at least this. Fetch more depth to know more.
   */
  readonly bookLimited: boolean;
  /** Levels touched, including a partly used crossing level. */
  readonly levelsUsed: number;
  /** Set when a touched level was malformed; `notional` must then not be used. */
  readonly problem: string | null;
}

/** Mutable MaxNotional, for callers that solve many books and reuse one state. */
export interface MaxNotionalState {
  notional: number;
  bookLimited: boolean;
  levelsUsed: number;
  problem: string | null;
}

export function newMaxNotionalState(): MaxNotionalState {
  return { notional: 0, bookLimited: false, levelsUsed: 0, problem: null };
}

/** Limit price a VWAP may reach: mid × (1 + cap) for buys, mid × (1 − cap) for sells. */
export function slippageLimitPrice(buy: boolean, mid: number, maxSlippageBps: number): number {
  return buy ? mid * (1 + maxSlippageBps / 1e4) : mid * (1 - maxSlippageBps / 1e4);
}

/** Core solver writing into `st`; arguments unchecked (see maxNotionalWithinSlippage). */
export function maxNotionalInto(
  st: MaxNotionalState,
  levels: BookSide,
  buy: boolean,
  k: number,
  inQuote: boolean,
  limit: number,
): void {
  let q = 0;
  let b = 0;
  let used = 0;
  let prev = buy ? 0 : Infinity;
  st.bookLimited = false;
  st.problem = null;
  const lv = levels.levels;
  for (let i = 0, n = levels.length; i < n; i++) {
    const p = lv[2 * i] as number;
    const a = lv[2 * i + 1] as number;
    if (!(p > 0 && p < Infinity && a >= 0 && a < Infinity)) {
      st.problem = BOOK_PROBLEMS.badLevel;
      break;
    }
    if (buy ? p < prev : p > prev) {
      st.problem = BOOK_PROBLEMS.unsorted;
      break;
    }
    prev = p;
    const lq = inQuote ? a * k : a * k * p;
    if (lq === 0) continue;
    const q2 = q + lq;
    const b2 = b + (inQuote ? lq / p : a * k);
    if (buy ? q2 <= limit * b2 : q2 >= limit * b2) {
      q = q2;
      b = b2;
      used++;
      continue;
    }
    const solved = (limit * (p * b - q)) / (p - limit);
    // Clamp against rounding: the exact answer lies within this level.
    const notional = solved < q ? q : solved > q2 ? q2 : solved;
    st.notional = notional;
    st.levelsUsed = notional > q ? used + 1 : used;
    return;
  }
  st.notional = q;
  st.levelsUsed = used;
  st.bookLimited = st.problem === null;
}

/**
 * Mutable result of walkWithMaxInto: what walkInto (entry walk for a target notional) and
 * maxNotionalInto (max notional at the cap) report for the same side, bit for bit.
 */
export interface WalkMaxState {
  /** Entry walk: quote and base filled, whether the target was reached (see WalkState). */
  quote: number;
  base: number;
  complete: boolean;
  /** Set when the entry walk would have stopped on a malformed level. */
  walkProblem: string | null;
  /** Max notional at the cap (see MaxNotional); not to be used when maxProblem is set. */
  notional: number;
  bookLimited: boolean;
  /** Set when the max-notional walk would have stopped on a malformed level. */
  maxProblem: string | null;
}

export function newWalkMaxState(): WalkMaxState {
  return { quote: 0, base: 0, complete: false, walkProblem: null, notional: 0, bookLimited: false, maxProblem: null };
}

const sideCheck = newLevelCheck();

/**
 * walkInto and maxNotionalInto on one side in a single pass, stopping once both are answered.
 * The two walks read the same levels and keep the same running sums (quote and base of the
 * whole levels taken, added in the same order), so sharing them changes no result; the ranker
 * prices thousands of books per scan, and this reads the entry side's levels once instead of
 * twice. Arguments unchecked, as for the two walks it replaces; the levels are checked first
 * (checkLevelsInto), as walkInto does.
 */
export function walkWithMaxInto(
  st: WalkMaxState,
  levels: BookSide,
  buy: boolean,
  targetQuote: number,
  k: number,
  inQuote: boolean,
  limit: number,
): void {
  checkLevelsInto(sideCheck, levels.levels, 0, levels.length, buy);
  walkWithMaxLevelsInto(st, levels.levels, 0, sideCheck.valid, 0, 0, sideCheck.problem, buy, targetQuote, k, inQuote, limit);
}

/**
 * walkWithMaxInto over checked levels in up to two spans, `headCount` levels from `headAt` then
 * `tailCount` from `tailAt`, with `stop` the problem past them, as a BookArena keeps a side (see
 * walkLevelsInto).
 */
export function walkWithMaxLevelsInto(
  st: WalkMaxState,
  lv: ReadonlyFloat64Array,
  headAt: number,
  headCount: number,
  tailAt: number,
  tailCount: number,
  stop: string | null,
  buy: boolean,
  targetQuote: number,
  k: number,
  inQuote: boolean,
  limit: number,
): void {
  let q = 0;
  let b = 0;
  let walkDone = targetQuote === 0;
  let walkQ = 0;
  let walkB = 0;
  let maxDone = false;
  let maxN = 0;
  // The head span, then the tail: one inner loop per span keeps each a plain counted loop.
  walk: for (let span = 0; span < 2; span++) {
    const from = span === 0 ? headAt : tailAt;
    const end = from + 2 * (span === 0 ? headCount : tailCount);
    for (let j = from; j < end; j += 2) {
      const p = lv[j] as number;
      const a = lv[j + 1] as number;
      const lq = inQuote ? a * k : a * k * p;
      if (lq === 0) continue;
      const q2 = q + lq;
      const b2 = b + (inQuote ? lq / p : a * k);
      if (!walkDone && lq >= targetQuote - q) {
        // Partial level: whatever the unit, the missing quote at price p is that / p base.
        walkB = b + (targetQuote - q) / p;
        walkQ = targetQuote;
        walkDone = true;
      }
      if (!maxDone && !(buy ? q2 <= limit * b2 : q2 >= limit * b2)) {
        const solved = (limit * (p * b - q)) / (p - limit);
        maxN = solved < q ? q : solved > q2 ? q2 : solved;
        maxDone = true;
      }
      if (walkDone && maxDone) break walk;
      q = q2;
      b = b2;
    }
  }
  // Out of checked levels with something unanswered: stopped by `stop`, if any.
  const problem = walkDone && maxDone ? null : stop;
  if (walkDone) {
    st.quote = walkQ;
    st.base = walkB;
  } else {
    st.quote = q;
    st.base = b;
  }
  st.complete = walkDone;
  st.walkProblem = walkDone ? null : problem;
  st.notional = maxDone ? maxN : q;
  st.bookLimited = !maxDone && problem === null;
  st.maxProblem = maxDone ? null : problem;
}

export function maxNotionalWithinSlippage(
  book: OrderBook,
  side: Side,
  model: AmountModel,
  mid: number,
  maxSlippageBps: number,
): MaxNotional {
  if (!(Number.isFinite(mid) && mid > 0)) throw new RangeError(`mid must be a positive number, got ${mid}`);
  if (!(Number.isFinite(maxSlippageBps) && maxSlippageBps >= 0)) {
    throw new RangeError(`maxSlippageBps must be a finite number >= 0, got ${maxSlippageBps}`);
  }
  const buy = side === 'buy';
  const st = newMaxNotionalState();
  maxNotionalInto(st, levelsFor(book, side), buy, model.k, model.inQuote, slippageLimitPrice(buy, mid, maxSlippageBps));
  return { ...st };
}
