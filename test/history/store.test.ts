import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HistoryStore, type IncomingRow } from '../../src/history/store.js';
import { Ledger } from '../../src/store/ledger.js';
import { tempDir } from '../support/cli.js';

const row = (ts: number, rate: number, line: number, extra: Partial<IncomingRow> = {}): IncomingRow => ({
  venue: 'bitmex',
  symbol: 'BTC/USD:BTC',
  ts,
  rate,
  intervalHours: 8,
  markPrice: null,
  indexPrice: null,
  spotPrice: null,
  source: 'test',
  line,
  ...extra,
});
const rec = { file: 'x.csv', format: 'csv', options: {}, rowsRead: 3, report: {} };
const H = 3_600_000;

describe('history store', () => {
  it('inserts, skips same-value duplicates, reports conflicts without overwriting', () => {
    const s = HistoryStore.open(':memory:');
    const a = s.insert(rec, [row(0, 0.0001, 2), row(8 * H, 0.0002, 3), row(16 * H, -0.0001, 4)]);
    expect(a).toMatchObject({ imported: 3, duplicates: 0, conflicts: [] });
    const b = s.insert(rec, [row(0, 0.0001, 2), row(8 * H, 0.0003, 3), row(24 * H, 0.0001, 4, { markPrice: 100 })]);
    expect(b.imported).toBe(1);
    expect(b.duplicateLines).toEqual([2]);
    expect(b.conflicts).toEqual([{ line: 3, ts: 8 * H, stored: 0.0002, incoming: 0.0003 }]);
    expect(s.series('bitmex', 'BTC/USD:BTC').map((r) => r.rate)).toEqual([0.0001, 0.0002, -0.0001, 0.0001]);
    expect(s.series('bitmex', 'BTC/USD:BTC', 8 * H, 16 * H).map((r) => r.ts)).toEqual([8 * H, 16 * H]);
    expect(s.db.prepare('SELECT COUNT(*) FROM import_conflicts').pluck().get()).toBe(1);
    expect(s.db.prepare('SELECT rows_imported, rows_skipped, conflicts FROM imports WHERE import_id = 2').get()).toEqual({
      rows_imported: 1,
      rows_skipped: 2,
      conflicts: 1,
    });
    expect(s.symbols()).toEqual([{ venue: 'bitmex', symbol: 'BTC/USD:BTC' }]);
    expect(s.coverage()).toEqual([{ venue: 'bitmex', symbol: 'BTC/USD:BTC', rows: 4, from: 0, to: 24 * H, intervals: [8] }]);
  });

  it('refuseConflicts rolls the whole import back', () => {
    const s = HistoryStore.open(':memory:');
    s.insert(rec, [row(0, 0.0001, 2)]);
    const o = s.insert(rec, [row(8 * H, 0.0001, 2), row(0, 0.0009, 3)], { refuseConflicts: true });
    expect(o.importId).toBe(-1);
    expect(o.conflicts.map((c) => c.line)).toEqual([3]);
    expect(s.series('bitmex', 'BTC/USD:BTC')).toHaveLength(1);
    expect(s.db.prepare('SELECT COUNT(*) FROM imports').pluck().get()).toBe(1);
  });

  it('is a WAL file with its own marks, reopened; refuses a ledger and garbage untouched', () => {
    const dir = tempDir();
    const p = join(dir, 'h.db');
    HistoryStore.open(p).close();
    const s = HistoryStore.open(p);
    expect(String(s.db.pragma('journal_mode', { simple: true }))).toBe('wal');
    s.close();
    const ledgerPath = join(dir, 'ledger.db');
    Ledger.open(ledgerPath, { mode: 'paper', carryVersion: 't' }).close();
    expect(() => HistoryStore.open(ledgerPath)).toThrow(/is a carry ledger, not a history store/);
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'hello');
    expect(() => HistoryStore.open(junk)).toThrow(/not an SQLite database/);
  });
});
