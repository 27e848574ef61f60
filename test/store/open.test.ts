import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CarryError } from '../../src/domain/errors.js';
import { Ledger } from '../../src/store/ledger.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion, type Migration } from '../../src/store/migrations.js';
import { CARRY_APPLICATION_ID, openStore, type OpenStoreOptions } from '../../src/store/open.js';
import { created, funded, linearSpec, tempDir } from './fixtures.js';

const paper: OpenStoreOptions = { mode: 'paper', carryVersion: '0.1.0-test' };
const live: OpenStoreOptions = { mode: 'live', carryVersion: '0.1.0-test' };

const digest = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');

/** Runs `fn`, expecting a CARRY_STORE_INVALID/stop error; returns its message. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CarryError);
    expect((e as CarryError).code).toBe('CARRY_STORE_INVALID');
    expect((e as CarryError).action).toBe('stop');
    return (e as Error).message;
  }
  throw new Error('expected the store to refuse the file');
}

describe('a new ledger', () => {
  it('is created (with its folder), marked as carry, in WAL with foreign keys on', () => {
    const file = join(tempDir(), 'nested', 'deeper', 'paper.db');
    const store = openStore(file, { ...paper, now: () => 1_786_000_000_000 });
    try {
      expect(store.created).toBe(true);
      expect(store.schemaVersion).toBe(SCHEMA_VERSION);
      expect(store.db.pragma('application_id', { simple: true })).toBe(CARRY_APPLICATION_ID);
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(Number(store.db.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
      const meta = Object.fromEntries(
        (store.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]),
      );
      expect(meta).toEqual({ schema_version: String(SCHEMA_VERSION), mode: 'paper', created_at: '1786000000000', carry_version: '0.1.0-test' });
    } finally {
      store.db.close();
    }
  });

  it('keeps its data across a reopen and is not re-initialised', () => {
    const file = join(tempDir(), 'paper.db');
    const a = Ledger.open(file, paper);
    a.append([funded('binance', 'USDT', 10_000), created(linearSpec())]);
    const createdAt = a.createdAt;
    a.close();
    const b = Ledger.open(file, { ...paper, now: () => 1 });
    expect(b.countEvents()).toBe(2);
    expect(b.createdAt).toBe(createdAt);
    expect(b.position('p1')?.state).toBe('pending_open');
    b.close();
  });

  it('initialises an empty (0-byte) file', () => {
    const file = join(tempDir(), 'empty.db');
    writeFileSync(file, '');
    const store = openStore(file, paper);
    expect(store.created).toBe(true);
    store.db.close();
  });
});

describe('refusals: the file is named, the fix is said, nothing is written', () => {
  it('garbage bytes', () => {
    const file = join(tempDir(), 'garbage.db');
    writeFileSync(file, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256)));
    const before = digest(file);
    const msg = refusal(() => openStore(file, paper));
    expect(msg).toContain(file);
    expect(msg).toMatch(/not a usable SQLite database/);
    expect(msg).toMatch(/choose another ledger path/);
    expect(digest(file)).toBe(before);
  });

  it('a text file that happens to be short', () => {
    const file = join(tempDir(), 'notes.db');
    writeFileSync(file, 'hello\n');
    const msg = refusal(() => openStore(file, paper));
    expect(msg).toContain(file);
    expect(readFileSync(file, 'utf8')).toBe('hello\n');
  });

  it('a carry ledger with a damaged first page', () => {
    const file = join(tempDir(), 'damaged.db');
    const l = Ledger.open(file, paper);
    l.append([funded('binance', 'USDT', 10_000)]);
    l.close(); // last connection: checkpoints the WAL into the file
    const bytes = readFileSync(file);
    bytes.fill(0xff, 100, 1024); // keep the SQLite header, wreck the schema b-tree
    writeFileSync(file, bytes);
    const before = digest(file);
    const msg = refusal(() => openStore(file, paper));
    expect(msg).toContain(file);
    expect(msg).toMatch(/not a usable SQLite database/);
    expect(msg).toMatch(/backup/);
    expect(digest(file)).toBe(before);
  });

  it("another application's SQLite database", () => {
    const file = join(tempDir(), 'app.db');
    const other = new Database(file);
    other.exec(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada');`);
    other.close();
    const before = digest(file);
    const msg = refusal(() => openStore(file, paper));
    expect(msg).toContain(file);
    expect(msg).toMatch(/another application/);
    expect(msg).toContain('users');
    expect(digest(file)).toBe(before);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it('another application that set its own application_id, even with no tables', () => {
    const file = join(tempDir(), 'other-id.db');
    const other = new Database(file);
    other.pragma('application_id = 1234');
    other.close();
    const msg = refusal(() => openStore(file, paper));
    expect(msg).toMatch(/0x000004d2/);
  });

  it('a paper ledger opened for live, and a live ledger for paper', () => {
    const dir = tempDir();
    const paperFile = join(dir, 'paper.db');
    const liveFile = join(dir, 'live.db');
    Ledger.open(paperFile, paper).close();
    Ledger.open(liveFile, live).close();
    const before = digest(paperFile);
    const a = refusal(() => openStore(paperFile, live));
    expect(a).toContain(paperFile);
    expect(a).toMatch(/is a carry paper ledger; carry live never uses it/);
    expect(a).toMatch(/separate ledger path for live/);
    expect(digest(paperFile)).toBe(before);
    const b = refusal(() => openStore(liveFile, { ...paper, readonly: true }));
    expect(b).toMatch(/is a carry live ledger; carry paper never uses it/);
  });

  it('a newer schema version than this carry knows', () => {
    const file = join(tempDir(), 'future.db');
    Ledger.open(file, paper).close();
    const raw = new Database(file);
    raw.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(SCHEMA_VERSION + 1));
    raw.close();
    const before = digest(file);
    const msg = refusal(() => openStore(file, paper));
    expect(msg).toContain(file);
    expect(msg).toContain(`schema version ${SCHEMA_VERSION + 1}`);
    expect(msg).toMatch(/Upgrade carry/);
    expect(digest(file)).toBe(before);
  });

  it('a directory', () => {
    const dir = join(tempDir(), 'a-dir.db');
    mkdirSync(dir);
    expect(refusal(() => openStore(dir, paper))).toMatch(/not a regular file/);
  });
});

describe('read-only (reports)', () => {
  it('reads a ledger while a writer has it open, and refuses to append', () => {
    const file = join(tempDir(), 'paper.db');
    const writer = Ledger.open(file, paper);
    writer.append([funded('binance', 'USDT', 10_000)]);
    const reader = Ledger.open(file, { ...paper, readonly: true });
    expect(reader.walletBalances()).toEqual([{ venue: 'binance', currency: 'USDT', amount: 10_000 }]);
    writer.append([funded('okx', 'USDT', 5_000)]);
    expect(reader.countEvents()).toBe(2); // sees the writer's later commit
    expect(() => reader.append([funded('okx', 'USDT', 1)])).toThrow(/read-only/);
    reader.close();
    writer.close();
  });

  it('never creates a file', () => {
    const file = join(tempDir(), 'missing.db');
    expect(refusal(() => openStore(file, { ...paper, readonly: true }))).toMatch(/no ledger there/);
    expect(existsSync(file)).toBe(false);
  });
});

describe('migrations', () => {
  function bareDb(): Database.Database {
    const db = new Database(':memory:');
    db.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
      INSERT INTO meta VALUES ('schema_version', '0');`);
    return db;
  }

  it('the list is numbered 1..n', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('a failing migration leaves the previous version intact, nothing of it applied', () => {
    const db = bareDb();
    const bad: Migration = {
      version: 2,
      name: 'broken',
      up: (d) => d.exec(`CREATE TABLE half_done (x INTEGER); CREATE TABLE broken (`),
    };
    expect(() => migrate(db, [...MIGRATIONS.slice(0, 1), bad])).toThrow();
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare(`SELECT name FROM sqlite_schema WHERE name = 'half_done'`).get()).toBeUndefined();
    expect(db.prepare(`SELECT name FROM sqlite_schema WHERE name = 'events'`).get()).toBeDefined();
  });

  it('re-running is a no-op; a later migration is applied on the next open', () => {
    const db = bareDb();
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    expect(migrate(db)).toBe(SCHEMA_VERSION);
    const next: Migration = { version: SCHEMA_VERSION + 1, name: 'add', up: (d) => d.exec(`CREATE TABLE extra (x INTEGER) STRICT`) };
    expect(migrate(db, [...MIGRATIONS, next])).toBe(SCHEMA_VERSION + 1);
    expect(db.prepare(`SELECT name FROM sqlite_schema WHERE name = 'extra'`).get()).toBeDefined();
  });

  it('rejects a list out of order', () => {
    const db = bareDb();
    expect(() => migrate(db, [{ version: 2, name: 'x', up: () => undefined }])).toThrow(/out of order/);
  });
});

describe('read-only on an empty SQLite file', () => {
  it('is refused without initialising it', () => {
    const file = join(tempDir(), 'blank.db');
    // A valid SQLite file with a header and no tables (user_version forces the first page out).
    const raw = new Database(file);
    raw.pragma('user_version = 7');
    raw.close();
    const before = digest(file);
    expect(refusal(() => openStore(file, { ...paper, readonly: true }))).toMatch(/empty SQLite database, not a carry ledger yet/);
    expect(digest(file)).toBe(before);
    // The same file opened for writing is initialised.
    const store = openStore(file, paper);
    expect(store.created).toBe(true);
    store.db.close();
  });
});
