/**
 * Loopback mock exchange: an HTTP and WebSocket server on 127.0.0.1 that speaks Binance (spot +
 * USDT-M) or Bybit v5 (unified: spot + linear) closely enough that unmodified ccxt, with real keys
 * and signatures, trades against it, and unmodified ccxt.pro watches its public market streams
 * (order book, tickers, mark price: binance-ws.ts, bybit-ws.ts) on the same port. Test support only.
 *
 * Clock: without `now`, the mock clock is the wall clock plus whatever `tick` advanced. ccxt signs
 * with the wall clock, so after a tick signed calls fail -1021 / 10002 exactly as a skewed client
 * would live; `await exchange.loadTimeDifference()` (what ccxt's adjustForTimeDifference does)
 * re-syncs it from the mock's fetchTime.
 *
 * Fault semantics for createOrder: 'drop' closes the socket before anything is processed (no order
 * exists); 'acceptThenTimeout' places and matches the order, then withholds the answer.
 */
import { Agent } from 'node:http';
import ccxt from 'ccxt';
import { Engine } from './account.js';
import { binanceHttp } from './binance.js';
import { binanceWs } from './binance-ws.js';
import { bybitHttp } from './bybit.js';
import { bybitWs } from './bybit-ws.js';
import { Faults } from './faults.js';
import { buildMarkets, type MarketDef } from './markets.js';
import { MockHttpServer, type VenueHttp } from './server.js';
import type { MockExchange, MockOrder, StartOptions } from './types.js';
import { MockWsServer, rehomeWs, type WsUrls } from './ws.js';

export type * from './types.js';

export async function startMockExchange(opts: StartOptions): Promise<MockExchange> {
  let offset = 0;
  const now = opts.now ?? (() => Date.now() + offset);
  const markets = buildMarkets(opts.venue, opts.markets, now());
  const engine = new Engine({
    venue: opts.venue,
    markets,
    balances: opts.balances ?? {},
    now,
    // Base tiers without BNB / VIP discounts (ccxt describe() fees agree: spot 0.1%, USD-M taker 0.05%, Bybit linear taker 0.055%).
    feeRate: opts.feeRate ?? (opts.venue === 'binance' ? { spot: 0.001, perp: 0.0005 } : { spot: 0.001, perp: 0.00055 }),
    clientIdScope: opts.venue === 'binance' ? 'open' : 'all',
    defaultLeverage: opts.venue === 'binance' ? 20 : 10,
  });
  const faults = new Faults();
  const server = new MockHttpServer(faults);
  const recvWindow = opts.recvWindowMs ?? 5000;
  const http: VenueHttp =
    opts.venue === 'binance'
      ? binanceHttp({ engine, apiKey: opts.apiKey, secret: opts.secret, defaultRecvWindow: recvWindow })
      : bybitHttp({ engine, apiKey: opts.apiKey, secret: opts.secret, defaultRecvWindow: recvWindow });
  const wsServer = new MockWsServer();
  const ws = opts.venue === 'binance' ? binanceWs({ engine, hub: wsServer }) : bybitWs({ engine, hub: wsServer });
  wsServer.serve(ws);
  const url = await server.listen(http, wsServer.upgrade);
  const wsUrl = url.replace(/^http:/, 'ws:');

  const market = (symbol: string): MarketDef => {
    const m = markets.get(symbol);
    if (m === undefined) throw new Error(`mock exchange: ${symbol} is not listed (listed: ${[...markets.keys()].join(', ')})`);
    return m;
  };

  return {
    url,
    wsUrl,
    ccxtOptions: () => ccxtOptions(opts, url, wsUrl),
    setBook: (symbol, book) => market(symbol).book.set(book),
    setFundingRate(symbol, rate, nextFundingTime) {
      const m = market(symbol);
      m.fundingRate = rate;
      if (nextFundingTime !== undefined) m.nextFundingTime = nextFundingTime;
      ws.marketChanged(m);
    },
    setMark(symbol, mark, index) {
      const m = market(symbol);
      m.mark = mark;
      m.index = index ?? mark;
      ws.marketChanged(m);
    },
    settleFunding: (symbol) => engine.settleFunding(symbol),
    tick(ms) {
      if (opts.now === undefined) offset += ms;
      const before = new Map([...markets.values()].map((m) => [m, m.nextFundingTime]));
      engine.crossFunding();
      // A crossed funding boundary moves nextFundingTime, which the mark price / ticker streams carry.
      for (const [m, t] of before) if (m.nextFundingTime !== t) ws.marketChanged(m);
    },
    state: () => engine.state(),
    ordersByClientId() {
      const out = new Map<string, MockOrder[]>();
      for (const o of engine.orders) out.set(o.clientId, [...(out.get(o.clientId) ?? []), { ...o }]);
      return out;
    },
    fault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    pendingFaults: () => faults.pending(),
    stats: () => ({ ...server.stats, byRoute: { ...server.stats.byRoute }, unserved: [...server.stats.unserved] }),
    dropWs: () => wsServer.drop(),
    wsStats: () => wsServer.stats(),
    async close() {
      await wsServer.close();
      await server.close();
    },
  };
}

