/**
 * The history store: settled funding per (venue, symbol, settlement instant) for backtests, in
 * its own SQLite file (config `history.path`, default ./data/history.db), never a ledger.
 * Schema and rules: docs/history-store.md.
 *
 * Like the ledger (src/store/open.ts) the file carries marks: `PRAGMA application_id`
 * HISTORY_APPLICATION_ID and a `meta` table (schema_version, kind = history). An existing file is
 * inspected read-only first; anything else (a ledger, another application's database, a newer
 * schema, garbage) is refused without a byte written.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { storeInvalid } from '../store/errors.js';
import { CARRY_APPLICATION_ID } from '../store/open.js';
import { HISTORY_SCHEMA_VERSION, migrateHistory } from './migrations.js';

/** "CRYH" in ASCII. */
export const HISTORY_APPLICATION_ID = 0x43525948;

/** One settled funding rate as stored. */
export interface FundingRow {
  readonly venue: string;
  /** ccxt unified symbol, e.g. 'BTC/USDT:USDT', 'BTC/USD:BTC' (BitMEX XBTUSD, inverse). */
  readonly symbol: string;
  /** The settlement instant, ms UTC. */
  readonly ts: number;
  /** Decimal per interval (0.0001 = 0.01 %). */
  readonly rate: number;
  readonly intervalHours: number;
  readonly markPrice: number | null;
  readonly indexPrice: number | null;
  readonly spotPrice: number | null;
  /** What produced the row: the import format ('bitmex', 'tardis', ...). */
  readonly source: string;
}

/** A row offered to the store, with the line of the file it came from. */
export interface IncomingRow extends FundingRow {
  readonly line: number;
}

export interface ImportRecord {
  readonly file: string;
  readonly format: string;
  readonly options: Record<string, unknown>;
  readonly rowsRead: number;
  readonly report: unknown;
}

export interface InsertOutcome {
  readonly importId: number;
  readonly imported: number;
  /** Already in the store with the same values. */
  readonly duplicates: number;
  readonly duplicateLines: readonly number[];
  /** In the store with other values: kept as stored, the incoming row recorded in import_conflicts. */
  readonly conflicts: readonly { line: number; ts: number; stored: number; incoming: number }[];
}

export interface Coverage {
  readonly venue: string;
  readonly symbol: string;
  readonly rows: number;
  readonly from: number;
  readonly to: number;
  /** Distinct intervals seen, hours. */
  readonly intervals: readonly number[];
}

const SQLITE_MAGIC = 'SQLite format 3\0';
const MEMORY = ':memory:';

