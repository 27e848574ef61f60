/**
 * The README's "a month of paper trading", run as a user runs it: the `carry` bin (its shebang's
 * heap flags), `paper --market sim:42 --speed max --for 30d` on a fresh ledger, the default
 * config (5-minute scans, monitor every 15 s, info logs, here to a pipe so JSON lines), in a
 * fresh process. Wall time, peak RSS, ledger size per simulated day. Then the same month with
 * the previous default of a scan every minute, for comparison.
 *
 *   npm run build && node dist/bench/paper-sim.js
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../src/util/paths.js';
import { runIfMain } from './run-if-main.js';

const DAYS = 30;

interface Variant {
  readonly name: string;
  readonly scan: string;
  /** Config overlay (null: the defaults, as the README command runs). */
  readonly config: Record<string, unknown> | null;
}

const VARIANTS: readonly Variant[] = [
  { name: 'paper-sim-30d', scan: '*/5 * * * * (default)', config: null },
  { name: 'paper-sim-30d-1min-scans', scan: '* * * * *', config: { jobs: { scan: '* * * * *' }, scan: { periodSeconds: 60 } } },
];

function runVariant(v: Variant): Record<string, unknown> {
  const root = packageRoot();
  const dir = mkdtempSync(join(tmpdir(), 'carry-bench-paper-'));
  const db = join(dir, 'paper.db');
  const args = ['paper', '--market', 'sim:42', '--speed', 'max', '--for', `${DAYS}d`, '--db', db];
  if (v.config !== null) {
    const cfg = join(dir, 'bench.json');
    writeFileSync(cfg, JSON.stringify(v.config));
    args.push('--config', cfg);
  }
  const hook = pathToFileURL(join(root, 'bench', 'rss-report.mjs')).href;
  const t0 = performance.now();
  // The bin itself, so its shebang's heap flags apply exactly as for `npx carry`; the RSS hook
  // rides in NODE_OPTIONS.
  const r = spawnSync(join(root, 'dist', 'src', 'cli.js'), args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import ${hook}`.trim() },
  });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`bench: paper run failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const rss = /CARRY_BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr);
  const ticks = /paper: (\d+) ticks/.exec(r.stderr);
  const dbBytes = statSync(db).size;
  return {
    name: v.name,
    simulated_days: DAYS,
    scan_cron: v.scan,
    ticks: ticks ? Number(ticks[1]) : null,
    wall_s: Math.round(wallMs / 100) / 10,
    peak_rss_mb: rss ? Math.round(Number(rss[1]) / 1024) : null,
    log_lines: r.stderr.split('\n').filter((l) => l.startsWith('{')).length,
    db_mb: Math.round(dbBytes / 1024 / 102.4) / 10,
    db_kb_per_day: Math.round(dbBytes / 1024 / DAYS),
    result: r.stdout.trim().split('\n').slice(-2).join(' | '),
  };
}

export async function benchPaperSim(): Promise<Record<string, unknown>> {
  const [main, ...others] = VARIANTS.map(runVariant) as [Record<string, unknown>, ...Record<string, unknown>[]];
  return { ...main, compare: others };
}

runIfMain(import.meta.url, benchPaperSim);
