/**
 * The coins of the sim world and their hand-picked traits.
 *
 * The first twelve carry real-looking specs per venue (venue-specs.ts); the rest exist for
 * benchmarks (`bases` up to ~100) and get traits derived from a hash of their name, so a
 * coin keeps its character whatever the world size.
 */
import { hashString } from './prng.js';

export interface CoinTraits {
  readonly base: string;
  /** Starting price in USD (the seed moves it by a few tens of percent). */
  readonly price: number;
  /** Annualised volatility of the log price. */
  readonly vol: number;
  /** Correlation of its returns with the market factor (BTC is the market). */
  readonly beta: number;
  /** 1 = BTC/ETH, 2 = large caps, 3 = mid caps, 4 = small caps. Drives spreads, depth and funding swings. */
  readonly tier: 1 | 2 | 3 | 4;
  /** Typical 24h perp volume on the deepest venue, USD. */
  readonly liquidityUsd: number;
}

export const MAJOR_COINS: readonly CoinTraits[] = [
  { base: 'BTC', price: 91_000, vol: 0.5, beta: 1, tier: 1, liquidityUsd: 15e9 },
  { base: 'ETH', price: 3_100, vol: 0.65, beta: 0.85, tier: 1, liquidityUsd: 10e9 },
  { base: 'SOL', price: 135, vol: 0.8, beta: 0.8, tier: 2, liquidityUsd: 3e9 },
  { base: 'XRP', price: 2.05, vol: 0.8, beta: 0.7, tier: 2, liquidityUsd: 2e9 },
  { base: 'DOGE', price: 0.142, vol: 0.9, beta: 0.75, tier: 2, liquidityUsd: 1.5e9 },
  { base: 'BNB', price: 880, vol: 0.5, beta: 0.7, tier: 2, liquidityUsd: 5e8 },
  { base: 'ADA', price: 0.41, vol: 0.85, beta: 0.75, tier: 3, liquidityUsd: 4e8 },
  { base: 'AVAX', price: 13.6, vol: 0.9, beta: 0.75, tier: 3, liquidityUsd: 3e8 },
  { base: 'LINK', price: 13.9, vol: 0.85, beta: 0.75, tier: 3, liquidityUsd: 3.5e8 },
  { base: 'LTC', price: 82, vol: 0.7, beta: 0.7, tier: 3, liquidityUsd: 2.5e8 },
  { base: 'DOT', price: 2.1, vol: 0.85, beta: 0.7, tier: 4, liquidityUsd: 1.5e8 },
  { base: 'TRX', price: 0.285, vol: 0.45, beta: 0.5, tier: 4, liquidityUsd: 1e8 },
];

/** Further real tickers for large benchmark worlds; traits come from `syntheticTraits`. */
const MORE_BASES: readonly string[] = [
  'TON', 'BCH', 'NEAR', 'UNI', 'APT', 'ICP', 'FIL', 'ETC', 'ATOM', 'ARB', 'OP', 'SUI', 'INJ', 'SEI',
  'TIA', 'STX', 'IMX', 'HBAR', 'XLM', 'VET', 'ALGO', 'AAVE', 'LDO', 'RUNE', 'GRT', 'SAND', 'MANA',
  'AXS', 'EGLD', 'THETA', 'XTZ', 'EOS', 'FLOW', 'CHZ', 'CRV', 'DYDX', 'GMX', 'SNX', 'COMP', 'ENS',
  'KAVA', 'ZEC', 'DASH', 'NEO', 'QTUM', 'IOTA', 'ZIL', 'ONE', 'CELO', 'KSM', 'MINA', 'ROSE', 'WLD',
  'JUP', 'PYTH', 'JTO', 'ORDI', 'BLUR', 'PENDLE', 'ENA', 'ETHFI', 'STRK', 'ZK', 'ZRO', 'WIF', 'ONDO',
  'TAO', 'RENDER', 'FET', 'AR', 'GALA', 'APE', 'CFX', 'ICX', 'ANKR', 'SKL', 'STORJ', 'WOO', 'LRC',
  'SUSHI', 'YFI', 'BAT', 'ENJ', 'HOT', 'IOST', 'RVN', 'SXP', 'OGN', 'MASK', 'CAKE',
];

export const MAX_BASES = MAJOR_COINS.length + MORE_BASES.length;

/** Traits of a benchmark coin, a pure function of its name. */
export function syntheticTraits(base: string): CoinTraits {
  const h = hashString(base);
  const u1 = (h & 0xffff) / 65536;
  const u2 = (h >>> 16) / 65536;
  // Prices spread log-uniformly over 0.05 .. 500 USD.
  const price = Number((0.05 * 10 ** (4 * u1)).toPrecision(4));
  return {
    base,
    price,
    vol: 0.8 + 0.5 * u2,
    beta: 0.6 + 0.2 * u1,
    tier: u2 < 0.3 ? 3 : 4,
    liquidityUsd: Math.round(2e7 + 2e8 * u2 * u2),
  };
}

/** The coins of a world: `bases` = a count (first N) or explicit names. */
export function selectCoins(bases: number | readonly string[] | undefined): readonly CoinTraits[] {
  const all = (name: string): CoinTraits => MAJOR_COINS.find((c) => c.base === name) ?? syntheticTraits(name);
  if (bases === undefined) return MAJOR_COINS;
  if (typeof bases === 'number') {
    if (!Number.isInteger(bases) || bases < 1 || bases > MAX_BASES) {
      throw new RangeError(`sim bases must be an integer in 1..${MAX_BASES}, got ${bases}`);
    }
    return [...MAJOR_COINS, ...MORE_BASES.map(syntheticTraits)].slice(0, bases);
  }
  const seen = new Set<string>();
  for (const b of bases) {
    if (!/^[A-Z0-9]{1,12}$/.test(b)) throw new RangeError(`sim base must be an upper-case ticker, got "${b}"`);
    if (seen.has(b)) throw new RangeError(`sim base listed twice: ${b}`);
    seen.add(b);
  }
  return bases.map(all);
}
