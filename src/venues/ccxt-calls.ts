/**
 * The subset of a ccxt Exchange that carry's market-data layer calls.
 *
 * Three things implement it and nothing above this line can tell them apart:
 * a real ccxt instance (live, or fed recorded HTTP in tests), the tape replayer, and
 * the sim market. Results are ccxt *unified* shapes, exactly as ccxt returns them, so a
 * tape recorded from any source replays through the same normaliser.
 */
import type { CrossBorrowRate, FundingRate, MarketInterface, OrderBook as CcxtOrderBook, Ticker } from 'ccxt';

export type CcxtParams = Record<string, unknown>;
export type CcxtMarkets = Record<string, MarketInterface>;
export type CcxtFundingRates = Record<string, FundingRate>;
export type CcxtTickers = Record<string, Ticker>;

/** ccxt's fetchFundingIntervals result: like FundingRate, only `interval` matters. */
export type CcxtFundingIntervals = Record<string, { symbol: string; interval?: string | undefined; info?: unknown }>;

export interface CcxtFundingRateHistoryRow {
  readonly info?: unknown;
  readonly symbol: string;
  readonly fundingRate: number;
  readonly timestamp: number;
  readonly datetime?: string;
}

/**
 * ccxt's unified CrossBorrowRate: `rate` is the interest for one `period` (ms) of borrowing
 * `currency`. Binance quotes a daily rate (period 86,400,000: sapi margin/interestRateHistory
 * `dailyInterestRate`), Bybit and OKX an hourly one (period 3,600,000: `hourlyBorrowRate`,
 * `interestRate`). ccxt leaves `rate` undefined when the venue's answer has none.
 */
export type CcxtCrossBorrowRate = CrossBorrowRate;

export type CcxtTradingFees = Record<string, { symbol: string; maker?: number; taker?: number; info?: unknown }>;

/** Methods a tape may contain (docs/tape-format.md). */
export const TAPE_METHODS = [
  'loadMarkets',
  'fetchFundingRates',
  'fetchFundingIntervals',
  'fetchTickers',
  'fetchOrderBook',
  'fetchTradingFees',
  'fetchFundingRateHistory',
  'fetchCrossBorrowRate',
] as const;
export type TapeMethod = (typeof TAPE_METHODS)[number];

export interface CcxtCalls {
  /** ccxt exchange id, e.g. 'binance'. */
  readonly id: string;
  /** ccxt `has` flags that the adapter consults. */
  readonly has: Readonly<Record<string, boolean | 'emulated' | undefined>>;
  loadMarkets(reload?: boolean, params?: CcxtParams): Promise<CcxtMarkets>;
  fetchFundingRates(symbols?: string[], params?: CcxtParams): Promise<CcxtFundingRates>;
  fetchFundingIntervals(symbols?: string[], params?: CcxtParams): Promise<CcxtFundingIntervals>;
  fetchTickers(symbols?: string[], params?: CcxtParams): Promise<CcxtTickers>;
  fetchOrderBook(symbol: string, limit?: number, params?: CcxtParams): Promise<CcxtOrderBook>;
  fetchTradingFees(params?: CcxtParams): Promise<CcxtTradingFees>;
  fetchFundingRateHistory(
    symbol?: string,
    since?: number,
    limit?: number,
    params?: CcxtParams,
  ): Promise<CcxtFundingRateHistoryRow[]>;
  /** Cross-margin borrow rate of one currency (unified code, e.g. 'BTC'). */
  fetchCrossBorrowRate(code: string, params?: CcxtParams): Promise<CcxtCrossBorrowRate>;
}
