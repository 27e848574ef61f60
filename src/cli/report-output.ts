/** Text for `carry paper` (end of run), `carry status`, `carry pnl` and `carry history`. */
import type { EquitySnapshot } from '../domain/events.js';
import { APR_MIN_HOURS, type PnlTotals, type PositionPnl } from '../pricing/pnl.js';
import type { HistoryRow, PositionRow } from '../store/rows.js';
import { formatCountdown } from '../util/duration.js';
import { renderTable } from './table.js';

const money = (x: number | null) => (x === null ? '-' : x.toFixed(2));
const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(2)}%`);

export function pnlSummaryText(t: PnlTotals, equity: EquitySnapshot | null = null): string {
  const lines = [
    `positions ${t.positions}   notional ${money(t.notional)}`,
    `funding ${money(t.funding)}   fees ${money(-t.fees)}   spot ${money(t.spot)}   perp ${money(t.perp)}`,
    `realised ${money(t.realised)}   unrealised ${money(t.unrealised)}   net ${money(t.net)}   APR ${pct(t.apr)}`,
  ];
  if (equity) lines.push(`equity ${money(equity.equity)} at ${new Date(equity.ts).toISOString()}`);
  return lines.join('\n') + '\n';
}

export interface StatusRow {
  readonly position: PositionRow;
  readonly pnl: PositionPnl | null;
  /** Base exposure left by the lots (spot base + perp base-equivalent). */
  readonly residualBase: number | null;
  readonly nextSettlement: number | null;
  readonly markedAt: number | null;
}

export function statusTable(rows: readonly StatusRow[], now: number): string {
  if (rows.length === 0) return 'no open positions\n';
  return (
    renderTable(rows, [
      { header: 'position', get: (r) => r.position.positionId, align: 'left' },
      { header: 'state', get: (r) => r.position.state + (r.position.flag ? ` (${r.position.flag})` : ''), align: 'left' },
      { header: 'spot', get: (r) => `${r.position.spotQty} ${r.position.base}` },
      { header: 'perp', get: (r) => `${r.position.perpContracts} × ${r.position.contractSize}` },
      { header: 'residual', get: (r) => (r.residualBase === null ? '-' : r.residualBase.toPrecision(3)) },
      { header: 'funding', get: (r) => money(r.pnl?.funding ?? r.position.fundingQuote) },
      { header: 'net', get: (r) => money(r.pnl?.net ?? null) },
      { header: 'next funding', get: (r) => (r.position.continuousFunding ? 'continuous' : r.nextSettlement === null ? '-' : formatCountdown(r.nextSettlement - now)) },
    ]) + '\n'
  );
}

/**
 * One position of `carry pnl` (table and --json): its P&L with the return over the hold for
 * every position and the APR achieved only from APR_MIN_HOURS held on (`apr`, which annualises
 * any hold, is left out so no reader mistakes −44,783% over six minutes for a rate), and why it
 * was closed.
 */
export interface PnlReportRow extends Omit<PositionPnl, 'apr'> {
  readonly state: PositionRow['state'] | null;
  /** net / notional over the hold, as a fraction (0.0012 = 0.12%), not annualised. */
  readonly returnOverHold: number | null;
  /** Annualised net / notional; null when held under APR_MIN_HOURS (or unknown). */
  readonly aprAchieved: number | null;
  readonly entryNetApr: number | null;
  readonly exitKind: PositionRow['exitKind'];
  readonly exitRule: PositionRow['exitRule'];
  readonly closeReason: string | null;
}

export function pnlReportRows(positions: readonly PositionPnl[], rows: readonly PositionRow[]): PnlReportRow[] {
  const byId = new Map(rows.map((r) => [r.positionId, r]));
  return positions.map(({ apr, ...p }) => {
    const r = byId.get(p.positionId);
    return {
      ...p,
      state: r?.state ?? null,
      aprAchieved: p.hoursHeld !== null && p.hoursHeld >= APR_MIN_HOURS ? apr : null,
      entryNetApr: r?.entryNetApr ?? null,
      exitKind: r?.exitKind ?? null,
      exitRule: r?.exitRule ?? null,
      closeReason: r?.closeReason ?? null,
    };
  });
}

/** "better_opportunity", "risk (margin)", or "-" while not closing. */
export function exitLabel(r: Pick<PnlReportRow, 'exitKind' | 'exitRule'>): string {
  if (r.exitKind === null) return '-';
  return r.exitRule === null ? r.exitKind : `${r.exitKind} (${r.exitRule})`;
}

export function pnlTable(positions: readonly PnlReportRow[]): string {
  if (positions.length === 0) return 'no positions\n';
  const reasons = positions.filter((p) => p.exitKind !== null);
  return (
    renderTable(positions, [
      { header: 'position', get: (p) => p.positionId, align: 'left' },
      { header: 'funding', get: (p) => money(p.funding) },
      { header: 'fees', get: (p) => money(-p.fees) },
      { header: 'spot', get: (p) => money(p.spot.pnl) },
      { header: 'perp', get: (p) => money(p.perp.pnl) },
      { header: 'realised', get: (p) => money(p.realised) },
      { header: 'unrealised', get: (p) => money(p.unrealised) },
      { header: 'net', get: (p) => money(p.net) },
      { header: 'hours', get: (p) => (p.hoursHeld === null ? '-' : p.hoursHeld.toFixed(1)) },
      { header: 'return over hold', get: (p) => pct(p.returnOverHold) },
      { header: `APR (held >= ${APR_MIN_HOURS}h)`, get: (p) => pct(p.aprAchieved) },
      { header: 'closed for', get: exitLabel, align: 'left' },
    ]) +
    '\n' +
    (reasons.length === 0 ? '' : `close reasons:\n${reasons.map((p) => `  ${p.positionId}  ${exitLabel(p)}: ${p.closeReason ?? '(not recorded)'}`).join('\n')}\n`)
  );
}

function describe(r: HistoryRow): string {
  const e = r.event;
  switch (e.type) {
    case 'wallet.funded':
      return `${e.venue} funded ${e.amount} ${e.currency}`;
    case 'position.created':
      return `${e.spec.positionId} created: ${e.spec.direction} ${e.spec.perpSymbol} on ${e.spec.venue}, target ${e.targetNotional.toFixed(2)} (${e.reason})`;
    case 'position.transition':
      return e.exit === undefined
        ? `${e.positionId} ${e.from} → ${e.to} (${e.reason})`
        : `${e.positionId} ${e.from} → ${e.to}, closed for ${exitLabel({ exitKind: e.exit.kind, exitRule: e.exit.rule })}: ${e.exit.reason}`;
    case 'position.flagged':
      return `${e.positionId} ${e.flag ? `flagged ${e.flag}` : 'flag cleared'}: ${e.message}`;
    case 'order.submitted':
      return `${e.positionId} ${e.purpose} ${e.side} ${e.amount} ${e.symbol} IOC @ ${e.limitPrice}`;
    case 'order.fill':
      return `${e.positionId} filled ${e.side} ${e.amount} ${e.symbol} @ ${e.price} fee ${e.fee} ${e.feeCurrency}`;
    case 'order.done':
      return `${e.positionId} order ${e.orderId} ${e.status}${e.reason ? ` (${e.reason})` : ''}`;
    case 'funding.payment':
      return `${e.positionId} funding ${e.amount >= 0 ? '+' : ''}${e.amount} ${e.currency} (rate ${e.rate}, mark ${e.markPrice})`;
    case 'equity.snapshot':
      return `equity ${e.equity.toFixed(2)} (funding ${e.funding.toFixed(2)}, fees ${e.fees.toFixed(2)}, open ${e.openPositions})`;
    case 'scan.recorded':
      return `scan: best ${e.top[0] ? `${e.top[0].venue} ${e.top[0].perpSymbol} net APR ${pct(e.top[0].netApr)}` : 'none'}`;
    case 'decision':
      return `${e.action} ${e.venue} ${e.symbol}: ${e.reason}`;
    case 'risk.state':
      return `trading ${e.from} → ${e.to} (${e.trigger}: ${e.reason})${e.causes.length > 0 ? `, holding: ${e.causes.join(', ')}` : ''}`;
  }
}

export function historyText(rows: readonly HistoryRow[]): string {
  if (rows.length === 0) return 'no events\n';
  return rows.map((r) => `${new Date(r.ts).toISOString()}  #${r.seq}  ${describe(r)}`).join('\n') + '\n';
}
