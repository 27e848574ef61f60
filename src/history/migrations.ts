/**
 * The history store's schema (docs/history-store.md), versioned like the ledger's
 * (src/store/migrations.ts): forward-only, one IMMEDIATE transaction per step with the version
 * bump in `meta`. Tables are STRICT: a string where a rate goes is refused by SQLite itself.
 */
import type { Database } from 'better-sqlite3';

export interface HistoryMigration {
  readonly version: number;
  readonly name: string;
  readonly up: (db: Database) => void;
}

const V1 = `
-- One row per import of one file: what was read, what landed, what was refused.
CREATE TABLE imports (
  import_id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  file TEXT NOT NULL,
  format TEXT NOT NULL,
  options TEXT NOT NULL CHECK (json_valid(options)),
  rows_read INTEGER NOT NULL CHECK (rows_read >= 0),
  rows_imported INTEGER NOT NULL CHECK (rows_imported >= 0),
  rows_skipped INTEGER NOT NULL CHECK (rows_skipped >= 0),
  conflicts INTEGER NOT NULL CHECK (conflicts >= 0),
  -- skipped rows by reason, and the notes (detections, gaps), as JSON
  report TEXT NOT NULL CHECK (json_valid(report))
) STRICT;

-- Settled funding: one row per (venue, symbol, settlement instant).
CREATE TABLE funding (
  venue TEXT NOT NULL,
  symbol TEXT NOT NULL,
  ts INTEGER NOT NULL,
  rate REAL NOT NULL,
  interval_hours REAL NOT NULL CHECK (interval_hours > 0),
  mark_price REAL CHECK (mark_price IS NULL OR mark_price > 0),
  index_price REAL CHECK (index_price IS NULL OR index_price > 0),
  spot_price REAL CHECK (spot_price IS NULL OR spot_price > 0),
  source TEXT NOT NULL,
  import_id INTEGER NOT NULL REFERENCES imports(import_id),
  PRIMARY KEY (venue, symbol, ts)
) STRICT, WITHOUT ROWID;

-- A row of an import that disagreed with the stored row: kept here, never written over it.
CREATE TABLE import_conflicts (
  import_id INTEGER NOT NULL REFERENCES imports(import_id),
  line INTEGER NOT NULL,
  venue TEXT NOT NULL,
  symbol TEXT NOT NULL,
  ts INTEGER NOT NULL,
  stored TEXT NOT NULL CHECK (json_valid(stored)),
  incoming TEXT NOT NULL CHECK (json_valid(incoming))
) STRICT;
`;

export const HISTORY_MIGRATIONS: readonly HistoryMigration[] = [{ version: 1, name: 'funding, imports, import conflicts', up: (db) => db.exec(V1) }];

export const HISTORY_SCHEMA_VERSION: number = HISTORY_MIGRATIONS[HISTORY_MIGRATIONS.length - 1]?.version ?? 0;

function version(db: Database): number {
  return Number(db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get());
}

export function migrateHistory(db: Database): number {
  HISTORY_MIGRATIONS.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`history migration list out of order at #${i}`);
  });
  for (const m of HISTORY_MIGRATIONS) {
    db.transaction(() => {
      if (version(db) >= m.version) return;
      m.up(db);
      db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(m.version));
    }).immediate();
  }
  return version(db);
}
