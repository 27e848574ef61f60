/** What every command starts with: the effective config, logging, and the start-up line. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { loadDotEnv } from '../config/secrets.js';
import { initLogging, moduleLogger, type Logger } from '../util/log.js';
import { packageRoot } from '../util/paths.js';
import { ccxtVersionInfo } from '../venues/ccxt-factory.js';

export interface AppContext {
  readonly config: Config;
  readonly log: Logger;
}

interface CarryPackage {
  readonly version: string;
  readonly dependencies?: Readonly<Record<string, string>>;
}

function carryPackage(): CarryPackage {
  return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as CarryPackage;
}

export function carryVersion(): string {
  return carryPackage().version;
}

export function startApp(opts: { configFile?: string | undefined; overrides?: unknown; command: string }): AppContext {
  loadDotEnv();
  const config = loadConfig({ file: opts.configFile, overrides: opts.overrides });
  initLogging({ level: config.log.level, format: config.log.format });
  const log = moduleLogger(opts.command);
  const pkg = carryPackage();
  const v = ccxtVersionInfo(pkg.dependencies?.['ccxt']);
  log.info({ carry: pkg.version, ccxt: v.ccxt, node: process.version }, 'carry starting');
  if (v.mismatch) log.warn({ ccxt: v.ccxt, pinned: v.pinned }, `ccxt ${v.ccxt} is installed but carry pins ${v.pinned ?? '?'}: run npm ci`);
  return { config, log };
}
