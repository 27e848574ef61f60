/**
 * Funding-rate normalisation. Venues quote a rate per interval (1h, 4h, 8h, Deribit's
 * continuous 8h-quoted rate); comparing raw rates across intervals is the classic mistake
 * (hummingbot #7603), so every comparison goes through the per-hour rate.
 */

export const HOURS_PER_YEAR = 24 * 365;

function checkInterval(intervalHours: number): void {
  if (!(Number.isFinite(intervalHours) && intervalHours > 0)) {
    throw new RangeError(`funding interval must be a positive number of hours, got ${intervalHours}`);
  }
}

function checkRate(rate: number): void {
  if (!Number.isFinite(rate)) throw new RangeError(`funding rate must be a finite number, got ${rate}`);
}

/** Rate per hour of a rate quoted for one interval of `intervalHours`. Signed. */
export function ratePerHour(rate: number, intervalHours: number): number {
  checkRate(rate);
  checkInterval(intervalHours);
  return rate / intervalHours;
}

/** rate × (24 / intervalHours) × 365: simple, not compounded (accounting.md). Signed. */
export function grossApr(rate: number, intervalHours: number): number {
  checkRate(rate);
  checkInterval(intervalHours);
  return rate * (24 / intervalHours) * 365;
}

/**
 * Funding as a fraction of notional over `hours` at a constant rate: rate × hours / interval.
 * Pro rata, so it is exact for continuous (Deribit) funding and an expectation for discrete
 * settlements (a position held across fewer settlements earns less).
 */
export function expectedFundingFraction(rate: number, intervalHours: number, hours: number): number {
  checkRate(rate);
  checkInterval(intervalHours);
  if (!(Number.isFinite(hours) && hours >= 0)) throw new RangeError(`hours must be >= 0, got ${hours}`);
  return (rate * hours) / intervalHours;
}
