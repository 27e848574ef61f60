/**
 * One JSON POST with a per-attempt timeout and retries, shared by the webhook, Telegram, Discord
 * and Slack sinks. Retried: network errors, timeouts, HTTP 5xx, 408 and 429 (waiting at least
 * what the receiver asks: Retry-After, or Telegram's and Discord's `retry_after`). Not retried:
 * any other 4xx, because the same request cannot succeed later; redirects, because following
 * one would post the alert (and its signature) to a host nobody configured.
 */
import { fullJitterDelay } from '../../venues/retry.js';
import { scrub } from './redact.js';
import type { SendOptions, SinkResult } from './sink.js';
import { realTimers, sleep, type Timers } from './timers.js';

export interface RetryPolicy {
  readonly timeoutMs: number;
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

export interface HttpDeps {
  readonly fetch: typeof globalThis.fetch;
  /** Per-attempt timeouts. */
  readonly timers: Timers;
  /** Backoff waits; resolves false when aborted. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<boolean>;
  /** In [0, 1), for jitter. */
  readonly random: () => number;
}

export const defaultHttpDeps: HttpDeps = {
  fetch: (input, init) => globalThis.fetch(input, init),
  timers: realTimers,
  sleep: (ms, signal) => sleep(realTimers, ms, signal),
  random: Math.random,
};

export interface PostRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Sent byte for byte (a webhook signature covers exactly these bytes). */
  readonly body: Uint8Array;
}

/** Says why a 2xx answer still failed (Telegram `{"ok": false}`), or null when it did not. */
export type BodyCheck = (status: number, body: string) => string | null;

export const USER_AGENT = 'carry-alerts/1';

export interface PostOptions {
  readonly signal?: AbortSignal;
  /** Aborted at shutdown: the attempt in flight finishes, no further one is made. */
  readonly stopRetrying?: AbortSignal;
  /** Told the number of each attempt as it starts (the dispatcher's count when it abandons a sink). */
  readonly onAttempt?: (attempt: number) => void;
  /** Strings scrubbed from every error (token, secret URL, key). */
  readonly secrets: readonly string[];
  readonly check?: BodyCheck;
  /** Describes a failed answer better than the raw body (Telegram's `description`). */
  readonly describe?: (status: number, body: string) => string | null;
  readonly onRetry?: (info: { readonly attempt: number; readonly delayMs: number; readonly error: string }) => void;
}

/** The caller's signals and attempt counter, as PostOptions. */
export function passThrough(opts: SendOptions): Pick<PostOptions, 'signal' | 'stopRetrying' | 'onAttempt'> {
  return {
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.stopRetrying === undefined ? {} : { stopRetrying: opts.stopRetrying }),
    ...(opts.onAttempt === undefined ? {} : { onAttempt: opts.onAttempt }),
  };
}

type Attempt =
  | { readonly ok: true; readonly httpStatus: number }
  | { readonly ok: false; readonly retry: boolean; readonly httpStatus: number | null; readonly error: string; readonly retryAfterMs: number | null };

const SNIPPET = 200;

export async function postWithRetry(req: PostRequest, policy: RetryPolicy, deps: HttpDeps, opts: PostOptions): Promise<SinkResult> {
  let attempts = 0;
  let httpStatus: number | null = null;
  let error = 'not attempted';
  for (let n = 1; n <= policy.maxAttempts && !opts.signal?.aborted; n++) {
    attempts = n;
    opts.onAttempt?.(n);
    const a = await attemptOnce(req, policy.timeoutMs, deps, opts);
    if (a.ok) return { ok: true, attempts, httpStatus: a.httpStatus, error: null };
    httpStatus = a.httpStatus;
    error = scrub(a.error, opts.secrets);
    if (!a.retry) break;
    if (n === policy.maxAttempts) {
      error += ` (gave up after ${n} attempts)`;
      break;
    }
    if (opts.stopRetrying?.aborted) {
      error += ` (not retried: shutting down)`;
      break;
    }
    let delayMs = fullJitterDelay(n, policy.backoffMs, policy.maxBackoffMs, deps.random());
    if (a.retryAfterMs !== null) {
      if (a.retryAfterMs > policy.maxBackoffMs) {
        error += `; asked to wait ${Math.ceil(a.retryAfterMs / 1000)} s, more than maxBackoffMs (${policy.maxBackoffMs} ms): not retried`;
        break;
      }
      delayMs = Math.max(delayMs, a.retryAfterMs);
    }
    opts.onRetry?.({ attempt: n, delayMs, error });
    const wait = opts.stopRetrying === undefined ? opts.signal : opts.signal === undefined ? opts.stopRetrying : AbortSignal.any([opts.signal, opts.stopRetrying]);
    if (!(await deps.sleep(delayMs, wait))) {
      if (opts.stopRetrying?.aborted && !opts.signal?.aborted) error += ` (not retried: shutting down)`;
      break;
    }
  }
  if (opts.signal?.aborted) error = `abandoned when the sink's budget ran out, after ${attempts} attempt(s); last: ${error}`;
  return { ok: false, attempts, httpStatus, error };
}

