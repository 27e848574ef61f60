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
import { newWalkState, slippageBps, touchProblem, walkInto } from '../../src/pricing/depth.js';
import { HOURS_PER_YEAR } from '../../src/pricing/funding.js';
import { newWalkMaxState, slippageLimitPrice, walkWithMaxInto } from '../../src/pricing/max-notional.js';
import { bookKey, pairIndex, PAIR_REASONS } from './pairs.js';
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

/**
 * A paired perp with what pricing it needs, flattened once per markets array (pairs are
 * memoised on its identity, and markets change about hourly while ranking runs every scan).
 */
interface PairRow {
  /** SpotPerpPair.reason: null when paired. */
  readonly reason: string | null;
  /** Position in its venue's table: where this scan's ticker for the perp is kept. */
  readonly slot: number;
  /** Both markets and amount models usable: the pair can be priced from its books. */
  readonly priceable: boolean;
  readonly spotSymbol: string | null;
  readonly spotMarginable: boolean;
  readonly spotBookKey: string;
  readonly perpBookKey: string;
  readonly spotK: number;
  readonly spotInQuote: boolean;
  readonly spotTaker: number;
  readonly perpSymbol: string;
  readonly perpK: number;
  readonly perpInQuote: boolean;
  readonly perpTaker: number;
}

interface PairTable {
  readonly bySymbol: ReadonlyMap<string, PairRow>;
  readonly size: number;
}

const pairTables = new WeakMap<readonly Market[], PairTable>();

function pairTable(markets: readonly Market[]): PairTable {
  let t = pairTables.get(markets);
  if (t === undefined) {
    const bySymbol = new Map<string, PairRow>();
    let slot = 0;
    for (const [symbol, pair] of pairIndex(markets)) {
      const { spot, perp, spotModel, perpModel } = pair;
      const priceable = pair.reason === null && spot !== null && spotModel !== null && perpModel !== null;
      bySymbol.set(symbol, {
        reason: pair.reason,
        slot: slot++,
        priceable,
        spotSymbol: spot?.symbol ?? null,
        spotMarginable: spot?.marginable ?? true,
        spotBookKey: pair.spotBookKey ?? '',
        perpBookKey: pair.perpBookKey,
        spotK: spotModel?.k ?? 0,
        spotInQuote: spotModel?.inQuote ?? false,
        spotTaker: spot?.taker ?? 0,
        perpSymbol: perp.symbol,
        perpK: perpModel?.k ?? 0,
        perpInQuote: perpModel?.inQuote ?? false,
        perpTaker: perp.taker,
      });
    }
    t = { bySymbol, size: slot };
    pairTables.set(markets, t);
  }
  return t;
}

/** What every row of one venue shares in one call: looked up once per venue, not per row. */
interface VenueContext {
  readonly closed: boolean;
  /** null: markets not loaded for the venue. */
  readonly pairs: PairTable | null;
  readonly borrow: VenueBorrow | undefined;
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
    tickers: readonly TickerSnapshot[],
  ) {
    for (const t of tickers) {
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
        tickers: new Array<TickerSnapshot | undefined>(pairs?.size ?? 0),
        otherTickers: new Map(),
      };
      this.byVenue.set(venue, v);
    }
    this.lastVenue = venue;
    this.last = v;
    return v;
  }
}

/**
 * What is known about one funding row before any book is read. One module-level instance,
 * overwritten per row: ranking is synchronous, and this keeps the per-row cost allocation-free.
 */
interface PairFacts {
  row: PairRow | null;
  grossApr: number;
  reverse: boolean;
  /** Reverse carry on a venue/market where the spot cannot be borrowed. */
  needsBorrow: boolean;
  borrowApr: number | null;
  ticker: TickerSnapshot | null;
  /** Oldest receivedAt of funding and ticker. */
  oldest: number;
}

const facts: PairFacts = { row: null, grossApr: 0, reverse: false, needsBorrow: false, borrowApr: null, ticker: null, oldest: 0 };

/** Reasons of the current row, in the order found; copied out at exact size once the row is done. */
const reasonBuf: string[] = [];
let reasonCount = 0;

function addReason(r: string): void {
  reasonBuf[reasonCount++] = r;
}

function takeReasons(): readonly string[] {
  if (reasonCount === 0) return NO_REASONS;
  const out = reasonBuf.slice(0, reasonCount);
  reasonCount = 0;
  return out;
}

function validFunding(f: FundingSnapshot): boolean {
  return Number.isFinite(f.rate) && Number.isFinite(f.intervalHours) && f.intervalHours > 0;
}

