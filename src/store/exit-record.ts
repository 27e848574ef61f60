/**
 * The exit a position.transition to closing records. Events written since schema 4 carry it as
 * `exit`; older ones only have the reason the engine wrote as `${kind}: ${reason}` (decide()'s
 * exit code first), which is read back here. Shared by the projection and migration 4's backfill,
 * so a migrated ledger and a replay of its log (verify) agree row for row.
 */
import { EXIT_KINDS, type ExitKind, type ExitRecord } from '../domain/action.js';
import type { PositionTransition } from '../domain/events.js';

const LEGACY = /^([a-z_]+): ([\s\S]*)$/;

export function exitOfTransition(e: Pick<PositionTransition, 'to' | 'reason' | 'exit'>): ExitRecord | null {
  if (e.to !== 'closing') return null;
  if (e.exit !== undefined) return e.exit;
  const m = LEGACY.exec(e.reason);
  const kind = m?.[1];
  // Before schema 4 there was no risk exit, so a 'risk' prefix cannot be one.
  if (m === null || kind === undefined || kind === 'risk' || !(EXIT_KINDS as readonly string[]).includes(kind)) return null;
  return { kind: kind as ExitKind, rule: null, reason: m[2] ?? '' };
}
