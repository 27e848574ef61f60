/**
 * Issue 4 wired into the paper engine: the monitor job's checks reach the configured sinks
 * through the alert manager. A local webhook receiver (127.0.0.1) stands in for the user's
 * endpoint; a sim maintenance window (sim.faults) takes down the venue of a held position.
 *
 * Shown here: the webhook receives the documented carry.alert/1 payload; the venue_down alert
 * fires at the first monitor tick after the first failed scan, is not repeated inside its
 * cooldown, and resolves once the venue answers; a run stopped in the middle of the outage and
 * restarted sends exactly what an uninterrupted run sends (nothing repeated, nothing lost).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validatePayload } from '../../src/alerts/payload.js';
import { runCli, tempDir } from '../support/cli.js';
import { startRecorder, type Recorder } from '../support/http-recorder.js';
import { openReadOnly, paperConfig } from '../support/paper-ledger.js';

const MIN = 60_000;
const T1 = Date.UTC(2026, 0, 5, 6, 30); // positions are open here
const OUTAGE = { start: T1 + MIN, end: T1 + 120 * MIN };
const MID = T1 + 60 * MIN;
const AFTER = OUTAGE.end + 30 * MIN;
// Monitor at second 30 (as the other paper tests); data is at most one 5-minute scan old, so
// the stale-data limit is set above that to keep this test about the venue.
const BASE = { jobs: { scan: '*/5 * * * *', monitor: '30 * * * * *' }, monitor: { health: { staleAfterSeconds: 600 } } };

const iso = (t: number) => new Date(t).toISOString();

interface Payload {
  schema: string;
  id: string;
  seq: number | null;
  notice: string | null;
  kind: string;
  severity: string;
  status: string;
  subject: string;
  ts: number;
  venue: string | null;
  data: Record<string, unknown>;
}

let reference: Recorder;
let legged: Recorder;
let venue: string;
let ref: Payload[];
let legs: Payload[];

async function paper(db: string, until: number, cfg: string): Promise<void> {
  const r = await runCli(['paper', '--market', 'sim:42', '--speed', 'max', '--until', iso(until), '--db', db, '--config', cfg, '--quiet']);
  expect(r.code, r.err).toBe(0);
}

function configFor(rec: Recorder, outageVenue: string | null): string {
  return paperConfig({
    ...BASE,
    alerts: { sinks: { hook: { type: 'webhook', url: `${rec.url}/hook` } } },
    ...(outageVenue ? { sim: { faults: { [outageVenue]: { maintenance: [{ start: iso(OUTAGE.start), end: iso(OUTAGE.end) }] } } } } : {}),
  });
}

describe('paper run: monitor alerts to a webhook', () => {
  beforeAll(async () => {
    // Which venue holds a position at T1 (the sim is deterministic for a seed).
    const probe = await startRecorder();
    const probeDb = join(tempDir('carry-alerts-probe-'), 'paper.db');
    await paper(probeDb, T1, configFor(probe, null));
    await probe.close();
    const ledger = openReadOnly(probeDb);
    try {
      const open = ledger.openPositions().filter((p) => p.state === 'open');
      expect(open.length, 'a position is open when the outage starts').toBeGreaterThan(0);
      venue = open[0]!.venue;
    } finally {
      ledger.close();
    }

    reference = await startRecorder();
    await paper(join(tempDir('carry-alerts-ref-'), 'paper.db'), AFTER, configFor(reference, venue));
    ref = reference.requests.map((r) => r.json() as Payload);

    legged = await startRecorder();
    const db = join(tempDir('carry-alerts-legs-'), 'paper.db');
    const cfg = configFor(legged, venue);
    await paper(db, MID, cfg);
    await paper(db, AFTER, cfg);
    legs = legged.requests.map((r) => r.json() as Payload);
  }, 120_000);

  afterAll(async () => {
    await reference?.close();
    await legged?.close();
  });

  it('every request is a POST of a valid carry.alert/1 payload', () => {
    expect(ref.length).toBeGreaterThan(0);
    for (const r of reference.requests) {
      expect(r.method).toBe('POST');
      expect(r.path).toBe('/hook');
      expect(validatePayload(r.json())).toEqual([]);
    }
  });

  it('the held venue going down fires a critical venue_down at the first monitor tick after the failed scan, then resolves after it answers', () => {
    const down = ref.filter((p) => p.kind === 'venue_down' && p.subject === venue);
    const first = down[0]!;
    expect(first).toMatchObject({ schema: 'carry.alert/1', notice: 'new', seq: 1, status: 'firing', severity: 'critical', venue });
    // Scans every 5 minutes: the first inside the window is at T1 + 5 min, the monitor at :30 after it.
    expect(first.ts).toBe(T1 + 5 * MIN + 30_000);
    expect(first.data['positions']).toBeGreaterThanOrEqual(1);
    const last = down[down.length - 1]!;
    expect(last).toMatchObject({ notice: 'resolved', status: 'resolved', id: first.id });
    // The first scan after the window (at its end) sees the venue again; the next monitor tick resolves.
    expect(last.ts).toBe(OUTAGE.end + 30_000);
    // In between: one message per cooldown (30 min by default), not one per monitor tick.
    const between = down.slice(1, -1);
    expect(between.every((p) => p.notice === 'reminder' && p.id === first.id)).toBe(true);
    expect(between.length).toBeLessThanOrEqual(Math.ceil((OUTAGE.end - OUTAGE.start) / (30 * MIN)));
    expect(new Set(down.map((p) => p.seq)).size).toBe(down.length);
  });

  it('stopped mid-outage and restarted, the webhook receives exactly what an uninterrupted run sends', () => {
    const key = (p: Payload) => `${p.id} ${p.seq} ${p.notice} ${p.status} ${p.ts}`;
    expect(legs.map(key)).toEqual(ref.map(key));
  });
});
