/** Migration 6 on a ledger a schema-5 carry wrote: its data kept, the new columns empty, the new tables usable, and it verifies. */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger } from '../../src/store/ledger.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open.js';
import { created, dropMigration6, funded, linearSpec, T0, tempDir, trade, transition } from './fixtures.js';

describe('migration 6', () => {
  it('is number 6, and named', () => {
    expect(MIGRATIONS[5]?.version).toBe(6);
    expect(MIGRATIONS[5]?.name).toMatch(/risk states, control requests, daemon lease/);
  });

  it('upgrades a schema-5 ledger: old orders and denials read back with nulls, then take the new fields and events', () => {
    const file = join(tempDir(), 'v5.db');
    const spec = linearSpec();
    // Build the log with today's code in schema 5's shape (no venue ids, no deny codes), then take migration 6 off.
    const l = Ledger.open(file, { mode: 'live', carryVersion: 'test' });
    l.append([
      funded('binance', 'USDT', 100_000),
      created(spec),
      ...trade({ spec, leg: 'spot', side: 'buy', qty: 1, price: 50_000, feeRate: 0.001, orderId: 'old-1' }),
      ...trade({ spec, leg: 'perp', side: 'sell', qty: 1, price: 50_000, feeRate: 0.0005, orderId: 'old-2' }),
      transition('p1', 'pending_open', 'open'),
      { type: 'decision', ts: T0 + 1, venue: 'binance', symbol: 'ETH/USDT:USDT', action: 'deny', reason: 'venue cap 50000 on binance reached (open: 50000.00)' },
    ]);
    l.close();
    const raw = new Database(file);
    dropMigration6(raw);
    raw.prepare(`UPDATE meta SET value = '5' WHERE key = 'schema_version'`).run();
    raw.close();

    expect(() => openStore(file, { mode: 'live', readonly: true, carryVersion: 'test' })).toThrow(new RegExp(`schema version 5 and this carry needs ${SCHEMA_VERSION}; a read-only open does not migrate`));
    const m = Ledger.open(file, { mode: 'live', carryVersion: 'test' });
    try {
      expect(m.schemaVersion).toBe(SCHEMA_VERSION);
      expect(m.orders('p1').map((o) => [o.orderId, o.venueOrderId])).toEqual([
        ['old-1', null],
        ['old-2', null],
      ]);
      expect(m.decisions({ limit: 5 })).toEqual([
        { ts: T0 + 1, venue: 'binance', symbol: 'ETH/USDT:USDT', action: 'deny', reason: 'venue cap 50000 on binance reached (open: 50000.00)', code: null, limit: null, value: null },
      ]);
      expect(m.riskStatus()).toEqual({ state: 'active', causes: [] });
      expect(m.pendingControl()).toEqual([]);
      expect(m.currentLease()).toBeNull();
      expect(m.verify()).toMatchObject({ ok: true, differences: [] });

      // The migrated ledger takes everything new.
      m.append([
        { type: 'risk.state', ts: T0 + 2, from: 'active', to: 'halted', trigger: 'reconcile_mismatch', reason: 'venue holds 0.5 BTC more spot', causes: [] },
        { type: 'decision', ts: T0 + 3, venue: 'binance', symbol: 'ETH/USDT:USDT', action: 'deny', reason: 'trading state is halted: no new positions', code: 'state', limit: null, value: null },
      ]);
      const id = m.requestControl('resume', { reason: 'checked by hand' }, { by: 'ops', now: T0 + 4 });
      m.acquireLease(4242, T0 + 5, 10_000, 'box');
      expect(m.riskState()).toBe('halted');
      expect(m.decisions({ limit: 1 })[0]?.code).toBe('state');
      expect(m.pendingControl().map((r) => r.id)).toEqual([id]);
      expect(m.currentLease()).toMatchObject({ pid: 4242, mode: 'live' });
      expect(m.verify()).toMatchObject({ ok: true, differences: [] });
    } finally {
      m.close();
    }
  });

  it('a migrated file has the same schema as a new one', () => {
    const dir = tempDir();
    const fresh = openStore(join(dir, 'new.db'), { mode: 'paper', carryVersion: 'test' });
    const old = Ledger.open(join(dir, 'old.db'), { mode: 'paper', carryVersion: 'test' });
    old.close();
    const raw = new Database(join(dir, 'old.db'));
    dropMigration6(raw);
    raw.prepare(`UPDATE meta SET value = '5' WHERE key = 'schema_version'`).run();
    raw.close();
    const migrated = openStore(join(dir, 'old.db'), { mode: 'paper', carryVersion: 'test' });
    try {
      const schema = (db: Database.Database) =>
        db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`).all();
      expect(schema(migrated.db)).toEqual(schema(fresh.db));
    } finally {
      fresh.db.close();
      migrated.db.close();
    }
  });
});
