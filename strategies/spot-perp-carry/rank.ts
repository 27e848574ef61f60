/**
 * Ranking of spot-perp carry trades. Pure: same input, same output, no I/O, no clock.
 *
 * Two steps per scan:
 * 1. shortlist(): per venue, the pairs worth an order-book fetch: top `depthCandidates` by
 *    |gross APR| among those that nothing but their books could stop from being ok.
 * 2. rankRows(): every perp with a funding snapshot becomes a ranked row, priced by walking the
 *    books it has and filtered with explicit reasons; rows are kept as columns (ranked-rows.ts)
 *    and become Opportunity objects when read. rankOpportunities() / rankWithSkipped() read
 *    them all.
 *
 * Economics, all as fractions of the target notional N over the hold H (hours):
 *   funding     = |rate| × H / intervalHours            (continuous funding: same, pro rata)
 *   roundTrip   = 2 × (spot taker + perp taker)          (entry + exit fills, both legs)
 *               + entry slippage (both legs) + exit slippage (both legs), vs each book's mid
 *   borrow      = borrow APR × H / 8760                  (reverse carry only)
 *   netReturn   = funding − roundTrip − borrow;  netApr = netReturn × 8760 / H
 *   breakEven   = roundTrip / (funding per hour − borrow per hour), null if that is <= 0
 * Carry (rate >= 0): buy spot on asks, sell perp on bids; exit sells spot on bids and buys the
 * perp on asks. Reverse (rate < 0): the mirror image, with borrowed spot.
 * Exit slippage is an estimate: the same notional walked on the opposite side of today's books.
 * The spot-perp basis is not priced: entry and exit are both measured against each book's mid.
 */
import type { BookArena } from '../../src/domain/book-arena.js';
import type { FundingSnapshot, Market, SkippedItem, TickerSnapshot, VenueId } from '../../src/domain/market.js';
import type { Opportunity } from '../../src/domain/opportunity.js';
import { newWalkState, topProblem, walkLevelsInto } from '../../src/pricing/depth.js';
import { HOURS_PER_YEAR } from '../../src/pricing/funding.js';
import { newWalkMaxState, slippageLimitPrice, walkWithMaxLevelsInto } from '../../src/pricing/max-notional.js';
import { pairTable, type PairRow, type PairTable } from './pair-table.js';
import { bookKey } from './pairs.js';
import type { SpotPerpCarryParams } from './params.js';
import { LEG, legCost, RankedRows, ROW, STATUS_CODE } from './ranked-rows.js';
import { sortRows } from './rank-sort.js';
import { problemCode, REASON } from './reasons.js';

export { RANK_REASONS } from './reasons.js';
export { RankedRows } from './ranked-rows.js';
export { bookKey };

export interface VenueBorrow {
  /** Spot can be borrowed and sold on margin through ccxt at this venue (venues.md §2). */
  readonly canBorrow: boolean;
  /** Annual borrow rate (decimal, 0.05 = 5%) per base asset, where known. */
  readonly aprByBase?: ReadonlyMap<string, number>;
}

export interface RankInput {
  readonly now: number;
  /** Loaded markets per venue (spot and perps). Pairing is memoised on each array's identity. */
  readonly markets: ReadonlyMap<VenueId, readonly Market[]>;
  readonly funding: readonly FundingSnapshot[];
  readonly tickers: readonly TickerSnapshot[];
  /**
   * This scan's order books, packed with packBooks (src/domain/book-arena.ts) against these same
   * `markets`, where the books were fetched. Amounts in each market's AmountUnit.
   */
  readonly books: BookArena;
  /** Per venue; a venue missing here cannot borrow. */
  readonly borrow: ReadonlyMap<VenueId, VenueBorrow>;
  readonly closedVenues: ReadonlySet<VenueId>;
  readonly params: SpotPerpCarryParams;
}

export type ShortlistInput = Omit<RankInput, 'books'>;

export interface DepthCandidate {
  readonly venue: VenueId;
  readonly perpSymbol: string;
  readonly spotSymbol: string;
  readonly grossApr: number;
}

export interface RankResult {
  readonly opportunities: readonly Opportunity[];
  /** Funding rows that broke the FundingSnapshot contract (non-finite rate, bad interval). */
  readonly skipped: readonly SkippedItem[];
}

/** What every row of one venue shares in one call: looked up once per venue, not per row. */
interface VenueContext {
  readonly closed: boolean;
  /** null: markets not loaded for the venue. */
  readonly pairs: PairTable | null;
  readonly borrow: VenueBorrow | undefined;
  /** Book index per market position (BookArena); null when ranking without books (shortlist). */
  readonly bookOf: Int32Array | null;
  /** This call's tickers of paired perps, by PairRow.slot. */
  readonly tickers: (TickerSnapshot | undefined)[];
  /** This call's tickers of symbols without a pair (kept: a funding row may still name them). */
  readonly otherTickers: Map<string, TickerSnapshot>;
}

