/**
 * The risk gate every action passes before execution (NautilusTrader style): the trading state,
 * the day's loss, the new position's leverage and distance to liquidation, and notional caps per
 * position, per venue and in total. Pure. A denial is a value with a stable code, the limit and
 * the value that broke it, recorded by the engine (a `decision` deny), never a silent drop.
 *
 * Checks run in a fixed order (state, day loss, leverage, liquidation distance, caps) so the same
 * inputs always name the same reason: the account-wide refusals first, since they would refuse
 * any position, then the ones about this position.
 */
import type { RiskConfig } from '../config/schema.js';
import type { VenueId } from '../domain/market.js';
import type { GateCode, TradingState } from '../domain/risk.js';

export type { GateCode, TradingState } from '../domain/risk.js';

export interface Exposure {
  readonly venue: VenueId;
  /** Notional of an open position in quote currency. */
  readonly notional: number;
}

export type GateBound = 'requested' | 'position_cap' | 'venue_cap' | 'total_cap';

export interface GateDenial {
  readonly allow: false;
  readonly reason: string;
  readonly code: GateCode;
  /** The configured limit, in the check's unit (quote, ×, fraction); null for a trading-state refusal. */
  readonly limit: number | null;
  /** The value that broke it, same unit; null for a trading-state refusal. */
  readonly value: number | null;
}

export type GateDecision = { readonly allow: true; readonly notional: number; readonly bound: GateBound } | GateDenial;

/** The UTC day's booked results so far, quote currency (the caller sums them; see Ledger.pnlSince). */
export interface DayPnl {
  /** Realised P&L of reducing fills, signed. */
  readonly realised: number;
  /** Funding received (negative = paid). */
  readonly funding: number;
  /** Fees paid (positive = a cost, negative = net rebates). */
  readonly fees: number;
}

/** Measurements of the position about to open; a check whose input is absent is not run. */
export interface OpenChecks {
  /** The new position's perp leverage: perp notional / the collateral behind it. */
  readonly leverage?: number;
  /** The new perp's distance to liquidation, |liquidation − mark| / mark. */
  readonly liquidationDistance?: number;
  readonly day?: DayPnl;
  /**
   * The smallest position worth opening (e.g. strategy.minNotional): when a cap leaves less room
   * than this, the open is refused naming that cap instead of allowed at a size sizing would drop.
   */
  readonly minNotional?: number;
}

const deny = (code: GateCode, reason: string, limit: number | null, value: number | null): GateDenial => ({ allow: false, reason, code, limit, value });

const DAY_MS = 86_400_000;

/** 00:00 UTC of the day `ts` falls in: where the daily loss window starts (pass it to Ledger.pnlSince). */
export function utcDayStart(ts: number): number {
  return Math.floor(ts / DAY_MS) * DAY_MS;
}

/** Loss of the day as a positive number (a profit is a negative loss). */
export function dayLoss(day: DayPnl): number {
  return -(day.realised + day.funding - day.fees);
}

export function checkOpenState(state: TradingState): GateDenial | null {
  return state === 'active' ? null : deny('state', `trading state is ${state}: no new positions`, null, null);
}

export function checkDailyLoss(caps: Pick<RiskConfig, 'dailyLossLimit'>, day: DayPnl): GateDenial | null {
  const loss = dayLoss(day);
  if (loss < caps.dailyLossLimit) return null;
  const parts = `realised ${day.realised.toFixed(2)}, funding ${day.funding.toFixed(2)}, fees ${day.fees.toFixed(2)}`;
  return deny('daily_loss', `daily loss ${loss.toFixed(2)} at or over risk.dailyLossLimit ${caps.dailyLossLimit} (${parts}, UTC day)`, caps.dailyLossLimit, loss);
}

export function checkLeverage(caps: Pick<RiskConfig, 'maxLeverage'>, leverage: number): GateDenial | null {
  // Each check is written as "pass when within", so a NaN measurement refuses instead of passing.
  if (leverage <= caps.maxLeverage) return null;
  return deny('leverage', `leverage ${leverage.toFixed(2)} over risk.maxLeverage ${caps.maxLeverage}`, caps.maxLeverage, leverage);
}

