/**
 * `carry status`, `carry pnl` and `carry history` on the ledger a `carry paper` run left: they
 * exit 0, their JSON parses, and their numbers agree with what the run printed and with the
 * ledger's own rows (summed here in SQL, independently of the P&L code).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import { ledgerRows, paperConfig } from '../support/paper-ledger.js';

const UNTIL = '2026-01-05T20:00:00Z'; // by then positions were opened, one closed, funding paid

let db: string;
let cfg: string;
let printed: Record<string, number>;

/** The run's closing summary ("funding 12.34   fees -5.67 ...") as numbers by label. */
function parseSummary(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/([a-z]+) (-?\d+(?:\.\d+)?)(%?)/g)) out[m[1]!] = Number(m[2]);
  return out;
}

function sql<T>(query: string): T {
  return ledgerRows<T>(db, query)[0] as T;
}

describe('reports on a paper ledger', () => {
  beforeAll(async () => {
    db = join(tempDir('carry-reports-'), 'paper.db');
    cfg = paperConfig({ jobs: { scan: '*/5 * * * *', monitor: '30 * * * * *' } });
    const r = await runCli(['paper', '--market', 'sim:42', '--speed', 'max', '--until', UNTIL, '--db', db, '--config', cfg, '--quiet']);
    expect(r.code, r.err).toBe(0);
    printed = parseSummary(r.out);
  }, 60_000);

  it('carry pnl --json: the totals the run printed, and the sums of the ledger rows', async () => {
    const r = await runCli(['pnl', '--db', db, '--json', '--config', cfg]);
    expect(r.code, r.err).toBe(0);
    const body = JSON.parse(r.out) as {
      at: number;
      totals: Record<string, number>;
      positions: { positionId: string; funding: number; fees: number }[];
      balances: { venue: string; currency: string; amount: number }[];
    };
    // As of the run's last tick: the --until instant (plus any order latency that tick waited).
    expect(body.at - Date.parse(UNTIL)).toBeGreaterThanOrEqual(0);
    expect(body.at - Date.parse(UNTIL)).toBeLessThan(60_000);
    const t = body.totals;
    // What the run printed is the same P&L, to the cent.
    for (const k of ['funding', 'realised', 'unrealised', 'net', 'notional'] as const) expect(t[k]!.toFixed(2), k).toBe(printed[k]!.toFixed(2));
    expect(t['positions']).toBe(printed['positions']);
    expect((-t['fees']!).toFixed(2)).toBe(printed['fees']!.toFixed(2));
    // Independently of the P&L code: sums over the ledger's rows.
    const funding = sql<{ s: number }>(`SELECT SUM(amount_quote) AS s FROM funding_payments`).s;
    const fees = sql<{ s: number }>(`SELECT SUM(fee_quote) AS s FROM fills`).s;
    const traded = sql<{ n: number }>(`SELECT COUNT(DISTINCT position_id) AS n FROM fills`).n;
    expect(funding).toBeGreaterThan(0);
    expect(t['funding']).toBeCloseTo(funding, 9);
    expect(t['fees']).toBeCloseTo(fees, 9);
    expect(t['positions']).toBe(traded);
    expect(t['net']).toBeCloseTo(t['realised']! + t['unrealised']!, 9);
    expect(body.positions.length).toBe(traded);
    expect(body.positions.reduce((s, p) => s + p.funding, 0)).toBeCloseTo(funding, 9);
    // Balances: every funded venue, and the sum of the wallet entries.
    const usdt = sql<{ s: number }>(`SELECT SUM(amount) AS s FROM wallet_entries WHERE venue = 'binance' AND currency = 'USDT'`).s;
    expect(body.balances.find((b) => b.venue === 'binance' && b.currency === 'USDT')?.amount).toBeCloseTo(usdt, 9);
    expect(new Set(body.balances.map((b) => b.venue))).toEqual(new Set(['binance', 'bybit', 'okx', 'deribit']));

    const text = await runCli(['pnl', '--db', db, '--config', cfg]);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`funding ${printed['funding']!.toFixed(2)}`);
  });

  it('carry status --json: the open positions of the ledger, with their holdings', async () => {
    const r = await runCli(['status', '--db', db, '--json', '--config', cfg]);
    expect(r.code, r.err).toBe(0);
    const body = JSON.parse(r.out) as { at: number; positions: { position: { positionId: string; state: string; spotQty: number; perpContracts: number }; residualBase: number | null }[] };
    expect(body.at - Date.parse(UNTIL)).toBeGreaterThanOrEqual(0);
    expect(body.at - Date.parse(UNTIL)).toBeLessThan(60_000);
    const open = sql<{ ids: string | null }>(`SELECT group_concat(position_id, ',') AS ids FROM (SELECT position_id FROM positions WHERE state NOT IN ('closed', 'failed') ORDER BY position_id)`).ids;
    expect(open).not.toBeNull();
    expect(body.positions.map((p) => p.position.positionId).sort().join(',')).toBe(open);
    for (const p of body.positions) {
      expect(p.position.state).toBe('open');
      expect(p.position.spotQty).toBeGreaterThan(0);
      expect(p.position.perpContracts).toBeLessThan(0);
      expect(p.residualBase).not.toBeNull();
    }
    const text = await runCli(['status', '--db', db, '--config', cfg]);
    expect(text.code).toBe(0);
    for (const p of body.positions) expect(text.out).toContain(p.position.positionId);
  });

  it('carry history --limit 5: the five newest events, newest first', async () => {
    const r = await runCli(['history', '--db', db, '--limit', '5', '--json', '--config', cfg]);
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out) as { seq: number; type: string; event: { type: string } }[];
    const last = sql<{ m: number }>(`SELECT MAX(seq) AS m FROM events`).m;
    expect(rows.map((x) => x.seq)).toEqual([last, last - 1, last - 2, last - 3, last - 4]);
    for (const x of rows) expect(x.event.type).toBe(x.type);
    const text = await runCli(['history', '--db', db, '--limit', '5', '--config', cfg]);
    expect(text.code).toBe(0);
    expect(text.out.trim().split('\n').length).toBeGreaterThanOrEqual(5);
  });
});