/** Venue contexts of one call, with the tickers filed by pair; a duplicate ticker replaces the earlier one. */
class Venues {
  private readonly byVenue = new Map<VenueId, VenueContext>();
  private lastVenue: VenueId | null = null;
  private last: VenueContext | null = null;

  constructor(
    private readonly input: ShortlistInput,
    private readonly books: BookArena | null,
  ) {
    for (const t of input.tickers) {
      const v = this.get(t.venue);
      const row = v.pairs?.bySymbol.get(t.symbol);
      if (row !== undefined) v.tickers[row.slot] = t;
      else v.otherTickers.set(t.symbol, t);
    }
  }

  get(venue: VenueId): VenueContext {
    // Rows come grouped by venue in a scan (sorted by venue, symbol): one Map lookup per run.
    if (venue === this.lastVenue) return this.last as VenueContext;
    let v = this.byVenue.get(venue);
    if (v === undefined) {
      const markets = this.input.markets.get(venue);
      const pairs = markets === undefined ? null : pairTable(markets);
      v = {
        closed: this.input.closedVenues.has(venue),
        pairs,
        borrow: this.input.borrow.get(venue),
        bookOf: markets === undefined ? null : this.bookOf(venue, markets),
        tickers: new Array<TickerSnapshot | undefined>(pairs?.size ?? 0),
        otherTickers: new Map(),
      };
      this.byVenue.set(venue, v);
    }
    this.lastVenue = venue;
    this.last = v;
    return v;
  }

  private bookOf(venue: VenueId, markets: readonly Market[]): Int32Array | null {
    if (this.books === null) return null;
    // Book addresses are positions in the markets array the books were packed against.
    const vb = this.books.byVenue.get(venue);
    if (vb === undefined || vb.markets !== markets) {
      throw new Error(`ranking ${venue}: books were packed against other markets than the ones ranked (packBooks)`);
    }
    return vb.bookOf;
  }
}

/**
 * What is known about one funding row before any book is read. One module-level instance,
 * overwritten per row: ranking is synchronous, and this keeps the per-row cost allocation-free.
 */
interface PairFacts {
  grossApr: number;
  reverse: boolean;
  /** Reverse carry on a venue/market where the spot cannot be borrowed. */
  needsBorrow: boolean;
  /** NaN when unknown or not needed. */
  borrowApr: number;
  ticker: TickerSnapshot | null;
  /** Oldest receivedAt of funding and ticker. */
  oldest: number;
}

const facts: PairFacts = { grossApr: 0, reverse: false, needsBorrow: false, borrowApr: Number.NaN, ticker: null, oldest: 0 };

function validFunding(f: FundingSnapshot): boolean {
  return Number.isFinite(f.rate) && Number.isFinite(f.intervalHours) && f.intervalHours > 0;
}

function pairRow(v: VenueContext, symbol: string): PairRow | null {
  return v.pairs?.bySymbol.get(symbol) ?? null;
}

/** Fills `facts` for `f`, whose pair on venue `v` is `row` (pairRow); returns its reasons so far (mask). */
function assess(input: ShortlistInput, f: FundingSnapshot, v: VenueContext, row: PairRow | null): number {
  const p = input.params;
  let reasons = 0;
  if (v.closed) reasons |= REASON.closedVenue;

  if (v.pairs === null) reasons |= REASON.noMarkets;
  else if (row === null) reasons |= REASON.perpUnknown;
  else reasons |= row.reasonBit;

  const reverse = f.rate < 0;
  let needsBorrow = false;
  let borrowApr = Number.NaN;
  if (reverse) {
    if (!p.reverseCarry) reasons |= REASON.reverseDisabled;
    const vb = v.borrow;
    // ccxt must be able to borrow on the venue, and the venue must lend this spot market.
    if (vb === undefined || !vb.canBorrow || (row !== null && !row.spotMarginable)) {
      needsBorrow = true;
      reasons |= REASON.notBorrowable;
    } else {
      const apr = vb.aprByBase?.get(f.base);
      if (apr !== undefined && Number.isFinite(apr)) borrowApr = apr;
      else reasons |= REASON.borrowUnknown;
    }
  }

  const ticker = (row !== null ? v.tickers[row.slot] : v.otherTickers.get(f.symbol)) ?? null;
  const volume = ticker?.quoteVolume24h ?? null;
  if (p.minQuoteVolume24h > 0) {
    if (volume === null) reasons |= REASON.volumeUnknown;
    else if (volume < p.minQuoteVolume24h) reasons |= REASON.lowVolume;
  }
  const oldest = ticker !== null && ticker.receivedAt < f.receivedAt ? ticker.receivedAt : f.receivedAt;
  if (input.now - oldest > p.staleAfterMs) reasons |= REASON.stale;

  facts.grossApr = f.rate * (24 / f.intervalHours) * 365;
  facts.reverse = reverse;
  facts.needsBorrow = needsBorrow;
  facts.borrowApr = borrowApr;
  facts.ticker = ticker;
  facts.oldest = oldest;
  return reasons;
}

