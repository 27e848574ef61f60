/**
 * What a paper run left in its ledger, read the way `carry pnl` reads it (read-only, open
 * positions marked at the engine's checkpoint), for tests that compare two runs.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CHECKPOINT_KEY, computePnl, type EngineCheckpoint } from '../../src/engine/engine.js';
import type { PnlTotals } from '../../src/pricing/pnl.js';
import { Ledger } from '../../src/store/ledger.js';
import type { WalletBalance } from '../../src/store/rows.js';
import { tempDir } from './cli.js';

export interface PositionSummary {
  readonly positionId: string;
  readonly state: string;
  readonly flag: string | null;
  readonly spotQty: number;
  readonly perpContracts: number;
}

export interface LedgerSummary {
  readonly totals: PnlTotals;
  readonly balances: readonly WalletBalance[];
  readonly positions: readonly PositionSummary[];
  readonly fills: number;
  readonly fundingPayments: number;
  readonly events: number;
  /** sha256 of every event's type and payload, in log order. */
  readonly eventsHash: string;
  readonly verified: boolean;
  /** Clock of the engine's last committed tick. */
  readonly checkpointClock: number | null;
  /** Scheduled time of each job's last committed tick. */
  readonly lastRun: Readonly<Record<string, number>>;
}

export function openReadOnly(db: string): Ledger {
  return Ledger.open(db, { mode: 'paper', readonly: true, carryVersion: 'test' });
}

export function summariseLedger(db: string): LedgerSummary {
  const ledger = openReadOnly(db);
  try {
    const cp = ledger.checkpoint<EngineCheckpoint>(CHECKPOINT_KEY)?.value ?? null;
    const marks = (p: { positionId: string }) => ({ spot: cp?.marks[p.positionId]?.spot ?? null, perp: cp?.marks[p.positionId]?.perp ?? null });
    const { totals } = computePnl(ledger, marks, cp?.clock ?? ledger.lastEventTs() ?? 0);
    return {
      totals,
      balances: ledger.walletBalances(),
      positions: ledger.positions().map((p) => ({ positionId: p.positionId, state: p.state, flag: p.flag, spotQty: p.spotQty, perpContracts: p.perpContracts })),
      fills: ledger.fills().length,
      fundingPayments: ledger.fundingPayments().length,
      events: ledger.countEvents(),
      eventsHash: eventsHash(db),
      verified: ledger.verify().ok,
      checkpointClock: cp?.clock ?? null,
      lastRun: cp?.lastRun ?? {},
    };
  } finally {
    ledger.close();
  }
}

export interface EventRow {
  readonly seq: number;
  readonly ts: number;
  readonly type: string;
  readonly position_id: string | null;
  readonly payload: string;
}

/** The rows of one read-only query on the ledger file `db`. */
export function ledgerRows<T>(db: string, query: string): T[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare(query).all() as T[];
  } finally {
    conn.close();
  }
}

export function eventRows(db: string): EventRow[] {
  return ledgerRows<EventRow>(db, `SELECT seq, ts, type, position_id, payload FROM events ORDER BY seq`);
}

export function eventsHash(db: string): string {
  const h = createHash('sha256');
  for (const r of eventRows(db)) h.update(`${r.type}\n${r.payload}\n`);
  return h.digest('hex');
}

/** The first event where two logs part, for a failure message that says what differs. */
export function firstEventDifference(expectedDb: string, actualDb: string): string | null {
  const a = eventRows(expectedDb);
  const b = eventRows(actualDb);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x?.payload !== y?.payload) {
      return `event ${i + 1} (of ${a.length} expected, ${b.length} actual):\n  expected ${x?.payload ?? '(none)'}\n  actual   ${y?.payload ?? '(none)'}`;
    }
  }
  return null;
}

/** Count of events so far, or null while the file is not (yet) a ledger with an events table. */
export function countEventsIfReady(db: string): number | null {
  try {
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return conn.prepare(`SELECT COUNT(*) FROM events`).pluck().get() as number;
    } finally {
      conn.close();
    }
  } catch {
    return null;
  }
}

/** A config file for paper runs in tests: silent logs plus the given overrides. */
export function paperConfig(over: Record<string, unknown>): string {
  const f = join(tempDir('carry-cfg-'), 'config.json');
  writeFileSync(f, JSON.stringify({ log: { level: 'silent', format: 'json' }, ...over }));
  return f;
}
