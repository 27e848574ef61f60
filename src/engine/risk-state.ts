/**
 * The trading state machine (NautilusTrader's TradingState): active / reducing / halted, moved
 * only through the table below. Pure: the engine records each change as a `risk.state` event.
 *
 * Besides the state, the status keeps the set of reducing causes that currently hold, because
 * two can hold at once (a day's loss limit and a venue that stopped answering) and clearing one
 * must not reopen trading while the other still holds.
 *
 * user_resume clears every cause: it is the human saying "trade again". A condition that still
 * holds is raised again at the engine's next evaluation (see triggersFor), so a resume overrides
 * a cause that went away unnoticed but never a limit that is still exceeded.
 *
 * A transition the table forbids is returned as a value ('illegal' with the reason), never
 * thrown: it answers a user request (`carry resume` while active) rather than signalling a bug.
 */
import type { RiskStateChanged } from '../domain/events.js';
import type { ReducingCause, RiskTrigger, TradingState } from '../domain/risk.js';
import { REDUCING_CAUSES } from '../domain/risk.js';

export type { ReducingCause, RiskTrigger, TradingState } from '../domain/risk.js';

export interface RiskStatus {
  readonly state: TradingState;
  /** Reducing causes that hold, in REDUCING_CAUSES order (also kept while halted). */
  readonly causes: readonly ReducingCause[];
}

export const INITIAL_RISK_STATUS: RiskStatus = { state: 'active', causes: [] };

/** How a trigger acts, whatever the state. */
type Effect = { readonly kind: 'raise'; readonly cause: ReducingCause } | { readonly kind: 'clear'; readonly cause: ReducingCause } | { readonly kind: 'halt' } | { readonly kind: 'resume' };

export const TRIGGER_EFFECTS: Readonly<Record<RiskTrigger, Effect>> = {
  daily_loss_limit: { kind: 'raise', cause: 'daily_loss_limit' },
  liquidation_distance: { kind: 'raise', cause: 'liquidation_distance' },
  leverage: { kind: 'raise', cause: 'leverage' },
  venue_unreachable: { kind: 'raise', cause: 'venue_unreachable' },
  loss_window_reset: { kind: 'clear', cause: 'daily_loss_limit' },
  liquidation_distance_restored: { kind: 'clear', cause: 'liquidation_distance' },
  leverage_restored: { kind: 'clear', cause: 'leverage' },
  venue_reachable: { kind: 'clear', cause: 'venue_unreachable' },
  reconcile_mismatch: { kind: 'halt' },
  kill: { kind: 'halt' },
  user_resume: { kind: 'resume' },
};

/**
 * Target state per (state, effect). 'by_causes': active once no cause is left, reducing otherwise.
 * An 'illegal' cell carries the reason the request is refused.
 */
type Cell = TradingState | 'by_causes' | { readonly illegal: string };

export const RISK_TABLE: Readonly<Record<TradingState, Readonly<Record<Effect['kind'], Cell>>>> = {
  active: { raise: 'reducing', clear: 'active', halt: 'halted', resume: { illegal: 'trading is already active: nothing to resume' } },
  reducing: { raise: 'reducing', clear: 'by_causes', halt: 'halted', resume: 'active' },
  // Only a human leaves halted: causes are still tracked so the record says what else holds.
  halted: { raise: 'halted', clear: 'halted', halt: 'halted', resume: 'active' },
};

export type RiskStep =
  /** The state changed: record a risk.state event. */
  | { readonly kind: 'moved'; readonly from: TradingState; readonly to: TradingState; readonly trigger: RiskTrigger; readonly status: RiskStatus }
  /** Same state, different causes (a second cause raised, one of two cleared): record it too, a restart needs the causes. */
  | { readonly kind: 'updated'; readonly from: TradingState; readonly to: TradingState; readonly trigger: RiskTrigger; readonly status: RiskStatus }
  /** Nothing changed (a cause raised twice, kill while halted): record nothing. */
  | { readonly kind: 'unchanged'; readonly trigger: RiskTrigger; readonly status: RiskStatus }
  /** Forbidden by the table: the status is unchanged, the reason says why. */
  | { readonly kind: 'illegal'; readonly from: TradingState; readonly trigger: RiskTrigger; readonly reason: string; readonly status: RiskStatus };

function withCause(causes: readonly ReducingCause[], effect: Effect): readonly ReducingCause[] {
  if (effect.kind === 'resume') return [];
  if (effect.kind === 'halt') return causes;
  const set = new Set(causes);
  if (effect.kind === 'raise') set.add(effect.cause);
  else set.delete(effect.cause);
  return REDUCING_CAUSES.filter((c) => set.has(c));
}

const sameCauses = (a: readonly ReducingCause[], b: readonly ReducingCause[]): boolean => a.length === b.length && a.every((c, i) => c === b[i]);

/** One step of the machine. */
export function riskTransition(status: RiskStatus, trigger: RiskTrigger): RiskStep {
  const effect = TRIGGER_EFFECTS[trigger];
  const cell = RISK_TABLE[status.state][effect.kind];
  if (typeof cell === 'object') return { kind: 'illegal', from: status.state, trigger, reason: cell.illegal, status };
  const causes = withCause(status.causes, effect);
  const to: TradingState = cell === 'by_causes' ? (causes.length === 0 ? 'active' : 'reducing') : cell;
  const next: RiskStatus = { state: to, causes };
  if (to !== status.state) return { kind: 'moved', from: status.state, to, trigger, status: next };
  if (!sameCauses(causes, status.causes)) return { kind: 'updated', from: status.state, to, trigger, status: next };
  return { kind: 'unchanged', trigger, status };
}

/** Triggers in order: each applied to the status the previous one left. */
export function riskTransitions(status: RiskStatus, triggers: readonly RiskTrigger[]): readonly RiskStep[] {
  const steps: RiskStep[] = [];
  let s = status;
  for (const t of triggers) {
    const step = riskTransition(s, t);
    steps.push(step);
    s = step.status;
  }
  return steps;
}

const RAISE: Readonly<Record<ReducingCause, RiskTrigger>> = {
  daily_loss_limit: 'daily_loss_limit',
  liquidation_distance: 'liquidation_distance',
  leverage: 'leverage',
  venue_unreachable: 'venue_unreachable',
};
const CLEAR: Readonly<Record<ReducingCause, RiskTrigger>> = {
  daily_loss_limit: 'loss_window_reset',
  liquidation_distance: 'liquidation_distance_restored',
  leverage: 'leverage_restored',
  venue_unreachable: 'venue_reachable',
};

/**
 * The edges between what the status says holds and what the engine observes now: a raise for
 * each cause observed but not held, a clear for each held but no longer observed. A cause the
 * caller did not evaluate this time (absent from `observed`) is left as it is.
 */
export function triggersFor(status: RiskStatus, observed: Partial<Readonly<Record<ReducingCause, boolean>>>): readonly RiskTrigger[] {
  const out: RiskTrigger[] = [];
  for (const c of REDUCING_CAUSES) {
    const now = observed[c];
    if (now === undefined) continue;
    const held = status.causes.includes(c);
    if (now && !held) out.push(RAISE[c]);
    if (!now && held) out.push(CLEAR[c]);
  }
  return out;
}

/** The ledger event for a step, or null when there is nothing to record (unchanged, illegal). */
export function riskStateEvent(step: RiskStep, ts: number, reason: string): RiskStateChanged | null {
  if (step.kind !== 'moved' && step.kind !== 'updated') return null;
  return { type: 'risk.state', ts, from: step.from, to: step.to, trigger: step.trigger, reason, causes: step.status.causes };
}
