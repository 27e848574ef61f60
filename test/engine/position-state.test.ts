import { describe, expect, it } from 'vitest';
import { CarryError } from '../../src/domain/errors.js';
import type { PositionState } from '../../src/domain/position.js';
import { canTransition, isTerminal, POSITION_STATES, POSITION_TRANSITIONS, transition } from '../../src/engine/position-state.js';

/** The lifecycle as the issue describes it, written out by hand (not read from the table). */
const ALLOWED = new Set([
  'pending_open→open',
  'pending_open→unwinding',
  'pending_open→failed',
  'open→rebalancing',
  'open→closing',
  'rebalancing→open',
  'rebalancing→closing',
  'closing→closed',
  'unwinding→failed',
]);

const STATES: PositionState[] = ['pending_open', 'open', 'rebalancing', 'closing', 'closed', 'unwinding', 'failed'];
const PAIRS = STATES.flatMap((from) => STATES.map((to) => ({ from, to, allowed: ALLOWED.has(`${from}→${to}`) })));

describe('position transition table: every pair', () => {
  it('covers all 7 states', () => {
    expect([...POSITION_STATES].sort()).toEqual([...STATES].sort());
    expect(PAIRS).toHaveLength(49);
  });

  it.each(PAIRS.filter((p) => p.allowed))('$from → $to is allowed', ({ from, to }) => {
    expect(canTransition(from, to)).toBe(true);
    expect(transition(from, to)).toBe(to);
  });

  it.each(PAIRS.filter((p) => !p.allowed))('$from → $to is refused, naming both states', ({ from, to }) => {
    expect(canTransition(from, to)).toBe(false);
    let err: unknown;
    try {
      transition(from, to, 'pos-1');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CarryError);
    expect(err).toMatchObject({ code: 'CARRY_INTERNAL', action: 'stop' });
    expect((err as Error).message).toContain(`position pos-1: ${from} → ${to}`);
  });

  it('every edge says why it exists', () => {
    expect(POSITION_TRANSITIONS).toHaveLength(ALLOWED.size);
    for (const e of POSITION_TRANSITIONS) expect(e.why.length).toBeGreaterThan(10);
  });

  it('closed and failed are final, and the message says so', () => {
    expect(STATES.filter(isTerminal).sort()).toEqual(['closed', 'failed']);
    expect(() => transition('closed', 'open')).toThrow(/from closed the table allows nothing: it is final/);
    expect(() => transition('open', 'closed')).toThrow(/from open the table allows rebalancing, closing/);
  });
});
