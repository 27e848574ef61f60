/**
 * The control channel: requests a second process (`carry kill`, `carry resume`, `carry close`)
 * writes into the ledger file while the daemon runs, and the daemon polls (live.controlPollMs),
 * acts on and marks handled. A table, not a socket: it needs nothing but the file both already
 * open, survives either side restarting, and leaves a record of who asked what and what came of it.
 *
 * Outside the event log: a request is not a fact about money. What the daemon does about it
 * (a risk.state move to halted, a close) is recorded as events, with the request in the reason.
 * Each call is its own statement, so with WAL a writer on another connection sees it once
 * committed; busy_timeout covers the daemon's write transactions.
 */
import type { Statement } from 'better-sqlite3';
import { z } from 'zod';
import { CarryError, InputError } from '../domain/errors.js';

export const CONTROL_KINDS = ['kill', 'resume', 'close_position'] as const;
export type ControlKind = (typeof CONTROL_KINDS)[number];

const reason = z.string().min(1).max(500).optional().describe('Why, in words (shown in the risk record).');

const ARGS = {
  kill: z.object({ reason }).strict(),
  resume: z.object({ reason }).strict(),
  close_position: z.object({ positionId: z.string().min(1).describe('The position to close.'), reason }).strict(),
} as const;

export type ControlArgs = { readonly [K in ControlKind]: Readonly<z.infer<(typeof ARGS)[K]>> };

interface RequestBase {
  readonly id: number;
  /** When it was requested (ms, the requester's wall clock). */
  readonly ts: number;
  readonly requestedBy: string;
  /** null while pending. */
  readonly handledAt: number | null;
  readonly outcome: string | null;
}

export type ControlRequest = { readonly [K in ControlKind]: RequestBase & { readonly kind: K; readonly args: ControlArgs[K] } }[ControlKind];

type Prepare = (sql: string) => Statement;
type Raw = Record<string, unknown>;

function toRequest(r: Raw): ControlRequest {
  return {
    id: r['id'] as number,
    ts: r['ts'] as number,
    kind: r['kind'] as ControlKind,
    args: JSON.parse(r['args'] as string) as never,
    requestedBy: r['requested_by'] as string,
    handledAt: (r['handled_at'] as number | null) ?? null,
    outcome: (r['outcome'] as string | null) ?? null,
  } as ControlRequest;
}

/** Validates and records a request; returns its id. Bad args are the user's input: InputError naming the field. */
export function requestControl<K extends ControlKind>(prep: Prepare, kind: K, args: ControlArgs[K], by: string, now: number): number {
  const schema = (ARGS as Record<string, z.ZodType | undefined>)[kind];
  if (schema === undefined) throw new InputError(`control request: unknown kind ${JSON.stringify(kind)}; expected one of ${CONTROL_KINDS.join(', ')}`);
  const r = schema.safeParse(args);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ');
    throw new InputError(`control request ${kind}: ${issues}`);
  }
  const info = prep(`INSERT INTO control_requests (ts, kind, args, requested_by) VALUES (?, ?, ?, ?)`).run(now, kind, JSON.stringify(r.data), by);
  return Number(info.lastInsertRowid);
}

/** Requests not yet handled, oldest first: the daemon handles them in the order they were made. */
export function pendingControl(prep: Prepare): readonly ControlRequest[] {
  return (prep(`SELECT * FROM control_requests WHERE handled_at IS NULL ORDER BY id`).all() as Raw[]).map(toRequest);
}

export function controlRequest(prep: Prepare, id: number): ControlRequest | null {
  const r = prep(`SELECT * FROM control_requests WHERE id = ?`).get(id) as Raw | undefined;
  return r === undefined ? null : toRequest(r);
}

/**
 * Marks a pending request handled with its outcome ("halted", "refused: trading is already
 * active", ...). Marking one twice, or one that does not exist, is a daemon bug: it throws.
 */
export function markControlHandled(prep: Prepare, id: number, outcome: string, now: number): void {
  if (outcome.length === 0) throw new CarryError('CARRY_INTERNAL', 'stop', `control request ${id}: an outcome is required`);
  const info = prep(`UPDATE control_requests SET handled_at = ?, outcome = ? WHERE id = ? AND handled_at IS NULL`).run(now, outcome, id);
  if (info.changes === 1) return;
  const r = controlRequest(prep, id);
  throw new CarryError(
    'CARRY_INTERNAL',
    'stop',
    r === null
      ? `control request ${id} does not exist`
      : `control request ${id} (${r.kind}) was already handled at ${new Date(r.handledAt ?? 0).toISOString()}: ${r.outcome ?? ''}`,
  );
}
