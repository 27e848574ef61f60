/**
 * What is known of a funding row before any of its books is read: its venue's context (closed,
 * markets, borrow, this call's tickers filed by pair), its pair, and the reasons found from them
 * (closed venue, pairing, direction and borrow, volume, staleness). Shared by shortlist() and
 * rankRows(), so a pair is shortlisted exactly when ranking it would find nothing but its books
 * in the way.
 */
import type { BookArena } from '../../src/pricing/book-arena.js';
import type { FundingSnapshot, Market, TickerSnapshot, VenueId } from '../../src/domain/market.js';
import { pairTable, type PairRow, type PairTable } from './pair-table.js';
import type { ShortlistInput, VenueBorrow } from './rank.js';
import { REASON } from './reasons.js';

/** What every row of one venue shares in one call: looked up once per venue, not per row. */
export interface VenueContext {
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
export class Venues {
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
 * What is known about one funding row before any book is read, as assess() left it for the row
 * it last looked at: read it before the next call. One module-level instance, overwritten per
 * row: ranking is synchronous, and this keeps the per-row cost allocation-free.
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

export const facts: PairFacts = { grossApr: 0, reverse: false, needsBorrow: false, borrowApr: Number.NaN, ticker: null, oldest: 0 };

/** rate × 24/interval × 365, simple: one expression for ranking and for the Opportunity built later. */
export function grossApr(f: FundingSnapshot): number {
  return f.rate * (24 / f.intervalHours) * 365;
}

export function validFunding(f: FundingSnapshot): boolean {
  return Number.isFinite(f.rate) && Number.isFinite(f.intervalHours) && f.intervalHours > 0;
}

export function pairRow(v: VenueContext, symbol: string): PairRow | null {
  return v.pairs?.bySymbol.get(symbol) ?? null;
}

/** Fills `facts` for `f`, whose pair on venue `v` is `row` (pairRow); returns its reasons so far (mask). */
export function assess(input: ShortlistInput, f: FundingSnapshot, v: VenueContext, row: PairRow | null): number {
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

  facts.grossApr = grossApr(f);
  facts.reverse = reverse;
  facts.needsBorrow = needsBorrow;
  facts.borrowApr = borrowApr;
  facts.ticker = ticker;
  facts.oldest = oldest;
  return reasons;
}
