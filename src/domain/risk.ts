/**
 * The risk vocabulary shared by the engine (state machine, gate), the ledger (risk.state events,
 * denials) and reports: lists as const so the store's CHECK constraints and zod schemas are
 * built from the same words the code uses.
 */

/** active: everything allowed; reducing: only closes and corrections; halted: no orders at all (kill switch). */
export const TRADING_STATES = ['active', 'reducing', 'halted'] as const;
export type TradingState = (typeof TRADING_STATES)[number];

/**
 * Conditions that put trading in `reducing` while they hold. Several may hold at once: trading
 * returns to active only when the last one clears.
 */
export const REDUCING_CAUSES = ['daily_loss_limit', 'liquidation_distance', 'leverage', 'venue_unreachable'] as const;
export type ReducingCause = (typeof REDUCING_CAUSES)[number];

/**
 * What moves the trading state. Raising triggers are named after their cause; each has a clearing
 * trigger. kill and reconcile_mismatch halt; user_resume (a human, `carry resume`) is the only way
 * out of halted.
 */
export const RISK_TRIGGERS = [
  'daily_loss_limit',
  'liquidation_distance',
  'leverage',
  'venue_unreachable',
  'loss_window_reset',
  'liquidation_distance_restored',
  'leverage_restored',
  'venue_reachable',
  'reconcile_mismatch',
  'kill',
  'user_resume',
] as const;
export type RiskTrigger = (typeof RISK_TRIGGERS)[number];

/** Why the gate refused an order, as a stable code (decisions.deny_code). */
export const GATE_CODES = ['position_cap', 'venue_cap', 'total_cap', 'leverage', 'liquidation_distance', 'daily_loss', 'state'] as const;
export type GateCode = (typeof GATE_CODES)[number];
