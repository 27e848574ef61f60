/** The market-data port the engine consumes, one per venue. */
import type { Market, OrderBook, VenueId, VenueSnapshot } from '../domain/market.js';

export interface VenueMarketData {
  readonly venue: VenueId;
  /** Loads (or reloads) and normalises markets, trimmed to the types carry trades. */
  loadMarkets(reload?: boolean): Promise<readonly Market[]>;
  /** Markets from the last load; throws if never loaded. */
  markets(): readonly Market[];
  market(symbol: string): Market | undefined;
  /** Funding and tickers for every perp and spot market: at most 3 requests after markets are loaded. */
  fetchSnapshot(): Promise<VenueSnapshot>;
  /** One order book, `depth` levels a side, amounts in the market's AmountUnit. */
  fetchOrderBook(symbol: string, depth: number): Promise<OrderBook>;
  /**
   * Settled funding rates of a perp since `since` (ms), oldest first: what the venue actually
   * charged at each settlement. Discrete-settlement venues only.
   */
  fetchFundingHistory(symbol: string, since: number): Promise<readonly SettledFunding[]>;
  /**
   * Cross-margin borrow rate of a currency (unified code, e.g. 'BTC') as a simple APR, decimal
   * per year: the venue's rate per period × periods per 365-day year, not compounded (the same
   * convention as funding APR). One request. Throws CARRY_VENUE_NOT_SUPPORTED where carry cannot
   * borrow spot on the venue, and CARRY_VENUE_BAD_RESPONSE (skip) when the venue gives no usable
   * rate: a missing rate is never read as 0.
   */
  fetchBorrowApr(code: string): Promise<number>;
}

export interface SettledFunding {
  readonly symbol: string;
  readonly settlementTime: number;
  readonly rate: number;
  /** The mark the settlement was computed at, when the venue's history says (backtest histories do). */
  readonly markPrice?: number | undefined;
}