/**
 * Per venue, the top `depthCandidates` pairs by |gross APR| among those whose only missing
 * piece is their books (no cheap reason, not needs_borrow), so book requests go to pairs that
 * can end up ok. Best first within each venue; venues in order of first appearance.
 */
export function shortlist(input: ShortlistInput): readonly DepthCandidate[] {
  const venues = new Venues(input, null);
  const byVenue = new Map<VenueId, DepthCandidate[]>();
  for (const f of input.funding) {
    if (!validFunding(f)) continue;
    const v = venues.get(f.venue);
    const row = pairRow(v, f.symbol);
    const reasons = assess(input, f, v, row);
    if (reasons !== 0 || row === null || row.spotSymbol === null) continue;
    let list = byVenue.get(f.venue);
    if (list === undefined) {
      list = [];
      byVenue.set(f.venue, list);
    }
    list.push({ venue: f.venue, perpSymbol: f.symbol, spotSymbol: row.spotSymbol, grossApr: facts.grossApr });
  }
  const out: DepthCandidate[] = [];
  const n = input.params.depthCandidates;
  for (const list of byVenue.values()) {
    list.sort((x, y) => Math.abs(y.grossApr) - Math.abs(x.grossApr) || (x.perpSymbol < y.perpSymbol ? -1 : 1));
    for (let i = 0; i < n && i < list.length; i++) out.push(list[i] as DepthCandidate);
  }
  return out;
}

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
 * Finds the pair and prices the books of every valid funding row, before any row is assessed.
 * The walks are bound by first reads of book memory; run back to back, they are not interleaved
 * with the reads of each row's funding, ticker and pair objects and the writes of its columns.
 */
