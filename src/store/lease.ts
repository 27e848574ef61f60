/**
 * The daemon lease: at most one daemon trades a ledger. Two would each place orders from their
 * own view of the positions, doubling every open and racing every close. The holder is
 * (pid, host); it renews the lease with heartbeats and releases it on a clean stop. A lease whose
 * heartbeat is older than live.leaseStaleMs belongs to a daemon that died without releasing it
 * and may be taken over.
 *
 * Times are the daemon's wall clock. A heartbeat in the future (another host's clock ahead)
 * counts as fresh: when clocks disagree, refusing to start is the safe side.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { StoreMode } from './open.js';
import { leaseHeld } from './errors.js';

export interface DaemonLease {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  readonly mode: StoreMode;
}

export interface LeaseHolder {
  readonly pid: number;
  readonly host: string;
  readonly mode: StoreMode;
}

type Prepare = (sql: string) => Statement;
type Raw = Record<string, unknown>;

function toLease(r: Raw): DaemonLease {
  return {
    pid: r['pid'] as number,
    host: r['host'] as string,
    startedAt: r['started_at'] as number,
    heartbeatAt: r['heartbeat_at'] as number,
    mode: r['mode'] as StoreMode,
  };
}

export function currentLease(prep: Prepare): DaemonLease | null {
  const r = prep(`SELECT * FROM daemon_lease WHERE lease = 1`).get() as Raw | undefined;
  return r === undefined ? null : toLease(r);
}

const isHolder = (l: DaemonLease, who: { readonly pid: number; readonly host: string }): boolean => l.pid === who.pid && l.host === who.host;

function describeLease(l: DaemonLease, now: number): string {
  const age = (now - l.heartbeatAt) / 1000;
  const when = age >= 0 ? `${age.toFixed(1)} s ago` : `${(-age).toFixed(1)} s ahead of this clock`;
  return `pid ${l.pid} on ${l.host} (carry ${l.mode}, started ${new Date(l.startedAt).toISOString()}, last heartbeat ${when})`;
}

/**
 * A holder on this very host whose process no longer exists (killed, crashed) holds nothing,
 * however fresh its last heartbeat: the restart after a crash must not wait out leaseStaleMs.
 * Another host's holder can only go stale.
 */
export function diedHere(held: DaemonLease, host: string): boolean {
  if (held.host !== host) return false;
  try {
    process.kill(held.pid, 0);
    return false;
  } catch (e) {
    // EPERM: it exists under another user, so it is alive.
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Takes the lease for `me`, under the write lock so two daemons starting together cannot both
 * win. Throws CARRY_LEASE_HELD naming the holder when another holder's lease is fresh. The same
 * holder acquiring again keeps its start time.
 */
export function acquireLease(db: Database, prep: Prepare, path: string, me: LeaseHolder, now: number, staleMs: number): DaemonLease {
  const take = db.transaction((): DaemonLease => {
    const held = currentLease(prep);
    if (held !== null && !isHolder(held, me) && now - held.heartbeatAt < staleMs && !diedHere(held, me.host)) {
      throw leaseHeld(
        `${path} is already traded by a carry daemon: ${describeLease(held, now)}. ` +
          `Stop that process first; if it died, its lease goes stale ${(staleMs / 1000).toFixed(0)} s after its last heartbeat (live.leaseStaleMs).`,
      );
    }
    const startedAt = held !== null && isHolder(held, me) ? held.startedAt : now;
    prep(
      `INSERT INTO daemon_lease (lease, pid, host, started_at, heartbeat_at, mode) VALUES (1, @pid, @host, @startedAt, @now, @mode)
       ON CONFLICT(lease) DO UPDATE SET pid = excluded.pid, host = excluded.host, started_at = excluded.started_at,
         heartbeat_at = excluded.heartbeat_at, mode = excluded.mode`,
    ).run({ pid: me.pid, host: me.host, startedAt, now, mode: me.mode });
    return { pid: me.pid, host: me.host, startedAt, heartbeatAt: now, mode: me.mode };
  });
  return take.immediate();
}

/**
 * Renews the lease. Throws CARRY_LEASE_HELD when `me` no longer holds it (taken over after this
 * daemon stalled past leaseStaleMs, or released): the daemon must stop trading at once.
 */
export function heartbeat(prep: Prepare, path: string, me: { readonly pid: number; readonly host: string }, now: number): void {
  const info = prep(`UPDATE daemon_lease SET heartbeat_at = MAX(heartbeat_at, ?) WHERE pid = ? AND host = ?`).run(now, me.pid, me.host);
  if (info.changes === 1) return;
  const held = currentLease(prep);
  throw leaseHeld(
    `${path}: this daemon (pid ${me.pid} on ${me.host}) lost its lease` +
      (held === null ? ' (released)' : ` to ${describeLease(held, now)}`) +
      '; it must stop trading this ledger.',
  );
}

/** Gives the lease up; true when `me` held it. Never releases another holder's lease. */
export function releaseLease(prep: Prepare, me: { readonly pid: number; readonly host: string }): boolean {
  return prep(`DELETE FROM daemon_lease WHERE pid = ? AND host = ?`).run(me.pid, me.host).changes === 1;
}
