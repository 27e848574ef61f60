/**
 * Ranking of spot-perp carry trades. Pure: same input, same output, no I/O, no clock.
 *
 * Two steps per scan:
 * 1. shortlist(): per venue, the pairs worth an order-book fetch: top `depthCandidates` by
 *    |gross APR| among those that nothing but their books could stop from being ok.
 * 2. rankOpportunities(): every perp with a funding snapshot becomes an Opportunity, priced by
 *    walking the books it has and filtered with explicit reasons.
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
import type { FundingSnapshot, Market, OrderBook, SkippedItem, TickerSnapshot, VenueId } from '../../src/domain/market.js';
import type { LegQuote, Opportunity, OpportunityStatus } from '../../src/domain/opportunity.js';
import { newWalkState, slippageBps, touchProblem, walkInto, type Side } from '../../src/pricing/depth.js';
import { HOURS_PER_YEAR } from '../../src/pricing/funding.js';
import { maxNotionalInto, newMaxNotionalState, slippageLimitPrice } from '../../src/pricing/max-notional.js';
import type { AmountModel } from '../../src/pricing/units.js';
import { bookKey, pairIndex, PAIR_REASONS, type SpotPerpPair } from './pairs.js';
import type { SpotPerpCarryParams } from './params.js';

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
  /** Keyed `${venue}|${symbol}` (bookKey). Amounts in each market's AmountUnit. */
  readonly books: ReadonlyMap<string, OrderBook>;
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

export const RANK_REASONS = {
  closedVenue: 'venue closed',
  noMarkets: 'markets not loaded for venue',
  perpUnknown: 'perp market not loaded',
  perpInactive: PAIR_REASONS.perpInactive,
  noSpot: PAIR_REASONS.noSpot,
  badContractSize: PAIR_REASONS.badContractSize,
  feeUnknown: PAIR_REASONS.feeUnknown,
  stale: 'stale data',
  volumeUnknown: '24h volume unknown',
  lowVolume: '24h volume below minimum',
  reverseDisabled: 'reverse carry disabled',
  notBorrowable: 'spot cannot be borrowed on venue',
  borrowUnknown: 'borrow rate unknown',
  missingSpotBook: 'missing spot book',
  missingPerpBook: 'missing perp book',
  thin: 'book too thin for notional',
  thinExit: 'book too thin to estimate exit',
  lowNetApr: 'net APR below minimum',
} as const;

export { bookKey };

const NO_REASONS: readonly string[] = Object.freeze([]);

/** What is known about one funding row before any book is read. */
interface PairFacts {
  readonly f: FundingSnapshot;
  readonly pair: SpotPerpPair | null;
  readonly grossApr: number;
  readonly reverse: boolean;
  /** Reverse carry on a venue/market where the spot cannot be borrowed. */
  readonly needsBorrow: boolean;
  readonly borrowApr: number | null;
  readonly ticker: TickerSnapshot | null;
  /** Oldest receivedAt of funding and ticker. */
  readonly oldest: number;
  /** Reasons known without books; null = none. */
  readonly reasons: string[] | null;
}

type TickerIndex = ReadonlyMap<VenueId, ReadonlyMap<string, TickerSnapshot>>;

function indexTickers(tickers: readonly TickerSnapshot[]): TickerIndex {
  const byVenue = new Map<VenueId, Map<string, TickerSnapshot>>();
  for (const t of tickers) {
    let m = byVenue.get(t.venue);
    if (m === undefined) {
      m = new Map();
      byVenue.set(t.venue, m);
    }
    m.set(t.symbol, t);
  }
  return byVenue;
}

function validFunding(f: FundingSnapshot): boolean {
  return Number.isFinite(f.rate) && Number.isFinite(f.intervalHours) && f.intervalHours > 0;
}

function push(reasons: string[] | null, r: string): string[] {
  if (reasons === null) return [r];
  reasons.push(r);
  return reasons;
}

