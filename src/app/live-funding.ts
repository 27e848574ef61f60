/**
 * Funding the venues actually booked against what the ledger expected, for every perp carry
 * holds (or held in the look-back window): fetched with the account port (Binance income
 * FUNDING_FEE, Bybit funding executions), graded by engine/funding-check.ts. A disagreement is
 * logged and raised as a `funding_mismatch` alert on the position; it resolves once the venue and
 * the ledger agree again.
 */
import type { Alert } from '../domain/alert.js';
import type { Clock } from '../domain/clock.js';
import { isCarryError } from '../domain/errors.js';
import type { VenueId } from '../domain/market.js';
import type { AccountPort, VenueFundingPayment } from '../execution/account-port.js';
import { checkFunding, expectedFromLedger, type FundingCheck, type FundingTolerance } from '../engine/funding-check.js';
import type { AlertKey, AlertManager } from '../alerts/manager.js';
import type { Ledger } from '../store/ledger.js';
import type { Logger } from '../util/log.js';

/** How far back each check looks: a day of 8h (or 1h) settlements. */
export const FUNDING_LOOKBACK_MS = 24 * 3_600_000;
/** A venue books a settlement within minutes of the instant: younger ones are not yet called missing. */
export const FUNDING_BOOKING_GRACE_MS = 5 * 60_000;
const MATCH_WINDOW_MS = 120_000;

export interface FundingReport {
  readonly at: number;
  readonly checks: readonly (FundingCheck & { readonly positionId: string })[];
  /** Venue/symbols whose history could not be read this time. */
  readonly unread: readonly { readonly venue: VenueId; readonly symbol: string; readonly error: string }[];
}

export interface FundingCheckDeps {
  readonly ledger: Ledger;
  readonly accounts: ReadonlyMap<VenueId, AccountPort>;
  readonly clock: Clock;
  readonly tolerance: FundingTolerance;
  readonly log: Logger;
  readonly alerts?: Pick<AlertManager, 'record'>;
}

export async function checkFundingNow(deps: FundingCheckDeps): Promise<FundingReport> {
  const { ledger, clock } = deps;
  const now = clock.now();
  const since = now - FUNDING_LOOKBACK_MS;
  // Positions holding a perp now, or closed inside the window (their last settlements count too).
  const positions = ledger.positions().filter((p) => p.perpContracts !== 0 || (p.closedAt !== null && p.closedAt >= since));
  const checks: (FundingCheck & { positionId: string })[] = [];
  const unread: { venue: VenueId; symbol: string; error: string }[] = [];
  const bySymbol = new Map<string, typeof positions>();
  for (const p of positions) bySymbol.set(`${p.venue}\u0000${p.perpSymbol}`, [...(bySymbol.get(`${p.venue}\u0000${p.perpSymbol}`) ?? []), p]);
  for (const group of bySymbol.values()) {
    const first = group[0];
    if (first === undefined) continue;
    const account = deps.accounts.get(first.venue);
    if (!account) continue;
    const from = Math.max(since, Math.min(...group.map((p) => p.openedAt ?? p.createdAt)));
    let actual: readonly VenueFundingPayment[];
    try {
      actual = await account.fundingPayments(first.perpSymbol, from);
    } catch (e) {
      if (!isCarryError(e)) throw e;
      unread.push({ venue: first.venue, symbol: first.perpSymbol, error: e.message });
      continue;
    }
    const expected = expectedFromLedger(group.flatMap((p) => ledger.fundingPayments(p.positionId)).filter((f) => f.settlementTime >= from));
    const found = checkFunding({ expected, actual: actual.filter((a) => a.ts >= from), tolerance: deps.tolerance, matchWindowMs: MATCH_WINDOW_MS, missingAfter: now - FUNDING_BOOKING_GRACE_MS });
    // A settlement is the position's that held the perp then (one position per venue/symbol at a time).
    const owner = (t: number) => group.find((p) => (p.openedAt ?? p.createdAt) <= t + MATCH_WINDOW_MS && (p.closedAt === null || p.closedAt >= t - MATCH_WINDOW_MS)) ?? first;
    for (const c of found) checks.push({ ...c, positionId: owner(c.settlementTime).positionId });
  }
  for (const c of checks) if (c.kind !== 'match') deps.log.error({ position: c.positionId, kind: c.kind, expected: c.expected, actual: c.actual }, c.message);
  if (deps.alerts) recordAlerts(deps.alerts, checks, positions.map((p) => p.positionId), now);
  return { at: now, checks, unread };
}

function recordAlerts(alerts: Pick<AlertManager, 'record'>, checks: FundingReport['checks'], positionIds: readonly string[], now: number): void {
  const bad = new Map<string, FundingCheck[]>();
  for (const c of checks) if (c.kind !== 'match') bad.set(c.positionId, [...(bad.get(c.positionId) ?? []), c]);
  const firing: Alert[] = [...bad].map(([positionId, list]) => {
    const c = list[list.length - 1] as FundingCheck;
    return {
      id: '',
      kind: 'funding_mismatch',
      severity: 'warning',
      subject: positionId,
      positionId,
      venue: c.venue,
      symbol: c.symbol,
      ts: now,
      status: 'firing',
      title: `funding on ${c.venue} ${c.symbol} disagrees with the ledger`,
      message: list.map((x) => x.message).join('\n'),
      actions: [],
      data: { settlements: list.length, expected: c.expected, actual: c.actual, currency: c.currency },
      nextFundingTime: null,
    };
  });
  const checked: AlertKey[] = positionIds.map((subject) => ({ kind: 'funding_mismatch', subject }));
  alerts.record({ now, firing, checked });
}
