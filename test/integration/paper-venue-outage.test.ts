/**
 * Issue 3: "a venue that stops answering mid-position leaves the position open and flagged, never
 * half closed". The sim market's maintenance windows (sim.faults in the config) make every call
 * to one venue throw ccxt.OnMaintenance for two hours while carry holds a position there.
 *
 * The run is the CLI's, in three legs on one ledger: up to a moment with an open position, then
 * (with the outage configured) to the middle of the outage, then past its end.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimClock } from '../../src/domain/clock.js';
import { SimExchange, SimWorld, type SimVenueId } from '../../src/venues/sim/index.js';
import { runCli, tempDir } from '../support/cli.js';
import { openReadOnly, paperConfig, summariseLedger, type PositionSummary } from '../support/paper-ledger.js';

const MIN = 60_000;
const T1 = Date.UTC(2026, 0, 5, 6, 30); // the first leg ends here, positions open
const OUTAGE = { start: T1 + MIN, end: T1 + 120 * MIN };
const MID = T1 + 60 * MIN;
const AFTER = OUTAGE.end + 30 * MIN;
const JOBS = { scan: '*/5 * * * *', monitor: '30 * * * * *' };

const iso = (t: number) => new Date(t).toISOString();

let db: string;
let held: PositionSummary & { venue: string };
let atMid: ReturnType<typeof summariseLedger>;
let midStatus: { positions: { position: { positionId: string; flag: string | null; flagMessage: string | null } }[] };

async function paper(until: number, cfg: string): Promise<void> {
  const r = await runCli(['paper', '--market', 'sim:42', '--speed', 'max', '--until', iso(until), '--db', db, '--config', cfg, '--quiet']);
  expect(r.code, r.err).toBe(0);
}

