/**
 * Alerts in the ledger file (tables from migration 3): episodes, the messages decided for them,
 * and the delivery outbox. The manager writes a tick's decisions and their pending deliveries in
 * one transaction before anything is sent, then records each delivery's outcome; what is pending
 * when a process starts was decided but never confirmed sent, and is sent then.
 *
 * Two clocks: an episode's and a message's times are the run's clock (the market's, simulated
 * in a sim); a delivery's `ts` and `createdAt` are the delivery clock's (the wall clock in the
 * daemon: src/alerts/worker.ts), which its retry schedule and give-up budget run on.
 *
 * Its own SQLite connection (WAL): it can sit next to the engine's Ledger on the same file, and
 * `carry alerts` reads it read-only while the daemon runs.
 */
import { StatementCache } from '../store/statements.js';
import Database from 'better-sqlite3';
import type { Alert, AlertKind, Severity } from '../domain/alert.js';
import { openStore, type OpenStoreOptions, type Store } from '../store/open.js';
import type { Notice } from './sinks/sink.js';

export type AlertStatus = Alert['status'];

/** Why a message is sent: first firing, still firing after the cooldown, severity rose, cleared. */
export type { Notice };

/** skipped: the sink filters this severity out (its minSeverity), so nothing was owed to it. */
export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'skipped';

/** One alert from the time its condition starts firing to the time it clears. */
export interface Episode {
  /** Stable for the episode: kind, subject and the time it started (Alert.id). */
  readonly id: string;
  readonly kind: AlertKind;
  readonly subject: string;
  /** As last seen firing. */
  readonly severity: Severity;
  /** Of the last message sent: a rise above it is resent at once. */
  readonly notifiedSeverity: Severity;
  readonly status: AlertStatus;
  readonly firstTs: number;
  /** Last tick it was seen firing. */
  readonly lastTs: number;
  readonly resolvedTs: number | null;
  readonly lastNotifiedTs: number;
  /** Messages decided for this episode so far (= the seq of the latest). */
  readonly notifyCount: number;
  /** The alert as last seen (firing) or as resolved. */
  readonly alert: Alert;
  /**
   * The title of the episode's first message: the alert as the user first heard of it. Its
   * resolved message carries it, whatever later ticks' titles said (a title can hold a number).
   */
  readonly title: string;
}

/** A message decided for an episode: sent to every sink configured when it was decided. */
export interface AlertMessage {
  readonly alertId: string;
  /** 1 for the episode's first message, then 2, 3, ... */
  readonly seq: number;
  readonly notice: Notice;
  readonly ts: number;
  /** Exactly what the sinks get. */
  readonly alert: Alert;
}

/** What one tick changes, written in one transaction. */
export interface AlertChanges {
  /** Episodes created or updated (full rows). */
  readonly episodes: readonly Episode[];
  readonly messages: readonly AlertMessage[];
}

export interface Delivery {
  readonly alertId: string;
  readonly seq: number;
  readonly notice: Notice;
  readonly sink: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastError: string | null;
  /** Delivery clock: when the row was written, then of the last attempt (retries count from it). */
  readonly ts: number;
  /** Delivery clock: when the row was written, the start of its give-up budget. */
  readonly createdAt: number;
}

/** A delivery still to make, with the message it carries. */
export interface PendingDelivery extends Delivery {
  /** Run clock: when the message was decided. */
  readonly messageTs: number;
  readonly alert: Alert;
}

export interface AlertRecord extends Episode {
  /** Every delivery of every message of the episode, oldest message first. */
  readonly deliveries: readonly Delivery[];
}

type Raw = Record<string, unknown>;

function toEpisode(r: Raw): Episode {
  const alert = JSON.parse(r['alert'] as string) as Alert;
  return {
    id: r['alert_id'] as string,
    kind: r['kind'] as AlertKind,
    subject: r['subject'] as string,
    severity: r['severity'] as Severity,
    notifiedSeverity: r['notified_severity'] as Severity,
    status: r['status'] as AlertStatus,
    firstTs: r['first_ts'] as number,
    lastTs: r['last_ts'] as number,
    resolvedTs: (r['resolved_ts'] as number | null) ?? null,
    lastNotifiedTs: r['last_notified_ts'] as number,
    notifyCount: r['notify_count'] as number,
    alert,
    title: typeof r['first_title'] === 'string' ? r['first_title'] : alert.title,
  };
}

function toDelivery(r: Raw): Delivery {
  return {
    alertId: r['alert_id'] as string,
    seq: r['seq'] as number,
    notice: r['notice'] as Notice,
    sink: r['sink'] as string,
    status: r['status'] as DeliveryStatus,
    attempts: r['attempts'] as number,
    lastError: (r['last_error'] as string | null) ?? null,
    ts: r['ts'] as number,
    createdAt: r['created_at'] as number,
  };
}

const DELIVERY_COLUMNS = `d.alert_id, d.seq, m.notice, d.sink, d.status, d.attempts, d.last_error, d.ts, d.created_at`;

