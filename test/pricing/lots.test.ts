import { describe, expect, it } from 'vitest';
import type { Market } from '../../src/domain/market.js';
import {
  fromSteps,
  isOnStep,
  minimumProblem,
  orderProblem,
  roundAmount,
  roundLimitPrice,
  roundToStep,
  stepsIn,
} from '../../src/pricing/lots.js';

/** Bybit's BTC markets as the 2026-08-09 tape loads them (tapes/README.md). */
const SPOT: Market = {
  venue: 'bybit',
  symbol: 'BTC/USDT',
  id: 'BTCUSDT',
  type: 'spot',
  base: 'BTC',
  quote: 'USDT',
  settle: null,
  settlement: null,
  contractSize: 1,
  amountUnit: 'base',
  amountStep: 0.000001,
  priceStep: 0.1,
  minAmount: 0.000001,
  minCost: 5,
  taker: 0.001,
  maker: 0.001,
  active: true,
  marginable: true,
  fundingIntervalHours: null,
};
const PERP: Market = {
  ...SPOT,
  symbol: 'BTC/USDT:USDT',
  type: 'swap',
  settle: 'USDT',
  settlement: 'linear',
  amountUnit: 'contracts',
  amountStep: 0.001,
  minAmount: 0.001,
  minCost: 5,
  taker: 0.0006,
};
/** Deribit BTC-PERPETUAL: ccxt amount in USD, lot 10 USD, contract 10 USD. */
const DERIBIT: Market = {
  ...PERP,
  venue: 'deribit',
  symbol: 'BTC/USD:BTC',
  quote: 'USD',
  settle: 'BTC',
  settlement: 'inverse',
  contractSize: 10,
  amountUnit: 'quote',
  amountStep: 10,
  priceStep: 0.5,
  minAmount: 10,
  minCost: null,
  taker: 0.0005,
};

describe('stepsIn: whole steps, float-safe', () => {
  it.each([
    // 0.3 / 0.1 = 2.9999999999999996 in binary: still 3 steps, whatever the direction
    { value: 0.3, step: 0.1, down: 3, up: 3, nearest: 3 },
    { value: 0.7, step: 0.1, down: 7, up: 7, nearest: 7 },
    { value: 1.1, step: 0.1, down: 11, up: 11, nearest: 11 },
    // 0.1 + 0.2 = 0.30000000000000004: also exactly 3 steps
    { value: 0.1 + 0.2, step: 0.1, down: 3, up: 3, nearest: 3 },
    { value: 0.29, step: 0.1, down: 2, up: 3, nearest: 3 },
    { value: 0.0019, step: 0.001, down: 1, up: 2, nearest: 2 },
    { value: 0.0014, step: 0.001, down: 1, up: 2, nearest: 1 },
    { value: 0.153623, step: 0.000001, down: 153623, up: 153623, nearest: 153623 },
    { value: 40_004, step: 10, down: 4000, up: 4001, nearest: 4000 },
    { value: 0, step: 0.001, down: 0, up: 0, nearest: 0 },
    { value: -0.0019, step: 0.001, down: -2, up: -1, nearest: -2 },
  ])('$value on $step', ({ value, step, down, up, nearest }) => {
    expect(stepsIn(value, step, 'down')).toBe(down);
    expect(stepsIn(value, step, 'up')).toBe(up);
    expect(stepsIn(value, step, 'nearest')).toBe(nearest);
  });

  it('rejects a step that is not positive and a value that is not finite', () => {
    expect(() => stepsIn(1, 0, 'down')).toThrow(RangeError);
    expect(() => stepsIn(1, -0.1, 'down')).toThrow(RangeError);
    expect(() => stepsIn(Number.NaN, 0.1, 'down')).toThrow(RangeError);
    expect(() => stepsIn(Infinity, 0.1, 'down')).toThrow(RangeError);
  });
});

describe('fromSteps / roundToStep give the decimal, not float noise', () => {
  it.each([
    { count: 3, step: 0.1, value: 0.3 }, // 3 * 0.1 = 0.30000000000000004
    { count: 7, step: 0.1, value: 0.7 }, // 7 * 0.1 = 0.7000000000000001
    { count: 153623, step: 0.000001, value: 0.153623 },
    { count: 651143, step: 0.1, value: 65114.3 },
    { count: 4000, step: 10, value: 40_000 },
    { count: 3, step: 0.0025, value: 0.0075 },
  ])('$count × $step = $value', ({ count, step, value }) => {
    expect(fromSteps(count, step)).toBe(value);
  });

  it('rounds by direction and lands on exact decimals', () => {
    expect(roundToStep(0.30000000000000004, 0.1, 'down')).toBe(0.3);
    expect(roundToStep(0.0019, 0.001, 'down')).toBe(0.001);
    expect(roundToStep(0.0011, 0.001, 'up')).toBe(0.002);
    expect(roundToStep(65205.6157, 0.1, 'up')).toBe(65205.7);
  });

  it('refuses a fractional step count', () => {
    expect(() => fromSteps(1.5, 0.1)).toThrow(RangeError);
  });

  it('isOnStep', () => {
    expect(isOnStep(0.3, 0.1)).toBe(true);
    expect(isOnStep(0.1 + 0.2, 0.1)).toBe(true);
    expect(isOnStep(0.35, 0.1)).toBe(false);
    expect(isOnStep(40_000, 10)).toBe(true);
    expect(isOnStep(40_005, 10)).toBe(false);
  });
});

