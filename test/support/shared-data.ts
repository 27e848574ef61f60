/**
 * Where the shared real-data folder is: ../shared/data beside the repository (as in CI's fresh
 * clone), or CARRY_SHARED_DATA when set.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SHARED_DATA: string = process.env['CARRY_SHARED_DATA'] ?? join(repoRoot, '..', 'shared', 'data');

if (!existsSync(SHARED_DATA)) {
  throw new Error(`shared data not found at ${SHARED_DATA}: clone carry beside shared/ or set CARRY_SHARED_DATA`);
}

export const sharedPath = (...parts: string[]): string => join(SHARED_DATA, ...parts);

export const BYBIT_TAPE = sharedPath('tapes', 'bybit-2026-08-09.ndjson');
