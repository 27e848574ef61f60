/** The trading state machine: every (state, trigger) cell, the causes it keeps, and the edges triggersFor finds. */
import { describe, expect, it } from 'vitest';
import { REDUCING_CAUSES, RISK_TRIGGERS, TRADING_STATES, type ReducingCause, type RiskTrigger, type TradingState } from '../../src/domain/risk.js';
import {
  INITIAL_RISK_STATUS,
  riskStateEvent,
  riskTransition,
  riskTransitions,
  triggersFor,
  type RiskStatus,
  type RiskStep,
} from '../../src/engine/risk-state.js';
import { validateEvent } from '../../src/store/event-schema.js';

const active: RiskStatus = INITIAL_RISK_STATUS;
const reducing = (...causes: ReducingCause[]): RiskStatus => ({ state: 'reducing', causes });
const halted = (...causes: ReducingCause[]): RiskStatus => ({ state: 'halted', causes });

type Expect = [RiskStep['kind'], TradingState, readonly ReducingCause[]];

// [from, trigger, step kind, to, causes after]
const TABLE: [string, RiskStatus, RiskTrigger, Expect][] = [
  // active
  ['active: a day loss reduces', active, 'daily_loss_limit', ['moved', 'reducing', ['daily_loss_limit']]],
  ['active: liquidation distance reduces', active, 'liquidation_distance', ['moved', 'reducing', ['liquidation_distance']]],
  ['active: leverage reduces', active, 'leverage', ['moved', 'reducing', ['leverage']]],
  ['active: a venue down reduces', active, 'venue_unreachable', ['moved', 'reducing', ['venue_unreachable']]],
  ['active: kill halts', active, 'kill', ['moved', 'halted', []]],
  ['active: a reconcile mismatch halts', active, 'reconcile_mismatch', ['moved', 'halted', []]],
  ['active: a new UTC day changes nothing', active, 'loss_window_reset', ['unchanged', 'active', []]],
  ['active: a venue back changes nothing', active, 'venue_reachable', ['unchanged', 'active', []]],
  ['active: resume is refused', active, 'user_resume', ['illegal', 'active', []]],
  // reducing
  ['reducing: its cause clears', reducing('daily_loss_limit'), 'loss_window_reset', ['moved', 'active', []]],
  ['reducing: leverage restored', reducing('leverage'), 'leverage_restored', ['moved', 'active', []]],
  ['reducing: distance restored', reducing('liquidation_distance'), 'liquidation_distance_restored', ['moved', 'active', []]],
  ['reducing: venue back', reducing('venue_unreachable'), 'venue_reachable', ['moved', 'active', []]],
  ['reducing: one of two causes clears', reducing('daily_loss_limit', 'venue_unreachable'), 'venue_reachable', ['updated', 'reducing', ['daily_loss_limit']]],
  ['reducing: another cause clearing is not this one', reducing('leverage'), 'loss_window_reset', ['unchanged', 'reducing', ['leverage']]],
  ['reducing: a second cause is kept, in order', reducing('venue_unreachable'), 'daily_loss_limit', ['updated', 'reducing', ['daily_loss_limit', 'venue_unreachable']]],
  ['reducing: the same cause again', reducing('leverage'), 'leverage', ['unchanged', 'reducing', ['leverage']]],
  ['reducing: kill halts, causes kept', reducing('leverage'), 'kill', ['moved', 'halted', ['leverage']]],
  ['reducing: reconcile mismatch halts', reducing('leverage'), 'reconcile_mismatch', ['moved', 'halted', ['leverage']]],
  ['reducing: resume overrides every cause', reducing('leverage', 'venue_unreachable'), 'user_resume', ['moved', 'active', []]],
  // halted
  ['halted: kill again is idempotent', halted(), 'kill', ['unchanged', 'halted', []]],
  ['halted: a cause raised is recorded, still halted', halted(), 'daily_loss_limit', ['updated', 'halted', ['daily_loss_limit']]],
  ['halted: a cause clearing does not leave halted', halted('daily_loss_limit'), 'loss_window_reset', ['updated', 'halted', []]],
  ['halted: resume → active', halted(), 'user_resume', ['moved', 'active', []]],
  ['halted: resume clears held causes too', halted('venue_unreachable'), 'user_resume', ['moved', 'active', []]],
];

