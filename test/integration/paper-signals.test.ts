/**
 * `carry paper` as a daemon: SIGTERM finishes the current tick, closes the ledger and exits 0;
 * the same command started again continues from the checkpoint (no second wallet funding, the
 * clock picks up where it stopped).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import { runCarryProcess } from '../support/carry-process.js';
import { eventRows, paperConfig, summariseLedger } from '../support/paper-ledger.js';

describe('carry paper and signals', () => {
  it('SIGTERM: exits 0 with a verified ledger, and a restart continues from the checkpoint', async () => {
    const db = join(tempDir('carry-signal-'), 'paper.db');
    const cfg = paperConfig({});
    // Default schedule (scan every 5 minutes, monitor every 15 s) at 60× real time: a tick a
    // quarter second, so the signal lands while ticks are running.
    const run = await runCarryProcess(['paper', '--market', 'sim', '--speed', '60', '--db', db, '--config', cfg], {
      watch: { db, when: (n) => n > 0, delayMs: 1_500, signal: 'SIGTERM' },
      timeoutMs: 30_000,
    });
    expect(run.signal, run.err).toBeNull();
    expect(run.code, run.err).toBe(0);
    expect(run.msAfterSignal).not.toBeNull();
    expect(run.msAfterSignal!).toBeLessThan(5_000);
    expect(run.err).toMatch(/paper: \d+ ticks; ledger .*paper\.db/);
    // The command's closing summary went out before it exited.
    expect(run.out).toMatch(/^positions \d+/m);

    const first = summariseLedger(db);
    expect(first.verified).toBe(true);
    expect(first.checkpointClock).not.toBeNull();
    const stoppedAt = first.checkpointClock!;
    const firstEvents = eventRows(db);
    const funded = firstEvents.filter((e) => e.type === 'wallet.funded').length;
    expect(funded).toBe(4); // binance, bybit, okx, deribit; bitmex is closed
    expect(firstEvents.filter((e) => e.type === 'scan.recorded').length).toBeGreaterThanOrEqual(1);

    const again = await runCli(['paper', '--market', 'sim', '--speed', 'max', '--for', '50m', '--db', db, '--config', cfg, '--quiet']);
    expect(again.code, again.err).toBe(0);
    const second = summariseLedger(db);
    expect(second.verified).toBe(true);
    const all = eventRows(db);
    // The old log is untouched, the wallet is not funded twice, and new events start at the checkpoint.
    expect(all.slice(0, firstEvents.length)).toEqual(firstEvents);
    expect(all.filter((e) => e.type === 'wallet.funded').length).toBe(funded);
    const added = all.slice(firstEvents.length);
    expect(added.filter((e) => e.type === 'scan.recorded').length).toBeGreaterThanOrEqual(9);
    expect(Math.min(...added.map((e) => e.ts))).toBeGreaterThanOrEqual(stoppedAt);
    // --for counts from where the run resumed, not from the sim's start: the last scan (one
    // every 5 minutes) is the last 5-minute mark at or before the checkpoint + 50 minutes.
    const until = stoppedAt + 50 * 60_000;
    expect(second.lastRun['scan']).toBe(Math.floor(until / 300_000) * 300_000);
  }, 60_000);
});
