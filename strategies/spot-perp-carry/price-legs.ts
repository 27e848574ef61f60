/**
 * Pricing a row's two legs from the books: for each leg, the entry VWAP and the max notional
 * within the slippage cap in one pass over the entry side, then the exit estimate on the other
 * side, written into the leg columns of RankedRows (no object per leg or per walk).
 */
import type { BookArena } from '../../src/pricing/book-arena.js';
import type { FundingSnapshot } from '../../src/domain/market.js';
import { newWalkState, topProblem, walkLevelsInto } from '../../src/pricing/depth.js';
import { newWalkMaxState, slippageLimitPrice, walkWithMaxLevelsInto } from '../../src/pricing/max-notional.js';
import { pairRow, validFunding, type Venues } from './assess.js';
import type { RankInput } from './rank.js';
import { LEG, type RankedRows } from './ranked-rows.js';
import { problemCode } from './reasons.js';

// Scratch state reused across walks: ranking is synchronous, so one set per module is safe,
// and it keeps the per-book cost free of intermediate result objects.
const entryWalk = newWalkMaxState();
const exitWalk = newWalkState();

/**
 * Entry VWAP and max notional at the cap in one pass over the entry side, then the exit
 * estimate on the other side, of book `b` (-1: none) into leg `leg` of `out` (LEG flags).
 */
function priceLeg(
  out: RankedRows,
  leg: number,
  books: BookArena,
  b: number,
  k: number,
  inQuote: boolean,
  buy: boolean,
  notional: number,
  capBps: number,
): void {
  if (b < 0) return;
  const lv = books.levels;
  const bidsAt = books.bidsAt[b] as number;
  const asksAt = books.asksAt[b] as number;
  const bidCount = books.bidCount[b] as number;
  const askCount = books.askCount[b] as number;
  let problem = topProblem(lv, bidsAt, bidCount, lv, asksAt, askCount);
  if (problem === null) {
    const mid = ((lv[bidsAt] as number) + (lv[asksAt] as number)) / 2;
    // A buy enters on the asks and exits on the bids; a sell the other way round. Each walk
    // reads the side's checked levels: the head, then the tail, as far as the check passed.
    const entryAt = buy ? asksAt : bidsAt;
    const entryValid = buy ? (books.askValid[b] as number) : (books.bidValid[b] as number);
    const entryHead = buy ? (books.askHead[b] as number) : (books.bidHead[b] as number);
    const exitAt = buy ? bidsAt : asksAt;
    const exitValid = buy ? (books.bidValid[b] as number) : (books.askValid[b] as number);
    const exitHead = buy ? (books.bidHead[b] as number) : (books.askHead[b] as number);
    // One call site per walk: V8 then inlines each walk (its inlining budget does not stretch
    // to two each).
    walkWithMaxLevelsInto(
      entryWalk,
      lv,
      entryAt,
      entryValid < entryHead ? entryValid : entryHead,
      buy ? (books.asksTailAt[b] as number) : (books.bidsTailAt[b] as number),
      entryValid > entryHead ? entryValid - entryHead : 0,
      buy ? (books.askStop[b] as string | null) : (books.bidStop[b] as string | null),
      buy,
      notional,
      k,
      inQuote,
      slippageLimitPrice(buy, mid, capBps),
    );
    walkLevelsInto(
      exitWalk,
      lv,
      exitAt,
      exitValid < exitHead ? exitValid : exitHead,
      buy ? (books.bidsTailAt[b] as number) : (books.asksTailAt[b] as number),
      exitValid > exitHead ? exitValid - exitHead : 0,
      buy ? (books.bidStop[b] as string | null) : (books.askStop[b] as string | null),
      notional,
      k,
      inQuote,
    );
    problem = entryWalk.walkProblem ?? exitWalk.problem ?? entryWalk.maxProblem;
    if (problem === null) {
      out.mid[leg] = mid;
      let flags = entryWalk.bookLimited ? LEG.book | LEG.bookLimited : LEG.book;
      if (entryWalk.complete) {
        flags |= LEG.entryComplete;
        out.entryVwap[leg] = entryWalk.quote / entryWalk.base;
      }
      if (exitWalk.complete) {
        flags |= LEG.exitComplete;
        out.exitVwap[leg] = exitWalk.quote / exitWalk.base;
      }
      out.legMax[leg] = entryWalk.notional;
      out.legFlags[leg] = flags;
      return;
    }
  }
  out.legFlags[leg] = LEG.book | (problemCode(problem) << LEG.problemShift);
}

/**
 * Finds the pair and prices the books of every valid funding row, before any row is assessed:
 * the walks run back to back, not interleaved with the reads of each row's funding, ticker and
 * borrow data (measured a few percent faster on bench/rank.ts than pricing each row's legs as it
 * is assessed).
 */
export function priceBooks(input: RankInput, venues: Venues, out: RankedRows): void {
  const { funding, books } = input;
  const { notional, maxSlippageBps } = input.params;
  for (let i = 0; i < funding.length; i++) {
    const f = funding[i] as FundingSnapshot;
    if (!validFunding(f)) continue;
    const v = venues.get(f.venue);
    const row = pairRow(v, f.symbol);
    out.pair[i] = row;
    if (row === null || !row.priceable || v.bookOf === null) continue;
    // Carry buys spot and sells the perp; reverse carry the other way round.
    const reverse = f.rate < 0;
    priceLeg(out, 2 * i, books, v.bookOf[row.spotMarket] as number, row.spotK, row.spotInQuote, !reverse, notional, maxSlippageBps);
    priceLeg(out, 2 * i + 1, books, v.bookOf[row.perpMarket] as number, row.perpK, row.perpInQuote, reverse, notional, maxSlippageBps);
  }
}
