/**
 * The two ways the store says no.
 * - The file itself is unusable (corrupt, foreign, wrong mode, too new): CARRY_STORE_INVALID,
 *   action stop; the user must point carry elsewhere or upgrade. The file is never touched.
 * - An append breaks a ledger rule (unknown position, stale transition, second payment for one
 *   settlement, ...): LedgerRejectedError. That is a bug in the caller, not a venue fault, so it
 *   is CARRY_INTERNAL/stop; `rule` lets the engine tell the cases apart without parsing text.
 *   The whole batch is rolled back: nothing of it is in the ledger.
 */
import { CarryError } from '../domain/errors.js';

export function storeInvalid(message: string, cause?: unknown): CarryError {
  return new CarryError('CARRY_STORE_INVALID', 'stop', message, cause === undefined ? {} : { cause });
}

/** Another daemon holds (or took over) the ledger's lease: stop, two daemons must never trade one ledger. */
export function leaseHeld(message: string): CarryError {
  return new CarryError('CARRY_LEASE_HELD', 'stop', message);
}

export type LedgerRule =
  | 'invalid_event' // fails the event schema (missing field, NaN, negative price, ...)
  | 'unknown_position'
  | 'duplicate_position'
  | 'stale_transition' // stored state is not the transition's `from`
  | 'invalid_transition' // from a final state, or to the same state
  | 'mismatch' // venue/symbol/leg/side/settlement disagrees with the position or order
  | 'unknown_order'
  | 'duplicate_order'
  | 'duplicate_fill'
  | 'overfill' // fills would exceed the order's amount
  | 'order_done' // order.done twice, or its filledAmount disagrees with the fills
  | 'position_final' // an order for a closed/failed position
  | 'duplicate_funding' // a second payment for one (position, settlement time) or an overlapping accrual period
  | 'read_only';

export class LedgerRejectedError extends CarryError {
  readonly rule: LedgerRule;
  /** The message without the "ledger refused:" prefix. */
  readonly detail: string;
  constructor(rule: LedgerRule, detail: string, cause?: unknown) {
    super('CARRY_INTERNAL', 'stop', `ledger refused: ${detail}`, cause === undefined ? {} : { cause });
    this.name = 'LedgerRejectedError';
    this.rule = rule;
    this.detail = detail;
  }
}
