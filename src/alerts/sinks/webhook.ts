/**
 * Generic webhook: POSTs the carry.alert/1 payload (src/alerts/payload.ts). With a key, the
 * request carries `X-Carry-Signature: sha256=<hex HMAC-SHA256 of the body bytes>`; a receiver
 * recomputes it over the raw body it read, before parsing. The body holds `ts` and `id`/`seq`,
 * so a receiver can also refuse old or repeated deliveries.
 */
import { createHmac } from 'node:crypto';
import type { Alert } from '../../domain/alert.js';
import type { Logger } from '../../util/log.js';
import type { WebhookSinkConfig } from '../../config/schema.js';
import { toPayload, validatePayload } from '../payload.js';
import { fromEnv, missingEnv, urlFromEnv, type Env } from './env.js';
import { urlSecrets } from './redact.js';
import { passThrough, postWithRetry, USER_AGENT, type HttpDeps } from './http-post.js';
import { unusableSink, type SendOptions, type Sink } from './sink.js';

export function sign(body: Uint8Array, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}

export function createWebhookSink(name: string, cfg: WebhookSinkConfig, deps: { env: Env; http: HttpDeps; log: Logger }): Sink {
  let url: string;
  const secrets: string[] = [];
  if (cfg.urlEnv !== undefined) {
    const r = urlFromEnv(deps.env, cfg.urlEnv, `URL of webhook sink "${name}"`);
    if ('error' in r) return unusableSink(name, 'webhook', cfg.minSeverity, r.error);
    url = r.url;
    secrets.push(...urlSecrets(url));
  } else {
    url = cfg.url ?? '';
  }
  let key: string | null = null;
  if (cfg.secretEnv !== undefined) {
    key = fromEnv(deps.env, cfg.secretEnv);
    // Signing was asked for: an unsigned request would be refused or, worse, trusted.
    if (key === null) return unusableSink(name, 'webhook', cfg.minSeverity, missingEnv(cfg.secretEnv, `signing key of webhook sink "${name}"`));
    secrets.push(key);
  }
  const log = deps.log.child({ sink: name });
  return {
    name,
    type: 'webhook',
    minSeverity: cfg.minSeverity,
    budgetMs: cfg.budgetMs,
    send(alert: Alert, opts: SendOptions = {}) {
      const payload = toPayload(alert, { ...(opts.notice === undefined ? {} : { notice: opts.notice }), ...(opts.seq === undefined ? {} : { seq: opts.seq }) });
      const problems = validatePayload(JSON.parse(JSON.stringify(payload)));
      // Sent anyway: a flawed alert is still an alert; the log says what to fix.
      if (problems.length > 0) log.warn({ alertId: alert.id, problems }, 'alert payload does not match carry.alert/1');
      const body = Buffer.from(JSON.stringify(payload), 'utf8');
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT };
      if (key !== null) headers[cfg.signatureHeader] = sign(body, key);
      return postWithRetry({ url, headers, body }, cfg, deps.http, {
        secrets,
        ...passThrough(opts),
        onRetry: (i) => log.debug({ alertId: alert.id, ...i }, 'webhook retry'),
      });
    },
  };
}
