/**
 * Building and reading packed order-book sides (BookSide, see market.ts for why they are packed).
 *
 * The builders validate rather than repair: every level must have a positive, finite price and
 * amount, and a side must be sorted best first (bids descending, asks ascending; equal prices
 * allowed, as venues and the normaliser allow them). Anything else throws a RangeError naming
 * the level, so a book is never silently shortened or reordered here; the normaliser
 * (venues/normalise.ts) is where malformed venue levels are dropped, counted and reported.
 */
import type { BookLevel, BookSide, OrderBook, VenueId } from './market.js';

export type SideName = 'bids' | 'asks';

/** Checks `levels` as one side of a book; throws a RangeError naming the first bad level. */
function check(levels: readonly BookLevel[], side: SideName): void {
  let prev = side === 'bids' ? Infinity : 0;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    const price = level?.[0];
    const amount = level?.[1];
    if (typeof price !== 'number' || !(price > 0 && price < Infinity)) {
      throw new RangeError(`${side} level ${i}: price must be a positive finite number, got ${String(price)}`);
    }
    if (typeof amount !== 'number' || !(amount > 0 && amount < Infinity)) {
      throw new RangeError(`${side} level ${i}: amount must be a positive finite number, got ${String(amount)}`);
    }
    if (side === 'bids' ? price > prev : price < prev) {
      throw new RangeError(`${side} level ${i}: price ${price} is better than the level before it (${prev}): not sorted best first`);
    }
    prev = price;
  }
}

/** Copies checked levels into `buf` from `offset` as [p0, a0, p1, a1, …] and views them. */
function pack(levels: readonly BookLevel[], buf: Float64Array, offset: number): BookSide {
  const n = levels.length;
  const packed = buf.subarray(offset, offset + 2 * n);
  for (let i = 0; i < n; i++) {
    const level = levels[i] as BookLevel;
    packed[2 * i] = level[0];
    packed[2 * i + 1] = level[1];
  }
  return { levels: packed, length: n };
}

/** One packed side from [price, amount] levels, best first; throws RangeError if invalid. */
export function bookSide(levels: readonly BookLevel[], side: SideName): BookSide {
  check(levels, side);
  return pack(levels, new Float64Array(2 * levels.length), 0);
}

export interface BookInit {
  readonly venue: VenueId;
  readonly symbol: string;
  /** Best first (descending price). */
  readonly bids: readonly BookLevel[];
  /** Best first (ascending price). */
  readonly asks: readonly BookLevel[];
  readonly eventTime: number | null;
  readonly receivedAt: number;
}

/**
 * An OrderBook from [price, amount] levels; throws RangeError if a side is invalid. Both sides
 * share one buffer, so a walk over the bids and then the asks stays in one block of memory.
 */
export function orderBook(init: BookInit): OrderBook {
  check(init.bids, 'bids');
  check(init.asks, 'asks');
  const nb = init.bids.length;
  const buf = new Float64Array(2 * (nb + init.asks.length));
  return {
    venue: init.venue,
    symbol: init.symbol,
    bids: pack(init.bids, buf, 0),
    asks: pack(init.asks, buf, 2 * nb),
    eventTime: init.eventTime,
    receivedAt: init.receivedAt,
  };
}

/** Level i as [price, amount], or null when the side has no level i. */
export function levelAt(side: BookSide, i: number): BookLevel | null {
  if (!(Number.isInteger(i) && i >= 0 && i < side.length)) return null;
  return [side.levels[2 * i] as number, side.levels[2 * i + 1] as number];
}

/** Best price of a side, or null when the side is empty. */
export function bestPrice(side: BookSide): number | null {
  return side.length > 0 ? (side.levels[0] as number) : null;
}

/** The side back as [price, amount] levels, best first (for display, logs and tests). */
export function sideLevels(side: BookSide): BookLevel[] {
  const out: BookLevel[] = new Array<BookLevel>(side.length);
  for (let i = 0; i < side.length; i++) out[i] = [side.levels[2 * i] as number, side.levels[2 * i + 1] as number];
  return out;
}
