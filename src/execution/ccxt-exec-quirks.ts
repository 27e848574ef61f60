/**
 * How each venue names and finds an order by client id through ccxt 4.5.84, as data: the
 * execution adapter branches on these entries, never on the venue's name. Each entry was read off
 * node_modules/ccxt/js/src/<id>.js (function named) and checked against the request ccxt sends
 * (test/execution/ccxt-execution.test.ts asserts the wire requests for binance and bybit).
 */
import type { Exchange } from 'ccxt';

/** How an order is asked for (and cancelled) by client id. */
export type LookupKind =
  /**
   * fetchOrder / cancelOrder(undefined, symbol, { clientOrderId }): binance sends
   * origClientOrderId (binance.js fetchOrder, cancelOrder), okx clOrdId (okx.js fetchOrder).
   */
  | 'clientOrderIdParam'
  /**
   * Bybit: fetchOrder needs an order id (with no match it throws a TypeError on `id.toString()`,
   * bybit.js fetchOrder), so the same /v5/order/realtime query is made through fetchOpenOrders
   * with `orderLinkId` (UTA: it also lists the last 500 closed orders), then /v5/order/history
   * through fetchCanceledAndClosedOrders; cancelOrder(undefined, symbol, { orderLinkId }).
   */
  | 'bybitOrderLists'
  /**
   * Deribit: ccxt's fetchOrder takes only an order id; private/get_order_state_by_label and
   * private/cancel_by_label (implicit API, deribit.js describe) take the label and a currency.
   * Unverified against the live venue.
   */
  | 'deribitLabel';

export interface ExecQuirks {
  /** createOrder param that carries carry's client id. */
  readonly createParam: 'clientOrderId' | 'label';
  readonly lookup: LookupKind;
  /**
   * How an order's fills are fetched. 'myTradesOrderId': fetchMyTrades(symbol, …, { orderId })
   * (binance: fetchOrderTrades is spot-only, binance.js L9045; /fapi/v1/userTrades takes orderId);
   * 'orderTrades': fetchOrderTrades(id, symbol) (bybit execution/list orderId, okx fills-history
   * ordId, deribit get_user_trades_by_order).
   */
  readonly trades: 'myTradesOrderId' | 'orderTrades';
  /**
   * A create error meaning "this client id already exists" (ccxt maps them to InvalidOrder, so
   * only the venue's code or message tells): binance -4116 DUPLICATED_CLIENT_ORDER_ID (fapi) and
   * spot -2010 "Duplicate order sent."; bybit 110072 "OrderLinkedID is duplicate"; okx 51016.
   * null: the venue does not enforce unique client ids (Deribit labels).
   */
  readonly duplicate: RegExp | null;
  /**
   * Longest delay after which the venue still accepts a signed request (ms). 'ccxt': the
   * instance's options.recvWindow (binance 10 s, bybit 5 s, sent with every private request);
   * a number: documented by the venue (okx 50102 "Timestamp request expired": 30 s,
   * unverified); null: no such window known, so "never reached" is never concluded here.
   */
  readonly receiveWindow: 'ccxt' | number | null;
  /** fetchOpenOrders calls covering every market type carry trades, when no symbol is given. */
  readonly openOrderScopes: readonly Readonly<Record<string, unknown>>[];
  /** ccxt instance options execution needs (merged one level deep into exchange.options). */
  readonly options?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

const BINANCE: ExecQuirks = {
  createParam: 'clientOrderId',
  lookup: 'clientOrderIdParam',
  trades: 'myTradesOrderId',
  duplicate: /"code":\s*-4116|Duplicate order sent/i,
  receiveWindow: 'ccxt',
  // One call per API (spot, fapi). Without a symbol ccxt refuses unless told the heavier weight
  // (spot 10×, futures 40×) is accepted: reconciliation runs this once at start.
  openOrderScopes: [{ type: 'spot' }, { type: 'swap', subType: 'linear' }],
  options: { fetchOpenOrders: { warnWithoutSymbol: false } },
};

export const EXEC_QUIRKS: Readonly<Record<string, ExecQuirks>> = {
  binance: BINANCE,
  binanceusdm: { ...BINANCE, openOrderScopes: [{}] },
  bybit: {
    createParam: 'clientOrderId', // bybit.js createOrderRequest → orderLinkId
    lookup: 'bybitOrderLists',
    trades: 'orderTrades',
    duplicate: /110072|OrderLinkedID is duplicate/i,
    receiveWindow: 'ccxt',
    // linear without a symbol: ccxt adds settleCoin = options.defaultSettle (USDT).
    openOrderScopes: [{ type: 'spot' }, { type: 'swap', subType: 'linear' }],
  },
  okx: {
    createParam: 'clientOrderId', // okx.js createOrderRequest → clOrdId
    lookup: 'clientOrderIdParam',
    trades: 'orderTrades',
    duplicate: /51016|Duplicated client order ID|Duplicated clOrdId/i,
    receiveWindow: 30_000,
    openOrderScopes: [{}],
  },
  deribit: {
    createParam: 'label', // deribit.js createOrder: params.label, max 64
    lookup: 'deribitLabel',
    trades: 'orderTrades',
    duplicate: null,
    receiveWindow: null,
    openOrderScopes: [{}],
  },
};

/** Anything else: ccxt's unified names, no known receive window (safest: never conclude). */
export const GENERIC_EXEC_QUIRKS: ExecQuirks = {
  createParam: 'clientOrderId',
  lookup: 'clientOrderIdParam',
  trades: 'orderTrades',
  duplicate: /duplicate/i,
  receiveWindow: null,
  openOrderScopes: [{}],
};

export function execQuirks(ccxtId: string): ExecQuirks {
  return EXEC_QUIRKS[ccxtId] ?? GENERIC_EXEC_QUIRKS;
}

/** The venue's receive window in ms (null: none known), never shorter than carry's setting. */
export function receiveWindowMs(q: ExecQuirks, exchange: Pick<Exchange, 'options'>, configured: number): number | null {
  if (q.receiveWindow === null) return null;
  const venue = q.receiveWindow === 'ccxt' ? (exchange.options as Record<string, unknown>)['recvWindow'] : q.receiveWindow;
  // A venue window longer than carry's setting wins: concluding early could book a live order as never placed.
  return typeof venue === 'number' && Number.isFinite(venue) ? Math.max(configured, venue) : configured;
}

/** Applies q.options to the instance (idempotent; other options are left as they are). */
export function applyExecOptions(q: ExecQuirks, exchange: Pick<Exchange, 'options'>): void {
  const opts = exchange.options as Record<string, unknown>;
  for (const [k, v] of Object.entries(q.options ?? {})) {
    const cur = opts[k];
    opts[k] = { ...(typeof cur === 'object' && cur !== null ? cur : {}), ...v };
  }
}
