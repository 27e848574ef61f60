/**
 * Crash and restart (issue 3): "a run killed between two events and restarted ends with the same
 * ledger totals as an uninterrupted run". The engine appends each tick's events in one
 * transaction with its checkpoint (src/engine/engine.ts), so a SIGKILL anywhere leaves the ledger
 * as after the previous tick, and the restarted run repeats the lost tick at the same simulated
 * instant. Checked here against an uninterrupted run of the same command: same P&L totals, same
 * wallet balances, same counts, and in fact the same event log, byte for byte.
 *
 * Kills are real SIGKILLs of a child `carry paper`: at chosen points inside the ledger
 * transaction (test/support/carry-child.mjs wraps the ledger from outside; carry has no test
 * hook), before a chosen tick commits, or from outside at a moment the parent picks by polling
 * the ledger. The restart is the same command, run until it ends.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import { runCarryProcess, type SpawnOptions } from '../support/carry-process.js';
import { eventRows, firstEventDifference, paperConfig, summariseLedger, type LedgerSummary } from '../support/paper-ledger.js';

// 20 hours: positions open from 00:10, the first funding at 08:00, the first close at 19:30.
const UNTIL = '2026-01-05T20:00:00Z';
// A 5-minute scan keeps a simulated day cheap. The monitor runs at second 30 of each minute:
// on the whole minute it would take the T−60 s slot of the pre-settlement check, which then
// never runs (reported separately), and that check is one of the ticks a kill must not disturb.
// The 15% switch threshold (the default is 50%) makes the day's first close, a switch at 19:30, that
// the kills below must get through.
const CONFIG = { jobs: { scan: '*/5 * * * *', monitor: '30 * * * * *' }, strategy: { switchMinAprGain: 0.15 } };

let cfg: string;
let refDb: string;
let reference: LedgerSummary;

const args = (db: string) => ['paper', '--market', 'sim:42', '--speed', 'max', '--until', UNTIL, '--db', db, '--config', cfg, '--quiet'];

/** The killed ledger holds exactly a prefix of the uninterrupted run's log: whole ticks, nothing half-written. */
function expectPrefixOfReference(db: string, what: string): void {
  const got = eventRows(db).map((r) => r.payload);
  const ref = eventRows(refDb).map((r) => r.payload);
  expect(got.length, `${what}: the kill came before the run ended`).toBeLessThan(ref.length);
  expect(got, `${what}: the log is a prefix of the uninterrupted one`).toEqual(ref.slice(0, got.length));
  expect(summariseLedger(db).verified, `${what}: projections equal the replayed log`).toBe(true);
}

/** Runs the command once per kill point (each a SIGKILLed child), then to the end in-process. */
async function killAndRestart(db: string, kills: readonly (SpawnOptions & { readonly what: string })[]): Promise<LedgerSummary> {
  for (const kill of kills) {
    const run = await runCarryProcess(args(db), kill);
    expect(run.signal, `${kill.what}: the child was killed (exit code ${run.code}; stderr: ${run.err.slice(-500)})`).toBe('SIGKILL');
    expectPrefixOfReference(db, kill.what);
  }
  const restart = await runCli(args(db));
  expect(restart.code, restart.err).toBe(0);
  return summariseLedger(db);
}

function expectSameLedger(actual: LedgerSummary, db: string): void {
  expect(actual.verified).toBe(true);
  // First the log itself: when it differs, the message shows the first event that does.
  expect(firstEventDifference(refDb, db)).toBeNull();
  expect(actual.totals).toEqual(reference.totals);
  expect(actual.balances).toEqual(reference.balances);
  expect({ fills: actual.fills, fundingPayments: actual.fundingPayments, events: actual.events }).toEqual({
    fills: reference.fills,
    fundingPayments: reference.fundingPayments,
    events: reference.events,
  });
  expect(actual.eventsHash).toBe(reference.eventsHash);
}

describe('carry paper killed with SIGKILL and restarted', () => {
  beforeAll(async () => {
    cfg = paperConfig(CONFIG);
    refDb = join(tempDir('carry-crash-'), 'reference.db');
    const r = await runCli(args(refDb));
    expect(r.code, r.err).toBe(0);
    reference = summariseLedger(refDb);
  }, 60_000);

  it('the uninterrupted day has what the kills must not disturb: opens, funding, a close', () => {
    const types = new Set(eventRows(refDb).map((r) => r.type));
    expect(reference.verified).toBe(true);
    expect(reference.positions.length).toBeGreaterThanOrEqual(3);
    expect(reference.positions.some((p) => p.state === 'closed')).toBe(true);
    expect(reference.fundingPayments).toBeGreaterThanOrEqual(3);
    // Two legs per open, two more per close (more when a leg fills over several levels).
    expect(reference.fills).toBeGreaterThanOrEqual(2 * reference.positions.length + 2);
    expect(types.has('equity.snapshot')).toBe(true);
    expect(reference.totals.funding).toBeGreaterThan(0);
  });

  it('killed while a position is being opened: first leg filled, hedge sent', async () => {
    const db = join(tempDir('carry-crash-'), 'open.db');
    const actual = await killAndRestart(db, [
      { what: 'kill between the two legs of an open', killInside: { event: 'order.submitted', where: { purpose: 'hedge' }, nth: 1 } },
    ]);
    expectSameLedger(actual, db);
  }, 90_000);

  it('killed while funding is booked, while a position closes, and at a moment picked from outside', async () => {
    const db = join(tempDir('carry-crash-'), 'chain.db');
    const late = Math.floor(reference.events * 0.8);
    const actual = await killAndRestart(db, [
      { what: 'kill while a funding payment is booked', killInside: { event: 'funding.payment', nth: 1 } },
      { what: 'kill while a position closes', killInside: { event: 'position.transition', where: { to: 'closing' }, nth: 1 } },
      { what: `kill from outside after ${late} events`, watch: { db, when: (n) => n >= late, signal: 'SIGKILL' } },
    ]);
    expectSameLedger(actual, db);
  }, 90_000);

  it('killed after the last scan before a settlement, before the pre-settlement check commits', async () => {
    const db = join(tempDir('carry-crash-'), 'settlement.db');
    const actual = await killAndRestart(db, [{ what: 'kill as the pre-settlement check commits', killInside: { job: 'settlement', nth: 1 } }]);
    expectSameLedger(actual, db);
  }, 90_000);
});
