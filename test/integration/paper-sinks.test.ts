/**
 * Issue 9 part 4: alert delivery runs beside the engine. The same sim:42 paper run with healthy
 * webhooks, and with one answering 500 and one that never answers (its timeouts far longer than
 * this test may take), produces the same ledger: events, positions, pnl. Ticks go on while a
 * delivery hangs, so the engine's loop never waits for a sink. What the dead sinks did not take
 * stays pending and goes out at the next start once they answer.
 *
 * Local receivers on 127.0.0.1 only, closed at the end. No timing is asserted: the wall time of
 * the same comparison is a benchmark (bench/paper-sinks.ts).
 */
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore, type AlertRecord } from '../../src/alerts/store.js';
import { startPaperRun } from '../../src/app/paper-run.js';
import { loadConfig } from '../../src/config/load.js';
import { tempDir } from '../support/cli.js';
import { startRecorder, type Recorder } from '../support/http-recorder.js';
import { firstEventDifference, summariseLedger } from '../support/paper-ledger.js';

const START = Date.UTC(2026, 0, 5);
// sim:42 raises and resolves a basis alert on a held position at about 05:25 on the first day.
const UNTIL = START + 6 * 3_600_000;
const LATER = UNTIL + 3_600_000;

interface Payload {
  readonly id: string;
  readonly seq: number;
  readonly notice: string;
  readonly kind: string;
  readonly title: string;
  readonly message: string;
}

type Sinks = Record<string, Record<string, unknown>>;

function config(sinks: Sinks) {
  return loadConfig({
    overrides: {
      log: { level: 'silent' },
      // Pinned here so the run (and its alerts) does not move with the shipped schedule.
      jobs: { scan: '* * * * *', monitor: '*/15 * * * * *' },
      alerts: { sinks },
    },
  });
}

/** A webhook that takes so long to fail that waiting for it would stall the run far past this test's timeout. */
const slow = { timeoutMs: 60_000, maxAttempts: 10, maxBackoffMs: 60_000, budgetMs: 600_000 };

async function paper(db: string, sinks: Sinks, until: number, onTick?: () => void): Promise<number> {
  const run = await startPaperRun({ config: config(sinks), spec: { kind: 'sim', seed: 42 }, dbPath: db, speed: 'max', until, ...(onTick ? { onTick } : {}) });
  return (await run.done).ticks;
}

function alerts(db: string): readonly AlertRecord[] {
  const store = AlertStore.open(db, { mode: 'paper', readonly: true, carryVersion: 'test' });
  try {
    return store.list({ limit: 1000 });
  } finally {
    store.close();
  }
}

const deliveries = (db: string) => alerts(db).flatMap((a) => a.deliveries);

let healthy: Recorder;
let failing: Recorder;
let hanging: Recorder;
let fixed: Recorder;
let healthyDb: string;
let failingDb: string;
let ticksWhileHanging = 0;
let pendingAfterFailing: string[] = [];
/** The failing run's ledger as it ended (before the restart extends it). */
let failingCopy: string;

