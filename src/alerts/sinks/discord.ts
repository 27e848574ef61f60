/**
 * Discord channel webhook: POST {content} to the webhook URL (which embeds its token, so the
 * whole URL is a secret). Mentions are disabled: alert text must never ping @everyone.
 */
import type { Alert } from '../../domain/alert.js';
import type { Logger } from '../../util/log.js';
import type { DiscordSinkConfig } from '../../config/schema.js';
import { MAX_TEXT, renderText } from '../message.js';
import { urlFromEnv, type Env } from './env.js';
import { urlSecrets } from './redact.js';
import { passThrough, postWithRetry, USER_AGENT, type HttpDeps } from './http-post.js';
import { unusableSink, type SendOptions, type Sink } from './sink.js';

export function createDiscordSink(name: string, cfg: DiscordSinkConfig, deps: { env: Env; http: HttpDeps; log: Logger }): Sink {
  const r = urlFromEnv(deps.env, cfg.urlEnv, `webhook URL of discord sink "${name}"`);
  if ('error' in r) return unusableSink(name, 'discord', cfg.minSeverity, r.error);
  const url = r.url;
  const log = deps.log.child({ sink: name });
  return {
    name,
    type: 'discord',
    minSeverity: cfg.minSeverity,
    budgetMs: cfg.budgetMs,
    send(alert: Alert, opts: SendOptions = {}) {
      const content = renderText(alert, { style: 'discord', maxLength: MAX_TEXT.discord, ...(opts.notice === undefined ? {} : { notice: opts.notice }) });
      const body = Buffer.from(JSON.stringify({ content, allowed_mentions: { parse: [] } }), 'utf8');
      return postWithRetry({ url, headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT }, body }, cfg, deps.http, {
        secrets: urlSecrets(url),
        ...passThrough(opts),
        onRetry: (i) => log.debug({ alertId: alert.id, ...i }, 'discord retry'),
      });
    },
  };
}
