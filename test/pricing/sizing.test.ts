/**
 * Sizing on the real Bybit books of the 2026-08-09 tape (first scan, 200 levels a side), markets
 * normalised by carry's own normaliser, and on small hand-made books where the numbers are
 * worked out in the comments.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { orderBook } from '../../src/domain/book.js';
import type { BookLevel, Market, OrderBook } from '../../src/domain/market.js';
import { isOnStep } from '../../src/pricing/lots.js';
import {
  bindingBound,
  limitPriceFor,
  pickLots,
  sizePosition,
  takeWithinLimit,
  type NotionalBounds,
  type Sizing,
  type SizingInput,
} from '../../src/pricing/sizing.js';
import { amountModel } from '../../src/pricing/units.js';
import { normaliseMarket, normaliseOrderBook } from '../../src/venues/normalise.js';
import { KNOWN_VENUES, PRECISION_MODE } from '../../src/venues/profiles.js';
import { BYBIT_TAPE } from '../support/shared-data.js';

interface Rec {
  ts: number;
  method: string;
  args: unknown[];
  result: any;
}
const recs: Rec[] = readFileSync(BYBIT_TAPE, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Rec);
const T0 = (recs.find((r) => r.method === 'fetchOrderBook') as Rec).ts;

function tapeMarket(symbol: string): Market {
  const raw = (recs.find((r) => r.method === 'loadMarkets') as Rec).result[symbol];
  const o = normaliseMarket(raw, { venue: 'bybit', profile: KNOWN_VENUES['bybit']!, precisionMode: PRECISION_MODE.TICK_SIZE });
  if (o.kind !== 'ok') throw new Error(`tape market ${symbol} did not normalise`);
  return o.value;
}
function rawBook(symbol: string): { bids: BookLevel[]; asks: BookLevel[] } {
  return (recs.find((r) => r.method === 'fetchOrderBook' && r.ts === T0 && r.args[0] === symbol) as Rec).result;
}
function tapeBook(symbol: string): OrderBook {
  const o = normaliseOrderBook(rawBook(symbol), { venue: 'bybit', symbol, depth: 200, receivedAt: T0 });
  if (o.kind !== 'ok') throw new Error(`tape book ${symbol} did not normalise`);
  return o.book;
}

const SPOT = tapeMarket('BTC/USDT');
const PERP = tapeMarket('BTC/USDT:USDT');
const SPOT_BOOK = tapeBook('BTC/USDT');
const PERP_BOOK = tapeBook('BTC/USDT:USDT');

/** Independent walks over the raw ccxt levels (base units), levels within `limit` only. */
function walkQuote(levels: readonly BookLevel[], buy: boolean, limit: number, quote: number): number {
  let left = quote;
  let base = 0;
  for (const [p, a] of levels) {
    if (buy ? p > limit : p < limit) break;
    const take = Math.min(left, p * a);
    base += take / p;
    left -= take;
    if (left <= 0) break;
  }
  return base;
}
function vwapOfAmount(levels: readonly BookLevel[], amount: number): number {
  let left = amount;
  let quote = 0;
  for (const [p, a] of levels) {
    const take = Math.min(left, a);
    quote += take * p;
    left -= take;
    if (left <= 1e-12) break;
  }
  expect(left).toBeLessThanOrEqual(1e-12);
  return quote / amount;
}

function bounds(strategy: number, over: Partial<NotionalBounds> = {}): NotionalBounds {
  return { strategy, rankerMax: null, freeCapital: null, riskCap: null, ...over };
}
function sized(s: Sizing): Extract<Sizing, { kind: 'sized' }> {
  if (s.kind !== 'sized') throw new Error(`expected a size, got skip: ${s.reason}`);
  return s;
}
const carry = (notional: number, cap = 10, over: Partial<SizingInput> = {}): Sizing =>
  sizePosition({
    direction: 'carry',
    spot: SPOT,
    perp: PERP,
    spotBook: SPOT_BOOK,
    perpBook: PERP_BOOK,
    bounds: bounds(notional),
    maxSlippageBps: cap,
    ...over,
  });

