/**
 * Order books generated from an instrument's mid at one step plus counter-based noise.
 *
 * Prices are whole ticks (integers), amounts whole lots, converted once to exact decimals,
 * so a level reads exactly like ccxt's parse of the venue's strings. Spread is one tick on
 * liquid coins and a few ticks/bps on small ones; gaps between levels are random; level
 * size grows away from the mid with log-normal noise, and total depth scales with the
 * coin's liquidity on that venue (BTC deep, small caps thin).
 */
import { stepsToNumber } from './decimal.js';
import { gauss, uniform } from './prng.js';
import type { SimInstrument } from './world.js';

export type Level = [price: number, amount: number];
/** A level with the venue's extra element (OKX: [px, sz, 0] as ccxt parses its 4-field levels). */
export type LevelWithExtra = [price: number, amount: number, extra: number];

export interface GeneratedBook<L extends Level | LevelWithExtra = Level> {
  readonly bids: L[];
  readonly asks: L[];
}

/**
 * Quote-currency depth per basis point of price near the mid, as a fraction of 24h volume,
 * by tier. Calibrated on the real Bybit books in /work/shared/data/tapes (BTC ~$1.6M within
 * 1 bp, ETH ~$4M within 5 bp, DOGE ~$250k within 10 bp, relative to their turnover).
 */
const DEPTH_PER_BP: readonly number[] = [4.5e-4, 2.7e-4, 1.8e-4, 1.35e-4];
/** Minimum spread in bps by tier (tier 1-2: one tick is enough). */
const MIN_SPREAD_BPS: readonly number[] = [0, 0, 1, 3];

export function generateBook(inst: SimInstrument, step: number, mid: number, quoteVolume24h: number, depth: number): GeneratedBook;
/** With `extra`, every level carries it as a third element (built in place, not copied after). */
export function generateBook(inst: SimInstrument, step: number, mid: number, quoteVolume24h: number, depth: number, extra: number): GeneratedBook<LevelWithExtra>;
export function generateBook(
  inst: SimInstrument,
  step: number,
  mid: number,
  quoteVolume24h: number,
  depth: number,
  extra?: number,
): GeneratedBook<Level | LevelWithExtra> {
  const spec = inst.spec;
  const key = inst.noiseKey;
  const tick = spec.priceStep.value;
  const lot = spec.amountStep.value;
  const tierIdx = spec.coin.tier - 1;
  const midTicks = mid / tick;
  const extraSpread = uniform(key, step, 1) < 0.2 + 0.15 * tierIdx ? 1 + Math.floor(uniform(key, step, 2) * (1 + tierIdx)) : 0;
  const minTicks = Math.ceil(((MIN_SPREAD_BPS[tierIdx] ?? 3) * 1e-4 * mid) / tick);
  const spreadTicks = Math.max(1, minTicks) + extraSpread;
  const bestBid = Math.floor(midTicks - spreadTicks / 2);
  const bestAsk = bestBid + spreadTicks;
  const usdPerBp = quoteVolume24h * (DEPTH_PER_BP[tierIdx] ?? 1.35e-4);
  const tickBps = (tick / mid) * 1e4;
  // Fine ticks leave holes between levels (BTC ~1.4 ticks per level), coarse ticks fill every one.
  const gapScale = 0.23 * Math.max(0, Math.log(0.5 / tickBps)) + 0.1 * tierIdx;
  // Converts a level's USD value to the market's amount unit.
  const usdToAmount =
    spec.amountUnit === 'quote' ? 1 : spec.amountUnit === 'contracts' ? 1 / (mid * spec.contractSize) : 1 / mid;

  const side = (sign: 1 | -1, first: number, laneBase: number): (Level | LevelWithExtra)[] => {
    const out: (Level | LevelWithExtra)[] = [];
    let ticks = first;
    for (let i = 0; i < depth; i++) {
      if (ticks <= 0) break;
      const gap =
        i === 0 ? 1 : 1 + Math.floor(-Math.log(uniform(key, step, laneBase + 8 * i)) * gapScale);
      if (i > 0) ticks += sign * gap;
      if (ticks <= 0) break;
      const distBps = Math.abs(ticks - midTicks) * tickBps;
      // Size grows with the distance from mid; the best level holds an extra resting quote.
      const shape = 0.25 + (1.2 * distBps) / (distBps + 10) + 0.002 * distBps;
      const noise = Math.exp(0.6 * gauss(key, step, laneBase + 8 * i + 1) - 0.18);
      let usd = usdPerBp * gap * tickBps * shape * noise;
      if (i === 0) usd += usdPerBp * 0.25 * Math.exp(0.7 * gauss(key, step, laneBase + 3) - 0.245);
      const lots = Math.max(spec.minAmountSteps, Math.round((usd * usdToAmount) / lot));
      const price = stepsToNumber(ticks, spec.priceStep);
      const amount = stepsToNumber(lots, spec.amountStep);
      out.push(extra === undefined ? [price, amount] : [price, amount, extra]);
    }
    return out;
  };
  // Lanes: 8 per level (gap, size noise, best-level extra); bids and asks interleave.
  return { bids: side(-1, bestBid, 100), asks: side(1, bestAsk, 104) };
}

/** Best bid and ask only (same numbers as the first level of the full book at this step). */
export function topOfBook(inst: SimInstrument, step: number, mid: number, quoteVolume24h: number): { bid: Level; ask: Level } {
  const b = generateBook(inst, step, mid, quoteVolume24h, 1);
  return { bid: b.bids[0] as Level, ask: b.asks[0] as Level };
}
