/**
 * The walks over checked levels in two spans (how a BookArena keeps a side) must give, bit for
 * bit, what a walk checking each level as it reads gives over the side in one piece: the levels
 * are checked once (checkLevelsInto) and the walk stops where the checking walk would have.
 */
import { describe, expect, it } from 'vitest';
import type { BookSide } from '../../src/domain/market.js';
import {
  BOOK_PROBLEMS,
  checkLevelsInto,
  newLevelCheck,
  newWalkState,
  walkInto,
  walkLevelsInto,
  type WalkState,
} from '../../src/pricing/depth.js';
import { newWalkMaxState, walkWithMaxInto, walkWithMaxLevelsInto } from '../../src/pricing/max-notional.js';
import { randomSide, rng } from '../support/random-books.js';

function side(levels: readonly (readonly [number, number])[]): BookSide {
  return { levels: Float64Array.from(levels.flat()), length: levels.length };
}

/** The walk as it was before levels were checked up front: checks each level it reads. */
function checkingWalk(levels: BookSide, buy: boolean, targetQuote: number, k: number, inQuote: boolean): WalkState {
  let q = 0;
  let b = 0;
  let used = 0;
  let complete = targetQuote === 0;
  let filledInLevel = false;
  let problem: string | null = null;
  let prev = buy ? 0 : Infinity;
  const lv = levels.levels;
  for (let i = 0; i < levels.length && !complete; i++) {
    const p = lv[2 * i] as number;
    const a = lv[2 * i + 1] as number;
    if (!(p > 0 && p < Infinity && a >= 0 && a < Infinity)) {
      problem = BOOK_PROBLEMS.badLevel;
      break;
    }
    if (buy ? p < prev : p > prev) {
      problem = BOOK_PROBLEMS.unsorted;
      break;
    }
    prev = p;
    const lq = inQuote ? a * k : a * k * p;
    if (lq === 0) continue;
    used++;
    const need = targetQuote - q;
    if (lq >= need) {
      b += need / p;
      filledInLevel = true;
      complete = true;
    } else {
      q += lq;
      b += inQuote ? lq / p : a * k;
    }
  }
  return { quote: filledInLevel ? targetQuote : q, base: b, levelsUsed: used, complete, problem };
}

describe('checkLevelsInto: how far a walk may read', () => {
  const rows: { name: string; levels: [number, number][]; buy: boolean; valid: number; problem: string | null }[] = [
    { name: 'empty side', levels: [], buy: true, valid: 0, problem: null },
    { name: 'all good asks', levels: [[100, 1], [100, 2], [101, 0]], buy: true, valid: 3, problem: null },
    { name: 'all good bids', levels: [[99, 1], [98, 2]], buy: false, valid: 2, problem: null },
    { name: 'asks out of order at 2', levels: [[100, 1], [101, 1], [100.5, 1]], buy: true, valid: 2, problem: BOOK_PROBLEMS.unsorted },
    { name: 'bids out of order at 1', levels: [[99, 1], [99.5, 1]], buy: false, valid: 1, problem: BOOK_PROBLEMS.unsorted },
    { name: 'NaN price first', levels: [[Number.NaN, 1], [100, 1]], buy: true, valid: 0, problem: BOOK_PROBLEMS.badLevel },
    { name: 'negative amount at 1', levels: [[100, 1], [101, -1]], buy: true, valid: 1, problem: BOOK_PROBLEMS.badLevel },
    { name: 'infinite amount at 1', levels: [[100, 1], [101, Infinity]], buy: true, valid: 1, problem: BOOK_PROBLEMS.badLevel },
    { name: 'zero price', levels: [[0, 1]], buy: false, valid: 0, problem: BOOK_PROBLEMS.badLevel },
    { name: 'bad level wins over order on the same level', levels: [[100, 1], [99, Number.NaN]], buy: true, valid: 1, problem: BOOK_PROBLEMS.badLevel },
  ];
  it.each(rows)('$name', ({ levels, buy, valid, problem }) => {
    const c = newLevelCheck();
    const s = side(levels);
    checkLevelsInto(c, s.levels, 0, s.length, buy);
    expect(c).toEqual({ valid, problem });
  });

  it('reads from an offset, only `count` levels', () => {
    const c = newLevelCheck();
    const lv = Float64Array.from([-1, -1, 100, 1, 101, 1, -5, -5]);
    checkLevelsInto(c, lv, 2, 2, true);
    expect(c).toEqual({ valid: 2, problem: null });
  });
});

