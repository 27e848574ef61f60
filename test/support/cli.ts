/** Runs carry commands in-process with captured output and a quiet log. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export function tempDir(prefix = 'carry-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A user config file that silences logs (tests read stdout/stderr of the command itself). */
export function quietConfig(extra: Record<string, unknown> = {}): string {
  const f = join(tempDir(), 'quiet.json');
  writeFileSync(f, JSON.stringify({ log: { level: 'silent', format: 'json' }, ...extra }));
  return f;
}

export async function runCli(argv: readonly string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}
