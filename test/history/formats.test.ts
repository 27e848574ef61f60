import { describe, expect, it } from 'vitest';
import { detectFormat, parseHistory } from '../../src/history/import/index.js';
import { localToUtc, parseZone, unifiedSymbol } from '../../src/history/import/common.js';
import { quietConfig, runCli, tempDir } from '../support/cli.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const o = (extra = {}) => ({ file: 'sample', ...extra });
const skips = (p: ReturnType<typeof parseHistory>) => p.problems.filter((x) => x.kind === 'skip').map((x) => [x.line, x.reason]);
const H = 3_600_000;
const T0 = Date.parse('2024-01-01T00:00:00Z');

describe('plain CSV', () => {
  const text = [
    'exchange,symbol,timestamp,funding_rate,mark_price,interval_hours',
    'binance,BTCUSDT,2024-01-01T00:00:00Z,0.0001,42000,8',
    'binance,BTCUSDT,2024-01-01T08:00:00Z,abc,42000,8',
    'binance,BTCUSDT,2024-01-01T08:00:00Z,0.0002,,8',
    'binance,BTCUSDT,not-a-time,0.0002,,8',
    'binance,BTCUSDT,2024-01-01T16:00:00Z,0.0002,,8,extra',
    'binance,BTCUSDT,2024-01-01T08:00:00Z,0.0003,,8',
    'binance,BTCUSDT,1704124800000,0.0001,,8',
    'binance,BTCUSDT,2024-01-02T16:00:00Z,0.0001,,8',
  ].join('\n');
  it('reads rows, skips malformed ones with their line numbers, reports gaps', () => {
    const p = parseHistory(text, 'auto', o());
    expect(p.format).toBe('csv');
    expect(p.read).toBe(8);
    expect(p.rows.map((r) => [r.line, r.ts - T0, r.rate])).toEqual([
      [2, 0, 0.0001],
      [4, 8 * H, 0.0002],
      [8, 16 * H, 0.0001],
      [9, 40 * H, 0.0001],
    ]);
    expect(p.rows[0]).toMatchObject({ venue: 'binance', symbol: 'BTC/USDT:USDT', markPrice: 42000, intervalHours: 8 });
    expect(skips(p)).toEqual([
      [3, 'bad funding_rate'],
      [5, 'bad timestamp'],
      [6, 'wrong column count'],
      [7, 'conflicting duplicate timestamp'],
    ]);
    expect(p.problems.find((x) => x.reason === 'gap')).toMatchObject({ line: 9, message: expect.stringMatching(/2 settlement\(s\) missing/) });
    expect(p.notes.some((n) => /read as decimal .*no '%'/.test(n))).toBe(true);
  });
  it('refuses an unknown column, naming it', () => {
    expect(() => parseHistory('exchange,symbol,timestamp,funding_rate,colour\n', 'csv', o())).toThrow(/line 1: unknown column\(s\) colour/);
  });
  it("detects percent from '%' and says so; --rate-unit overrides", () => {
    const p = parseHistory('exchange,symbol,timestamp,funding_rate\nbybit,ETHUSDT,2024-01-01T00:00:00Z,0.01%\nbybit,ETHUSDT,2024-01-01T08:00:00Z,0.02%\n', 'csv', o());
    expect(p.rows.map((r) => r.rate)).toEqual([0.0001, 0.0002]);
    expect(p.notes.some((n) => /read as percent: values carry '%' \(detected/.test(n))).toBe(true);
    const q = parseHistory('exchange,symbol,timestamp,funding_rate\nbybit,ETHUSDT,2024-01-01T00:00:00Z,0.01\n', 'csv', o({ rateUnit: 'percent' }));
    expect(q.rows[0]!.rate).toBe(0.0001);
    const r = parseHistory('exchange,symbol,timestamp,funding_rate\nbybit,ETHUSDT,2024-01-01T00:00:00Z,1\n', 'csv', o());
    expect(skips(r)).toEqual([[2, 'implausible funding_rate']]);
  });
  it('refuses naive timestamps without --tz, naming the file and the option; reads them with --tz', () => {
    const t = 'exchange,symbol,timestamp,funding_rate\nokx,BTC-USDT-SWAP,2024-01-01 03:00:00,0.0001\n';
    expect(() => parseHistory(t, 'csv', o({ file: 'okx.csv' }))).toThrow(/okx\.csv: line 2: timestamp "2024-01-01 03:00:00" has no time zone.*--tz/);
    const p = parseHistory(t, 'csv', o({ tz: 'UTC+3' }));
    expect(p.rows[0]).toMatchObject({ ts: T0, symbol: 'BTC/USDT:USDT', intervalHours: 8 });
  });
});

describe('time zones and symbols', () => {
  it('Europe/London: BST, GMT, the ambiguous fall-back hour, the spring gap', () => {
    const z = parseZone('Europe/London');
    expect(localToUtc(Date.UTC(2023, 6, 1, 1), z)).toEqual({ ts: Date.UTC(2023, 6, 1, 0), ambiguous: false });
    expect(localToUtc(Date.UTC(2023, 0, 1, 0), z)).toEqual({ ts: Date.UTC(2023, 0, 1, 0), ambiguous: false });
    expect(localToUtc(Date.UTC(2023, 9, 29, 1), z)).toEqual({ ts: Date.UTC(2023, 9, 29, 0), ambiguous: true });
    expect(localToUtc(Date.UTC(2023, 2, 26, 1, 30), z)).toBe('nonexistent');
    expect(() => parseZone('Mars/Olympus')).toThrow(/--tz: "Mars\/Olympus" is not a time zone/);
  });
  it('maps venue ids to ccxt unified symbols', () => {
    expect(unifiedSymbol('XBTUSD')).toBe('BTC/USD:BTC');
    expect(unifiedSymbol('BTC-USDT')).toBe('BTC/USDT:USDT');
    expect(unifiedSymbol('ETHUSDCM')).toBe('ETH/USD:ETH');
    expect(unifiedSymbol('BTC-PERPETUAL')).toBe('BTC/USD:BTC');
    expect(unifiedSymbol('SOL/USDC:USDC')).toBe('SOL/USDC:USDC');
    expect(unifiedSymbol('what')).toBeNull();
  });
});

describe('Tardis derivative_ticker', () => {
  const hdr = 'exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price';
  const F1 = 1704096000000000; // 2024-01-01T08:00Z in µs
  const F2 = F1 + 8 * 3600e6;
  const F3 = F2 + 8 * 3600e6;
  const text = [
    hdr,
    `binance-futures,BTCUSDT,1,1,${F1},0.0001,,1,42000,42001,42002`,
    `binance-futures,BTCUSDT,2,2,${F1},0.00012,,1,42000,42001,42003`,
    `binance-futures,BTCUSDT,3,3,${F2},0.0002,,1,42000,42001,42004`,
    `binance-futures,BTCUSDT,4,4,,0.0002,,1,42000,42001,42004`,
    `binance-futures,BTCUSDT,5,5,${F2},x,,1,42000,42001,42004`,
    `binance-futures,BTCUSDT,6,6,${F3},0.0003,,1,42000,42001,42005`,
  ].join('\n');
  it('takes the last ticker before each funding_timestamp change; the last one is not yet settled', () => {
    const p = parseHistory(text, 'auto', o());
    expect(p.format).toBe('tardis');
    expect(p.rows.map((r) => [r.line, r.ts, r.rate, r.markPrice])).toEqual([
      [3, F1 / 1000, 0.00012, 42003],
      [4, F2 / 1000, 0.0002, 42004],
    ]);
    expect(p.rows[0]).toMatchObject({ venue: 'binance', symbol: 'BTC/USDT:USDT', indexPrice: 42001, intervalHours: 8 });
    expect(skips(p)).toEqual([
      [2, 'superseded ticker'],
      [5, 'no funding_timestamp'],
      [6, 'bad funding_rate'],
      [7, 'not yet settled'],
    ]);
  });
});

describe('Binance website export', () => {
  const text = ['Time,Contracts,Funding Interval,Funding Rate', '2024-01-01 08:00:00,BTCUSDT,8h,0.010000%', '2024-01-01 00:00:00,BTCUSDT,8h,-0.002500%', '2024-01-01 16:00:00,BTCUSDT,8h,0.01O%'].join('\n');
  it('percent strings, naive times under --tz, sorted, malformed line skipped', () => {
    expect(() => parseHistory(text, 'auto', o({ file: 'bn.csv' }))).toThrow(/bn\.csv: line 2: Time .* --tz/);
    const p = parseHistory(text, 'auto', o({ tz: 'UTC' }));
    expect(p.format).toBe('binance-web');
    expect(p.rows.map((r) => [r.line, r.ts - T0, r.rate, r.intervalHours])).toEqual([
      [3, 0, -0.000025, 8],
      [2, 8 * H, 0.0001, 8],
    ]);
    expect(skips(p)).toEqual([[4, 'bad Funding Rate']]);
    expect(p.problems.find((x) => x.reason === 'out of order')?.line).toBe(3);
  });
});

describe('BitMEX funding API', () => {
  it('CSV: intervals from fundingInterval, XBTUSD inverse, bad rows skipped by line', () => {
    const text = [
      'timestamp,symbol,fundingInterval,fundingRate,fundingRateDaily',
      '2016-05-14T12:00:00Z,XBTUSD,2000-01-02T00:00:00Z,6.9e-4,6.9e-4',
      '2016-05-15T12:00:00Z,XBTUSD,2000-01-01T00:00:00Z,1e-4,1e-4',
      '2016-05-15T12:00:00Z,XBTUSD,2000-01-02T00:00:00Z,1e-4',
      '2016-05-15T20:00:00.000Z,XBTUSD,2000-01-01T08:00:00.000Z,1e-4,3e-4',
    ].join('\n');
    const p = parseHistory(text, 'auto', o());
    expect(p.format).toBe('bitmex');
    expect(p.rows.map((r) => [r.symbol, r.intervalHours, r.rate])).toEqual([
      ['BTC/USD:BTC', 24, 6.9e-4],
      ['BTC/USD:BTC', 8, 1e-4],
    ]);
    expect(skips(p)).toEqual([
      [3, 'bad fundingInterval'],
      [4, 'wrong column count'],
    ]);
  });
  it('JSON', () => {
    const json = JSON.stringify([
      { timestamp: '2020-11-05T04:00:00.000Z', symbol: 'XBTUSD', fundingInterval: '2000-01-01T08:00:00.000Z', fundingRate: 0.0001, fundingRateDaily: 0.0003 },
      { timestamp: '2020-11-05T12:00:00.000Z', symbol: 'XBTUSD', fundingInterval: '2000-01-01T08:00:00.000Z', fundingRate: null },
    ]);
    const p = parseHistory(json, 'auto', o());
    expect(p.format).toBe('bitmex');
    expect(p.rows.map((r) => r.ts)).toEqual([Date.parse('2020-11-05T04:00:00Z')]);
    expect(skips(p)).toEqual([[2, 'missing fundingRate']]);
  });
});

describe('ccxt fetchFundingRateHistory JSON', () => {
  const json = JSON.stringify([
    { info: {}, symbol: 'ETH/USDT:USDT', fundingRate: 0.0001, timestamp: T0, datetime: '2024-01-01T00:00:00.000Z' },
    { info: {}, symbol: 'ETH/USDT:USDT', fundingRate: 'x', timestamp: T0 + 8 * H },
    { info: {}, symbol: 'ETH/USDT:USDT', fundingRate: 0.0002, timestamp: T0 + 8 * H },
    { info: {}, symbol: 'ETH/USDT:USDT', fundingRate: 0.0002, timestamp: T0 + 8 * H },
  ]);
  it('needs --venue; skips bad elements and same-value duplicates by index', () => {
    expect(() => parseHistory(json, 'auto', o({ file: 'c.json' }))).toThrow(/c\.json: the ccxt-json format does not say which venue.*--venue/);
    const p = parseHistory(json, 'auto', o({ venue: 'okx' }));
    expect(p.format).toBe('ccxt-json');
    expect(p.rows.map((r) => [r.venue, r.ts - T0, r.rate])).toEqual([
      ['okx', 0, 0.0001],
      ['okx', 8 * H, 0.0002],
    ]);
    expect(skips(p)).toEqual([
      [2, 'bad fundingRate'],
      [4, 'duplicate timestamp'],
    ]);
  });
});

describe("carry's tapes", () => {
  const snap = (ts: number, rate: number, next: number) =>
    JSON.stringify({ ts, venue: 'bybit', method: 'fetchFundingRates', args: [], result: { 'BTC/USDT:USDT': { symbol: 'BTC/USDT:USDT', fundingRate: rate, fundingTimestamp: next, interval: '8h', markPrice: 42000, indexPrice: 41990 } } });
  const text = [
    snap(T0 - 60_000, 0.0001, T0),
    snap(T0 - 1_000, 0.00011, T0),
    'not json',
    snap(T0 + 1_000, 0.0003, T0 + 8 * H),
    JSON.stringify({ ts: T0 + 2000, venue: 'bybit', method: 'fetchFundingRateHistory', args: ['ETH/USDT:USDT'], result: [{ symbol: 'ETH/USDT:USDT', fundingRate: -0.0001, timestamp: T0 - 8 * H }] }),
  ].join('\n');
  it('the last predicted rate before a settlement the tape covers; settled history as is', () => {
    const p = parseHistory(text, 'auto', o());
    expect(p.format).toBe('tape');
    expect(p.rows.map((r) => [r.symbol, r.ts - T0, r.rate, r.line])).toEqual([
      ['ETH/USDT:USDT', -8 * H, -0.0001, 5],
      ['BTC/USDT:USDT', 0, 0.00011, 2],
    ]);
    expect(p.rows[1]).toMatchObject({ markPrice: 42000, intervalHours: 8 });
    expect(skips(p)).toEqual([
      [1, 'superseded prediction'],
      [3, 'bad tape record'],
      [4, 'not yet settled'],
    ]);
  });
});

describe('detection and the CLI', () => {
  it('says when the format is unknown', () => {
    expect(detectFormat('a,b,c\n1,2,3')).toBeNull();
    expect(() => parseHistory('a,b,c\n1,2,3', 'auto', o({ file: 'x.csv' }))).toThrow(/x\.csv: cannot tell the format.*--format/);
  });
  it('prints the chosen format and skips by reason; --strict refuses; conflicts reported, stored rows kept', async () => {
    const dir = tempDir();
    const cfg = quietConfig();
    const db = join(dir, 'h.db');
    const a = join(dir, 'a.csv');
    writeFileSync(a, 'exchange,symbol,timestamp,funding_rate\nbybit,BTCUSDT,2024-01-01T00:00:00Z,0.0001\nbybit,BTCUSDT,2024-01-01T08:00:00Z,oops\nbybit,BTCUSDT,2024-01-01T16:00:00Z,0.0002\nbybit,BTCUSDT,2024-01-02T00:00:00Z,0.0002\n');
    const strict = await runCli(['data', 'import', a, '--db', db, '--strict', '--config', cfg]);
    expect(strict.code).toBe(2);
    expect(strict.err).toMatch(/a\.csv: --strict: 2 problem\(s\), first on line 3: bad funding_rate/);
    const r = await runCli(['data', 'import', a, '--db', db, '--config', cfg]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/csv \(detected: header exchange,symbol,timestamp,funding_rate/);
    expect(r.out).toMatch(/bybit BTC\/USDT:USDT: 3 rows 2024-01-01T00:00:00.000Z .. 2024-01-02T00:00:00.000Z/);
    expect(r.out).toMatch(/skipped bad funding_rate: 1 \(lines 3\)/);
    expect(r.out).toMatch(/reported gap: 1 \(lines 4\)/);
    const b = join(dir, 'b.csv');
    writeFileSync(b, 'exchange,symbol,timestamp,funding_rate\nbybit,BTCUSDT,2024-01-01T16:00:00Z,0.0009\nbybit,BTCUSDT,2024-01-02T00:00:00Z,0.0002\nbybit,BTCUSDT,2024-01-02T08:00:00Z,0.0001\n');
    const c = await runCli(['data', 'import', b, '--db', db, '--config', cfg]);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/imported 1, already stored 1, conflicts 1/);
    expect(c.out).toMatch(/conflicts \(stored rows kept, see import_conflicts\): lines 2/);
    const cs = await runCli(['data', 'import', b, '--db', db, '--strict', '--config', cfg]);
    expect(cs.code).toBe(2);
    expect(cs.err).toMatch(/b\.csv: --strict: 1 row\(s\) conflict with the store, first on line 2/);
    const bad = await runCli(['data', 'import', a, '--db', db, '--rate-unit', 'bps', '--config', cfg]);
    expect(bad).toMatchObject({ code: 2, err: expect.stringMatching(/--rate-unit: found "bps"/) });
  });
});
