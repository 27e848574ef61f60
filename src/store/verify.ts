/**
 * The ledger's self-check: replay the whole event log into a fresh in-memory database built by
 * the same migrations, with the same projection code, and compare every projection table row by
 * row and value by value with what is stored. Replay is deterministic (same operations in the
 * same order), so equal means bit-for-bit equal: any difference is a real defect (a projection
 * written outside the log, a hand edit, a half-applied change, a bug in a migration).
 */
import Database from 'better-sqlite3';
import type { LedgerEvent } from '../domain/events.js';
import { validateEvent, eventPositionId } from './event-schema.js';
import { migrate, PROJECTION_TABLES } from './migrations.js';
import { CARRY_APPLICATION_ID } from './open.js';
import { Projector } from './project.js';

export interface VerifyDifference {
  readonly table: string;
  /** Primary-key value(s) of the row, as text. */
  readonly key: string;
  /** missing: stored lacks a row the replay has; extra: stored has a row the replay does not; value: a column differs; replay: an event could not be replayed. */
  readonly kind: 'missing' | 'extra' | 'value' | 'replay';
  readonly column?: string;
  readonly stored?: unknown;
  readonly replayed?: unknown;
  readonly message?: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  /** SQLite's own `PRAGMA integrity_check` lines ("ok" when the file is sound). */
  readonly integrity: readonly string[];
  /** First differences found (at most `maxDifferences`). */
  readonly differences: readonly VerifyDifference[];
}

type Row = Record<string, unknown>;

export function verifyLedger(db: Database.Database, maxDifferences = 50): VerifyReport {
  const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  const differences: VerifyDifference[] = [];
  const add = (d: VerifyDifference): boolean => {
    if (differences.length < maxDifferences) differences.push(d);
    return differences.length < maxDifferences;
  };

  const fresh = new Database(':memory:');
  try {
    fresh.pragma('foreign_keys = ON');
    fresh.pragma(`application_id = ${CARRY_APPLICATION_ID}`);
    fresh.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      INSERT INTO meta (key, value) VALUES ('schema_version', '0');`);
    migrate(fresh);

    // Read the whole log in one snapshot, so a concurrent writer cannot make it ragged.
    const read = db.transaction(() => {
      let events = 0;
      const projector = new Projector(fresh);
      const replay = fresh.transaction(() => {
        for (const r of db.prepare(`SELECT seq, ts, type, position_id, payload FROM events ORDER BY seq`).iterate() as IterableIterator<Row>) {
          events++;
          const seq = r['seq'] as number;
          try {
            const e = validateEvent(JSON.parse(r['payload'] as string), `event #${seq}`);
            if (e.ts !== r['ts'] || e.type !== r['type'] || eventPositionId(e) !== r['position_id']) {
              throw new Error(`columns (ts, type, position_id) disagree with the payload`);
            }
            projector.apply(e as LedgerEvent, r['payload'] as string, seq);
          } catch (err) {
            // Record and stop replaying: later events depend on this one.
            add({ table: 'events', key: String(seq), kind: 'replay', message: (err as Error).message });
            return;
          }
        }
      });
      replay();
      if (differences.length === 0) {
        for (const { table, key } of PROJECTION_TABLES) {
          if (!compareTable(db, fresh, table, key, add)) break;
        }
      }
      return events;
    });
    const events = read.deferred();
    return { ok: differences.length === 0 && integrity.length === 1 && integrity[0] === 'ok', events, integrity, differences };
  } finally {
    fresh.close();
  }
}

/** Walks both tables in key order side by side. Returns false when the difference budget is spent. */
function compareTable(
  stored: Database.Database,
  replayed: Database.Database,
  table: string,
  key: string,
  add: (d: VerifyDifference) => boolean,
): boolean {
  const sql = `SELECT * FROM ${table} ORDER BY ${key}`;
  const a = stored.prepare(sql).iterate() as IterableIterator<Row>;
  const b = replayed.prepare(sql).iterate() as IterableIterator<Row>;
  const keyCols = key.split(',').map((k) => k.trim());
  const keyOf = (r: Row): string => keyCols.map((k) => String(r[k])).join('/');
  const cmp = (x: Row, y: Row): number => {
    for (const k of keyCols) {
      const u = x[k];
      const v = y[k];
      // Text keys in SQLite's BINARY order (UTF-8 bytes), which differs from JS string order past the BMP.
      const c =
        typeof u === 'string' && typeof v === 'string'
          ? Buffer.compare(Buffer.from(u, 'utf8'), Buffer.from(v, 'utf8'))
          : Math.sign((u as number) - (v as number));
      if (c !== 0) return c;
    }
    return 0;
  };
  let x = a.next();
  let y = b.next();
  try {
    while (!x.done || !y.done) {
      let ok = true;
      if (y.done || (!x.done && cmp(x.value, y.value) < 0)) {
        ok = add({ table, key: keyOf(x.value as Row), kind: 'extra' });
        x = a.next();
      } else if (x.done || cmp(x.value, y.value) > 0) {
        ok = add({ table, key: keyOf(y.value), kind: 'missing' });
        y = b.next();
      } else {
        for (const [column, rv] of Object.entries(y.value)) {
          const sv = x.value[column];
          if (!Object.is(sv, rv)) {
            ok = add({ table, key: keyOf(y.value), kind: 'value', column, stored: sv, replayed: rv });
            if (!ok) break;
          }
        }
        x = a.next();
        y = b.next();
      }
      if (!ok) return false;
    }
    return true;
  } finally {
    a.return?.();
    b.return?.();
  }
}
