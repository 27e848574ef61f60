/**
 * Where a paper run's time goes: 5 simulated days of the README's paper command (default config,
 * sim:42, --speed max) under V8's CPU profiler, summarised as the top files by self time and
 * the engine's main steps by inclusive time. The figures in docs/benchmarks.md's profile table
 * come from this.
 *
 *   npm run build && node dist/bench/paper-profile.js
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/util/paths.js';
import { runIfMain } from './run-if-main.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Inclusive steps worth naming: function name and the file it is in. */
const STEPS: readonly (readonly [string, string, string])[] = [
  ['scan: order books (sim generation + normalising)', 'fetchOrderBook', 'venues/ccxt-venue.js'],
  ['scan: funding and tickers', 'fetchSnapshot', 'venues/ccxt-venue.js'],
  ['ledger commits (events, projections, checkpoint)', 'append', 'store/ledger.js'],
  ['engine checkpoint (building it)', 'checkpoint', 'engine/engine-checkpoint.js'],
  ['monitor tick', 'monitorTick', 'engine/engine.js'],
  ['alert checks and their records', 'recordAlerts', 'engine/alerts-tick.js'],
  ['decide + execute', 'decideAndExecute', 'engine/trading.js'],
  ['ranking', 'rankRows', 'spot-perp-carry/rank.js'],
  ['funding accrual', 'accrueFunding', 'engine/funding-tick.js'],
  ['garbage collection', '(garbage collector)', ''],
];

function shortUrl(url: string): string {
  return url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^file:\/\//, '');
}

export function summariseProfile(p: CpuProfile, top = 15): Record<string, unknown> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const d = p.timeDeltas[i] ?? 0;
    total += d;
    self.set(id, (self.get(id) ?? 0) + d);
  });
  const byFile = new Map<string, number>();
  const steps = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id) as ProfileNode;
    const file = shortUrl(n.callFrame.url) || n.callFrame.functionName;
    byFile.set(file, (byFile.get(file) ?? 0) + t);
    // Inclusive: each step counted once per sample even when it recurses.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = (byId.get(cur) as ProfileNode).callFrame;
      for (const [label, fn, url] of STEPS) {
        if (!seen.has(label) && f.functionName === fn && f.url.endsWith(url)) {
          seen.add(label);
          steps.set(label, (steps.get(label) ?? 0) + t);
        }
      }
    }
  }
  const pct = (t: number) => Math.round((t / total) * 1000) / 10;
  return {
    profiled_s: Math.round(total / 1e5) / 10,
    top_files_self_pct: Object.fromEntries([...byFile].sort((a, b) => b[1] - a[1]).slice(0, top).map(([f, t]) => [f, pct(t)])),
    // Async steps (a scan's fetches) are counted where their synchronous part runs.
    steps_inclusive_pct: Object.fromEntries(STEPS.map(([label]) => [label, pct(steps.get(label) ?? 0)])),
  };
}

export async function benchPaperProfile(): Promise<Record<string, unknown>> {
  const root = packageRoot();
  const dir = mkdtempSync(join(tmpdir(), 'carry-bench-profile-'));
  const r = spawnSync(
    process.execPath,
    ['--max-old-space-size=256', '--max-semi-space-size=8', '--cpu-prof', '--cpu-prof-dir', dir, join(root, 'dist', 'src', 'cli.js'), 'paper', '--market', 'sim:42', '--speed', 'max', '--for', '5d', '--db', join(dir, 'paper.db')],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`bench: profiled paper run failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('bench: no .cpuprofile written');
  return { name: 'paper-profile-5d', ...summariseProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile) };
}

runIfMain(import.meta.url, benchPaperProfile);
