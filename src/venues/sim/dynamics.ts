/**
 * The sim's stochastic model: parameters and the one-step transition (pure functions).
 *
 * Per coin: a log price driven by a common market factor plus its own noise and rare
 * jumps (GBM-like); a funding "sentiment" F that mean-reverts (Ornstein-Uhlenbeck) to a
 * regime level R which jumps to a new level now and then (calm ~0.01%/8h, elevated,
 * negative stretches, spikes past 0.1%); a log-volume factor. Per perp: a venue-specific
 * premium G around F, a mark-vs-index basis pulled toward the premium, an index deviation.
 * Per spot: a small deviation of the venue's spot from the common price. Magnitudes are
 * calibrated on the funding data in /work/shared/data (sd ≈ 0.0001/8h on BTC, negative
 * about 10% of the time, spikes to 0.001+).
 */
import { gauss, uniform } from './prng.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
const YEAR_MS = 365 * DAY_MS;

/** Funding swings grow as coins get smaller (tier 1..4). */
export const TIER_MULT: readonly number[] = [1, 1.6, 2.2, 3];

export function tierMult(tier: number): number {
  return TIER_MULT[tier - 1] ?? 3;
}

/** Exact OU discretisation: x' = mu + (x − mu)·a + sd·s·z with a = e^{−θdt}, s = √(1 − a²). */
export interface OuStep {
  readonly a: number;
  readonly s: number;
}

export function ouStep(stepMs: number, halfLifeMs: number): OuStep {
  const a = Math.exp((-Math.LN2 * stepMs) / halfLifeMs);
  return { a, s: Math.sqrt(1 - a * a) };
}

/**
 * Regime odds by tier: [calm, elevated, negative, spike]; BTC-like coins sit near the
 * interest rate most of the time, small caps swing and go negative more often.
 */
const REGIME_ODDS: ReadonlyArray<readonly [number, number, number, number]> = [
  [0.6, 0.24, 0.11, 0.05],
  [0.5, 0.24, 0.17, 0.09],
  [0.45, 0.22, 0.21, 0.12],
  [0.42, 0.22, 0.23, 0.13],
];

/** Draw a new funding regime level (8h-equivalent) for a coin of the given tier. */
export function drawRegime(key: number, counter: number, tier: number): number {
  const m = tierMult(tier);
  const odds = REGIME_ODDS[tier - 1] ?? REGIME_ODDS[3]!;
  const u = uniform(key, counter, 20);
  const v = uniform(key, counter, 21);
  if (u < odds[0]) return 0.0001 + 0.00002 * m * (2 * v - 1); // calm, around the interest rate
  if (u < odds[0] + odds[1]) return 0.0001 + m * (0.0001 + 0.0005 * v); // elevated: longs pay
  if (u < odds[0] + odds[1] + odds[2]) return -m * (0.00002 + 0.00025 * v); // negative stretch: shorts pay
  const sign = uniform(key, counter, 22) < 0.75 ? 1 : -1;
  return sign * m * (0.0008 + 0.0012 * v); // spike
}

/** Per-coin constants for the transition. */
export interface CoinParams {
  readonly key: number;
  readonly tier: number;
  /** σ·√dt and −σ²dt/2 for the log price. */
  readonly volStep: number;
  readonly drift: number;
  readonly beta: number;
  readonly idio: number;
  /** Probability per step of a price jump, and its standard deviation (log). */
  readonly jumpProb: number;
  readonly jumpSd: number;
  /** Probability per step of a regime change. */
  readonly regimeProb: number;
  readonly sentiment: OuStep;
  readonly sentimentSd: number;
  readonly volume: OuStep;
  readonly volumeSd: number;
}

export function coinParams(key: number, tier: number, vol: number, beta: number, stepMs: number): CoinParams {
  const dtYears = stepMs / YEAR_MS;
  const m = tierMult(tier);
  return {
    key,
    tier,
    volStep: vol * Math.sqrt(dtYears),
    drift: -0.5 * vol * vol * dtYears,
    beta,
    idio: Math.sqrt(Math.max(0, 1 - beta * beta)),
    jumpProb: stepMs / (2 * DAY_MS),
    jumpSd: 0.5 * vol * Math.sqrt(1 / 365),
    regimeProb: stepMs / ((tier <= 1 ? 3 : 2) * DAY_MS),
    sentiment: ouStep(stepMs, 6 * HOUR_MS),
    sentimentSd: 0.00003 * m,
    volume: ouStep(stepMs, 2 * DAY_MS),
    volumeSd: 0.35,
  };
}

