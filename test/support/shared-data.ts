/**
 * Where the shared real-data folder is: ../shared/data beside the repository (as in CI's fresh
 * clone), or CARRY_SHARED_DATA when set.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout: the nearest folder above this file with a package.json. This file runs from
 * test/support (vitest) and, compiled, from dist/test/support (bench/live-orders.ts imports the
 * mock exchange, which reads the shared market fixtures).
 */
function findRepoRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return join(from, '..', '..');
  }
}

const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

export const SHARED_DATA: string = process.env['CARRY_SHARED_DATA'] ?? join(repoRoot, '..', 'shared', 'data');

if (!existsSync(SHARED_DATA)) {
  throw new Error(`shared data not found at ${SHARED_DATA}: clone carry beside shared/ or set CARRY_SHARED_DATA`);
}

export const sharedPath = (...parts: string[]): string => join(SHARED_DATA, ...parts);

export const BYBIT_TAPE = sharedPath('tapes', 'bybit-2026-08-09.ndjson');