type Api = Record<string, string | Record<string, string>>;

/**
 * ccxt.pro refuses a plain ws:// URL under node until `httpAgent` is set (Exchange.getHttpAgentIfNeeded:
 * "at first run `await exchange.loadHttpProxyAgent()`", which only assigns `new http.Agent()`); this is
 * that agent. It carries no proxy, so plain ccxt's REST path (fetch, extractProxyFromAgent) ignores it.
 */
function wsAgent(): Agent {
  return new Agent();
}

/** urls.api.ws of ccxt.pro's class for the venue (every stream URL it could dial). */
function proWsUrls(venue: 'binance' | 'bybit'): WsUrls {
  const ex = venue === 'binance' ? new ccxt.pro.binance() : new ccxt.pro.bybit();
  return (ex.urls['api'] as Record<string, unknown>)['ws'] as WsUrls;
}

/** Every REST base ccxt knows for the venue, re-homed on the mock (path kept, origin replaced). */
function rehome(api: Api, mockUrl: string, origins: Map<string, string>): Api {
  const out: Api = {};
  for (const [k, v] of Object.entries(api)) {
    if (typeof v === 'string') {
      const u = new URL(v.replace('{hostname}', 'bybit.com'));
      const mock = mockUrl + u.pathname.replace(/\/$/, '');
      origins.set(mock, u.origin + u.pathname.replace(/\/$/, ''));
      out[k] = mock;
    } else out[k] = rehome(v, mockUrl, origins) as Record<string, string>;
  }
  return out;
}

function ccxtOptions(opts: StartOptions, url: string, wsUrl: string): Record<string, unknown> {
  const origins = new Map<string, string>();
  if (opts.venue === 'binance') {
    const api = {
      ...rehome(new ccxt.binance().urls['api'] as Api, url, origins),
      // ccxt.pro's stream URLs (plain ccxt never reads urls.api.ws)
      ws: rehomeWs(proWsUrls('binance'), wsUrl),
    };
    const realBase = [...origins.entries()].sort((a, b) => b[0].length - a[0].length);
    const original = ccxt.binance.prototype.getExceptionsByUrl;
    return {
      apiKey: opts.apiKey,
      secret: opts.secret,
      urls: { api },
      httpAgent: wsAgent(),
      options: {
        fetchMarkets: { types: ['spot', 'linear'] },
        fetchCurrencies: false,
      },
      // binance.js picks its spot / linear error tables by the request URL's real host
      // (getExceptionsByUrl: 'https://fapi.binance.com/...'), which a loopback URL never matches;
      // without this, -2022 / -4116 / -2019 would surface as bare ExchangeError instead of the
      // InvalidOrder / InsufficientFunds the live venue produces. Only the lookup key is translated.
      getExceptionsByUrl(this: InstanceType<typeof ccxt.binance>, reqUrl: string, exactOrBroad: string) {
        const hit = realBase.find(([mock]) => reqUrl.startsWith(mock));
        const real = hit === undefined ? reqUrl : hit[1] + reqUrl.slice(hit[0].length);
        return original.call(this, real, exactOrBroad);
      },
    };
  }
  const api = { ...rehome(new ccxt.bybit().urls['api'] as Api, url, origins), ws: rehomeWs(proWsUrls('bybit'), wsUrl) };
  return {
    apiKey: opts.apiKey,
    secret: opts.secret,
    urls: { api },
    httpAgent: wsAgent(),
    options: {
      fetchMarkets: { types: ['spot', 'linear'] },
      fetchCurrencies: false,
      // createOrder otherwise first asks two account endpoints whether the account is unified.
      enableUnifiedMargin: false,
      enableUnifiedAccount: true,
    },
  };
}
