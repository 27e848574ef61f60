import { describe, expect, it } from 'vitest';
import { bestPrice, bookSide, levelAt, orderBook, sideLevels } from '../../src/domain/book.js';
import type { BookLevel } from '../../src/domain/market.js';

const BIDS: BookLevel[] = [
  [99.5, 2],
  [99.5, 0.25],
  [98, 10],
];
const ASKS: BookLevel[] = [
  [100, 1],
  [100.5, 3],
];

const init = (bids: BookLevel[], asks: BookLevel[]) => ({ venue: 'v', symbol: 'X/USDT', bids, asks, eventTime: 7, receivedAt: 9 });

describe('orderBook packs levels and gives them back unchanged', () => {
  const book = orderBook(init(BIDS, ASKS));

  it('round trip, best first, with the book fields kept', () => {
    expect(sideLevels(book.bids)).toEqual(BIDS);
    expect(sideLevels(book.asks)).toEqual(ASKS);
    expect(book).toMatchObject({ venue: 'v', symbol: 'X/USDT', eventTime: 7, receivedAt: 9 });
    expect(book.bids.length).toBe(3);
    expect(book.asks.length).toBe(2);
  });

  it('levelAt reads level i; bestPrice is level 0', () => {
    expect(levelAt(book.bids, 2)).toEqual([98, 10]);
    expect(levelAt(book.asks, 1)).toEqual([100.5, 3]);
    expect(bestPrice(book.bids)).toBe(99.5);
    expect(bestPrice(book.asks)).toBe(100);
  });

  it.each([
    ['past the end', 3],
    ['negative', -1],
    ['not an integer', 0.5],
    ['NaN', Number.NaN],
  ])('levelAt %s is null, not a zero level', (_name, i) => {
    expect(levelAt(book.bids, i)).toBeNull();
  });

  it('an empty side is a real state: length 0, no best price (null), no levels', () => {
    const oneSided = orderBook(init([], ASKS));
    expect(oneSided.bids.length).toBe(0);
    expect(bestPrice(oneSided.bids)).toBeNull();
    expect(levelAt(oneSided.bids, 0)).toBeNull();
    expect(sideLevels(oneSided.bids)).toEqual([]);
    expect(sideLevels(oneSided.asks)).toEqual(ASKS);
  });

  it('checks each side on its own: a crossed book is built, for touchProblem to report', () => {
    const crossed = orderBook(init([[101, 1]], [[100, 1]]));
    expect(bestPrice(crossed.bids)).toBe(101);
    expect(bestPrice(crossed.asks)).toBe(100);
  });

  it('keeps full double precision', () => {
    const b = orderBook(init([[0.1 + 0.2, 1e-9]], [[65114.30000000001, 123456.789]]));
    expect(levelAt(b.bids, 0)).toEqual([0.1 + 0.2, 1e-9]);
    expect(levelAt(b.asks, 0)).toEqual([65114.30000000001, 123456.789]);
  });
});

describe('the builders refuse bad levels instead of dropping or reordering them', () => {
  it.each([
    ['NaN price', [[Number.NaN, 1]], ASKS, /bids level 0: price must be a positive finite number, got NaN/],
    ['zero price', [[0, 1]], ASKS, /bids level 0: price/],
    ['infinite price', BIDS, [[Infinity, 1]], /asks level 0: price/],
    ['zero amount', BIDS, [[100, 1], [101, 0]], /asks level 1: amount must be a positive finite number, got 0/],
    ['negative amount', [[99, -1]], ASKS, /bids level 0: amount/],
    ['string price', [['99', 1] as unknown as BookLevel], ASKS, /bids level 0: price/],
    ['bids ascending', [[99, 1], [99.5, 1]], ASKS, /bids level 1: price 99.5 is better than the level before it \(99\)/],
    ['asks descending', BIDS, [[100, 1], [99.9, 1]], /asks level 1: price 99.9 is better than the level before it \(100\)/],
  ] as const)('%s', (_name, bids, asks, message) => {
    expect(() => orderBook(init([...bids], [...asks]))).toThrow(RangeError);
    expect(() => orderBook(init([...bids], [...asks]))).toThrow(message);
  });

  it('bookSide checks the same way for the side it is told', () => {
    expect(sideLevels(bookSide(BIDS, 'bids'))).toEqual(BIDS);
    expect(sideLevels(bookSide(ASKS, 'asks'))).toEqual(ASKS);
    expect(() => bookSide(BIDS, 'asks')).toThrow(/asks level 2: price 98 is better/);
    expect(() => bookSide(ASKS, 'bids')).toThrow(/bids level 1: price 100.5 is better/);
  });
});