function pairRow(v: VenueContext, symbol: string): PairRow | null {
  return v.pairs?.bySymbol.get(symbol) ?? null;
}

/**
 * Fills `facts` for `f`, whose pair on venue `v` is `row` (pairRow), and starts its reasons
 * (reasonCount must be 0 on entry).
 */
function assess(input: ShortlistInput, f: FundingSnapshot, v: VenueContext, row: PairRow | null): void {
  const p = input.params;
  if (v.closed) addReason(RANK_REASONS.closedVenue);

  if (v.pairs === null) addReason(RANK_REASONS.noMarkets);
  else if (row === null) addReason(RANK_REASONS.perpUnknown);
  else if (row.reason !== null) addReason(row.reason);

  const reverse = f.rate < 0;
  let needsBorrow = false;
  let borrowApr: number | null = null;
  if (reverse) {
    if (!p.reverseCarry) addReason(RANK_REASONS.reverseDisabled);
    const vb = v.borrow;
    // ccxt must be able to borrow on the venue, and the venue must lend this spot market.
    if (vb === undefined || !vb.canBorrow || (row !== null && !row.spotMarginable)) {
      needsBorrow = true;
      addReason(RANK_REASONS.notBorrowable);
    } else {
      const apr = vb.aprByBase?.get(f.base);
      if (apr !== undefined && Number.isFinite(apr)) borrowApr = apr;
      else addReason(RANK_REASONS.borrowUnknown);
    }
  }

  const ticker = (row !== null ? v.tickers[row.slot] : v.otherTickers.get(f.symbol)) ?? null;
  const volume = ticker?.quoteVolume24h ?? null;
  if (p.minQuoteVolume24h > 0) {
    if (volume === null) addReason(RANK_REASONS.volumeUnknown);
    else if (volume < p.minQuoteVolume24h) addReason(RANK_REASONS.lowVolume);
  }
  const oldest = ticker !== null && ticker.receivedAt < f.receivedAt ? ticker.receivedAt : f.receivedAt;
  if (input.now - oldest > p.staleAfterMs) addReason(RANK_REASONS.stale);

  facts.row = row;
  facts.grossApr = f.rate * (24 / f.intervalHours) * 365;
  facts.reverse = reverse;
  facts.needsBorrow = needsBorrow;
  facts.borrowApr = borrowApr;
  facts.ticker = ticker;
  facts.oldest = oldest;
}

/**
 * Per venue, the top `depthCandidates` pairs by |gross APR| among those whose only missing
 * piece is their books (no cheap reason, not needs_borrow), so book requests go to pairs that
 * can end up ok. Best first within each venue; venues in order of first appearance.
 */
