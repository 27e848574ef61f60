/**
 * Settles orders whose outcome the ledger does not know: an order.submitted with no order.done,
 * left by a venue that stopped answering mid-protocol or by a process that died between sending
 * and hearing back. Nothing else may act on such a position until its orders are settled: an
 * unwind that trusted the ledger's holdings while a leg had in fact filled on the venue would
 * leave that leg unhedged.
 *
 * For each unsettled order, in submission order, the venue is asked for the client id:
 * - final there: its fills (as the venue reports them, never the requested amount) and its
 *   order.done are written, exactly as if the answer had come back in time;
 * - still open there (an IOC should never be, but a venue that accepted it and then stalled can
 *   show it so): it is cancelled first, then booked as it ended;
 * - unknown there: once `neverSeenAfterMs` has passed since it was sent (the venue refuses a
 *   request older than its receive window, so it can no longer arrive), it is done as 'unfilled'
 *   with the reason; before that it stays unsettled and is asked about again later;
 * - the venue does not answer: it stays unsettled (the caller retries; the position stays
 *   flagged).
 * The order's client id is never sent again as a new order here: settling only asks and cancels.
 */
import type { Clock } from '../domain/clock.js';
import { isCarryError } from '../domain/errors.js';
import type { LedgerEvent } from '../domain/events.js';
import type { Market, VenueId } from '../domain/market.js';
import type { ExecutionPort, OrderLookup, OrderResult } from '../execution/port.js';
import type { OrderRow } from '../store/rows.js';
import { fillEvent, type EventSink } from './leg-executor.js';

export interface SettlementDeps {
  readonly execution: Pick<ExecutionPort, 'fetchOrder' | 'cancelOrder'>;
  readonly clock: Clock;
  readonly sink: EventSink;
  /** The market an order was placed on (null when the venue's markets are not loaded). */
  readonly marketOf: (venue: VenueId, symbol: string) => Market | null;
  /** After this long since sending, an order the venue has no record of never reached it. */
  readonly neverSeenAfterMs: number;
}

export type SettledHow = 'final' | 'cancelled' | 'never_reached';

export interface SettlementReport {
  readonly settled: readonly { readonly order: OrderRow; readonly how: SettledHow; readonly status: OrderResult['status']; readonly filledAmount: number }[];
  /** Still unknown, with why (venue silent, too recent to call never-reached, markets missing). */
  readonly pending: readonly { readonly order: OrderRow; readonly why: string }[];
}

export async function settleUnknownOrders(deps: SettlementDeps, orders: readonly OrderRow[]): Promise<SettlementReport> {
  const settled: SettlementReport['settled'][number][] = [];
  const pending: SettlementReport['pending'][number][] = [];
  const open = orders.filter((o) => o.status === 'submitted').sort((a, b) => a.submittedAt - b.submittedAt);
  for (const order of open) {
    const market = deps.marketOf(order.venue, order.symbol);
    if (market === null) {
      pending.push({ order, why: `${order.venue} ${order.symbol}: markets not loaded` });
      continue;
    }
    const ref = { venue: order.venue, market, clientOrderId: order.clientOrderId };
    let look: OrderLookup;
    let how: SettledHow = 'final';
    try {
      look = await deps.execution.fetchOrder(ref);
      if (look.kind === 'open') {
        how = 'cancelled';
        look = await deps.execution.cancelOrder(ref);
      }
    } catch (e) {
      if (!isCarryError(e)) throw e;
      pending.push({ order, why: `${order.venue} did not answer (${e.code}: ${e.message})` });
      continue;
    }
    const now = deps.clock.now();
    if (look.kind === 'open') {
      pending.push({ order, why: `still open on ${order.venue} after a cancel` });
      continue;
    }
    if (look.kind === 'unknown') {
      const age = now - order.submittedAt;
      if (age < deps.neverSeenAfterMs) {
        pending.push({ order, why: `${order.venue} has no record of it yet (${age} ms after sending)` });
        continue;
      }
      deps.sink([
        {
          type: 'order.done',
          ts: now,
          orderId: order.orderId,
          positionId: order.positionId,
          status: 'unfilled',
          filledAmount: 0,
          reason: `settled: ${order.venue} has no record of ${order.clientOrderId} ${age} ms after it was sent, past its receive window: it never reached the venue`,
        },
      ]);
      settled.push({ order, how: 'never_reached', status: 'unfilled', filledAmount: 0 });
      continue;
    }
    const r = look.result;
    const base = { positionId: order.positionId, venue: order.venue };
    const events: LedgerEvent[] = r.fills.map((f, i) => fillEvent(market, order.leg, order.side, order.orderId, i, f, base));
    events.push({
      type: 'order.done',
      ts: Math.max(now, r.ts),
      orderId: order.orderId,
      positionId: order.positionId,
      status: r.status,
      filledAmount: r.filledAmount,
      reason: `settled after the answer was lost${how === 'cancelled' ? ' (cancelled: it was still open)' : ''}: ${r.reason ?? r.status}`,
      venueOrderId: r.orderId === '' ? null : r.orderId,
    });
    deps.sink(events);
    settled.push({ order, how, status: r.status, filledAmount: r.filledAmount });
  }
  return { settled, pending };
}
