/** The alert tables (ledger migration 3) and the AlertStore over them. */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertManager, type AlertSender } from '../../src/alerts/manager.js';
import { AlertStore, type Episode } from '../../src/alerts/store.js';
import type { Alert } from '../../src/domain/alert.js';
import { SimClock } from '../../src/domain/clock.js';
import { Ledger } from '../../src/store/ledger.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { CARRY_APPLICATION_ID, openStore } from '../../src/store/open.js';

const T0 = Date.UTC(2026, 7, 9, 0, 0, 0);
const MIN = 60_000;
const opts = { mode: 'paper', carryVersion: 'test' } as const;

const file = (): string => join(mkdtempSync(join(tmpdir(), 'carry-alert-store-')), 'paper.db');

function check(subject: string, kind: Alert['kind'] = 'stale_data'): Alert {
  return {
    id: '',
    kind,
    severity: 'warning',
    subject,
    positionId: null,
    venue: 'okx',
    symbol: null,
    ts: 0,
    status: 'firing',
    title: `${subject}: funding data 3 min old`,
    message: 'okx answers late; positions there are not re-checked',
    actions: [],
    data: { ageSeconds: 180 },
    nextFundingTime: null,
  };
}

const ok: AlertSender = async (_a, sinks) => sinks.map((sink) => ({ sink, ok: true }));

function episode(over: Partial<Episode>): Episode {
  const alert = { ...check('okx'), id: 'x', ts: T0 };
  return {
    id: 'x',
    kind: 'stale_data',
    subject: 'okx',
    severity: 'warning',
    notifiedSeverity: 'warning',
    status: 'firing',
    firstTs: T0,
    lastTs: T0,
    resolvedTs: null,
    lastNotifiedTs: T0,
    notifyCount: 1,
    alert,
    title: alert.title,
    ...over,
  };
}

/** A ledger file as an older carry left it: migrations 1..version only, still open for setup. */
function ledgerAtVersion(f: string, version: number): Database.Database {
  const raw = new Database(f);
  raw.pragma(`application_id = ${CARRY_APPLICATION_ID}`);
  raw.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    INSERT INTO meta VALUES ('schema_version', '0'), ('mode', 'paper'), ('created_at', '1'), ('carry_version', 'old');`);
  for (const m of MIGRATIONS.slice(0, version)) m.up(raw);
  raw.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(version));
  return raw;
}

describe('migrations 3 to 5', () => {
  it('adds the alert tables to a version 2 ledger, keeping its events', () => {
    const f = file();
    // A ledger as the previous carry left it: migrations 1 and 2 only.
    const raw = ledgerAtVersion(f, 2);
    raw.prepare(`INSERT INTO events (ts, type, payload) VALUES (?, 'wallet.funded', ?)`).run(T0, JSON.stringify({ type: 'wallet.funded', ts: T0, venue: 'binance', currency: 'USDT', amount: 1000 }));
    raw.close();

    // A read-only open does not migrate: it says so.
    expect(() => AlertStore.open(f, { ...opts, readonly: true })).toThrow(new RegExp(`schema version 2 .*needs ${SCHEMA_VERSION}`));
    const store = openStore(f, opts);
    try {
      // Migrated to the current schema (4: close reasons on positions, 5: the delivery clock), alert tables included.
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(3);
      expect(store.schemaVersion).toBe(SCHEMA_VERSION);
      const tables = store.db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'alert%' ORDER BY name`).pluck().all();
      expect(tables).toEqual(['alert_deliveries', 'alert_messages', 'alerts']);
      expect(store.db.prepare(`SELECT COUNT(*) FROM events`).pluck().get()).toBe(1);
    } finally {
      store.db.close();
    }
  });
});

describe('migration 5: deliveries on the delivery clock', () => {
  it('a delivery an older carry left pending starts its give-up budget at the upgrade and is due at once; settled ones keep their times', () => {
    const f = file();
    const raw = ledgerAtVersion(f, 3);
    // A sim that ran past today left one message pending on the webhook (ts on the run's clock).
    const simTs = Date.UTC(2099, 0, 1);
    raw.prepare(
      `INSERT INTO alerts (alert_id, kind, subject, severity, notified_severity, status, first_ts, last_ts, last_notified_ts, notify_count, alert)
       VALUES ('a', 'stale_data', 'okx', 'warning', 'warning', 'firing', ?, ?, ?, 1, ?)`,
    ).run(simTs, simTs, simTs, JSON.stringify({ ...check('okx'), id: 'a', ts: simTs }));
    raw.prepare(`INSERT INTO alert_messages (alert_id, seq, notice, ts, alert) VALUES ('a', 1, 'new', ?, ?)`).run(simTs, JSON.stringify({ ...check('okx'), id: 'a', ts: simTs }));
    raw.prepare(`INSERT INTO alert_deliveries (alert_id, seq, sink, status, attempts, ts) VALUES ('a', 1, 'webhook', 'pending', 3, ?), ('a', 1, 'log', 'sent', 1, ?)`).run(simTs, simTs);
    raw.close();

    const before = Date.now();
    const store = AlertStore.open(f, opts);
    try {
      const [log, hook] = store.deliveries('a');
      expect(log).toMatchObject({ sink: 'log', status: 'sent', ts: simTs, createdAt: simTs });
      expect(hook).toMatchObject({ sink: 'webhook', status: 'pending', attempts: 3 });
      expect(hook!.createdAt).toBeGreaterThanOrEqual(before);
      expect(hook!.createdAt).toBeLessThanOrEqual(Date.now());
      expect(hook!.ts).toBe(hook!.createdAt);
    } finally {
      store.close();
    }
  });
});

