/**
 * One side-sorted order book per market, consumed by taker fills: the mock has no other market
 * participants, so liquidity taken stays taken until the test calls setBook again.
 */
import type { MockBook, OrderSide } from './types.js';

export interface BookLevelFill {
  readonly price: number;
  readonly qty: number;
}

/** Float noise from summing levels would otherwise leak into quantities ("0.30000000000000004"). */
export const clean = (x: number): number => (Number.isFinite(x) ? Number(x.toFixed(10)) : x);

export class Book {
  private bids: [number, number][] = [];
  private asks: [number, number][] = [];

  set(book: MockBook): void {
    this.bids = book.bids.filter(([, q]) => q > 0).map(([p, q]) => [p, q] as [number, number]).sort((a, b) => b[0] - a[0]);
    this.asks = book.asks.filter(([, q]) => q > 0).map(([p, q]) => [p, q] as [number, number]).sort((a, b) => a[0] - b[0]);
  }

  snapshot(limit?: number): MockBook {
    const n = limit ?? Number.POSITIVE_INFINITY;
    return { bids: this.bids.slice(0, n).map(([p, q]) => [p, q]), asks: this.asks.slice(0, n).map(([p, q]) => [p, q]) };
  }

  best(): { bid: [number, number] | undefined; ask: [number, number] | undefined } {
    return { bid: this.bids[0], ask: this.asks[0] };
  }

  /** Levels a taker order of `side` would cross, without consuming them. */
  preview(side: OrderSide, qty: number, limit: number | null): BookLevelFill[] {
    return walk(side === 'buy' ? this.asks : this.bids, side, qty, limit);
  }

  /** Take liquidity: remove exactly the previewed quantities from the book. */
  consume(side: OrderSide, fills: readonly BookLevelFill[]): void {
    const levels = side === 'buy' ? this.asks : this.bids;
    for (const f of fills) {
      const level = levels.find(([p]) => p === f.price);
      if (level === undefined) continue;
      level[1] = clean(level[1] - f.qty);
    }
    const kept = levels.filter(([, q]) => q > 1e-12);
    if (side === 'buy') this.asks = kept;
    else this.bids = kept;
  }
}

function walk(levels: readonly [number, number][], side: OrderSide, qty: number, limit: number | null): BookLevelFill[] {
  const out: BookLevelFill[] = [];
  let left = qty;
  for (const [price, size] of levels) {
    if (left <= 1e-12) break;
    if (limit !== null && (side === 'buy' ? price > limit : price < limit)) break;
    const take = clean(Math.min(left, size));
    out.push({ price, qty: take });
    left = clean(left - take);
  }
  return out;
}