/** Venue factor on the venue-specific premium noise (Deribit's premium is the noisiest). */
export const VENUE_PREMIUM_MULT: Readonly<Record<string, number>> = { binance: 1, bybit: 1.15, okx: 1.7, deribit: 12 };

export interface PerpParams {
  readonly key: number;
  readonly premium: OuStep;
  readonly premiumSd: number;
  readonly basis: OuStep;
  readonly basisSd: number;
  readonly index: OuStep;
  readonly indexSd: number;
}

export function perpParams(key: number, tier: number, venue: string, stepMs: number): PerpParams {
  const m = tierMult(tier);
  return {
    key,
    premium: ouStep(stepMs, 3 * HOUR_MS),
    premiumSd: 0.00002 * m * (VENUE_PREMIUM_MULT[venue] ?? 1),
    basis: ouStep(stepMs, 15 * 60_000),
    basisSd: 0.00015 * m,
    index: ouStep(stepMs, 5 * 60_000),
    indexSd: 0.00004,
  };
}

export interface SpotParams {
  readonly key: number;
  readonly dev: OuStep;
  readonly devSd: number;
}

export function spotParams(key: number, tier: number, stepMs: number): SpotParams {
  return { key, dev: ouStep(stepMs, 5 * 60_000), devSd: 0.00008 * tierMult(tier) };
}

/** The perp's mark-vs-index basis is pulled toward its funding premium over the interest rate. */
export function basisTarget(premium8h: number): number {
  return premium8h - 0.0001;
}

/** Coin slots: log price, sentiment F, regime R, log-volume factor. */
export const COIN_LOGP = 0;
export const COIN_F = 1;
export const COIN_R = 2;
export const COIN_V = 3;

/**
 * Advance one coin from step k-1 to k. `market` is the step's common factor draw.
 * Returns nothing: writes into `st` at `off`.
 */
export function stepCoin(st: Float64Array, off: number, p: CoinParams, k: number, market: number): void {
  const zPrice = p.beta * market + p.idio * gauss(p.key, k, 0);
  const zF = gauss(p.key, k, 1);
  let logP = (st[off + COIN_LOGP] as number) + p.drift + p.volStep * zPrice;
  if (uniform(p.key, k, 4) < p.jumpProb) logP += p.jumpSd * gauss(p.key, k, 6);
  st[off + COIN_LOGP] = logP;
  let r = st[off + COIN_R] as number;
  if (uniform(p.key, k, 5) < p.regimeProb) {
    r = drawRegime(p.key, k, p.tier);
    st[off + COIN_R] = r;
  }
  const f = st[off + COIN_F] as number;
  st[off + COIN_F] = r + (f - r) * p.sentiment.a + p.sentimentSd * p.sentiment.s * zF;
  const v = st[off + COIN_V] as number;
  st[off + COIN_V] = v * p.volume.a + p.volumeSd * p.volume.s * gauss(p.key, k, 2);
}

/** Perp slots: venue premium G (around F), basis, index deviation. */
export const PERP_G = 0;
export const PERP_BASIS = 1;
export const PERP_INDEX = 2;

export function stepPerp(st: Float64Array, off: number, p: PerpParams, k: number, sentiment: number): void {
  const g = (st[off + PERP_G] as number) * p.premium.a + p.premiumSd * p.premium.s * gauss(p.key, k, 0);
  st[off + PERP_G] = g;
  const target = basisTarget(sentiment + g);
  const b = st[off + PERP_BASIS] as number;
  st[off + PERP_BASIS] = target + (b - target) * p.basis.a + p.basisSd * p.basis.s * gauss(p.key, k, 1);
  st[off + PERP_INDEX] = (st[off + PERP_INDEX] as number) * p.index.a + p.indexSd * p.index.s * gauss(p.key, k, 2);
}

export function stepSpot(st: Float64Array, off: number, p: SpotParams, k: number): void {
  st[off] = (st[off] as number) * p.dev.a + p.devSd * p.dev.s * gauss(p.key, k, 0);
}
