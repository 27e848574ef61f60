/** Every real funding history in ../shared/data/funding-rates imports cleanly through the CLI. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/store.js';
import { quietConfig, runCli, tempDir } from '../support/cli.js';
import { sharedPath } from '../support/shared-data.js';

const dir = (d: string) => sharedPath('funding-rates', d);
const cfg = quietConfig();

interface FileSummary {
  status: string;
  format: string;
  read: number;
  imported: number;
  skipped: Record<string, { count: number; lines: number[] }>;
  reported: Record<string, { count: number; lines: number[] }>;
  series: { venue: string; symbol: string; rows: number; from: string; to: string }[];
}

async function importJson(args: string[], db: string): Promise<FileSummary[]> {
  const r = await runCli(['data', 'import', ...args, '--db', db, '--json', '--config', cfg]);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return (JSON.parse(r.out) as { files: FileSummary[] }).files;
}

describe('real funding histories import cleanly (row counts as in the READMEs)', () => {
  it('BitMEX XBTUSD 2016-2020: 4866 rows, 24h then 8h, first/last and a known rate', async () => {
    const db = join(tempDir(), 'h.db');
    const [s] = await importJson([join(dir('bitmex'), 'bitmex_XBTUSD_funding_2016-05-14_2020-11-05.csv')], db);
    expect(s).toMatchObject({ status: 'imported', format: 'bitmex', read: 4866, imported: 4866, skipped: {} });
    expect(Object.keys(s!.reported)).toEqual(['interval change']);
    const h = HistoryStore.open(db);
    const rows = h.series('bitmex', 'BTC/USD:BTC');
    expect(rows).toHaveLength(4866);
    expect(rows[0]).toMatchObject({ ts: Date.parse('2016-05-14T12:00:00Z'), rate: 6.900000000000001e-4, intervalHours: 24 });
    expect(rows[rows.length - 1]).toMatchObject({ ts: Date.parse('2020-11-05T04:00:00Z'), rate: 1e-4, intervalHours: 8 });
    expect(rows[1]!.rate).toBe(5.16e-4);
    expect(rows.filter((r) => r.intervalHours === 24)).toHaveLength(22);
    // Re-import: every row already stored, none conflicting.
    const [again] = await importJson([join(dir('bitmex'), 'bitmex_XBTUSD_funding_2016-05-14_2020-11-05.csv')], db);
    expect(again).toMatchObject({ imported: 0, alreadyStored: 4866, conflicts: { count: 0 } });
    h.close();
  });

  it('supervik-7ex: 10 files, UTC+3 for binance/bybit/kucoin, UTC for gate/dydx', async () => {
    const db = join(tempDir(), 'h.db');
    const expected: Record<string, number> = { binance: 4383, bybit: 3285, dydx: 17520, gate: 4290, kucoin: 3285 };
    const zone: Record<string, string> = { binance: 'UTC+3', bybit: 'UTC+3', kucoin: 'UTC+3', gate: 'UTC', dydx: 'UTC' };
    for (const f of readdirSync(dir('supervik-7ex')).filter((x) => x.endsWith('.csv'))) {
      const venue = f.split('_')[1]!;
      const [s] = await importJson([join(dir('supervik-7ex'), f), '--venue', venue, '--tz', zone[venue]!], db);
      expect(s, f).toMatchObject({ status: 'imported', format: 'supervik', read: expected[venue], imported: expected[venue], skipped: {} });
    }
    const h = HistoryStore.open(db);
    const bin = h.series('binance', 'BTC/USDT:USDT');
    expect(bin[0]!.ts).toBe(Date.parse('2020-01-01T00:00:00Z'));
    expect(bin[bin.length - 1]!.ts).toBe(Date.parse('2023-12-31T16:00:00Z'));
    expect(bin.every((r) => r.ts % (8 * 3_600_000) === 0 && r.intervalHours === 8)).toBe(true);
    const ku = h.series('kucoin', 'ETH/USDT:USDT');
    expect(ku[0]!.ts).toBe(Date.parse('2021-01-01T04:00:00Z'));
    expect(h.series('dydx', 'BTC/USDT:USDT')[0]!.intervalHours).toBe(1);
    expect(h.coverage()).toHaveLength(10);
    h.close();
  });

  it('cross-exchange-8h: 29556 rows read, 19704 perp funding rows with spot prices, in Europe/London', async () => {
    const db = join(tempDir(), 'h.db');
    const [s] = await importJson([join(dir('cross-exchange-8h'), 'all_exchanges_binance_bybit_okx_8h_2023-01-01_2024-07-01.csv'), '--tz', 'Europe/London'], db);
    expect(s).toMatchObject({ status: 'imported', format: 'ohlcv-funding', read: 29556, imported: 19704 });
    expect(Object.keys(s!.skipped)).toEqual(['spot price rows']);
    expect(s!.skipped['spot price rows']!.count).toBe(9852);
    const h = HistoryStore.open(db);
    const b = h.series('binance', 'BTC/USDT:USDT');
    expect(b).toHaveLength(1642);
    expect(b.every((r) => r.ts % (8 * 3_600_000) === 0)).toBe(true);
    expect(b[0]).toMatchObject({ ts: Date.parse('2023-01-01T00:00:00Z'), rate: 0.0001, spotPrice: 16526.19 });
    expect(b[b.length - 1]!.ts).toBe(Date.parse('2024-07-01T00:00:00Z'));
    expect(h.series('okx', 'ETH/USD:ETH')).toHaveLength(1642);
    h.close();
  });

  it('deribit BTC-PERPETUAL hourly: 16008 rows, gaps and the out-of-order row reported', async () => {
    const db = join(tempDir(), 'h.db');
    const [s] = await importJson([join(dir('deribit'), 'deribit_BTC-PERPETUAL_funding_hourly_2019-04-30_2021-02-25.csv'), '--symbol', 'BTC-PERPETUAL'], db);
    expect(s).toMatchObject({ status: 'imported', format: 'deribit', read: 16008, imported: 16008, skipped: {} });
    expect(s!.reported['out of order']!.count).toBe(1);
    // the README's two 2h gaps are the swapped pair around 2019-10-27 01:00; sorted, one 3h gap remains
    expect(s!.reported['gap']!.count).toBe(1);
    const h = HistoryStore.open(db);
    const d = h.series('deribit', 'BTC/USD:BTC');
    expect(d[0]).toMatchObject({ ts: 1556618400000, intervalHours: 1, indexPrice: 5150.94 });
    expect(d[d.length - 1]!.ts).toBe(1614250800000);
    h.close();
  });

  it('refuses the naive supervik file without --tz, naming the file and the option (exit 2)', async () => {
    const f = join(dir('supervik-7ex'), 'BTC-USDT_binance_2020-01-01_2024-01-01_funding_history.csv');
    const r = await runCli(['data', 'import', f, '--venue', 'binance', '--db', join(tempDir(), 'h.db'), '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/BTC-USDT_binance_2020-01-01_2024-01-01_funding_history\.csv: line 2: Date "2020-01-01 03:00:00\.000" has no time zone.*--tz/);
  });
});
