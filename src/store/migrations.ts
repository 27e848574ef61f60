/**
 * Versioned, forward-only schema migrations. Each runs in its own IMMEDIATE transaction together
 * with the version bump in `meta`, so a crash leaves the file at the old version or the new one,
 * never in between. Never edit a released migration: add the next one.
 *
 * Tables are STRICT so a wrong type (a string where a price goes, a fractional ms timestamp) is
 * refused by SQLite itself instead of being stored.
 */
import type { Database } from 'better-sqlite3';
import { EXIT_KINDS, RISK_RULES } from '../domain/action.js';
import { TRADING_STATES } from '../domain/risk.js';
import type { PositionTransition } from '../domain/events.js';
import { exitOfTransition } from './exit-record.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: (db: Database) => void;
}

/** Projection tables, in the order verify compares them, with a key giving a total order. */
export const PROJECTION_TABLES = [
  { table: 'positions', key: 'position_id' },
  { table: 'orders', key: 'order_id' },
  { table: 'fills', key: 'fill_id' },
  { table: 'funding_payments', key: 'payment_id' },
  { table: 'wallet_entries', key: 'entry_id' },
  { table: 'equity_snapshots', key: 'snapshot_id' },
  { table: 'scan_top', key: 'scan_seq, rank' },
  { table: 'decisions', key: 'decision_id' },
  { table: 'risk_states', key: 'state_id' },
] as const;

const POSITION_STATES = `'pending_open','open','rebalancing','closing','closed','unwinding','failed'`;

