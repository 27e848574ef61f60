/**
 * The risk rules that close a position at once, whatever the strategy's minimum hold. Measured
 * here with the monitor's own checks and thresholds (monitor.margin, monitor.drift) on the tick's
 * data, after any auto-rebalance, and handed to decide() as HeldPosition.risk:
 *
 *   margin       the perp's margin balance is gone: liquidation distance <= 0 at the mark (or
 *                liquidatable at any price). Nothing but leaving keeps the hedge.
 *   liquidation  the perp is closer to liquidation than monitor.margin.floor. The monitor's alert
 *                proposes a collateral transfer; paper trading moves no collateral by itself, so
 *                the position is closed before the short leg can be liquidated and leave the
 *                spot unhedged.
 *   drift        delta drift at or beyond monitor.drift.critical that no placeable order corrects
 *                (assessDrift has no correction). A drift the lots cannot fix below the critical
 *                level is what the monitor reports as info, not a reason to pay a round trip.
 *
 * 'halt' is not measured here: it is decide()'s input flag (the kill switch, a later issue).
 * A position whose inputs cannot be assessed this tick (no mark, no markets) gets no signal; the
 * monitor's stale-data alerts say why.
 */
import type { RiskSignal } from '../domain/action.js';
import type { Market, VenueId } from '../domain/market.js';
import { assessDrift } from '../monitor/drift.js';
import { formatPct, formatPrice } from '../monitor/format.js';
import { assessMargin } from '../monitor/margin.js';
import type { MonitorThresholds } from '../monitor/thresholds.js';
import type { PositionRow } from '../store/rows.js';
import { driftInputs, marginInputs, type VenueLiquidation } from './monitor-job.js';
import type { ScanResult } from './scanner.js';

export interface RiskInputs {
  /** Open positions as the tick sees them (after any rebalance). */
  readonly positions: readonly PositionRow[];
  readonly markets: ReadonlyMap<VenueId, readonly Market[]>;
  readonly scan: ScanResult;
  readonly walletBalance: (venue: VenueId, currency: string) => number;
  readonly perpLeverage: number;
  readonly venueLiquidation?: VenueLiquidation;
  /**
   * Live with live.autoTransfer: a perp under the floor (not at liquidation) whose margin a wallet
   * transfer restores is topped up by the monitor's transfer rather than closed.
   */
  readonly topUp?: boolean;
}

/** Risk signals per positionId (only positions with at least one). `onError` hears of inputs a check could not read. */
export function riskSignals(
  s: RiskInputs,
  t: Pick<MonitorThresholds, 'margin' | 'drift' | 'inverseExposure'>,
  onError: (positionId: string, e: unknown) => void,
): Map<string, RiskSignal[]> {
  const out = new Map<string, RiskSignal[]>();
  const add = (id: string, r: RiskSignal): void => {
    out.set(id, [...(out.get(id) ?? []), r]);
  };
  const open = s.positions.filter((p) => p.state === 'open');

  for (const input of marginInputs(open, s.markets, s.scan, s.walletBalance, s.perpLeverage, s.venueLiquidation)) {
    const id = input.position.positionId;
    try {
      const a = assessMargin(input, t.margin);
      if (!a.below) continue;
      const d = a.liquidation.distance;
      const where = a.liquidation.price === null ? 'liquidatable at any price' : `liquidates at ${formatPrice(a.liquidation.price)}`;
      const mark = formatPrice(input.mark as number);
      if (d <= 0) add(id, { rule: 'margin', detail: `margin balance gone: perp ${where}, mark ${mark} (at or beyond liquidation)` });
      else if (s.topUp === true && a.transfer !== null && a.transfer.route.ccxt) continue;
      else add(id, { rule: 'liquidation', detail: `perp ${formatPct(d)} from liquidation (${where}, mark ${mark}) < floor ${formatPct(t.margin.floor)}` });
    } catch (e) {
      onError(id, e);
    }
  }

  for (const input of driftInputs(open, s.markets, s.scan, t.inverseExposure)) {
    const id = input.position.positionId;
    if (input.position.spotQty === 0 && input.position.perpContracts === 0) continue;
    try {
      const a = assessDrift(input, t.drift);
      if (!a.beyond || a.correction !== null || a.drift < t.drift.critical) continue;
      const shown = Number.isFinite(a.drift) ? formatPct(a.drift) : 'unhedged';
      add(id, { rule: 'drift', detail: `delta drift ${shown} >= critical ${formatPct(t.drift.critical)} and no order corrects it (${a.problem ?? 'no placeable order'})` });
    } catch (e) {
      onError(id, e);
    }
  }
  return out;
}
