/**
 * 30 simulated days of the paper daemon on the sim market: four venues, every perp the sim
 * lists, a scan every 5 minutes, monitor every 15 s, `--speed max`. A fresh process and a
 * fresh ledger: wall time, peak RSS, ledger size per simulated day.
 *
 *   npm run build && node dist/bench/paper-sim.js
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../src/util/paths.js';

const DAYS = 30;

export async function benchPaperSim(): Promise<Record<string, unknown>> {
  const root = packageRoot();
  const dir = mkdtempSync(join(tmpdir(), 'carry-bench-paper-'));
  const cfg = join(dir, 'bench.json');
  writeFileSync(cfg, JSON.stringify({ log: { level: 'silent' }, jobs: { scan: '*/5 * * * *', monitor: '*/15 * * * * *' } }));
  const db = join(dir, 'paper.db');
  const hook = pathToFileURL(join(root, 'bench', 'rss-report.mjs')).href;
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    // The same heap flags as the `carry` bin's shebang and `npm start`.
    ['--max-old-space-size=256', '--max-semi-space-size=8', '--import', hook, join(root, 'dist', 'src', 'cli.js'), 'paper', '--market', 'sim:42', '--speed', 'max', '--for', `${DAYS}d`, '--db', db, '--config', cfg, '--quiet'],
    { encoding: 'utf8' },
  );
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`bench: paper run failed (${r.status}): ${r.stderr}`);
  const rss = /CARRY_BENCH_MAXRSS_KB=(\d+)/.exec(r.stderr);
  const ticks = /paper: (\d+) ticks/.exec(r.stderr);
  const dbBytes = statSync(db).size;
  return {
    name: 'paper-sim-30d',
    simulated_days: DAYS,
    scan_cron: '*/5 * * * *',
    ticks: ticks ? Number(ticks[1]) : null,
    wall_s: Math.round(wallMs / 100) / 10,
    peak_rss_mb: rss ? Math.round(Number(rss[1]) / 1024) : null,
    db_mb: Math.round(dbBytes / 1024 / 102.4) / 10,
    db_kb_per_day: Math.round(dbBytes / 1024 / DAYS),
    result: r.stdout.trim().split('\n').slice(-2).join(' | '),
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchPaperSim().then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