export function checkLiquidationDistance(caps: Pick<RiskConfig, 'minLiquidationDistance'>, distance: number): GateDenial | null {
  if (distance >= caps.minLiquidationDistance) return null;
  return deny(
    'liquidation_distance',
    `liquidation distance ${distance.toFixed(3)} under risk.minLiquidationDistance ${caps.minLiquidationDistance}`,
    caps.minLiquidationDistance,
    distance,
  );
}

/** The account-wide and per-position checks of an open, in the gate's order; null when all pass. */
export function checkOpenRisk(state: TradingState, caps: RiskConfig, checks: OpenChecks): GateDenial | null {
  return (
    checkOpenState(state) ??
    (checks.day === undefined ? null : checkDailyLoss(caps, checks.day)) ??
    (checks.leverage === undefined ? null : checkLeverage(caps, checks.leverage)) ??
    (checks.liquidationDistance === undefined ? null : checkLiquidationDistance(caps, checks.liquidationDistance))
  );
}

const CAP_FIELD: Readonly<Record<Exclude<GateBound, 'requested'>, keyof RiskConfig>> = {
  position_cap: 'maxPositionNotional',
  venue_cap: 'maxVenueNotional',
  total_cap: 'maxTotalNotional',
};

export function gateOpen(
  state: TradingState,
  caps: RiskConfig,
  venue: VenueId,
  requested: number,
  open: readonly Exposure[],
  checks: OpenChecks = {},
): GateDecision {
  const refused = checkOpenRisk(state, caps, checks);
  if (refused !== null) return refused;
  const onVenue = open.filter((e) => e.venue === venue).reduce((s, e) => s + e.notional, 0);
  const total = open.reduce((s, e) => s + e.notional, 0);
  const room: [GateBound, number][] = [
    ['requested', requested],
    ['position_cap', caps.maxPositionNotional],
    ['venue_cap', caps.maxVenueNotional - onVenue],
    ['total_cap', caps.maxTotalNotional - total],
  ];
  let best = room[0] as (typeof room)[number];
  for (const r of room) if (r[1] < best[1]) best = r;
  const [bound, notional] = best;
  if (bound === 'requested') {
    // Not a cap at work but a caller asking for nothing: still a denial, never an allow of 0.
    if (!(notional > 0)) return deny('position_cap', `requested notional ${notional} is not positive`, caps.maxPositionNotional, notional);
    return { allow: true, notional, bound };
  }
  const field = CAP_FIELD[bound];
  const limit = caps[field];
  const used = bound === 'venue_cap' ? onVenue : bound === 'total_cap' ? total : 0;
  const where = bound === 'venue_cap' ? ` on ${venue}` : '';
  if (notional <= 0) {
    return deny(bound, `open notional ${used.toFixed(2)}${where} at risk.${field} ${limit}: cap reached`, limit, used);
  }
  if (checks.minNotional !== undefined && notional < checks.minNotional) {
    const what = bound === 'position_cap' ? `risk.${field} ${limit}` : `room ${notional.toFixed(2)} left under risk.${field} ${limit}${where} (open ${used.toFixed(2)})`;
    return deny(bound, `${what} is under the smallest position ${checks.minNotional}`, limit, bound === 'position_cap' ? limit : used);
  }
  return { allow: true, notional, bound };
}

export function gateClose(state: TradingState): GateDecision {
  if (state === 'halted') return deny('state', 'trading state is halted: no orders', null, null);
  return { allow: true, notional: 0, bound: 'requested' };
}

/** The fields of a `decision` deny event that carry a denial (code, limit, value, reason). */
export function denialRecord(d: GateDenial): { readonly code: GateCode; readonly limit: number | null; readonly value: number | null; readonly reason: string } {
  return { code: d.code, limit: d.limit, value: d.value, reason: d.reason };
}
