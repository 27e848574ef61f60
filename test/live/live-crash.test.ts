/**
 * Issue 10: "The process killed (SIGKILL) in the middle of opening, then restarted: reconciled,
 * and the position either hedged or unwound." A real `carry live` process against the loopback
 * mock, killed by the child hook (test/support/carry-child.mjs) at two points of the open:
 * - before the hedge order is committed to the ledger (so never sent): leg one is held alone;
 * - after the hedge order was sent and filled at the venue, before its fills reached the ledger:
 *   the venue holds both legs, the ledger only leg one and an order of unknown outcome.
 * Then `carry live` again on the same ledger: it must find out what happened, never send the
 * hedge twice, and end hedged or unwound with the ledger equal to the venue.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/store/ledger.js';
import { tempDir } from '../support/cli.js';
import { runCarryProcess } from '../support/carry-process.js';
import { KEYS, liveHarness, PERP, type LiveHarness } from '../support/live-harness.js';

let h: LiveHarness;
let saved: Record<string, string | undefined>;
const VARS = ['CARRY_BINANCE_API_KEY', 'CARRY_BINANCE_SECRET'];

beforeEach(() => {
  saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
  process.env['CARRY_BINANCE_API_KEY'] = KEYS.binance.apiKey;
  process.env['CARRY_BINANCE_SECRET'] = KEYS.binance.secret;
});
afterEach(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await h?.close();
});

function configFile(): string {
  const cfg = { ...h.configJson, jobs: { scan: '* * * * * *', monitor: '*/5 * * * * *' } };
  const f = join(tempDir('carry-live-cfg-'), 'config.json');
  writeFileSync(f, JSON.stringify(cfg));
  return f;
}

function ledgerView(db: string) {
  const l = Ledger.open(db, { mode: 'live', readonly: true, carryVersion: 'test' });
  try {
    return { positions: l.positions(), orders: l.positions().flatMap((p) => l.orders(p.positionId)), verify: l.verify() };
  } finally {
    l.close();
  }
}

describe('carry live killed mid-open, then restarted', () => {
  it.each([
    ['before the hedge order is written (never sent): leg one unwound', { event: 'order.submitted', where: { purpose: 'hedge' }, nth: 1 }, 'failed'],
    // Leg one is the perp here (the spot is the hedge: its order ids read `:hedge:spot:`).
    ['after the hedge filled at the venue, before its fills are written: adopted hedged', { event: 'order.fill', where: { leg: 'spot' }, nth: 1 }, 'open'],
  ])('%s', async (_name, killInside, ended) => {
    h = await liveHarness();
    const cfg = configFile();
    const args = ['live', '--live', '--yes', '--config', cfg, '--db', h.dbPath];
    const crashed = await runCarryProcess(args, { killInside, timeoutMs: 60_000 });
    expect(crashed.signal, crashed.err).toBe('SIGKILL');
    const before = ledgerView(h.dbPath);
    expect(before.positions.map((p) => p.state)).toEqual(['pending_open']);
    const venueAtCrash = h.mock.state().positions.find((p) => p.symbol === PERP)?.contracts ?? 0;
    expect(venueAtCrash).toBeLessThan(0);

    const restarted = await runCarryProcess([...args, '--for', '6s'], { timeoutMs: 60_000 });
    expect(restarted.code, restarted.err).toBe(0);
    const after = ledgerView(h.dbPath);
    expect(after.verify.ok).toBe(true);
    // The interrupted position ended hedged or unwound (the restarted daemon may then open anew).
    const p = after.positions[0]!;
    expect(p.state).toBe(ended);
    expect(after.orders.filter((o) => o.status === 'submitted')).toEqual([]);
    // The ledger equals the venue: perp position and spot coin, over every position.
    const st = h.mock.state();
    const perp = st.positions.find((x) => x.symbol === PERP)?.contracts ?? 0;
    const held = (f: (x: (typeof after.positions)[number]) => number) => after.positions.reduce((s, x) => s + f(x), 0);
    expect(perp).toBeCloseTo(held((x) => x.perpContracts), 12);
    expect((st.balances['spot'] as Record<string, number>)['BTC'] ?? 0).toBeCloseTo(held((x) => x.spotQty), 12);
    for (const x of after.positions.filter((y) => y.state === 'open')) expect(Math.abs(x.spotQty + x.perpContracts)).toBeLessThan(0.001);
    // Never a second copy of any order.
    expect([...h.mock.ordersByClientId().values()].filter((l) => l.length > 1)).toEqual([]);
  }, 120_000);
});
