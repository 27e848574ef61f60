/**
 * The execution edge: paper (simulated fills walking the real book) and live (ccxt orders with
 * the user's keys) implement the same port. "Paper" is an adapter, never an `if (dryRun)` inside
 * the live one.
 *
 * Client order ids are the ledger's logical ids (`position:purpose:leg:attempt`, see
 * leg-executor.ts). A live adapter maps each to the venue's client-id field deterministically
 * (venues cap it at 36 characters), so the same logical order always carries the same venue id
 * and the venue itself refuses a second copy.
 */
import type { Market, VenueId } from '../domain/market.js';
import type { OrderSide } from '../domain/position.js';

export interface OrderRequest {
  /** Idempotent: a retry with the same id must not create a second order. */
  readonly clientOrderId: string;
  readonly venue: VenueId;
  readonly market: Market;
  readonly side: OrderSide;
  /** In the market's ccxt amount unit; rounded by the caller to the lot (see src/pricing/lots.ts). */
  readonly amount: number;
  /** IOC limit price, rounded by the caller to the tick. */
  readonly limitPrice: number;
  readonly reduceOnly: boolean;
}

export interface ExecutedFill {
  readonly price: number;
  /** In the market's ccxt amount unit. */
  readonly amount: number;
  readonly fee: number;
  readonly feeCurrency: string;
  readonly ts: number;
  /** The venue's trade id, when it gives one (live): fills are never booked twice under it. */
  readonly tradeId?: string;
}

export type FinalOrderStatus = 'filled' | 'partial' | 'unfilled' | 'rejected';

export interface OrderResult {
  readonly clientOrderId: string;
  /** The venue's own order id (paper: a deterministic sim id). */
  readonly orderId: string;
  readonly status: FinalOrderStatus;
  /** Sum of fill amounts: what actually traded, the only quantity the ledger stores. */
  readonly filledAmount: number;
  readonly avgPrice: number | null;
  readonly fills: readonly ExecutedFill[];
  /** Why an order was rejected or not (fully) filled, for the audit trail. */
  readonly reason: string | null;
  /** Clock time the venue acknowledged the order (after latency). */
  readonly ts: number;
}

/** Where to find one order: its venue, market and (logical) client id. */
export interface OrderRef {
  readonly venue: VenueId;
  readonly market: Market;
  readonly clientOrderId: string;
}

/**
 * The venue's view of one order. `open`: still resting or being matched (an IOC should never
 * stay so, but a venue that accepted it and then stopped answering can show it so); `final`:
 * done, with everything that filled.
 */
export type OrderLookup =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'open'; readonly orderId: string; readonly filledAmount: number }
  | { readonly kind: 'final'; readonly result: OrderResult };

/** An order the venue has open, whoever placed it (reconciliation reports strangers). */
export interface VenueOpenOrder {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly orderId: string;
  /** The venue's client-id field as it is there (null when the order has none). */
  readonly venueClientId: string | null;
  /** The logical client id when the venue id is one carry made (see clientIdFor), else null. */
  readonly clientOrderId: string | null;
  readonly side: OrderSide;
  readonly amount: number;
  readonly filledAmount: number;
  readonly price: number | null;
}

export interface ExecutionPort {
  /**
   * IOC limit: fills what the book offers up to the limit, cancels the rest. Never throws for a
   * venue refusal: that is status 'rejected' with a reason. A live adapter that loses the answer
   * (timeout, dropped connection) asks the venue for the client id, cancels the order if it is
   * still open and returns its final state; it throws a CarryError only when the venue's view
   * cannot be had within its timeout, and then the order's outcome is unknown until
   * `fetchOrder` (or reconciliation) says. It never sends the same client id twice unless the
   * venue has confirmed it never saw the first.
   */
  placeIoc(req: OrderRequest): Promise<OrderResult>;
  /** The venue's view of an order by client id. Throws CarryError when the venue does not answer. */
  fetchOrder(ref: OrderRef): Promise<OrderLookup>;
  /**
   * Cancels an order by client id if it is still open, then returns its final state ('unknown'
   * when the venue never saw it). Idempotent: cancelling a finished order returns it as it ended.
   */
  cancelOrder(ref: OrderRef): Promise<OrderLookup>;
  /** Orders open on a venue now (all symbols carry trades there, or only `symbols`). */
  openOrders(venue: VenueId, symbols?: readonly string[]): Promise<readonly VenueOpenOrder[]>;
}
