/**
 * Scripted private endpoints for Binance (spot + USDT-M) and Bybit v5, answered through the
 * fetchImplementation harness (test/support/ccxt-fixtures.ts), so real ccxt signs, parses and maps
 * errors. Each mini venue keeps the orders it "accepted" keyed by client id and answers lookups,
 * cancels and trade queries from them; what a create does (accept and answer, accept and lose
 * the answer, refuse) is decided by the test, per call.
 *
 * Payload provenance:
 * - Binance USDT-M order: the documented "New Order (TRADE)" / "Query Order (USER_DATA)" response
 *   (developers.binance.com, derivatives/usds-margined-futures/trade); userTrades rows: the real
 *   ccxt fixture response/binance.json fetchMyTrades "Swap private trade". Errors: documented
 *   {"code":…,"msg":…} bodies with HTTP 400 (-2013 "Order does not exist.", -2019 "Margin is
 *   insufficient.", -4116 "ClientOrderId is duplicated.").
 * - Binance spot order: documented FULL "New order (TRADE)" response (developers.binance.com,
 *   spot/rest-api/trading-endpoints); myTrades rows: ccxt fixture "Spot private trade".
 * - Bybit: create answer = ccxt fixture response/bybit.json createOrder; order rows = fixture
 *   fetchOrder "Spot sell closed order" / fetchOpenOrder "spot open order" row shape; execution
 *   rows = fixture fetchMyTrades "swap trades without symbol"; errors are bybit's HTTP 200
 *   envelopes with retCode (110007 insufficient balance, 110072 duplicate orderLinkId,
 *   110001 order does not exist: codes from bybit.js exceptions and the v5 error-code page).
 */
import { ROUTES, stubbedVenue, type Json, type Route, type RouteReply, type StubbedVenue, type StubRequest } from './ccxt-fixtures.js';

type Obj = Record<string, Json>;

/** What a create does, chosen by the test: accept (and keep) an order, then answer or not. */
export interface CreateScript {
  /** The order as the venue now holds it (null: the venue never saw the request). */
  readonly store: { readonly order: Obj; readonly trades: readonly Obj[] } | null;
  /** What the caller gets back: the venue's answer, an error, or nothing (hang). */
  readonly reply: RouteReply;
}

export class MiniVenue {
  /** venue client id → raw order row. */
  readonly orders = new Map<string, Obj>();
  /** venue order id → raw trade rows. */
  readonly trades = new Map<string, Obj[]>();
  /** Called on each create with the request's parameters. */
  onCreate: (p: URLSearchParams | Obj) => CreateScript = () => {
    throw new Error('test did not script the create');
  };
  /** Called before each lookup (e.g. to make a late order arrive); returns nothing. */
  beforeLookup: (n: number) => void = () => undefined;
  lookups = 0;

  keep(order: Obj, trades: readonly Obj[], clientKey: string, idKey: string): void {
    this.orders.set(String(order[clientKey]), order);
    this.trades.set(String(order[idKey]), [...trades]);
  }
}

const params = (req: StubRequest): URLSearchParams =>
  new URLSearchParams(req.body !== null && req.body.length > 0 ? req.body : req.url.search);

// ---------------------------------------------------------------------------------------------
// Binance
// ---------------------------------------------------------------------------------------------

export const binanceError = (code: number, msg: string): RouteReply => ({ status: 400, body: { code, msg } });

/** USDT-M order row (documented Query Order shape). */
export function binanceFapiOrder(o: { clientOrderId: string; orderId: number; status: string; side: 'BUY' | 'SELL'; origQty: string; executedQty: string; price: string; avgPrice: string; cumQuote?: string; reduceOnly?: boolean }): Obj {
  return {
    avgPrice: o.avgPrice,
    clientOrderId: o.clientOrderId,
    cumQuote: o.cumQuote ?? '0',
    executedQty: o.executedQty,
    orderId: o.orderId,
    origQty: o.origQty,
    origType: 'LIMIT',
    price: o.price,
    reduceOnly: o.reduceOnly ?? false,
    side: o.side,
    positionSide: 'BOTH',
    status: o.status,
    stopPrice: '0',
    closePosition: false,
    symbol: 'BTCUSDT',
    time: 1699972836419,
    timeInForce: 'IOC',
    type: 'LIMIT',
    activatePrice: '0',
    priceRate: '0',
    updateTime: 1699972836420,
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    priceMatch: 'NONE',
    selfTradePreventionMode: 'NONE',
    goodTillDate: 0,
  };
}

