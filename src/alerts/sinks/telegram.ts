/**
 * Telegram Bot API: POST {baseUrl}/bot{token}/sendMessage with {chat_id, text}. Plain text (no
 * parse_mode): MarkdownV2 needs every "." and "-" escaped, and one missed escape makes Telegram
 * refuse the whole message with a 400. The token sits in the URL path, so the URL is a secret.
 */
import type { Alert } from '../../domain/alert.js';
import type { Logger } from '../../util/log.js';
import type { TelegramSinkConfig } from '../../config/schema.js';
import { MAX_TEXT, renderText } from '../message.js';
import { fromEnv, missingEnv, type Env } from './env.js';
import { passThrough, postWithRetry, USER_AGENT, type HttpDeps } from './http-post.js';
import { unusableSink, type SendOptions, type Sink } from './sink.js';

interface TelegramAnswer {
  readonly ok?: unknown;
  readonly description?: unknown;
}

function parse(body: string): TelegramAnswer | null {
  try {
    const j = JSON.parse(body) as unknown;
    return typeof j === 'object' && j !== null ? (j as TelegramAnswer) : null;
  } catch {
    return null;
  }
}

export function createTelegramSink(name: string, cfg: TelegramSinkConfig, deps: { env: Env; http: HttpDeps; log: Logger }): Sink {
  const token = fromEnv(deps.env, cfg.tokenEnv);
  if (token === null) return unusableSink(name, 'telegram', cfg.minSeverity, missingEnv(cfg.tokenEnv, `bot token of telegram sink "${name}"`));
  const url = `${cfg.baseUrl.replace(/\/+$/, '')}/bot${token}/sendMessage`;
  const log = deps.log.child({ sink: name });
  return {
    name,
    type: 'telegram',
    minSeverity: cfg.minSeverity,
    budgetMs: cfg.budgetMs,
    send(alert: Alert, opts: SendOptions = {}) {
      const text = renderText(alert, { style: 'plain', maxLength: MAX_TEXT.telegram, ...(opts.notice === undefined ? {} : { notice: opts.notice }) });
      const body = Buffer.from(JSON.stringify({ chat_id: cfg.chatId, text }), 'utf8');
      return postWithRetry({ url, headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT }, body }, cfg, deps.http, {
        secrets: [url, token],
        ...passThrough(opts),
        // Telegram answers {"ok": false, "description": "Bad Request: chat not found"} on errors.
        check: (_s, b) => (parse(b)?.ok === true ? null : `unexpected answer ${b.slice(0, 120)}`),
        describe: (_s, b) => {
          const d = parse(b)?.description;
          return typeof d === 'string' ? d : null;
        },
        onRetry: (i) => log.debug({ alertId: alert.id, ...i }, 'telegram retry'),
      });
    },
  };
}
