import type { ScanConfig, StrategyConfig } from '../config/schema.js';
import { spotPerpCarryParamsSchema, type SpotPerpCarryParams } from '../../strategies/spot-perp-carry/params.js';

/** The ranker's parameters from the scan section of the config (one source of truth for both). */
export function rankParamsFromConfig(scan: ScanConfig, strategy?: StrategyConfig): SpotPerpCarryParams {
  const { unwindSlippageBps: _unused, ...decide } = strategy ?? {};
  return spotPerpCarryParamsSchema.parse({
    ...decide,
    notional: scan.notional,
    holdHours: scan.holdHours,
    maxSlippageBps: scan.maxSlippageBps,
    minQuoteVolume24h: scan.minQuoteVolume24h,
    minNetApr: scan.minNetApr,
    staleAfterMs: Math.round(scan.staleAfterScans * scan.periodSeconds * 1000),
    depthCandidates: scan.depthCandidates,
  });
}
