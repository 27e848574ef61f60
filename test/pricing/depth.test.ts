import { describe, expect, it } from 'vitest';
import { orderBook } from '../../src/domain/book.js';
import type { BookLevel, BookSide, OrderBook } from '../../src/domain/market.js';
import { BOOK_PROBLEMS, midPrice, slippageBps, touchProblem, walkBook } from '../../src/pricing/depth.js';
import { amountModel, type AmountModel } from '../../src/pricing/units.js';

function book(bids: BookLevel[], asks: BookLevel[]): OrderBook {
  return orderBook({ venue: 'v', symbol: 'X', bids, asks, eventTime: null, receivedAt: 0 });
}

/** Packs levels as given, without the builder's checks: for books the builder would refuse. */
function unchecked(levels: BookLevel[]): BookSide {
  return { levels: new Float64Array(levels.flat()), length: levels.length };
}

function malformed(bids: BookLevel[], asks: BookLevel[]): OrderBook {
  return { venue: 'v', symbol: 'X', bids: unchecked(bids), asks: unchecked(asks), eventTime: null, receivedAt: 0 };
}

const BASE: AmountModel = { k: 1, inQuote: false };
// mid = (99 + 100) / 2 = 99.5
const A = book(
  [
    [99, 1],
    [98, 3],
    [95, 10],
  ],
  [
    [100, 1],
    [101, 2],
    [103, 5],
  ],
);

describe('walkBook on a small base-unit book (mid 99.5)', () => {
  const rows = [
    {
      // one level: 50 quote at 100 → 0.5 base; slippage (100 − 99.5) / 99.5 = 50.2513 bps
      name: 'buy inside the first level',
      side: 'buy' as const,
      target: 50,
      filled: 50,
      base: 0.5,
      vwap: 100,
      levels: 1,
      complete: true,
      slip: (0.5 / 99.5) * 1e4,
    },
    {
      // 100 at 100 (1 base) + 150 at 101 (150/101 base): VWAP = 250 / (1 + 150/101) = 25250/251
      // = 100.5976096; slippage 1.0976096 / 99.5 = 110.3125 bps
      name: 'buy across two levels',
      side: 'buy' as const,
      target: 250,
      filled: 250,
      base: 1 + 150 / 101,
      vwap: 25250 / 251,
      levels: 2,
      complete: true,
      slip: ((25250 / 251 - 99.5) / 99.5) * 1e4,
    },
    {
      // 99 (1 base) + 294 (3 base) + 7 at 95 (7/95 base): VWAP = 400 / (4 + 7/95) = 38000/387
      // = 98.1912145; sell slippage (99.5 − 98.1912145) / 99.5 = 131.5362 bps (positive = worse)
      name: 'sell across three levels',
      side: 'sell' as const,
      target: 400,
      filled: 400,
      base: 4 + 7 / 95,
      vwap: 38000 / 387,
      levels: 3,
      complete: true,
      slip: ((99.5 - 38000 / 387) / 99.5) * 1e4,
    },
    {
      // the whole ask side is 100 + 202 + 515 = 817 quote for 8 base: VWAP 102.125, incomplete
      name: 'buy more than the book holds',
      side: 'buy' as const,
      target: 2_000,
      filled: 817,
      base: 8,
      vwap: 102.125,
      levels: 3,
      complete: false,
      slip: ((102.125 - 99.5) / 99.5) * 1e4,
    },
  ];
  it.each(rows)('$name', (r) => {
    const f = walkBook(A, r.side, r.target, BASE, 99.5);
    expect(f.problem).toBeNull();
    expect(f.filledNotional).toBeCloseTo(r.filled, 9);
    expect(f.baseQty).toBeCloseTo(r.base, 12);
    expect(f.amount).toBeCloseTo(r.base, 12);
    expect(f.vwap).toBeCloseTo(r.vwap, 9);
    expect(f.levelsUsed).toBe(r.levels);
    expect(f.complete).toBe(r.complete);
    expect(f.slippageBps).toBeCloseTo(r.slip, 9);
    expect(f.slippageBps).toBeGreaterThan(0);
  });

  it('a zero target is complete with no VWAP (null, not 0)', () => {
    const f = walkBook(A, 'buy', 0, BASE, 99.5);
    expect(f).toMatchObject({ complete: true, vwap: null, slippageBps: null, levelsUsed: 0, filledNotional: 0 });
  });

  it('skips zero-size levels', () => {
    // The builder refuses a zero amount (the normaliser drops them); the walk must still cope.
    const f = walkBook(malformed([[99, 1]], [[100, 0], [101, 1]]), 'buy', 50, BASE, 99.5);
    expect(f.vwap).toBe(101);
    expect(f.levelsUsed).toBe(1);
  });
});

