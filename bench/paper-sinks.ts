/**
 * What dead alert sinks cost a paper run (issue 9 part 4): the 3-day sim:42 run at --speed max
 * with two healthy webhooks, then with one answering HTTP 500 and one at a closed port. Delivery
 * runs beside the engine, so both should take the same wall time (ratio ≈ 1) and leave the same
 * ledger. Fresh processes and ledgers; the receivers run here, on 127.0.0.1, and close after.
 *
 *   npm run build && node dist/bench/paper-sinks.js
 *   CARRY_BENCH_SINKS_FOR=6h node dist/bench/paper-sinks.js     (a quick check)
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { packageRoot } from '../src/util/paths.js';
import { runIfMain } from './run-if-main.js';

const FOR = process.env['CARRY_BENCH_SINKS_FOR'] ?? '3d';
/** The receivers close themselves after this, whatever happens to the runs. */
const SERVER_LIFETIME_MS = 30 * 60_000;

interface Receiver {
  readonly url: string;
  readonly requests: () => number;
  close(): Promise<void>;
}

async function receiver(status: number): Promise<Receiver> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      n++;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'boom');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = setTimeout(() => server.close(), SERVER_LIFETIME_MS);
  stop.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(stop);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function closedPort(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

interface Run {
  readonly wallMs: number;
  readonly events: number;
  readonly eventsHash: string;
  readonly deliveries: Readonly<Record<string, string>>;
}

async function paper(dir: string, name: string, sinks: Record<string, unknown>): Promise<Run> {
  const cfg = join(dir, `${name}.json`);
  writeFileSync(cfg, JSON.stringify({ log: { level: 'silent' }, alerts: { sinks } }));
  const db = join(dir, `${name}.db`);
  const args = ['--max-old-space-size=256', '--max-semi-space-size=8', join(packageRoot(), 'dist', 'src', 'cli.js'), 'paper', '--market', 'sim:42', '--speed', 'max', '--for', FOR, '--db', db, '--config', cfg, '--quiet'];
  const t0 = performance.now();
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('close', (c) => resolve({ code: c, stderr: err }));
  });
  const wallMs = performance.now() - t0;
  if (code !== 0) throw new Error(`bench: paper run ${name} failed (${code}): ${stderr}`);
  const conn = new Database(db, { readonly: true });
  try {
    const rows = conn.prepare(`SELECT type, payload FROM events ORDER BY seq`).all() as { type: string; payload: string }[];
    const h = createHash('sha256');
    for (const r of rows) h.update(`${r.type}\n${r.payload}\n`);
    const counts = conn.prepare(`SELECT sink, status, COUNT(*) AS n, SUM(attempts) AS tries FROM alert_deliveries GROUP BY sink, status ORDER BY sink, status`).all() as { sink: string; status: string; n: number; tries: number }[];
    const deliveries: Record<string, string> = {};
    for (const c of counts) deliveries[c.sink] = `${deliveries[c.sink] ? `${deliveries[c.sink]}, ` : ''}${c.n} ${c.status} (${c.tries} tries)`;
    return { wallMs, events: rows.length, eventsHash: h.digest('hex'), deliveries };
  } finally {
    conn.close();
  }
}

export async function benchPaperSinks(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'carry-bench-sinks-'));
  const ok = await receiver(200);
  const failing = await receiver(500);
  try {
    const healthy = await paper(dir, 'healthy', { a: { type: 'webhook', url: `${ok.url}/a` }, b: { type: 'webhook', url: `${ok.url}/b` } });
    const okRequests = ok.requests();
    const dead = await paper(dir, 'dead', { a: { type: 'webhook', url: `${failing.url}/a` }, b: { type: 'webhook', url: `${await closedPort()}/b` } });
    return {
      name: `paper-sinks-${FOR}`,
      for: FOR,
      healthy_wall_s: Math.round(healthy.wallMs / 100) / 10,
      dead_wall_s: Math.round(dead.wallMs / 100) / 10,
      ratio: Math.round((dead.wallMs / healthy.wallMs) * 100) / 100,
      same_ledger: healthy.eventsHash === dead.eventsHash && healthy.events === dead.events,
      events: healthy.events,
      healthy_requests: okRequests,
      dead_500_requests: failing.requests(),
      healthy_deliveries: healthy.deliveries,
      dead_deliveries: dead.deliveries,
    };
  } finally {
    await ok.close();
    await failing.close();
  }
}

runIfMain(import.meta.url, benchPaperSinks);
