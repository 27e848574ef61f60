/**
 * Exact decimal values without float drift.
 *
 * Venues send decimal strings and ccxt turns them into numbers with parseFloat. To give the
 * same numbers, the sim keeps every price and amount as an integer count of 10^-e units and
 * divides once: `n / 10^e` is the correctly rounded double of the decimal n·10^-e, which is
 * exactly what parseFloat returns for its string. So `info` strings and unified numbers
 * always agree, and 0.1 + 0.2 noise never shows up in a book level.
 */

const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

export function pow10(e: number): number {
  const p = POW10[e];
  if (p === undefined) throw new RangeError(`decimal exponent out of range: ${e}`);
  return p;
}

/** A grid step (tick or lot) as `mantissa · 10^-exp`, e.g. 0.005 = 5·10^-3. */
export interface DecimalStep {
  readonly mantissa: number;
  readonly exp: number;
  /** The step as a number (= mantissa / 10^exp). */
  readonly value: number;
  /** The step as the venue prints it. */
  readonly text: string;
}

export function parseStep(text: string): DecimalStep {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new Error(`bad decimal step: ${text}`);
  const dot = text.indexOf('.');
  const exp = dot < 0 ? 0 : text.length - dot - 1;
  const mantissa = Number(text.replace('.', ''));
  if (!(mantissa > 0)) throw new Error(`step must be positive: ${text}`);
  return { mantissa, exp, value: mantissa / pow10(exp), text };
}

/** The number `n` steps represent, exactly as parseFloat would read it. */
export function stepsToNumber(n: number, step: DecimalStep): number {
  return (n * step.mantissa) / pow10(step.exp);
}

/** Integer `units` of 10^-exp printed with exactly `decimals` (>= exp) decimals, e.g. (651143, 1, 2) → "65114.30". */
export function formatUnits(units: number, exp: number, decimals: number = exp): string {
  // Fast path: below 2^52 units the double nearest units·10^-exp prints back exactly.
  if (decimals >= exp && decimals <= 20 && Math.abs(units) * pow10(decimals - exp) < 4503599627370496) {
    return (units / pow10(exp)).toFixed(decimals);
  }
  const neg = units < 0;
  let digits = String(Math.abs(units));
  if (decimals > exp) digits += '0'.repeat(decimals - exp);
  else if (decimals < exp) throw new RangeError(`cannot print 10^-${exp} units with ${decimals} decimals`);
  let out: string;
  if (decimals === 0) out = digits;
  else {
    if (digits.length <= decimals) digits = '0'.repeat(decimals - digits.length + 1) + digits;
    out = `${digits.slice(0, digits.length - decimals)}.${digits.slice(digits.length - decimals)}`;
  }
  return neg && units !== 0 ? `-${out}` : out;
}

/** `n` steps printed with `decimals` decimals (default: the step's own). */
export function formatSteps(n: number, step: DecimalStep, decimals: number = step.exp): string {
  return formatUnits(n * step.mantissa, step.exp, decimals);
}

/** A real number rounded to `decimals` places: its units, number and text agree exactly. */
export interface Rounded {
  readonly units: number;
  readonly value: number;
  readonly text: string;
}

export function roundTo(x: number, decimals: number): Rounded {
  const p = pow10(decimals);
  const units = Math.round(x * p);
  return { units, value: units / p, text: formatUnits(units, decimals) };
}

/** Just the number of `roundTo`, without building the string. */
export function roundValue(x: number, decimals: number): number {
  const p = pow10(decimals);
  return Math.round(x * p) / p;
}

/** Number of decimals of a step written as text ("0.010" → 3). */
export function decimalsOf(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** ISO-8601 like ccxt's iso8601(): always milliseconds and Z. */
export function iso8601(ms: number): string {
  return new Date(ms).toISOString();
}