function priceBooks(input: RankInput, venues: Venues, out: RankedRows): void {
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

/**
 * Files funding row `i` (`f`, valid, legs priced by priceBooks) into `out`, from its pair `row`,
 * the reasons `assess` found and `facts`.
 */
function rankRow(input: RankInput, out: RankedRows, i: number, f: FundingSnapshot, v: VenueContext, row: PairRow | null, found: number): void {
  const p = input.params;
  const H = p.holdHours;
  const books = input.books;
  const { reverse, grossApr, borrowApr, needsBorrow, ticker } = facts;
  const factsOldest = facts.oldest;
  let oldest = factsOldest;
  let reasons = found;
  let flags = reverse ? ROW.reverse : 0;

  // Legs: cost and max notional of each priced one.
  let spotCost = Number.NaN;
  let perpCost = Number.NaN;
  let maxNotional = Number.NaN;
  let exhausted = false;
  let exitExhausted = false;
  if (row !== null && row.priceable) {
    const s = 2 * i;
    const q = s + 1;
    const sf = out.legFlags[s] as number;
    const pf = out.legFlags[q] as number;
    const bookOf = v.bookOf as Int32Array;
    if ((sf & LEG.book) === 0) reasons |= REASON.missingSpotBook;
    else {
      const at = books.receivedAt[bookOf[row.spotMarket] as number] as number;
      if (at < oldest) oldest = at;
      if (sf >> LEG.problemShift !== 0) reasons |= REASON.spotUnusable;
    }
    if ((pf & LEG.book) === 0) reasons |= REASON.missingPerpBook;
    else {
      const at = books.receivedAt[bookOf[row.perpMarket] as number] as number;
      if (at < oldest) oldest = at;
      if (pf >> LEG.problemShift !== 0) reasons |= REASON.perpUnusable;
    }
    const spotPriced = (sf & LEG.book) !== 0 && sf >> LEG.problemShift === 0;
    const perpPriced = (pf & LEG.book) !== 0 && pf >> LEG.problemShift === 0;
    if (spotPriced) {
      flags |= ROW.spotQuote;
      exhausted = (sf & LEG.entryComplete) === 0;
      exitExhausted = (sf & LEG.exitComplete) === 0;
      if (!exhausted && !exitExhausted) spotCost = legCost(row.spotTaker, !reverse, out.entryVwap[s] as number, out.exitVwap[s] as number, out.mid[s] as number);
    }
    if (perpPriced) {
      flags |= ROW.perpQuote;
      const entryDone = (pf & LEG.entryComplete) !== 0;
      const exitDone = (pf & LEG.exitComplete) !== 0;
      exhausted ||= !entryDone;
      exitExhausted ||= !exitDone;
      if (entryDone && exitDone) perpCost = legCost(row.perpTaker, reverse, out.entryVwap[q] as number, out.exitVwap[q] as number, out.mid[q] as number);
    }
    if (spotPriced && perpPriced) {
      maxNotional = Math.min(out.legMax[s] as number, out.legMax[q] as number);
      flags |= ROW.maxNotional;
    }
  }
  // Books can be older than the funding row: re-check staleness with them included.
  if (oldest < factsOldest && input.now - oldest > p.staleAfterMs && input.now - factsOldest <= p.staleAfterMs) {
    reasons |= REASON.staleBooks;
  }

  let roundTrip = Number.NaN;
  if ((flags & ROW.maxNotional) !== 0) {
    // Exhaustion implies notional > maxNotional; checked too so rounding cannot hide it.
    if (p.notional > maxNotional || exhausted) reasons |= REASON.thin;
    if (exitExhausted) reasons |= REASON.thinExit;
    if (!exhausted && !exitExhausted) {
      roundTrip = spotCost + perpCost;
      flags |= ROW.roundTrip;
    }
  }

  const fundingPerHour = Math.abs(f.rate) / f.intervalHours;
  let borrowCost = 0;
  let borrowPerHour = 0;
  let economicsKnown = true;
  if (reverse) {
    if (Number.isNaN(borrowApr)) economicsKnown = false;
    else {
      borrowCost = (borrowApr * H) / HOURS_PER_YEAR;
      borrowPerHour = borrowApr / HOURS_PER_YEAR;
      flags |= ROW.borrowCost;
    }
  }
  let netApr = 0;
  if ((flags & ROW.roundTrip) !== 0 && economicsKnown) {
    const netReturn = fundingPerHour * H - roundTrip - borrowCost;
    netApr = (netReturn * HOURS_PER_YEAR) / H;
    const perHour = fundingPerHour - borrowPerHour;
    if (perHour > 0) {
      out.breakEven[i] = roundTrip / perHour;
      flags |= ROW.breakEven;
    }
    if (netApr < p.minNetApr) reasons |= REASON.lowNetApr;
    out.netReturn[i] = netReturn;
    flags |= ROW.net;
  }

  const volume = ticker?.quoteVolume24h ?? null;
  if (volume !== null) {
    out.volume[i] = volume;
    flags |= ROW.volume;
  }
  const status = needsBorrow ? STATUS_CODE.needs_borrow : reasons !== 0 ? STATUS_CODE.filtered : STATUS_CODE.ok;
  out.group[i] = 2 * status + ((flags & ROW.net) !== 0 ? 0 : 1);
  out.netApr[i] = netApr;
  out.absGrossApr[i] = Math.abs(grossApr);
  out.roundTrip[i] = roundTrip;
  out.maxNotional[i] = maxNotional;
  out.borrowCost[i] = borrowCost;
  out.dataAge[i] = input.now - oldest;
  out.flags[i] = flags;
  out.reasons[i] = reasons;
}

/**
 * Every valid funding row ranked, ok first by net APR (see rank-sort.ts), as columns: read rows
 * with at() / slice(). Funding rows that break the FundingSnapshot contract are in `skipped`.
 */
export function rankRows(input: RankInput): RankedRows {
  const { funding } = input;
  const venues = new Venues(input, input.books);
  const out = new RankedRows(funding, input.params.notional);
  priceBooks(input, venues, out);
  let n = 0;
  for (let i = 0; i < funding.length; i++) {
    const f = funding[i] as FundingSnapshot;
    if (!validFunding(f)) {
      out.skipped.push({
        venue: f.venue,
        symbol: f.symbol,
        reason: `invalid funding snapshot: rate ${f.rate}, interval ${f.intervalHours}h`,
      });
      continue;
    }
    const v = venues.get(f.venue);
    const row = out.pair[i] ?? null;
    rankRow(input, out, i, f, v, row, assess(input, f, v, row));
    out.order[n++] = i;
  }
  out.length = n;
  sortRows(out);
  return out;
}

/** Every valid funding row as an Opportunity, ok first by net APR, plus rows that were unusable. */
export function rankWithSkipped(input: RankInput): RankResult {
  const rows = rankRows(input);
  return { opportunities: rows.slice(), skipped: rows.skipped };
}

/**
 * Opportunities sorted ok first, then needs_borrow, then filtered; each by net APR desc.
 * Funding rows that break the FundingSnapshot contract are left out: use rankWithSkipped to
 * report them.
 */
export function rankOpportunities(input: RankInput): readonly Opportunity[] {
  return rankRows(input).slice();
}
