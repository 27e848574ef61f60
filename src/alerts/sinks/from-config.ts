/**
 * Builds the sinks of `alerts.sinks`. Secrets are read from the environment here, once; a sink
 * whose secret is missing is still built, as one whose every send fails saying which variable to
 * set (so `carry alerts test` and the delivery log name it), and is listed in `problems`.
 */
import type { AlertSinkConfig } from '../../config/schema.js';
import { moduleLogger, type Logger } from '../../util/log.js';
import { createDiscordSink } from './discord.js';
import { fromEnv, type Env } from './env.js';
import { defaultHttpDeps, type HttpDeps } from './http-post.js';
import { createLogSink } from './log-sink.js';
import type { Sink } from './sink.js';
import { createSlackSink } from './slack.js';
import { createTelegramSink } from './telegram.js';
import { createWebhookSink } from './webhook.js';

export interface SinkDeps {
  readonly env?: Env;
  readonly http?: HttpDeps;
  /** Parent of the sinks' loggers (and where the log sink writes); moduleLogger('alerts') by default. */
  readonly log?: Logger;
}

export interface BuiltSinks {
  /** Enabled sinks, in config order. */
  readonly sinks: readonly Sink[];
  /** One line per enabled sink that cannot send, e.g. 'sink "tg": environment variable ... is not set'. */
  readonly problems: readonly string[];
}

export function createSinks(config: Readonly<Record<string, AlertSinkConfig>>, deps: SinkDeps = {}): BuiltSinks {
  const env = deps.env ?? process.env;
  const http = deps.http ?? defaultHttpDeps;
  const log = deps.log ?? moduleLogger('alerts');
  const sinks: Sink[] = [];
  const problems: string[] = [];
  for (const [name, cfg] of Object.entries(config)) {
    if (!cfg.enabled) continue;
    const d = { env, http, log };
    const sink =
      cfg.type === 'log'
        ? createLogSink(name, cfg, log)
        : cfg.type === 'webhook'
          ? createWebhookSink(name, cfg, d)
          : cfg.type === 'telegram'
            ? createTelegramSink(name, cfg, d)
            : cfg.type === 'discord'
              ? createDiscordSink(name, cfg, d)
              : createSlackSink(name, cfg, d);
    sinks.push(sink);
    const missing = secretEnvNames(cfg).filter((v) => fromEnv(env, v) === null);
    if (missing.length > 0) problems.push(`sink "${name}" (${cfg.type}) cannot send: environment variable ${missing.join(', ')} not set`);
  }
  return { sinks, problems };
}

/** Environment variables a sink reads its secrets from. */
export function secretEnvNames(cfg: AlertSinkConfig): string[] {
  switch (cfg.type) {
    case 'log':
      return [];
    case 'webhook':
      return [cfg.urlEnv, cfg.secretEnv].filter((v): v is string => v !== undefined);
    case 'telegram':
      return [cfg.tokenEnv];
    case 'discord':
    case 'slack':
      return [cfg.urlEnv];
  }
}

/** For `carry config check`: per enabled sink, each secret variable as "[redacted]" or "(not set)", never its value. */
export function describeSinkSecrets(config: Readonly<Record<string, AlertSinkConfig>>, env: Env = process.env): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [name, cfg] of Object.entries(config)) {
    if (!cfg.enabled) continue;
    const names = secretEnvNames(cfg);
    if (names.length > 0) out[name] = Object.fromEntries(names.map((v) => [v, fromEnv(env, v) === null ? '(not set)' : '[redacted]']));
  }
  return out;
}