/** Object.is per field: bit-identical numbers (toEqual would let -0 and 0 pass). */
function same(a: object, b: object, label: string): void {
  for (const key of Object.keys(b)) {
    const x = (a as Record<string, unknown>)[key];
    const y = (b as Record<string, unknown>)[key];
    if (!Object.is(x, y)) throw new Error(`${label}: ${key} ${String(x)} vs ${String(y)}`);
  }
}

describe('walks over checked levels equal walks checking as they read', () => {
  it('walkInto (levels checked up front) equals the checking walk, on random sides', () => {
    const r = rng(11);
    for (let n = 0; n < 3000; n++) {
      const c = randomSide(r);
      const st = newWalkState();
      walkInto(st, c.levels, c.buy, c.target, c.k, c.inQuote);
      same(st, checkingWalk(c.levels, c.buy, c.target, c.k, c.inQuote), `case ${n}`);
    }
  });

  it('split into a head and a tail anywhere, far apart in one buffer: the same to the bit', () => {
    const r = rng(23);
    let compared = 0;
    for (let n = 0; n < 400; n++) {
      const c = randomSide(r);
      const count = c.levels.length;
      const whole = newWalkState();
      walkInto(whole, c.levels, c.buy, c.target, c.k, c.inQuote);
      const wholeMax = newWalkMaxState();
      walkWithMaxInto(wholeMax, c.levels, c.buy, c.target, c.k, c.inQuote, c.limit);
      const check = newLevelCheck();
      checkLevelsInto(check, c.levels.levels, 0, count, c.buy);
      for (let head = Math.min(1, count); head <= count; head++) {
        // Junk around both spans: a walk reading past its span would see it.
        const headAt = 6;
        const tailAt = headAt + 2 * head + 10;
        const lv = new Float64Array(tailAt + 2 * (count - head) + 6).fill(-7);
        lv.set(c.levels.levels.subarray(0, 2 * head), headAt);
        lv.set(c.levels.levels.subarray(2 * head, 2 * count), tailAt);
        const headValid = Math.min(head, check.valid);
        const tailValid = Math.max(0, check.valid - head);
        const st = newWalkState();
        walkLevelsInto(st, lv, headAt, headValid, tailAt, tailValid, check.problem, c.target, c.k, c.inQuote);
        same(st, whole, `case ${n} head ${head}`);
        const mx = newWalkMaxState();
        walkWithMaxLevelsInto(mx, lv, headAt, headValid, tailAt, tailValid, check.problem, c.buy, c.target, c.k, c.inQuote, c.limit);
        same(mx, wholeMax, `case ${n} head ${head} (with max)`);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(2000);
  });

  it('hand case: a fill that ends in the tail, and a bad level the walk never reaches', () => {
    // Asks 100 × 1, 101 × 1 (head) | 102 × 10, NaN (tail): 250 quote fills in the tail.
    const lv = Float64Array.from([100, 1, 101, 1, -1, -1, 102, 10, Number.NaN, 1]);
    const st = newWalkState();
    walkLevelsInto(st, lv, 0, 2, 6, 1, BOOK_PROBLEMS.badLevel, 250, 1, false);
    expect(st).toMatchObject({ quote: 250, complete: true, levelsUsed: 3, problem: null });
    expect(st.base).toBeCloseTo(2 + 49 / 102, 12);
    // 5,000 quote needs more than the three good levels (1,221): stopped at the bad one.
    walkLevelsInto(st, lv, 0, 2, 6, 1, BOOK_PROBLEMS.badLevel, 5_000, 1, false);
    expect(st).toMatchObject({ quote: 1221, complete: false, problem: BOOK_PROBLEMS.badLevel });
  });
});
