/**
 * One side-sorted order book per market, consumed by taker fills: the mock has no other market
 * participants, so liquidity taken stays taken until the test calls setBook again.
 *
 * Every change that moves a level (setBook, a taker fill) is one update: `updateId` advances by
 * one and the listeners (the WebSocket streams) get the book before and after. A setBook that
 * changes nothing is no update, so the ids a diff stream carries stay gapless.
 */
import type { MockBook, OrderSide } from './types.js';

export interface BookLevelFill {
  readonly price: number;
  readonly qty: number;
}

/** Float noise from summing levels would otherwise leak into quantities ("0.30000000000000004"). */
export const clean = (x: number): number => (Number.isFinite(x) ? Number(x.toFixed(10)) : x);

export type BookListener = (prev: MockBook, next: MockBook, updateId: number) => void;

/** Levels that differ between two sides: changed or new ones at their new size, vanished ones at 0. */
export function diffSide(prev: readonly [number, number][], next: readonly [number, number][]): [number, number][] {
  const before = new Map(prev.map(([p, q]) => [p, q]));
  const after = new Map(next.map(([p, q]) => [p, q]));
  const out: [number, number][] = [];
  for (const [p, q] of after) if (before.get(p) !== q) out.push([p, q]);
  for (const [p] of before) if (!after.has(p)) out.push([p, 0]);
  return out;
}

export class Book {
  private bids: [number, number][] = [];
  private asks: [number, number][] = [];
  private readonly listeners: BookListener[] = [];
  /** Id of the last update: what a REST snapshot reports (Binance lastUpdateId) and diff streams continue from. */
  updateId = 1000;

  onChange(listener: BookListener): void {
    this.listeners.push(listener);
  }

  set(book: MockBook): void {
    const prev = this.snapshot();
    this.bids = book.bids.filter(([, q]) => q > 0).map(([p, q]) => [p, q] as [number, number]).sort((a, b) => b[0] - a[0]);
    this.asks = book.asks.filter(([, q]) => q > 0).map(([p, q]) => [p, q] as [number, number]).sort((a, b) => a[0] - b[0]);
    this.changed(prev);
  }

  private changed(prev: MockBook): void {
    const next = this.snapshot();
    if (diffSide(prev.bids, next.bids).length === 0 && diffSide(prev.asks, next.asks).length === 0) return;
    this.updateId++;
    for (const l of this.listeners) l(prev, next, this.updateId);
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
    const prev = this.snapshot();
    const levels = side === 'buy' ? this.asks : this.bids;
    for (const f of fills) {
      const level = levels.find(([p]) => p === f.price);
      if (level === undefined) continue;
      level[1] = clean(level[1] - f.qty);
    }
    const kept = levels.filter(([, q]) => q > 1e-12);
    if (side === 'buy') this.asks = kept;
    else this.bids = kept;
    this.changed(prev);
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
