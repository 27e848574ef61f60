/**
 * The sim's answers against real ccxt 4.5.84.
 *
 * Each sim result carries the venue's raw record in `info`. Serving those raw records to a
 * real ccxt instance (through its `fetch` seam, so nothing touches the network) and
 * comparing what ccxt parses with what the sim returned checks the whole shape: every key
 * ccxt sets (undefined ones included), their order, types and values, and that the call
 * with the plan's params reaches the endpoint the sim claims to answer.
 */
import ccxt from 'ccxt';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimClock } from '../../src/domain/clock.js';
import { createSimMarket, DEFAULT_SIM_START, type SimExchange } from '../../src/venues/sim/index.js';

type Obj = Record<string, unknown>;

/** Every difference between two ccxt results: key sets, key order, values (NaN-aware). */
function differences(actual: unknown, expected: unknown, path = '$', out: string[] = []): string[] {
  if (out.length > 20) return out;
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (!Object.is(actual, expected)) out.push(`${path}: ${actual} !== ${expected}`);
    return out;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      out.push(`${path}: array length ${Array.isArray(actual) ? actual.length : typeof actual} vs ${expected.length}`);
      return out;
    }
    expected.forEach((e, i) => differences(actual[i], e, `${path}[${i}]`, out));
    return out;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') {
      out.push(`${path}: ${JSON.stringify(actual)} is not an object`);
      return out;
    }
    const ek = Object.keys(expected as Obj);
    const ak = Object.keys(actual as Obj);
    const missing = ek.filter((k) => !ak.includes(k));
    const extra = ak.filter((k) => !ek.includes(k));
    if (missing.length || extra.length) out.push(`${path}: missing [${missing.join(',')}] extra [${extra.join(',')}]`);
    else if (ek.join() !== ak.join()) out.push(`${path}: key order ${ak.join(',')} vs ${ek.join(',')}`);
    for (const k of ek) if (ak.includes(k)) differences((actual as Obj)[k], (expected as Obj)[k], `${path}.${k}`, out);
    return out;
  }
  if (actual !== expected) out.push(`${path}: ${JSON.stringify(actual)} !== ${JSON.stringify(expected)}`);
  return out;
}

function expectSame(actual: unknown, expected: unknown): void {
  expect(differences(actual, expected)).toEqual([]);
}

type Route = (url: string) => unknown;

/** A real ccxt instance whose HTTP layer answers from `route` (throws on anything unexpected). */
function ccxtWith(id: string, route: Route, options: Obj = {}): { ex: Obj & Record<string, (...a: unknown[]) => Promise<unknown>>; urls: string[] } {
  const Ctor = (ccxt as unknown as Record<string, new (o: Obj) => Obj>)[id] as new (o: Obj) => Obj;
  const ex = new Ctor({ enableRateLimit: false, options }) as Obj & Record<string, (...a: unknown[]) => Promise<unknown>>;
  const urls: string[] = [];
  ex['fetch'] = async (url: unknown): Promise<unknown> => {
    const u = String(url);
    urls.push(u);
    const r = route(u);
    if (r === undefined) throw new Error(`unmocked ${u}`);
    // A copy, as if it came off the wire: ccxt writes into what it parses.
    return structuredClone(r);
  };
  return { ex, urls };
}

const infos = (res: unknown): Obj[] => Object.values(res as Record<string, Obj>).map((r) => r['info'] as Obj);
const asStrings = (levels: unknown): string[][] => (levels as number[][]).map((l) => [String(l[0]), String(l[1])]);

let clock: SimClock;
let sim: Record<string, SimExchange>;

beforeAll(async () => {
  clock = new SimClock(DEFAULT_SIM_START + 3 * 3_600_000 + 17_000);
  sim = createSimMarket({ seed: 7 }, clock).exchanges;
});

