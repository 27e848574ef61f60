/**
 * Opening a ledger file. carry's files carry two marks: `PRAGMA application_id` (CARRY_APPLICATION_ID)
 * in the SQLite header, and a `meta` table (schema version, mode, created_at, carry version).
 *
 * An existing file is first inspected through a separate read-only connection, so a file that is
 * not ours (garbage bytes, another application's database, the other mode's ledger, a newer
 * schema) is refused without a single byte being written to it. Only then is the real connection
 * opened, configured and, if needed, migrated.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { storeInvalid } from './errors.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';

/** "CRRY" in ASCII: carry's SQLite application_id. Fixed forever; positive as a signed 32-bit int. */
export const CARRY_APPLICATION_ID = 0x43525259;

export type StoreMode = 'paper' | 'live';

export interface OpenStoreOptions {
  readonly mode: StoreMode;
  /** Reports: never creates, migrates or writes; the file must already be a current carry ledger. */
  readonly readonly?: boolean;
  /** carry's package version, recorded in `meta` when the file is created. */
  readonly carryVersion: string;
  /** Recorded as `meta.created_at` for a new file (ms epoch). Default Date.now(). */
  readonly now?: () => number;
  /** How long a statement waits for another connection's lock before failing. Default 5 s. */
  readonly busyTimeoutMs?: number;
}

export interface Store {
  readonly db: Database.Database;
  /** Absolute path, or ':memory:'. */
  readonly path: string;
  readonly mode: StoreMode;
  readonly readonly: boolean;
  readonly schemaVersion: number;
  readonly createdAt: number;
  readonly createdBy: string;
  /** true when this open created the ledger. */
  readonly created: boolean;
}

const SQLITE_MAGIC = 'SQLite format 3\0';
const MEMORY = ':memory:';

interface Meta {
  readonly mode: string | undefined;
  readonly schemaVersion: string | undefined;
  readonly createdAt: string | undefined;
  readonly carryVersion: string | undefined;
}

interface Inspection {
  readonly applicationId: number;
  /** Names of the tables/views/indexes in the file (sqlite_* internals excluded). */
  readonly objects: readonly string[];
  readonly meta: Meta | null;
}

function inspect(db: Database.Database): Inspection {
  const applicationId = Number(db.pragma('application_id', { simple: true }));
  const objects = db
    .prepare(`SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name`)
    .pluck()
    .all() as string[];
  let meta: Meta | null = null;
  if (objects.includes('meta')) {
    const rows = db.prepare(`SELECT key, value FROM meta`).all() as { key: string; value: unknown }[];
    const get = (k: string): string | undefined => {
      const v = rows.find((r) => r.key === k)?.value;
      return typeof v === 'string' ? v : undefined;
    };
    meta = {
      mode: get('mode'),
      schemaVersion: get('schema_version'),
      createdAt: get('created_at'),
      carryVersion: get('carry_version'),
    };
  }
  return { applicationId, objects, meta };
}

type Verdict = { readonly kind: 'new' } | { readonly kind: 'carry'; readonly version: number; readonly meta: Meta };

