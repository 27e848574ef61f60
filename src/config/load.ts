/**
 * Effective config = config/default.json, overlaid by the user's file (--config), overlaid by
 * CLI flags. Validated once by the strict schema and frozen. A bad config never starts carry:
 * ConfigError lists every problem with its field path, the value found and what was expected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { CarryError } from '../domain/errors.js';
import { deepMerge, isPlainObject } from '../util/merge.js';
import { packageRoot } from '../util/paths.js';
import { configSchema, type Config } from './schema.js';

export interface ConfigProblem {
  readonly path: string;
  readonly found: string;
  readonly expected: string;
}

export class ConfigError extends CarryError {
  readonly problems: readonly ConfigProblem[];
  readonly source: string;
  constructor(source: string, problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${p.path}: found ${p.found}; expected ${p.expected}`);
    super('CARRY_CONFIG_INVALID', 'stop', `invalid config (${source}):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
    this.source = source;
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function show(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  const s = JSON.stringify(v);
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}

function describeAt(path: readonly PropertyKey[]): string | undefined {
  // Walk the schema to the field so the error can quote its description.
  let node: z.ZodType | undefined = configSchema;
  for (const key of path) {
    node = unwrap(node);
    if (!node) return undefined;
    node = fieldOf(node, String(key));
  }
  return unwrap(node)?.description ?? node?.description;
}

/** The field `key` of an object, or of any option of a union (e.g. alerts.sinks: one object per sink type). */
function fieldOf(node: z.ZodType, key: string): z.ZodType | undefined {
  const def = (node as unknown as { def: { type: string; shape?: Record<string, z.ZodType>; valueType?: z.ZodType; options?: z.ZodType[] } }).def;
  if (def.type === 'object' && def.shape) return def.shape[key];
  if (def.type === 'record' && def.valueType) return def.valueType;
  if (def.type === 'union' && def.options) {
    for (const o of def.options) {
      const f = fieldOf(unwrap(o) ?? o, key);
      if (f !== undefined) return f;
    }
  }
  return undefined;
}

/** Keys of an object, or of every option of a union. */
function keysOf(node: z.ZodType | undefined): string[] {
  const def = (node as unknown as { def: { type: string; shape?: Record<string, unknown>; options?: z.ZodType[] } } | undefined)?.def;
  if (def?.shape) return Object.keys(def.shape);
  if (def?.type === 'union' && def.options) return [...new Set(def.options.flatMap((o) => keysOf(unwrap(o))))];
  return [];
}

function unwrap(node: z.ZodType | undefined): z.ZodType | undefined {
  let n = node;
  for (let i = 0; i < 5 && n; i++) {
    const def = (n as unknown as { def: { type: string; innerType?: z.ZodType } }).def;
    if ((def.type === 'default' || def.type === 'optional' || def.type === 'nullable') && def.innerType) n = def.innerType;
    else break;
  }
  return n;
}

export function validateConfig(raw: unknown, source: string): Config {
  const r = configSchema.safeParse(raw, { reportInput: true });
  if (r.success) return deepFreeze(r.data);
  const problems: ConfigProblem[] = [];
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key].map(String).join('.');
        problems.push({ path, found: 'an unknown key', expected: `one of the known keys here (${knownKeys(issue.path).join(', ')})` });
      }
      continue;
    }
    const path = issue.path.map(String).join('.') || '(root)';
    const desc = describeAt(issue.path);
    // zod says e.g. "Invalid input: expected number, received string": keep only what is expected.
    const what = issue.message.replace(/^[A-Z][a-z ]+: /, '').replace(/^expected /, '').replace(/, received .*$/, '');
    const expected = what + (desc ? ` — ${desc}` : '');
    problems.push({ path, found: show((issue as { input?: unknown }).input), expected });
  }
  throw new ConfigError(source, problems);
}

function knownKeys(path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = configSchema;
  for (const key of path) {
    node = unwrap(node);
    if (!node) return [];
    node = fieldOf(node, String(key));
  }
  return keysOf(unwrap(node));
}

function readJson(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [{ path: '(file)', found: `unreadable file (${(e as Error).message})`, expected: 'a readable JSON file' }]);
  }
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new ConfigError(file, [{ path: '(file)', found: `invalid JSON (${(e as Error).message})`, expected: 'a JSON object' }]);
  }
}

export interface LoadConfigOptions {
  /** The user's config file (--config). */
  readonly file?: string | undefined;
  /** Flag overrides, already shaped like the config (e.g. { scan: { notional: 5000 } }). */
  readonly overrides?: unknown;
  /** Defaults file; tests may point elsewhere. */
  readonly defaultsFile?: string;
}

export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const defaultsFile = opts.defaultsFile ?? join(packageRoot(), 'config', 'default.json');
  let merged: unknown = readJson(defaultsFile);
  let source = defaultsFile;
  if (opts.file) {
    const user = readJson(opts.file);
    if (!isPlainObject(user)) {
      throw new ConfigError(opts.file, [{ path: '(root)', found: show(user), expected: 'a JSON object' }]);
    }
    merged = deepMerge(merged as Record<string, unknown>, user);
    source = opts.file;
  }
  if (isPlainObject(opts.overrides) && Object.keys(opts.overrides).length > 0) {
    merged = deepMerge(merged as Record<string, unknown>, opts.overrides as Record<string, unknown>);
    source = opts.file ? `${opts.file} + flags` : 'flags';
  }
  return validateConfig(merged, source);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}
