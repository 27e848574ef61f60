/**
 * The execution edge: paper (simulated fills walking the real book) and, later, live (ccxt
 * orders with the user's keys) implement the same port. "Paper" is an adapter, never an
 * `if (dryRun)` inside the live one.
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
}

export interface OrderResult {
  readonly clientOrderId: string;
  readonly orderId: string;
  readonly status: 'filled' | 'partial' | 'unfilled' | 'rejected';
  /** Sum of fill amounts: what actually traded, the only quantity the ledger stores. */
  readonly filledAmount: number;
  readonly avgPrice: number | null;
  readonly fills: readonly ExecutedFill[];
  /** Why an order was rejected or not (fully) filled, for the audit trail. */
  readonly reason: string | null;
  /** Clock time the venue acknowledged the order (after latency). */
  readonly ts: number;
}

export interface ExecutionPort {
  /** IOC limit: fills what the book offers up to the limit, cancels the rest. Never throws for a
   *  venue refusal: that is status 'rejected' with a reason. Throws CarryError for transport faults. */
  placeIoc(req: OrderRequest): Promise<OrderResult>;
}