describe('binance vs ccxt.binance', () => {
  let markets: Record<string, Obj>;
  let ex: ReturnType<typeof ccxtWith>['ex'];
  let urls: string[];
  let route: { [k: string]: unknown } = {};

  beforeAll(async () => {
    markets = (await sim['binance']!.loadMarkets()) as unknown as Record<string, Obj>;
    const spot = Object.values(markets).filter((m) => m['spot']).map((m) => m['info']);
    const linear = Object.values(markets).filter((m) => m['swap']).map((m) => m['info']);
    route = {
      '/api/v3/exchangeInfo': { timezone: 'UTC', serverTime: clock.now(), rateLimits: [], exchangeFilters: [], symbols: spot },
      '/fapi/v1/exchangeInfo': { timezone: 'UTC', serverTime: clock.now(), rateLimits: [], exchangeFilters: [], assets: [], symbols: linear },
    };
    ({ ex, urls } = ccxtWith('binance', (u) => {
      const path = new URL(u).pathname;
      return route[path];
    }, { fetchMarkets: { types: ['spot', 'linear'] }, fetchMargins: false }));
    await ex['loadMarkets']!();
  });

  it('markets equal ccxt parsing the same exchangeInfo', () => {
    expectSame(markets, ex['markets']);
  });

  it('fetchFundingRates() equals ccxt parsing premiumIndex', async () => {
    const ours = await sim['binance']!.fetchFundingRates();
    route['/fapi/v1/premiumIndex'] = infos(ours);
    expectSame(ours, await ex['fetchFundingRates']!());
    expect(urls.at(-1)).toContain('/fapi/v1/premiumIndex');
  });

  it('fetchFundingIntervals() equals ccxt parsing fundingInfo', async () => {
    const ours = await sim['binance']!.fetchFundingIntervals();
    route['/fapi/v1/fundingInfo'] = infos(ours);
    expectSame(ours, await ex['fetchFundingIntervals']!());
  });

  it("fetchTickers(undefined, {type:'swap', subType:'linear'}) hits /fapi/v1/ticker/24hr and matches", async () => {
    const ours = await sim['binance']!.fetchTickers(undefined, { type: 'swap', subType: 'linear' });
    expect(Object.keys(ours).every((s) => s.endsWith(':USDT'))).toBe(true);
    route['/fapi/v1/ticker/24hr'] = infos(ours);
    expectSame(ours, await ex['fetchTickers']!(undefined, { type: 'swap', subType: 'linear' }));
    expect(new URL(urls.at(-1)!).pathname).toBe('/fapi/v1/ticker/24hr');
    // {type:'swap'} alone reaches the same endpoint (binance isLinear('swap', undefined) is true).
    await ex['fetchTickers']!(undefined, { type: 'swap' });
    expect(new URL(urls.at(-1)!).pathname).toBe('/fapi/v1/ticker/24hr');
    expect(Object.keys(await sim['binance']!.fetchTickers(undefined, { type: 'swap' }))).toEqual(Object.keys(ours));
  });

  it('fetchTickers() (default spot) matches /api/v3/ticker/24hr', async () => {
    const ours = await sim['binance']!.fetchTickers();
    expect(Object.keys(ours).every((s) => !s.includes(':'))).toBe(true);
    route['/api/v3/ticker/24hr'] = infos(ours);
    expectSame(ours, await ex['fetchTickers']!());
  });

  it('fetchOrderBook matches for a perp (T, lastUpdateId) and a spot (no timestamp)', async () => {
    for (const [symbol, path] of [
      ['ETH/USDT:USDT', '/fapi/v1/depth'],
      ['ETH/USDT', '/api/v3/depth'],
    ] as const) {
      const ours = (await sim['binance']!.fetchOrderBook(symbol, 20)) as unknown as Obj;
      route[path] = {
        lastUpdateId: ours['nonce'],
        E: ours['timestamp'],
        T: ours['timestamp'],
        bids: asStrings(ours['bids']),
        asks: asStrings(ours['asks']),
      };
      if (path === '/api/v3/depth') route[path] = { lastUpdateId: ours['nonce'], bids: asStrings(ours['bids']), asks: asStrings(ours['asks']) };
      expectSame(ours, await ex['fetchOrderBook']!(symbol, 20));
    }
  });

  it('fetchFundingRateHistory matches /fapi/v1/fundingRate', async () => {
    const ours = await sim['binance']!.fetchFundingRateHistory('BTC/USDT:USDT', DEFAULT_SIM_START - 2 * 86_400_000, 5);
    route['/fapi/v1/fundingRate'] = ours.map((r) => r.info);
    expectSame(ours, await ex['fetchFundingRateHistory']!('BTC/USDT:USDT', DEFAULT_SIM_START - 2 * 86_400_000, 5));
  });
});