describe('paper run with dead alert sinks', () => {
  beforeAll(async () => {
    healthy = await startRecorder(() => ({ status: 200, body: 'ok' }));
    failing = await startRecorder(() => ({ status: 500, body: 'boom' }));
    hanging = await startRecorder(() => 'hang');
    fixed = await startRecorder(() => ({ status: 200, body: 'ok' }));

    healthyDb = join(tempDir('carry-sinks-ok-'), 'paper.db');
    await paper(healthyDb, { a: { type: 'webhook', url: `${healthy.url}/a` }, b: { type: 'webhook', url: `${healthy.url}/b` } }, UNTIL);

    failingDb = join(tempDir('carry-sinks-dead-'), 'paper.db');
    await paper(failingDb, { a: { type: 'webhook', url: `${failing.url}/a`, ...slow }, b: { type: 'webhook', url: `${hanging.url}/b`, ...slow } }, UNTIL, () => {
      if (hanging.requests.some((r) => r.open)) ticksWhileHanging++;
    });
    failingCopy = join(tempDir('carry-sinks-dead-copy-'), 'paper.db');
    for (const suffix of ['', '-wal']) if (existsSync(failingDb + suffix)) copyFileSync(failingDb + suffix, failingCopy + suffix);
    pendingAfterFailing = deliveries(failingDb)
      .filter((d) => d.status === 'pending')
      .map((d) => `${d.alertId}#${d.seq}@${d.sink}`);

    // Next start, the same sinks answering now.
    await paper(failingDb, { a: { type: 'webhook', url: `${fixed.url}/a` }, b: { type: 'webhook', url: `${fixed.url}/b` } }, LATER);
  }, 180_000);

  afterAll(async () => {
    for (const r of [healthy, failing, hanging, fixed]) await r?.close();
  });

  it('alerts were raised and the healthy sinks took every message during the run', () => {
    const ds = deliveries(healthyDb).filter((d) => d.sink !== 'log');
    expect(ds.length).toBeGreaterThan(0);
    expect(ds.every((d) => d.status === 'sent')).toBe(true);
    expect(healthy.requests).toHaveLength(ds.length);
  });

  it('resolved payloads carry the title of the alert they resolve and what came back within bounds, not the firing text', () => {
    const payloads = healthy.requests.filter((r) => r.path === '/a').map((r) => r.json() as Payload);
    const resolved = payloads.filter((p) => p.notice === 'resolved');
    expect(resolved.length).toBeGreaterThan(0);
    for (const r of resolved) {
      const first = payloads.find((p) => p.id === r.id && p.seq === 1);
      expect(r.title).toBe(first?.title);
      expect(r.message).not.toBe(first?.message);
      expect(r.message).not.toContain('closing now');
      if (r.kind === 'basis') expect(r.message).toMatch(/^Back within bounds: perp vs spot -?[\d.]+ bps \(limit 100 bps/);
    }
  });

  it('the ledger is identical with a sink answering 500 and one that never answers', () => {
    expect(firstEventDifference(healthyDb, failingCopy)).toBeNull();
    expect(summariseLedger(failingCopy)).toEqual(summariseLedger(healthyDb));
    // The alerts decided are the same too; only their deliveries differ.
    const decided = (db: string) => alerts(db).map((a) => `${a.id} ${a.status} ${a.notifyCount}`);
    expect(decided(failingCopy)).toEqual(decided(healthyDb));
  });

  it('the engine never waits for a sink: ticks ran while a delivery hung, and the dead sinks were tried during the run', () => {
    expect(hanging.requests.length).toBeGreaterThan(0);
    expect(ticksWhileHanging).toBeGreaterThan(0);
    expect(failing.requests.length).toBeGreaterThan(0);
  });

  it('what the dead sinks did not take was left pending, and went out at the next start, each once, in order', () => {
    expect(pendingAfterFailing.length).toBeGreaterThan(0);
    expect(pendingAfterFailing.some((d) => d.endsWith('@a'))).toBe(true);
    expect(pendingAfterFailing.some((d) => d.endsWith('@b'))).toBe(true);
    const got = fixed.requests.map((r) => {
      const p = r.json() as Payload;
      return `${p.id}#${p.seq}@${r.path.slice(1)}`;
    });
    for (const d of pendingAfterFailing) expect(got.filter((g) => g === d), d).toHaveLength(1);
    const after = new Map(deliveries(failingDb).map((d) => [`${d.alertId}#${d.seq}@${d.sink}`, d.status]));
    expect(pendingAfterFailing.map((d) => after.get(d))).toEqual(pendingAfterFailing.map(() => 'sent'));
    // Per sink and alert, in the order decided.
    for (const sink of ['a', 'b']) {
      const seqs = new Map<string, number[]>();
      for (const g of got.filter((x) => x.endsWith(`@${sink}`))) {
        const [id, seq] = g.replace(/@.*$/, '').split('#') as [string, string];
        seqs.set(id, [...(seqs.get(id) ?? []), Number(seq)]);
      }
      for (const list of seqs.values()) expect(list).toEqual([...list].sort((x, y) => x - y));
    }
  });
});
