/**
 * Issue 3: "a corrupt or foreign database file is refused with a clear message, never
 * overwritten". `carry paper --db FILE` on a file that is not a carry paper ledger exits 2 (bad
 * input: point carry at another file), names the file and says why, and leaves every byte of it
 * as it was, with no journal files created beside it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../support/cli.js';
import { runCarryProcess } from '../support/carry-process.js';
import { paperConfig } from '../support/paper-ledger.js';

const cfg = paperConfig({});
const paperArgs = (db: string) => ['paper', '--market', 'sim:42', '--speed', 'max', '--for', '1h', '--db', db, '--config', cfg];

function expectUntouched(file: string, bytes: Buffer): void {
  expect(readFileSync(file).equals(bytes)).toBe(true);
  for (const suffix of ['-wal', '-shm', '-journal']) expect(existsSync(file + suffix), `${file}${suffix}`).toBe(false);
}

/** A file that begins like text, not like SQLite; 64 KiB so a wrongly opened database would show. */
function garbageFile(): { file: string; bytes: Buffer } {
  const file = join(tempDir('carry-refuse-'), 'garbage.db');
  const bytes = Buffer.alloc(65_536);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 251;
  bytes.write('not a database, just bytes\n', 0, 'latin1');
  writeFileSync(file, bytes);
  return { file, bytes };
}

/** Another application's SQLite database (no carry application_id, its own tables). */
function foreignFile(): { file: string; bytes: Buffer } {
  const file = join(tempDir('carry-refuse-'), 'photos.sqlite');
  const db = new Database(file);
  db.exec(`CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT); INSERT INTO albums (title) VALUES ('holidays'), ('cats');`);
  db.close();
  return { file, bytes: readFileSync(file) };
}

describe('carry paper refuses a ledger file that is not its own', () => {
  it('a garbage file: exit code 2 from the real process, a message naming it, its bytes unchanged', async () => {
    const { file, bytes } = garbageFile();
    const run = await runCarryProcess(paperArgs(file), { timeoutMs: 30_000 });
    expect(run.code, run.err).toBe(2);
    expect(run.err).toContain(file);
    expect(run.err).toMatch(/not a usable SQLite database.*refuses to open or overwrite it/);
    // A message for the user, not a stack trace.
    expect(run.err).not.toMatch(/\n\s+at /);
    expectUntouched(file, bytes);
  }, 30_000);

  it("another application's SQLite database: exit code 2, says what it contains, not one byte written", async () => {
    const { file, bytes } = foreignFile();
    const r = await runCli(paperArgs(file));
    expect(r.code).toBe(2);
    expect(r.err).toContain(file);
    expect(r.err).toMatch(/another application .*contains albums.*not a carry ledger/);
    expect(r.out).toBe('');
    expectUntouched(file, bytes);
  });

  it('the reports refuse them the same way', async () => {
    const { file, bytes } = garbageFile();
    const foreign = foreignFile();
    for (const cmd of ['status', 'pnl', 'history']) {
      for (const f of [file, foreign.file]) {
        const r = await runCli([cmd, '--db', f, '--config', cfg]);
        expect(r.code, `${cmd} ${f}: ${r.err}`).toBe(2);
        expect(r.err).toContain(f);
      }
    }
    expectUntouched(file, bytes);
    expectUntouched(foreign.file, foreign.bytes);
  });
});
