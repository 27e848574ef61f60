/**
 * One hand-made venue 'x' for the leg-executor tests: spot ABC/USDT (lot 0.0001, taker 0.1%) and
 * a linear perp ABC/USDT:USDT (1 ABC per contract, lot 0.01, taker 0.06%); min cost 5 USDT.
 */
import type { Market } from '../../src/domain/market.js';
import type { PositionSpec } from '../../src/domain/position.js';
import type { PositionMarkets } from '../../src/engine/leg-executor.js';

export const SPOT: Market = {
  venue: 'x',
  symbol: 'ABC/USDT',
  id: 'ABCUSDT',
  type: 'spot',
  base: 'ABC',
  quote: 'USDT',
  settle: null,
  settlement: null,
  contractSize: 1,
  amountUnit: 'base',
  amountStep: 0.0001,
  priceStep: 0.01,
  minAmount: 0.0001,
  minCost: 5,
  taker: 0.001,
  maker: 0.001,
  active: true,
  marginable: true,
  fundingIntervalHours: null,
};
export const PERP: Market = {
  ...SPOT,
  symbol: 'ABC/USDT:USDT',
  id: 'ABCUSDT-P',
  type: 'swap',
  settle: 'USDT',
  settlement: 'linear',
  amountUnit: 'contracts',
  amountStep: 0.01,
  minAmount: 0.01,
  taker: 0.0006,
  marginable: false,
  fundingIntervalHours: 8,
};
export const MARKETS: PositionMarkets = { spot: SPOT, perp: PERP };

export const SPEC: PositionSpec = {
  positionId: 'p1',
  venue: 'x',
  base: 'ABC',
  quote: 'USDT',
  direction: 'carry',
  spotSymbol: 'ABC/USDT',
  perpSymbol: 'ABC/USDT:USDT',
  settlement: 'linear',
  contractSize: 1,
  settle: 'USDT',
  intervalHours: 8,
  continuousFunding: false,
};
