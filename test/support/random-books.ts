/**
 * Reproducible random book sides for the walk tests: unit models (base, quote, contracts),
 * zero-size levels, equal prices and the odd malformed level (NaN price, negative amount, a level
 * out of order), so equivalence tests between walks cover what a venue can send.
 */
import type { BookSide } from '../../src/domain/market.js';

/** mulberry32, for reproducible random books. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RandomSide {
  readonly levels: BookSide;
  readonly buy: boolean;
  readonly target: number;
  readonly k: number;
  readonly inQuote: boolean;
  readonly limit: number;
}

/** Sides with unit models, zero-size levels, equal prices and the odd malformed level. */
export function randomSide(r: () => number): RandomSide {
  const buy = r() < 0.5;
  const mid = Math.exp((r() - 0.5) * 20);
  const tick = mid * (r() < 0.5 ? 1e-6 : 1e-4);
  const count = Math.floor(r() * 40);
  const flat: number[] = [];
  let p = buy ? mid + tick : mid - tick;
  for (let i = 0; i < count; i++) {
    let amount = r() < 0.1 ? 0 : Math.exp(r() * 8) / (r() < 0.5 ? mid : 1);
    let price = p;
    const fault = r();
    if (fault < 0.01) price = Number.NaN;
    else if (fault < 0.02) amount = -1;
    else if (fault < 0.03) price = buy ? p - 3 * tick : p + 3 * tick;
    flat.push(price, amount);
    const step = r() < 0.2 ? 0 : Math.ceil(r() * 3) * tick;
    p = buy ? p + step : p - step;
  }
  const inQuote = r() < 0.3;
  return {
    levels: { levels: Float64Array.from(flat), length: count },
    buy,
    target: r() < 0.05 ? 0 : Math.exp(r() * 12),
    k: (inQuote ? [1, 10, 100] : [1, 0.01, 0.001])[Math.floor(r() * 3)] as number,
    inQuote,
    limit: buy ? mid * (1 + r() * 0.01) : mid * (1 - r() * 0.01),
  };
}