const V1 = `
-- The source of truth: every fact, in order. Projections below are derived from it.
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  type TEXT NOT NULL,
  position_id TEXT,
  payload TEXT NOT NULL CHECK (json_valid(payload))
) STRICT;
CREATE INDEX events_position ON events(position_id, seq) WHERE position_id IS NOT NULL;
CREATE INDEX events_ts ON events(ts);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'carry ledger: events are append-only (UPDATE refused)'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'carry ledger: events are append-only (DELETE refused)'); END;

CREATE TABLE positions (
  position_id TEXT PRIMARY KEY,
  venue TEXT NOT NULL,
  base TEXT NOT NULL,
  quote TEXT NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('carry','reverse')),
  spot_symbol TEXT NOT NULL,
  perp_symbol TEXT NOT NULL,
  settlement TEXT NOT NULL CHECK (settlement IN ('linear','inverse')),
  contract_size REAL NOT NULL CHECK (contract_size > 0),
  settle TEXT NOT NULL,
  interval_hours REAL NOT NULL CHECK (interval_hours > 0),
  continuous_funding INTEGER NOT NULL CHECK (continuous_funding IN (0,1)),
  state TEXT NOT NULL CHECK (state IN (${POSITION_STATES})),
  target_notional REAL NOT NULL,
  entry_rate REAL NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  opened_at INTEGER,
  closed_at INTEGER,
  updated_at INTEGER NOT NULL,
  flag TEXT,
  flag_message TEXT,
  -- holdings from fills, signed (long > 0); spot in base, perp in contracts
  spot_qty REAL NOT NULL DEFAULT 0,
  spot_entry_price REAL,
  perp_contracts REAL NOT NULL DEFAULT 0,
  perp_entry_price REAL,
  -- running totals: realised_spot in quote, realised_perp and funding in settle
  realised_spot REAL NOT NULL DEFAULT 0,
  realised_perp REAL NOT NULL DEFAULT 0,
  realised_perp_quote REAL NOT NULL DEFAULT 0,
  fees_quote REAL NOT NULL DEFAULT 0,
  funding REAL NOT NULL DEFAULT 0,
  funding_quote REAL NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX positions_state ON positions(state);

CREATE TABLE orders (
  order_id TEXT PRIMARY KEY,
  client_order_id TEXT NOT NULL UNIQUE,
  position_id TEXT NOT NULL REFERENCES positions(position_id),
  venue TEXT NOT NULL,
  leg TEXT NOT NULL CHECK (leg IN ('spot','perp')),
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy','sell')),
  purpose TEXT NOT NULL CHECK (purpose IN ('open','hedge','unwind','close','rebalance')),
  amount REAL NOT NULL CHECK (amount > 0),
  limit_price REAL NOT NULL CHECK (limit_price > 0),
  reduce_only INTEGER NOT NULL CHECK (reduce_only IN (0,1)),
  status TEXT NOT NULL CHECK (status IN ('submitted','filled','partial','unfilled','rejected')),
  filled_amount REAL NOT NULL DEFAULT 0,
  reason TEXT,
  submitted_at INTEGER NOT NULL,
  done_at INTEGER
) STRICT;
CREATE INDEX orders_position ON orders(position_id, submitted_at);

CREATE TABLE fills (
  fill_id TEXT PRIMARY KEY,
  event_seq INTEGER NOT NULL REFERENCES events(seq),
  order_id TEXT NOT NULL REFERENCES orders(order_id),
  position_id TEXT NOT NULL REFERENCES positions(position_id),
  venue TEXT NOT NULL,
  leg TEXT NOT NULL CHECK (leg IN ('spot','perp')),
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy','sell')),
  price REAL NOT NULL CHECK (price > 0),
  amount REAL NOT NULL CHECK (amount > 0),
  base_qty REAL NOT NULL,
  contracts REAL,
  quote_notional REAL NOT NULL,
  fee REAL NOT NULL,
  fee_currency TEXT NOT NULL,
  fee_quote REAL NOT NULL,
  -- set when the fill reduced the leg: P&L against the average entry
  realised_pnl REAL,
  realised_pnl_currency TEXT,
  realised_pnl_quote REAL,
  ts INTEGER NOT NULL
) STRICT;
CREATE INDEX fills_position ON fills(position_id, ts);
CREATE INDEX fills_order ON fills(order_id);

CREATE TABLE funding_payments (
  payment_id INTEGER PRIMARY KEY,
  event_seq INTEGER NOT NULL REFERENCES events(seq),
  position_id TEXT NOT NULL REFERENCES positions(position_id),
  venue TEXT NOT NULL,
  symbol TEXT NOT NULL,
  settlement_time INTEGER NOT NULL,
  period_start INTEGER,
  rate REAL NOT NULL,
  mark_price REAL NOT NULL CHECK (mark_price > 0),
  contracts REAL NOT NULL,
  contract_size REAL NOT NULL,
  settlement TEXT NOT NULL CHECK (settlement IN ('linear','inverse')),
  amount REAL NOT NULL,
  currency TEXT NOT NULL,
  amount_quote REAL NOT NULL,
  ts INTEGER NOT NULL,
  UNIQUE (position_id, settlement_time)
) STRICT;

-- Every cash movement. Balances are SUM()s of this table: there is no balance column to drift.
CREATE TABLE wallet_entries (
  entry_id INTEGER PRIMARY KEY,
  event_seq INTEGER NOT NULL REFERENCES events(seq),
  venue TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount REAL NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('deposit','transfer','spot_buy','spot_sell','fee','funding','realised_pnl')),
  position_id TEXT REFERENCES positions(position_id),
  ts INTEGER NOT NULL
) STRICT;
CREATE INDEX wallet_entries_balance ON wallet_entries(venue, currency);
CREATE INDEX wallet_entries_position ON wallet_entries(position_id) WHERE position_id IS NOT NULL;

CREATE TABLE equity_snapshots (
  snapshot_id INTEGER PRIMARY KEY,
  event_seq INTEGER NOT NULL REFERENCES events(seq),
  ts INTEGER NOT NULL,
  equity REAL NOT NULL,
  realised REAL NOT NULL,
  unrealised REAL NOT NULL,
  funding REAL NOT NULL,
  fees REAL NOT NULL,
  open_positions INTEGER NOT NULL
) STRICT;
CREATE INDEX equity_snapshots_ts ON equity_snapshots(ts);

CREATE TABLE scan_top (
  scan_seq INTEGER NOT NULL REFERENCES events(seq),
  rank INTEGER NOT NULL,
  scan_ts INTEGER NOT NULL,
  venue TEXT NOT NULL,
  perp_symbol TEXT NOT NULL,
  spot_symbol TEXT,
  rate REAL NOT NULL,
  interval_hours REAL NOT NULL,
  net_apr REAL,
  max_notional REAL,
  status TEXT NOT NULL,
  PRIMARY KEY (scan_seq, rank)
) STRICT;

CREATE TABLE decisions (
  decision_id INTEGER PRIMARY KEY,
  event_seq INTEGER NOT NULL REFERENCES events(seq),
  ts INTEGER NOT NULL,
  venue TEXT NOT NULL,
  symbol TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('open','close','rebalance','skip','deny')),
  reason TEXT NOT NULL
) STRICT;
CREATE INDEX decisions_ts ON decisions(ts);

-- The two legs of each position as rows, for reports and ad-hoc SQL.
CREATE VIEW legs AS
  SELECT position_id, 'spot' AS leg, venue, spot_symbol AS symbol, spot_qty AS quantity, 'base' AS unit,
         spot_entry_price AS entry_price
    FROM positions
  UNION ALL
  SELECT position_id, 'perp' AS leg, venue, perp_symbol AS symbol, perp_contracts AS quantity, 'contracts' AS unit,
         perp_entry_price AS entry_price
    FROM positions;
`;