/** Deliveries with the message they carry (add WHERE and ORDER BY). */
const PENDING = `SELECT ${DELIVERY_COLUMNS}, m.ts AS message_ts, m.alert AS message_alert
  FROM alert_deliveries d JOIN alert_messages m ON m.alert_id = d.alert_id AND m.seq = d.seq`;

function toPending(r: Raw): PendingDelivery {
  return { ...toDelivery(r), messageTs: r['message_ts'] as number, alert: JSON.parse(r['message_alert'] as string) as Alert };
}

/** Episodes with the title of their first message (Episode.title). */
const EPISODES = `SELECT a.*, (SELECT json_extract(f.alert, '$.title') FROM alert_messages f WHERE f.alert_id = a.alert_id AND f.seq = 1) AS first_title FROM alerts a`;

export class AlertStore {
  readonly path: string;
  readonly readonly: boolean;
  private readonly db: Database.Database;
  private statementCache: StatementCache | undefined;
  private firingCache: readonly Episode[] | null = null;

  /** Opens the ledger file through its own connection (creating and migrating it unless read-only). */
  static open(path: string, opts: OpenStoreOptions): AlertStore {
    return new AlertStore(openStore(path, opts));
  }

  constructor(store: Pick<Store, 'db' | 'path' | 'readonly' | 'schemaVersion'>) {
    if (store.schemaVersion < 4) throw new Error(`${store.path}: ledger schema ${store.schemaVersion} has no alert tables on the delivery clock (needs 4)`);
    this.db = store.db;
    this.path = store.path;
    this.readonly = store.readonly;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  /** Runs `fn` in one IMMEDIATE transaction: reads inside see no other writer until it commits. */
  transaction<T>(fn: () => T): T {
    this.writable();
    return this.db.transaction(fn).immediate();
  }

  /**
   * Episodes still firing, oldest first. Kept between writes: the monitor asks twice a minute and
   * only write() (this connection, the only writer of episodes) changes them.
   */
  firing(): readonly Episode[] {
    return (this.firingCache ??= this.rows(`${EPISODES} WHERE a.status = 'firing' ORDER BY a.first_ts, a.alert_id`).map(toEpisode));
  }

  hasAlert(id: string): boolean {
    return this.stmt(`SELECT 1 FROM alerts WHERE alert_id = ?`).get(id) !== undefined;
  }

  episode(id: string): Episode | null {
    const r = this.stmt(`${EPISODES} WHERE a.alert_id = ?`).get(id) as Raw | undefined;
    return r === undefined ? null : toEpisode(r);
  }

  /**
   * Writes a tick's episodes and messages, and one pending delivery per message per sink,
   * created at `createdAt` on the delivery clock (default: the message's own time).
   * Call inside transaction() together with the reads the changes were decided from.
   */
  write(changes: AlertChanges, sinks: readonly string[], createdAt?: number): void {
    this.writable();
    // Before writing, so a transaction that rolls back after this leaves no stale copy either.
    this.firingCache = null;
    const upsert = this.stmt(
      `INSERT INTO alerts (alert_id, kind, subject, severity, notified_severity, status, position_id, venue, symbol,
                           first_ts, last_ts, resolved_ts, last_notified_ts, notify_count, alert)
       VALUES (@id, @kind, @subject, @severity, @notifiedSeverity, @status, @positionId, @venue, @symbol,
               @firstTs, @lastTs, @resolvedTs, @lastNotifiedTs, @notifyCount, @alert)
       ON CONFLICT (alert_id) DO UPDATE SET
         severity = excluded.severity, notified_severity = excluded.notified_severity, status = excluded.status,
         position_id = excluded.position_id, venue = excluded.venue, symbol = excluded.symbol,
         last_ts = excluded.last_ts, resolved_ts = excluded.resolved_ts, last_notified_ts = excluded.last_notified_ts,
         notify_count = excluded.notify_count, alert = excluded.alert`,
    );
    for (const e of changes.episodes) {
      upsert.run({
        id: e.id,
        kind: e.kind,
        subject: e.subject,
        severity: e.severity,
        notifiedSeverity: e.notifiedSeverity,
        status: e.status,
        positionId: e.alert.positionId,
        venue: e.alert.venue,
        symbol: e.alert.symbol,
        firstTs: e.firstTs,
        lastTs: e.lastTs,
        resolvedTs: e.resolvedTs,
        lastNotifiedTs: e.lastNotifiedTs,
        notifyCount: e.notifyCount,
        alert: JSON.stringify(e.alert),
      });
    }
    const message = this.stmt(`INSERT INTO alert_messages (alert_id, seq, notice, ts, alert) VALUES (?, ?, ?, ?, ?)`);
    const delivery = this.stmt(`INSERT INTO alert_deliveries (alert_id, seq, sink, status, attempts, ts, created_at) VALUES (?, ?, ?, 'pending', 0, ?, ?)`);
    for (const m of changes.messages) {
      message.run(m.alertId, m.seq, m.notice, m.ts, JSON.stringify(m.alert));
      const at = createdAt ?? m.ts;
      for (const sink of new Set(sinks)) delivery.run(m.alertId, m.seq, sink, at, at);
    }
  }

  /** Sinks with at least one pending delivery. */
  pendingSinks(): readonly string[] {
    return this.stmt(`SELECT DISTINCT sink FROM alert_deliveries WHERE status = 'pending' ORDER BY sink`).pluck().all() as string[];
  }

  /** The oldest pending delivery of `sink`. */
  nextPending(sink: string): PendingDelivery | null {
    const r = this.stmt(`${PENDING} WHERE d.sink = ? AND d.status = 'pending' ORDER BY m.message_id LIMIT 1`).get(sink) as Raw | undefined;
    return r === undefined ? null : toPending(r);
  }

  /** Every pending delivery of `sink`, in the order the messages were decided. */
  pendingOf(sink: string): readonly PendingDelivery[] {
    return this.rows(`${PENDING} WHERE d.sink = ? AND d.status = 'pending' ORDER BY m.message_id`, sink).map(toPending);
  }

  /** Retry bookkeeping of every pending delivery (for the next wake-up time). */
  pendingSchedule(): readonly Pick<Delivery, 'sink' | 'attempts' | 'ts'>[] {
    return this.rows(`SELECT sink, attempts, ts FROM alert_deliveries WHERE status = 'pending'`).map((r) => ({
      sink: r['sink'] as string,
      attempts: r['attempts'] as number,
      ts: r['ts'] as number,
    }));
  }

  countPending(): number {
    return this.stmt(`SELECT COUNT(*) FROM alert_deliveries WHERE status = 'pending'`).pluck().get() as number;
  }

  /**
   * Records one attempt of a pending delivery: `sent`, `skipped`, `pending` (failed, to be tried
   * again) or `failed` (given up). Only a pending row changes, so an outcome never overwrites one already
   * recorded. Returns false when the row was not pending any more.
   */
  recordAttempt(d: Pick<Delivery, 'alertId' | 'seq' | 'sink'>, status: DeliveryStatus, error: string | null, ts: number): boolean {
    this.writable();
    const r = this.stmt(
      `UPDATE alert_deliveries SET status = ?, attempts = attempts + 1, last_error = ?, ts = ?
        WHERE alert_id = ? AND seq = ? AND sink = ? AND status = 'pending'`,
    ).run(status, error, ts, d.alertId, d.seq, d.sink);
    return r.changes === 1;
  }

  /** Gives up on a pending delivery without trying it (its sink is no longer configured). */
  abandon(d: Pick<Delivery, 'alertId' | 'seq' | 'sink'>, reason: string, ts: number): boolean {
    this.writable();
    const r = this.stmt(
      `UPDATE alert_deliveries SET status = 'failed', last_error = ?, ts = ? WHERE alert_id = ? AND seq = ? AND sink = ? AND status = 'pending'`,
    ).run(reason, ts, d.alertId, d.seq, d.sink);
    return r.changes === 1;
  }

  messages(alertId: string): readonly AlertMessage[] {
    return this.rows(`SELECT alert_id, seq, notice, ts, alert FROM alert_messages WHERE alert_id = ? ORDER BY seq`, alertId).map((r) => ({
      alertId: r['alert_id'] as string,
      seq: r['seq'] as number,
      notice: r['notice'] as Notice,
      ts: r['ts'] as number,
      alert: JSON.parse(r['alert'] as string) as Alert,
    }));
  }

  deliveries(alertId: string): readonly Delivery[] {
    return this.rows(
      `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries d JOIN alert_messages m ON m.alert_id = d.alert_id AND m.seq = d.seq
        WHERE d.alert_id = ? ORDER BY d.seq, d.sink`,
      alertId,
    ).map(toDelivery);
  }

  /** Episodes newest first (by start), each with its deliveries. Read in one snapshot. */
  list(opts: { readonly limit: number; readonly status?: AlertStatus | undefined }): readonly AlertRecord[] {
    const read = this.db.transaction(() => {
      const episodes =
        opts.status === undefined
          ? this.rows(`${EPISODES} ORDER BY a.first_ts DESC, a.rowid DESC LIMIT ?`, opts.limit)
          : this.rows(`${EPISODES} WHERE a.status = ? ORDER BY a.first_ts DESC, a.rowid DESC LIMIT ?`, opts.status, opts.limit);
      return episodes.map((r) => {
        const e = toEpisode(r);
        return { ...e, deliveries: this.deliveries(e.id) };
      });
    });
    return read.deferred();
  }

  private writable(): void {
    if (this.readonly) throw new Error(`${this.path} is open read-only: alerts cannot be written`);
  }

  private stmt(sql: string): Database.Statement {
    return (this.statementCache ??= new StatementCache(this.db)).get(sql);
  }

  private rows(sql: string, ...args: unknown[]): Raw[] {
    return this.stmt(sql).all(...args) as Raw[];
  }
}
