/**
 * What the engine reports: P&L per position from the ledger, the equity snapshot (hourly, and in
 * the daily summary), and the daily summary's log line. Marks are the last scan's.
 */
import type { EquitySnapshot } from '../domain/events.js';
import { positionPnl, totalPnl, type PositionMarks, type PositionPnl } from '../pricing/pnl.js';
import type { Ledger } from '../store/ledger.js';
import type { PositionRow } from '../store/rows.js';
import { marksFor, type EngineContext } from './engine-context.js';
import { fillEventOf, fundingEventOf, specOf } from './ledger-reads.js';

const HOUR_MS = 3_600_000;

export interface PnlReport {
  readonly positions: readonly PositionPnl[];
  readonly totals: ReturnType<typeof totalPnl>;
}

/** P&L per position from the ledger, with marks from the caller. */
export function computePnl(ledger: Ledger, marks: (p: PositionRow) => PositionMarks, now: number, only?: readonly PositionRow[]): PnlReport {
  const rows = (only ?? ledger.positions()).filter((p) => p.state !== 'failed' || ledger.fills(p.positionId).length > 0);
  const positions = rows.map((p) =>
    positionPnl(specOf(p), ledger.fills(p.positionId).map(fillEventOf), ledger.fundingPayments(p.positionId).map(fundingEventOf), marks(p), now),
  );
  return { positions, totals: totalPnl(positions) };
}

/** P&L of every position the ledger has (closed ones included), marked at the last scan. */
export function pnl(ctx: EngineContext): PnlReport {
  return computePnl(ctx.o.ledger, (p) => marksFor(ctx, p), ctx.o.clock.now());
}

export function equity(ctx: EngineContext): EquitySnapshot {
  const { totals } = pnl(ctx);
  const now = ctx.o.clock.now();
  const prices = new Map<string, number>();
  for (const f of ctx.last?.funding ?? []) if (f.markPrice !== null && f.settlement === 'inverse') prices.set(f.base, f.markPrice);
  for (const p of ctx.o.ledger.positions()) {
    const m = marksFor(ctx, p);
    if (m.spot !== null) prices.set(p.base, m.spot);
  }
  let wallets = 0;
  for (const b of ctx.o.ledger.walletBalances()) {
    const px = ['USDT', 'USDC', 'USD'].includes(b.currency) ? 1 : (prices.get(b.currency) ?? 0);
    wallets += b.amount * px;
  }
  const open = ctx.reads.openPositions();
  // Wallets hold cash, coins and realised perp P&L; open perps add their unrealised P&L.
  const unrealisedPerp = computePnl(ctx.o.ledger, (p) => marksFor(ctx, p), now, open).positions.reduce((s, p) => s + (p.perp.unrealised ?? 0), 0);
  return {
    type: 'equity.snapshot',
    ts: now,
    equity: wallets + unrealisedPerp,
    realised: totals.realised,
    unrealised: totals.unrealised ?? 0,
    funding: totals.funding,
    fees: totals.fees,
    openPositions: open.length,
  };
}

/** True once per clock hour: the tick that sees a new hour commits an equity snapshot. */
export function equityDue(ctx: EngineContext): boolean {
  const hour = Math.floor(ctx.o.clock.now() / HOUR_MS);
  if (ctx.lastEquityHour === hour) return false;
  ctx.lastEquityHour = hour;
  return true;
}

export function logDailySummary(ctx: EngineContext, eq: EquitySnapshot): void {
  ctx.log.info(
    { equity: round2(eq.equity), realised: round2(eq.realised), unrealised: round2(eq.unrealised), funding: round2(eq.funding), fees: round2(eq.fees), open: eq.openPositions },
    'daily summary',
  );
}

function round2(x: number | null): number | null {
  return x === null ? null : Math.round(x * 100) / 100;
}
