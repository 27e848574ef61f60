/**
 * A periodic job with an overlap guard: a tick still running makes the next one skip, and
 * says so. A failing tick is logged and counted, never fatal to the daemon.
 */
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../util/log.js';
import type { CronSchedule } from './cron-next.js';

export type Trigger =
  | { readonly kind: 'cron'; readonly schedule: CronSchedule }
  /** Fires at a time the engine computes (e.g. shortly before the next settlement); null = not now. */
  | { readonly kind: 'dynamic'; readonly next: (after: number) => number | null };

export interface JobSpec {
  readonly name: string;
  readonly trigger: Trigger;
  readonly run: () => Promise<void>;
}

export interface JobStats {
  readonly name: string;
  readonly runs: number;
  readonly skipped: number;
  readonly failures: number;
  readonly lastStartedAt: number | null;
  readonly lastFinishedAt: number | null;
  readonly lastError: string | null;
}

export class GuardedJob {
  private running: Promise<void> | null = null;
  private stats: { runs: number; skipped: number; failures: number; lastStartedAt: number | null; lastFinishedAt: number | null; lastError: string | null } = {
    runs: 0,
    skipped: 0,
    failures: 0,
    lastStartedAt: null,
    lastFinishedAt: null,
    lastError: null,
  };

  constructor(
    readonly spec: JobSpec,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  get busy(): boolean {
    return this.running !== null;
  }

  /** Runs the job unless the previous tick is still running. Never throws. */
  fire(): Promise<void> {
    if (this.running) {
      this.stats.skipped++;
      this.log.warn({ job: this.spec.name, startedAt: this.stats.lastStartedAt }, 'tick skipped: the previous one is still running');
      return Promise.resolve();
    }
    this.stats.lastStartedAt = this.clock.now();
    const run = (async () => {
      try {
        await this.spec.run();
        this.stats.runs++;
      } catch (e) {
        this.stats.failures++;
        this.stats.lastError = e instanceof Error ? e.message : String(e);
        this.log.error({ job: this.spec.name, err: this.stats.lastError }, 'tick failed');
      } finally {
        this.stats.lastFinishedAt = this.clock.now();
        this.running = null;
      }
    })();
    this.running = run;
    return run;
  }

  /** Resolves when the current tick (if any) has finished. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  snapshot(): JobStats {
    return { name: this.spec.name, ...this.stats };
  }
}
