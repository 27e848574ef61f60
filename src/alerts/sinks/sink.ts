/**
 * A sink delivers one alert somewhere (a log, a webhook, a chat). The dispatcher fans an alert
 * out to every sink and keeps them apart: a sink's failure or hang is reported in its own result
 * and never delays another sink.
 */
import type { Alert, Severity } from '../../domain/alert.js';

export type SinkType = 'log' | 'webhook' | 'telegram' | 'discord' | 'slack';

/** Which message of an alert's episode this is (from the alert manager); chat text and payload show it. */
export type Notice = 'new' | 'reminder' | 'escalated' | 'resolved';

export interface SendOptions {
  /** Aborted by the dispatcher when the sink's budget runs out (or at shutdown): stop retrying, close the request. */
  readonly signal?: AbortSignal;
  /** Aborted at shutdown: let the request in flight finish, but make no further retry. */
  readonly stopRetrying?: AbortSignal;
  readonly notice?: Notice;
  /** 1 for the episode's first message, then 2, 3, ...: with the alert id, a receiver's idempotency key. */
  readonly seq?: number;
  /** Called as each HTTP attempt starts. */
  readonly onAttempt?: (attempt: number) => void;
}

/** What one sink reports for one alert. Secrets never appear in `error`. */
export interface SinkResult {
  readonly ok: boolean;
  /** HTTP requests made (1 for the log sink). */
  readonly attempts: number;
  /** Last HTTP status received; null for no answer (network error, timeout) or no HTTP. */
  readonly httpStatus: number | null;
  /** Why it failed, e.g. "HTTP 400: Bad Request: chat not found"; null when ok. */
  readonly error: string | null;
}

export interface Sink {
  /** The key of the sink in config (alerts.sinks). */
  readonly name: string;
  readonly type: SinkType;
  /** Alerts below this severity are not sent to this sink (test alerts always are). */
  readonly minSeverity: Severity;
  /** Most time one alert may take on this sink, retries included, before the dispatcher abandons it. */
  readonly budgetMs: number;
  /** Resolves with the result; should not throw (the dispatcher survives it if it does). */
  send(alert: Alert, opts?: SendOptions): Promise<SinkResult>;
}

const RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };

export function severityAtLeast(s: Severity, min: Severity): boolean {
  return RANK[s] >= RANK[min];
}

/** A configured sink that cannot send (its secret is not set): every send fails with the reason, no request made. */
export function unusableSink(name: string, type: SinkType, minSeverity: Severity, reason: string): Sink {
  return {
    name,
    type,
    minSeverity,
    budgetMs: 1_000,
    send: () => Promise.resolve({ ok: false, attempts: 0, httpStatus: null, error: reason }),
  };
}