async function attemptOnce(req: PostRequest, timeoutMs: number, deps: HttpDeps, opts: PostOptions): Promise<Attempt> {
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = deps.timers.setTimeout(() => {
    timedOut = true;
    ctrl.abort();
  }, timeoutMs);
  const onOuterAbort = () => ctrl.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    const res = await deps.fetch(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal: ctrl.signal,
      redirect: 'manual',
    });
    // The body is read under the same timeout: a receiver can hang after its headers too.
    const body = await res.text();
    return judge(res.status, res.headers, body, opts);
  } catch (e) {
    if (timedOut) return { ok: false, retry: true, httpStatus: null, error: `no answer within ${timeoutMs} ms`, retryAfterMs: null };
    if (opts.signal?.aborted) return { ok: false, retry: false, httpStatus: null, error: 'aborted', retryAfterMs: null };
    return { ok: false, retry: true, httpStatus: null, error: `network error: ${networkReason(e)}`, retryAfterMs: null };
  } finally {
    deps.timers.clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
}

function judge(status: number, headers: Headers, body: string, opts: PostOptions): Attempt {
  if (status >= 200 && status < 300) {
    const bad = opts.check?.(status, body) ?? null;
    return bad === null ? { ok: true, httpStatus: status } : { ok: false, retry: false, httpStatus: status, error: `HTTP ${status}: ${bad}`, retryAfterMs: null };
  }
  const what = opts.describe?.(status, body) ?? snippet(body);
  const error = `HTTP ${status}${what ? `: ${what}` : ''}`;
  if (status >= 300 && status < 400) return { ok: false, retry: false, httpStatus: status, error: `${error} (redirect not followed)`, retryAfterMs: null };
  const retry = status === 429 || status === 408 || status >= 500;
  return { ok: false, retry, httpStatus: status, error, retryAfterMs: retry ? retryAfterMs(headers, body) : null };
}

/** Retry-After (seconds or an HTTP date), else `retry_after` in a JSON body (Discord, Telegram). */
export function retryAfterMs(headers: Headers, body: string, nowMs: number = Date.now()): number | null {
  const h = headers.get('retry-after');
  if (h !== null && h.trim() !== '') {
    const secs = Number(h);
    if (Number.isFinite(secs) && secs >= 0) return Math.ceil(secs * 1000);
    const at = Date.parse(h);
    if (Number.isFinite(at)) return Math.max(0, at - nowMs);
  }
  try {
    const j = JSON.parse(body) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
    const v = typeof j.retry_after === 'number' ? j.retry_after : j.parameters?.retry_after;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.ceil(v * 1000);
  } catch {
    // not JSON: no hint
  }
  return null;
}

function snippet(body: string): string {
  const one = body.replace(/\s+/g, ' ').trim();
  return one.length > SNIPPET ? one.slice(0, SNIPPET - 1) + '…' : one;
}

function networkReason(e: unknown): string {
  const err = e as { message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const cause = err?.cause;
  if (cause && typeof cause === 'object') {
    const code = typeof cause.code === 'string' ? cause.code : '';
    const msg = typeof cause.message === 'string' ? cause.message : '';
    if (msg) return msg.includes(code) ? msg : `${code} ${msg}`.trim();
  }
  return typeof err?.message === 'string' ? err.message : String(e);
}
