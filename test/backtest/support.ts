/** Shared by the backtest tests: the real BitMEX XBTUSD series, and a config that holds one position from the first scan on. */
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.js';
import type { HistoryRow } from '../../src/backtest/history-source.js';

export const BITMEX_CSV = '/work/shared/data/funding-rates/bitmex/bitmex_XBTUSD_funding_2016-05-14_2020-11-05.csv';

/**
 * BitMEX /api/v1/funding CSV (timestamp,symbol,fundingInterval,fundingRate,fundingRateDaily): the
 * interval is a time of day since 2000-01-01 (2000-01-01T08:00 = 8h, 2000-01-02 = 24h).
 */
export function bitmexRows(): HistoryRow[] {
  const lines = readFileSync(BITMEX_CSV, 'utf8').trim().split('\n');
  return lines.slice(1).map((line) => {
    const [ts, symbol, interval, rate] = line.split(',') as [string, string, string, string];
    if (symbol !== 'XBTUSD') throw new Error(`unexpected symbol ${symbol}`);
    return {
      venue: 'bitmex',
      symbol: 'BTC/USD:BTC',
      ts: Date.parse(ts),
      rate: Number(rate),
      intervalHours: (Date.parse(interval) - Date.UTC(2000, 0, 1)) / 3_600_000,
    };
  });
}

/** Strategy and scan settings that open at the first scan seeing a positive rate and never exit on a signal. */
export function alwaysInConfig(extra: Record<string, unknown> = {}) {
  return loadConfig({
    overrides: {
      log: { level: 'silent' },
      jobs: { scan: '0 * * * *', monitor: '30 * * * *' },
      scan: { notional: 10_000, minNetApr: -1000, minQuoteVolume24h: 0, depthCandidates: 5 },
      strategy: {
        entryMinNetApr: -1000,
        exitRateBelow: -10_000,
        positiveObservations: 1,
        noEntryBeforeSettlementMinutes: 0,
        exitNegativeSettlements: 1_000_000,
        maxHoldHours: 1e9,
        maxOpenPositions: 1,
        switchMinAprGain: 1e9,
      },
      ...extra,
    },
  });
}
