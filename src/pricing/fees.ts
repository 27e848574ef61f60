/**
 * Taker fees. A fee is rate × notional on every fill (accounting.md). For an inverse perp the
 * venue charges rate × notional / P in coin, which is worth rate × notional in USD at P, so as
 * a fraction of notional every leg type costs its plain rate.
 */

export interface LegFeeCost {
  /** Fee on the entry fill, in quote. */
  readonly entry: number;
  /** Fee on the exit fill, in quote. */
  readonly exit: number;
  readonly total: number;
}

function checkRate(taker: number): void {
  // Rebates make a negative rate legitimate; NaN (a missing fee) is not.
  if (!Number.isFinite(taker)) throw new RangeError(`taker fee rate must be a finite number, got ${taker}`);
}

function checkNotional(n: number, what: string): void {
  if (!(Number.isFinite(n) && n >= 0)) throw new RangeError(`${what} notional must be a finite number >= 0, got ${n}`);
}

/** Taker fee of one leg opened at `entryNotional` and closed at `exitNotional` (quote). */
export function takerFeeCost(taker: number, entryNotional: number, exitNotional: number): LegFeeCost {
  checkRate(taker);
  checkNotional(entryNotional, 'entry');
  checkNotional(exitNotional, 'exit');
  const entry = taker * entryNotional;
  const exit = taker * exitNotional;
  return { entry, exit, total: entry + exit };
}

/**
 * Entry + exit taker fees on both legs as a fraction of the notional, assuming each leg is
 * opened and closed at that notional: 2 × (spot taker + perp taker).
 */
export function roundTripTakerFraction(spotTaker: number, perpTaker: number): number {
  checkRate(spotTaker);
  checkRate(perpTaker);
  return 2 * (spotTaker + perpTaker);
}
