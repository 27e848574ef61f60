/** What a strategy's pure decide() returns; the engine passes each through the risk gate. */
import type { Opportunity } from './opportunity.js';

/**
 * Why a position is closed, as a stable code for reports and the ledger (positions.exit_kind).
 * The funding signals (funding_negative, rate_below_exit) and better_opportunity wait for the
 * minimum hold; 'risk' and 'max_hold' never do.
 */
export const EXIT_KINDS = ['funding_negative', 'rate_below_exit', 'better_opportunity', 'max_hold', 'manual', 'risk'] as const;
export type ExitKind = (typeof EXIT_KINDS)[number];

/**
 * The risk rule behind an exit 'risk' (positions.exit_rule):
 *   margin       the perp's margin balance is gone: at or beyond liquidation at the mark
 *   liquidation  the perp is closer to liquidation than monitor.margin.floor
 *   drift        delta drift at or beyond monitor.drift.critical that no placeable order corrects
 *   halt         the engine asks for everything to be flattened (kill switch, a later issue)
 */
export const RISK_RULES = ['margin', 'liquidation', 'drift', 'halt'] as const;
export type RiskRule = (typeof RISK_RULES)[number];

/** A risk rule firing for a held position, with what was measured (for the close reason). */
export interface RiskSignal {
  readonly rule: RiskRule;
  readonly detail: string;
}

/** A close as the ledger records it: on the transition to closing and in the positions row. */
export interface ExitRecord {
  readonly kind: ExitKind;
  /** Set for kind 'risk' only. */
  readonly rule: RiskRule | null;
  /** The strategy's reason, without the kind prefix. */
  readonly reason: string;
}

export type Action =
  | {
      readonly kind: 'open';
      readonly opportunity: Opportunity;
      /** Notional (quote) the strategy wants; sizing may take less (depth, capital, caps, lots). */
      readonly notional: number;
      readonly reason: string;
    }
  | {
      readonly kind: 'close';
      readonly positionId: string;
      readonly reason: string;
      /** Why, as a stable code for reports. */
      readonly exit: Exclude<ExitKind, 'risk'>;
    }
  | {
      readonly kind: 'close';
      readonly positionId: string;
      readonly reason: string;
      readonly exit: 'risk';
      /** Which risk rule forced it. */
      readonly risk: RiskRule;
    };
