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
export const ALWAYS_IN = {
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
} as const;

export function alwaysInConfig(extra: Record<string, unknown> = {}) {
  return loadConfig({
    overrides: {
      log: { level: 'silent' },
      ...ALWAYS_IN,
      ...extra,
    },
  });
}

export const CROSS_8H_CSV = '/work/shared/data/funding-rates/cross-exchange-8h/all_exchanges_binance_bybit_okx_8h_2023-01-01_2024-07-01.csv';

const EIGHT_H = 8 * 3_600_000;

/** London's UTC offset (ms) at instant t. */
function londonOffset(t: number): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(t));
  const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - t;
}

/**
 * A Europe/London naive time ("2023-07-01 01:00:00") of an 8h settlement → ms UTC: the offset
 * (GMT 0 or BST +1h) that both London agrees with at that instant and puts it on the 00/08/16 UTC
 * grid (this also settles the repeated hour of the autumn change).
 */
export function londonSettlement(naive: string): number {
  const asUtc = Date.parse(`${naive.replace(' ', 'T')}Z`);
  for (const off of [0, 3_600_000]) {
    const t = asUtc - off;
    if (t % EIGHT_H === 0 && londonOffset(t) === off) return t;
  }
  throw new Error(`${naive}: not an 8h settlement in Europe/London time`);
}

/**
 * Binance BTCUSDT (USDT-M perp) from the cross-exchange 8h file: a settled-rate series (no
 * knownAt). The row at `time` is the 8h candle opening at that settlement with the rate settled
 * then; its open is the perp's price at the settlement, the BTC/USDT spot candle's open the spot's.
 */
export function binanceBtcUsdtRows(): HistoryRow[] {
  const lines = readFileSync(CROSS_8H_CSV, 'utf8').trim().split('\n').slice(1);
  const spot = new Map<string, number>();
  const perp: [string, number, number][] = [];
  for (const line of lines) {
    const [time, exchange, , pair, contract, open, , , , , rate] = line.split(',') as string[];
    if (exchange !== 'binance') continue;
    if (pair === 'BTC/USDT' && contract === 'spot') spot.set(time!, Number(open));
    if (pair === 'BTCUSDT' && contract === 'perpetual') perp.push([time!, Number(open), Number(rate)]);
  }
  return perp.map(([time, open, rate]) => ({
    venue: 'binance',
    symbol: 'BTC/USDT:USDT',
    ts: londonSettlement(time),
    rate,
    intervalHours: 8,
    markPrice: open,
    spotPrice: spot.get(time),
  }));
}

/**
 * A position's perp as its fills say, independently of the ledger's funding rows: the signed
 * contracts held over an instant (fills strictly before it) and when the first perp fill was.
 */
export function perpHolding(fills: readonly { readonly leg: string; readonly ts: number; readonly side: string; readonly contracts: number | null }[]) {
  const perp = fills.filter((f) => f.leg === 'perp');
  return {
    heldAt: (t: number) => perp.filter((f) => f.ts < t).reduce((q, f) => q + (f.side === 'buy' ? 1 : -1) * (f.contracts as number), 0),
    opened: perp.reduce((m, f) => Math.min(m, f.ts), Infinity),
  };
}
