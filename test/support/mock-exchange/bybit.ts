/**
 * Bybit v5, unified trading account (spot + linear share one USDT wallet), as ccxt 4.5.84's
 * bybit.js calls it: fetchMarkets -> /v5/market/instruments-info (linear asked twice, the second
 * time with status=PreLaunch), fetchBalance -> /v5/account/wallet-balance, fetchPositions ->
 * /v5/position/list, createOrder -> /v5/order/create, fetchOrder / fetchOpenOrders ->
 * /v5/order/realtime, fetchClosedOrder(s) -> /v5/order/history, fetchMyTrades and
 * fetchFundingHistory -> /v5/execution/list (the latter with execType=Funding).
 * Payload shapes: the real captured responses in ccxt-static/response/bybit.json (named at each).
 * Errors: HTTP 200 with retCode != 0, codes and messages as listed in bybit.js `exceptions`
 * (bybit-exchange.github.io/docs/v5/error).
 */
import type { Engine, Reject } from './account.js';
import { dec } from './binance.js';
import type { MarketDef } from './markets.js';
import type { Ctx, Reply, RouteDef, VenueHttp } from './server.js';
import { verifyBybit } from './signing.js';
import type { MockFill, MockOrder, OrderSide } from './types.js';

type Obj = Record<string, unknown>;

export interface BybitOptions {
  readonly engine: Engine;
  readonly apiKey: string;
  readonly secret: string;
  readonly defaultRecvWindow: number;
}

