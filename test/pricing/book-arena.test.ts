/**
 * packBooks: one buffer for a scan's books, heads first, addressed by market position. What
 * goes in comes back unchanged, every market finds its own book, and the level checks recorded
 * are the ones a walk makes.
 */
import { describe, expect, it } from 'vitest';
import { orderBook, sideLevels } from '../../src/domain/book.js';
import { arenaBookLevels, HEAD_LEVELS, packBooks, type BookArena } from '../../src/pricing/book-arena.js';
import type { BookLevel, BookSide, Market, OrderBook } from '../../src/domain/market.js';
import { BOOK_PROBLEMS } from '../../src/pricing/depth.js';

function market(venue: string, symbol: string): Market {
  const swap = symbol.includes(':');
  return {
    venue,
    symbol,
    id: symbol,
    type: swap ? 'swap' : 'spot',
    base: symbol.split('/')[0] as string,
    quote: 'USDT',
    settle: swap ? 'USDT' : null,
    settlement: swap ? 'linear' : null,
    contractSize: 1,
    amountUnit: 'base',
    amountStep: 0.001,
    priceStep: 0.01,
    minAmount: null,
    minCost: null,
    taker: 0.001,
    maker: 0.001,
    active: true,
    marginable: false,
    fundingIntervalHours: null,
  };
}

/** n levels a side around 100, each level's amount telling it apart. */
function book(venue: string, symbol: string, nBids: number, nAsks: number, receivedAt = 1_000, eventTime: number | null = 900): OrderBook {
  const bids: BookLevel[] = Array.from({ length: nBids }, (_, i) => [99.9 - i * 0.1, 1 + i]);
  const asks: BookLevel[] = Array.from({ length: nAsks }, (_, i) => [100.1 + i * 0.1, 100 + i]);
  return orderBook({ venue, symbol, bids, asks, eventTime, receivedAt });
}

const MARKETS = new Map<string, Market[]>([
  ['a', [market('a', 'X/USDT'), market('a', 'X/USDT:USDT'), market('a', 'Y/USDT:USDT')]],
  ['b', [market('b', 'X/USDT:USDT')]],
]);

/** The arena book of markets[venue][j], as levels. */
function bookAt(arena: BookArena, venue: string, j: number) {
  const b = arena.byVenue.get(venue)?.bookOf[j] ?? -1;
  return b < 0 ? null : arenaBookLevels(arena, b);
}

describe('packBooks round trip: levels, times and order come back unchanged', () => {
  const depths: [number, number][] = [
    [0, 0],
    [1, 0],
    [0, 3],
    [1, 1],
    [2, 5],
    [16, 16],
    [17, 40],
    [200, 200],
  ];
  it.each([1, 2, 3, HEAD_LEVELS, 500])('head of %i levels', (headLevels) => {
    const books = depths.map(([nb, na], i) => book('a', `S${i}/USDT`, nb, na, 1_000 + i, i % 2 === 0 ? null : 900 + i));
    const markets = new Map([['a', books.map((b) => market('a', b.symbol))]]);
    const arena = packBooks(markets, books, headLevels);
    expect(arena.count).toBe(books.length);
    books.forEach((b, i) => {
      expect(arenaBookLevels(arena, i)).toEqual({
        venue: 'a',
        symbol: b.symbol,
        bids: sideLevels(b.bids),
        asks: sideLevels(b.asks),
        eventTime: b.eventTime,
        receivedAt: b.receivedAt,
      });
      expect(arena.bidHead[i]).toBe(Math.min(headLevels, b.bids.length));
      expect(arena.askHead[i]).toBe(Math.min(headLevels, b.asks.length));
    });
  });

  it('heads first, book after book in the order given, then the tails', () => {
    const books = [book('a', 'X/USDT', 20, 20), book('a', 'X/USDT:USDT', 20, 20), book('a', 'Y/USDT:USDT', 3, 3)];
    const arena = packBooks(MARKETS, books, 4);
    const heads = [0, 1, 2].flatMap((b) => [arena.bidsAt[b] as number, arena.asksAt[b] as number]);
    const tails = [0, 1, 2].flatMap((b) => [arena.bidsTailAt[b] as number, arena.asksTailAt[b] as number]);
    expect(heads).toEqual([...heads].sort((x, y) => x - y));
    expect(tails).toEqual([...tails].sort((x, y) => x - y));
    // 4 + 4 + 4 + 4 + 3 + 3 head levels, two numbers each, before the first tail.
    expect(Math.min(...tails)).toBe(2 * 22);
    expect(arena.levels.length).toBe(2 * (20 * 4 + 3 * 2));
  });

  it('headLevels must be at least 1: the best level is read from the head', () => {
    expect(() => packBooks(MARKETS, [], 0)).toThrow(RangeError);
    expect(() => packBooks(MARKETS, [], 1.5)).toThrow(RangeError);
  });
});