describe('bybit vs ccxt.bybit', () => {
  let markets: Record<string, Obj>;
  let ex: ReturnType<typeof ccxtWith>['ex'];
  const lists: Record<string, unknown[]> = {};
  let book: Obj = {};
  let history: unknown[] = [];

  beforeAll(async () => {
    markets = (await sim['bybit']!.loadMarkets()) as unknown as Record<string, Obj>;
    lists['instruments:spot'] = Object.values(markets).filter((m) => m['spot']).map((m) => m['info']);
    lists['instruments:linear'] = Object.values(markets).filter((m) => m['swap']).map((m) => m['info']);
    ({ ex } = ccxtWith(
      'bybit',
      (u) => {
        const url = new URL(u);
        const q = url.searchParams;
        const wrap = (result: unknown): Obj => ({ retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: clock.now() });
        if (url.pathname === '/v5/market/instruments-info') {
          if (q.get('status') === 'PreLaunch') return wrap({ category: q.get('category'), list: [] });
          return wrap({ category: q.get('category'), list: lists[`instruments:${q.get('category')}`] ?? [], nextPageCursor: '' });
        }
        if (url.pathname === '/v5/market/tickers') return wrap({ category: q.get('category'), list: lists[`tickers:${q.get('category')}`] ?? [] });
        if (url.pathname === '/v5/market/orderbook') return wrap(book);
        if (url.pathname === '/v5/market/funding/history') return wrap({ category: 'linear', list: history });
        return undefined;
      },
      { fetchMarkets: { types: ['spot', 'linear'] } },
    ));
    await ex['loadMarkets']!();
  });

  it('markets equal ccxt parsing the same instruments-info', () => {
    expectSame(markets, ex['markets']);
  });

  it('fetchFundingRates() equals ccxt parsing /v5/market/tickers (interval from market info)', async () => {
    const ours = await sim['bybit']!.fetchFundingRates();
    lists['tickers:linear'] = infos(ours);
    expectSame(ours, await ex['fetchFundingRates']!());
  });

  it("fetchTickers(undefined, {type:'swap', subType:'linear'}) and spot tickers match", async () => {
    const ours = await sim['bybit']!.fetchTickers(undefined, { type: 'swap', subType: 'linear' });
    lists['tickers:linear'] = infos(ours);
    expectSame(ours, await ex['fetchTickers']!(undefined, { type: 'swap', subType: 'linear' }));
    const spot = await sim['bybit']!.fetchTickers(undefined, { type: 'spot' });
    lists['tickers:spot'] = infos(spot);
    expectSame(spot, await ex['fetchTickers']!(undefined, { type: 'spot' }));
  });

  it('fetchOrderBook matches', async () => {
    const ours = (await sim['bybit']!.fetchOrderBook('SOL/USDT:USDT', 50)) as unknown as Obj;
    book = { s: 'SOLUSDT', b: asStrings(ours['bids']), a: asStrings(ours['asks']), ts: ours['timestamp'], u: 1, seq: 2, cts: ours['timestamp'] };
    expectSame(ours, await ex['fetchOrderBook']!('SOL/USDT:USDT', 50));
  });

  it('fetchFundingRateHistory matches', async () => {
    const ours = await sim['bybit']!.fetchFundingRateHistory('ETH/USDT:USDT', undefined, 10);
    history = ours.map((r) => r.info).reverse();
    expectSame(ours, await ex['fetchFundingRateHistory']!('ETH/USDT:USDT', undefined, 10));
  });
});

describe('okx vs ccxt.okx', () => {
  let markets: Record<string, Obj>;
  let ex: ReturnType<typeof ccxtWith>['ex'];
  const data: Record<string, unknown[]> = {};

  beforeAll(async () => {
    markets = (await sim['okx']!.loadMarkets()) as unknown as Record<string, Obj>;
    data['SPOT'] = Object.values(markets).filter((m) => m['spot']).map((m) => m['info']);
    data['SWAP'] = Object.values(markets).filter((m) => m['swap']).map((m) => m['info']);
    ({ ex } = ccxtWith(
      'okx',
      (u) => {
        const url = new URL(u);
        const q = url.searchParams;
        const wrap = (d: unknown): Obj => ({ code: '0', msg: '', data: d });
        if (url.pathname === '/api/v5/public/instruments') return wrap(data[q.get('instType') ?? ''] ?? []);
        if (url.pathname === '/api/v5/public/funding-rate') return wrap(data['funding'] ?? []);
        if (url.pathname === '/api/v5/market/tickers') return wrap(data[`tickers:${q.get('instType')}`] ?? []);
        if (url.pathname === '/api/v5/market/books') return wrap(data['book'] ?? []);
        if (url.pathname === '/api/v5/public/funding-rate-history') return wrap(data['history'] ?? []);
        return undefined;
      },
      { fetchMarkets: { types: ['spot', 'swap'] } },
    ));
    await ex['loadMarkets']!();
  });

  it('markets equal ccxt parsing the same instruments', () => {
    expectSame(markets, ex['markets']);
  });

  it('fetchFundingRates() matches public/funding-rate?instId=ANY (interval from the two times)', async () => {
    const ours = await sim['okx']!.fetchFundingRates();
    data['funding'] = infos(ours);
    expectSame(ours, await ex['fetchFundingRates']!());
  });

  it("fetchTickers(undefined, {type:'swap'}) matches", async () => {
    const ours = await sim['okx']!.fetchTickers(undefined, { type: 'swap' });
    data['tickers:SWAP'] = infos(ours);
    expectSame(ours, await ex['fetchTickers']!(undefined, { type: 'swap' }));
    const spot = await sim['okx']!.fetchTickers();
    data['tickers:SPOT'] = infos(spot);
    expectSame(spot, await ex['fetchTickers']!());
  });

  it('fetchOrderBook matches (levels keep the third element)', async () => {
    const ours = (await sim['okx']!.fetchOrderBook('BTC/USDT:USDT', 20)) as unknown as Obj;
    const lv = (ls: unknown): string[][] => (ls as number[][]).map((l) => [String(l[0]), String(l[1]), '0', '3']);
    data['book'] = [{ asks: lv(ours['asks']), bids: lv(ours['bids']), ts: String(ours['timestamp']) }];
    expectSame(ours, await ex['fetchOrderBook']!('BTC/USDT:USDT', 20));
  });

  it('fetchFundingRateHistory matches', async () => {
    const ours = await sim['okx']!.fetchFundingRateHistory('BTC/USDT:USDT', undefined, 6);
    data['history'] = ours.map((r) => r.info).reverse();
    expectSame(ours, await ex['fetchFundingRateHistory']!('BTC/USDT:USDT', undefined, 6));
  });
});

