/**
 * Slack incoming webhook: POST {text} (mrkdwn, with & < > escaped) to the webhook URL, which is
 * itself the credential. Slack answers 200 "ok", or 4xx with a reason such as "invalid_payload",
 * "channel_not_found" or "no_service".
 */
import type { Alert } from '../../domain/alert.js';
import type { Logger } from '../../util/log.js';
import type { SlackSinkConfig } from '../../config/schema.js';
import { MAX_TEXT, renderText } from '../message.js';
import { urlFromEnv, type Env } from './env.js';
import { urlSecrets } from './redact.js';
import { passThrough, postWithRetry, USER_AGENT, type HttpDeps } from './http-post.js';
import { unusableSink, type SendOptions, type Sink } from './sink.js';

export function createSlackSink(name: string, cfg: SlackSinkConfig, deps: { env: Env; http: HttpDeps; log: Logger }): Sink {
  const r = urlFromEnv(deps.env, cfg.urlEnv, `webhook URL of slack sink "${name}"`);
  if ('error' in r) return unusableSink(name, 'slack', cfg.minSeverity, r.error);
  const url = r.url;
  const log = deps.log.child({ sink: name });
  return {
    name,
    type: 'slack',
    minSeverity: cfg.minSeverity,
    budgetMs: cfg.budgetMs,
    send(alert: Alert, opts: SendOptions = {}) {
      const text = renderText(alert, { style: 'slack', maxLength: MAX_TEXT.slack, ...(opts.notice === undefined ? {} : { notice: opts.notice }) });
      const body = Buffer.from(JSON.stringify({ text }), 'utf8');
      return postWithRetry({ url, headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT }, body }, cfg, deps.http, {
        secrets: urlSecrets(url),
        ...passThrough(opts),
        onRetry: (i) => log.debug({ alertId: alert.id, ...i }, 'slack retry'),
      });
    },
  };
}
