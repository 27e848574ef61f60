import type { Config } from '../config/schema.js';
import { Scanner, type ScanProgress } from '../engine/scanner.js';
import { moduleLogger } from '../util/log.js';
import type { MarketSource } from './market-source.js';
import { rankParamsFromConfig } from './strategy-params.js';

/** The scanner every command uses, configured from `scan` and `strategy`. */
export function scannerFor(config: Config, source: MarketSource, onProgress?: (p: ScanProgress) => void): Scanner {
  return new Scanner({
    clock: source.clock,
    venues: source.venues,
    params: rankParamsFromConfig(config.scan, config.strategy),
    bookDepth: config.scan.bookDepth,
    marketsRefreshMs: config.scan.marketsRefreshMinutes * 60_000,
    log: moduleLogger('scanner'),
    ...(onProgress ? { onProgress } : {}),
  });
}
