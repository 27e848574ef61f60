/**
 * Crash safety: a writer killed with SIGKILL at a random moment (most of its time is spent
 * inside append transactions) must leave a ledger where every projection equals the replay of
 * the log, every batch is either entirely there or entirely absent, and every batch the writer
 * saw committed survived. The child loads the real TypeScript modules through Vite's SSR loader
 * (installed with vitest), so it runs exactly the code under test.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/store/ledger.js';
import { tempDir } from './fixtures.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VITE = pathToFileURL(join(ROOT, 'node_modules', 'vite', 'dist', 'node', 'index.js')).href;
const SETTLEMENTS = 100;
// wallet.funded, position.created, 2 × (submitted, fill, done), open, settlements, closing, 2 × 3, closed
const EVENTS_PER_BATCH = 1 + 1 + 6 + 1 + SETTLEMENTS + 1 + 6 + 1;

const CHILD = `
const [root, dbPath, round, settlements] = process.argv.slice(2);
const { createServer } = await import(${JSON.stringify(VITE)});
const server = await createServer({
  root, configFile: false, logLevel: 'silent', appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
});
const { Ledger } = await server.ssrLoadModule('/src/store/ledger.ts');
const f = await server.ssrLoadModule('/test/store/fixtures.ts');
const ledger = Ledger.open(dbPath, { mode: 'paper', carryVersion: 'crash-test' });
const stopAt = Date.now() + 10_000;
for (let i = 0; Date.now() < stopAt; i++) {
  const id = 'r' + round + '-b' + i;
  const spec = f.linearSpec(id);
  const t = f.T0 + i * 100 * f.HOUR;
  const events = [
    f.funded('binance', 'USDT', 20_000, t),
    f.created(spec, t),
    ...f.trade({ spec, leg: 'spot', side: 'buy', qty: 0.2, price: 50_000, feeRate: 0.001, ts: t }),
    ...f.trade({ spec, leg: 'perp', side: 'sell', qty: 0.2, price: 50_010, feeRate: 0.0005, ts: t, purpose: 'hedge' }),
    f.transition(id, 'pending_open', 'open', t),
  ];
  for (let s = 1; s <= Number(settlements); s++) {
    events.push(f.linearFunding(spec, -0.2, t + s * 8 * f.HOUR / 10, 0.0001, 50_000, 1));
  }
  const tc = t + 90 * f.HOUR;
  events.push(
    f.transition(id, 'open', 'closing', tc),
    ...f.trade({ spec, leg: 'spot', side: 'sell', qty: 0.2, price: 50_200, feeRate: 0.001, ts: tc, purpose: 'close' }),
    ...f.trade({ spec, leg: 'perp', side: 'buy', qty: 0.2, price: 50_215, feeRate: 0.0005, ts: tc, purpose: 'close' }),
    f.transition(id, 'closing', 'closed', tc),
  );
  ledger.append(events);
  process.stdout.write('committed ' + i + '\\n');
}
ledger.close();
await server.close();
`;

interface Run {
  readonly acknowledged: number;
  readonly killedAfterMs: number;
  readonly stderr: string;
}

/** Starts the writer, waits for its first commit, then SIGKILLs it after a random delay. */
function runAndKill(script: string, db: string, round: number): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, ROOT, db, String(round), String(SETTLEMENTS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let killedAfterMs = -1;
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (killedAfterMs < 0 && out.includes('committed 0\n')) {
        killedAfterMs = Math.floor(Math.random() * 250);
        setTimeout(() => child.kill('SIGKILL'), killedAfterMs);
      }
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      const acks = [...out.matchAll(/committed (\d+)\n/g)].map((m) => Number(m[1]));
      if (signal !== 'SIGKILL') {
        fail(new Error(`writer exited with code ${code} before being killed:\n${stderr}`));
        return;
      }
      done({ acknowledged: acks.length === 0 ? -1 : Math.max(...acks), killedAfterMs, stderr });
    });
  });
}

describe('a writer killed with SIGKILL mid-append', () => {
  it('leaves a consistent ledger: projections = replay, whole batches only, nothing acknowledged lost', async () => {
    const dir = tempDir();
    const db = join(dir, 'paper.db');
    const script = join(dir, 'writer.mjs');
    writeFileSync(script, CHILD);
    let expectedPositions = 0;
    for (let round = 0; round < 3; round++) {
      const run = await runAndKill(script, db, round);
      const why = `round ${round}, killed ${run.killedAfterMs} ms after the first commit, ${run.acknowledged + 1} batches acknowledged`;

      const l = Ledger.open(db, { mode: 'paper', carryVersion: 'test' });
      try {
        const report = l.verify();
        expect(report.differences, why).toEqual([]);
        expect(report.integrity, why).toEqual(['ok']);

        const mine = l.positions().filter((p) => p.positionId.startsWith(`r${round}-`));
        // Every acknowledged batch is there; at most one more (committed just before the kill, not yet printed).
        expect(mine.length, why).toBeGreaterThanOrEqual(run.acknowledged + 1);
        expect(mine.length, why).toBeLessThanOrEqual(run.acknowledged + 2);
        for (const p of mine) {
          expect(l.history({ limit: 10_000, positionId: p.positionId }).length, `${why}: ${p.positionId}`).toBe(EVENTS_PER_BATCH - 1);
          expect([p.state, p.spotQty, p.perpContracts], `${why}: ${p.positionId}`).toEqual(['closed', 0, 0]);
          expect(l.fundingPayments(p.positionId)).toHaveLength(SETTLEMENTS);
        }
        expectedPositions += mine.length;
        expect(l.positions(), why).toHaveLength(expectedPositions);
        expect(l.countEvents(), why).toBe(expectedPositions * EVENTS_PER_BATCH);
        // Each batch: +20,000 funded, +40 spot, −41 perp, −30.0625 fees, +100 × 1 funding.
        const usdt = l.walletBalances('binance').find((b) => b.currency === 'USDT')?.amount ?? 0;
        expect(usdt, why).toBeCloseTo(expectedPositions * (20_000 + 40 - 41 - 30.0625 + SETTLEMENTS), 6);
      } finally {
        l.close();
      }
    }
  }, 60_000);
});
