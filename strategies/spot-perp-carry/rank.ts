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
import type { BookArena } from '../../src/pricing/book-arena.js';
import type { FundingSnapshot, Market, SkippedItem, TickerSnapshot, VenueId } from '../../src/domain/market.js';
import type { Opportunity } from '../../src/domain/opportunity.js';
import { HOURS_PER_YEAR } from '../../src/pricing/funding.js';
import { assess, facts, pairRow, validFunding, Venues, type VenueContext } from './assess.js';
import type { PairRow } from './pair-table.js';
import { bookKey } from './pairs.js';
import type { SpotPerpCarryParams } from './params.js';
import { priceBooks } from './price-legs.js';
import { LEG, legCost, RankedRows, ROW, STATUS_CODE } from './ranked-rows.js';
import { sortRows } from './rank-sort.js';
import { REASON } from './reasons.js';

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
   * This scan's order books, packed with packBooks (src/pricing/book-arena.ts) against these same
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
