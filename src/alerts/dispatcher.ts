/**
 * Fans an alert out to every sink at once, each on its own: a sink that throws, answers 500 or
 * never answers is reported in its own result and never delays another. Each sink has a budget
 * (`budgetMs`, retries included); when it runs out the sink's request is aborted and its result
 * is `timed_out`. Sending never throws to the caller: every sink asked gets a result, and each
 * result is logged.
 */
import type { Alert } from '../domain/alert.js';
import { moduleLogger, type Logger } from '../util/log.js';
import { severityAtLeast, type Notice, type Sink, type SinkResult, type SinkType } from './sinks/sink.js';
import { realTimers, type Timers } from './sinks/timers.js';

export type DeliveryOutcome = 'sent' | 'failed' | 'timed_out' | 'skipped';

export interface DeliveryResult extends SinkResult {
  readonly sink: string;
  readonly type: SinkType | null;
  /** skipped: below the sink's minSeverity (ok, nothing sent). */
  readonly outcome: DeliveryOutcome;
  readonly durationMs: number;
}

export interface DispatchOptions {
  /** Only these sinks (by name); default all. A name not configured gets a failed result. */
  readonly sinks?: readonly string[];
  readonly notice?: Notice;
  readonly seq?: number;
  /** Abandons every sink's request (shutdown): each result is failed, "abandoned". */
  readonly signal?: AbortSignal;
  /** Passed to the sinks: finish the request in flight, make no further retry. */
  readonly stopRetrying?: AbortSignal;
}

export interface DispatcherOptions {
  readonly log?: Logger;
  /** Budget timers; real time by default. */
  readonly timers?: Timers;
  /** For durations; performance.now by default. */
  readonly now?: () => number;
  /** Told each sink's result as soon as it is known, before the slower sinks finish. */
  readonly onResult?: (result: DeliveryResult, alert: Alert) => void;
}

export interface Dispatcher {
  readonly sinks: readonly Sink[];
  dispatch(alert: Alert, opts?: DispatchOptions): Promise<readonly DeliveryResult[]>;
  /** The alert manager's sender: (alert, sink names, {notice, seq, signal, stopRetrying}). */
  send(
    alert: Alert,
    sinks: readonly string[],
    context: { readonly notice: Notice; readonly seq: number; readonly signal?: AbortSignal; readonly stopRetrying?: AbortSignal },
  ): Promise<readonly DeliveryResult[]>;
}

export function createDispatcher(sinks: readonly Sink[], options: DispatcherOptions = {}): Dispatcher {
  const log = options.log ?? moduleLogger('alerts');
  const timers = options.timers ?? realTimers;
  const now = options.now ?? (() => performance.now());
  const byName = new Map(sinks.map((s) => [s.name, s]));

  async function deliver(sink: Sink, alert: Alert, opts: DispatchOptions): Promise<DeliveryResult> {
    const start = now();
    const done = (r: SinkResult, outcome: DeliveryOutcome): DeliveryResult => ({
      sink: sink.name,
      type: sink.type,
      outcome,
      ok: r.ok,
      attempts: r.attempts,
      httpStatus: r.httpStatus,
      error: r.error,
      durationMs: Math.max(0, now() - start),
    });
    // A test alert checks the sink itself: no severity filter.
    if (alert.kind !== 'test' && !severityAtLeast(alert.severity, sink.minSeverity)) {
      return done({ ok: true, attempts: 0, httpStatus: null, error: null }, 'skipped');
    }
    const ctrl = new AbortController();
    let attempts = 0;
    let timer: unknown;
    let onOuterAbort: () => void = () => undefined;
    const budget = new Promise<DeliveryResult>((resolve) => {
      timer = timers.setTimeout(() => {
        ctrl.abort();
        const error = `no result within budgetMs (${sink.budgetMs} ms), after ${attempts} attempt(s): abandoned`;
        resolve(done({ ok: false, attempts, httpStatus: null, error }, 'timed_out'));
      }, sink.budgetMs);
      onOuterAbort = () => {
        ctrl.abort();
        resolve(done({ ok: false, attempts, httpStatus: null, error: `abandoned after ${attempts} attempt(s): shutting down` }, 'failed'));
      };
      if (opts.signal?.aborted) onOuterAbort();
      else opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    });
    const sending = (async (): Promise<DeliveryResult> => {
      try {
        const r = await sink.send(alert, {
          signal: ctrl.signal,
          onAttempt: (n) => {
            attempts = n;
          },
          ...(opts.notice === undefined ? {} : { notice: opts.notice }),
          ...(opts.seq === undefined ? {} : { seq: opts.seq }),
          ...(opts.stopRetrying === undefined ? {} : { stopRetrying: opts.stopRetrying }),
        });
        return done(r, r.ok ? 'sent' : 'failed');
      } catch (e) {
        return done({ ok: false, attempts, httpStatus: null, error: `sink threw: ${e instanceof Error ? e.message : String(e)}` }, 'failed');
      }
    })();
    try {
      return await Promise.race([sending, budget]);
    } finally {
      timers.clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onOuterAbort);
    }
  }

  function report(r: DeliveryResult, alert: Alert): void {
    const fields = { sink: r.sink, type: r.type, outcome: r.outcome, alertId: alert.id, kind: alert.kind, status: alert.status, attempts: r.attempts, httpStatus: r.httpStatus, durationMs: Math.round(r.durationMs) };
    try {
      if (!r.ok) log.warn({ ...fields, error: r.error }, `alert not delivered to ${r.sink}`);
      else if (r.outcome === 'sent' && r.type !== 'log') log.info(fields, `alert delivered to ${r.sink}`);
      else log.debug(fields, `alert ${r.outcome} on ${r.sink}`);
      options.onResult?.(r, alert);
    } catch {
      // A broken logger or callback must not turn into a failed delivery.
    }
  }

  async function dispatch(alert: Alert, opts: DispatchOptions = {}): Promise<readonly DeliveryResult[]> {
    const names = [...new Set(opts.sinks ?? sinks.map((s) => s.name))];
    return Promise.all(
      names.map(async (name): Promise<DeliveryResult> => {
        const sink = byName.get(name);
        let r: DeliveryResult;
        if (sink === undefined) {
          r = { sink: name, type: null, outcome: 'failed', ok: false, attempts: 0, httpStatus: null, error: `no enabled sink named "${name}" is configured`, durationMs: 0 };
        } else {
          try {
            r = await deliver(sink, alert, opts);
          } catch (e) {
            // deliver() does not throw; this guards the promise that callers rely on never rejecting.
            r = { sink: name, type: sink.type, outcome: 'failed', ok: false, attempts: 0, httpStatus: null, error: `dispatcher error: ${String(e)}`, durationMs: 0 };
          }
        }
        report(r, alert);
        return r;
      }),
    );
  }

  return {
    sinks,
    dispatch,
    send: (alert, names, context) =>
      dispatch(alert, {
        sinks: names,
        notice: context.notice,
        seq: context.seq,
        ...(context.signal === undefined ? {} : { signal: context.signal }),
        ...(context.stopRetrying === undefined ? {} : { stopRetrying: context.stopRetrying }),
      }),
  };
}
