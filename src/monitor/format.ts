/**
 * Numbers in alert texts: what a person reads on a phone. Fixed 'en-US' grouping so a message
 * reads the same on every host; the exact values travel in `data`.
 */

/** Decimal places of a decimal step (0.001 → 3, 10 → 0); 8 for a step that is not decimal. */
export function stepDecimals(step: number): number {
  for (let d = 0, scale = 1; d <= 12; d++, scale *= 10) {
    const scaled = step * scale;
    if (Math.abs(scaled - Math.round(scaled)) <= 1e-9 * Math.max(1, Math.abs(scaled))) return d;
  }
  return 8;
}

// Intl formatters are costly to build and the monitor formats on every tick: one per precision.
const upTo = new Map<number, Intl.NumberFormat>();
const twoPlaces = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: true });

/** `x` with at most `decimals` places, trailing zeros dropped, thousands grouped: 4,000 / 0.012. */
export function formatNumber(x: number, decimals: number): string {
  if (!Number.isFinite(x)) return String(x);
  const d = Math.max(0, Math.min(20, decimals));
  let f = upTo.get(d);
  if (!f) upTo.set(d, (f = new Intl.NumberFormat('en-US', { maximumFractionDigits: d, useGrouping: true })));
  const s = f.format(x);
  return s === '-0' ? '0' : s;
}

/** An amount on a lot of `step`, printed with the lot's precision. */
export function formatOnStep(x: number, step: number): string {
  return formatNumber(x, stepDecimals(step));
}

/** A price or money amount: 2 places from 1 up (5.00, 66,334.99), 4 significant digits below (a 0.0001 coin price). */
export function formatPrice(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1) return twoPlaces.format(x);
  return x === 0 ? '0' : String(Number(x.toPrecision(4)));
}

/** A base quantity (coins): up to 8 places, as wallets show them. */
export function formatQty(x: number): string {
  return formatNumber(x, 8);
}

/** Share as a percentage with one decimal: 0.0909 → "9.1%". */
export function formatPct(share: number, decimals = 1): string {
  return `${formatNumber(share * 100, decimals)}%`;
}

/** A signed share as a percentage: +9.1% / −3.0%. */
export function formatSignedPct(share: number, decimals = 1): string {
  const s = formatPct(Math.abs(share), decimals);
  return share < 0 ? `-${s}` : `+${s}`;
}

/** Basis points with one decimal: 0.00123 → "12.3 bps". */
export function formatBps(bps: number): string {
  return `${formatNumber(bps, 1)} bps`;
}

/** A clock time as "2026-08-09 16:00 UTC" (minutes: funding settles on the minute). */
export function formatUtc(ts: number): string {
  const iso = new Date(ts).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** First letter upper-case: an action text ("sell 400 …") opening a sentence. */
export function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