function readMagic(path: string): string | null {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return n === 0 ? null : buf.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

/** Refuses (untouched) anything that is not an empty database or a history store this code knows. */
function check(db: Database.Database, path: string): 'new' | 'history' {
  const appId = Number(db.pragma('application_id', { simple: true }));
  const objects = db.prepare(`SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
  if (appId === 0 && objects.length === 0) return 'new';
  if (appId === CARRY_APPLICATION_ID) {
    throw storeInvalid(`${path} is a carry ledger, not a history store; carry refuses to write history into it. Choose another --db / history.path.`);
  }
  if (appId !== HISTORY_APPLICATION_ID || !objects.includes('meta')) {
    throw storeInvalid(`${path} is an SQLite database of another application (application_id ${appId}), not a carry history store. It was not changed.`);
  }
  const meta = new Map((db.prepare(`SELECT key, value FROM meta`).all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  const v = Number(meta.get('schema_version'));
  if (meta.get('kind') !== 'history' || !Number.isInteger(v)) {
    throw storeInvalid(`${path} is marked as a carry history store but its meta table is damaged. It was not changed.`);
  }
  if (v > HISTORY_SCHEMA_VERSION) {
    throw storeInvalid(`${path} has history schema version ${v}, written by a newer carry; this carry knows up to ${HISTORY_SCHEMA_VERSION}. It was not changed.`);
  }
  return 'history';
}

export class HistoryStore {
  private constructor(
    readonly db: Database.Database,
    /** Absolute path, or ':memory:'. */
    readonly path: string,
  ) {}

  /** Opens (creating when missing or empty) the history store at `path`; ':memory:' for tests. */
  static open(path: string, opts: { now?: () => number; readonly?: boolean } = {}): HistoryStore {
    const shown = path === MEMORY ? MEMORY : resolve(path);
    const ro = opts.readonly === true;
    if (shown !== MEMORY) {
      if (existsSync(shown)) {
        if (!statSync(shown).isFile()) throw storeInvalid(`${shown} is not a regular file; choose a file path for the history store.`);
        const magic = readMagic(shown);
        if (magic !== null && magic !== SQLITE_MAGIC) {
          throw storeInvalid(`${shown} is not an SQLite database (it does not start with the SQLite header). carry refuses to overwrite it.`);
        }
        if (magic !== null) {
          const probe = new Database(shown, { readonly: true, fileMustExist: true });
          try {
            check(probe, shown);
          } finally {
            probe.close();
          }
        } else if (ro) throw storeInvalid(`${shown} is empty, not a history store yet. Run carry data import first.`);
      } else if (ro) {
        throw storeInvalid(`${shown}: no history store there. Run carry data import first.`);
      } else {
        mkdirSync(dirname(shown), { recursive: true });
      }
    }
    const db = new Database(shown, { readonly: ro, fileMustExist: ro });
    try {
      db.pragma('busy_timeout = 5000');
      if (ro) {
        db.pragma('query_only = ON');
        return new HistoryStore(db, shown);
      }
      if (shown !== MEMORY) {
        const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
        if (mode.toLowerCase() !== 'wal') throw storeInvalid(`${shown}: SQLite could not switch the history store to WAL (got "${mode}").`);
      }
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.transaction(() => {
        if (check(db, shown) !== 'new') return;
        db.pragma(`application_id = ${HISTORY_APPLICATION_ID}`);
        db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT`);
        const put = db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?)`);
        put.run('schema_version', '0');
        put.run('kind', 'history');
        put.run('created_at', String((opts.now ?? Date.now)()));
      }).immediate();
      migrateHistory(db);
      return new HistoryStore(db, shown);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  close(): void {
    this.db.close();
  }

  /**
   * Records an import and inserts its rows in one transaction. A row whose (venue, symbol, ts) is
   * stored already is a duplicate when rate and interval are equal and no price both sides carry
   * differs; otherwise a conflict: the stored row stays, the incoming one goes to
   * import_conflicts. `refuseConflicts` rolls the whole import back when any conflict is found
   * (then the returned outcome has importId -1 and nothing was written).
   */
  insert(record: ImportRecord, rows: readonly IncomingRow[], opts: { now?: number; refuseConflicts?: boolean } = {}): InsertOutcome {
    const db = this.db;
    const insImport = db.prepare(
      `INSERT INTO imports (ts, file, format, options, rows_read, rows_imported, rows_skipped, conflicts, report)
       VALUES (?, ?, ?, ?, ?, 0, 0, 0, ?)`,
    );
    const ins = db.prepare(
      `INSERT OR IGNORE INTO funding (venue, symbol, ts, rate, interval_hours, mark_price, index_price, spot_price, source, import_id)
       VALUES (@venue, @symbol, @ts, @rate, @intervalHours, @markPrice, @indexPrice, @spotPrice, @source, @importId)`,
    );
    const get = db.prepare(`SELECT rate, interval_hours, mark_price, index_price, spot_price FROM funding WHERE venue = ? AND symbol = ? AND ts = ?`);
    const insConflict = db.prepare(`INSERT INTO import_conflicts (import_id, line, venue, symbol, ts, stored, incoming) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    const fin = db.prepare(`UPDATE imports SET rows_imported = ?, rows_skipped = ?, conflicts = ? WHERE import_id = ?`);
    class Refused extends Error {}
    let out: InsertOutcome | null = null;
    try {
      db.transaction(() => {
        const importId = Number(
          insImport.run(opts.now ?? Date.now(), record.file, record.format, JSON.stringify(record.options), record.rowsRead, JSON.stringify(record.report ?? {})).lastInsertRowid,
        );
        let imported = 0;
        const duplicateLines: number[] = [];
        const conflicts: { line: number; ts: number; stored: number; incoming: number }[] = [];
        for (const r of rows) {
          if (ins.run({ ...r, importId }).changes === 1) {
            imported++;
            continue;
          }
          const s = get.get(r.venue, r.symbol, r.ts) as { rate: number; interval_hours: number; mark_price: number | null; index_price: number | null; spot_price: number | null };
          const differs = (a: number | null, b: number | null) => a !== null && b !== null && a !== b;
          const same =
            s.rate === r.rate &&
            s.interval_hours === r.intervalHours &&
            !differs(s.mark_price, r.markPrice) &&
            !differs(s.index_price, r.indexPrice) &&
            !differs(s.spot_price, r.spotPrice);
          if (same) {
            duplicateLines.push(r.line);
            continue;
          }
          conflicts.push({ line: r.line, ts: r.ts, stored: s.rate, incoming: r.rate });
          const { line: _l, ...incoming } = r;
          insConflict.run(importId, r.line, r.venue, r.symbol, r.ts, JSON.stringify(s), JSON.stringify(incoming));
        }
        if (opts.refuseConflicts === true && conflicts.length > 0) {
          out = { importId: -1, imported: 0, duplicates: duplicateLines.length, duplicateLines, conflicts };
          throw new Refused();
        }
        fin.run(imported, duplicateLines.length + conflicts.length, conflicts.length, importId);
        out = { importId, imported, duplicates: duplicateLines.length, duplicateLines, conflicts };
      }).immediate();
    } catch (e) {
      if (!(e instanceof Refused)) throw e;
    }
    return out!;
  }

  /** Settled funding of one series with from <= ts <= to (ms UTC), ordered by ts. */
  series(venue: string, symbol: string, from = Number.MIN_SAFE_INTEGER, to = Number.MAX_SAFE_INTEGER): FundingRow[] {
    const rows = this.db
      .prepare(
        `SELECT venue, symbol, ts, rate, interval_hours, mark_price, index_price, spot_price, source FROM funding
         WHERE venue = ? AND symbol = ? AND ts >= ? AND ts <= ? ORDER BY ts`,
      )
      .all(venue, symbol, from, to) as {
      venue: string;
      symbol: string;
      ts: number;
      rate: number;
      interval_hours: number;
      mark_price: number | null;
      index_price: number | null;
      spot_price: number | null;
      source: string;
    }[];
    return rows.map((r) => ({
      venue: r.venue,
      symbol: r.symbol,
      ts: r.ts,
      rate: r.rate,
      intervalHours: r.interval_hours,
      markPrice: r.mark_price,
      indexPrice: r.index_price,
      spotPrice: r.spot_price,
      source: r.source,
    }));
  }

  /** Every (venue, symbol) with funding, ordered. */
  symbols(): { venue: string; symbol: string }[] {
    return this.db.prepare(`SELECT DISTINCT venue, symbol FROM funding ORDER BY venue, symbol`).all() as { venue: string; symbol: string }[];
  }

  /** Per series: row count, first and last settlement, distinct intervals. */
  coverage(): Coverage[] {
    const rows = this.db
      .prepare(
        `SELECT venue, symbol, COUNT(*) AS n, MIN(ts) AS first, MAX(ts) AS last,
                (SELECT json_group_array(DISTINCT f2.interval_hours) FROM funding f2 WHERE f2.venue = f.venue AND f2.symbol = f.symbol) AS intervals
           FROM funding f GROUP BY venue, symbol ORDER BY venue, symbol`,
      )
      .all() as { venue: string; symbol: string; n: number; first: number; last: number; intervals: string }[];
    return rows.map((r) => ({
      venue: r.venue,
      symbol: r.symbol,
      rows: r.n,
      from: r.first,
      to: r.last,
      intervals: (JSON.parse(r.intervals) as number[]).sort((a, b) => a - b),
    }));
  }
}