describe('riskTransition: the table', () => {
  it.each(TABLE)('%s', (_name, from, trigger, [kind, to, causes]) => {
    const step = riskTransition(from, trigger);
    expect(step.kind).toBe(kind);
    expect(step.status).toEqual({ state: to, causes });
    if (step.kind === 'moved' || step.kind === 'updated') expect([step.from, step.to, step.trigger]).toEqual([from.state, to, trigger]);
  });

  it('an illegal step is a value with a reason, and leaves the status as it was', () => {
    const step = riskTransition(active, 'user_resume');
    expect(step).toEqual({ kind: 'illegal', from: 'active', trigger: 'user_resume', reason: 'trading is already active: nothing to resume', status: active });
  });

  it('halted is left by user_resume and by nothing else, whatever causes it holds', () => {
    for (const causes of [[], ['leverage'], [...REDUCING_CAUSES]] as ReducingCause[][]) {
      for (const t of RISK_TRIGGERS) {
        const to = riskTransition({ state: 'halted', causes }, t).status.state;
        expect([t, to]).toEqual([t, t === 'user_resume' ? 'active' : 'halted']);
      }
    }
  });

  it('invariants over every cell: active holds no cause, reducing holds one at least, causes stay distinct and ordered', () => {
    const statuses: RiskStatus[] = [active, reducing('leverage'), reducing('daily_loss_limit', 'venue_unreachable'), halted(), halted('leverage')];
    for (const s of statuses) {
      for (const t of RISK_TRIGGERS) {
        const n = riskTransition(s, t).status;
        if (n.state === 'active') expect(n.causes).toEqual([]);
        if (n.state === 'reducing') expect(n.causes.length).toBeGreaterThan(0);
        expect(n.causes).toEqual(REDUCING_CAUSES.filter((c) => n.causes.includes(c)));
        expect(TRADING_STATES).toContain(n.state);
      }
    }
  });

  it('never mutates the status it is given', () => {
    const s = Object.freeze({ state: 'reducing' as const, causes: Object.freeze(['leverage'] as ReducingCause[]) });
    expect(() => RISK_TRIGGERS.forEach((t) => riskTransition(s, t))).not.toThrow();
    expect(s).toEqual({ state: 'reducing', causes: ['leverage'] });
  });
});

describe('riskTransitions: a day in sequence', () => {
  it('loss limit, venue down, new day, venue back, kill, resume', () => {
    const steps = riskTransitions(active, ['daily_loss_limit', 'venue_unreachable', 'loss_window_reset', 'venue_reachable', 'kill', 'user_resume', 'user_resume']);
    expect(steps.map((s) => [s.kind, s.status.state])).toEqual([
      ['moved', 'reducing'],
      ['updated', 'reducing'],
      ['updated', 'reducing'],
      ['moved', 'active'],
      ['moved', 'halted'],
      ['moved', 'active'],
      ['illegal', 'active'],
    ]);
  });
});

describe('triggersFor: edges between what is held and what is observed', () => {
  const cases: [string, RiskStatus, Partial<Record<ReducingCause, boolean>>, RiskTrigger[]][] = [
    ['nothing observed, nothing held', active, {}, []],
    ['a limit newly exceeded', active, { daily_loss_limit: true, leverage: false }, ['daily_loss_limit']],
    ['a limit still exceeded is not raised twice', reducing('daily_loss_limit'), { daily_loss_limit: true }, []],
    ['a cause gone clears it', reducing('leverage', 'venue_unreachable'), { leverage: false, venue_unreachable: true }, ['leverage_restored']],
    ['a cause not evaluated this time is left alone', reducing('venue_unreachable'), { leverage: false }, []],
    ['after a resume a limit still exceeded is raised again', active, { daily_loss_limit: true, liquidation_distance: true }, ['daily_loss_limit', 'liquidation_distance']],
    ['the day rolls over', halted('daily_loss_limit'), { daily_loss_limit: false }, ['loss_window_reset']],
  ];
  it.each(cases)('%s', (_name, status, observed, expected) => {
    expect(triggersFor(status, observed)).toEqual(expected);
  });

  it('applying its triggers makes the status hold exactly what was observed', () => {
    const observed = { daily_loss_limit: false, liquidation_distance: true, leverage: true, venue_unreachable: false };
    const steps = riskTransitions(reducing('daily_loss_limit', 'venue_unreachable'), triggersFor(reducing('daily_loss_limit', 'venue_unreachable'), observed));
    expect(steps.at(-1)?.status).toEqual(reducing('liquidation_distance', 'leverage'));
  });
});

describe('riskStateEvent', () => {
  it('records moves and cause updates as events the ledger accepts, nothing for unchanged or illegal', () => {
    const moved = riskStateEvent(riskTransition(active, 'daily_loss_limit'), 1_000, 'daily loss 512.30 at or over risk.dailyLossLimit 500');
    expect(moved).toEqual({
      type: 'risk.state',
      ts: 1_000,
      from: 'active',
      to: 'reducing',
      trigger: 'daily_loss_limit',
      reason: 'daily loss 512.30 at or over risk.dailyLossLimit 500',
      causes: ['daily_loss_limit'],
    });
    expect(() => validateEvent(moved, 'event')).not.toThrow();
    const updated = riskStateEvent(riskTransition(reducing('leverage'), 'venue_unreachable'), 2_000, 'okx down');
    expect(updated).toMatchObject({ from: 'reducing', to: 'reducing', causes: ['leverage', 'venue_unreachable'] });
    expect(riskStateEvent(riskTransition(halted(), 'kill'), 3_000, 'again')).toBeNull();
    expect(riskStateEvent(riskTransition(active, 'user_resume'), 3_000, 'x')).toBeNull();
  });
});
