/** A ranked carry trade on one venue: output of the pure ranker, input of strategies. */
import type { RateKind, Settlement, VenueId } from './market.js';

export type Direction =
  | 'carry' // funding > 0: long spot, short perp, the short receives
  | 'reverse'; // funding < 0: borrow and sell spot, long perp, the long receives

export type OpportunityStatus =
  | 'ok'
  | 'needs_borrow' // negative funding on a venue where ccxt cannot borrow the spot
  | 'filtered'; // fails a filter; `reasons` says which

export interface LegQuote {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  /** Volume-weighted entry price for the target notional, walked from the book. */
  readonly entryVwap: number | null;
  /** Estimated exit VWAP (opposite side of the same book). */
  readonly exitVwap: number | null;
  readonly mid: number | null;
  /** Entry slippage vs mid in bps (>= 0 means worse than mid). */
  readonly entrySlippageBps: number | null;
  readonly exitSlippageBps: number | null;
  readonly takerFee: number;
  /** Largest notional (quote) this leg absorbs within maxSlippageBps. */
  readonly maxNotional: number;
  /**
   * true when the whole fetched side stayed within maxSlippageBps: maxNotional is then the
   * fetched depth, and the real limit is at least that (fetch more levels to know).
   */
  readonly maxNotionalBookLimited?: boolean;
}

export interface Opportunity {
  readonly venue: VenueId;
  readonly base: string;
  readonly quote: string;
  readonly perpSymbol: string;
  readonly spotSymbol: string | null;
  readonly direction: Direction;
  readonly settlement: Settlement;
  readonly contractSize: number;
  readonly rate: number;
  readonly rateKind: RateKind;
  readonly intervalHours: number;
  readonly continuous: boolean;
  /** rate × 24/interval × 365, simple (not compounded). Signed as the venue quotes it. */
  readonly grossApr: number;
  /** Target notional the costs below were priced at (quote currency). */
  readonly notional: number;
  readonly spot: LegQuote | null;
  readonly perp: LegQuote | null;
  /** Entry + exit fees and slippage as a fraction of notional. */
  readonly roundTripCost: number | null;
  /** Borrow cost over the hold as a fraction of notional (reverse carry), null when not applicable/unknown. */
  readonly borrowCost: number | null;
  /** Funding earned over the hold minus round-trip (and borrow) costs, fraction of notional. */
  readonly netReturnHold: number | null;
  /** netReturnHold annualised over the hold, simple. */
  readonly netApr: number | null;
  /** Hours of funding at the current rate needed to pay the round trip; null if funding does not pay. */
  readonly breakEvenHours: number | null;
  /** Largest notional where both legs stay within maxSlippageBps. */
  readonly maxNotional: number | null;
  readonly nextFundingTime: number | null;
  readonly quoteVolume24h: number | null;
  readonly dataAgeMs: number;
  readonly status: OpportunityStatus;
  readonly reasons: readonly string[];
}

/**
 * A scan's ranked opportunities, best first, built as Opportunity objects only when read: `carry
 * scan` reads its top N, the ledger its top 5, the strategy all of them. An array satisfies it.
 */
export interface OpportunityList {
  readonly length: number;
  /** Ranks `start` to `end` (Array#slice semantics) as Opportunity objects. */
  slice(start?: number, end?: number): readonly Opportunity[];
}