/** USDT-M userTrades row (fixture "Swap private trade" shape). */
export function binanceFapiTrade(t: { id: number; orderId: number; price: string; qty: string; commission: string; side?: 'BUY' | 'SELL'; commissionAsset?: string }): Obj {
  const quoteQty = (Number(t.price) * Number(t.qty)).toFixed(5);
  return { symbol: 'BTCUSDT', id: t.id, orderId: t.orderId, side: t.side ?? 'BUY', price: t.price, qty: t.qty, realizedPnl: '0', marginAsset: 'USDT', quoteQty, commission: t.commission, commissionAsset: t.commissionAsset ?? 'USDT', time: 1699972836419, positionSide: 'BOTH', maker: false, buyer: (t.side ?? 'BUY') === 'BUY' };
}

/** Spot FULL order answer (documented), with its fills. */
export function binanceSpotOrder(o: { clientOrderId: string; orderId: number; status: string; side: 'BUY' | 'SELL'; origQty: string; executedQty: string; price: string; cummulativeQuoteQty: string; fills: readonly Obj[] }): Obj {
  return {
    symbol: 'BTCUSDT',
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    transactTime: 1698138992358,
    price: o.price,
    origQty: o.origQty,
    executedQty: o.executedQty,
    origQuoteOrderQty: '0.00000000',
    cummulativeQuoteQty: o.cummulativeQuoteQty,
    status: o.status,
    timeInForce: 'IOC',
    type: 'LIMIT',
    side: o.side,
    workingTime: 1698138992358,
    selfTradePreventionMode: 'NONE',
    fills: o.fills as Json[],
  };
}

/** Spot myTrades row (fixture "Spot private trade" shape). */
export function binanceSpotTrade(t: { id: number; orderId: number; price: string; qty: string; commission: string; commissionAsset: string; isBuyer: boolean }): Obj {
  const quoteQty = (Number(t.price) * Number(t.qty)).toFixed(8);
  return { symbol: 'BTCUSDT', id: t.id, orderId: t.orderId, orderListId: -1, price: t.price, qty: t.qty, quoteQty, commission: t.commission, commissionAsset: t.commissionAsset, time: 1698138992358, isBuyer: t.isBuyer, isMaker: false, isBestMatch: true };
}