describe('sizing BTC/USDT + BTC/USDT:USDT on the real Bybit books', () => {
  it('normalised the tape markets as the README describes', () => {
    expect(SPOT).toMatchObject({ amountStep: 0.000001, priceStep: 0.1, minCost: 5, taker: 0.001 });
    expect(PERP).toMatchObject({ amountStep: 0.001, contractSize: 1, amountUnit: 'contracts', taker: 0.0006 });
  });

  it.each([10_000, 1_000_000])('%d USDT: legs match to the lot, VWAPs equal an independent walk', (notional) => {
    const s = sized(carry(notional));
    const raw = { spot: rawBook('BTC/USDT'), perp: rawBook('BTC/USDT:USDT') };
    expect(s.bound).toBe('strategy');
    expect(s.spot.side).toBe('buy');
    expect(s.perp.side).toBe('sell');

    // Limits: mid ± 10 bps, rounded away from the touch to the 0.1 tick.
    // spot mid (65140.4 + 65140.5) / 2 = 65140.45 → 65205.59045 → buy limit 65205.6
    // perp mid (65114.2 + 65114.3) / 2 = 65114.25 → 65049.13575 → sell limit 65049.1
    expect(s.spot.limitPrice).toBe(65205.6);
    expect(s.perp.limitPrice).toBe(65049.1);

    // Base for the target = the smaller of the two walks; the perp's 0.001 lot is the coarser,
    // so the perp is floored and the spot (lot 0.000001) matches it exactly: no residual.
    const base = Math.min(
      walkQuote(raw.spot.asks, true, s.spot.limitPrice, notional),
      walkQuote(raw.perp.bids, false, s.perp.limitPrice, notional),
    );
    expect(s.perp.amount).toBe(Math.floor(base / 0.001 + 1e-9) / 1000);
    expect(isOnStep(s.perp.amount, PERP.amountStep)).toBe(true);
    expect(s.spot.amount).toBe(s.perp.amount);
    expect(s.residualBase).toBe(0);
    expect(s.residualShare).toBe(0);
    expect(base - s.spot.baseQty).toBeLessThan(0.001);

    // VWAPs from an independent walk of the raw ccxt levels for the rounded amounts.
    expect(s.spot.vwap).toBeCloseTo(vwapOfAmount(raw.spot.asks, s.spot.amount), 6);
    expect(s.perp.vwap).toBeCloseTo(vwapOfAmount(raw.perp.bids, s.perp.amount), 6);
    expect(s.spot.quoteNotional).toBeLessThanOrEqual(notional);
    expect(s.spot.quoteNotional).toBeGreaterThan(notional - 0.001 * 65_300);
    expect(s.spot.vwap).toBeLessThanOrEqual(s.spot.limitPrice);
    expect(s.perp.vwap).toBeGreaterThanOrEqual(s.perp.limitPrice);
  });

  it('10k: the numbers (hand-checked against the top of book)', () => {
    const s = sized(carry(10_000));
    // The best spot ask holds 0.238479 BTC at 65,140.5 (15.5k USDT): 10,000 USDT there is
    // 0.153515 BTC (the perp's best bid, 7.833 BTC at 65,114.2, gives more) → perp floored
    // to 0.153, spot 0.153, both filled inside the best level.
    expect(s.perp.amount).toBe(0.153);
    expect(s.spot.amount).toBe(0.153);
    expect(s.spot).toMatchObject({ levelsUsed: 1, vwap: 65_140.5 });
    expect(s.perp).toMatchObject({ levelsUsed: 1, vwap: 65_114.2 });
  });

  it('reports the binding bound', () => {
    const s = sized(sizePosition({
      direction: 'carry',
      spot: SPOT,
      perp: PERP,
      spotBook: SPOT_BOOK,
      perpBook: PERP_BOOK,
      bounds: bounds(50_000, { rankerMax: 40_000, freeCapital: 6_600, riskCap: 20_000 }),
      maxSlippageBps: 10,
    }));
    expect(s.bound).toBe('freeCapital');
    expect(s.target).toBe(6_600);
    // 6,600 / ~65,140.5 = 0.10132 BTC → 0.101
    expect(s.perp.amount).toBe(0.101);
  });

  it('2M USDT at 10 bps: the spot asks within the limit (≈1.57M) bind, reported as depth', () => {
    const s = sized(carry(2_000_000));
    expect(s.bound).toBe('depth');
    const raw = rawBook('BTC/USDT');
    const within = raw.asks.filter(([p]) => p <= 65205.6).reduce((b, [, a]) => b + a, 0);
    expect(s.spot.availableBase).toBeCloseTo(within, 9);
    expect(s.spot.amount).toBeLessThanOrEqual(within);
    expect(within - s.spot.amount).toBeLessThan(0.001);
    expect(s.spot.amount).toBe(s.perp.amount);
  });

  it('reverse carry sells the spot and buys the perp, still matched', () => {
    const s = sized(carry(10_000, 10, { direction: 'reverse' }));
    expect(s.spot.side).toBe('sell');
    expect(s.perp.side).toBe('buy');
    expect(s.spot.amount).toBe(s.perp.amount);
    expect(s.spot.vwap).toBeCloseTo(vwapOfAmount(rawBook('BTC/USDT').bids, s.spot.amount), 6);
    expect(s.perp.vwap).toBeCloseTo(vwapOfAmount(rawBook('BTC/USDT:USDT').asks, s.perp.amount), 6);
  });

  it('a target below the minimum order is a skip with the reason, not a crash', () => {
    // 3 USDT: below the spot's 5 USDT minimum cost, and below one perp lot (≈65 USDT)
    const s = carry(3);
    expect(s.kind).toBe('skip');
    expect(s.kind === 'skip' && s.reason).toMatch(/size too small/);
    expect(s.bound).toBe('strategy');
  });

  it('no free capital is a skip naming the bound', () => {
    const s = sizePosition({
      direction: 'carry',
      spot: SPOT,
      perp: PERP,
      spotBook: SPOT_BOOK,
      perpBook: PERP_BOOK,
      bounds: bounds(10_000, { freeCapital: 0 }),
      maxSlippageBps: 10,
    });
    expect(s).toMatchObject({ kind: 'skip', bound: 'freeCapital' });
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-made books
// ---------------------------------------------------------------------------------------------

const book = (symbol: string, bids: BookLevel[], asks: BookLevel[]): OrderBook =>
  orderBook({ venue: 'x', symbol, bids, asks, eventTime: null, receivedAt: 0 });

const XSPOT: Market = { ...SPOT, venue: 'x', symbol: 'ABC/USDT', base: 'ABC', priceStep: 0.01, amountStep: 0.01, minAmount: 0.01, minCost: 5 };
const XPERP: Market = { ...PERP, venue: 'x', symbol: 'ABC/USDT:USDT', base: 'ABC', priceStep: 0.01, amountStep: 0.001, minAmount: 0.001, minCost: 5 };

describe('sizing on hand-made books', () => {
  it('a book too thin for even the minimum order is skipped with the reason', () => {
    // buy limit: mid 100.005 + 100 bps = 101.00505 → 101.01; asks within it: 0.03 ABC (3 USDT).
    // Minimum order: 5 USDT at the limit 101.01 = 0.04950005 ABC.
    const spotBook = book('ABC/USDT', [[100, 10]], [[100.01, 0.03], [150, 10]]);
    const perpBook = book('ABC/USDT:USDT', [[100, 10]], [[100.01, 10]]);
    const s = sizePosition({
      direction: 'carry',
      spot: XSPOT,
      perp: XPERP,
      spotBook,
      perpBook,
      bounds: bounds(1_000),
      maxSlippageBps: 100,
    });
    expect(s.kind).toBe('skip');
    expect(s.bound).toBe('depth');
    expect(s.kind === 'skip' && s.reason).toMatch(/book too thin: spot ABC\/USDT asks within the limit .* hold 0\.03 ABC, below the minimum order of 0\.04950005 ABC/);
  });

  it('an empty side is skipped with the book problem', () => {
    const spotBook = book('ABC/USDT', [[100, 10]], []);
    const perpBook = book('ABC/USDT:USDT', [[100, 10]], [[100.01, 10]]);
    const s = sizePosition({ direction: 'carry', spot: XSPOT, perp: XPERP, spotBook, perpBook, bounds: bounds(1_000), maxSlippageBps: 10 });
    expect(s.kind === 'skip' && s.reason).toMatch(/spot ABC\/USDT: no asks in book/);
  });

  it('when the spot lot is the coarser, the spot is floored and the perp matches it', () => {
    // mid 100; 1,234 USDT at 100 = 12.34 ABC; spot lot 0.1 → 12.3; perp lot 0.001 → 12.3 exactly
    const spot = { ...XSPOT, amountStep: 0.1, minAmount: 0.1 };
    const spotBook = book('ABC/USDT', [[99.99, 100]], [[100, 100]]);
    const perpBook = book('ABC/USDT:USDT', [[100, 100]], [[100.01, 100]]);
    const s = sized(sizePosition({ direction: 'carry', spot, perp: XPERP, spotBook, perpBook, bounds: bounds(1_234), maxSlippageBps: 10 }));
    expect(s.spot.amount).toBe(12.3);
    expect(s.perp.amount).toBe(12.3);
    expect(s.residualBase).toBe(0);
  });

  it('Deribit inverse: perp USD = spot qty × price rounded to the 10 USD lot', () => {
    // Spot BTC/USDC lot 0.0001; perp amount in USD, lot 10, cs 10 USD.
    // 10,000 USD: spot asks at 40,000 → 0.25 BTC; perp bids at 40,020 → 10,000 / 40,020 =
    // 0.24987506 BTC = B. Spot floored: 0.2498 BTC, × 40,020 = 9,996.996 USD → 10,000 USD (up,
    // worth 0.24987506 BTC, not above B; residual 0.2498 − 0.24987506 = −0.00007506) beats
    // 9,990 (down, residual +0.000175). Perp floored: B → 10,000 USD, spot 0.2498 (0.2499 > B):
    // the same pair. So spot 0.2498 BTC, perp 10,000 USD: round(Q × P) to the 10 USD lot.
    const spot: Market = { ...SPOT, venue: 'deribit', symbol: 'BTC/USDC', quote: 'USDC', amountStep: 0.0001, minAmount: 0.0001, minCost: null, priceStep: 0.5 };
    const perp: Market = {
      ...PERP,
      venue: 'deribit',
      symbol: 'BTC/USD:BTC',
      quote: 'USD',
      settle: 'BTC',
      settlement: 'inverse',
      contractSize: 10,
      amountUnit: 'quote',
      amountStep: 10,
      minAmount: 10,
      minCost: null,
      priceStep: 0.5,
    };
    const dbook = (symbol: string, bids: BookLevel[], asks: BookLevel[]): OrderBook =>
      orderBook({ venue: 'deribit', symbol, bids, asks, eventTime: null, receivedAt: 0 });
    const spotBook = dbook('BTC/USDC', [[39_999.5, 10]], [[40_000, 10]]);
    const perpBook = dbook('BTC/USD:BTC', [[40_020, 1_000_000]], [[40_020.5, 1_000_000]]);
    const s = sized(sizePosition({ direction: 'carry', spot, perp, spotBook, perpBook, bounds: bounds(10_000), maxSlippageBps: 10 }));
    expect(s.spot.amount).toBe(0.2498);
    expect(s.perp.amount).toBe(10_000);
    expect(s.perp.baseQty).toBeCloseTo(10_000 / 40_020, 12);
    expect(s.perp.quoteNotional).toBe(10_000);
    expect(s.residualBase).toBeCloseTo(0.2498 - 10_000 / 40_020, 12);
    expect(Math.abs(s.residualBase)).toBeLessThan(0.0001); // within the spot lot
  });
});

describe('pickLots', () => {
  it.each([
    // perp floored (0.153) matched by the finer spot lot exactly
    { base: 0.15351, spotStep: 0.000001, perpStep: 0.001, bpa: 1, spot: 0.153, perp: 0.153 },
    // spot floored (12.3) matched by the finer perp lot exactly
    { base: 12.34, spotStep: 0.1, perpStep: 0.001, bpa: 1, spot: 12.3, perp: 12.3 },
    // lots 0.01 and 0.003 (bpa 1), base 0.05: perp 0.048 → spot 0.04 / 0.05; spot 0.05 → perp
    // 0.048 / 0.051 (above base). Residual 0.002 both ways for (0.05, 0.048): the larger wins.
    { base: 0.05, spotStep: 0.01, perpStep: 0.003, bpa: 1, spot: 0.05, perp: 0.048 },
    // contracts of 0.01 base: base 0.0537 → 5 contracts (0.05) ↔ spot 0.05
    { base: 0.0537, spotStep: 0.001, perpStep: 1, bpa: 0.01, spot: 0.05, perp: 5 },
  ])('$base with lots $spotStep / $perpStep', ({ base, spotStep, perpStep, bpa, spot, perp }) => {
    const p = pickLots(base, spotStep, perpStep, bpa, () => true);
    expect(p).not.toBeNull();
    expect(p?.spot).toBe(spot);
    expect(p?.perp).toBe(perp);
  });

  it('returns null when nothing passes the minimums', () => {
    expect(pickLots(0.0005, 0.000001, 0.001, 1, () => true)).toBeNull();
    expect(pickLots(0.5, 0.01, 0.001, 1, () => false)).toBeNull();
  });
});

describe('helpers', () => {
  it('bindingBound takes the smallest, ignores nulls, refuses non-finite', () => {
    expect(bindingBound(bounds(100, { rankerMax: 80, riskCap: 90 }))).toEqual({ target: 80, bound: 'rankerMax' });
    expect(bindingBound(bounds(100))).toEqual({ target: 100, bound: 'strategy' });
    expect(() => bindingBound(bounds(Number.NaN))).toThrow(RangeError);
  });

  it('takeWithinLimit stops at the limit price', () => {
    const b = book('ABC/USDT', [[99, 1]], [[100, 1], [101, 2], [103, 5]]);
    const t = takeWithinLimit(b, 'buy', amountModel(XSPOT), 101, { amount: 10 });
    // 1 at 100 + 2 at 101 = 302 quote for 3 base; 103 is beyond the limit
    expect(t).toMatchObject({ amount: 3, base: 3, quote: 302, levelsUsed: 2, complete: false });
    expect(t.vwap).toBeCloseTo(302 / 3, 12);
  });

  it('limitPriceFor rounds away from the touch, or reports the book problem', () => {
    const b = book('ABC/USDT', [[99.995, 1]], [[100.005, 1]]);
    // mid 100, 10 bps: 100.1 / 99.9 exactly
    expect(limitPriceFor(XSPOT, b, 'buy', 10)).toEqual({ mid: 100, limit: 100.1 });
    expect(limitPriceFor(XSPOT, b, 'sell', 10)).toEqual({ mid: 100, limit: 99.9 });
    const crossed = book('ABC/USDT', [[101, 1]], [[100, 1]]);
    expect(limitPriceFor(XSPOT, crossed, 'buy', 10)).toEqual({ problem: 'ABC/USDT: crossed book (best bid >= best ask)' });
  });
});
