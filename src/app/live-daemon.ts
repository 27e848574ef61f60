/**
 * The live daemon: the live stack's jobs on the wall clock (scan, monitor, pre-settlement check,
 * daily summary, control poll), all through the stack's one queue, and the ledger lease renewed
 * beside them until stop().
 */
import { isCarryError } from '../domain/errors.js';
import { WallClock } from '../domain/clock.js';
import { parseCron } from '../scheduler/cron-next.js';
import type { JobSpec } from '../scheduler/job.js';
import { WallScheduler } from '../scheduler/wall-scheduler.js';
import { moduleLogger, type Logger } from '../util/log.js';
import type { LiveJob, LiveStack } from './live-run.js';

export interface LiveDaemon {
  readonly done: Promise<void>;
  stop(): void;
}

/** The daemon: the jobs on the wall clock, the lease renewed beside them, until stop(). */
export function startLiveDaemon(stack: LiveStack, opts: { readonly log?: Logger; readonly onTick?: (job: string) => void } = {}): LiveDaemon {
  const { config, ledger } = stack;
  const log = opts.log ?? moduleLogger('live');
  const job = (name: LiveJob): (() => Promise<void>) => async () => {
    await stack.run(name);
    opts.onTick?.(name);
  };
  const poll = config.live.controlPollMs;
  const specs: JobSpec[] = [
    { name: 'scan', trigger: { kind: 'cron', schedule: parseCron(config.jobs.scan, 'jobs.scan') }, run: job('scan') },
    { name: 'monitor', trigger: { kind: 'cron', schedule: parseCron(config.jobs.monitor, 'jobs.monitor') }, run: job('monitor') },
    { name: 'settlement', trigger: { kind: 'dynamic', next: (after) => stack.engine.nextSettlementCheck(after) }, run: job('settlement') },
    { name: 'daily', trigger: { kind: 'cron', schedule: parseCron(config.jobs.dailySummary, 'jobs.dailySummary') }, run: job('daily') },
    { name: 'control', trigger: { kind: 'dynamic', next: (after) => after + poll }, run: job('control') },
  ];
  const clock = new WallClock();
  const scheduler = new WallScheduler(specs, clock, log);
  stack.useJobStats(() => scheduler.stats());
  // The lease is renewed outside the job queue: a long tick must not look like a dead daemon to
  // `carry kill`, which would then trade beside it.
  let lost: unknown = null;
  let stopNow: () => void = () => undefined;
  const beat = setInterval(() => {
    try {
      ledger.heartbeat(process.pid, Date.now());
    } catch (e) {
      if (!isCarryError(e)) throw e;
      lost = e;
      log.error({ err: e.message }, 'lease lost: another process holds this ledger; stopping');
      stopNow();
    }
  }, Math.max(100, Math.floor(poll / 2)));
  scheduler.start();
  // The first scan runs at once rather than at the next cron minute: a restart reconciles and
  // resumes whatever was mid-protocol straight away.
  stack.run('scan').catch((e: unknown) => log.error({ err: e instanceof Error ? e.message : String(e) }, 'first scan failed; the schedule retries'));
  const done = new Promise<void>((resolve) => (stopNow = resolve)).then(async () => {
    clearInterval(beat);
    await scheduler.stop();
    await stack.close();
    if (lost) throw lost;
  });
  return { done, stop: () => stopNow() };
}