export function shortlist(input: ShortlistInput): readonly DepthCandidate[] {
  const venues = new Venues(input, input.tickers);
  const byVenue = new Map<VenueId, DepthCandidate[]>();
  for (const f of input.funding) {
    if (!validFunding(f)) continue;
    const v = venues.get(f.venue);
    assess(input, f, v, pairRow(v, f.symbol));
    const hasReasons = reasonCount > 0;
    reasonCount = 0;
    const row = facts.row;
    if (hasReasons || row === null || row.spotSymbol === null) continue;
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

/** What became of one leg's book in priceBooks. */
const LEG_UNPRICED = 0; // pair not priceable: its books are not looked up
const LEG_MISSING = 1; // no book for the leg in input.books
const LEG_UNUSABLE = 2; // malformed book: LegTable.problem says why
const LEG_PRICED = 3;

/**
 * Book results of one call, two legs per funding row (2i: spot, 2i + 1: perp), written by
 * priceBooks before any Opportunity is built. Module-level and reused: ranking is synchronous.
 */
class LegTable {
  state = new Uint8Array(0);
  entryComplete = new Uint8Array(0);
  exitComplete = new Uint8Array(0);
  bookLimited = new Uint8Array(0);
  receivedAt = new Float64Array(0);
  mid = new Float64Array(0);
  entryQuote = new Float64Array(0);
  entryBase = new Float64Array(0);
  exitQuote = new Float64Array(0);
  exitBase = new Float64Array(0);
  maxNotional = new Float64Array(0);
  problem: (string | null)[] = [];
  /** Pair of each funding row (null: none, or the row is invalid). */
  rows: (PairRow | null)[] = [];

  reset(rowCount: number): void {
    const n = 2 * rowCount;
    if (this.state.length < n) {
      this.state = new Uint8Array(n);
      this.entryComplete = new Uint8Array(n);
      this.exitComplete = new Uint8Array(n);
      this.bookLimited = new Uint8Array(n);
      this.receivedAt = new Float64Array(n);
      this.mid = new Float64Array(n);
      this.entryQuote = new Float64Array(n);
      this.entryBase = new Float64Array(n);
      this.exitQuote = new Float64Array(n);
      this.exitBase = new Float64Array(n);
      this.maxNotional = new Float64Array(n);
      this.problem = new Array<string | null>(n).fill(null);
      this.rows = new Array<PairRow | null>(rowCount).fill(null);
    }
  }

  /** Drops the references of the last call, so they do not outlive it. */
  clear(): void {
    this.problem.fill(null);
    this.rows.fill(null);
  }
}

const legs = new LegTable();

/**
 * Entry VWAP and max notional at the cap in one pass over the entry side, then the exit
 * estimate on the other side, into leg `leg` of `legs`.
 */
function priceLegInto(
  leg: number,
  book: OrderBook | undefined,
  k: number,
  inQuote: boolean,
  buy: boolean,
  notional: number,
  capBps: number,
): void {
  if (book === undefined) {
    legs.state[leg] = LEG_MISSING;
    return;
  }
  legs.receivedAt[leg] = book.receivedAt;
  let problem = touchProblem(book);
  if (problem === null) {
    const mid = ((book.bids.levels[0] as number) + (book.asks.levels[0] as number)) / 2;
    walkWithMaxInto(entryWalk, buy ? book.asks : book.bids, buy, notional, k, inQuote, slippageLimitPrice(buy, mid, capBps));
    walkInto(exitWalk, buy ? book.bids : book.asks, !buy, notional, k, inQuote);
    problem = entryWalk.walkProblem ?? exitWalk.problem ?? entryWalk.maxProblem;
    if (problem === null) {
      legs.state[leg] = LEG_PRICED;
      legs.mid[leg] = mid;
      legs.entryQuote[leg] = entryWalk.quote;
      legs.entryBase[leg] = entryWalk.base;
      legs.entryComplete[leg] = entryWalk.complete ? 1 : 0;
      legs.exitQuote[leg] = exitWalk.quote;
      legs.exitBase[leg] = exitWalk.base;
      legs.exitComplete[leg] = exitWalk.complete ? 1 : 0;
      legs.maxNotional[leg] = entryWalk.notional;
      legs.bookLimited[leg] = entryWalk.bookLimited ? 1 : 0;
      return;
    }
  }
  legs.state[leg] = LEG_UNUSABLE;
  legs.problem[leg] = problem;
}

/**
 * Looks up and prices the books of every valid funding row, in one pass before any row is
 * built. The walks are bound by first reads of book memory; run back to back they are not
 * interleaved with the allocation of each row's result objects, which pushes the next books out
 * of cache (measured on bench/rank.ts: ~8% faster than pricing each row's books as it is built).
 */
function priceBooks(input: RankInput, venues: Venues): void {
  const { funding, books } = input;
  const { notional, maxSlippageBps } = input.params;
  legs.reset(funding.length);
  for (let i = 0; i < funding.length; i++) {
    const f = funding[i] as FundingSnapshot;
    const row = validFunding(f) ? pairRow(venues.get(f.venue), f.symbol) : null;
    legs.rows[i] = row;
    if (row === null || !row.priceable) {
      legs.state[2 * i] = LEG_UNPRICED;
      legs.state[2 * i + 1] = LEG_UNPRICED;
      continue;
    }
    // Carry buys spot and sells the perp; reverse carry the other way round.
    const reverse = f.rate < 0;
    priceLegInto(2 * i, books.get(row.spotBookKey), row.spotK, row.spotInQuote, !reverse, notional, maxSlippageBps);
    priceLegInto(2 * i + 1, books.get(row.perpBookKey), row.perpK, row.perpInQuote, reverse, notional, maxSlippageBps);
  }
}

/** The LegQuote of a LEG_PRICED leg. */
function legQuote(leg: number, symbol: string, takerFee: number, buy: boolean): LegQuote {
  const mid = legs.mid[leg] as number;
  const side = buy ? 'buy' : 'sell';
  const exitSide = buy ? 'sell' : 'buy';
  const maxNotional = legs.maxNotional[leg] as number;
  const maxNotionalBookLimited = legs.bookLimited[leg] === 1;
  if (legs.entryComplete[leg] === 1 && legs.exitComplete[leg] === 1) {
    // Usual case, kept free of nulls so each number is boxed once, straight into the quote.
    const entryVwap = (legs.entryQuote[leg] as number) / (legs.entryBase[leg] as number);
    const exitVwap = (legs.exitQuote[leg] as number) / (legs.exitBase[leg] as number);
    return {
      symbol,
      side,
      entryVwap,
      exitVwap,
      mid,
      entrySlippageBps: slippageBps(side, entryVwap, mid),
      exitSlippageBps: slippageBps(exitSide, exitVwap, mid),
      takerFee,
      maxNotional,
      maxNotionalBookLimited,
    };
  }
  const entryVwap = legs.entryComplete[leg] === 1 ? (legs.entryQuote[leg] as number) / (legs.entryBase[leg] as number) : null;
  const exitVwap = legs.exitComplete[leg] === 1 ? (legs.exitQuote[leg] as number) / (legs.exitBase[leg] as number) : null;
  return {
    symbol,
    side,
    entryVwap,
    exitVwap,
    mid,
    entrySlippageBps: entryVwap === null ? null : slippageBps(side, entryVwap, mid),
    exitSlippageBps: exitVwap === null ? null : slippageBps(exitSide, exitVwap, mid),
    takerFee,
    maxNotional,
    maxNotionalBookLimited,
  };
}

function legCost(q: LegQuote): number | null {
  if (q.entrySlippageBps === null || q.exitSlippageBps === null) return null;
  return 2 * q.takerFee + (q.entrySlippageBps + q.exitSlippageBps) / 1e4;
}

/**
 * The Opportunity for funding row `i` (`f`) from `facts`, the reasons gathered so far (see
 * assess) and its legs in `legs` (see priceBooks).
 */
function price(input: RankInput, f: FundingSnapshot, i: number): Opportunity {
  const p = input.params;
  const H = p.holdHours;
  const { row, reverse, grossApr, borrowApr, needsBorrow, ticker } = facts;
  const factsOldest = facts.oldest;
  let oldest = factsOldest;

  let sq: LegQuote | null = null;
  let pq: LegQuote | null = null;
  let exhausted = false;
  let exitExhausted = false;
  if (row !== null && row.priceable) {
    const s = 2 * i;
    if (legs.state[s] === LEG_MISSING) addReason(RANK_REASONS.missingSpotBook);
    else {
      if ((legs.receivedAt[s] as number) < oldest) oldest = legs.receivedAt[s] as number;
      if (legs.state[s] === LEG_UNUSABLE) addReason(`spot book unusable: ${legs.problem[s] as string}`);
      else {
        sq = legQuote(s, row.spotSymbol as string, row.spotTaker, !reverse);
        exhausted = legs.entryComplete[s] === 0;
        exitExhausted = legs.exitComplete[s] === 0;
      }
    }
    const q = s + 1;
    if (legs.state[q] === LEG_MISSING) addReason(RANK_REASONS.missingPerpBook);
    else {
      if ((legs.receivedAt[q] as number) < oldest) oldest = legs.receivedAt[q] as number;
      if (legs.state[q] === LEG_UNUSABLE) addReason(`perp book unusable: ${legs.problem[q] as string}`);
      else {
        pq = legQuote(q, row.perpSymbol, row.perpTaker, reverse);
        exhausted ||= legs.entryComplete[q] === 0;
        exitExhausted ||= legs.exitComplete[q] === 0;
      }
    }
  }
  // Books can be older than the funding row: re-check staleness with them included.
  if (oldest < factsOldest && input.now - oldest > p.staleAfterMs && input.now - factsOldest <= p.staleAfterMs) {
    addReason(RANK_REASONS.stale);
  }

  let maxNotional: number | null = null;
  let roundTrip: number | null = null;
  if (sq !== null && pq !== null) {
    maxNotional = Math.min(sq.maxNotional, pq.maxNotional);
    // Exhaustion implies notional > maxNotional; checked too so rounding cannot hide it.
    if (p.notional > maxNotional || exhausted) addReason(RANK_REASONS.thin);
    if (exitExhausted) addReason(RANK_REASONS.thinExit);
    const cs = legCost(sq);
    const cp = legCost(pq);
    if (cs !== null && cp !== null) roundTrip = cs + cp;
  }

  const fundingPerHour = Math.abs(f.rate) / f.intervalHours;
  let borrowCost: number | null = null;
  let borrowPerHour = 0;
  let economicsKnown = true;
  if (reverse) {
    if (borrowApr === null) economicsKnown = false;
    else {
      borrowCost = (borrowApr * H) / HOURS_PER_YEAR;
      borrowPerHour = borrowApr / HOURS_PER_YEAR;
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
    if (netApr < p.minNetApr) addReason(RANK_REASONS.lowNetApr);
  }

  const status: OpportunityStatus = needsBorrow ? 'needs_borrow' : reasonCount > 0 ? 'filtered' : 'ok';
  return {
    venue: f.venue,
    base: f.base,
    quote: f.quote,
    perpSymbol: f.symbol,
    spotSymbol: row?.spotSymbol ?? null,
    direction: reverse ? 'reverse' : 'carry',
    settlement: f.settlement,
    contractSize: f.contractSize,
    rate: f.rate,
    rateKind: f.rateKind,
    intervalHours: f.intervalHours,
    continuous: f.continuous,
    grossApr,
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
    quoteVolume24h: ticker?.quoteVolume24h ?? null,
    dataAgeMs: input.now - oldest,
    status,
    reasons: takeReasons(),
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
 * Sort keys of the rows of one call, filled as rows are priced: the sort then runs over these
 * compact arrays instead of the scattered Opportunity objects. group = status × 2 + (net APR
 * unknown ? 1 : 0), which orders status first and, within one, known net APRs before unknown.
 */
class SortKeys {
  group = new Uint8Array(0);
  net = new Float64Array(0);
  gross = new Float64Array(0);
  order = new Int32Array(0);
  tmp = new Int32Array(0);
  n = 0;

  reset(capacity: number): void {
    if (this.group.length < capacity) {
      this.group = new Uint8Array(capacity);
      this.net = new Float64Array(capacity);
      this.gross = new Float64Array(capacity);
      this.order = new Int32Array(capacity);
      this.tmp = new Int32Array(capacity);
    }
    this.n = 0;
  }

  add(o: Opportunity): void {
    const i = this.n++;
    const known = o.netApr !== null;
    this.group[i] = STATUS_ORDER[o.status] * 2 + (known ? 0 : 1);
    this.net[i] = known ? (o.netApr as number) : 0;
    this.gross[i] = Math.abs(o.grossApr);
  }
}

const keys = new SortKeys();

/** Whether row i goes after row j: `compare` on the keys, full ties in row order (stable). */
function after(opps: readonly Opportunity[], i: number, j: number): boolean {
  const { group, net, gross } = keys;
  const gi = group[i] as number;
  const gj = group[j] as number;
  if (gi !== gj) return gi > gj;
  const ni = net[i] as number;
  const nj = net[j] as number;
  if (ni !== nj) return !(ni > nj);
  const ai = gross[i] as number;
  const aj = gross[j] as number;
  if (ai !== aj) return !(ai > aj);
  return compare(opps[i] as Opportunity, opps[j] as Opportunity) > 0;
}

/**
 * Sorted copy of `opps` (keys filled row by row in `keys`): a stable bottom-up merge sort of
 * row indices, runs of 8 by insertion first. Same order as Array#sort with `compare`, which is
 * stable too; hand-written because comparator calls from the built-in sort cost more than the
 * rest of it.
 */
function sortOpportunities(opps: readonly Opportunity[]): Opportunity[] {
  const n = opps.length;
  let src = keys.order;
  let dst = keys.tmp;
  for (let i = 0; i < n; i++) src[i] = i;
  const RUN = 8;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const x = src[i] as number;
      let j = i - 1;
      while (j >= lo && after(opps, src[j] as number, x)) {
        src[j + 1] = src[j] as number;
        j--;
      }
      src[j + 1] = x;
    }
  }
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let a = lo;
      let b = mid;
      let k = lo;
      while (a < mid && b < hi) {
        // Left wins ties: stable.
        if (after(opps, src[a] as number, src[b] as number)) dst[k++] = src[b++] as number;
        else dst[k++] = src[a++] as number;
      }
      while (a < mid) dst[k++] = src[a++] as number;
      while (b < hi) dst[k++] = src[b++] as number;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  const out = new Array<Opportunity>(n);
  for (let i = 0; i < n; i++) out[i] = opps[src[i] as number] as Opportunity;
  return out;
}

/** Every valid funding row as an Opportunity, ok first by net APR, plus rows that were unusable. */
export function rankWithSkipped(input: RankInput): RankResult {
  const venues = new Venues(input, input.tickers);
  const { funding } = input;
  const opportunities: Opportunity[] = [];
  const skipped: SkippedItem[] = [];
  reasonCount = 0;
  keys.reset(funding.length);
  priceBooks(input, venues);
  for (let i = 0; i < funding.length; i++) {
    const f = funding[i] as FundingSnapshot;
    if (!validFunding(f)) {
      skipped.push({
        venue: f.venue,
        symbol: f.symbol,
        reason: `invalid funding snapshot: rate ${f.rate}, interval ${f.intervalHours}h`,
      });
      continue;
    }
    assess(input, f, venues.get(f.venue), legs.rows[i] as PairRow | null);
    const o = price(input, f, i);
    keys.add(o);
    opportunities.push(o);
  }
  legs.clear();
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
