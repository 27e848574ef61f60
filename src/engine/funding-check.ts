/**
 * Funding the venue actually paid against what carry expected (the ledger's payments from rate
 * × mark × contracts). Pure. Live runs it after each settlement; a settlement outside tolerance,
 * a payment carry expected but the venue never booked, or one the venue booked that carry never
 * expected, raises an alert: the ledger must not silently disagree with the account.
 */
import type { VenueFundingPayment } from '../execution/account-port.js';

export interface FundingTolerance {
  /** Relative to the expected amount, e.g. 0.05. */
  readonly relative: number;
  /** Floor in the settle currency, so dust-size payments do not alert on rounding. */
  readonly absolute: number;
}

/** What the ledger expected at one settlement on one venue/symbol (summed over positions). */
export interface ExpectedFunding {
  readonly venue: string;
  readonly symbol: string;
  readonly settlementTime: number;
  readonly amount: number;
  readonly currency: string;
}

export type FundingCheckKind = 'match' | 'mismatch' | 'missing' | 'unexpected';

export interface FundingCheck {
  readonly kind: FundingCheckKind;
  readonly venue: string;
  readonly symbol: string;
  readonly settlementTime: number;
  readonly expected: number | null;
  readonly actual: number | null;
  readonly currency: string;
  readonly message: string;
}

export interface FundingCheckInput {
  readonly expected: readonly ExpectedFunding[];
  readonly actual: readonly VenueFundingPayment[];
  readonly tolerance: FundingTolerance;
  /** A venue books a settlement at, or seconds after, the funding instant. */
  readonly matchWindowMs: number;
  /** Settlements newer than this are not yet called missing: the venue may still be booking them. */
  readonly missingAfter: number;
}

const fmt = (x: number) => (Math.abs(x) >= 1 ? x.toFixed(4) : x.toPrecision(4));

export function checkFunding(input: FundingCheckInput): readonly FundingCheck[] {
  const { tolerance, matchWindowMs } = input;
  const used = new Set<number>();
  const out: FundingCheck[] = [];
  const expected = [...input.expected].sort((a, b) => a.settlementTime - b.settlementTime);
  for (const e of expected) {
    // Several venue rows can book one settlement (Binance splits by position side): sum them.
    const rows = input.actual
      .map((a, i) => ({ a, i }))
      .filter(({ a, i }) => !used.has(i) && a.venue === e.venue && a.symbol === e.symbol && Math.abs(a.ts - e.settlementTime) <= matchWindowMs);
    const base = { venue: e.venue, symbol: e.symbol, settlementTime: e.settlementTime, expected: e.amount, currency: e.currency };
    const at = new Date(e.settlementTime).toISOString();
    if (rows.length === 0) {
      if (e.settlementTime <= input.missingAfter) out.push({ ...base, kind: 'missing', actual: null, message: `${e.venue} ${e.symbol} ${at}: expected funding ${fmt(e.amount)} ${e.currency}, the venue booked none` });
      continue;
    }
    for (const r of rows) used.add(r.i);
    const actual = rows.reduce((s, r) => s + r.a.amount, 0);
    const allowed = Math.max(tolerance.absolute, tolerance.relative * Math.abs(e.amount));
    const diff = actual - e.amount;
    const ok = Math.abs(diff) <= allowed;
    out.push({
      ...base,
      kind: ok ? 'match' : 'mismatch',
      actual,
      message: ok
        ? `${e.venue} ${e.symbol} ${at}: funding ${fmt(actual)} ${e.currency} as expected`
        : `${e.venue} ${e.symbol} ${at}: the venue paid ${fmt(actual)} ${e.currency}, carry expected ${fmt(e.amount)} (off by ${fmt(diff)}, tolerance ${fmt(allowed)})`,
    });
  }
  input.actual.forEach((a, i) => {
    if (used.has(i)) return;
    out.push({
      kind: 'unexpected',
      venue: a.venue,
      symbol: a.symbol,
      settlementTime: a.ts,
      expected: null,
      actual: a.amount,
      currency: a.currency,
      message: `${a.venue} ${a.symbol} ${new Date(a.ts).toISOString()}: the venue booked funding ${fmt(a.amount)} ${a.currency} that carry did not expect (a position carry does not hold?)`,
    });
  });
  return out;
}

/** The ledger's payments grouped into one expected amount per venue, symbol and settlement. */
export function expectedFromLedger(
  payments: readonly { readonly venue: string; readonly symbol: string; readonly settlementTime: number; readonly amount: number; readonly currency: string }[],
): readonly ExpectedFunding[] {
  const byKey = new Map<string, ExpectedFunding>();
  for (const p of payments) {
    const key = `${p.venue}\u0000${p.symbol}\u0000${p.settlementTime}`;
    const prev = byKey.get(key);
    byKey.set(key, { venue: p.venue, symbol: p.symbol, settlementTime: p.settlementTime, currency: p.currency, amount: (prev?.amount ?? 0) + p.amount });
  }
  return [...byKey.values()];
}