// Alerts are operational state, not money: outside the event log and its projections (verify
// ignores them). One `alerts` row per episode (a condition from the time it starts firing to the
// time it clears); one `alert_messages` row per message decided (new, reminder, escalated,
// resolved) with the alert exactly as it is to be sent; one `alert_deliveries` row per message
// per sink: the outbox, written in the same transaction as the decision, before anything is sent.
const V3 = `
CREATE TABLE alerts (
  alert_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info','warning','critical')),
  -- the severity of the last message sent: a rise above it is resent at once (escalation)
  notified_severity TEXT NOT NULL CHECK (notified_severity IN ('info','warning','critical')),
  status TEXT NOT NULL CHECK (status IN ('firing','resolved')),
  position_id TEXT,
  venue TEXT,
  symbol TEXT,
  first_ts INTEGER NOT NULL,
  last_ts INTEGER NOT NULL,
  resolved_ts INTEGER,
  last_notified_ts INTEGER NOT NULL,
  notify_count INTEGER NOT NULL CHECK (notify_count >= 1),
  alert TEXT NOT NULL CHECK (json_valid(alert)),
  CHECK ((status = 'resolved') = (resolved_ts IS NOT NULL))
) STRICT;
-- Dedup key = kind + subject: at most one firing episode per key, enforced by SQLite itself.
CREATE UNIQUE INDEX alerts_firing_key ON alerts(kind, subject) WHERE status = 'firing';
CREATE INDEX alerts_first_ts ON alerts(first_ts);

CREATE TABLE alert_messages (
  message_id INTEGER PRIMARY KEY,
  alert_id TEXT NOT NULL REFERENCES alerts(alert_id),
  seq INTEGER NOT NULL CHECK (seq >= 1),
  notice TEXT NOT NULL CHECK (notice IN ('new','reminder','escalated','resolved')),
  ts INTEGER NOT NULL,
  alert TEXT NOT NULL CHECK (json_valid(alert)),
  UNIQUE (alert_id, seq)
) STRICT;

CREATE TABLE alert_deliveries (
  alert_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  sink TEXT NOT NULL,
  -- skipped: the sink's minSeverity is above the alert's (nothing sent, nothing owed)
  status TEXT NOT NULL CHECK (status IN ('pending','sent','failed','skipped')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error TEXT,
  -- when the row was written (the decision), then of the last attempt
  ts INTEGER NOT NULL,
  PRIMARY KEY (alert_id, seq, sink),
  FOREIGN KEY (alert_id, seq) REFERENCES alert_messages(alert_id, seq)
) STRICT;
CREATE INDEX alert_deliveries_pending ON alert_deliveries(sink, status) WHERE status = 'pending';
`;

const sqlList = (xs: readonly string[]): string => xs.map((x) => `'${x}'`).join(',');

// Exit discipline: the entry estimate a position is weighed against after a restart, and why
// each position was closed, as codes a query can group by. Positions closed before this schema
// get their exit read back from the reason of their transition to closing (exit-record.ts);
// their entry net APR stays NULL (it was only ever written as rounded text).
const V4 = `
ALTER TABLE positions ADD COLUMN entry_net_apr REAL;
ALTER TABLE positions ADD COLUMN exit_kind TEXT CHECK (exit_kind IN (${sqlList(EXIT_KINDS)}));
ALTER TABLE positions ADD COLUMN exit_rule TEXT CHECK (exit_rule IN (${sqlList(RISK_RULES)}));
ALTER TABLE positions ADD COLUMN close_reason TEXT;
`;

function backfillExits(db: Database): void {
  const set = db.prepare(`UPDATE positions SET exit_kind = ?, exit_rule = ?, close_reason = ? WHERE position_id = ?`);
  // all(), not iterate(): better-sqlite3 refuses writes on a connection while a query is being iterated.
  const rows = db.prepare(`SELECT position_id, payload FROM events WHERE type = 'position.transition' ORDER BY seq`).all() as {
    position_id: string;
    payload: string;
  }[];
  for (const r of rows) {
    const x = exitOfTransition(JSON.parse(r.payload) as PositionTransition);
    if (x !== null) set.run(x.kind, x.rule, x.reason, r.position_id);
  }
}

// Alert delivery runs on its own clock, the wall clock (src/alerts/worker.ts): a sink is a real
// endpoint whatever the market clock, and in a sim at full speed simulated hours pass in wall
// milliseconds. From version 5, alert_deliveries.ts is that clock's time the row was written,
// then of its last attempt (the retry schedule), and created_at is when the row was written: the
// start of its own give-up budget. Rows still pending from an older carry (their ts on the run's
// clock, which a sim may have run past today) start their budget at this upgrade and are due at
// once; settled rows keep ts.
function v5(db: Database, now: number): void {
  db.exec(`ALTER TABLE alert_deliveries ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0`);
  db.prepare(`UPDATE alert_deliveries SET created_at = CASE WHEN status = 'pending' THEN @now ELSE ts END,
                                       ts = CASE WHEN status = 'pending' THEN MIN(ts, @now) ELSE ts END`).run({ now });
}