function assess(input: ShortlistInput, f: FundingSnapshot, tickers: TickerIndex): PairFacts {
  const p = input.params;
  let reasons: string[] | null = null;
  if (input.closedVenues.has(f.venue)) reasons = push(reasons, RANK_REASONS.closedVenue);

  const markets = input.markets.get(f.venue);
  let pair: SpotPerpPair | null = null;
  if (markets === undefined) reasons = push(reasons, RANK_REASONS.noMarkets);
  else {
    pair = pairIndex(markets).get(f.symbol) ?? null;
    if (pair === null) reasons = push(reasons, RANK_REASONS.perpUnknown);
    else if (pair.reason !== null) reasons = push(reasons, pair.reason);
  }

  const grossApr = f.rate * (24 / f.intervalHours) * 365;
  const reverse = f.rate < 0;
  let needsBorrow = false;
  let borrowApr: number | null = null;
  if (reverse) {
    if (!p.reverseCarry) reasons = push(reasons, RANK_REASONS.reverseDisabled);
    const vb = input.borrow.get(f.venue);
    // ccxt must be able to borrow on the venue, and the venue must lend this spot market.
    const spot = pair?.spot ?? null;
    if (vb === undefined || !vb.canBorrow || (spot !== null && !spot.marginable)) {
      needsBorrow = true;
      reasons = push(reasons, RANK_REASONS.notBorrowable);
    } else {
      const apr = vb.aprByBase?.get(f.base);
      if (apr !== undefined && Number.isFinite(apr)) borrowApr = apr;
      else reasons = push(reasons, RANK_REASONS.borrowUnknown);
    }
  }

  const ticker = tickers.get(f.venue)?.get(f.symbol) ?? null;
  const volume = ticker?.quoteVolume24h ?? null;
  if (p.minQuoteVolume24h > 0) {
    if (volume === null) reasons = push(reasons, RANK_REASONS.volumeUnknown);
    else if (volume < p.minQuoteVolume24h) reasons = push(reasons, RANK_REASONS.lowVolume);
  }
  const oldest = ticker !== null && ticker.receivedAt < f.receivedAt ? ticker.receivedAt : f.receivedAt;
  if (input.now - oldest > p.staleAfterMs) reasons = push(reasons, RANK_REASONS.stale);

  return { f, pair, grossApr, reverse, needsBorrow, borrowApr, ticker, oldest, reasons };
}

/**
 * Per venue, the top `depthCandidates` pairs by |gross APR| among those whose only missing
 * piece is their books (no cheap reason, not needs_borrow), so book requests go to pairs that
 * can end up ok. Best first within each venue; venues in order of first appearance.
 */
