/**
 * Drives jobs under a simulated clock: jumps the clock to the next due job and runs it, in
 * order, until a deadline. `speed: 'max'` runs as fast as the machine can; a number paces the
 * simulated clock at that multiple of real time.
 *
 * The loop turns the event loop (setImmediate) at least every YIELD_EVERY_MS of wall time,
 * whatever the speed. The sim's jobs only await promises (the sim market, SQLite and the paper
 * fills are synchronous), so without it a run at 'max' would never let sockets, timers or
 * anything else outside the engine run until it ends: alert deliveries (src/alerts/worker.ts)
 * would starve. Not after every tick: a turn costs ~3 µs and a month at 15-second monitor ticks
 * is 180,000 ticks, most of them a few µs each. It changes no result: nothing the engine reads
 * moves while it is yielded.
 */
import type { SimClock } from '../domain/clock.js';
import type { Logger } from '../util/log.js';
import { nextFire } from './cron-next.js';
import { GuardedJob, type JobSpec, type JobStats } from './job.js';

export type Speed = 'max' | number;

/** Longest stretch of wall time the loop runs without letting I/O callbacks and timers run. */
export const YIELD_EVERY_MS = 2;

/** Lets I/O callbacks and due timers run (the macrotask queue), not only promise continuations. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class SimScheduler {
  private readonly jobs: GuardedJob[];
  private stopRequested = false;

  constructor(
    specs: readonly JobSpec[],
    private readonly clock: SimClock,
    log: Logger,
  ) {
    this.jobs = specs.map((s) => new GuardedJob(s, clock, log));
  }

  private due(job: GuardedJob, after: number): number | null {
    const t = job.spec.trigger;
    if (t.kind === 'cron') return nextFire(t.schedule, after);
    const next = t.next(after);
    return next === null ? null : Math.max(next, Math.floor(after) + 1);
  }

  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Runs until the clock reaches `until` (or stop() is called). Returns how many ticks ran.
   * `lastRun` (from a checkpoint) resumes each job's schedule where it was: a job that was due
   * but had not run when the process stopped runs first. Without it, a job due exactly now runs.
   */
  async runUntil(until: number, speed: Speed = 'max', lastRun: Readonly<Record<string, number>> = {}): Promise<number> {
    let ticks = 0;
    const lastFired = this.jobs.map((j) => lastRun[j.spec.name] ?? -Infinity);
    // A dynamic job may be due at this very instant (a settlement check 60 s before a settlement
    // lands on the same second as the minute's scan): look from just before now, but never at
    // or before its own last run.
    const dynamicAfter = (i: number) => Math.max(this.clock.now() - 1, lastFired[i] as number);
    const dues = this.jobs.map((j, i) => {
      const last = lastRun[j.spec.name];
      if (j.spec.trigger.kind === 'dynamic') return this.due(j, dynamicAfter(i));
      return this.due(j, last ?? this.clock.now() - 1);
    });
    let lastYield = performance.now();
    while (!this.stopRequested) {
      let idx = -1;
      let at = Infinity;
      dues.forEach((d, i) => {
        if (d !== null && d < at) {
          at = d;
          idx = i;
        }
      });
      if (idx < 0 || at > until) break;
      if (speed !== 'max') {
        const wait = (at - this.clock.now()) / speed;
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      if (at > this.clock.now()) this.clock.set(at);
      const job = this.jobs[idx] as GuardedJob;
      lastFired[idx] = at;
      await job.fire();
      ticks++;
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      // A job may move the clock (latency, retries): the next fire is after where time now is.
      dues[idx] = job.spec.trigger.kind === 'dynamic' ? this.due(job, dynamicAfter(idx)) : this.due(job, Math.max(at, this.clock.now() - 1));
      // Dynamic triggers depend on state the job may have changed (e.g. a position opened).
      this.jobs.forEach((j, i) => {
        if (i !== idx && j.spec.trigger.kind === 'dynamic') dues[i] = this.due(j, dynamicAfter(i));
      });
    }
    if (!this.stopRequested && this.clock.now() < until) this.clock.set(until);
    return ticks;
  }

  stats(): readonly JobStats[] {
    return this.jobs.map((j) => j.snapshot());
  }
}