// Live trading's prerequisites.
// - orders.venue_order_id: the venue's own id, known once it answers (order.done).
// - decisions.deny_*: the gate's refusal as data (code, limit, value) beside its reason text, so
//   denials stay in the one table they were always recorded in.
// - risk_states: the trading state machine's moves, projected from risk.state events; the latest
//   row is the state a restart resumes in. deny_code and risk_trigger have no CHECK list: those
//   lists grow, a CHECK cannot be altered in SQLite, and the event schema already refuses an
//   unknown word at the boundary. The three states are fixed, so they are checked here too.
// - control_requests and daemon_lease: operational state outside the log (verify ignores them),
//   written by a second process (`carry kill` beside the daemon) through WAL.
const V6 = `
ALTER TABLE orders ADD COLUMN venue_order_id TEXT;
ALTER TABLE decisions ADD COLUMN deny_code TEXT;
ALTER TABLE decisions ADD COLUMN deny_limit REAL;
ALTER TABLE decisions ADD COLUMN deny_value REAL;

CREATE TABLE risk_states (
  state_id INTEGER PRIMARY KEY,
  event_seq INTEGER NOT NULL REFERENCES events(seq),
  ts INTEGER NOT NULL,
  from_state TEXT NOT NULL CHECK (from_state IN (${sqlList(TRADING_STATES)})),
  to_state TEXT NOT NULL CHECK (to_state IN (${sqlList(TRADING_STATES)})),
  risk_trigger TEXT NOT NULL,
  reason TEXT NOT NULL,
  -- the reducing causes holding after the change, a JSON array
  causes TEXT NOT NULL CHECK (json_valid(causes) AND json_type(causes) = 'array')
) STRICT;

CREATE TABLE control_requests (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('kill','resume','close_position')),
  args TEXT NOT NULL CHECK (json_valid(args) AND json_type(args) = 'object'),
  requested_by TEXT NOT NULL,
  handled_at INTEGER,
  outcome TEXT,
  CHECK ((handled_at IS NULL) = (outcome IS NULL))
) STRICT;
CREATE INDEX control_requests_pending ON control_requests(id) WHERE handled_at IS NULL;

-- At most one daemon trades a ledger: one row, renewed by heartbeats, taken over once stale.
CREATE TABLE daemon_lease (
  lease INTEGER PRIMARY KEY CHECK (lease = 1),
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('paper','live'))
) STRICT;
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'event log and projections', up: (db) => db.exec(V1) },
  {
    version: 2,
    name: 'engine checkpoints',
    // Derived engine state saved with the events it follows (see Ledger.checkpoint).
    up: (db) => db.exec(`CREATE TABLE checkpoints (key TEXT PRIMARY KEY, ts INTEGER NOT NULL, value TEXT NOT NULL CHECK (json_valid(value))) STRICT;`),
  },
  { version: 3, name: 'alerts and their delivery outbox', up: (db) => db.exec(V3) },
  {
    version: 4,
    name: 'entry net APR and close reasons on positions',
    up: (db) => {
      db.exec(V4);
      backfillExits(db);
    },
  },
  { version: 5, name: 'alert deliveries on the delivery clock', up: (db) => v5(db, Date.now()) },
  { version: 6, name: 'live prerequisites: venue order ids, deny codes, risk states, control requests, daemon lease', up: (db) => db.exec(V6) },
];

export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** Reads the schema version recorded in `meta` (0 before the first migration). */
export function schemaVersion(db: Database): number {
  const v = db.prepare(`SELECT value FROM meta WHERE key = 'schema_version'`).pluck().get();
  const n = typeof v === 'string' ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < 0) throw new Error(`meta.schema_version is not a version number: ${String(v)}`);
  return n;
}

function checkList(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list out of order: #${i} has version ${m.version}, expected ${i + 1}`);
  });
}

/**
 * Applies every migration above the recorded version, one transaction each, and returns the
 * final version. Safe when two processes race: the version is re-read under the write lock.
 */
export function migrate(db: Database, list: readonly Migration[] = MIGRATIONS): number {
  checkList(list);
  for (const m of list) {
    const step = db.transaction(() => {
      if (schemaVersion(db) >= m.version) return;
      m.up(db);
      db.prepare(`UPDATE meta SET value = ? WHERE key = 'schema_version'`).run(String(m.version));
    });
    step.immediate();
  }
  return schemaVersion(db);
}
