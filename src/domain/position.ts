/**
 * Positions and their lifecycle. A position is two legs on one venue: spot and perp.
 * State moves only through POSITION_TRANSITIONS (src/engine/position-state.ts); anything
 * else is an error, never a silent overwrite.
 */
import type { Direction } from './opportunity.js';
import type { Settlement, VenueId } from './market.js';

export type PositionState =
  | 'pending_open' // legs being placed
  | 'open' // both legs on, hedged
  | 'rebalancing' // a corrective order is being placed
  | 'closing' // both legs being taken off
  | 'closed' // flat, final
  | 'unwinding' // leg two failed: taking leg one back off
  | 'failed'; // could not open (nothing or everything unwound), final

export type LegKind = 'spot' | 'perp';
export type OrderSide = 'buy' | 'sell';

/** Why an order exists: every order belongs to one step of a position's life. */
export type OrderPurpose = 'open' | 'hedge' | 'unwind' | 'close' | 'rebalance';

export interface PositionSpec {
  readonly positionId: string;
  readonly venue: VenueId;
  readonly base: string;
  readonly quote: string;
  readonly direction: Direction;
  readonly spotSymbol: string;
  readonly perpSymbol: string;
  readonly settlement: Settlement;
  /** ccxt contract size of the perp (base per contract linear, USD per contract inverse). */
  readonly contractSize: number;
  /** Currency funding and perp P&L settle in (USDT, or the coin for inverse). */
  readonly settle: string;
  /** Funding interval at entry; settlements follow the venue's own schedule afterwards. */
  readonly intervalHours: number;
  readonly continuousFunding: boolean;
}

/** Quantities of a position as the ledger knows them: filled, never requested. */
export interface PositionHoldings {
  /** Signed spot base quantity (long > 0). */
  readonly spotQty: number;
  /** Signed perp contracts (short < 0), in contracts (q in docs accounting). */
  readonly perpContracts: number;
}
