/**
 * Loopback mock exchange: an HTTP server on 127.0.0.1 that speaks Binance (spot + USDT-M) or
 * Bybit v5 (unified: spot + linear) closely enough that unmodified ccxt, with real keys and
 * signatures, trades against it. Test support only.
 *
 * Clock: without `now`, the mock clock is the wall clock plus whatever `tick` advanced. ccxt signs
 * with the wall clock, so after a tick signed calls fail -1021 / 10002 exactly as a skewed client
 * would live; `await exchange.loadTimeDifference()` (what ccxt's adjustForTimeDifference does)
 * re-syncs it from the mock's fetchTime.
 *
 * Fault semantics for createOrder: 'drop' closes the socket before anything is processed (no order
 * exists); 'acceptThenTimeout' places and matches the order, then withholds the answer.
 */
import ccxt from 'ccxt';
import { Engine } from './account.js';
import { binanceHttp } from './binance.js';
import { bybitHttp } from './bybit.js';
import { Faults } from './faults.js';
import { buildMarkets, type MarketDef } from './markets.js';
import { MockHttpServer, type VenueHttp } from './server.js';
import type { MockExchange, MockOrder, StartOptions } from './types.js';

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
  const url = await server.listen(http);

  const market = (symbol: string): MarketDef => {
    const m = markets.get(symbol);
    if (m === undefined) throw new Error(`mock exchange: ${symbol} is not listed (listed: ${[...markets.keys()].join(', ')})`);
    return m;
  };

  return {
    url,
    ccxtOptions: () => ccxtOptions(opts, url),
    setBook: (symbol, book) => market(symbol).book.set(book),
    setFundingRate(symbol, rate, nextFundingTime) {
      const m = market(symbol);
      m.fundingRate = rate;
      if (nextFundingTime !== undefined) m.nextFundingTime = nextFundingTime;
    },
    setMark(symbol, mark, index) {
      const m = market(symbol);
      m.mark = mark;
      m.index = index ?? mark;
    },
    settleFunding: (symbol) => engine.settleFunding(symbol),
    tick(ms) {
      if (opts.now === undefined) offset += ms;
      engine.crossFunding();
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
    close: () => server.close(),
  };
}

type Api = Record<string, string | Record<string, string>>;

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

function ccxtOptions(opts: StartOptions, url: string): Record<string, unknown> {
  const origins = new Map<string, string>();
  if (opts.venue === 'binance') {
    const api = rehome(new ccxt.binance().urls['api'] as Api, url, origins);
    const realBase = [...origins.entries()].sort((a, b) => b[0].length - a[0].length);
    const original = ccxt.binance.prototype.getExceptionsByUrl;
    return {
      apiKey: opts.apiKey,
      secret: opts.secret,
      urls: { api },
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
  const api = rehome(new ccxt.bybit().urls['api'] as Api, url, origins);
  return {
    apiKey: opts.apiKey,
    secret: opts.secret,
    urls: { api },
    options: {
      fetchMarkets: { types: ['spot', 'linear'] },
      fetchCurrencies: false,
      // createOrder otherwise first asks two account endpoints whether the account is unified.
      enableUnifiedMargin: false,
      enableUnifiedAccount: true,
    },
  };
}
