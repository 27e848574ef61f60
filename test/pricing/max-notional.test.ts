import { SHARED_DATA } from '../support/shared-data.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bestPrice, orderBook, sideLevels } from '../../src/domain/book.js';
import type { BookLevel, OrderBook } from '../../src/domain/market.js';
import type { Side } from '../../src/pricing/depth.js';
import { maxNotionalWithinSlippage } from '../../src/pricing/max-notional.js';
import { amountModel, type AmountModel } from '../../src/pricing/units.js';

const DATA = SHARED_DATA;
const BASE: AmountModel = { k: 1, inQuote: false };

function book(bids: readonly BookLevel[], asks: readonly BookLevel[], symbol = 'X'): OrderBook {
  return orderBook({ venue: 'v', symbol, bids, asks, eventTime: null, receivedAt: 0 });
}

/**
 * Independent reference: walk base-unit levels for `quote` notional the plain way and return
 * the VWAP slippage vs `ref` in bps (positive = worse), or null if the side runs out.
 */
function naiveSlippage(levels: readonly BookLevel[], side: Side, quote: number, ref: number): number | null {
  let remaining = quote;
  let base = 0;
  for (const [price, amount] of levels) {
    const take = Math.min(remaining, price * amount);
    base += take / price;
    remaining -= take;
    if (remaining <= 0) break;
  }
  if (remaining > 1e-9 * quote) return null;
  const vwap = quote / base;
  return side === 'buy' ? ((vwap - ref) / ref) * 1e4 : ((ref - vwap) / ref) * 1e4;
}

function sideTotal(levels: readonly BookLevel[]): number {
  return levels.reduce((s, [p, a]) => s + p * a, 0);
}

/** The solved notional sits exactly at the cap: equal at N, above it just past N. */
function expectSolvedAtCap(levels: readonly BookLevel[], side: Side, ref: number, cap: number, n: number): void {
  expect(n).toBeGreaterThan(0);
  const at = naiveSlippage(levels, side, n, ref) as number;
  expect(Math.abs(at - cap)).toBeLessThan(1e-6);
  const past = naiveSlippage(levels, side, n * (1 + 1e-6), ref) as number;
  expect(past).toBeGreaterThan(cap);
}

// mid 100 on both books. Spot: 200 base at ±5 bps, then 1,000 base at ±25 bps.
// Perp: 500 base at ±2 bps, then 1,000 base at ±30 bps.
const SPOT = book(
  [
    [99.95, 200],
    [99.75, 1000],
  ],
  [
    [100.05, 200],
    [100.25, 1000],
  ],
);
const PERP = book(
  [
    [99.98, 500],
    [99.7, 1000],
  ],
  [
    [100.02, 500],
    [100.3, 1000],
  ],
);