export function bybitHttp(o: BybitOptions): VenueHttp {
  const { engine } = o;
  const ok = (result: unknown, retMsg = 'OK'): Reply => ({ body: { retCode: 0, retMsg, result, retExtInfo: {}, time: engine.now } });
  const fail = (retCode: number, retMsg: string): Reply => ({ body: { retCode, retMsg, result: {}, retExtInfo: {}, time: engine.now } });
  const str = (ctx: Ctx, k: string): string | undefined => {
    const v = ctx.params[k];
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  const kindOf = (category: string | undefined): 'spot' | 'perp' | undefined => (category === 'spot' ? 'spot' : category === 'linear' ? 'perp' : undefined);
  const list = (kind: 'spot' | 'perp'): MarketDef[] => [...engine.markets.values()].filter((m) => m.kind === kind);
  const byId = (kind: 'spot' | 'perp', id: string | undefined): MarketDef | undefined => list(kind).find((m) => m.id === id);
  const illegalCategory = (): Reply => fail(10001, 'Illegal category');
  const badSymbol = (): Reply => fail(10001, 'params error: symbol invalid');

  /** Order row: shape of the real fetchOrder (spot) / fetchClosedOrders (linear) fixtures. */
  const orderRow = (ord: MockOrder): Obj => {
    const m = engine.markets.get(ord.symbol) as MarketDef;
    const leaves = engine.isOpen(ord) ? ord.amount - ord.filled : 0;
    return {
      symbol: m.id,
      orderType: ord.type === 'market' ? 'Market' : 'Limit',
      orderLinkId: ord.clientId,
      slLimitPrice: '0',
      orderId: ord.id,
      cancelType: ord.status === 'canceled' ? 'CancelByUser' : 'UNKNOWN',
      avgPrice: ord.filled > 0 ? dec(ord.cost / ord.filled) : '',
      stopOrderType: '',
      lastPriceOnCreated: dec(m.mark),
      orderStatus: status(ord, m),
      takeProfit: '',
      cumExecValue: dec(ord.cost),
      smpType: 'None',
      triggerDirection: 0,
      blockTradeId: '',
      rejectReason: ord.status === 'expired' ? 'EC_CancelForNoFullFill' : 'EC_NoError',
      isLeverage: m.kind === 'spot' ? '0' : '',
      price: dec(ord.price ?? 0),
      orderIv: '',
      createdTime: String(ord.createdAt),
      tpTriggerBy: '',
      positionIdx: 0,
      timeInForce: ord.timeInForce,
      leavesValue: dec(leaves * (ord.price ?? 0)),
      updatedTime: String(ord.updatedAt),
      side: ord.side === 'buy' ? 'Buy' : 'Sell',
      smpGroup: 0,
      triggerPrice: '',
      tpLimitPrice: '0',
      cumExecFee: dec(ord.fee),
      slTriggerBy: '',
      leavesQty: dec(leaves),
      closeOnTrigger: false,
      placeType: '',
      cumExecQty: dec(ord.filled),
      reduceOnly: ord.reduceOnly,
      qty: dec(ord.amount),
      stopLoss: '',
      ...(m.kind === 'spot' ? { marketUnit: 'baseCoin' } : { tpslMode: 'UNKNOWN' }),
      smpOrderId: '',
      triggerBy: '',
    };
  };

  /** Execution row: shape of the real fetchMyTrades / fetchFundingHistory fixtures. */
  const tradeExec = (f: MockFill): Obj => {
    const m = engine.markets.get(f.symbol) as MarketDef;
    const ord = engine.orders.find((x) => x.id === f.orderId);
    return {
      symbol: m.id,
      orderType: ord?.type === 'market' ? 'Market' : 'Limit',
      underlyingPrice: '',
      orderLinkId: f.clientId,
      orderId: f.orderId,
      stopOrderType: m.kind === 'spot' ? '' : 'UNKNOWN',
      execTime: String(f.time),
      feeCurrency: m.kind === 'spot' ? f.feeAsset : '',
      createType: m.kind === 'spot' ? '' : 'CreateByUser',
      feeRate: dec(f.quoteQty > 0 ? (m.kind === 'spot' && f.side === 'buy' ? f.fee / f.qty : f.fee / f.quoteQty) : 0),
      tradeIv: '',
      blockTradeId: '',
      markPrice: m.kind === 'spot' ? '' : dec(m.mark),
      execPrice: dec(f.price),
      markIv: '',
      orderQty: dec(ord?.amount ?? f.qty),
      orderPrice: dec(ord?.price ?? 0),
      execValue: dec(f.quoteQty),
      closedSize: m.kind === 'spot' ? '' : '0',
      execType: 'Trade',
      seq: Number(f.tradeId),
      side: f.side === 'buy' ? 'Buy' : 'Sell',
      indexPrice: '',
      leavesQty: '0',
      isMaker: false,
      execFee: dec(f.fee),
      execId: f.tradeId,
      marketUnit: m.kind === 'spot' ? 'baseCoin' : '',
      execQty: dec(f.qty),
    };
  };

  const executions = (ctx: Ctx): Reply => {
    const kind = kindOf(str(ctx, 'category'));
    if (kind === undefined) return illegalCategory();
    const sym = str(ctx, 'symbol');
    const m = sym === undefined ? undefined : byId(kind, sym);
    if (sym !== undefined && m === undefined) return badSymbol();
    const execType = str(ctx, 'execType');
    const end = Number(str(ctx, 'endTime') ?? engine.now);
    const start = Number(str(ctx, 'startTime') ?? end - 7 * 86_400_000);
    const limit = Math.min(Number(str(ctx, 'limit') ?? 50), 100);
    const inScope = (symbol: string, time: number) => (m === undefined ? engine.markets.get(symbol)?.kind === kind : symbol === m.symbol) && time >= start && time <= end;
    const rows: { time: number; row: Obj }[] = [];
    if (execType === undefined || execType === 'Trade') {
      for (const f of engine.fills) if (inScope(f.symbol, f.time) && (str(ctx, 'orderId') ?? f.orderId) === f.orderId) rows.push({ time: f.time, row: tradeExec(f) });
    }
    if (kind === 'perp' && (execType === undefined || execType === 'Funding')) {
      for (const r of engine.income) {
        const fr = r.funding;
        if (fr === undefined || !inScope(fr.symbol, fr.time)) continue;
        const fm = engine.markets.get(fr.symbol) as MarketDef;
        // Funding executions: execFee is what the account paid (positive = paid, negative = received).
        rows.push({
          time: fr.time,
          row: {
            symbol: fm.id, orderType: 'UNKNOWN', underlyingPrice: '', orderLinkId: '', orderId: `funding-${r.id}`, stopOrderType: 'UNKNOWN',
            execTime: String(fr.time), feeCurrency: '', createType: '', feeRate: dec(fr.rate), tradeIv: '', blockTradeId: '',
            markPrice: dec(fr.mark), execPrice: dec(fr.mark), markIv: '', orderQty: '0', orderPrice: '0',
            execValue: dec(Math.abs(fr.contracts) * fr.mark), closedSize: '0', execType: 'Funding', seq: Number(r.id),
            side: fr.contracts > 0 ? 'Buy' : 'Sell', indexPrice: '', leavesQty: '0', isMaker: false, execFee: dec(-fr.amount),
            execId: `f${r.id}`, marketUnit: '', execQty: dec(Math.abs(fr.contracts)),
          },
        });
      }
    }
    rows.sort((a, b) => b.time - a.time);
    return ok({ nextPageCursor: '', category: str(ctx, 'category'), list: rows.slice(0, limit).map((r) => r.row) });
  };

  const rejection = (reason: Reject, kind: 'spot' | 'perp'): Reply => {
    switch (reason) {
      case 'insufficientBalance':
        return fail(170131, 'Insufficient balance.');
      case 'insufficientMargin':
        return fail(110007, 'ab not enough for new order');
      case 'reduceOnlyRejected':
        return fail(110017, 'current position is zero, cannot fix reduce-only order qty');
      case 'duplicateClientId':
        return fail(110072, 'OrderLinkedID is duplicate');
      case 'badQuantity':
        return kind === 'spot' ? fail(170136, 'Order quantity lower than the minimum.') : fail(10001, 'Qty invalid');
      case 'postOnlyWouldTake':
        return fail(kind === 'spot' ? 170210 : 110079, 'PostOnly order will be immediately executed');
    }
  };

  const createOrder = (ctx: Ctx): Reply => {
    const kind = kindOf(str(ctx, 'category'));
    if (kind === undefined) return illegalCategory();
    const m = byId(kind, str(ctx, 'symbol'));
    if (m === undefined) return badSymbol();
    const side = str(ctx, 'side');
    const type = str(ctx, 'orderType');
    if (side !== 'Buy' && side !== 'Sell') return fail(10001, 'params error: side invalid');
    if (type !== 'Limit' && type !== 'Market') return fail(10001, 'params error: OrderType invalid');
    const qty = Number(str(ctx, 'qty'));
    if (kind === 'spot' && type === 'Market' && side === 'Buy' && str(ctx, 'marketUnit') !== 'baseCoin') {
      // qty would be quote coin here; the mock does not model quote-sized market buys.
      return fail(170130, "Data sent for paramter 'marketUnit' is not valid.");
    }
    if (!(qty > 0) || qty < m.minQty || !stepOk(qty, m.step)) return rejection('badQuantity', kind);
    const price = str(ctx, 'price') === undefined ? null : Number(str(ctx, 'price'));
    if (type === 'Limit' && price === null) return fail(10001, 'params error: price invalid');
    const tif = (str(ctx, 'timeInForce') ?? (type === 'Market' ? 'IOC' : 'GTC')) as MockOrder['timeInForce'];
    const reduceOnly = ctx.params['reduceOnly'] === true || ctx.params['reduceOnly'] === 'true';
    if (!reduceOnly && qty * (price ?? m.mark) < 5) return kind === 'spot' ? fail(170140, 'Order value exceeded lower limit.') : fail(110094, 'Order does not meet minimum order value 5USDT');
    const link = str(ctx, 'orderLinkId') ?? (kind === 'spot' ? String(engine.now * 1000 + engine.orders.length) : '');
    const res = engine.place({
      market: m,
      side: side.toLowerCase() as OrderSide,
      type: type === 'Market' ? 'market' : 'limit',
      timeInForce: tif,
      price,
      amount: qty,
      reduceOnly: kind === 'perp' && reduceOnly,
      clientId: link,
      ...(ctx.fault?.kind === 'partial' ? { fillRatio: ctx.fault.fillRatio ?? 0.5 } : {}),
    });
    if (!res.ok) return rejection(res.reason, kind);
    // Real create answer (createOrder fixture): ids only; the outcome is read back with realtime.
    return ok({ orderId: res.order.id, orderLinkId: res.order.clientId });
  };

  const findOrders = (ctx: Ctx, history: boolean): Reply => {
    const kind = kindOf(str(ctx, 'category'));
    if (kind === undefined) return illegalCategory();
    const sym = str(ctx, 'symbol');
    const m = sym === undefined ? undefined : byId(kind, sym);
    if (sym !== undefined && m === undefined) return badSymbol();
    const id = str(ctx, 'orderId');
    const link = str(ctx, 'orderLinkId');
    const byIdentity = id !== undefined || link !== undefined;
    const rows = engine.orders.filter((x) => {
      if (m === undefined ? engine.markets.get(x.symbol)?.kind !== kind : x.symbol !== m.symbol) return false;
      if (id !== undefined && x.id !== id) return false;
      if (link !== undefined && x.clientId !== link) return false;
      // realtime: open orders, plus recent closed ones when asked by id; history: closed ones.
      if (history) return !engine.isOpen(x);
      return byIdentity || engine.isOpen(x);
    });
    const limit = Math.min(Number(str(ctx, 'limit') ?? 20), 50);
    return ok({ nextPageCursor: '', category: str(ctx, 'category'), list: rows.reverse().slice(0, limit).map(orderRow) });
  };

  const cancelOrder = (ctx: Ctx): Reply => {
    const kind = kindOf(str(ctx, 'category'));
    if (kind === undefined) return illegalCategory();
    const m = byId(kind, str(ctx, 'symbol'));
    if (m === undefined) return badSymbol();
    const id = str(ctx, 'orderId');
    const link = str(ctx, 'orderLinkId');
    if (id === undefined && link === undefined) return fail(10001, 'orderId or orderLinkId is required');
    const ord = engine.findOrder(m.symbol, { ...(id !== undefined ? { id } : {}), ...(link !== undefined ? { clientId: link } : {}) });
    if (ord === undefined || !engine.isOpen(ord) || (link !== undefined && ord.clientId !== link)) {
      return kind === 'spot' ? fail(170213, 'Order does not exist.') : fail(110001, 'order not exists or too late to cancel');
    }
    engine.cancel(ord);
    return ok({ orderId: ord.id, orderLinkId: ord.clientId });
  };

  /** GET /v5/account/wallet-balance: shape of the real "balance after availableToWithdraw update" fixture. */
  const wallet = (ctx: Ctx): Reply => {
    const type = str(ctx, 'accountType');
    if (type !== 'UNIFIED') return fail(10001, 'accountType only support UNIFIED.');
    const w = 'unified';
    const upnl = engine.totalUnrealised();
    const im = engine.positionMargin();
    const coins = Object.keys(engine.wallets[w] ?? {}).map((coin) => {
      const bal = engine.balance(w, coin);
      const usdt = coin === 'USDT';
      const locked = engine.lockedOf(w, coin);
      return {
        availableToBorrow: '', bonus: '0', accruedInterest: '0',
        // Deprecated by Bybit in 2025 and sent empty; ccxt then derives used from locked + IM.
        availableToWithdraw: '',
        totalOrderIM: dec(usdt ? locked : 0), equity: dec(bal + (usdt ? upnl : 0)), totalPositionMM: '0', usdValue: dec(usdt ? bal + upnl : bal * (marketMark(coin) ?? 0)),
        unrealisedPnl: dec(usdt ? upnl : 0), collateralSwitch: true, spotHedgingQty: '0', borrowAmount: '0.000000000000000000',
        totalPositionIM: dec(usdt ? im : 0), walletBalance: dec(bal), cumRealisedPnl: '0', locked: dec(usdt ? 0 : locked), marginCollateral: true, coin,
      };
    });
    const usdtBal = engine.balance(w, 'USDT');
    return ok({
      list: [
        {
          totalEquity: dec(usdtBal + upnl), accountIMRate: '0', totalMarginBalance: dec(usdtBal + upnl), totalInitialMargin: dec(im),
          accountType: 'UNIFIED', totalAvailableBalance: dec(engine.availableMargin()), accountMMRate: '0', totalPerpUPL: dec(upnl),
          totalWalletBalance: dec(usdtBal), accountLTV: '0', totalMaintenanceMargin: '0', coin: coins,
        },
      ],
    });
  };
  const marketMark = (coin: string): number | undefined => list('spot').find((m) => m.base === coin)?.mark;

  /** GET /v5/position/list row: shape of the real "Fetch linear position" fixture. */
  const positionRow = (m: MarketDef): Obj => {
    const p = engine.position(m.symbol);
    const size = Math.abs(p.contracts);
    const lev = engine.leverageOf(m.symbol);
    return {
      symbol: m.id, leverage: String(lev), autoAddMargin: 0, avgPrice: dec(p.entryPrice), liqPrice: '', riskLimitValue: '2000000',
      takeProfit: '', positionValue: dec(size * p.entryPrice), isReduceOnly: false, tpslMode: 'Full', riskId: 1, trailingStop: '0',
      unrealisedPnl: dec(engine.unrealised(m.symbol)), markPrice: dec(m.mark), adlRankIndicator: size > 0 ? 2 : 0, cumRealisedPnl: dec(p.realised),
      positionMM: '0', createdTime: String(p.updatedAt), positionIdx: 0, positionIM: dec((size * m.mark) / lev), seq: p.updatedAt,
      updatedTime: String(p.updatedAt), side: p.contracts > 0 ? 'Buy' : p.contracts < 0 ? 'Sell' : '', bustPrice: '',
      positionBalance: dec((size * m.mark) / lev), leverageSysUpdatedTime: '', size: dec(size), positionStatus: 'Normal',
      mmrSysUpdatedTime: '', stopLoss: '', tradeMode: 0,
    };
  };

  const positions = (ctx: Ctx): Reply => {
    if (kindOf(str(ctx, 'category')) !== 'perp') return illegalCategory();
    const sym = str(ctx, 'symbol');
    if (sym === undefined && str(ctx, 'settleCoin') === undefined) return fail(10001, 'symbol or settleCoin is required');
    const m = sym === undefined ? undefined : byId('perp', sym);
    if (sym !== undefined && m === undefined) return badSymbol();
    // By symbol the venue answers the (possibly empty) position; by settleCoin only open ones.
    const rows = m !== undefined ? [m] : list('perp').filter((x) => engine.position(x.symbol).contracts !== 0);
    return ok({ nextPageCursor: '', category: 'linear', list: rows.map(positionRow) });
  };

  /** Tickers: shape of the real fetchTicker (linear) fixture; spot rows carry the spot subset. */
  const tickers = (ctx: Ctx): Reply => {
    const kind = kindOf(str(ctx, 'category'));
    if (kind === undefined) return illegalCategory();
    const sym = str(ctx, 'symbol');
    const ms = sym === undefined ? list(kind) : list(kind).filter((m) => m.id === sym);
    if (sym !== undefined && ms.length === 0) return badSymbol();
    return ok({
      category: str(ctx, 'category'),
      list: ms.map((m) => {
        const { bid, ask } = m.book.best();
        const common = {
          symbol: m.id, bid1Price: dec(bid?.[0] ?? 0), bid1Size: dec(bid?.[1] ?? 0), ask1Price: dec(ask?.[0] ?? 0), ask1Size: dec(ask?.[1] ?? 0),
          lastPrice: dec(m.mark), prevPrice24h: dec(m.mark), price24hPcnt: '0', highPrice24h: dec(m.mark), lowPrice24h: dec(m.mark),
          turnover24h: '0', volume24h: '0',
        };
        return kind === 'spot'
          ? { ...common, usdIndexPrice: dec(m.index) }
          : {
              ...common, indexPrice: dec(m.index), markPrice: dec(m.mark), prevPrice1h: dec(m.mark), openInterest: '0', openInterestValue: '0',
              fundingRate: dec(m.fundingRate), nextFundingTime: String(m.nextFundingTime), predictedDeliveryPrice: '', basisRate: '',
              deliveryFeeRate: '', deliveryTime: '0', basis: '', preOpenPrice: '', preQty: '', curPreListingPhase: '',
            };
      }),
    });
  };

  const routes: RouteDef[] = [
    { method: 'GET', path: '/v5/market/time', op: 'fetchTime', signed: false, handle: () => ok({ timeSecond: String(Math.floor(engine.now / 1000)), timeNano: `${engine.now}000000` }) },
    {
      method: 'GET',
      path: '/v5/market/instruments-info',
      op: 'loadMarkets',
      signed: false,
      handle: (c) => {
        const kind = kindOf(str(c, 'category'));
        if (kind === undefined) return ok({ category: str(c, 'category'), list: [], nextPageCursor: '' });
        const rows = str(c, 'status') === 'PreLaunch' ? [] : list(kind).map((m) => m.info);
        return ok({ category: str(c, 'category'), list: rows, nextPageCursor: '' });
      },
    },
    {
      method: 'GET',
      path: '/v5/market/orderbook',
      op: 'fetchOrderBook',
      signed: false,
      handle: (c) => {
        const kind = kindOf(str(c, 'category'));
        if (kind === undefined) return illegalCategory();
        const m = byId(kind, str(c, 'symbol'));
        if (m === undefined) return badSymbol();
        const b = m.book.snapshot(Number(str(c, 'limit') ?? (kind === 'spot' ? 1 : 25)));
        const fmt = (l: [number, number][]) => l.map(([p, q]) => [dec(p), dec(q)]);
        // Real orderbook fixture: s / b / a / ts / u (+ seq on linear).
        return ok({ s: m.id, b: fmt(b.bids), a: fmt(b.asks), ts: engine.now, u: engine.now, seq: engine.now, cts: engine.now });
      },
    },
    { method: 'GET', path: '/v5/market/tickers', op: 'fetchTicker', signed: false, handle: tickers },
    {
      method: 'GET',
      path: '/v5/asset/coin/query-info',
      op: 'loadMarkets',
      signed: true,
      // ccxt 4.5.84 bybit.fetchCurrencies calls this whenever keys are set (options.fetchCurrencies is
      // not consulted); row shape of the documented example quoted in bybit.js fetchCurrencies.
      handle: () => {
        const coins = new Set<string>();
        for (const m of engine.markets.values()) coins.add(m.base).add(m.quote);
        return ok({
          rows: [...coins].map((coin) => ({
            name: coin, coin, remainAmount: '1000000',
            chains: [{ chainType: coin, confirmation: '10', withdrawFee: '0', depositMin: '0', withdrawMin: '0', chain: coin, chainDeposit: '1', chainWithdraw: '1', minAccuracy: '8', withdrawPercentageFee: '0' }],
          })),
        });
      },
    },
    { method: 'GET', path: '/v5/account/wallet-balance', op: 'fetchBalance', signed: true, handle: wallet },
    // The funding wallet (ccxt fetchBalance({ type: 'funding' })): the mock keeps every coin in the
    // unified account, so it is empty (documented "Get All Coins Balance", accountType FUND).
    {
      method: 'GET',
      path: '/v5/asset/transfer/query-account-coins-balance',
      op: 'fetchBalance',
      signed: true,
      handle: (c) => (str(c, 'accountType') === 'FUND' ? ok({ memberId: '1', accountType: 'FUND', balance: [] }) : fail(10001, 'accountType only support FUND.')),
    },
    { method: 'GET', path: '/v5/position/list', op: 'fetchPositions', signed: true, handle: positions },
    { method: 'POST', path: '/v5/order/create', op: 'createOrder', signed: true, handle: createOrder },
    { method: 'GET', path: '/v5/order/realtime', op: 'fetchOrder', signed: true, handle: (c) => findOrders(c, false) },
    { method: 'GET', path: '/v5/order/history', op: 'fetchOrder', signed: true, handle: (c) => findOrders(c, true) },
    { method: 'POST', path: '/v5/order/cancel', op: 'cancelOrder', signed: true, handle: cancelOrder },
    { method: 'GET', path: '/v5/execution/list', op: 'fetchMyTrades', signed: true, handle: executions },
    {
      method: 'POST',
      path: '/v5/position/set-leverage',
      op: 'setLeverage',
      signed: true,
      handle: (c) => {
        const m = byId('perp', str(c, 'symbol'));
        if (m === undefined) return badSymbol();
        const lev = Number(str(c, 'buyLeverage'));
        if (!(lev >= 1 && lev <= 100)) return fail(10001, 'leverage invalid');
        if (engine.leverageOf(m.symbol) === lev) return fail(110043, 'Set leverage not modified');
        engine.leverage.set(m.symbol, lev);
        return ok({});
      },
    },
    {
      method: 'POST',
      path: '/v5/account/set-margin-mode',
      op: 'setMarginMode',
      signed: true,
      handle: (c) => {
        const mode = str(c, 'setMarginMode');
        if (mode !== 'REGULAR_MARGIN' && mode !== 'ISOLATED_MARGIN' && mode !== 'PORTFOLIO_MARGIN') return fail(10001, 'setMarginMode invalid');
        engine.marginMode = mode === 'ISOLATED_MARGIN' ? 'isolated' : 'cross';
        return ok({ reasons: [] }, 'Request accepted');
      },
    },
  ];

  return {
    routes,
    authenticate(ctx) {
      const f = verifyBybit({
        headers: ctx.headers, method: ctx.method, rawQuery: ctx.rawQuery, rawBody: ctx.rawBody,
        apiKey: o.apiKey, secret: o.secret, serverTime: engine.now, defaultRecvWindow: o.defaultRecvWindow,
      });
      if (f === null) return null;
      switch (f.kind) {
        case 'missingKey':
        case 'unknownKey':
          return fail(10003, 'API key is invalid.');
        case 'badSignature':
          return fail(10004, 'error sign! origin_string[...]');
        case 'missingParam':
          return fail(10001, `missing ${f.name}`);
        case 'recvWindowTooLarge':
          return fail(10001, 'recv_window invalid');
        case 'timestamp':
          return fail(10002, `invalid request, please check your server timestamp or recv_window param. req_timestamp[${f.timestamp}],server_timestamp[${f.serverTime}],recv_window[${f.recvWindow}]`);
      }
    },
    unknownPath: () => ({ status: 404, body: '404 page not found', contentType: 'text/plain' }),
    // Per-UID limit: HTTP 200 with retCode 10006 (the IP-level 403 ban is not modelled).
    rateLimited: () => fail(10006, 'Too many visits!'),
    serverError: () => ({ status: 502, body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>', contentType: 'text/html' }),
    reject(op, ctx) {
      const spot = str(ctx, 'category') === 'spot';
      switch (op) {
        case 'createOrder':
          return spot ? rejection('insufficientBalance', 'spot') : rejection('insufficientMargin', 'perp');
        case 'cancelOrder':
          return spot ? fail(170213, 'Order does not exist.') : fail(110001, 'order not exists or too late to cancel');
        default:
          return fail(10016, 'Internal server error.');
      }
    },
  };
}

function status(ord: MockOrder, m: MarketDef): string {
  switch (ord.status) {
    case 'new':
      return 'New';
    case 'partiallyFilled':
      return 'PartiallyFilled';
    case 'filled':
      return 'Filled';
    case 'canceled':
      return m.kind === 'spot' && ord.filled > 0 ? 'PartiallyFilledCanceled' : 'Cancelled';
    case 'expired':
      // IOC remainder: spot reports PartiallyFilledCanceled, linear Cancelled with cumExecQty > 0.
      return m.kind === 'spot' && ord.filled > 0 ? 'PartiallyFilledCanceled' : 'Cancelled';
    case 'rejected':
      return 'Rejected';
  }
}

function stepOk(qty: number, step: number): boolean {
  if (!(step > 0)) return true;
  const n = qty / step;
  return Math.abs(n - Math.round(n)) < 1e-6;
}
