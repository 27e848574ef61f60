/**
 * Alert delivery beside the engine: one DeliveryWorker per process drains the outbox on its own
 * loop. The engine only records decisions and their pending deliveries (AlertManager.record, in
 * one transaction) and calls `wake()`, which returns at once: no tick ever waits for a sink, so a
 * sink that answers 500, refuses connections or never answers costs the simulation and the
 * daemon nothing (docs/alerts.md "Delivery beside the engine").
 *
 * The worker runs a pass per sink when woken (new messages), when a retry falls due (one timer,
 * for the earliest due delivery of the sinks not already being worked on), and at start (what a
 * previous process left pending). Each sink works on its own: a slow sink holds back only itself.
 * Per-message budgets, per-key order and the retry schedule are the manager's (manager.ts).
 *
 * Which clock: the delivery clock, the wall clock in the daemon, whatever the market's clock.
 * The receivers are real endpoints on real time: a webhook that is down for ten minutes is down
 * for ten wall minutes, even while a sim at full speed runs days through in them. On the run's
 * clock a sim would burn a message's retries and its 24 h budget in a few wall seconds.
 *
 * Shutdown (`stop()`): no new attempt starts; the attempts in flight make no further retry and
 * get `graceMs` to finish (their outcome is recorded); then they are abandoned. Everything not
 * confirmed stays pending in the outbox and goes out at the next start, still on its own budget.
 */
import type { Clock } from '../domain/clock.js';
import { moduleLogger, type Logger } from '../util/log.js';
import type { DeliveryAttempt } from './manager.js';
import type { AlertManager } from './manager.js';
import { realTimers, type Timers } from './sinks/timers.js';

/** Longest single timer (setTimeout overflows past 2^31 − 1 ms); a later due time re-arms. */
const MAX_TIMER_MS = 86_400_000;

/** How long stop() waits for the attempts in flight by default. */
export const DEFAULT_DELIVERY_GRACE_MS = 2_000;

export interface DeliveryWorkerOptions {
  readonly manager: Pick<AlertManager, 'sinksToDeliver' | 'deliverSink' | 'nextDueAt' | 'pendingCount'>;
  /** The manager's clock (the delivery clock). */
  readonly clock: Clock;
  /** Wake-ups, retry timers and the shutdown grace; real time by default. */
  readonly timers?: Timers;
  readonly log?: Logger;
  /** How long stop() lets the attempts in flight finish before abandoning them. */
  readonly graceMs?: number;
}

export class DeliveryWorker {
  private readonly manager: DeliveryWorkerOptions['manager'];
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly graceMs: number;
  private readonly stopping = new AbortController();
  private readonly aborting = new AbortController();
  private readonly running = new Set<Promise<void>>();
  private wakeTimer: unknown = null;
  private retryTimer: { readonly handle: unknown; readonly at: number } | null = null;
  private stopped: Promise<void> | null = null;

  constructor(opts: DeliveryWorkerOptions) {
    this.manager = opts.manager;
    this.clock = opts.clock;
    this.timers = opts.timers ?? realTimers;
    this.log = opts.log ?? moduleLogger('alerts');
    this.graceMs = opts.graceMs ?? DEFAULT_DELIVERY_GRACE_MS;
  }

  /** Sends everything pending now, a previous process's outbox included (whatever its backoff), then keeps going. */
  start(): void {
    this.pass(true);
  }

  /** New messages were recorded: a pass soon, off the caller's stack. Never throws, never waits. */
  wake(): void {
    if (this.stopped !== null || this.wakeTimer !== null) return;
    this.wakeTimer = this.timers.setTimeout(() => {
      this.wakeTimer = null;
      this.pass();
    }, 0);
  }

  /** Resolves when no sink is being worked on (tests; timers may still be armed). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** Stops (module comment); bounded by graceMs. Safe to call more than once. */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping.abort();
    if (this.wakeTimer !== null) this.timers.clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    this.disarm();
    if (this.running.size > 0) {
      let grace: unknown;
      const over = new Promise<void>((resolve) => (grace = this.timers.setTimeout(resolve, this.graceMs)));
      await Promise.race([this.idle(), over]);
      this.timers.clearTimeout(grace);
      // What is still in flight is abandoned: the manager resolves it at once, leaving it pending.
      this.aborting.abort();
      await this.idle();
    }
    try {
      const left = this.manager.pendingCount();
      if (left > 0) this.log.info({ pending: left }, 'alert delivery stopped; undelivered messages stay pending and are sent at the next start');
    } catch {
      // The store may already be closed: nothing to report then.
    }
  }

  private pass(startup = false): void {
    if (this.stopped !== null) return;
    let sinks: readonly string[];
    try {
      sinks = this.manager.sinksToDeliver();
    } catch (e) {
      this.log.error({ err: errorText(e) }, 'alert delivery: reading the outbox failed');
      return;
    }
    for (const sink of sinks) {
      const run = this.manager
        .deliverSink(sink, { stopping: this.stopping.signal, abort: this.aborting.signal, ...(startup ? { startup } : {}) })
        .then((attempts) => this.report(sink, attempts))
        .catch((e: unknown) => this.log.error({ sink, err: errorText(e) }, 'alert delivery failed'))
        .finally(() => {
          this.running.delete(run);
          this.arm();
        });
      this.running.add(run);
    }
    this.arm();
  }

  private report(sink: string, attempts: readonly DeliveryAttempt[]): void {
    const failed = attempts.filter((a) => !a.ok);
    if (failed.length === 0) return;
    const given = failed.filter((a) => a.status === 'failed');
    this.log.warn(
      { sink, failed: failed.map((a) => `${a.alertId} #${a.seq}: ${a.error}`), givenUp: given.length },
      given.length > 0 ? 'alert delivery failed; some messages given up' : 'alert delivery failed; retried later',
    );
  }

  /** One timer for the earliest due delivery of the sinks not being worked on. */
  private arm(): void {
    if (this.stopped !== null) return;
    let at: number | null;
    try {
      at = this.manager.nextDueAt();
    } catch {
      return; // the store is closing
    }
    if (at === null) {
      this.disarm();
      return;
    }
    const now = this.clock.now();
    const due = Math.max(at, now);
    if (this.retryTimer !== null && this.retryTimer.at <= due) return;
    this.disarm();
    const delay = Math.min(due - now, MAX_TIMER_MS);
    const handle = this.timers.setTimeout(() => {
      this.retryTimer = null;
      this.pass();
    }, delay);
    // A retry timer alone must not keep a finished process alive.
    (handle as { unref?: () => void } | null)?.unref?.();
    this.retryTimer = { handle, at: now + delay };
  }

  private disarm(): void {
    if (this.retryTimer !== null) this.timers.clearTimeout(this.retryTimer.handle);
    this.retryTimer = null;
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
