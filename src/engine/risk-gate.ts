/**
 * The risk gate every action passes before execution (NautilusTrader style): a trading state
 * and notional caps per position, per venue and in total. Pure. A denial is a value with a
 * reason, recorded by the engine, never a silent drop.
 */
import type { RiskConfig } from '../config/schema.js';
import type { VenueId } from '../domain/market.js';

/** active: everything allowed; reducing: only closes; halted: nothing (kill switch). */
export type TradingState = 'active' | 'reducing' | 'halted';

export interface Exposure {
  readonly venue: VenueId;
  /** Notional of an open position in quote currency. */
  readonly notional: number;
}

export type GateBound = 'requested' | 'position_cap' | 'venue_cap' | 'total_cap';

export type GateDecision =
  | { readonly allow: true; readonly notional: number; readonly bound: GateBound }
  | { readonly allow: false; readonly reason: string };

export function gateOpen(state: TradingState, caps: RiskConfig, venue: VenueId, requested: number, open: readonly Exposure[]): GateDecision {
  if (state !== 'active') return { allow: false, reason: `trading state is ${state}: no new positions` };
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
  if (best[1] <= 0) {
    const what = best[0] === 'venue_cap' ? `venue cap ${caps.maxVenueNotional} on ${venue}` : `total cap ${caps.maxTotalNotional}`;
    return { allow: false, reason: `${what} reached (open: ${best[0] === 'venue_cap' ? onVenue.toFixed(2) : total.toFixed(2)})` };
  }
  return { allow: true, notional: best[1], bound: best[0] };
}

export function gateClose(state: TradingState): GateDecision {
  if (state === 'halted') return { allow: false, reason: 'trading state is halted: no orders' };
  return { allow: true, notional: 0, bound: 'requested' };
}
