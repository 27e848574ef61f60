/**
 * How each venue turns the perp premium into the funding rate it quotes (pure math).
 *
 * The sim's latent variable is an 8h-equivalent premium `p`. Venues differ:
 * - Binance and Bybit add a clamped interest term, F = p + clamp(I − p, −band, band), so the
 *   rate sticks at I = 0.01%/8h whenever the premium is close to it (about half the time on
 *   BTC in 2023-24 data, /work/shared/data/funding-rates/cross-exchange-8h).
 * - OKX quotes the premium without sticking (no exact 0.01% in the same data).
 * - Deribit applies a ±0.025% dead band to the 8h premium, max(0.025%, p) + min(−0.025%, p),
 *   accrues it continuously and quotes the trailing 8h realised average.
 * Shorter intervals pay proportionally less per settlement: rate = F × hours / 8.
 */

export const INTEREST_8H = 0.0001;
export const STICKY_BAND_8H = 0.00005;
export const DERIBIT_DEAD_BAND = 0.00025;

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Binance/Bybit style 8h rate from an 8h premium. */
export function interestClampedRate(premium8h: number, interest8h = INTEREST_8H, band = STICKY_BAND_8H): number {
  return premium8h + clamp(interest8h - premium8h, -band, band);
}

/** Deribit's instantaneous 8h rate: zero inside the dead band, premium minus the band outside. */
export function deribitDeadBand(premium8h: number, band = DERIBIT_DEAD_BAND): number {
  return premium8h - clamp(premium8h, -band, band);
}

export type FundingStyle = 'interest-clamp' | 'premium' | 'dead-band';

/** The rate a venue quotes for one interval of `hours`, capped at ±cap per interval. */
export function quotedRate(style: FundingStyle, premium8h: number, hours: number, cap: number): number {
  const rate8h =
    style === 'interest-clamp'
      ? interestClampedRate(premium8h)
      : style === 'dead-band'
        ? deribitDeadBand(premium8h)
        : premium8h;
  return clamp((rate8h * hours) / 8, -cap, cap);
}

/** Next settlement strictly after `t` for an interval of `hours`, aligned to 00:00 UTC. */
export function nextSettlement(t: number, hours: number): number {
  const ms = hours * 3_600_000;
  return (Math.floor(t / ms) + 1) * ms;
}

/** Latest settlement at or before `t`. */
export function lastSettlement(t: number, hours: number): number {
  const ms = hours * 3_600_000;
  return Math.floor(t / ms) * ms;
}
