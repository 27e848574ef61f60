/**
 * The position lifecycle as data. A state changes only along an edge of POSITION_TRANSITIONS;
 * anything else is a bug in the caller and throws, naming both states, instead of overwriting
 * the ledger's truth.
 *
 * Staying in a state is not a transition: a retried close stays `closing` and a retried unwind
 * stays `unwinding`; the retry is visible in the ledger as its orders (attempt 2, 3, …) and the
 * position.flagged event that asked for it. Leaving `closing` or `unwinding` is only ever
 * forward: once the ledger says a position is being taken off, no edge brings it back to
 * `open`, so a close or unwind that stalls cannot be forgotten as if it had never started.
 */
import { CarryError } from '../domain/errors.js';
import type { PositionState } from '../domain/position.js';

export interface TransitionEdge {
  readonly from: PositionState;
  readonly to: PositionState;
  /** Why the edge exists: when the engine takes it. */
  readonly why: string;
}

export const POSITION_TRANSITIONS: readonly TransitionEdge[] = [
  {
    from: 'pending_open',
    to: 'open',
    why: 'both legs filled and matched to the lot (any excess of leg one was unwound, or is flagged)',
  },
  {
    from: 'pending_open',
    to: 'unwinding',
    why: 'leg one filled but leg two could not hedge it (nothing filled, or below its minimum): leg one comes back off',
  },
  {
    from: 'pending_open',
    to: 'failed',
    why: 'leg one filled nothing (no depth within the limit, or rejected): nothing to unwind',
  },
  {
    from: 'open',
    to: 'rebalancing',
    why: 'delta drifted past the threshold: a corrective order is being placed',
  },
  {
    from: 'open',
    to: 'closing',
    why: 'the strategy or the user decided to exit: both legs are being taken off',
  },
  {
    from: 'rebalancing',
    to: 'open',
    why: 'the corrective order is done (filled, or given up with the drift flagged): the position is held again',
  },
  {
    from: 'rebalancing',
    to: 'closing',
    why: 'an exit was decided while rebalancing: closing takes off whatever the legs hold now',
  },
  {
    from: 'closing',
    to: 'closed',
    why: 'both legs are flat',
  },
  {
    from: 'unwinding',
    to: 'failed',
    why: 'every filled quantity of the failed open is taken back off: flat, the cost booked in the fills',
  },
];

const EDGES: ReadonlyMap<PositionState, ReadonlySet<PositionState>> = (() => {
  const m = new Map<PositionState, Set<PositionState>>();
  for (const e of POSITION_TRANSITIONS) {
    const to = m.get(e.from) ?? new Set<PositionState>();
    to.add(e.to);
    m.set(e.from, to);
  }
  return m;
})();

export const POSITION_STATES: readonly PositionState[] = [
  'pending_open',
  'open',
  'rebalancing',
  'closing',
  'closed',
  'unwinding',
  'failed',
];

/** Final states: no edge leaves them. */
export function isTerminal(state: PositionState): boolean {
  return (EDGES.get(state)?.size ?? 0) === 0;
}

export function canTransition(from: PositionState, to: PositionState): boolean {
  return EDGES.get(from)?.has(to) ?? false;
}

/**
 * Checks one state change and returns the new state; throws a CarryError (CARRY_INTERNAL, stop)
 * naming both states when the table has no such edge.
 */
export function transition(from: PositionState, to: PositionState, positionId?: string): PositionState {
  if (canTransition(from, to)) return to;
  const allowed = [...(EDGES.get(from) ?? [])];
  const who = positionId === undefined ? 'position' : `position ${positionId}`;
  throw new CarryError(
    'CARRY_INTERNAL',
    'stop',
    `illegal transition of ${who}: ${from} → ${to} (from ${from} the table allows ${allowed.length === 0 ? 'nothing: it is final' : allowed.join(', ')})`,
  );
}