describe('max notional at the slippage cap, hand-computed (mid 100, cap 10 bps)', () => {
  // N = L·(p·B − Q)/(p − L), with Q, B the quote and base of the levels fully inside the cap.
  const rows = [
    // buy, L = 100.1: level 1 Q = 20,010, B = 200 (VWAP 100.05). Level 2 p = 100.25:
    // N = 100.1 × (100.25×200 − 20,010) / 0.15 = 100.1 × 40 / 0.15 = 26,693.333…
    { name: 'spot buy', b: SPOT, side: 'buy' as const, n: (100.1 * 40) / 0.15, levels: 2 },
    // sell, L = 99.9: Q = 19,990, B = 200; p = 99.75: N = 99.9 × (19,950 − 19,990)/(−0.15) = 26,640
    { name: 'spot sell', b: SPOT, side: 'sell' as const, n: 26_640, levels: 2 },
    // buy, L = 100.1: Q = 50,010, B = 500; p = 100.3: N = 100.1 × (50,150 − 50,010)/0.2 = 70,070
    { name: 'perp buy', b: PERP, side: 'buy' as const, n: 70_070, levels: 2 },
    // sell, L = 99.9: Q = 49,990, B = 500; p = 99.7: N = 99.9 × (49,850 − 49,990)/(−0.2) = 69,930
    { name: 'perp sell', b: PERP, side: 'sell' as const, n: 69_930, levels: 2 },
  ];
  it.each(rows)('$name', ({ b, side, n, levels }) => {
    const m = maxNotionalWithinSlippage(b, side, BASE, 100, 10);
    expect(m.problem).toBeNull();
    expect(m.bookLimited).toBe(false);
    expect(m.notional).toBeCloseTo(n, 6);
    expect(m.levelsUsed).toBe(levels);
    expectSolvedAtCap(sideLevels(side === 'buy' ? b.asks : b.bids), side, 100, 10, m.notional);
  });

  it('first level already beyond the cap → 0', () => {
    // best ask 100.2 is 20 bps above mid 100, cap 10 bps
    const m = maxNotionalWithinSlippage(book([[99.8, 10]], [[100.2, 10]]), 'buy', BASE, 100, 10);
    expect(m).toEqual({ notional: 0, bookLimited: false, levelsUsed: 0, problem: null });
  });

  it('cap never reached → the whole side, marked book-limited', () => {
    // cap 50 bps: L = 100.5 > 100.25, so both ask levels fit: 20,010 + 100,250 = 120,260
    const m = maxNotionalWithinSlippage(SPOT, 'buy', BASE, 100, 50);
    expect(m.bookLimited).toBe(true);
    expect(m.notional).toBeCloseTo(120_260, 6);
    expect(m.levelsUsed).toBe(2);
  });

  it('inverse contracts with the same USD per level give the same notional', () => {
    // 10-USD contracts: 2,001 contracts = 20,010 USD at 100.05 (200 BTC), 10,025 = 100,250 USD at 100.25
    const inv = amountModel({ symbol: 'BTC/USD:BTC', amountUnit: 'contracts', contractSize: 10, settlement: 'inverse' });
    const b = book([[99.95, 1999]], [[100.05, 2001], [100.25, 10_025]]);
    const m = maxNotionalWithinSlippage(b, 'buy', inv, 100, 10);
    expect(m.notional).toBeCloseTo((100.1 * 40) / 0.15, 6);
  });

  it('a malformed level stops the solve with a problem', () => {
    // Packed by hand: the builder refuses an unsorted side, the solver must still catch one.
    const asks = { levels: Float64Array.of(100, 1, 99, 1), length: 2 };
    const m = maxNotionalWithinSlippage({ ...book([[99, 1]], []), asks }, 'buy', BASE, 99.5, 1000);
    expect(m.problem).toMatch(/sorted/);
    expect(m.bookLimited).toBe(false);
  });
});

// ---- real books ----------------------------------------------------------------------------

interface TapeRecord {
  readonly ts: number;
  readonly method: string;
  readonly args: unknown[];
  readonly result: { symbol: string; bids: BookLevel[]; asks: BookLevel[] };
}

/** The 200-level books of the first scan in the real Bybit tape (4 perps, 2 spot). */
function tapeBooks(): OrderBook[] {
  const lines = readFileSync(`${DATA}/tapes/bybit-2026-08-09.ndjson`, 'utf8').split('\n').filter(Boolean);
  const recs = lines.map((l) => JSON.parse(l) as TapeRecord).filter((r) => r.method === 'fetchOrderBook');
  const first = recs[0]?.ts;
  return recs.filter((r) => r.ts === first).map((r) => book(r.result.bids, r.result.asks, r.result.symbol));
}

function csv(path: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(path, 'utf8').replace(/^\uFEFF/, '').trim().split('\n');
  const cols = (head as string).split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i] as string, v])));
}