describe('walkBook units', () => {
  it('inverse contracts (10 USD each): VWAP is the harmonic mean, amount in contracts', () => {
    // asks: 5 contracts = 50 USD at 100 (0.5 BTC), 10 contracts = 100 USD at 200.
    // Buy 100 USD: 50 at 100 → 0.5 base, 50 at 200 → 0.25 base; VWAP = 100 / 0.75 = 133.33
    // (not 150, the arithmetic mean). Amount = 100 USD / 10 = 10 contracts.
    const inv = amountModel({ symbol: 'BTC/USD:BTC', amountUnit: 'contracts', contractSize: 10, settlement: 'inverse' });
    const b = book([[99, 1]], [[100, 5], [200, 10]]);
    const f = walkBook(b, 'buy', 100, inv, 99.5);
    expect(f.baseQty).toBeCloseTo(0.75, 12);
    expect(f.vwap).toBeCloseTo(400 / 3, 9);
    expect(f.amount).toBeCloseTo(10, 12);
    expect(f.levelsUsed).toBe(2);
    // (133.333 − 99.5) / 99.5 = 3400.335 bps
    expect(f.slippageBps).toBeCloseTo(((400 / 3 - 99.5) / 99.5) * 1e4, 6);
  });

  it('Deribit amounts already in USD give the same fill as 10-USD contracts', () => {
    const deribit = amountModel({ symbol: 'BTC/USD:BTC', amountUnit: 'quote', contractSize: 10, settlement: 'inverse' });
    const inv = amountModel({ symbol: 'BTC/USD:BTC', amountUnit: 'contracts', contractSize: 10, settlement: 'inverse' });
    const usd = walkBook(book([[99, 10]], [[100, 50], [200, 100]]), 'buy', 100, deribit, 99.5);
    const ctr = walkBook(book([[99, 1]], [[100, 5], [200, 10]]), 'buy', 100, inv, 99.5);
    expect(usd.vwap).toBeCloseTo(ctr.vwap as number, 12);
    expect(usd.baseQty).toBeCloseTo(ctr.baseQty, 12);
    expect(usd.amount).toBeCloseTo(100, 12); // USD
    expect(ctr.amount).toBeCloseTo(10, 12); // contracts
  });

  it('linear contracts of 0.01 base: amounts are contracts, notional = contracts × 0.01 × price', () => {
    // asks 100 contracts (1 base = 100 quote) at 100, 200 contracts (2 base = 202 quote) at 101:
    // the same as book A's first two levels, so buying 250 gives VWAP 25250/251.
    const lin = amountModel({ symbol: 'X/USDT:USDT', amountUnit: 'contracts', contractSize: 0.01, settlement: 'linear' });
    const f = walkBook(book([[99, 100]], [[100, 100], [101, 200]]), 'buy', 250, lin, 99.5);
    expect(f.vwap).toBeCloseTo(25250 / 251, 9);
    expect(f.amount).toBeCloseTo((1 + 150 / 101) / 0.01, 9);
  });
});

describe('malformed books are reported, not priced', () => {
  it.each([
    ['asks not ascending', malformed([[99, 1]], [[100, 1], [99.5, 1]]), 'buy', BOOK_PROBLEMS.unsorted],
    ['bids not descending', malformed([[99, 1], [99.5, 1]], [[100, 1]]), 'sell', BOOK_PROBLEMS.unsorted],
    ['negative amount', malformed([[99, 1]], [[100, 1], [101, -1]]), 'buy', BOOK_PROBLEMS.badLevel],
    ['NaN price', malformed([[99, 1]], [[100, 1], [Number.NaN, 1]]), 'buy', BOOK_PROBLEMS.badLevel],
  ] as const)('%s', (_name, b, side, problem) => {
    const f = walkBook(b, side, 1_000, BASE, 99.5);
    expect(f.problem).toBe(problem);
    expect(f.complete).toBe(false);
  });

  it.each([
    ['no bids', book([], [[100, 1]]), BOOK_PROBLEMS.emptyBids],
    ['no asks', book([[99, 1]], []), BOOK_PROBLEMS.emptyAsks],
    ['crossed', book([[100.5, 1]], [[100, 1]]), BOOK_PROBLEMS.crossed],
    ['locked', book([[100, 1]], [[100, 1]]), BOOK_PROBLEMS.crossed],
    ['zero price', malformed([[0, 1]], [[100, 1]]), BOOK_PROBLEMS.badLevel],
  ])('touch: %s → no mid', (_name, b, problem) => {
    expect(touchProblem(b)).toBe(problem);
    expect(midPrice(b)).toBeNull();
  });

  it('mid of a sane book', () => {
    expect(midPrice(A)).toBe(99.5);
    expect(touchProblem(A)).toBeNull();
  });

  it('rejects a negative or NaN target and a bad mid', () => {
    expect(() => walkBook(A, 'buy', -1, BASE, 99.5)).toThrow(RangeError);
    expect(() => walkBook(A, 'buy', Number.NaN, BASE, 99.5)).toThrow(RangeError);
    expect(() => walkBook(A, 'buy', 1, BASE, 0)).toThrow(RangeError);
  });
});

describe('slippage sign', () => {
  it.each([
    // buying above mid and selling below mid are both costs (positive)
    ['buy above mid', 'buy', 100.1, 100, 10],
    ['sell below mid', 'sell', 99.9, 100, 10],
    // price improvement is negative
    ['buy below mid', 'buy', 99.9, 100, -10],
    ['sell above mid', 'sell', 100.1, 100, -10],
  ] as const)('%s', (_n, side, vwap, mid, bps) => {
    expect(slippageBps(side, vwap, mid)).toBeCloseTo(bps, 9);
  });
});