/** /fapi/v1/order and /api/v3/order (create, query, cancel) plus the trade lists, for one MiniVenue. */
export function binanceOrderRoutes(v: MiniVenue): Route[] {
  const create = (req: StubRequest): RouteReply => {
    const s = v.onCreate(params(req));
    if (s.store !== null) v.keep(s.store.order, s.store.trades, 'clientOrderId', 'orderId');
    return s.reply;
  };
  const query = (req: StubRequest): RouteReply => {
    v.beforeLookup(++v.lookups);
    const o = v.orders.get(params(req).get('origClientOrderId') ?? '');
    return o === undefined ? binanceError(-2013, 'Order does not exist.') : { body: o };
  };
  const cancel = (req: StubRequest): RouteReply => {
    const o = v.orders.get(params(req).get('origClientOrderId') ?? '');
    if (o === undefined) return binanceError(-2011, 'Unknown order sent.');
    if (o['status'] !== 'NEW' && o['status'] !== 'PARTIALLY_FILLED') return binanceError(-2011, 'Unknown order sent.');
    o['status'] = 'CANCELED';
    return { body: o };
  };
  const trades = (req: StubRequest): RouteReply => ({ body: v.trades.get(params(req).get('orderId') ?? '') ?? [] });
  return [
    { name: 'fapi create', path: '/fapi/v1/order', method: 'POST', reply: (_u, r) => create(r) },
    { name: 'fapi query', path: '/fapi/v1/order', method: 'GET', reply: (_u, r) => query(r) },
    { name: 'fapi cancel', path: '/fapi/v1/order', method: 'DELETE', reply: (_u, r) => cancel(r) },
    { name: 'fapi userTrades', path: '/fapi/v1/userTrades', reply: (_u, r) => trades(r) },
    { name: 'fapi openOrders', path: '/fapi/v1/openOrders', reply: () => ({ body: [...v.orders.values()].filter((o) => o['status'] === 'NEW' || o['status'] === 'PARTIALLY_FILLED') }) },
    { name: 'spot create', path: '/api/v3/order', method: 'POST', reply: (_u, r) => create(r) },
    { name: 'spot query', path: '/api/v3/order', method: 'GET', reply: (_u, r) => query(r) },
    { name: 'spot cancel', path: '/api/v3/order', method: 'DELETE', reply: (_u, r) => cancel(r) },
    { name: 'spot myTrades', path: '/api/v3/myTrades', reply: (_u, r) => trades(r) },
    { name: 'spot openOrders', path: '/api/v3/openOrders', reply: () => ({ body: [] }) },
  ];
}

// ---------------------------------------------------------------------------------------------
// Bybit v5
// ---------------------------------------------------------------------------------------------

const bybitOk = (result: Json): RouteReply => ({ body: { retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: 1710762931079 } });
export const bybitError = (retCode: number, retMsg: string): RouteReply => ({ body: { retCode, retMsg, result: {}, retExtInfo: {}, time: 1710762931079 } });

/** v5 order row (fixture fetchOrder/fetchOpenOrder row shape), linear BTCUSDT. */
export function bybitOrder(o: { orderLinkId: string; orderId: string; orderStatus: string; side: 'Buy' | 'Sell'; qty: string; cumExecQty: string; price: string; avgPrice: string; cumExecFee?: string; rejectReason?: string }): Obj {
  const leaves = (Number(o.qty) - Number(o.cumExecQty)).toFixed(3);
  return {
    symbol: 'BTCUSDT', orderType: 'Limit', orderLinkId: o.orderLinkId, slLimitPrice: '0', orderId: o.orderId, cancelType: 'UNKNOWN', avgPrice: o.avgPrice,
    stopOrderType: '', lastPriceOnCreated: '', orderStatus: o.orderStatus, takeProfit: '0', cumExecValue: (Number(o.avgPrice || '0') * Number(o.cumExecQty)).toFixed(4), smpType: 'None',
    triggerDirection: '0', blockTradeId: '', rejectReason: o.rejectReason ?? 'EC_NoError', isLeverage: '0', price: o.price, orderIv: '', createdTime: '1710762918390', tpTriggerBy: '',
    positionIdx: '0', timeInForce: 'IOC', leavesValue: '0', updatedTime: '1710762918391', side: o.side, smpGroup: '0', triggerPrice: '0', tpLimitPrice: '0',
    cumExecFee: o.cumExecFee ?? '0', slTriggerBy: '', leavesQty: o.orderStatus === 'New' || o.orderStatus === 'PartiallyFilled' ? leaves : '0', closeOnTrigger: false, placeType: '',
    cumExecQty: o.cumExecQty, reduceOnly: false, qty: o.qty, stopLoss: '0', marketUnit: '', smpOrderId: '', triggerBy: '',
  };
}