describe('SQLite itself refuses', () => {
  it('a second firing episode for one kind + subject, but not a resolved one next to a firing one', () => {
    const store = AlertStore.open(':memory:', opts);
    store.transaction(() => store.write({ episodes: [episode({ id: 'a' })], messages: [] }, []));
    expect(() => store.transaction(() => store.write({ episodes: [episode({ id: 'b' })], messages: [] }, []))).toThrow(/UNIQUE constraint failed: alerts.kind, alerts.subject/);
    store.transaction(() => store.write({ episodes: [episode({ id: 'a', status: 'resolved', resolvedTs: T0 + MIN })], messages: [] }, []));
    store.transaction(() => store.write({ episodes: [episode({ id: 'b', firstTs: T0 + 2 * MIN })], messages: [] }, []));
    expect(store.firing().map((e) => e.id)).toEqual(['b']);
  });

  it('a resolved episode without its resolution time, and a fractional timestamp', () => {
    const store = AlertStore.open(':memory:', opts);
    expect(() => store.transaction(() => store.write({ episodes: [episode({ status: 'resolved', resolvedTs: null })], messages: [] }, []))).toThrow(/CHECK constraint failed/);
    expect(() => store.transaction(() => store.write({ episodes: [episode({ firstTs: T0 + 0.5 })], messages: [] }, []))).toThrow(/cannot store REAL value in INTEGER column/);
  });
});

describe('a tick is one transaction', () => {
  it('when a write fails half-way, nothing of the tick is stored (no episode without its deliveries)', () => {
    const store = AlertStore.open(':memory:', opts);
    const manager = new AlertManager({ store, sender: ok, sinks: ['log', 'boom'], clock: new SimClock(T0) });
    // Make the second delivery row fail, after the episode, the message and the first delivery were written.
    (store as unknown as { db: Database.Database }).db.exec(
      `CREATE TRIGGER boom BEFORE INSERT ON alert_deliveries WHEN NEW.sink = 'boom' BEGIN SELECT RAISE(ABORT, 'disk says no'); END;`,
    );
    expect(() => manager.record({ now: T0, firing: [check('okx')], checked: [] })).toThrow(/disk says no/);
    expect(store.list({ limit: 10 })).toEqual([]);
    expect(store.pendingSinks()).toEqual([]);
    expect(store.hasAlert(`stale_data:okx:${T0}`)).toBe(false);
  });
});

describe('reading', () => {
  it('lists newest first with deliveries, filters by status, and a read-only store cannot write', async () => {
    const f = file();
    const store = AlertStore.open(f, opts);
    const manager = new AlertManager({ store, sender: ok, sinks: ['log'], clock: new SimClock(T0) });
    await manager.tick({ now: T0, firing: [check('okx')], checked: [] });
    await manager.tick({ now: T0 + MIN, firing: [check('bybit')], checked: [{ kind: 'stale_data', subject: 'okx' }] });
    // The daemon keeps its connection open while the report reads.
    const reader = AlertStore.open(f, { ...opts, readonly: true });
    try {
      const all = reader.list({ limit: 10 });
      expect(all.map((a) => [a.subject, a.status, a.notifyCount])).toEqual([
        ['bybit', 'firing', 1],
        ['okx', 'resolved', 2],
      ]);
      expect(all[1]!.deliveries.map((d) => [d.seq, d.notice, d.sink, d.status])).toEqual([
        [1, 'new', 'log', 'sent'],
        [2, 'resolved', 'log', 'sent'],
      ]);
      expect(reader.list({ limit: 10, status: 'resolved' }).map((a) => a.subject)).toEqual(['okx']);
      expect(reader.list({ limit: 1 }).map((a) => a.subject)).toEqual(['bybit']);
      expect(() => reader.transaction(() => 1)).toThrow(/read-only/);
      expect(reader.messages(`stale_data:okx:${T0}`).map((m) => m.alert.status)).toEqual(['firing', 'resolved']);
    } finally {
      reader.close();
      store.close();
    }
    // And the ledger side of the file is untouched by alerts.
    const ledger = Ledger.open(f, opts);
    expect(ledger.countEvents()).toBe(0);
    ledger.close();
  });
});