describe('roundAmount: down by default (never more than the caller can afford or hold)', () => {
  it.each([
    { market: PERP, amount: 0.1539, down: 0.153, nearest: 0.154 },
    { market: SPOT, amount: 0.1536239, down: 0.153623, nearest: 0.153624 },
    { market: DERIBIT, amount: 40_009, down: 40_000, nearest: 40_010 },
  ])('$market.symbol $amount', ({ market, amount, down, nearest }) => {
    expect(roundAmount(market, amount)).toBe(down);
    expect(roundAmount(market, amount, 'nearest')).toBe(nearest);
  });
});

describe('roundLimitPrice: a buy limit rounds up, a sell limit down (allowed slippage never shrinks)', () => {
  it.each([
    // mid 65140.45 + 10 bps = 65205.59045 → buy limit 65205.6; − 10 bps = 65075.30955 → sell 65075.3
    { side: 'buy' as const, price: 65140.45 * 1.001, limit: 65205.6 },
    { side: 'sell' as const, price: 65140.45 * 0.999, limit: 65075.3 },
    { side: 'buy' as const, price: 65205.61, limit: 65205.7 },
    { side: 'sell' as const, price: 65205.69, limit: 65205.6 },
    // already on the tick (with float noise): unchanged either way
    { side: 'buy' as const, price: 65205.700000000004, limit: 65205.7 },
    { side: 'sell' as const, price: 65205.69999999999, limit: 65205.7 },
  ])('$side $price → $limit', ({ side, price, limit }) => {
    expect(roundLimitPrice(SPOT, side, price)).toBe(limit);
  });

  it('refuses a price that is not positive, and a sell limit below one tick', () => {
    expect(() => roundLimitPrice(SPOT, 'buy', 0)).toThrow(/positive/);
    expect(() => roundLimitPrice(SPOT, 'sell', 0.05)).toThrow(/rounds to 0/);
  });
});

describe('minimumProblem and orderProblem', () => {
  it.each([
    // Bybit spot: min cost 5 USDT. 0.00007 BTC × 65,000 = 4.55 USDT; 0.0001 BTC = 6.50 USDT
    { market: SPOT, amount: 0.00007, price: 65_000, problem: /order value 4\.55 USDT .* below the minimum cost 5/ },
    { market: SPOT, amount: 0.0001, price: 65_000, problem: null },
    // Bybit perp: min 0.001 contracts (= 0.001 BTC)
    { market: PERP, amount: 0.0005, price: 65_000, problem: /below the minimum amount 0\.001/ },
    { market: PERP, amount: 0.001, price: 65_000, problem: null },
    // a perp's cost is contracts × cs × price: 0.001 × 1 × 4,000 = 4 USDT < 5
    { market: PERP, amount: 0.001, price: 4_000, problem: /order value 4\.00 USDT/ },
    // Deribit: amount in USD, min 10 USD, no min cost
    { market: DERIBIT, amount: 10, price: 65_000, problem: null },
    { market: DERIBIT, amount: 0, price: 65_000, problem: /not positive/ },
  ])('$market.symbol $amount at $price', ({ market, amount, price, problem }) => {
    const got = minimumProblem(market, amount, price);
    if (problem === null) expect(got).toBeNull();
    else expect(got).toMatch(problem);
  });

  it.each([
    { amount: 0.0015, price: 65_000, problem: /not a multiple of the lot 0\.001/ },
    { amount: 0.002, price: 65_000.05, problem: /not on the tick 0\.1/ },
    { amount: -0.001, price: 65_000, problem: /positive/ },
    { amount: 0.002, price: 0, problem: /positive/ },
    { amount: 0.1 + 0.2, price: 65_000.1, problem: null },
  ])('perp order of $amount at $price', ({ amount, price, problem }) => {
    const got = orderProblem(PERP, amount, price);
    if (problem === null) expect(got).toBeNull();
    else expect(got).toMatch(problem);
  });

  it('an on-lot order below the minimum amount is refused for that reason', () => {
    expect(orderProblem({ ...PERP, minAmount: 0.005 }, 0.002, 65_000)).toMatch(/below the minimum amount 0\.005/);
  });
});
