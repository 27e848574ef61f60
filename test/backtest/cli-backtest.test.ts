/**
 * `carry backtest` through runCli, on a small CSV derived from the real Binance BTCUSDT 8h series
 * (cross-exchange-8h, Europe/London times converted to UTC): loads, reports malformed rows by
 * line and skips them, refuses naive timestamps, prints weekly progress, and reports the same
 * projection as `carry pnl` on the run's ledger.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quietConfig, runCli, tempDir } from '../support/cli.js';
import { openReadOnly } from '../support/paper-ledger.js';
import { ALWAYS_IN, BITMEX_CSV, binanceBtcUsdtRows, bitmexRows } from './support.js';

const FROM = Date.UTC(2023, 7, 1);
const TO = Date.UTC(2023, 7, 22);
const rows = binanceBtcUsdtRows().filter((r) => r.ts >= FROM && r.ts <= TO);


function csv(withIds: boolean, extra: string[] = []): string {
  const head = withIds ? 'exchange,symbol,timestamp,funding_rate,mark_price,spot_price,interval_hours' : 'timestamp,funding_rate,mark_price,spot_price';
  const lines = rows.map((r) => (withIds ? `binance,BTC/USDT:USDT,${new Date(r.ts).toISOString()},${r.rate},${r.markPrice},${r.spotPrice},8` : `${r.ts},${r.rate},${r.markPrice},${r.spotPrice}`));
  const f = join(tempDir(), 'history.csv');
  writeFileSync(f, [head, ...lines, ...extra].join('\n') + '\n');
  return f;
}

describe('carry backtest', () => {
  const config = quietConfig(ALWAYS_IN);

  it('runs the CSV and reports the carry pnl projection, malformed rows by line', async () => {
    const data = csv(true, ['binance,BTC/USDT:USDT,2023-08-22T08:00:00Z,abc,29000,29000,8', 'binance,BTCUSDT,2023-08-22T16:00:00Z,0.0001,29000,29000,8']);
    const db = join(tempDir(), 'bt.db');
    const r = await runCli(['backtest', '--data', data, '--to', '2023-08-22T00:00:00Z', '--db', db, '--json', '--config', config]);
    expect(r.err).toContain(`line ${rows.length + 2}: funding_rate "abc" is not a number; skipped`);
    expect(r.err).toContain(`line ${rows.length + 3}: symbol "BTCUSDT" is not a unified perp symbol`);
    expect(r.code).toBe(0);
    // Weekly progress over three weeks.
    expect(r.err.split('\n').filter((l) => /^carry backtest: 2023-08-\d\dT.* +\d+%$/.test(l))).toHaveLength(3);
    const out = JSON.parse(r.out);
    expect(out.rows).toBe(rows.length);
    expect(out.malformed).toBe(2);
    expect(out.db).toBe(db);
    expect(out.positions).toHaveLength(1);
    expect(out.trades).toBeGreaterThanOrEqual(2);
    expect(out.timeInMarket).toBeGreaterThan(0.99);
    expect(out.funding).toBeGreaterThan(0);
    expect(out.fees).toBeGreaterThan(0);
    expect(out.maxDrawdown.amount).toBeGreaterThanOrEqual(0);
    expect(out.totalReturn).toBeCloseTo(out.net / out.startingCapital, 12);
    // The same projection as carry pnl on the run's ledger.
    const pnl = await runCli(['pnl', '--db', db, '--json', '--config', config]);
    expect(pnl.code).toBe(0);
    const p = JSON.parse(pnl.out);
    expect(out.totals).toEqual(p.totals);
    expect(out.positions).toEqual(p.positions);
    expect(out.funding).toBe(p.totals.funding);
    // Funding: every settlement after the open at the row's rate and price, −q × cs × mark × r (linear).
    const ledger = openReadOnly(db);
    try {
      const pos = ledger.positions()[0]!;
      const perpFills = ledger.fills(pos.positionId).filter((f) => f.leg === 'perp');
      const heldAt = (t: number) => perpFills.filter((f) => f.ts < t).reduce((q, f) => q + (f.side === 'buy' ? 1 : -1) * (f.contracts as number), 0);
      const opened = Math.min(...perpFills.map((f) => f.ts));
      const expected = rows.filter((x) => x.ts > opened && x.ts <= Date.UTC(2023, 7, 22));
      const paid = ledger.fundingPayments(pos.positionId);
      expect(paid.map((x) => [x.settlementTime, x.rate])).toEqual(expected.map((x) => [x.ts, x.rate]));
      const sum = expected.reduce((s, x) => s + -heldAt(x.ts) * pos.contractSize * (x.markPrice as number) * x.rate, 0);
      expect(paid.reduce((s, x) => s + x.amountQuote, 0)).toBe(sum);
      expect(out.funding).toBeCloseTo(sum, 9);
    } finally {
      ledger.close();
    }

    const text = await runCli(['backtest', '--data', data, '--to', '2023-08-22T00:00:00Z', '--config', config]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/total return -?\d+\.\d\d% on 10000\.00 +funding \d+\.\d\d +fees -\d+\.\d\d +trades \d+ \(1 positions\) +time in market \d+\.\d\d% +max drawdown/);
    expect(text.out).toContain('P0001-binance-BTC');
  }, 60_000);

  it('takes --venue and --symbol for a file without them (epoch ms timestamps), same result', async () => {
    const a = await runCli(['backtest', '--data', csv(true), '--json', '--config', config]);
    const b = await runCli(['backtest', '--data', csv(false), '--venue', 'binance', '--symbol', 'BTC/USDT:USDT', '--json', '--config', config]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const ja = JSON.parse(a.out);
    const jb = JSON.parse(b.out);
    expect(jb.totals).toEqual(ja.totals);
    expect(jb.from).toBe(FROM);
    const missing = await runCli(['backtest', '--data', csv(false), '--config', config]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('pass --venue V');
  }, 60_000);

  it('refuses naive timestamps, naming the line', async () => {
    const data = csv(true, ['binance,BTC/USDT:USDT,2023-08-22 08:00:00,0.0001,29000,29000,8']);
    const r = await runCli(['backtest', '--data', data, '--config', config]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`line ${rows.length + 2}: timestamp "2023-08-22 08:00:00" has no time zone`);
    expect(r.out).toBe('');
  });
});

describe('carry backtest: the README example', () => {
  it('runs as written on the committed example CSV and config', async () => {
    const r = await runCli(['backtest', '--data', 'config/examples/binance-btcusdt-8h-2023-08.csv', '--config', 'config/examples/backtest-always-in.json', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.rows).toBe(93);
    expect(out.malformed).toBe(0);
    expect(out.positions).toHaveLength(1);
    expect(out.funding).toBeGreaterThan(0);
  }, 60_000);
});

describe('carry backtest: BitMEX, its own funding file', () => {
  it('reads the raw BitMEX /funding CSV (closed venue, historical only) and books its rates, announced one interval ahead', async () => {
    const from = '2016-06-01T00:00:00Z';
    const to = '2016-07-15T00:00:00Z';
    const db = join(tempDir(), 'bitmex.db');
    const r = await runCli(['backtest', '--data', BITMEX_CSV, '--config', 'config/examples/backtest-always-in.json', '--from', from, '--to', to, '--db', db, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('bitmex (detected: header has fundingInterval and fundingRate');
    expect(r.err).toContain('symbol XBTUSD read as BTC/USD:BTC');
    const out = JSON.parse(r.out);
    expect(out.rows).toBe(4866);
    expect(out.positions).toHaveLength(1);
    const ledger = openReadOnly(db);
    try {
      const p = ledger.positions()[0]!;
      expect(p).toMatchObject({ venue: 'bitmex', perpSymbol: 'BTC/USD:BTC', settlement: 'inverse' });
      const paid = ledger.fundingPayments(p.positionId);
      const file = new Map(bitmexRows().map((x) => [x.ts, x.rate]));
      expect(paid.length).toBeGreaterThan(100);
      // Every settlement the position was in for, at the rate the file gives for that instant.
      for (const x of paid) expect(x.rate).toBe(file.get(x.settlementTime));
      expect(paid.map((x) => x.settlementTime)).toEqual([...file.keys()].filter((t) => t > paid[0]!.settlementTime - 1 && t <= Date.parse(to)));
    } finally {
      ledger.close();
    }
  }, 120_000);
});