describe('packBooks addressing: by position in each venue’s markets array', () => {
  it.each([
    { name: 'each market its own book', books: [book('a', 'X/USDT', 1, 1), book('a', 'X/USDT:USDT', 2, 2), book('b', 'X/USDT:USDT', 3, 3)], expect: { a: [1, 2, null], b: [3] } },
    { name: 'no book for a market: -1', books: [book('a', 'X/USDT:USDT', 2, 2)], expect: { a: [null, 2, null], b: [null] } },
    { name: 'a book no market lists is left out', books: [book('a', 'Z/USDT', 1, 1), book('c', 'X/USDT', 1, 1), book('b', 'X/USDT:USDT', 3, 3)], expect: { a: [null, null, null], b: [3] } },
    { name: 'a later book for the same market replaces the earlier', books: [book('a', 'X/USDT', 1, 1), book('a', 'X/USDT', 5, 5)], expect: { a: [5, null, null], b: [null] } },
    { name: 'no books at all', books: [], expect: { a: [null, null, null], b: [null] } },
  ])('$name', ({ books, expect: want }) => {
    const arena = packBooks(MARKETS, books);
    for (const [venue, bidCounts] of Object.entries(want)) {
      expect(arena.byVenue.get(venue)?.markets).toBe(MARKETS.get(venue));
      // Each market's book, told apart by its number of bids (null: none).
      const got = bidCounts.map((_, j) => bookAt(arena, venue, j));
      expect(got.map((b) => (b === null ? null : b.bids.length))).toEqual(bidCounts);
      got.forEach((b, j) => {
        if (b !== null) expect([b.venue, b.symbol]).toEqual([venue, MARKETS.get(venue)?.[j]?.symbol]);
      });
    }
  });

  it('a replaced book keeps the place of the first', () => {
    const arena = packBooks(MARKETS, [book('a', 'X/USDT', 1, 1), book('a', 'Y/USDT:USDT', 2, 2), book('a', 'X/USDT', 5, 5)]);
    expect(arena.count).toBe(2);
    expect(arenaBookLevels(arena, 0).bids).toHaveLength(5);
    expect(arenaBookLevels(arena, 1).symbol).toBe('Y/USDT:USDT');
  });

  it('two markets with the same symbol both point at its book', () => {
    const twice = new Map([['a', [market('a', 'X/USDT'), market('a', 'X/USDT')]]]);
    const arena = packBooks(twice, [book('a', 'X/USDT', 1, 1)]);
    expect([...(arena.byVenue.get('a')?.bookOf ?? [])]).toEqual([0, 0]);
  });
});

describe('packBooks level checks: as far as a walk may read each side, and why it stops', () => {
  /** A book with hand-made sides (orderBook would refuse these). */
  function raw(bids: BookLevel[], asks: BookLevel[]): OrderBook {
    const s = (levels: BookLevel[]): BookSide => ({ levels: Float64Array.from(levels.flat()), length: levels.length });
    return { venue: 'a', symbol: 'X/USDT', bids: s(bids), asks: s(asks), eventTime: null, receivedAt: 1 };
  }
  it.each([
    { name: 'well formed', bids: [[99, 1], [98, 1]], asks: [[101, 1]], bid: [2, null], ask: [1, null] },
    { name: 'bids rising at 1 (a seller walks them down)', bids: [[99, 1], [99.5, 1]], asks: [[101, 1]], bid: [1, BOOK_PROBLEMS.unsorted], ask: [1, null] },
    { name: 'asks falling at 2 (a buyer walks them up)', bids: [[99, 1]], asks: [[101, 1], [102, 1], [101.5, 1]], bid: [1, null], ask: [2, BOOK_PROBLEMS.unsorted] },
    { name: 'NaN amount deep in the asks', bids: [[99, 1]], asks: [[101, 1], [102, 1], [103, Number.NaN]], bid: [1, null], ask: [2, BOOK_PROBLEMS.badLevel] },
    { name: 'zero amounts are fine', bids: [[99, 0]], asks: [[101, 0]], bid: [1, null], ask: [1, null] },
  ] as { name: string; bids: BookLevel[]; asks: BookLevel[]; bid: [number, string | null]; ask: [number, string | null] }[])(
    '$name',
    ({ bids, asks, bid, ask }) => {
      for (const headLevels of [1, 2, HEAD_LEVELS]) {
        const arena = packBooks(new Map([['a', [market('a', 'X/USDT')]]]), [raw(bids, asks)], headLevels);
        expect([arena.bidValid[0], arena.bidStop[0]]).toEqual(bid);
        expect([arena.askValid[0], arena.askStop[0]]).toEqual(ask);
      }
    },
  );
});
