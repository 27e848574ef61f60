/**
 * The ledger: carry's single source of truth for money. `append` writes events to the
 * append-only log and applies their projections in one transaction: all of a batch or none of
 * it. Everything else (positions, holdings, balances, P&L totals) is read back from projections
 * that `verify` proves equal to a replay of the log.
 *
 * Nothing is ever counted twice: a second funding payment for one (position, settlement time),
 * or a continuous accrual overlapping a booked one, is refused with LedgerRejectedError
 * 'duplicate_funding' (the batch is rolled back) rather than silently dropped, because a
 * different amount for a booked settlement is a bug worth stopping for. To be idempotent after
 * a restart, ask hasFundingPayment() / lastFundingSettlement() (and hasOrder() for orders) first.
 *
 * A fill is recorded even on a closed or failed position (a late fill of a timed-out order is
 * real money); only new orders on such positions are refused.
 */
import { StatementCache } from './statements.js';
import Database from 'better-sqlite3';
import { hostname } from 'node:os';
import type { LedgerEvent } from '../domain/events.js';
import type { PositionState } from '../domain/position.js';
import type { ReducingCause, TradingState } from '../domain/risk.js';
import * as control from './control.js';
import type { ControlArgs, ControlKind, ControlRequest } from './control.js';
import * as lease from './lease.js';
import type { DaemonLease } from './lease.js';
import { LedgerRejectedError } from './errors.js';
import { validateEvent } from './event-schema.js';
import { openStore, type OpenStoreOptions, type Store, type StoreMode } from './open.js';
import { Projector } from './project.js';
import {
  toDecision,
  toEquitySnapshot,
  toFill,
  toFundingPayment,
  toOrder,
  toPosition,
  toRiskState,
  toScanTop,
  toWalletEntry,
  type DecisionRow,
  type EquitySnapshotRow,
  type FillRow,
  type FundingPaymentRow,
  type HistoryRow,
  type OrderRow,
  type PositionRow,
  type RiskStateRow,
  type ScanTopRow,
  type WalletBalance,
  type WalletEntryRow,
} from './rows.js';
import { verifyLedger, type VerifyReport } from './verify.js';

type Raw = Record<string, unknown>;

const FINAL_STATES: readonly PositionState[] = ['closed', 'failed'];

export interface Checkpoint {
  readonly key: string;
  readonly ts: number;
  readonly value: unknown;
}

export class Ledger {
  readonly path: string;
  readonly mode: StoreMode;
  readonly readonly: boolean;
  readonly schemaVersion: number;
  /** When the file was created (ms epoch) and by which carry version. */
  readonly createdAt: number;
  readonly createdBy: string;
  private readonly db: Database.Database;
  private projector: Projector | null = null;
  private statementCache: StatementCache | undefined;

  /** Opens (creating if needed) the ledger file for `opts.mode`; see openStore for what is refused. */
  static open(path: string, opts: OpenStoreOptions): Ledger {
    return new Ledger(openStore(path, opts));
  }