/** Decides what a file is; throws CARRY_STORE_INVALID for anything carry must not touch. */
function judge(path: string, ins: Inspection, opts: OpenStoreOptions): Verdict {
  const other = opts.mode === 'paper' ? 'live' : 'paper';
  if (ins.applicationId === 0 && ins.objects.length === 0) {
    if (opts.readonly === true) {
      throw storeInvalid(`${path} is an empty SQLite database, not a carry ledger yet. Run carry ${opts.mode} to create it.`);
    }
    return { kind: 'new' };
  }
  if (ins.applicationId !== CARRY_APPLICATION_ID) {
    const id = ins.applicationId === 0 ? 'no application_id' : `application_id ${hex(ins.applicationId)}`;
    const objects =
      ins.objects.length === 0
        ? 'no tables'
        : `contains ${ins.objects.slice(0, 5).join(', ')}${ins.objects.length > 5 ? `, ... (${ins.objects.length})` : ''}`;
    throw storeInvalid(
      `${path} is an SQLite database of another application (${id}, ${objects}), not a carry ledger. ` +
        `carry refuses to write into it. Choose another ledger path for carry ${opts.mode}.`,
    );
  }
  const meta = ins.meta;
  if (meta === null || meta.mode === undefined || meta.schemaVersion === undefined) {
    throw storeInvalid(
      `${path} is marked as a carry ledger but has no valid meta table (damaged or hand-edited). ` +
        `carry refuses to use it. Restore it from a backup or choose another ledger path.`,
    );
  }
  if (meta.mode !== opts.mode) {
    throw storeInvalid(
      `${path} is a carry ${meta.mode} ledger; carry ${opts.mode} never uses it (paper and live never share a file). ` +
        `Choose a separate ledger path for ${opts.mode}${meta.mode === other ? `, and keep this one for ${other}` : ''}.`,
    );
  }
  const version = Number(meta.schemaVersion);
  if (!Number.isInteger(version) || version < 0) {
    throw storeInvalid(`${path}: meta.schema_version "${meta.schemaVersion}" is not a version number. carry refuses to use it.`);
  }
  if (version > SCHEMA_VERSION) {
    throw storeInvalid(
      `${path} has ledger schema version ${version}, written by a newer carry` +
        `${meta.carryVersion === undefined ? '' : ` (file created by carry ${meta.carryVersion})`}; this carry knows up to version ${SCHEMA_VERSION}. ` +
        `Upgrade carry to use this file. It was not changed.`,
    );
  }
  if (version < SCHEMA_VERSION && opts.readonly === true) {
    throw storeInvalid(
      `${path} has ledger schema version ${version} and this carry needs ${SCHEMA_VERSION}; a read-only open does not migrate. ` +
        `Run carry ${opts.mode} once on it to migrate, then retry.`,
    );
  }
  return { kind: 'carry', version, meta };
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function isSqliteFault(e: unknown): boolean {
  return e instanceof Database.SqliteError && /^SQLITE_(NOTADB|CORRUPT)/.test(e.code);
}

function notSqlite(path: string, detail: string, cause?: unknown): Error {
  return storeInvalid(
    `${path} is not a usable SQLite database (${detail}). carry refuses to open or overwrite it. ` +
      `Move it away or choose another ledger path; restore it from a backup if it was a carry ledger.`,
    cause,
  );
}

/** First 16 bytes of the file, or null when the file is empty. */
function readMagic(path: string): string | null {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    if (n === 0) return null;
    return buf.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

/** Inspects an existing non-empty file through a read-only connection (no write can happen). */
function probe(path: string, opts: OpenStoreOptions): Verdict {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    if (isSqliteFault(e)) throw notSqlite(path, (e as Error).message, e);
    throw storeInvalid(`${path}: cannot open the ledger read-only: ${(e as Error).message}`, e);
  }
  try {
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
    return judge(path, inspect(db), opts);
  } catch (e) {
    if (isSqliteFault(e)) throw notSqlite(path, (e as Error).message, e);
    throw e;
  } finally {
    db.close();
  }
}

function configure(db: Database.Database, path: string, opts: OpenStoreOptions): void {
  db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
  if (opts.readonly === true) {
    db.pragma('query_only = ON');
    return;
  }
  if (path !== MEMORY) {
    const mode = String(db.pragma('journal_mode = WAL', { simple: true }));
    if (mode.toLowerCase() !== 'wal') {
      throw storeInvalid(`${path}: SQLite could not switch the ledger to WAL journaling (got "${mode}"); is it on a network filesystem?`);
    }
  }
  // WAL + NORMAL: a commit is durable once written to the WAL, without an fsync per commit. A
  // killed process loses nothing committed; only an OS crash or power cut can lose the last few
  // commits, and even then the file stays consistent (never half a transaction). The paper
  // ledger is cheap to lose a few seconds of; live reconciles with the venue at start-up.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
}

/** Writes carry's marks into an empty database, re-checking under the write lock. Returns true if it did. */
function initialise(db: Database.Database, path: string, opts: OpenStoreOptions): boolean {
  const now = (opts.now ?? Date.now)();
  const run = db.transaction((): boolean => {
    // Another process may have initialised the file between our probe and this lock.
    const verdict = judge(path, inspect(db), opts);
    if (verdict.kind !== 'new') return false;
    db.pragma(`application_id = ${CARRY_APPLICATION_ID}`);
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT`);
    const put = db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?)`);
    put.run('schema_version', '0');
    put.run('mode', opts.mode);
    put.run('created_at', String(now));
    put.run('carry_version', opts.carryVersion);
    return true;
  });
  return run.immediate();
}

/**
 * Opens (and for a new or empty file, creates) the ledger at `path` for `opts.mode`.
 * Throws CARRY_STORE_INVALID, leaving the file untouched, for anything that is not a carry ledger
 * of that mode at a schema version this code knows. ':memory:' gives a throwaway ledger (tests).
 */
export function openStore(path: string, opts: OpenStoreOptions): Store {
  const ro = opts.readonly === true;
  const shown = path === MEMORY ? MEMORY : resolve(path);
  if (path === MEMORY && ro) throw storeInvalid(`a read-only ledger needs a file, not ${MEMORY}`);

  // Whether the file is already a carry ledger of this mode (then no initialisation lock is taken).
  let existing = false;
  if (path !== MEMORY) {
    if (existsSync(shown)) {
      if (!statSync(shown).isFile()) throw storeInvalid(`${shown} is not a regular file; choose a file path for the ledger.`);
      const magic = readMagic(shown);
      if (magic === null) {
        // An empty file is initialised like a new one (unless read-only).
        if (ro) throw storeInvalid(`${shown} is empty, not a carry ledger yet. Run carry ${opts.mode} to create it.`);
      } else if (magic !== SQLITE_MAGIC) {
        throw notSqlite(shown, 'it does not start with the SQLite header');
      } else {
        existing = probe(shown, opts).kind === 'carry';
      }
    } else if (ro) {
      throw storeInvalid(`${shown}: no ledger there (a read-only open never creates one). Check the path, or run carry ${opts.mode} first.`);
    } else {
      mkdirSync(dirname(shown), { recursive: true });
    }
  }

  let db: Database.Database;
  try {
    db = new Database(path === MEMORY ? MEMORY : shown, { readonly: ro, fileMustExist: ro });
  } catch (e) {
    throw storeInvalid(`${shown}: cannot open the ledger: ${(e as Error).message}`, e);
  }
  try {
    configure(db, shown, opts);
    const created = ro || existing ? false : initialise(db, shown, opts);
    const verdict = judge(shown, inspect(db), opts);
    if (verdict.kind !== 'carry') throw storeInvalid(`${shown}: ledger was not initialised`);
    const version = !ro && verdict.version < SCHEMA_VERSION ? migrate(db) : verdict.version;
    return {
      db,
      path: shown,
      mode: opts.mode,
      readonly: ro,
      schemaVersion: version,
      createdAt: Number(verdict.meta.createdAt),
      createdBy: verdict.meta.carryVersion ?? 'unknown',
      created,
    };
  } catch (e) {
    db.close();
    if (isSqliteFault(e)) throw notSqlite(shown, (e as Error).message, e);
    throw e;
  }
}
