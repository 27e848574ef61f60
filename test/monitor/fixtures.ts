/**
 * Markets and positions for the monitor tests. Lots, minimums and ids are the venues' own, from
 * the ccxt-static market fixtures (shared/data/ccxt-static/markets) and, for Deribit's
 * BTC-PERPETUAL (absent there), venues.md §1 and carry's sim instruments: 10 USD contracts
 * whose ccxt amount is USD on a 10 USD step.
 */
import type { Market } from '../../src/domain/market.js';
import type { MonitoredPosition } from '../../src/monitor/alert-build.js';

function market(m: Partial<Market> & Pick<Market, 'venue' | 'symbol' | 'id' | 'type' | 'base' | 'quote'>): Market {
  return {
    settle: null,
    settlement: null,
    contractSize: 1,
    amountUnit: 'base',
    amountStep: 0.00001,
    priceStep: 0.01,
    minAmount: null,
    minCost: null,
    taker: 0.001,
    maker: 0.001,
    active: true,
    marginable: false,
    fundingIntervalHours: null,
    ...m,
  };
}

export const binanceSpot = market({ venue: 'binance', symbol: 'BTC/USDT', id: 'BTCUSDT', type: 'spot', base: 'BTC', quote: 'USDT', amountStep: 0.00001, minAmount: 0.00001, minCost: 5 });
export const binancePerp = market({
  venue: 'binance', symbol: 'BTC/USDT:USDT', id: 'BTCUSDT', type: 'swap', base: 'BTC', quote: 'USDT', settle: 'USDT', settlement: 'linear',
  contractSize: 1, amountUnit: 'contracts', amountStep: 0.001, priceStep: 0.1, minAmount: 0.001, minCost: 5, taker: 0.0005, maker: 0.0002,
});
export const deribitSpot = market({ venue: 'deribit', symbol: 'BTC/USDC', id: 'BTC_USDC', type: 'spot', base: 'BTC', quote: 'USDC', amountStep: 0.0001, minAmount: 0.0001 });
export const deribitPerp = market({
  venue: 'deribit', symbol: 'BTC/USD:BTC', id: 'BTC-PERPETUAL', type: 'swap', base: 'BTC', quote: 'USD', settle: 'BTC', settlement: 'inverse',
  contractSize: 10, amountUnit: 'quote', amountStep: 10, priceStep: 0.5, minAmount: 10, taker: 0.0005, maker: 0,
});
export const okxSpot = market({ venue: 'okx', symbol: 'BTC/USDT', id: 'BTC-USDT', type: 'spot', base: 'BTC', quote: 'USDT', amountStep: 1e-8, minAmount: 0.00001 });
export const okxPerp = market({
  venue: 'okx', symbol: 'BTC/USDT:USDT', id: 'BTC-USDT-SWAP', type: 'swap', base: 'BTC', quote: 'USDT', settle: 'USDT', settlement: 'linear',
  contractSize: 0.01, amountUnit: 'contracts', amountStep: 0.01, priceStep: 0.1, minAmount: 0.01, taker: 0.0005, maker: 0.0002,
});

export function binancePosition(spotQty: number, perpContracts: number, over: Partial<MonitoredPosition> = {}): MonitoredPosition {
  return {
    positionId: 'b1', venue: 'binance', base: 'BTC', quote: 'USDT', direction: 'carry', spotSymbol: 'BTC/USDT', perpSymbol: 'BTC/USDT:USDT',
    settlement: 'linear', contractSize: 1, settle: 'USDT', intervalHours: 8, continuousFunding: false, state: 'open', spotQty, perpContracts, ...over,
  };
}

export function deribitPosition(spotQty: number, perpContracts: number, over: Partial<MonitoredPosition> = {}): MonitoredPosition {
  return {
    positionId: 'd1', venue: 'deribit', base: 'BTC', quote: 'USDC', direction: 'carry', spotSymbol: 'BTC/USDC', perpSymbol: 'BTC/USD:BTC',
    settlement: 'inverse', contractSize: 10, settle: 'BTC', intervalHours: 8, continuousFunding: true, state: 'open', spotQty, perpContracts, ...over,
  };
}

export function okxPosition(spotQty: number, perpContracts: number, over: Partial<MonitoredPosition> = {}): MonitoredPosition {
  return {
    positionId: 'o1', venue: 'okx', base: 'BTC', quote: 'USDT', direction: 'carry', spotSymbol: 'BTC/USDT', perpSymbol: 'BTC/USDT:USDT',
    settlement: 'linear', contractSize: 0.01, settle: 'USDT', intervalHours: 8, continuousFunding: false, state: 'open', spotQty, perpContracts, ...over,
  };
}

export const T0 = Date.UTC(2026, 7, 10, 12, 0, 0);
