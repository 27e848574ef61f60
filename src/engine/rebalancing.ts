/**
 * monitor.autoRebalance in the scan tick: each open position whose delta drift is beyond the
 * threshold gets the drift check's corrective order (the same inputs and math as the
 * delta_drift alert), through the risk gate and the leg executor, before decide() so the
 * strategy sees the corrected holdings. Once per position per tick.
 */
import { assessDrift } from '../monitor/drift.js';
import type { OrderAction } from '../monitor/corrective-order.js';
import { formatPct } from '../monitor/format.js';
import { limitPriceFor } from '../pricing/sizing.js';
import type { PositionRow } from '../store/rows.js';
import { bookKey } from '../../strategies/spot-perp-carry/rank.js';
import { errorMessage, executorDeps, logOutcome, positionMarkets, type EngineContext } from './engine-context.js';
import { rebalancePosition } from './leg-executor.js';
import { specOf } from './ledger-reads.js';
import { driftInputs } from './monitor-job.js';
import { gateClose } from './risk-gate.js';
import type { ScanResult } from './scanner.js';
import type { TickBuffer } from './tick-buffer.js';

export interface RebalanceAssessment {
  readonly action: OrderAction;
  readonly why: string;
}

/** Open positions on venues that answered this scan, drifted beyond the threshold: corrected, each at most once per tick (`rebalanced`). */
export async function autoRebalance(ctx: EngineContext, scan: ScanResult, buffer: TickBuffer, rebalanced: Set<string>): Promise<void> {
  if (!ctx.thresholds.autoRebalance) return;
  const ok = new Set(scan.venues.filter((v) => v.status === 'ok').map((v) => v.venue));
  for (const p of ctx.reads.openPositions()) {
    if (p.state !== 'open' || rebalanced.has(p.positionId) || !ok.has(p.venue)) continue;
    if (p.spotQty === 0 && p.perpContracts === 0) continue;
    const a = assessRebalance(ctx, p, scan);
    if (a === null) continue;
    rebalanced.add(p.positionId);
    await rebalance(ctx, p, a.action, scan, buffer, `rebalance: ${a.why}`);
  }
}

/** The drift check's corrective order for `p` on this scan, or null when none is due or possible. */
export function assessRebalance(ctx: EngineContext, p: PositionRow, scan: ScanResult): RebalanceAssessment | null {
  const input = driftInputs([p], ctx.markets, scan, ctx.thresholds.inverseExposure)[0];
  if (input === undefined) return null;
  try {
    const a = assessDrift(input, ctx.thresholds.drift);
    if (!a.beyond || a.correction === null) return null;
    const drift = Number.isFinite(a.drift) ? formatPct(a.drift) : 'unhedged';
    return { action: a.correction.action, why: `drift ${drift} beyond ${formatPct(ctx.thresholds.drift.threshold)}: ${a.correction.action.text} (leaves ${formatPct(a.correction.driftAfter)})` };
  } catch (e) {
    ctx.log.warn({ position: p.positionId, err: errorMessage(e) }, 'auto-rebalance: drift not assessable this tick');
    return null;
  }
}

/** One rebalance run (order null: back to open), through the risk gate, with the tick's view of the position updated. */
export async function rebalance(ctx: EngineContext, p: PositionRow, action: OrderAction | null, scan: ScanResult, buffer: TickBuffer, reason: string): Promise<void> {
  const now = ctx.o.clock.now();
  const markets = positionMarkets(ctx, p.venue, p.spotSymbol, p.perpSymbol);
  if (!markets) {
    ctx.log.warn({ position: p.positionId }, 'cannot rebalance this tick: markets missing');
    return;
  }
  let limitPrice = 0;
  if (action !== null) {
    // gateClose semantics: a correction reduces risk, so it is allowed unless trading is halted.
    const gate = gateClose(ctx.tradingState);
    if (!gate.allow) {
      buffer.sink([{ type: 'decision', ts: now, venue: p.venue, symbol: action.symbol, action: 'deny', reason: `${reason}; ${gate.reason}` }]);
      return;
    }
    const book = scan.books.get(bookKey(p.venue, action.symbol));
    const limit = book ? limitPriceFor(markets[action.leg], book, action.side, ctx.o.params.maxSlippageBps) : { problem: `${action.symbol}: no book` };
    if ('problem' in limit) {
      ctx.log.warn({ position: p.positionId, problem: limit.problem }, 'cannot rebalance this tick: no usable book');
      return;
    }
    limitPrice = limit.limit;
    buffer.sink([{ type: 'decision', ts: now, venue: p.venue, symbol: action.symbol, action: 'rebalance', reason }]);
  }
  const attempt = 1 + new Set(ctx.o.ledger.orders(p.positionId).filter((o) => o.purpose === 'rebalance').map((o) => o.clientOrderId.split(':').pop())).size;
  const out = await rebalancePosition(executorDeps(ctx, buffer), {
    spec: specOf(p),
    markets,
    state: p.state,
    holdings: { spotQty: p.spotQty, perpContracts: p.perpContracts },
    attempt,
    order: action,
    limitPrice,
    flag: p.flag,
    reason,
  });
  logOutcome(ctx.log, 'rebalance', out);
  // decide() and any close this tick must see the corrected legs, not the tick-start ledger.
  ctx.reads.patchOpen(
    ctx.reads.openPositions().map((x) => (x.positionId === out.positionId ? { ...x, state: out.state, spotQty: out.holdings.spotQty, perpContracts: out.holdings.perpContracts } : x)),
  );
}