describe('max notional on the real Bybit tape books (200 levels)', () => {
  const books = tapeBooks();
  it('the tape holds the six books the README lists', () => {
    expect(books.map((b) => b.symbol).sort()).toEqual([
      'BTC/USDT',
      'BTC/USDT:USDT',
      'DOGE/USDT:USDT',
      'ETH/USDT',
      'ETH/USDT:USDT',
      'SOL/USDT:USDT',
    ]);
    for (const b of books) expect(b.asks.length).toBe(200);
  });

  const cases = books.flatMap((b) =>
    [1, 2, 5, 10].flatMap((cap) => (['buy', 'sell'] as const).map((side) => ({ b, cap, side, name: `${b.symbol} ${side} ${cap} bps` }))),
  );
  it.each(cases)('$name: solved notional is exactly at the cap, or the whole side', ({ b, cap, side }) => {
    const mid = ((bestPrice(b.bids) as number) + (bestPrice(b.asks) as number)) / 2;
    const levels = sideLevels(side === 'buy' ? b.asks : b.bids);
    const m = maxNotionalWithinSlippage(b, side, BASE, mid, cap);
    expect(m.problem).toBeNull();
    if (m.bookLimited) {
      expect(m.notional).toBeCloseTo(sideTotal(levels), 4);
      expect(naiveSlippage(levels, side, m.notional, mid) as number).toBeLessThanOrEqual(cap);
    } else {
      expectSolvedAtCap(levels, side, mid, cap, m.notional);
    }
  });

  it('BTC perp: 10 bps is beyond the fetched 200 levels (book-limited), 1 bps is not', () => {
    // The 200 asks span about 5 bps from mid (65,114.3 → ~65,147), so every level fits in 10 bps.
    const btc = books.find((b) => b.symbol === 'BTC/USDT:USDT') as OrderBook;
    const mid = (65_114.2 + 65_114.3) / 2;
    expect(maxNotionalWithinSlippage(btc, 'buy', BASE, mid, 10).bookLimited).toBe(true);
    expect(maxNotionalWithinSlippage(btc, 'buy', BASE, mid, 1).bookLimited).toBe(false);
  });

  it('DOGE perp: a 1.4 bps tick, so 10 bps is reached inside the book', () => {
    // tick 0.00001 on 0.070535 = 1.42 bps; the VWAP reaches 10 bps after about a dozen levels
    const doge = books.find((b) => b.symbol === 'DOGE/USDT:USDT') as OrderBook;
    const m = maxNotionalWithinSlippage(doge, 'buy', BASE, (0.07053 + 0.07054) / 2, 10);
    expect(m.bookLimited).toBe(false);
    expect(m.levelsUsed).toBeGreaterThan(5);
    expect(m.levelsUsed).toBeLessThan(30);
  });
});

describe('max notional on the real Binance USDT-M books', () => {
  it('Tardis book_snapshot_5 (first row): 0.1 bps is solved inside level 2, 5 bps takes all 5 levels', () => {
    const row = csv(`${DATA}/orderbooks/binance/binance-futures_book_snapshot_5_BTCUSDT_2020-09-01_tardis.csv`)[0] as Record<
      string,
      string
    >;
    const side = (s: 'asks' | 'bids'): BookLevel[] =>
      [0, 1, 2, 3, 4].map((i) => [Number(row[`${s}[${i}].price`]), Number(row[`${s}[${i}].amount`])] as const);
    const b = book(side('bids'), side('asks'), 'BTC/USDT:USDT');
    const mid = (11657.07 + 11657.08) / 2;
    // L = 11,657.075 × 1.00001 = 11,657.19: ask 1 (11,657.08) fits, ask 2 (11,657.54) crosses.
    const tight = maxNotionalWithinSlippage(b, 'buy', BASE, mid, 0.1);
    expect(tight.bookLimited).toBe(false);
    expect(tight.levelsUsed).toBe(2);
    expect(tight.notional).toBeGreaterThan(11657.08 * 1.714);
    expectSolvedAtCap(sideLevels(b.asks), 'buy', mid, 0.1, tight.notional);
    // asks span 11,657.08 → 11,657.92, under 1 bps: all five fit in 5 bps.
    const wide = maxNotionalWithinSlippage(b, 'buy', BASE, mid, 5);
    expect(wide.bookLimited).toBe(true);
    expect(wide.notional).toBeCloseTo(sideTotal(sideLevels(b.asks)), 6);
  });

  it.each([0.5, 1, 2, 5])(
    'nautilus depth snapshot (100 bids, no asks), slippage vs best bid, cap %s bps',
    (cap) => {
      // This file has bids only, so there is no mid: the reference is the best bid (20,377.00),
      // i.e. slippage measured from the touch.
      const bids = csv(`${DATA}/orderbooks/binance/binance-futures_BTCUSDT_depth_snapshot_bids_2022-11-01_nautilus.csv`)
        .filter((r) => r.side === 'b')
        .map((r) => [Number(r.price), Number(r.qty)] as const);
      expect(bids.length).toBe(100);
      const ref = bids[0]?.[0] as number;
      expect(ref).toBe(20377);
      const b = book(bids, []);
      const m = maxNotionalWithinSlippage(b, 'sell', BASE, ref, cap);
      expect(m.problem).toBeNull();
      if (m.bookLimited) {
        expect(m.notional).toBeCloseTo(sideTotal(bids), 4);
      } else {
        expectSolvedAtCap(bids, 'sell', ref, cap, m.notional);
      }
    },
  );
});