/** v5 execution row (fixture "swap trades without symbol" shape). */
export function bybitExecution(t: { execId: string; orderId: string; orderLinkId: string; execPrice: string; execQty: string; execFee: string; side?: 'Buy' | 'Sell'; feeCurrency?: string }): Obj {
  return {
    symbol: 'BTCUSDT', orderType: 'Limit', underlyingPrice: '', orderLinkId: t.orderLinkId, orderId: t.orderId, stopOrderType: 'UNKNOWN', execTime: '1710762918390',
    feeCurrency: t.feeCurrency ?? '', createType: 'CreateByUser', feeRate: '0.00055', tradeIv: '', blockTradeId: '', markPrice: t.execPrice, execPrice: t.execPrice, markIv: '',
    orderQty: t.execQty, orderPrice: t.execPrice, execValue: (Number(t.execPrice) * Number(t.execQty)).toFixed(4), closedSize: '0', execType: 'Trade', seq: '15961900053', side: t.side ?? 'Buy',
    indexPrice: '', leavesQty: '0', isMaker: false, execFee: t.execFee, execId: t.execId, marketUnit: '', execQty: t.execQty,
  };
}

const LIVE = new Set(['New', 'PartiallyFilled', 'Untriggered']);

export function bybitOrderRoutes(v: MiniVenue): Route[] {
  const body = (req: StubRequest): Obj => JSON.parse(req.body ?? '{}') as Obj;
  const list = (rows: Obj[]): RouteReply => bybitOk({ nextPageCursor: '', category: 'linear', list: rows });
  const byLink = (req: StubRequest): Obj | undefined => v.orders.get(req.url.searchParams.get('orderLinkId') ?? '');
  return [
    {
      name: 'create',
      path: '/v5/order/create',
      reply: (_u, req) => {
        const s = v.onCreate(body(req));
        if (s.store !== null) v.keep(s.store.order, s.store.trades, 'orderLinkId', 'orderId');
        return s.reply;
      },
    },
    {
      name: 'realtime (open + recent)',
      path: '/v5/order/realtime',
      reply: (_u, req) => {
        v.beforeLookup(++v.lookups);
        const o = byLink(req);
        return list(o !== undefined && LIVE.has(String(o['orderStatus'])) ? [o] : []);
      },
    },
    {
      name: 'history',
      path: '/v5/order/history',
      reply: (_u, req) => {
        const o = byLink(req);
        return list(o !== undefined && !LIVE.has(String(o['orderStatus'])) ? [o] : []);
      },
    },
    {
      name: 'cancel',
      path: '/v5/order/cancel',
      reply: (_u, req) => {
        const b = body(req);
        const o = v.orders.get(String(b['orderLinkId']));
        if (o === undefined || !LIVE.has(String(o['orderStatus']))) return bybitError(110001, 'Order does not exist.');
        o['orderStatus'] = Number(o['cumExecQty']) > 0 ? 'PartiallyFilledCanceled' : 'Cancelled';
        return bybitOk({ orderId: o['orderId'] as Json, orderLinkId: o['orderLinkId'] as Json });
      },
    },
    { name: 'executions', path: '/v5/execution/list', reply: (u) => list(v.trades.get(u.searchParams.get('orderId') ?? '') ?? []) },
  ];
}

export const bybitCreated = (orderId: string, orderLinkId: string): RouteReply => bybitOk({ orderId, orderLinkId });

// ---------------------------------------------------------------------------------------------

/**
 * A real, stubbed ccxt instance with markets loaded through the public fixture routes and the
 * given private routes first; request counters reset after the market load.
 */
export async function privateVenue(id: 'binance' | 'bybit', routes: Route[], timeoutMs = 10_000): Promise<StubbedVenue> {
  const sv = stubbedVenue(id, { routes: [...routes, ...ROUTES[id]()], timeoutMs });
  // Markets first, keys after: with keys, binance's fetchMarkets also asks sapi margin/allPairs.
  await sv.venue.loadMarkets();
  sv.exchange.apiKey = 'test-key';
  sv.exchange.secret = 'test-secret';
  // Bybit asks two private endpoints whether the account is unified before every order call
  // (venues.md §6); a UTA account is what carry supports.
  if (id === 'bybit') Object.assign(sv.exchange.options, { enableUnifiedMargin: false, enableUnifiedAccount: true });
  sv.stub.reset();
  return sv;
}
