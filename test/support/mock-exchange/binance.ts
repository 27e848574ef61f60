/**
 * Binance spot (/api/v3, /sapi/v1) and USDT-M futures (/fapi/v1..v3) as ccxt 4.5.84 calls them.
 *
 * Endpoints are the ones binance.js reaches for the methods carry uses (fetchMarkets,
 * fetchBalance -> fapiPrivateV3GetAccount, fetchPositions -> loadLeverageBrackets +
 * fapiPrivateV3GetPositionRisk, createOrder -> privatePostOrder / fapiPrivatePostOrder, ...).
 * Payload shapes: the real captured responses in ccxt-static/response/binance.json where one
 * exists (named at each builder), otherwise the field set ccxt's parser reads (function named).
 * Error codes and messages: developers.binance.com "Error Codes" (spot and USDS-M futures), as
 * quoted in binance.js `exceptions`.
 */
import type { Engine, Reject } from './account.js';
import type { MarketDef } from './markets.js';
import type { Ctx, Reply, RouteDef, VenueHttp } from './server.js';
import { verifyBinance } from './signing.js';
import type { MockOrder, OrderSide } from './types.js';

type Obj = Record<string, unknown>;

/** Decimal string without exponent or float noise, as Binance prints numbers. */
export function dec(x: number, places?: number): string {
  if (places !== undefined) return x.toFixed(places);
  const s = x.toFixed(10).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}
const d8 = (x: number): string => x.toFixed(8);

const err = (status: number, code: number, msg: string): Reply => ({ status, body: { code, msg } });

export interface BinanceOptions {
  readonly engine: Engine;
  readonly apiKey: string;
  readonly secret: string;
  readonly defaultRecvWindow: number;
}

