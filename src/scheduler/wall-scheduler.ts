/**
 * Drives jobs on the wall clock with node-cron (UTC). Dynamic jobs run on a timer re-armed
 * after every tick. stop() stops new ticks and waits for the running ones to finish.
 */
import nodeCron, { type ScheduledTask } from 'node-cron';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../util/log.js';
import { GuardedJob, type JobSpec, type JobStats } from './job.js';

export class WallScheduler {
  private readonly jobs: GuardedJob[];
  private readonly tasks: ScheduledTask[] = [];
  private readonly timers = new Map<GuardedJob, { readonly timer: NodeJS.Timeout; readonly at: number }>();
  private readonly lastFired = new Map<GuardedJob, number>();
  private stopped = false;

  constructor(
    specs: readonly JobSpec[],
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.jobs = specs.map((s) => new GuardedJob(s, clock, log));
  }

  start(): void {
    for (const job of this.jobs) {
      const t = job.spec.trigger;
      if (t.kind === 'cron') {
        const task = nodeCron.createTask(t.schedule.expression, () => this.fire(job), { timezone: 'Etc/UTC', name: job.spec.name });
        void task.start();
        this.tasks.push(task);
      } else this.arm(job);
    }
  }

  private fire(job: GuardedJob): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return job.fire().then(() => this.rearmDynamic());
  }

  private arm(job: GuardedJob): void {
    const t = job.spec.trigger;
    if (t.kind !== 'dynamic' || this.stopped) return;
    const now = this.clock.now();
    // Look from a second back (a check due this very second must not be lost to a cron tick
    // that ran first), but never at or before this job's own last run.
    const at = t.next(Math.max(now - 1000, this.lastFired.get(job) ?? -Infinity));
    const existing = this.timers.get(job);
    if (existing && at !== null && existing.at <= at) return; // the pending timer comes first
    if (existing) clearTimeout(existing.timer);
    this.timers.delete(job);
    if (at === null) return;
    // Timers beyond ~24 days overflow; re-check daily at most.
    const delay = Math.min(Math.max(0, at - now), 86_400_000);
    const timer = setTimeout(() => {
      this.timers.delete(job);
      if (this.clock.now() + 5 >= at) {
        this.lastFired.set(job, at);
        void this.fire(job);
      } else this.arm(job);
    }, delay);
    this.timers.set(job, { timer, at });
  }

  private rearmDynamic(): void {
    for (const j of this.jobs) if (j.spec.trigger.kind === 'dynamic') this.arm(j);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.tasks) await t.destroy();
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    await Promise.all(this.jobs.map((j) => j.idle()));
    this.log.info({ jobs: this.stats() }, 'scheduler stopped');
  }

  stats(): readonly JobStats[] {
    return this.jobs.map((j) => j.snapshot());
  }
}