describe('a venue under maintenance while carry holds a position there', () => {
  beforeAll(async () => {
    db = join(tempDir('carry-outage-'), 'paper.db');
    await paper(T1, paperConfig({ jobs: JOBS }));
    const ledger = openReadOnly(db);
    try {
      const open = ledger.openPositions().filter((p) => p.state === 'open');
      expect(open.length, 'a position is open when the outage starts').toBeGreaterThan(0);
      const p = open[0]!;
      held = { positionId: p.positionId, state: p.state, flag: p.flag, spotQty: p.spotQty, perpContracts: p.perpContracts, venue: p.venue };
    } finally {
      ledger.close();
    }
    const outage = paperConfig({ jobs: JOBS, sim: { faults: { [held.venue]: { maintenance: [{ start: iso(OUTAGE.start), end: iso(OUTAGE.end) }] } } } });
    await paper(MID, outage);
    atMid = summariseLedger(db);
    const status = await runCli(['status', '--db', db, '--json', '--config', outage]);
    expect(status.code, status.err).toBe(0);
    midStatus = JSON.parse(status.out);
    await paper(AFTER, outage);
  }, 60_000);

  it('during the outage the position keeps its state and holdings and is flagged venue_unreachable', () => {
    const p = atMid.positions.find((x) => x.positionId === held.positionId);
    expect(p).toMatchObject({ state: 'open', spotQty: held.spotQty, perpContracts: held.perpContracts, flag: 'venue_unreachable' });
    expect(atMid.verified).toBe(true);
    const shown = midStatus.positions.find((r) => r.position.positionId === held.positionId);
    expect(shown?.position.flag).toBe('venue_unreachable');
    expect(shown?.position.flagMessage).toMatch(new RegExp(`${held.venue}.*maintenance`));
  });

  it('no order reaches the venue while it is down: nothing is closed or unwound, not even half', () => {
    const ledger = openReadOnly(db);
    try {
      const during = (t: number) => t >= OUTAGE.start && t < OUTAGE.end;
      expect(ledger.orders(held.positionId).filter((o) => during(o.submittedAt))).toEqual([]);
      expect(ledger.fills(held.positionId).filter((f) => during(f.ts))).toEqual([]);
      const anyOrderOnVenue = ledger.positions().filter((p) => p.venue === held.venue).flatMap((p) => ledger.orders(p.positionId)).filter((o) => during(o.submittedAt));
      expect(anyOrderOnVenue).toEqual([]);
    } finally {
      ledger.close();
    }
  });

  it('the flag is raised once at the first scan of the outage and cleared at the first scan after it', () => {
    const ledger = openReadOnly(db);
    try {
      const flags = ledger
        .history({ limit: 100_000, positionId: held.positionId })
        .filter((h) => h.event.type === 'position.flagged')
        .reverse()
        .map((h) => h.event as { ts: number; flag: string | null; message: string });
      expect(flags.map((f) => f.flag)).toEqual(['venue_unreachable', null]);
      const [raised, cleared] = flags as [(typeof flags)[0], (typeof flags)[0]];
      // Scans run every 5 minutes: the first one inside the window, the first one after it.
      expect(raised.ts).toBe(T1 + 5 * MIN);
      expect(raised.message).toMatch(/maintenance/);
      expect(cleared.ts).toBe(OUTAGE.end);
      const now = ledger.position(held.positionId);
      expect(now?.flag).toBeNull();
      expect(ledger.verify().ok).toBe(true);
    } finally {
      ledger.close();
    }
  });

  it('a settlement during the outage is booked at the rate the venue settled, read from its history once it answers', async () => {
    const ledger = openReadOnly(db);
    try {
      const p = ledger.position(held.positionId);
      const during = ledger.fundingPayments(held.positionId).filter((f) => f.settlementTime > OUTAGE.start && f.settlementTime < OUTAGE.end);
      expect(during.length, 'the outage spans a settlement of the held perp').toBeGreaterThan(0);
      // What the sim venue itself settled at those instants (its fetchFundingRateHistory).
      const clock = new SimClock(AFTER);
      const venue = new SimExchange(new SimWorld({ seed: 42 }), held.venue as SimVenueId, clock);
      await venue.loadMarkets();
      const settled = await venue.fetchFundingRateHistory(p!.perpSymbol, OUTAGE.start - 8 * 60 * MIN);
      for (const pay of during) {
        const row = settled.find((r) => r.timestamp === pay.settlementTime);
        expect(row, `the venue settled at ${iso(pay.settlementTime)}`).toBeDefined();
        expect(pay.rate).toBe(row!.fundingRate);
        // booked after the venue answered again, never during the outage
        expect(pay.ts).toBeGreaterThanOrEqual(OUTAGE.end);
      }
    } finally {
      ledger.close();
    }
  });

  it('the other venues are scanned on schedule through the outage', () => {
    const ledger = openReadOnly(db);
    try {
      const scans = ledger.history({ limit: 100_000 }).filter((h) => h.type === 'scan.recorded' && h.ts >= OUTAGE.start && h.ts < OUTAGE.end);
      let due = 0;
      for (let t = Math.ceil(OUTAGE.start / (5 * MIN)) * 5 * MIN; t < OUTAGE.end; t += 5 * MIN) due++;
      expect(scans.length).toBe(due);
      const venues = new Set(scans.flatMap((s) => (s.event.type === 'scan.recorded' ? s.event.top.map((o) => o.venue) : [])));
      expect(venues.has(held.venue)).toBe(false);
      expect(venues.size).toBeGreaterThan(0);
    } finally {
      ledger.close();
    }
  });
});

describe('sim.faults in the config', () => {
  it('refuses an outage for a venue that is not configured, or one that ends before it starts', async () => {
    const dir = tempDir('carry-outage-cfg-');
    const unknown = await runCli(['paper', '--market', 'sim:42', '--for', '1h', '--db', join(dir, 'a.db'), '--config', paperConfig({ sim: { faults: { binanse: { timeoutRate: 0.1 } } } })]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/sim\.faults: "binanse" is not a configured venue/);
    const backwards = await runCli([
      'paper',
      '--market',
      'sim:42',
      '--for',
      '1h',
      '--db',
      join(dir, 'b.db'),
      '--config',
      paperConfig({ sim: { faults: { okx: { maintenance: [{ start: '2026-01-05T02:00:00Z', end: '2026-01-05T01:00:00Z' }] } } } }),
    ]);
    expect(backwards.code).toBe(2);
    expect(backwards.err).toMatch(/sim\.faults\.okx\.maintenance.*end must be after start/s);
  });
});
