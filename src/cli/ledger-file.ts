/**
 * Which ledger file a command reads or writes, and the live ledger's daemon and control channel
 * as the CLI sees them (`carry kill`, `carry resume`).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { carryVersion } from '../app/context.js';
import type { Config } from '../config/schema.js';
import { InputError, isCarryError } from '../domain/errors.js';
import type { ControlArgs, ControlKind, ControlRequest } from '../store/control.js';
import type { CommandIO } from './exit.js';
import { diedHere, type DaemonLease } from '../store/lease.js';
import { Ledger } from '../store/ledger.js';
import type { StoreMode } from '../store/open.js';

/**
 * The mode a carry ledger records, so `--db` works for the paper and the live ledger alike.
 * Anything unreadable falls back to paper, and opening it then says what is wrong.
 */
export function ledgerMode(path: string): StoreMode {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const mode = db.prepare(`SELECT value FROM meta WHERE key = 'mode'`).pluck().get();
      return mode === 'live' ? 'live' : 'paper';
    } finally {
      db.close();
    }
  } catch {
    return 'paper';
  }
}

/** The live ledger (--db, else store.livePath), which must exist: kill and resume never create one. */
export function liveLedgerPath(command: string, config: Config, db: string | undefined): string {
  const path = db ?? config.store.livePath;
  if (!existsSync(path)) {
    throw new InputError(`carry ${command}: no live ledger at ${path}: carry live never traded with it (pass --db FILE, or the --config whose store.livePath carry live used)`);
  }
  return path;
}

export function openLiveLedger(path: string): Ledger {
  return Ledger.open(path, { mode: 'live', carryVersion: carryVersion() });
}

/**
 * The daemon trading this ledger: a lease renewed within live.leaseStaleMs (one in the future
 * counts), whose process still exists when it is on this host (a SIGKILLed daemon's lease is
 * fresh for a while but nobody answers it).
 */
export function runningDaemon(ledger: Ledger, config: Config, now: number = Date.now()): DaemonLease | null {
  const held = ledger.currentLease();
  if (held === null) return null;
  if (now - held.heartbeatAt >= config.live.leaseStaleMs) return null;
  return diedHere(held, hostname()) ? null : held;
}

export function describeDaemon(l: DaemonLease): string {
  return `pid ${l.pid} on ${l.host}`;
}

export function requester(command: string): string {
  return `${command} (pid ${process.pid} on ${hostname()})`;
}

export type Wait =
  | { readonly kind: 'handled'; readonly request: ControlRequest }
  /** `waitMs` passed: the request stays queued and the daemon handles it when it gets to it. */
  | { readonly kind: 'timeout' }
  /** The daemon stopped (lease released, stale, or its process gone) and the request is withdrawn. */
  | { readonly kind: 'gone' };

/**
 * Polls a control request until the daemon marks it handled, `waitMs` passes, or the daemon is
 * gone. A request the daemon can no longer handle is marked handled here (`withdrawn: ...`), so
 * a later `carry live` does not act on a stale kill or resume; if the daemon got to it first,
 * its outcome stands.
 */
export async function waitForOutcome(ledger: Ledger, config: Config, id: number, waitMs: number, pollMs = 100): Promise<Wait> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const r = ledger.controlRequest(id);
    if (r !== null && r.handledAt !== null) return { kind: 'handled', request: r };
    if (runningDaemon(ledger, config) === null) {
      try {
        ledger.markControlHandled(id, 'withdrawn: the daemon stopped before handling it');
        return { kind: 'gone' };
      } catch (e) {
        if (!isCarryError(e)) throw e;
        continue; // handled meanwhile: read its outcome
      }
    }
    if (Date.now() >= deadline) return { kind: 'timeout' };
    await new Promise((res) => setTimeout(res, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
  }
}

export type Asked = { readonly kind: 'outcome'; readonly outcome: string } | { readonly kind: 'timeout' } | { readonly kind: 'here' };

/**
 * What `carry kill`, `close` and `resume` share: with a daemon on the ledger the request goes
 * through its control channel and the daemon's outcome comes back; with none (or when it stops
 * while asked: the request is then withdrawn) the answer is 'here' and the command acts itself.
 */
export async function askDaemon<K extends ControlKind>(
  io: CommandIO,
  command: string,
  ledger: Ledger,
  config: Config,
  req: { readonly kind: K; readonly args: ControlArgs[K]; readonly by: string; readonly what: string; readonly waitMs: number },
): Promise<Asked> {
  const daemon = runningDaemon(ledger, config);
  if (daemon === null) return { kind: 'here' };
  const id = ledger.requestControl(req.kind, req.args, { by: req.by });
  io.err(`${command}: asked the daemon (${describeDaemon(daemon)}) ${req.what} (request ${id}); waiting up to ${req.waitMs / 1000} s\n`);
  const w = await waitForOutcome(ledger, config, id, req.waitMs);
  if (w.kind === 'timeout') {
    io.err(`${command}: the daemon did not handle request ${id} within ${req.waitMs / 1000} s; it stays queued and the daemon acts on it when its job in flight ends. Check \`carry status --live\`.\n`);
    return { kind: 'timeout' };
  }
  if (w.kind === 'handled') return { kind: 'outcome', outcome: w.request.outcome ?? '' };
  io.err(`${command}: the daemon stopped before handling request ${id} (withdrawn); acting from here\n`);
  return { kind: 'here' };
}

/** The flags kill, close and resume share. */
export const CONTROL_FLAGS = {
  reason: { type: 'string' },
  db: { type: 'string' },
  config: { type: 'string' },
  wait: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;
