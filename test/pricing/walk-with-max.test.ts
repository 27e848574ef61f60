/**
 * walkWithMaxInto replaces walkInto + maxNotionalInto on the entry side in the ranker: it must
 * give exactly (bit for bit) what the two separate walks give, on any side, including the
 * malformed ones and where one walk ends before the other.
 */
import { describe, expect, it } from 'vitest';
import type { BookSide } from '../../src/domain/market.js';
import { BOOK_PROBLEMS, newWalkState, walkInto } from '../../src/pricing/depth.js';
import { maxNotionalInto, newMaxNotionalState, newWalkMaxState, walkWithMaxInto } from '../../src/pricing/max-notional.js';
import { randomSide, rng, type RandomSide } from '../support/random-books.js';

/** A side and what to walk on it: the shape the random sides come in. */
type Case = RandomSide;

/** The two walks run separately: the reference the fused walk must equal. */
function separate(c: Case) {
  const w = newWalkState();
  walkInto(w, c.levels, c.buy, c.target, c.k, c.inQuote);
  const m = newMaxNotionalState();
  maxNotionalInto(m, c.levels, c.buy, c.k, c.inQuote, c.limit);
  return {
    quote: w.quote,
    base: w.base,
    complete: w.complete,
    walkProblem: w.problem,
    notional: m.notional,
    bookLimited: m.bookLimited,
    maxProblem: m.problem,
  };
}

function fused(c: Case) {
  const st = newWalkMaxState();
  walkWithMaxInto(st, c.levels, c.buy, c.target, c.k, c.inQuote, c.limit);
  return { ...st };
}

function side(levels: readonly (readonly [number, number])[]): BookSide {
  return { levels: Float64Array.from(levels.flat()), length: levels.length };
}

// Asks (buy) 100.05 × 200, 100.25 × 1,000 around mid 100; limit 100.1 = 10 bps.
const ASKS = side([
  [100.05, 200],
  [100.25, 1000],
]);

describe('walkWithMaxInto equals walkInto + maxNotionalInto', () => {
  it('hand case: entry inside level 1, cap crossed in level 2', () => {
    const c: Case = { levels: ASKS, buy: true, target: 10_000, k: 1, inQuote: false, limit: 100.1 };
    const r = fused(c);
    expect(r).toEqual(separate(c));
    // 10,000 at 100.05; cap N = 100.1 × (100.25 × 200 − 20,010) / 0.15 (max-notional.test.ts)
    expect(r.complete).toBe(true);
    expect(r.quote / r.base).toBeCloseTo(100.05, 10);
    expect(r.notional).toBeCloseTo((100.1 * 40) / 0.15, 6);
    expect(r.bookLimited).toBe(false);
  });

  it('entry needs more levels than the cap allows (thin for the notional)', () => {
    const c: Case = { levels: ASKS, buy: true, target: 100_000, k: 1, inQuote: false, limit: 100.1 };
    const r = fused(c);
    expect(r).toEqual(separate(c));
    expect(r.complete).toBe(true);
    expect(r.notional).toBeLessThan(100_000);
  });

  it('side exhausted before both answers: entry incomplete, cap book-limited', () => {
    const c: Case = { levels: ASKS, buy: true, target: 1e9, k: 1, inQuote: false, limit: 1000 };
    const r = fused(c);
    expect(r).toEqual(separate(c));
    expect(r.complete).toBe(false);
    expect(r.bookLimited).toBe(true);
  });

  it('a malformed level after the entry fill but before the cap is a max-notional problem only', () => {
    const levels = side([
      [100.05, 200],
      [100.06, Number.NaN],
    ]);
    const c: Case = { levels, buy: true, target: 10_000, k: 1, inQuote: false, limit: 100.1 };
    const r = fused(c);
    expect(r).toEqual(separate(c));
    expect(r.walkProblem).toBeNull();
    expect(r.maxProblem).toBe(BOOK_PROBLEMS.badLevel);
  });

  it('an unsorted level before the entry fill is a problem for both', () => {
    const levels = side([
      [100.05, 1],
      [100.0, 1000],
    ]);
    const c: Case = { levels, buy: true, target: 10_000, k: 1, inQuote: false, limit: 100.1 };
    const r = fused(c);
    expect(r).toEqual(separate(c));
    expect(r.walkProblem).toBe(BOOK_PROBLEMS.unsorted);
    expect(r.maxProblem).toBe(BOOK_PROBLEMS.unsorted);
  });

  it('a malformed level past both answers is never read, as by the separate walks', () => {
    const levels = side([
      [100.05, 200],
      [100.25, 1000],
      [-1, 1],
    ]);
    const c: Case = { levels, buy: true, target: 10_000, k: 1, inQuote: false, limit: 100.1 };
    const r = fused(c);
    expect(r).toEqual(separate(c));
    expect(r.walkProblem).toBeNull();
    expect(r.maxProblem).toBeNull();
  });

  it('a zero target: complete with nothing filled, the cap still solved', () => {
    const c: Case = { levels: ASKS, buy: true, target: 0, k: 1, inQuote: false, limit: 100.1 };
    const r = fused(c);
    expect(r).toEqual(separate(c));
    expect(r.complete).toBe(true);
    expect(r.quote).toBe(0);
  });

  it('an empty side', () => {
    const c: Case = { levels: side([]), buy: false, target: 10, k: 1, inQuote: false, limit: 99.9 };
    expect(fused(c)).toEqual(separate(c));
  });

  it('random sides (units, zero-size levels, equal prices, malformed levels): identical to the bit', () => {
    const r = rng(7);
    let checked = 0;
    for (let n = 0; n < 3000; n++) {
      const c: Case = randomSide(r);
      const a = fused(c);
      const b = separate(c);
      // Object.is per field: bit-identical numbers (toEqual would let -0 and 0 pass).
      for (const key of Object.keys(b) as (keyof typeof b)[]) {
        if (!Object.is(a[key], b[key])) throw new Error(`case ${n}: ${key} ${String(a[key])} vs ${String(b[key])}`);
      }
      checked++;
    }
    expect(checked).toBe(3000);
  });
});