  constructor(store: Store) {
    this.db = store.db;
    this.path = store.path;
    this.mode = store.mode;
    this.readonly = store.readonly;
    this.schemaVersion = store.schemaVersion;
    this.createdAt = store.createdAt;
    this.createdBy = store.createdBy;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Validates and appends `events` in order, each with its projection, in one IMMEDIATE
   * transaction. Throws LedgerRejectedError (nothing of the batch written) when an event is
   * malformed or breaks a ledger rule; SQLite errors (e.g. SQLITE_BUSY) also roll back the batch.
   */
  append(
    events: readonly LedgerEvent[],
    opts: {
      /**
       * Saved in the same transaction, after every event. A function is called after `then`'s
       * events, so the checkpoint can describe state that depends on them.
       */
      readonly checkpoint?: Checkpoint | (() => Checkpoint);
      /**
       * Called inside the transaction once `events` are projected (queries see them); the
       * events it returns are appended in the same transaction. For facts computed from the
       * ledger itself, like an equity snapshot that must include this batch.
       */
      readonly then?: () => readonly LedgerEvent[];
    } = {},
  ): void {
    this.writable();
    if (events.length === 0 && !opts.checkpoint && !opts.then) return;
    const projector = (this.projector ??= new Projector(this.db));
    const applyAll = (batch: readonly LedgerEvent[]): void => {
      const n = batch.length;
      const where = (i: number): string => (n === 1 ? 'event' : `event ${i + 1} of ${n}`);
      const checked = batch.map((e, i) => validateEvent(e, where(i)));
      checked.forEach((e, i) => {
        try {
          projector.apply(e, JSON.stringify(e), undefined);
        } catch (err) {
          if (err instanceof LedgerRejectedError) {
            throw new LedgerRejectedError(err.rule, `${where(i)} (${e.type}): ${err.detail}`, err);
          }
          if (err instanceof Database.SqliteError && err.code.startsWith('SQLITE_CONSTRAINT')) {
            throw new LedgerRejectedError('invalid_event', `${where(i)} (${e.type}): ${err.message}`, err);
          }
          throw err;
        }
      });
    };
    const write = this.db.transaction(() => {
      applyAll(events);
      if (opts.then) applyAll(opts.then());
      const cp = typeof opts.checkpoint === 'function' ? opts.checkpoint() : opts.checkpoint;
      if (cp) {
        this.stmt(`INSERT INTO checkpoints (key, ts, value) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET ts = excluded.ts, value = excluded.value`).run(
          cp.key,
          cp.ts,
          JSON.stringify(cp.value),
        );
      }
    });
    write.immediate();
  }

  /**
   * The engine's last checkpoint under `key`: derived working state (funding observations,
   * accrual progress) saved in the same transaction as the events it follows, so a restart
   * resumes exactly where the ledger stands. Not a second truth for money: balances and
   * positions come only from events.
   */
  checkpoint<T = unknown>(key: string): { readonly ts: number; readonly value: T } | null {
    const row = this.db.prepare(`SELECT ts, value FROM checkpoints WHERE key = ?`).get(key) as { ts: number; value: string } | undefined;
    return row ? { ts: row.ts, value: JSON.parse(row.value) as T } : null;
  }

  /** Replays the log into a fresh database and compares every projection with the stored one. */
  verify(maxDifferences?: number): VerifyReport {
    return verifyLedger(this.db, maxDifferences);
  }

  // ---- positions ----

  positions(filter: { readonly state?: PositionState | readonly PositionState[] } = {}): readonly PositionRow[] {
    const states = filter.state === undefined ? null : typeof filter.state === 'string' ? [filter.state] : filter.state;
    if (states === null) return this.rows(`SELECT * FROM positions ORDER BY created_at, position_id`).map(toPosition);
    if (states.length === 0) return [];
    const marks = states.map(() => '?').join(', ');
    return this.rows(`SELECT * FROM positions WHERE state IN (${marks}) ORDER BY created_at, position_id`, ...states).map(toPosition);
  }

  position(positionId: string): PositionRow | null {
    const r = this.stmt(`SELECT * FROM positions WHERE position_id = ?`).get(positionId) as Raw | undefined;
    return r === undefined ? null : toPosition(r);
  }

  /** Positions not yet closed or failed: everything the engine must keep watching after a restart. */
  openPositions(): readonly PositionRow[] {
    return this.rows(
      `SELECT * FROM positions WHERE state NOT IN (${FINAL_STATES.map(() => '?').join(', ')}) ORDER BY created_at, position_id`,
      ...FINAL_STATES,
    ).map(toPosition);
  }

  // ---- orders and fills ----

  orders(positionId: string): readonly OrderRow[] {
    return this.rows(`SELECT * FROM orders WHERE position_id = ? ORDER BY submitted_at, rowid`, positionId).map(toOrder);
  }

  orderByClientId(clientOrderId: string): OrderRow | null {
    const r = this.stmt(`SELECT * FROM orders WHERE client_order_id = ?`).get(clientOrderId) as Raw | undefined;
    return r === undefined ? null : toOrder(r);
  }

  /** Whether an order with this client id was ever submitted (idempotency across restarts). */
  hasOrder(clientOrderId: string): boolean {
    return this.stmt(`SELECT 1 FROM orders WHERE client_order_id = ?`).get(clientOrderId) !== undefined;
  }

  fills(positionId?: string): readonly FillRow[] {
    return positionId === undefined
      ? this.rows(`SELECT * FROM fills ORDER BY event_seq, rowid`).map(toFill)
      : this.rows(`SELECT * FROM fills WHERE position_id = ? ORDER BY event_seq, rowid`, positionId).map(toFill);
  }

  // ---- funding ----

  fundingPayments(positionId?: string): readonly FundingPaymentRow[] {
    return positionId === undefined
      ? this.rows(`SELECT * FROM funding_payments ORDER BY settlement_time, payment_id`).map(toFundingPayment)
      : this.rows(`SELECT * FROM funding_payments WHERE position_id = ? ORDER BY settlement_time, payment_id`, positionId).map(
          toFundingPayment,
        );
  }

  /** Whether the payment for this settlement is booked: check before appending one after a restart. */
  hasFundingPayment(positionId: string, settlementTime: number): boolean {
    return (
      this.stmt(`SELECT 1 FROM funding_payments WHERE position_id = ? AND settlement_time = ?`).get(positionId, settlementTime) !==
      undefined
    );
  }

  /** Latest booked settlement (or accrual end) of a position; null when none yet. */
  lastFundingSettlement(positionId: string): number | null {
    const v = this.stmt(`SELECT MAX(settlement_time) FROM funding_payments WHERE position_id = ?`).pluck().get(positionId);
    return typeof v === 'number' ? v : null;
  }

  // ---- wallet ----

  /** Per venue, per currency: the sum of every cash movement in the ledger. */
  walletBalances(venue?: string): readonly WalletBalance[] {
    const sql = `SELECT venue, currency, SUM(amount) AS amount FROM wallet_entries ${venue === undefined ? '' : 'WHERE venue = ?'}
      GROUP BY venue, currency ORDER BY venue, currency`;
    const rows = venue === undefined ? this.rows(sql) : this.rows(sql, venue);
    return rows.map((r) => ({ venue: r['venue'] as string, currency: r['currency'] as string, amount: r['amount'] as number }));
  }

  walletEntries(filter: { readonly venue?: string; readonly positionId?: string } = {}): readonly WalletEntryRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.venue !== undefined) {
      where.push('venue = ?');
      args.push(filter.venue);
    }
    if (filter.positionId !== undefined) {
      where.push('position_id = ?');
      args.push(filter.positionId);
    }
    const sql = `SELECT * FROM wallet_entries ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY entry_id`;
    return this.rows(sql, ...args).map(toWalletEntry);
  }

  // ---- snapshots, scans, decisions ----

  equitySnapshots(filter: { readonly since?: number } = {}): readonly EquitySnapshotRow[] {
    return this.rows(`SELECT * FROM equity_snapshots WHERE ts >= ? ORDER BY ts, snapshot_id`, filter.since ?? 0).map(toEquitySnapshot);
  }

  /** The top opportunities of the latest recorded scan (or of the scan recorded as event `scanSeq`), best first. */
  scanTop(opts: { readonly limit: number; readonly scanSeq?: number }): readonly ScanTopRow[] {
    const seq =
      opts.scanSeq ?? (this.stmt(`SELECT MAX(seq) FROM events WHERE type = 'scan.recorded'`).pluck().get() as number | null);
    if (seq === null) return [];
    return this.rows(`SELECT * FROM scan_top WHERE scan_seq = ? ORDER BY rank LIMIT ?`, seq, opts.limit).map(toScanTop);
  }

  /** Strategy and risk decisions, newest first. */
  decisions(opts: { readonly limit: number }): readonly DecisionRow[] {
    return this.rows(`SELECT * FROM decisions ORDER BY event_seq DESC LIMIT ?`, opts.limit).map(toDecision);
  }

  // ---- risk: the trading state, the day's results ----

  /** The trading state the latest risk.state event left; 'active' on a ledger that never moved. */
  riskState(): TradingState {
    return this.riskStatus().state;
  }

  /** The trading state with the reducing causes that hold: what the engine resumes with after a restart. */
  riskStatus(): { readonly state: TradingState; readonly causes: readonly ReducingCause[] } {
    const r = this.stmt(`SELECT to_state, causes FROM risk_states ORDER BY state_id DESC LIMIT 1`).get() as Raw | undefined;
    return r === undefined ? { state: 'active', causes: [] } : { state: r['to_state'] as TradingState, causes: JSON.parse(r['causes'] as string) as ReducingCause[] };
  }

  /** Trading state changes, newest first. */
  riskHistory(opts: { readonly limit?: number } = {}): readonly RiskStateRow[] {
    return this.rows(`SELECT * FROM risk_states ORDER BY state_id DESC LIMIT ?`, opts.limit ?? -1).map(toRiskState);
  }

  /**
   * Booked results since `since` (ms, inclusive), quote currency, for the daily loss limit: P&L
   * realised by fills and their fees at the fill time, funding at its settlement time (a payment
   * booked late after a restart still belongs to the period it paid for).
   */
  pnlSince(since: number): { readonly realised: number; readonly funding: number; readonly fees: number } {
    const f = this.stmt(`SELECT COALESCE(SUM(realised_pnl_quote), 0) AS realised, COALESCE(SUM(fee_quote), 0) AS fees FROM fills WHERE ts >= ?`).get(since) as {
      realised: number;
      fees: number;
    };
    const funding = this.stmt(`SELECT COALESCE(SUM(amount_quote), 0) FROM funding_payments WHERE settlement_time >= ?`).pluck().get(since) as number;
    return { realised: f.realised, funding, fees: f.fees };
  }

  // ---- control requests (written by another process, e.g. `carry kill`) ----

  /** Records a request for the daemon; returns its id. `by` defaults to this process (pid and host). */
  requestControl<K extends ControlKind>(kind: K, args: ControlArgs[K], opts: { readonly by?: string; readonly now?: number } = {}): number {
    this.writable();
    return control.requestControl(this.prep, kind, args, opts.by ?? `pid ${process.pid} on ${hostname()}`, opts.now ?? Date.now());
  }

  /** Requests not handled yet, oldest first. */
  pendingControl(): readonly ControlRequest[] {
    return control.pendingControl(this.prep);
  }

  controlRequest(id: number): ControlRequest | null {
    return control.controlRequest(this.prep, id);
  }

  /** Marks a pending request handled; throws if it is unknown or already handled. */
  markControlHandled(id: number, outcome: string, now: number = Date.now()): void {
    this.writable();
    control.markControlHandled(this.prep, id, outcome, now);
  }

  // ---- the daemon lease: one daemon per ledger ----

  /** Takes the lease for this process (or `host`); throws CARRY_LEASE_HELD naming the holder while another's is fresh. */
  acquireLease(pid: number, now: number, staleMs: number, host: string = hostname()): DaemonLease {
    this.writable();
    return lease.acquireLease(this.db, this.prep, this.path, { pid, host, mode: this.mode }, now, staleMs);
  }

  /** Renews the lease; throws CARRY_LEASE_HELD when it was lost (the daemon must stop trading). */
  heartbeat(pid: number, now: number, host: string = hostname()): void {
    this.writable();
    lease.heartbeat(this.prep, this.path, { pid, host }, now);
  }

  /** Gives the lease up on a clean stop; true when this holder had it. */
  releaseLease(pid: number, host: string = hostname()): boolean {
    this.writable();
    return lease.releaseLease(this.prep, { pid, host });
  }

  currentLease(): DaemonLease | null {
    return lease.currentLease(this.prep);
  }

  // ---- the log ----

  /** Events newest first, payload parsed. */
  history(opts: { readonly limit: number; readonly positionId?: string }): readonly HistoryRow[] {
    const rows =
      opts.positionId === undefined
        ? this.rows(`SELECT * FROM events ORDER BY seq DESC LIMIT ?`, opts.limit)
        : this.rows(`SELECT * FROM events WHERE position_id = ? ORDER BY seq DESC LIMIT ?`, opts.positionId, opts.limit);
    return rows.map((r) => ({
      seq: r['seq'] as number,
      ts: r['ts'] as number,
      type: r['type'] as HistoryRow['type'],
      positionId: (r['position_id'] as string | null) ?? null,
      event: JSON.parse(r['payload'] as string) as LedgerEvent,
    }));
  }

  /** Latest event time in the log (max ts, not the ts of the highest seq); null when empty. */
  lastEventTs(): number | null {
    const v = this.stmt(`SELECT MAX(ts) FROM events`).pluck().get();
    return typeof v === 'number' ? v : null;
  }

  countEvents(): number {
    return this.stmt(`SELECT COUNT(*) FROM events`).pluck().get() as number;
  }

  private readonly prep = (sql: string): Database.Statement => this.stmt(sql);

  private writable(): void {
    if (this.readonly) throw new LedgerRejectedError('read_only', `${this.path} is open read-only`);
  }

  private stmt(sql: string): Database.Statement {
    return (this.statementCache ??= new StatementCache(this.db)).get(sql);
  }

  private rows(sql: string, ...args: unknown[]): Raw[] {
    return this.stmt(sql).all(...args) as Raw[];
  }
}
