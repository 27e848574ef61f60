/**
 * The checks' thresholds from config: `monitor` as written, with its two "null = derived"
 * fields resolved (and drift.inverseExposure lifted out, as it is a counting rule, not a threshold): funding.exitApr (the strategy's exitRateBelow) and autoRebalance (on in
 * paper, alert only in live).
 */
import type { Config } from '../config/schema.js';
import type { BasisThresholds } from './basis.js';
import type { DriftThresholds, InverseExposure } from './drift.js';
import { fundingThresholds, type FundingThresholds } from './funding.js';
import type { HealthThresholds } from './health.js';
import type { MarginThresholds } from './margin.js';

export type TradingMode = 'paper' | 'live';

export interface MonitorThresholds {
  readonly drift: DriftThresholds;
  /** How inverse perps' exposure is counted for drift (config monitor.drift.inverseExposure). */
  readonly inverseExposure: InverseExposure;
  readonly margin: MarginThresholds;
  readonly funding: FundingThresholds;
  readonly basis: BasisThresholds;
  readonly health: HealthThresholds;
  /** Whether the monitor carries out drift corrections itself. */
  readonly autoRebalance: boolean;
}

export function monitorThresholds(config: Pick<Config, 'monitor' | 'strategy'>, mode: TradingMode): MonitorThresholds {
  const m = config.monitor;
  return {
    drift: { threshold: m.drift.threshold, critical: m.drift.critical },
    inverseExposure: m.drift.inverseExposure,
    margin: m.margin,
    funding: fundingThresholds(m.funding, config.strategy.exitRateBelow),
    basis: m.basis,
    health: m.health,
    autoRebalance: m.autoRebalance ?? mode === 'paper',
  };
}
