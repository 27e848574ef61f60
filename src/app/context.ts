/** What every command starts with: the effective config, logging, and the start-up line. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { loadDotEnv } from '../config/secrets.js';
import { initLogging, moduleLogger, type Logger } from '../util/log.js';
import { packageRoot } from '../util/paths.js';
import { ccxtVersions } from '../venues/ccxt-factory.js';

export interface AppContext {
  readonly config: Config;
  readonly log: Logger;
}

export function carryVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function startApp(opts: { configFile?: string | undefined; overrides?: unknown; command: string }): AppContext {
  loadDotEnv();
  const config = loadConfig({ file: opts.configFile, overrides: opts.overrides });
  initLogging({ level: config.log.level, format: config.log.format });
  const log = moduleLogger(opts.command);
  const v = ccxtVersions();
  log.info({ carry: carryVersion(), ccxt: v.package, ccxtReported: v.reported, node: process.version }, 'carry starting');
  return { config, log };
}