export function shortlist(input: ShortlistInput): readonly DepthCandidate[] {
  const tickers = indexTickers(input.tickers);
  const byVenue = new Map<VenueId, DepthCandidate[]>();
  for (const f of input.funding) {
    if (!validFunding(f)) continue;
    const a = assess(input, f, tickers);
    if (a.reasons !== null || a.pair === null || a.pair.spot === null) continue;
    let list = byVenue.get(f.venue);
    if (list === undefined) {
      list = [];
      byVenue.set(f.venue, list);
    }
    list.push({ venue: f.venue, perpSymbol: f.symbol, spotSymbol: a.pair.spot.symbol, grossApr: a.grossApr });
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
const entryWalk = newWalkState();
const exitWalk = newWalkState();
const maxState = newMaxNotionalState();

/** Side results of the last priceLeg call (beside the LegQuote it returns). */
const legOut = { problem: null as string | null, exhausted: false, exitExhausted: false };

function priceLeg(
  book: OrderBook,
  market: Market,
  model: AmountModel,
  entrySide: Side,
  notional: number,
  capBps: number,
): LegQuote | null {
  legOut.exhausted = false;
  legOut.exitExhausted = false;
  legOut.problem = touchProblem(book);
  if (legOut.problem !== null) return null;
  const mid = ((book.bids.levels[0] as number) + (book.asks.levels[0] as number)) / 2;
  const buy = entrySide === 'buy';
  const { k, inQuote } = model;
  walkInto(entryWalk, buy ? book.asks : book.bids, buy, notional, k, inQuote);
  walkInto(exitWalk, buy ? book.bids : book.asks, !buy, notional, k, inQuote);
  maxNotionalInto(maxState, buy ? book.asks : book.bids, buy, k, inQuote, slippageLimitPrice(buy, mid, capBps));
  legOut.problem = entryWalk.problem ?? exitWalk.problem ?? maxState.problem;
  if (legOut.problem !== null) return null;
  legOut.exhausted = !entryWalk.complete;
  legOut.exitExhausted = !exitWalk.complete;
  const entryVwap = entryWalk.complete ? entryWalk.quote / entryWalk.base : null;
  const exitVwap = exitWalk.complete ? exitWalk.quote / exitWalk.base : null;
  return {
    symbol: market.symbol,
    side: entrySide,
    entryVwap,
    exitVwap,
    mid,
    entrySlippageBps: entryVwap === null ? null : slippageBps(entrySide, entryVwap, mid),
    exitSlippageBps: exitVwap === null ? null : slippageBps(buy ? 'sell' : 'buy', exitVwap, mid),
    takerFee: market.taker,
    maxNotional: maxState.notional,
    maxNotionalBookLimited: maxState.bookLimited,
  };
}

function legCost(q: LegQuote): number | null {
  if (q.entrySlippageBps === null || q.exitSlippageBps === null) return null;
  return 2 * q.takerFee + (q.entrySlippageBps + q.exitSlippageBps) / 1e4;
}

function price(input: RankInput, a: PairFacts): Opportunity {
  const { f, pair } = a;
  const p = input.params;
  const H = p.holdHours;
  let reasons = a.reasons;
  let oldest = a.oldest;
  const spotMarket = pair?.spot ?? null;
  const perpMarket = pair?.perp ?? null;
  const spotSide: Side = a.reverse ? 'sell' : 'buy';
  const perpSide: Side = a.reverse ? 'buy' : 'sell';

  let sq: LegQuote | null = null;
  let pq: LegQuote | null = null;
  let exhausted = false;
  let exitExhausted = false;
  if (pair !== null && pair.reason === null && spotMarket !== null && perpMarket !== null) {
    const spotBook = input.books.get(pair.spotBookKey as string);
    const perpBook = input.books.get(pair.perpBookKey);
    if (spotBook === undefined) reasons = push(reasons, RANK_REASONS.missingSpotBook);
    else {
      if (spotBook.receivedAt < oldest) oldest = spotBook.receivedAt;
      sq = priceLeg(spotBook, spotMarket, pair.spotModel as AmountModel, spotSide, p.notional, p.maxSlippageBps);
      if (legOut.problem !== null) reasons = push(reasons, `spot book unusable: ${legOut.problem}`);
      exhausted = legOut.exhausted;
      exitExhausted = legOut.exitExhausted;
    }
    if (perpBook === undefined) reasons = push(reasons, RANK_REASONS.missingPerpBook);
    else {
      if (perpBook.receivedAt < oldest) oldest = perpBook.receivedAt;
      pq = priceLeg(perpBook, perpMarket, pair.perpModel as AmountModel, perpSide, p.notional, p.maxSlippageBps);
      if (legOut.problem !== null) reasons = push(reasons, `perp book unusable: ${legOut.problem}`);
      exhausted ||= legOut.exhausted;
      exitExhausted ||= legOut.exitExhausted;
    }
  }
  // Books can be older than the funding row: re-check staleness with them included.
  if (oldest < a.oldest && input.now - oldest > p.staleAfterMs && input.now - a.oldest <= p.staleAfterMs) {
    reasons = push(reasons, RANK_REASONS.stale);
  }

  let maxNotional: number | null = null;
  let roundTrip: number | null = null;
  if (sq !== null && pq !== null) {
    maxNotional = Math.min(sq.maxNotional, pq.maxNotional);
    // Exhaustion implies notional > maxNotional; checked too so rounding cannot hide it.
    if (p.notional > maxNotional || exhausted) reasons = push(reasons, RANK_REASONS.thin);
    if (exitExhausted) reasons = push(reasons, RANK_REASONS.thinExit);
    const cs = legCost(sq);
    const cp = legCost(pq);
    if (cs !== null && cp !== null) roundTrip = cs + cp;
  }

  const fundingPerHour = Math.abs(f.rate) / f.intervalHours;
  let borrowCost: number | null = null;
  let borrowPerHour = 0;
  let economicsKnown = true;
  if (a.reverse) {
    if (a.borrowApr === null) economicsKnown = false;
    else {
      borrowCost = (a.borrowApr * H) / HOURS_PER_YEAR;
      borrowPerHour = a.borrowApr / HOURS_PER_YEAR;
    }
  }
  let netReturn: number | null = null;
  let netApr: number | null = null;
  let breakEven: number | null = null;
  if (roundTrip !== null && economicsKnown) {
    netReturn = fundingPerHour * H - roundTrip - (borrowCost ?? 0);
    netApr = (netReturn * HOURS_PER_YEAR) / H;
    const perHour = fundingPerHour - borrowPerHour;
    breakEven = perHour > 0 ? roundTrip / perHour : null;
    if (netApr < p.minNetApr) reasons = push(reasons, RANK_REASONS.lowNetApr);
  }

  const status: OpportunityStatus = a.needsBorrow ? 'needs_borrow' : reasons !== null ? 'filtered' : 'ok';
  return {
    venue: f.venue,
    base: f.base,
    quote: f.quote,
    perpSymbol: f.symbol,
    spotSymbol: spotMarket?.symbol ?? null,
    direction: a.reverse ? 'reverse' : 'carry',
    settlement: f.settlement,
    contractSize: f.contractSize,
    rate: f.rate,
    rateKind: f.rateKind,
    intervalHours: f.intervalHours,
    continuous: f.continuous,
    grossApr: a.grossApr,
    notional: p.notional,
    spot: sq,
    perp: pq,
    roundTripCost: roundTrip,
    borrowCost,
    netReturnHold: netReturn,
    netApr,
    breakEvenHours: breakEven,
    maxNotional,
    nextFundingTime: f.nextFundingTime,
    quoteVolume24h: a.ticker?.quoteVolume24h ?? null,
    dataAgeMs: input.now - oldest,
    status,
    reasons: reasons ?? NO_REASONS,
  };
}

const STATUS_ORDER: Readonly<Record<OpportunityStatus, number>> = { ok: 0, needs_borrow: 1, filtered: 2 };

// Returns only -1/0/1: a fractional difference would be boxed on every call from the sort.
function compare(x: Opportunity, y: Opportunity): number {
  const sx = STATUS_ORDER[x.status];
  const sy = STATUS_ORDER[y.status];
  if (sx !== sy) return sx < sy ? -1 : 1;
  const nx = x.netApr;
  const ny = y.netApr;
  if (nx !== ny) {
    if (nx === null) return 1;
    if (ny === null) return -1;
    return nx > ny ? -1 : 1;
  }
  const gx = Math.abs(x.grossApr);
  const gy = Math.abs(y.grossApr);
  if (gx !== gy) return gx > gy ? -1 : 1;
  if (x.venue !== y.venue) return x.venue < y.venue ? -1 : 1;
  return x.perpSymbol < y.perpSymbol ? -1 : x.perpSymbol > y.perpSymbol ? 1 : 0;
}

/**
 * Sorted copy by `compare`. The sort itself runs over compact typed keys (status, net APR,
 * |gross APR|) rather than the scattered Opportunity objects; full ties fall back to compare.
 */
function sortOpportunities(opps: readonly Opportunity[]): Opportunity[] {
  const n = opps.length;
  const status = new Uint8Array(n);
  const net = new Float64Array(n);
  const hasNet = new Uint8Array(n);
  const gross = new Float64Array(n);
  const order: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const o = opps[i] as Opportunity;
    status[i] = STATUS_ORDER[o.status];
    if (o.netApr !== null) {
      net[i] = o.netApr;
      hasNet[i] = 1;
    }
    gross[i] = Math.abs(o.grossApr);
    order[i] = i;
  }
  order.sort((i, j) => {
    const si = status[i] as number;
    const sj = status[j] as number;
    if (si !== sj) return si < sj ? -1 : 1;
    const hi = hasNet[i] as number;
    const hj = hasNet[j] as number;
    if (hi !== hj) return hi > hj ? -1 : 1;
    const ni = net[i] as number;
    const nj = net[j] as number;
    if (ni !== nj) return ni > nj ? -1 : 1;
    const gi = gross[i] as number;
    const gj = gross[j] as number;
    if (gi !== gj) return gi > gj ? -1 : 1;
    return compare(opps[i] as Opportunity, opps[j] as Opportunity);
  });
  const out = new Array<Opportunity>(n);
  for (let i = 0; i < n; i++) out[i] = opps[order[i] as number] as Opportunity;
  return out;
}

/** Every valid funding row as an Opportunity, ok first by net APR, plus rows that were unusable. */
export function rankWithSkipped(input: RankInput): RankResult {
  const tickers = indexTickers(input.tickers);
  const opportunities: Opportunity[] = [];
  const skipped: SkippedItem[] = [];
  for (const f of input.funding) {
    if (!validFunding(f)) {
      skipped.push({
        venue: f.venue,
        symbol: f.symbol,
        reason: `invalid funding snapshot: rate ${f.rate}, interval ${f.intervalHours}h`,
      });
      continue;
    }
    opportunities.push(price(input, assess(input, f, tickers)));
  }
  return { opportunities: sortOpportunities(opportunities), skipped };
}

/**
 * Opportunities sorted ok first, then needs_borrow, then filtered; each by net APR desc.
 * Funding rows that break the FundingSnapshot contract are left out: use rankWithSkipped to
 * report them.
 */
export function rankOpportunities(input: RankInput): readonly Opportunity[] {
  return rankWithSkipped(input).opportunities;
}
