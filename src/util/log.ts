/**
 * pino, one child logger per module. Logs go to stderr so stdout stays clean for
 * `--json` output. Secrets are redacted by path wherever they appear in a log object, and by
 * value in every line written (an error message or a URL can carry a key where no path rule
 * looks: live trading registers each venue's key, secret and password at start).
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'auto' | 'json' | 'pretty';
export type { Logger };

/** Paths pino censors. Covers ccxt instances, configs and headers if they are ever logged. */
export const REDACT_PATHS = [
  'apiKey',
  'secret',
  'password',
  'passphrase',
  'privateKey',
  'token',
  'authorization',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.passphrase',
  '*.privateKey',
  '*.token',
  '*.authorization',
  '*.*.apiKey',
  '*.*.secret',
  '*.*.password',
  '*.*.token',
  ...['headers', '*.headers'].flatMap((h) => [
    `${h}["X-MBX-APIKEY"]`,
    `${h}["X-BAPI-API-KEY"]`,
    `${h}["X-BAPI-SIGN"]`,
    `${h}["OK-ACCESS-KEY"]`,
    `${h}["OK-ACCESS-SIGN"]`,
    `${h}["OK-ACCESS-PASSPHRASE"]`,
    `${h}.Authorization`,
    `${h}.authorization`,
  ]),
];

let root: Logger = pino({ level: 'silent' });

/** Values never written to a log line, whatever field or message they hide in. */
const secretValues = new Set<string>();
/**
 * Shorter values are not scrubbed: they would censor ordinary words and numbers, and no venue
 * issues keys that short.
 */
export const MIN_SCRUBBED_LENGTH = 6;

/** Registers values (API keys, secrets, passwords) to be censored in every later log line. */
export function registerSecrets(values: readonly (string | undefined)[]): void {
  for (const v of values) if (v !== undefined && v.length >= MIN_SCRUBBED_LENGTH) secretValues.add(v);
}

/** Replaces every registered secret in a serialised line, raw or as JSON escaped it. */
export function scrubSecrets(line: string): string {
  let out = line;
  for (const v of secretValues) {
    const escaped = JSON.stringify(v).slice(1, -1);
    for (const form of escaped === v ? [v] : [v, escaped]) if (out.includes(form)) out = out.split(form).join('[redacted]');
  }
  return out;
}

export interface LogOptions {
  readonly level: string;
  readonly format: LogFormat;
  /** Where lines go; defaults to stderr (fd 2). */
  readonly destination?: NodeJS.WritableStream;
}

export function initLogging(opts: LogOptions): Logger {
  const usePretty = opts.format === 'pretty' || (opts.format === 'auto' && process.stderr.isTTY === true);
  const base = {
    level: opts.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { pid: process.pid },
    hooks: { streamWrite: scrubSecrets },
  };
  if (usePretty) {
    const stream = pretty({
      destination: 2,
      sync: true,
      colorize: process.stderr.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      messageKey: 'msg',
    });
    root = pino(base, opts.destination ?? stream);
  } else {
    root = pino(base, opts.destination ?? pino.destination({ fd: 2, sync: true }));
  }
  return root;
}

/** A child logger for one module, e.g. `moduleLogger('scanner')`. */
export function moduleLogger(module: string, bindings: Record<string, unknown> = {}): Logger {
  return root.child({ module, ...bindings });
}

export function rootLogger(): Logger {
  return root;
}
