/** Flag parsing shared by commands: node's parseArgs, with errors that name the flag. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../domain/errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parseFlags<T extends Options>(argv: readonly string[], options: T, command: string) {
  try {
    return parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new InputError(`carry ${command}: ${(e as Error).message}. Try: carry ${command} --help`);
  }
}

export function numberFlag(value: unknown, flag: string, opts: { min?: number; integer?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const okInt = !opts.integer || Number.isInteger(n);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || !okInt || (opts.min !== undefined && n < opts.min)) {
    const what = `${opts.integer ? 'an integer' : 'a number'}${opts.min !== undefined ? ` >= ${opts.min}` : ''}`;
    throw new InputError(`${flag}: found "${String(value)}"; expected ${what}`);
  }
  return n;
}

export function listFlag(value: unknown): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
