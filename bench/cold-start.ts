/**
 * Cold start to output of `carry scan --market replay:FILE --json`: a fresh node process each
 * run (module loading, config, tape load, scan, ranking, output), wall time and peak RSS.
 * The tape is one recorded scan of the sim market (four venues), made before timing.
 *
 *   npm run build && node dist/bench/cold-start.js
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../src/util/paths.js';
import { runIfMain } from './run-if-main.js';

const RUNS = 10;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

export async function benchColdStart(): Promise<Record<string, unknown>> {
  const root = packageRoot();
  const cli = join(root, 'dist', 'src', 'cli.js');
  const dir = mkdtempSync(join(tmpdir(), 'carry-bench-'));
  const quiet = join(dir, 'quiet.json');
  writeFileSync(quiet, JSON.stringify({ log: { level: 'silent' } }));
  const tape = join(dir, 'sim.ndjson');
  const rec = spawnSync(process.execPath, [cli, 'scan', '--market', 'sim:42', '--json', '--record', tape, '--config', quiet], { encoding: 'utf8' });
  if (rec.status !== 0) throw new Error(`bench: recording failed: ${rec.stderr}`);
  const hook = join(root, 'bench', 'rss-report.mjs');
  const wall: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, cli, 'scan', '--market', `replay:${tape}`, '--json', '--config', quiet], {
      encoding: 'utf8',
    });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`bench: replay scan failed (${r.status}): ${r.stderr}`);
    if (!r.stdout.includes('"schema": "carry.scan/1"')) throw new Error('bench: no scan output');
    const m = /CARRY_BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr);
    if (i === 0) continue; // the first run warms the OS file cache
    wall.push(ms);
    if (m) rss.push(Number(m[1]));
  }
  wall.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x);
  return {
    name: 'cold-start-scan-replay',
    tape_bytes: statSync(tape).size,
    runs: RUNS,
    median_ms: round(percentile(wall, 0.5)),
    p95_ms: round(percentile(wall, 0.95)),
    min_ms: round(wall[0] as number),
    peak_rss_mb: rss.length ? Math.round(Math.max(...rss) / 1024) : null,
  };
}

runIfMain(import.meta.url, benchColdStart);
