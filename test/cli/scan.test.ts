import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BYBIT_TAPE } from '../support/shared-data.js';
import { quietConfig, runCli, tempDir } from '../support/cli.js';

describe('carry scan', () => {
  it('a tape recorded from the sim market replays to byte-identical --json output', async () => {
    const cfg = quietConfig();
    const tape = join(tempDir(), 'sim42.ndjson');
    const live = await runCli(['scan', '--market', 'sim:42', '--json', '--record', tape, '--config', cfg]);
    expect(live.code).toBe(0);
    const replay = await runCli(['scan', '--market', `replay:${tape}`, '--json', '--config', cfg]);
    expect(replay.code).toBe(0);
    expect(replay.out).toBe(live.out);
    // Not vacuous: the output carries ranked, priced opportunities from all four venues.
    const body = JSON.parse(live.out);
    expect(body.schema).toBe('carry.scan/1');
    const ok = body.venues.filter((v: { status: string }) => v.status === 'ok').map((v: { venue: string }) => v.venue);
    expect(ok).toEqual(['binance', 'bybit', 'okx', 'deribit']);
    expect(body.opportunities.length).toBeGreaterThan(5);
    expect(body.opportunities.some((o: { status: string; maxNotional: number | null }) => o.status === 'ok' && (o.maxNotional ?? 0) > 0)).toBe(true);
    // The tape holds every call the scan made, in the open format.
    const methods = new Set(readFileSync(tape, 'utf8').trim().split('\n').map((l) => JSON.parse(l).method));
    expect([...methods].sort()).toEqual(['fetchCrossBorrowRate', 'fetchFundingIntervals', 'fetchFundingRates', 'fetchOrderBook', 'fetchTickers', 'loadMarkets']);
  });

  it('the same seed gives the same scan; another seed gives another market', async () => {
    const cfg = quietConfig();
    const a = await runCli(['scan', '--market', 'sim:7', '--json', '--config', cfg]);
    const b = await runCli(['scan', '--market', 'sim:7', '--json', '--config', cfg]);
    const c = await runCli(['scan', '--market', 'sim:8', '--json', '--config', cfg]);
    expect(a.out).toBe(b.out);
    expect(c.out).not.toBe(a.out);
  });

  it('lists BitMEX as closed, never as an error', async () => {
    const r = await runCli(['scan', '--market', 'sim:1', '--json', '--config', quietConfig()]);
    const bitmex = JSON.parse(r.out).venues.find((v: { venue: string }) => v.venue === 'bitmex');
    expect(bitmex).toMatchObject({ status: 'closed', since: '2026-09-23' });
    const table = await runCli(['scan', '--market', 'sim:1', '--config', quietConfig()]);
    expect(table.out).toMatch(/bitmex: closed since 2026-09-23/);
  });

  it('scans the real Bybit tape: interval, rate and next funding from the recorded answers', async () => {
    const r = await runCli(['scan', '--market', `replay:${BYBIT_TAPE}`, '--json', '--top', '10', '--config', quietConfig()]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.atIso).toBe('2026-08-09T21:27:21.516Z');
    const btc = body.opportunities.find((o: { perpSymbol: string }) => o.perpSymbol === 'BTC/USDT:USDT');
    expect(btc).toMatchObject({ venue: 'bybit', spotSymbol: 'BTC/USDT', intervalHours: 8, rateKind: 'predicted', direction: 'carry' });
    expect(btc.grossApr).toBeCloseTo(btc.rate * 3 * 365, 12);
    // next funding 2026-08-10T00:00Z, 2h32m28.484s after the last record
    expect(btc.nextFundingInMs).toBe(Date.UTC(2026, 7, 10) - Date.UTC(2026, 7, 9, 21, 27, 21, 516));
    const sol = body.opportunities.find((o: { perpSymbol: string }) => o.perpSymbol === 'SOL/USDT:USDT');
    expect(sol.status).toBe('filtered');
    expect(sol.reasons.join(' ')).toMatch(/spot/);
    expect(body.venues.find((v: { venue: string }) => v.venue === 'binance')).toMatchObject({ status: 'unavailable' });
  });

  it('exits 3 with a hint when no venue is reachable', async () => {
    const tape = join(tempDir(), 'down.ndjson');
    const err = { name: 'RequestTimeout', message: 'bybit GET https://api.bybit.com/v5/market/instruments-info request timed out (10000 ms)' };
    writeFileSync(tape, JSON.stringify({ ts: 1_786_310_821_516, venue: 'bybit', method: 'loadMarkets', args: [], error: err }) + '\n');
    const r = await runCli(['scan', '--market', `replay:${tape}`, '--venues', 'bybit', '--config', quietConfig()]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/no venue reachable/);
    expect(r.err).toMatch(/--market sim/);
    expect(r.err).toMatch(/timed out/);
  });

  it('bad input exits 2 naming what was wrong', async () => {
    const cfg = quietConfig();
    const cases: [string[], RegExp][] = [
      [['scan', '--market', 'mars', '--config', cfg], /--market: found "mars"/],
      [['scan', '--market', 'sim', '--notional', 'lots', '--config', cfg], /--notional: found "lots"; expected a number/],
      [['scan', '--market', 'sim', '--top', '0', '--config', cfg], /--top: found "0"/],
      [['scan', '--market', 'sim', '--venues', 'kraken-x', '--config', cfg], /--venues: "kraken-x" is not a configured venue/],
      [['scan', '--bogus', '--config', cfg], /Unknown option '--bogus'/],
      [['scan', '--market', 'replay:/nonexistent/tape.ndjson', '--config', cfg], /no such file/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
  });

  it('a bad config refuses to start with exit 2, naming field, value and expectation', async () => {
    const bad = quietConfig({ scan: { maxSlippageBps: 'ten' } });
    const r = await runCli(['scan', '--market', 'sim', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/scan\.maxSlippageBps: found "ten"; expected number/);
  });

  it('refuses an unknown ccxt id in the config with the list of valid ones', async () => {
    const bad = quietConfig({ venues: { notanexchange: { enabled: true } } });
    const r = await runCli(['scan', '--market', 'sim', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/venues\.notanexchange/);
    expect(r.err).toMatch(/binance/);
    expect(r.err).toMatch(/kraken/);
  });
});

describe('carry config check', () => {
  it('prints the effective config with secrets redacted', async () => {
    process.env['CARRY_OKX_SECRET'] = 'very-secret-value-123';
    try {
      const r = await runCli(['config', 'check', '--config', quietConfig({ scan: { notional: 5000 } })]);
      expect(r.code).toBe(0);
      expect(r.out).not.toContain('very-secret-value-123');
      const body = JSON.parse(r.out);
      expect(body.config.scan.notional).toBe(5000);
      expect(body.secrets.okx.CARRY_OKX_SECRET).toBe('[redacted]');
      expect(body.secrets.okx.CARRY_OKX_API_KEY).toBe('(not set)');
    } finally {
      delete process.env['CARRY_OKX_SECRET'];
    }
  });
});
