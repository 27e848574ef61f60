import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../src/domain/clock.js';
import { parseCron } from '../../src/scheduler/cron-next.js';
import { GuardedJob } from '../../src/scheduler/job.js';
import { SimScheduler, YIELD_EVERY_MS } from '../../src/scheduler/sim-scheduler.js';

const T0 = Date.UTC(2026, 0, 5);
const silent = pino({ level: 'silent' });

describe('SimScheduler', () => {
  it('runs cron jobs in time order, a job due at the start included', async () => {
    const clock = new SimClock(T0);
    const runs: string[] = [];
    const s = new SimScheduler(
      [
        { name: 'scan', trigger: { kind: 'cron', schedule: parseCron('*/5 * * * *', 'x') }, run: async () => void runs.push(`scan ${(clock.now() - T0) / 60_000}`) },
        { name: 'mon', trigger: { kind: 'cron', schedule: parseCron('*/2 * * * *', 'x') }, run: async () => void runs.push(`mon ${(clock.now() - T0) / 60_000}`) },
      ],
      clock,
      silent,
    );
    await s.runUntil(T0 + 6 * 60_000);
    expect(runs).toEqual(['scan 0', 'mon 0', 'mon 2', 'mon 4', 'scan 5', 'mon 6']);
    expect(clock.now()).toBe(T0 + 6 * 60_000);
  });

  it('a dynamic job due on the same instant as a cron job still runs, once', async () => {
    const clock = new SimClock(T0);
    const runs: string[] = [];
    const settlement = T0 + 8 * 3_600_000;
    const s = new SimScheduler(
      [
        { name: 'scan', trigger: { kind: 'cron', schedule: parseCron('* * * * *', 'x') }, run: async () => undefined },
        // due 60 s before the settlement: exactly on a whole minute, like the scan
        { name: 'settle', trigger: { kind: 'dynamic', next: (after) => (settlement - 60_000 > after ? settlement - 60_000 : null) }, run: async () => void runs.push(new Date(clock.now()).toISOString()) },
      ],
      clock,
      silent,
    );
    await s.runUntil(settlement + 3_600_000);
    expect(runs).toEqual(['2026-01-05T07:59:00.000Z']);
  });

  it('resumes each job from its last run: a job due but not run before a restart runs first', async () => {
    const clock = new SimClock(T0 + 5 * 60_000 + 300); // the scan at 00:05 ran (and took 300 ms)
    const runs: string[] = [];
    const s = new SimScheduler(
      [
        { name: 'scan', trigger: { kind: 'cron', schedule: parseCron('*/5 * * * *', 'x') }, run: async () => void runs.push('scan') },
        { name: 'mon', trigger: { kind: 'cron', schedule: parseCron('* * * * *', 'x') }, run: async () => void runs.push(`mon ${clock.now() - T0}`) },
      ],
      clock,
      silent,
    );
    await s.runUntil(T0 + 6 * 60_000, 'max', { scan: T0 + 5 * 60_000, mon: T0 + 4 * 60_000 });
    expect(runs).toEqual([`mon ${5 * 60_000 + 300}`, `mon ${6 * 60_000}`]);
  });
});

describe('GuardedJob', () => {
  it('skips a tick while the previous one runs, and says so', async () => {
    const clock = new SimClock(T0);
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    let release: () => void = () => undefined;
    let runs = 0;
    const job = new GuardedJob({ name: 'scan', trigger: { kind: 'cron', schedule: parseCron('* * * * *', 'x') }, run: () => (runs++, new Promise<void>((r) => (release = r))) }, clock, log);
    const first = job.fire();
    await job.fire();
    release();
    await first;
    expect(runs).toBe(1);
    expect(job.snapshot()).toMatchObject({ runs: 1, skipped: 1 });
    expect(lines.join('')).toMatch(/tick skipped: the previous one is still running/);
  });

  it('a failing tick is counted and logged, never thrown', async () => {
    const job = new GuardedJob({ name: 'x', trigger: { kind: 'dynamic', next: () => null }, run: async () => Promise.reject(new Error('boom')) }, new SimClock(T0), silent);
    await expect(job.fire()).resolves.toBeUndefined();
    expect(job.snapshot()).toMatchObject({ failures: 1, lastError: 'boom' });
  });

  it("at 'max' speed, lets the event loop run between ticks (I/O and timers outside the engine are not starved), same ticks", async () => {
    const clock = new SimClock(T0);
    const seen: string[] = [];
    let immediates = 0;
    // Something outside the jobs that needs a turn of the event loop, like a socket's callback.
    const outside = () =>
      setImmediate(() => {
        immediates++;
        if (immediates < 5) outside();
      });
    outside();
    const s = new SimScheduler(
      [
        {
          name: 'mon',
          trigger: { kind: 'cron', schedule: parseCron('* * * * *', 'x') },
          run: async () => {
            seen.push(`${(clock.now() - T0) / 60_000}@${immediates}`);
            // A tick that takes longer than the yield period (a scan does): the loop yields after it.
            const until = performance.now() + YIELD_EVERY_MS + 1;
            while (performance.now() < until);
          },
        },
      ],
      clock,
      silent,
    );
    await s.runUntil(T0 + 3 * 60_000, 'max');
    // The jobs only await promises; without the loop's yields every tick would see 0.
    expect(seen).toEqual(['0@0', '1@1', '2@2', '3@3']);
  });
});
