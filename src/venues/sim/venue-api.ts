/** What each sim venue module answers; SimExchange adds the clock, faults and async. */
import type {
  CcxtFundingIntervals,
  CcxtFundingRateHistoryRow,
  CcxtFundingRates,
  CcxtMarkets,
  CcxtParams,
  CcxtTickers,
  CcxtTradingFees,
} from '../ccxt-calls.js';
import type { OrderBook as CcxtOrderBook } from 'ccxt';
import type { SimVenueId } from './instruments.js';
import type { CallContext } from './venue-common.js';

export interface SimVenueApi {
  readonly id: SimVenueId;
  loadMarkets(): CcxtMarkets;
  fetchFundingRates(ctx: CallContext, symbols: string[] | undefined, params: CcxtParams): CcxtFundingRates;
  fetchFundingIntervals(ctx: CallContext, symbols: string[] | undefined, params: CcxtParams): CcxtFundingIntervals;
  fetchTickers(ctx: CallContext, symbols: string[] | undefined, params: CcxtParams): CcxtTickers;
  fetchOrderBook(ctx: CallContext, symbol: string, limit: number | undefined, params: CcxtParams): CcxtOrderBook;
  fetchTradingFees(ctx: CallContext, params: CcxtParams): CcxtTradingFees;
  fetchFundingRateHistory(
    ctx: CallContext,
    symbol: string | undefined,
    since: number | undefined,
    limit: number | undefined,
    params: CcxtParams,
  ): CcxtFundingRateHistoryRow[];
}