describe('deribit vs ccxt.deribit', () => {
  let markets: Record<string, Obj>;
  let ex: ReturnType<typeof ccxtWith>['ex'];
  const data: Record<string, unknown> = {};

  beforeAll(async () => {
    markets = (await sim['deribit']!.loadMarkets()) as unknown as Record<string, Obj>;
    data['instruments'] = Object.values(markets).map((m) => m['info']);
    const currency = (c: string): Obj => ({ currency: c, currency_long: c, coin_type: 'CRYPTO', fee_precision: 4, min_confirmations: 1, min_withdrawal_fee: 0.0001, withdrawal_fee: 0.0001, withdrawal_priorities: [] });
    data['currencies'] = ['BTC', 'ETH', 'USDC', 'USDT', 'EURR'].map(currency);
    ({ ex } = ccxtWith('deribit', (u) => {
      const url = new URL(u);
      const wrap = (result: unknown): Obj => ({ jsonrpc: '2.0', result, usIn: 1, usOut: 2, usDiff: 1, testnet: false });
      if (url.pathname.endsWith('/public/get_currencies')) return wrap(data['currencies']);
      if (url.pathname.endsWith('/public/get_instruments')) return wrap(data['instruments']);
      if (url.pathname.endsWith('/public/get_book_summary_by_currency')) return wrap(data[`summary:${url.searchParams.get('currency')}`] ?? []);
      if (url.pathname.endsWith('/public/get_order_book')) return wrap(data['book']);
      if (url.pathname.endsWith('/public/get_funding_rate_history')) return wrap(data['history']);
      return undefined;
    }));
    await ex['loadMarkets']!();
  });

  it('markets equal ccxt parsing the same instruments', () => {
    expectSame(markets, ex['markets']);
  });

  it.each(['BTC', 'ETH', 'USDC'])("fetchTickers(undefined, {code:'%s'}) matches get_book_summary_by_currency", async (code) => {
    const ours = await sim['deribit']!.fetchTickers(undefined, { code });
    expect(Object.keys(ours).length).toBeGreaterThan(0);
    data[`summary:${code}`] = infos(ours);
    expectSame(ours, await ex['fetchTickers']!(undefined, { code }));
  });

  it('fetchOrderBook matches (change_id nonce; inverse amounts in USD)', async () => {
    const ours = (await sim['deribit']!.fetchOrderBook('BTC/USD:BTC', 10)) as unknown as Obj;
    data['book'] = { timestamp: ours['timestamp'], change_id: ours['nonce'], instrument_name: 'BTC-PERPETUAL', bids: ours['bids'], asks: ours['asks'] };
    expectSame(ours, await ex['fetchOrderBook']!('BTC/USD:BTC', 10));
  });

  it('fetchFundingRateHistory matches (hourly rows, fundingRate = interest_8h)', async () => {
    const since = clock.now() - 6 * 3_600_000;
    const ours = await sim['deribit']!.fetchFundingRateHistory('BTC/USD:BTC', since, 4);
    data['history'] = ours.map((r) => r.info);
    expectSame(ours, await ex['fetchFundingRateHistory']!('BTC/USD:BTC', since, 4));
  });
});

describe('has flags', () => {
  it.each(['binance', 'bybit', 'okx', 'deribit'])('%s has equals ccxt', (id) => {
    const Ctor = (ccxt as unknown as Record<string, new () => { has: Obj }>)[id]!;
    expect({ ...sim[id]!.has }).toEqual({ ...new Ctor().has });
  });
});
