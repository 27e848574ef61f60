import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { orderBook } from '../../src/domain/book.js';
import { SimClock } from '../../src/domain/clock.js';
import { CarryError } from '../../src/domain/errors.js';
import type { BookLevel, Market, OrderBook } from '../../src/domain/market.js';
import type { OrderRequest } from '../../src/execution/port.js';
import { bookSourceFrom, SimExecution, simOrderId, type BookSource } from '../../src/execution/sim-execution.js';
import { normaliseMarket, normaliseOrderBook } from '../../src/venues/normalise.js';
import { KNOWN_VENUES, PRECISION_MODE } from '../../src/venues/profiles.js';
import { BYBIT_TAPE } from '../support/shared-data.js';

const PERP: Market = {
  venue: 'x',
  symbol: 'BTC/USDT:USDT',
  id: 'BTCUSDT',
  type: 'swap',
  base: 'BTC',
  quote: 'USDT',
  settle: 'USDT',
  settlement: 'linear',
  contractSize: 1,
  amountUnit: 'contracts',
  amountStep: 0.001,
  priceStep: 0.1,
  minAmount: 0.001,
  minCost: 5,
  taker: 0.0006,
  maker: 0.0002,
  active: true,
  marginable: false,
  fundingIntervalHours: 8,
};
const SPOT: Market = { ...PERP, symbol: 'BTC/USDT', type: 'spot', settle: null, settlement: null, amountUnit: 'base', amountStep: 0.000001, taker: 0.001 };
const INVERSE: Market = {
  ...PERP,
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

const book = (symbol: string, bids: BookLevel[], asks: BookLevel[]): OrderBook =>
  orderBook({ venue: 'x', symbol, bids, asks, eventTime: null, receivedAt: 0 });

/** A book source over fixed books that counts its calls. */
function source(books: Record<string, OrderBook>): BookSource & { calls: { venue: string; symbol: string; depth: number }[] } {
  const calls: { venue: string; symbol: string; depth: number }[] = [];
  const f = (venue: string, symbol: string, depth: number) => {
    calls.push({ venue, symbol, depth });
    const b = books[symbol];
    return b === undefined ? Promise.reject(new Error(`no book ${symbol}`)) : Promise.resolve(b);
  };
  return Object.assign(f, { calls });
}

const PERP_BOOK = book(
  'BTC/USDT:USDT',
  [
    [99.5, 1],
    [99, 2],
  ],
  [
    [100, 0.5],
    [100.5, 1],
    [101, 2],
  ],
);

function req(over: Partial<OrderRequest> = {}): OrderRequest {
  return { clientOrderId: 'p1:open:perp:1', venue: 'x', market: PERP, side: 'buy', amount: 1.2, limitPrice: 100.5, reduceOnly: false, ...over };
}

function setup(books: Record<string, OrderBook> = { 'BTC/USDT:USDT': PERP_BOOK }, latencyMs = 250) {
  const clock = new SimClock(1_000);
  const src = source(books);
  const ex = new SimExecution(src, clock, { latencyMs, bookDepth: 50 });
  return { clock, src, ex };
}

describe('SimExecution fills by walking the book up to the limit', () => {
  it('fills across levels, one fill per level, taker fee in the settle currency', async () => {
    const { ex, src } = setup();
    const r = await ex.placeIoc(req());
    // 0.5 at 100 (50 USDT) + 0.7 at 100.5 (70.35 USDT); fees 0.0006 × each notional
    expect(r.status).toBe('filled');
    expect(r.filledAmount).toBe(1.2);
    expect(r.fills.map((f) => [f.price, f.amount])).toEqual([
      [100, 0.5],
      [100.5, 0.7],
    ]);
    expect(r.fills[0]?.fee).toBeCloseTo(0.03, 12);
    expect(r.fills[1]?.fee).toBeCloseTo(0.04221, 12);
    expect(r.fills.every((f) => f.feeCurrency === 'USDT')).toBe(true);
    expect(r.avgPrice).toBeCloseTo(120.35 / 1.2, 12);
    expect(r.reason).toBeNull();
    expect(src.calls).toEqual([{ venue: 'x', symbol: 'BTC/USDT:USDT', depth: 50 }]);
  });

  it('waits the latency on the clock: the venue acknowledges, and fills, after it', async () => {
    const { ex, clock } = setup();
    const r1 = await ex.placeIoc(req());
    expect(r1.ts).toBe(1_250);
    expect(r1.fills.every((f) => f.ts === 1_250)).toBe(true);
    const r2 = await ex.placeIoc(req({ clientOrderId: 'p1:hedge:perp:1', side: 'sell', limitPrice: 99 }));
    expect(r2.ts).toBe(1_500);
    expect(clock.now()).toBe(1_500);
  });

  it('partial fill: what the book holds within the limit, the rest cancelled with a reason', async () => {
    const { ex } = setup();
    const r = await ex.placeIoc(req({ amount: 2 }));
    expect(r.status).toBe('partial');
    expect(r.filledAmount).toBe(1.5);
    expect(r.reason).toMatch(/^0\.5 of 2 not filled: no more depth at or better than the limit 100\.5/);
  });

  it('nothing within the limit: unfilled', async () => {
    const { ex } = setup();
    const r = await ex.placeIoc(req({ limitPrice: 99.9 }));
    expect(r).toMatchObject({ status: 'unfilled', filledAmount: 0, avgPrice: null, fills: [] });
  });

  it('a sell walks the bids down to its limit', async () => {
    const { ex } = setup();
    const r = await ex.placeIoc(req({ side: 'sell', amount: 2.5, limitPrice: 99 }));
    expect(r.fills.map((f) => [f.price, f.amount])).toEqual([
      [99.5, 1],
      [99, 1.5],
    ]);
    expect(r.status).toBe('filled');
  });

  it('takes whole lots only: a fraction of a lot in a level stays in the book', async () => {
    const b = book('BTC/USDT:USDT', [[99, 1]], [[100, 0.0015], [100.1, 1]]);
    const { ex } = setup({ 'BTC/USDT:USDT': b });
    const r = await ex.placeIoc(req({ amount: 0.1, limitPrice: 100.1 }));
    expect(r.fills.map((f) => [f.price, f.amount])).toEqual([
      [100, 0.001],
      [100.1, 0.099],
    ]);
    expect(r.filledAmount).toBe(0.1);
  });

  it('spot: fee in the quote currency, on buys and sells', async () => {
    const b = book('BTC/USDT', [[64_990, 1]], [[65_000, 1]]);
    const { ex } = setup({ 'BTC/USDT': b });
    const buy = await ex.placeIoc(req({ market: SPOT, amount: 0.2, limitPrice: 65_000 }));
    const sell = await ex.placeIoc(req({ clientOrderId: 'p1:close:spot:1', market: SPOT, side: 'sell', amount: 0.2, limitPrice: 64_990 }));
    // 0.2 × 65,000 × 0.001 = 13 USDT; 0.2 × 64,990 × 0.001 = 12.998 USDT
    expect(buy.fills).toEqual([{ price: 65_000, amount: 0.2, fee: 13, feeCurrency: 'USDT', ts: 1_250 }]);
    expect(sell.fills[0]?.fee).toBeCloseTo(12.998, 12);
    expect(sell.fills[0]?.feeCurrency).toBe('USDT');
  });

  it('inverse (Deribit, amount in USD): fee in the coin, average price harmonic', async () => {
    const b = book('BTC/USD:BTC', [[40_000, 10_000], [39_990, 50_000]], [[40_000.5, 10_000]]);
    const { ex } = setup({ 'BTC/USD:BTC': b });
    const r = await ex.placeIoc(req({ market: INVERSE, side: 'sell', amount: 20_000, limitPrice: 39_990 }));
    // 10,000 USD at 40,000 = 0.25 BTC, fee 0.0005 × 0.25 = 0.000125 BTC;
    // 10,000 USD at 39,990 = 0.2500625… BTC, fee 0.000125031… BTC
    expect(r.fills.map((f) => [f.price, f.amount, f.feeCurrency])).toEqual([
      [40_000, 10_000, 'BTC'],
      [39_990, 10_000, 'BTC'],
    ]);
    expect(r.fills[0]?.fee).toBeCloseTo(0.000125, 15);
    expect(r.fills[1]?.fee).toBeCloseTo((0.0005 * 10_000) / 39_990, 15);
    expect(r.avgPrice).toBeCloseTo(20_000 / (10_000 / 40_000 + 10_000 / 39_990), 9);
  });
});

describe('SimExecution rejects what a venue would, without touching the book', () => {
  it.each([
    { name: 'off the lot', over: { amount: 0.0015 }, reason: /not a multiple of the lot 0\.001/ },
    { name: 'limit off the tick', over: { limitPrice: 100.05 }, reason: /not on the tick 0\.1/ },
    { name: 'below the minimum cost', over: { amount: 0.04 }, reason: /order value 4\.02 USDT .* below the minimum cost 5/ },
    { name: 'zero amount', over: { amount: 0 }, reason: /amount must be a positive number/ },
    { name: 'negative amount', over: { amount: -1 }, reason: /amount must be a positive number/ },
    { name: 'inactive market', over: { market: { ...PERP, active: false } }, reason: /not active/ },
    { name: 'another venue', over: { venue: 'y' }, reason: /order for venue y on a x market/ },
  ])('$name', async ({ over, reason }) => {
    const { ex, src } = setup();
    const r = await ex.placeIoc(req(over));
    expect(r.status).toBe('rejected');
    expect(r.reason).toMatch(reason);
    expect(r.filledAmount).toBe(0);
    expect(r.fills).toEqual([]);
    expect(src.calls).toEqual([]);
  });
});

describe('SimExecution ids, idempotency and faults', () => {
  it('order ids are deterministic from the client id', async () => {
    const { ex } = setup();
    const r = await ex.placeIoc(req());
    expect(r.orderId).toBe('sim:p1:open:perp:1');
    expect(simOrderId('p1:open:perp:1')).toBe(r.orderId);
    expect(r.clientOrderId).toBe('p1:open:perp:1');
  });

  it('a retry with the same client id returns the first result and trades nothing more', async () => {
    const books: Record<string, OrderBook> = { 'BTC/USDT:USDT': PERP_BOOK };
    const { ex, src } = setup(books);
    const first = await ex.placeIoc(req());
    books['BTC/USDT:USDT'] = book('BTC/USDT:USDT', [[90, 1]], [[95, 10]]);
    const again = await ex.placeIoc(req());
    expect(again).toEqual(first);
    expect(src.calls).toHaveLength(1);
  });

  it('a transport fault of the book source propagates; a retry with the same id then trades', async () => {
    const clock = new SimClock(0);
    let fail = true;
    const src: BookSource = () =>
      fail ? Promise.reject(new CarryError('CARRY_VENUE_TIMEOUT', 'retry', 'x timed out', { venue: 'x' })) : Promise.resolve(PERP_BOOK);
    const ex = new SimExecution(src, clock, { latencyMs: 0, bookDepth: 50 });
    await expect(ex.placeIoc(req())).rejects.toMatchObject({ code: 'CARRY_VENUE_TIMEOUT' });
    fail = false;
    const r = await ex.placeIoc(req());
    expect(r.status).toBe('filled');
  });

  it('bookSourceFrom routes by venue and refuses an unknown one', async () => {
    const seen: string[] = [];
    const src = bookSourceFrom([
      {
        venue: 'x',
        fetchOrderBook: (symbol: string, depth: number) => {
          seen.push(`${symbol}@${depth}`);
          return Promise.resolve(PERP_BOOK);
        },
      },
    ]);
    await expect(src('x', 'BTC/USDT:USDT', 20)).resolves.toBe(PERP_BOOK);
    expect(seen).toEqual(['BTC/USDT:USDT@20']);
    await expect(src('y', 'BTC/USDT:USDT', 20)).rejects.toThrow(/no market data for venue y/);
  });

  it('refuses nonsense options', () => {
    const clock = new SimClock(0);
    expect(() => new SimExecution(source({}), clock, { latencyMs: -1, bookDepth: 50 })).toThrow(RangeError);
    expect(() => new SimExecution(source({}), clock, { latencyMs: 0, bookDepth: 0 })).toThrow(RangeError);
  });
});

describe('SimExecution on the real Bybit BTC/USDT book (tape 2026-08-09)', () => {
  const recs = readFileSync(BYBIT_TAPE, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { ts: number; method: string; args: unknown[]; result: any });
  const raw = recs.find((r) => r.method === 'fetchOrderBook' && r.args[0] === 'BTC/USDT') as (typeof recs)[number];
  const m = normaliseMarket((recs.find((r) => r.method === 'loadMarkets') as (typeof recs)[number]).result['BTC/USDT'], {
    venue: 'bybit',
    profile: KNOWN_VENUES['bybit']!,
    precisionMode: PRECISION_MODE.TICK_SIZE,
  });
  const nb = normaliseOrderBook(raw.result, { venue: 'bybit', symbol: 'BTC/USDT', depth: 200, receivedAt: raw.ts });

  it('a 1 BTC buy takes the raw ask levels in order, the last one in part', async () => {
    if (m.kind !== 'ok' || nb.kind !== 'ok') throw new Error('tape did not normalise');
    const ex = new SimExecution(() => Promise.resolve(nb.book), new SimClock(raw.ts), { latencyMs: 50, bookDepth: 200 });
    const r = await ex.placeIoc({ clientOrderId: 'c1', venue: 'bybit', market: m.value, side: 'buy', amount: 1, limitPrice: 65_205.6, reduceOnly: false });
    expect(r.status).toBe('filled');
    expect(r.filledAmount).toBe(1);
    // Independent: the raw ccxt levels, whole, until 1 BTC, the last in part.
    const expected: [number, number][] = [];
    let left = 1;
    for (const [p, a] of raw.result.asks as [number, number][]) {
      const take = Math.min(left, a);
      expected.push([p, take]);
      left = Math.round((left - take) * 1e6) / 1e6;
      if (left === 0) break;
    }
    expect(r.fills.map((f) => f.price)).toEqual(expected.map(([p]) => p));
    r.fills.forEach((f, i) => expect(f.amount).toBeCloseTo((expected[i] as [number, number])[1], 9));
    const quote = expected.reduce((s, [p, a]) => s + p * a, 0);
    expect(r.avgPrice).toBeCloseTo(quote, 6);
    expect(r.fills.reduce((s, f) => s + f.fee, 0)).toBeCloseTo(0.001 * quote, 6);
  });
});