export function binanceHttp(o: BinanceOptions): VenueHttp {
  const { engine } = o;
  const marginType = new Map<string, 'CROSSED' | 'ISOLATED'>();
  const spot = (): MarketDef[] => [...engine.markets.values()].filter((m) => m.kind === 'spot');
  const perps = (): MarketDef[] => [...engine.markets.values()].filter((m) => m.kind === 'perp');
  const byId = (kind: 'spot' | 'perp', id: unknown): MarketDef | undefined =>
    [...engine.markets.values()].find((m) => m.kind === kind && m.id === String(id));
  const str = (ctx: Ctx, k: string): string | undefined => {
    const v = ctx.params[k];
    return v === undefined || v === '' ? undefined : String(v);
  };
  const missing = (name: string): Reply => err(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);
  const badSymbol = (): Reply => err(400, -1121, 'Invalid symbol.');

  // --- payload builders ------------------------------------------------------------------------

  /** Spot order: shape of the real fetchOrder / createOrder fixtures (response/binance.json). */
  const spotOrder = (ord: MockOrder, m: MarketDef): Obj => ({
    symbol: m.id,
    orderId: Number(ord.id),
    orderListId: -1,
    clientOrderId: ord.clientId,
    price: d8(ord.price ?? 0),
    origQty: d8(ord.amount),
    executedQty: d8(ord.filled),
    cummulativeQuoteQty: d8(ord.cost),
    status: STATUS[ord.status],
    timeInForce: ord.timeInForce === 'PostOnly' ? 'GTC' : ord.timeInForce,
    type: ord.timeInForce === 'PostOnly' ? 'LIMIT_MAKER' : ord.type.toUpperCase(),
    side: ord.side.toUpperCase(),
    stopPrice: d8(0),
    icebergQty: d8(0),
    time: ord.createdAt,
    updateTime: ord.updatedAt,
    isWorking: true,
    workingTime: ord.createdAt,
    origQuoteOrderQty: d8(0),
    selfTradePreventionMode: 'EXPIRE_MAKER',
  });

  /** USD-M order: shape of the real createOrders / fetchOpenOrder swap fixtures. */
  const perpOrder = (ord: MockOrder, m: MarketDef): Obj => ({
    orderId: Number(ord.id),
    symbol: m.id,
    status: STATUS[ord.status],
    clientOrderId: ord.clientId,
    price: dec(ord.price ?? 0),
    avgPrice: ord.filled > 0 ? dec(ord.cost / ord.filled) : '0.00',
    origQty: dec(ord.amount),
    executedQty: dec(ord.filled),
    cumQty: dec(ord.filled),
    cumQuote: dec(ord.cost),
    timeInForce: ord.timeInForce === 'PostOnly' ? 'GTX' : ord.timeInForce,
    type: ord.type.toUpperCase(),
    reduceOnly: ord.reduceOnly,
    closePosition: false,
    side: ord.side.toUpperCase(),
    positionSide: 'BOTH',
    stopPrice: '0.00',
    workingType: 'CONTRACT_PRICE',
    priceProtect: false,
    origType: ord.type.toUpperCase(),
    priceMatch: 'NONE',
    selfTradePreventionMode: 'EXPIRE_MAKER',
    goodTillDate: 0,
    time: ord.createdAt,
    updateTime: ord.updatedAt,
  });

  const exchangeInfo = (symbols: MarketDef[], futures: boolean): Obj => ({
    timezone: 'UTC',
    serverTime: engine.now,
    ...(futures ? { futuresType: 'U_MARGINED' } : {}),
    rateLimits: futures
      ? [
          { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
          { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
        ]
      : [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 }],
    exchangeFilters: [],
    ...(futures ? { assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }] } : {}),
    symbols: symbols.map((m) => m.info),
  });

  const depth = (m: MarketDef, ctx: Ctx, futures: boolean): Obj => {
    const limit = Number(str(ctx, 'limit') ?? (futures ? 500 : 100));
    const b = m.book.snapshot(limit);
    const fmt = (l: [number, number][]) => l.map(([p, q]) => [dec(p), dec(q)]);
    // lastUpdateId is the book's update counter, the id the <symbol>@depth diff stream continues from
    // (ccxt.pro's watchOrderBook syncs the stream to this snapshot by it).
    return { lastUpdateId: m.book.updateId, ...(futures ? { E: engine.now, T: engine.now } : {}), bids: fmt(b.bids), asks: fmt(b.asks) };
  };

  /** 24hr ticker: field set of the real fetchTicker fixture (spot) and the documented USD-M one. */
  const ticker = (m: MarketDef): Obj => {
    const { bid, ask } = m.book.best();
    const last = m.mark;
    return {
      symbol: m.id,
      priceChange: '0',
      priceChangePercent: '0',
      weightedAvgPrice: dec(last),
      ...(m.kind === 'spot' ? { prevClosePrice: dec(last) } : {}),
      lastPrice: dec(last),
      lastQty: '0',
      ...(m.kind === 'spot'
        ? { bidPrice: dec(bid?.[0] ?? 0), bidQty: dec(bid?.[1] ?? 0), askPrice: dec(ask?.[0] ?? 0), askQty: dec(ask?.[1] ?? 0) }
        : {}),
      openPrice: dec(last),
      highPrice: dec(last),
      lowPrice: dec(last),
      volume: '0',
      quoteVolume: '0',
      openTime: engine.now - 86_400_000,
      closeTime: engine.now,
      firstId: 0,
      lastId: 0,
      count: 0,
    };
  };

  /** GET /fapi/v1/premiumIndex row: documented "Mark Price" example fields (developers.binance.com). */
  const premium = (m: MarketDef): Obj => ({
    symbol: m.id,
    markPrice: d8(m.mark),
    indexPrice: d8(m.index),
    estimatedSettlePrice: d8(m.index),
    lastFundingRate: d8(m.fundingRate),
    interestRate: '0.00010000',
    nextFundingTime: m.nextFundingTime,
    time: engine.now,
  });

  /** /fapi/v3/positionRisk row: shape of the real fetchPositions fixture (v3). */
  const positionRow = (m: MarketDef): Obj => {
    const p = engine.position(m.symbol);
    const lev = engine.leverageOf(m.symbol);
    const notional = p.contracts * m.mark;
    const im = Math.abs(notional) / lev;
    return {
      symbol: m.id,
      positionSide: 'BOTH',
      positionAmt: dec(p.contracts),
      entryPrice: dec(p.entryPrice),
      breakEvenPrice: dec(p.entryPrice),
      markPrice: d8(m.mark),
      unRealizedProfit: d8(engine.unrealised(m.symbol)),
      liquidationPrice: d8(crossLiquidation(p.contracts, p.entryPrice, engine.balance('futures', 'USDT'))),
      isolatedMargin: '0',
      notional: d8(notional),
      marginAsset: 'USDT',
      isolatedWallet: '0',
      initialMargin: d8(im),
      maintMargin: d8(Math.abs(notional) * 0.004),
      positionInitialMargin: d8(im),
      openOrderInitialMargin: '0',
      adl: 0,
      bidNotional: '0',
      askNotional: '0',
      updateTime: p.updatedAt,
    };
  };

  /** GET /fapi/v3/account: shape of the real "Linear swap balance" fixture. */
  const futuresAccount = (): Obj => {
    const w = engine.walletOf('perp');
    const wallet = engine.balance(w, 'USDT');
    const upnl = engine.totalUnrealised();
    const im = engine.positionMargin();
    const orderIm = engine.lockedOf(w, 'USDT');
    const avail = engine.availableMargin();
    const assets = Object.keys(engine.wallets[w] ?? {}).map((asset) => {
      const bal = engine.balance(w, asset);
      const usdt = asset === 'USDT';
      return {
        asset,
        walletBalance: d8(bal),
        unrealizedProfit: d8(usdt ? upnl : 0),
        marginBalance: d8(usdt ? bal + upnl : bal),
        maintMargin: d8(0),
        initialMargin: d8(usdt ? im + orderIm : 0),
        positionInitialMargin: d8(usdt ? im : 0),
        openOrderInitialMargin: d8(usdt ? orderIm : 0),
        crossWalletBalance: d8(bal),
        crossUnPnl: d8(usdt ? upnl : 0),
        availableBalance: d8(usdt ? avail : bal),
        maxWithdrawAmount: d8(usdt ? Math.max(0, Math.min(avail, bal)) : bal),
        // ccxt parseBalanceCustom skips assets whose updateTime is 0 (never used), as the venue sends them.
        updateTime: engine.now,
      };
    });
    const positions = perps()
      .filter((m) => engine.position(m.symbol).contracts !== 0)
      .map((m) => {
        const r = positionRow(m);
        return {
          symbol: r['symbol'],
          positionSide: 'BOTH',
          positionAmt: r['positionAmt'],
          unrealizedProfit: r['unRealizedProfit'],
          isolatedMargin: '0',
          notional: r['notional'],
          isolatedWallet: '0',
          initialMargin: r['initialMargin'],
          maintMargin: r['maintMargin'],
          updateTime: r['updateTime'],
        };
      });
    return {
      totalInitialMargin: d8(im + orderIm),
      totalMaintMargin: d8(0),
      totalWalletBalance: d8(wallet),
      totalUnrealizedProfit: d8(upnl),
      totalMarginBalance: d8(wallet + upnl),
      totalPositionInitialMargin: d8(im),
      totalOpenOrderInitialMargin: d8(orderIm),
      totalCrossWalletBalance: d8(wallet),
      totalCrossUnPnl: d8(upnl),
      availableBalance: d8(avail),
      maxWithdrawAmount: d8(Math.max(0, Math.min(avail, wallet))),
      assets,
      positions,
    };
  };

  /** GET /api/v3/account: shape of the real "Spot balance" fixture. */
  const spotAccount = (): Obj => {
    const w = engine.walletOf('spot');
    const assets = new Set([...Object.keys(engine.wallets[w] ?? {}), ...Object.keys(engine.locked[w] ?? {})]);
    return {
      makerCommission: 10,
      takerCommission: 10,
      buyerCommission: 0,
      sellerCommission: 0,
      commissionRates: { maker: '0.00100000', taker: '0.00100000', buyer: '0.00000000', seller: '0.00000000' },
      canTrade: true,
      canWithdraw: true,
      canDeposit: true,
      brokered: false,
      requireSelfTradePrevention: false,
      preventSor: false,
      updateTime: engine.now,
      accountType: 'SPOT',
      balances: [...assets].map((asset) => {
        const locked = engine.lockedOf(w, asset);
        return { asset, free: d8(engine.balance(w, asset) - locked), locked: d8(locked) };
      }),
      permissions: ['SPOT'],
      uid: 354937868,
    };
  };

  // --- order entry -----------------------------------------------------------------------------

  const rejection = (reason: Reject, futures: boolean): Reply => {
    switch (reason) {
      case 'insufficientBalance':
        return err(400, -2010, 'Account has insufficient balance for requested action.');
      case 'insufficientMargin':
        return err(400, -2019, 'Margin is insufficient.');
      case 'reduceOnlyRejected':
        return err(400, -2022, 'ReduceOnly Order is rejected.');
      case 'duplicateClientId':
        return futures ? err(400, -4116, 'ClientOrderId is duplicated.') : err(400, -2010, 'Duplicate order sent.');
      case 'badQuantity':
        return futures ? err(400, -4003, 'Quantity less than or equal to zero.') : err(400, -1013, 'Invalid quantity.');
      case 'postOnlyWouldTake':
        return futures
          ? err(400, -5022, 'Due to the order could not be executed as maker, the Post Only order will be rejected. The order will not be recorded in the order history')
          : err(400, -2010, 'Order would immediately match and take.');
    }
  };

  const createOrder = (futures: boolean) => (ctx: Ctx): Reply => {
    const m = byId(futures ? 'perp' : 'spot', str(ctx, 'symbol'));
    if (str(ctx, 'symbol') === undefined) return missing('symbol');
    if (m === undefined) return badSymbol();
    const side = str(ctx, 'side');
    const type = str(ctx, 'type');
    if (side !== 'BUY' && side !== 'SELL') return missing('side');
    if (type === undefined) return missing('type');
    if (type !== 'LIMIT' && type !== 'MARKET' && !(type === 'LIMIT_MAKER' && !futures)) return err(400, -1116, 'Invalid orderType.');
    const qty = Number(str(ctx, 'quantity'));
    if (str(ctx, 'quantity') === undefined) return missing('quantity');
    const priceStr = str(ctx, 'price');
    let tif = str(ctx, 'timeInForce');
    if (type !== 'MARKET' && priceStr === undefined) return missing('price');
    if (type === 'LIMIT' && tif === undefined) return missing('timeInForce');
    if (type === 'LIMIT_MAKER' || tif === 'GTX') tif = 'PostOnly';
    const reduceOnly = str(ctx, 'reduceOnly') === 'true';
    if (reduceOnly && !futures) return err(400, -1104, "Not all sent parameters were read; read '13' parameter(s) but was sent '14'.");
    if (!stepOk(qty, m.step) || qty < m.minQty) {
      return futures ? err(400, -1111, 'Precision is over the maximum defined for this asset.') : err(400, -1013, 'Filter failure: LOT_SIZE');
    }
    const price = priceStr === undefined ? null : Number(priceStr);
    const minNotional = futures ? 5 : 5;
    const notional = qty * (price ?? m.mark);
    if (!reduceOnly && notional < minNotional) {
      return futures
        ? err(400, -4164, `Order's notional must be no smaller than ${minNotional} (unless you choose reduce only).`)
        : err(400, -1013, 'Filter failure: NOTIONAL');
    }
    const clientId = str(ctx, 'newClientOrderId') ?? `mock${engine.orders.length + 1}`;
    const res = engine.place({
      market: m,
      side: side.toLowerCase() as OrderSide,
      type: type === 'MARKET' ? 'market' : 'limit',
      timeInForce: (tif === undefined ? (type === 'MARKET' ? 'IOC' : 'GTC') : tif) as MockOrder['timeInForce'],
      price,
      amount: qty,
      reduceOnly,
      clientId,
      ...(ctx.fault?.kind === 'partial' ? { fillRatio: ctx.fault.fillRatio ?? 0.5 } : {}),
    });
    if (!res.ok) return rejection(res.reason, futures);
    if (futures) return { body: perpOrder(res.order, m) };
    // newOrderRespType FULL (ccxt's default for spot): the order plus its fills.
    return {
      body: {
        ...spotOrder(res.order, m),
        transactTime: res.order.createdAt,
        fills: res.fills.map((f) => ({ price: d8(f.price), qty: d8(f.qty), commission: d8(f.fee), commissionAsset: f.feeAsset, tradeId: Number(f.tradeId) })),
      },
    };
  };

  const lookup = (ctx: Ctx, futures: boolean): { m: MarketDef; ord: MockOrder | undefined } | Reply => {
    if (str(ctx, 'symbol') === undefined) return missing('symbol');
    const m = byId(futures ? 'perp' : 'spot', str(ctx, 'symbol'));
    if (m === undefined) return badSymbol();
    const id = str(ctx, 'orderId');
    const clientId = str(ctx, 'origClientOrderId');
    if (id === undefined && clientId === undefined) {
      return err(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
    }
    const ord = engine.findOrder(m.symbol, { ...(id !== undefined ? { id } : {}), ...(clientId !== undefined ? { clientId } : {}) });
    return { m, ord: ord !== undefined && clientId !== undefined && ord.clientId !== clientId ? undefined : ord };
  };

  const fetchOrder = (futures: boolean) => (ctx: Ctx): Reply => {
    const r = lookup(ctx, futures);
    if ('body' in r) return r;
    if (r.ord === undefined) return err(400, -2013, 'Order does not exist.');
    return { body: futures ? perpOrder(r.ord, r.m) : spotOrder(r.ord, r.m) };
  };

  const cancelOrder = (futures: boolean) => (ctx: Ctx): Reply => {
    const r = lookup(ctx, futures);
    if ('body' in r) return r;
    if (r.ord === undefined || !engine.isOpen(r.ord)) return err(400, -2011, 'Unknown order sent.');
    engine.cancel(r.ord);
    if (futures) return { body: perpOrder(r.ord, r.m) };
    const { time: _t, updateTime: _u, isWorking: _w, workingTime: _wt, stopPrice: _s, icebergQty: _i, ...rest } = spotOrder(r.ord, r.m);
    // DELETE /api/v3/order echoes the order under origClientOrderId; clientOrderId is the cancel's own id.
    return { body: { ...rest, origClientOrderId: r.ord.clientId, clientOrderId: `cancel${r.ord.id}`, transactTime: engine.now } };
  };

  const openOrders = (futures: boolean) => (ctx: Ctx): Reply => {
    const sym = str(ctx, 'symbol');
    const m = sym === undefined ? undefined : byId(futures ? 'perp' : 'spot', sym);
    if (sym !== undefined && m === undefined) return badSymbol();
    const kind = futures ? 'perp' : 'spot';
    const rows = engine.orders.filter((x) => engine.isOpen(x) && (m === undefined ? engine.markets.get(x.symbol)?.kind === kind : x.symbol === m.symbol));
    return { body: rows.map((x) => (futures ? perpOrder(x, engine.markets.get(x.symbol) as MarketDef) : spotOrder(x, engine.markets.get(x.symbol) as MarketDef))) };
  };

  /** Default window when neither startTime nor endTime is sent: the last 7 days (Binance docs). */
  const window = (ctx: Ctx): { start: number; end: number; limit: number } => {
    const s = str(ctx, 'startTime');
    const e = str(ctx, 'endTime');
    const end = e !== undefined ? Number(e) : s !== undefined ? Number(s) + 7 * 86_400_000 : engine.now;
    const start = s !== undefined ? Number(s) : end - 7 * 86_400_000;
    return { start, end, limit: Number(str(ctx, 'limit') ?? 500) };
  };

  const myTrades = (futures: boolean) => (ctx: Ctx): Reply => {
    if (str(ctx, 'symbol') === undefined) return missing('symbol');
    const m = byId(futures ? 'perp' : 'spot', str(ctx, 'symbol'));
    if (m === undefined) return badSymbol();
    const { start, end, limit } = window(ctx);
    const rows = engine.fills.filter((f) => f.symbol === m.symbol && f.time >= start && f.time <= end).slice(-limit);
    return {
      body: rows.map((f) =>
        futures
          ? // USD-M userTrades: shape of the real "Swap private trade" fixture.
            {
              symbol: m.id,
              id: Number(f.tradeId),
              orderId: Number(f.orderId),
              side: f.side.toUpperCase(),
              price: dec(f.price),
              qty: dec(f.qty),
              realizedPnl: dec(f.realizedPnl),
              marginAsset: 'USDT',
              quoteQty: dec(f.quoteQty),
              commission: dec(f.fee),
              commissionAsset: f.feeAsset,
              time: f.time,
              positionSide: 'BOTH',
              maker: false,
              buyer: f.side === 'buy',
            }
          : // spot myTrades: shape of the real "Spot private trade" fixture.
            {
              symbol: m.id,
              id: Number(f.tradeId),
              orderId: Number(f.orderId),
              orderListId: -1,
              price: d8(f.price),
              qty: d8(f.qty),
              quoteQty: d8(f.quoteQty),
              commission: d8(f.fee),
              commissionAsset: f.feeAsset,
              time: f.time,
              isBuyer: f.side === 'buy',
              isMaker: false,
              isBestMatch: true,
            },
      ),
    };
  };

  /** GET /fapi/v1/income: documented "Get Income History" row fields (what binance.js parseIncome reads). */
  const income = (ctx: Ctx): Reply => {
    const type = str(ctx, 'incomeType');
    const sym = str(ctx, 'symbol');
    const { start, end } = window(ctx);
    const limit = Math.min(Number(str(ctx, 'limit') ?? 100), 1000);
    const rows = engine.income
      .filter((r) => (type === undefined || r.type === type) && (sym === undefined || r.symbol === sym) && r.time >= start && r.time <= end)
      .slice(0, limit);
    return {
      body: rows.map((r) => ({ symbol: r.symbol, incomeType: r.type, income: dec(r.amount), asset: r.asset, info: r.type, time: r.time, tranId: Number(r.id), tradeId: r.tradeId })),
    };
  };

  /** POST /sapi/v1/asset/transfer (Universal Transfer): answers { tranId }. */
  const transfer = (ctx: Ctx): Reply => {
    const type = str(ctx, 'type');
    const asset = str(ctx, 'asset');
    const amount = Number(str(ctx, 'amount'));
    if (type === undefined) return missing('type');
    if (asset === undefined) return missing('asset');
    const route: Record<string, [string, string]> = { MAIN_UMFUTURE: ['spot', 'futures'], UMFUTURE_MAIN: ['futures', 'spot'] };
    const legs = route[type];
    if (legs === undefined) return err(400, -1102, `Mandatory parameter 'type' was not sent, was empty/null, or malformed.`);
    if (!(amount > 0)) return err(400, -1102, "Mandatory parameter 'amount' was not sent, was empty/null, or malformed.");
    const [from, to] = legs;
    const free = from === 'futures' && asset === 'USDT' ? Math.min(engine.availableMargin(), engine.balance(from, asset)) : engine.balance(from, asset) - engine.lockedOf(from, asset);
    if (amount > free + 1e-9) return err(400, -5002, 'You have insufficient balance.');
    engine.credit(from, asset, -amount);
    engine.credit(to, asset, amount);
    const row = engine.addIncome({ symbol: '', type: 'TRANSFER', amount: from === 'futures' ? -amount : amount, asset, tradeId: '' });
    return { body: { tranId: Number(row.id) } };
  };

  const oneOrAll = (ctx: Ctx, list: MarketDef[], kind: 'spot' | 'perp', row: (m: MarketDef) => Obj): Reply => {
    const sym = str(ctx, 'symbol');
    if (sym === undefined) return { body: list.map(row) };
    const m = byId(kind, sym);
    return m === undefined ? badSymbol() : { body: row(m) };
  };

  const spotDepth = (ctx: Ctx): Reply => {
    const m = byId('spot', str(ctx, 'symbol'));
    return m === undefined ? badSymbol() : { body: depth(m, ctx, false) };
  };
  const perpDepth = (ctx: Ctx): Reply => {
    const m = byId('perp', str(ctx, 'symbol'));
    return m === undefined ? badSymbol() : { body: depth(m, ctx, true) };
  };

  const routes: RouteDef[] = [
    // spot public
    { method: 'GET', path: '/api/v3/time', op: 'fetchTime', signed: false, handle: () => ({ body: { serverTime: engine.now } }) },
    { method: 'GET', path: '/api/v3/exchangeInfo', op: 'loadMarkets', signed: false, handle: () => ({ body: exchangeInfo(spot(), false) }) },
    { method: 'GET', path: '/api/v3/depth', op: 'fetchOrderBook', signed: false, handle: spotDepth },
    { method: 'GET', path: '/api/v3/ticker/24hr', op: 'fetchTicker', signed: false, handle: (c) => oneOrAll(c, spot(), 'spot', ticker) },
    // spot private
    { method: 'GET', path: '/api/v3/account', op: 'fetchBalance', signed: true, handle: () => ({ body: spotAccount() }) },
    { method: 'POST', path: '/api/v3/order', op: 'createOrder', signed: true, handle: createOrder(false) },
    { method: 'GET', path: '/api/v3/order', op: 'fetchOrder', signed: true, handle: fetchOrder(false) },
    { method: 'DELETE', path: '/api/v3/order', op: 'cancelOrder', signed: true, handle: cancelOrder(false) },
    { method: 'GET', path: '/api/v3/openOrders', op: 'fetchOpenOrders', signed: true, handle: openOrders(false) },
    { method: 'GET', path: '/api/v3/myTrades', op: 'fetchMyTrades', signed: true, handle: myTrades(false) },
    { method: 'POST', path: '/sapi/v1/asset/transfer', op: 'transfer', signed: true, handle: transfer },
    // ccxt 4.5.84 fetchMarkets asks both margin pair lists whenever keys are set (options.fetchMargins
    // defaults true); documented "Get All Cross Margin Pairs" / "... Isolated Margin Symbol" rows.
    {
      method: 'GET',
      path: '/sapi/v1/margin/allPairs',
      op: 'loadMarkets',
      signed: true,
      handle: () => ({ body: spot().map((m, i) => ({ id: 351637150141315861 + i, symbol: m.id, base: m.base, quote: m.quote, isMarginTrade: true, isBuyAllowed: true, isSellAllowed: true })) }),
    },
    {
      method: 'GET',
      path: '/sapi/v1/margin/isolated/allPairs',
      op: 'loadMarkets',
      signed: true,
      handle: () => ({ body: spot().map((m) => ({ symbol: m.id, base: m.base, quote: m.quote, isMarginTrade: true, isBuyAllowed: true, isSellAllowed: true })) }),
    },
    // USD-M public
    { method: 'GET', path: '/fapi/v1/time', op: 'fetchTime', signed: false, handle: () => ({ body: { serverTime: engine.now } }) },
    { method: 'GET', path: '/fapi/v1/exchangeInfo', op: 'loadMarkets', signed: false, handle: () => ({ body: exchangeInfo(perps(), true) }) },
    { method: 'GET', path: '/fapi/v1/depth', op: 'fetchOrderBook', signed: false, handle: perpDepth },
    { method: 'GET', path: '/fapi/v1/ticker/24hr', op: 'fetchTicker', signed: false, handle: (c) => oneOrAll(c, perps(), 'perp', ticker) },
    { method: 'GET', path: '/fapi/v1/premiumIndex', op: 'fetchFundingRate', signed: false, handle: (c) => oneOrAll(c, perps(), 'perp', premium) },
    {
      method: 'GET',
      path: '/fapi/v1/fundingInfo',
      op: 'fetchFundingIntervals',
      signed: false,
      // Lists only symbols moved off the default 8h (documented "Get Funding Rate Info").
      handle: () => ({
        body: perps()
          .filter((m) => m.intervalHours !== 8)
          .map((m) => ({ symbol: m.id, adjustedFundingRateCap: '0.02000000', adjustedFundingRateFloor: '-0.02000000', fundingIntervalHours: m.intervalHours, disclaimer: false })),
      }),
    },
    // USD-M private
    { method: 'GET', path: '/fapi/v3/account', op: 'fetchBalance', signed: true, handle: () => ({ body: futuresAccount() }) },
    { method: 'GET', path: '/fapi/v2/account', op: 'fetchBalance', signed: true, handle: () => ({ body: futuresAccount() }) },
    {
      method: 'GET',
      path: '/fapi/v3/positionRisk',
      op: 'fetchPositions',
      signed: true,
      // v3 lists only symbols with a position or open orders.
      handle: (c) => {
        const sym = str(c, 'symbol');
        return { body: perps().filter((m) => (sym === undefined || m.id === sym) && engine.position(m.symbol).contracts !== 0).map(positionRow) };
      },
    },
    {
      method: 'GET',
      path: '/fapi/v1/leverageBracket',
      op: 'fetchPositions',
      signed: true,
      // Documented "Notional and Leverage Brackets" shape; one bracket per symbol is enough for ccxt.
      handle: () => ({
        body: perps().map((m) => ({
          symbol: m.id,
          notionalCoef: 1,
          brackets: [{ bracket: 1, initialLeverage: 125, notionalCap: 50_000_000, notionalFloor: 0, maintMarginRatio: 0.004, cum: 0 }],
        })),
      }),
    },
    { method: 'POST', path: '/fapi/v1/order', op: 'createOrder', signed: true, handle: createOrder(true) },
    { method: 'GET', path: '/fapi/v1/order', op: 'fetchOrder', signed: true, handle: fetchOrder(true) },
    { method: 'DELETE', path: '/fapi/v1/order', op: 'cancelOrder', signed: true, handle: cancelOrder(true) },
    { method: 'GET', path: '/fapi/v1/openOrders', op: 'fetchOpenOrders', signed: true, handle: openOrders(true) },
    { method: 'GET', path: '/fapi/v1/userTrades', op: 'fetchMyTrades', signed: true, handle: myTrades(true) },
    { method: 'GET', path: '/fapi/v1/income', op: 'fetchFundingHistory', signed: true, handle: income },
    {
      method: 'POST',
      path: '/fapi/v1/leverage',
      op: 'setLeverage',
      signed: true,
      handle: (c) => {
        const m = byId('perp', str(c, 'symbol'));
        if (m === undefined) return badSymbol();
        const lev = Number(str(c, 'leverage'));
        if (!(lev >= 1 && lev <= 125 && Number.isInteger(lev))) return err(400, -4028, `Leverage ${str(c, 'leverage') ?? ''} is not valid`);
        engine.leverage.set(m.symbol, lev);
        return { body: { leverage: lev, maxNotionalValue: '50000000', symbol: m.id } };
      },
    },
    {
      method: 'POST',
      path: '/fapi/v1/marginType',
      op: 'setMarginMode',
      signed: true,
      handle: (c) => {
        const m = byId('perp', str(c, 'symbol'));
        if (m === undefined) return badSymbol();
        const want = str(c, 'marginType');
        if (want !== 'ISOLATED' && want !== 'CROSSED') return missing('marginType');
        if ((marginType.get(m.symbol) ?? 'CROSSED') === want) return err(400, -4046, 'No need to change margin type.');
        marginType.set(m.symbol, want);
        return { body: { code: 200, msg: 'success' } };
      },
    },
  ];

  return {
    routes,
    authenticate(ctx) {
      const f = verifyBinance({
        headers: ctx.headers,
        rawQuery: ctx.rawQuery,
        rawBody: ctx.rawBody,
        apiKey: o.apiKey,
        secret: o.secret,
        serverTime: engine.now,
        defaultRecvWindow: o.defaultRecvWindow,
      });
      if (f === null) return null;
      switch (f.kind) {
        case 'missingKey':
          return err(401, -2014, 'API-key format invalid.');
        case 'unknownKey':
          return err(401, -2015, 'Invalid API-key, IP, or permissions for action.');
        case 'badSignature':
          return err(400, -1022, 'Signature for this request is not valid.');
        case 'missingParam':
          return missing(f.name);
        case 'recvWindowTooLarge':
          return err(400, -1131, 'recvWindow must be less than 60000');
        case 'timestamp':
          return f.ahead
            ? err(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.")
            : err(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
      }
    },
    // Binance answers an unknown REST path with a bare 404 (no JSON body).
    unknownPath: () => ({ status: 404, body: '', contentType: 'text/html' }),
    rateLimited: (ctx) =>
      ctx.path.startsWith('/fapi/')
        ? err(429, -1003, 'Too many requests; current limit of IP(127.0.0.1) is 2400 requests per minute. Please use the websocket for live updates to avoid polling the API.')
        : err(429, -1003, 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.'),
    // What the CDN in front of Binance returns when the backend is down: an HTML 502 page.
    serverError: () => ({ status: 502, body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>', contentType: 'text/html' }),
    reject(op, ctx) {
      const futures = ctx.path.startsWith('/fapi/');
      switch (op) {
        case 'createOrder':
          return futures ? rejection('insufficientMargin', true) : rejection('insufficientBalance', false);
        case 'fetchOrder':
          return err(400, -2013, 'Order does not exist.');
        case 'cancelOrder':
          return err(400, -2011, 'Unknown order sent.');
        case 'transfer':
          return err(400, -5002, 'You have insufficient balance.');
        default:
          return err(400, -1000, 'An unknown error occured while processing the request.');
      }
    },
  };
}

const STATUS: Record<MockOrder['status'], string> = {
  new: 'NEW',
  partiallyFilled: 'PARTIALLY_FILLED',
  filled: 'FILLED',
  canceled: 'CANCELED',
  expired: 'EXPIRED',
  rejected: 'REJECTED',
};

function stepOk(qty: number, step: number): boolean {
  if (!(step > 0)) return true;
  const n = qty / step;
  return Math.abs(n - Math.round(n)) < 1e-6;
}

/**
 * Binance's cross-margin liquidation price (USDⓈ-M "Liquidation Price Calculation", one-way mode)
 * for an account holding this one position: LP = (WB − TMM + cumB − side·q·EP) / (q·MMR − side·q),
 * with the mock's flat maintenance rate 0.4% and no cumB. 0 when nothing is held or no positive
 * price liquidates it (the venue sends "0" then).
 */
export function crossLiquidation(contracts: number, entry: number, walletBalance: number, mmr = 0.004): number {
  if (contracts === 0) return 0;
  const q = Math.abs(contracts);
  const side = Math.sign(contracts);
  const lp = (walletBalance - side * q * entry) / (q * mmr - side * q);
  return lp > 0 ? lp : 0;
}
