/**
 * Real, unmodified ccxt.pro (binance and bybit classes) watching the loopback mock's WebSocket
 * streams: every book, ticker and mark price below went through ccxt.pro's own subscribe /
 * snapshot-sync / parse pipeline over 127.0.0.1. Reconnect uses ccxt.pro's default backoff:
 * binance waits about 1 s before redialling a URL; bybit (whose backoff state does not persist in
 * options.ws in 4.5.84) redials at once.
 */
import ccxt, { NetworkError, type Exchange, type OrderBook } from 'ccxt';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockExchange, type MockBook, type MockExchange, type MockVenue } from '../support/mock-exchange/index.js';

const SPOT = 'BTC/USDT';
const PERP = 'BTC/USDT:USDT';
const KEYS: Record<MockVenue, { apiKey: string; secret: string }> = {
  binance: { apiKey: 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A', secret: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j' },
  bybit: { apiKey: 'XbDm3ElYbWFbqS0h2X', secret: 'Rh3mVDvP0mAZaQe3Hs1pYd6oWtWbN4fG3nUo' },
};

let mock: MockExchange | undefined;
const open: Exchange[] = [];

afterEach(async () => {
  for (const ex of open.splice(0)) await ex.close();
  await mock?.close();
  mock = undefined;
});

async function start(venue: MockVenue, overrides: Record<string, unknown> = {}): Promise<{ mock: MockExchange; ex: Exchange }> {
  const m = await startMockExchange({
    venue,
    ...KEYS[venue],
    balances: venue === 'binance' ? { spot: { USDT: 100_000 }, futures: { USDT: 100_000 } } : { unified: { USDT: 100_000 } },
  });
  mock = m;
  m.setBook(SPOT, { bids: [[59_990, 1], [59_980, 2]], asks: [[60_000, 0.5], [60_010, 1]] });
  m.setBook(PERP, { bids: [[60_020, 1], [60_015, 2]], asks: [[60_030, 1], [60_040, 3]] });
  const o = m.ccxtOptions();
  const Pro = venue === 'binance' ? ccxt.pro.binance : ccxt.pro.bybit;
  const ex = new Pro({ ...o, timeout: 2000, enableRateLimit: false, ...overrides }) as unknown as Exchange;
  open.push(ex);
  await ex.loadMarkets();
  return { mock: m, ex };
}

const levels = (side: OrderBook['bids']): [number, number][] => side.map(([p, q]) => [Number(p), Number(q)]);
const asBook = (b: OrderBook): MockBook => ({ bids: levels(b.bids), asks: levels(b.asks) });

/** A ccxt.pro consumer loop: watch until the book matches, riding out a dropped connection. */
async function watchUntil<T>(watch: () => Promise<T>, ok: (v: T) => boolean, ms = 4000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await watch();
      if (ok(v)) return v;
      last = v;
    } catch (e) {
      if (!(e instanceof NetworkError)) throw e;
      last = e;
    }
  }
  throw new Error(`watchUntil: gave up, last ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

const sameBook = (want: MockBook) => (b: OrderBook) => JSON.stringify(asBook(b)) === JSON.stringify(want);

/** n levels a side around mid, tick apart. */
function ladder(mid: number, n: number, tick: number): MockBook {
  return {
    bids: Array.from({ length: n }, (_, i) => [mid - tick * (i + 1), (10 + i) / 100] as [number, number]),
    asks: Array.from({ length: n }, (_, i) => [mid + tick * (i + 1), (20 + i) / 100] as [number, number]),
  };
}

describe.each(['binance', 'bybit'] as const)('%s: ccxt.pro watchOrderBook against the mock', (venue) => {
  it('gets the snapshot, then each setBook as the next book (spot and perp)', async () => {
    const { mock: m, ex } = await start(venue);
    for (const symbol of [SPOT, PERP]) {
      const first = await ex.watchOrderBook(symbol);
      expect(asBook(first)).toEqual(
        symbol === SPOT
          ? { bids: [[59_990, 1], [59_980, 2]], asks: [[60_000, 0.5], [60_010, 1]] }
          : { bids: [[60_020, 1], [60_015, 2]], asks: [[60_030, 1], [60_040, 3]] },
      );
      // One update: best bid replaced, a level resized, an ask removed.
      const next = ex.watchOrderBook(symbol);
      const b1: MockBook = { bids: [[59_995, 0.3], [59_980, 2.5]], asks: [[60_010, 1]] };
      m.setBook(symbol, b1);
      const got = await next;
      expect(got.bids[0]).toEqual([59_995, 0.3]);
      expect(got.asks[0]).toEqual([60_010, 1]);
      expect(asBook(got)).toEqual(b1);
      // A burst of updates: the book converges on the last one (gapless ids, or ccxt would throw ChecksumError).
      const b4: MockBook = { bids: [[59_999, 1]], asks: [[60_001, 1], [60_002, 2]] };
      m.setBook(symbol, { bids: [[59_970, 1]], asks: [[60_100, 1]] });
      m.setBook(symbol, { bids: [[59_970, 1], [59_960, 4]], asks: [[60_100, 2]] });
      m.setBook(symbol, b4);
      expect(asBook(await watchUntil(() => ex.watchOrderBook(symbol), sameBook(b4)))).toEqual(b4);
    }
    if (venue === 'binance') {
      // The diff ids continue the REST snapshot's lastUpdateId (ccxt keeps the last u as nonce).
      const next = ex.watchOrderBook(SPOT);
      m.setBook(SPOT, { bids: [[59_000, 1]], asks: [[61_000, 1]] });
      const streamed = await next;
      expect(streamed.nonce).toBe((await ex.fetchOrderBook(SPOT)).nonce);
    }
    expect(m.wsStats().unserved).toEqual([]);
    expect(m.stats().unserved).toEqual([]);
  });

  it('keeps a deep book consistent, including levels entering the subscribed depth', async () => {
    const { mock: m, ex } = await start(venue);
    // bybit: orderbook.50 (ccxt's default depth) so 60 levels overflow it; binance: full-depth diffs.
    const deep = ladder(60_000, 60, 1);
    m.setBook(PERP, deep);
    const top = (b: MockBook, n: number): MockBook => ({ bids: b.bids.slice(0, n), asks: b.asks.slice(0, n) });
    const depth = venue === 'bybit' ? 50 : 60;
    expect(asBook(await ex.watchOrderBook(PERP))).toEqual(top(deep, depth));
    // The best three levels a side go: levels 51..53 move into bybit's top 50.
    const thinner: MockBook = { bids: deep.bids.slice(3), asks: deep.asks.slice(3) };
    m.setBook(PERP, thinner);
    expect(asBook(await watchUntil(() => ex.watchOrderBook(PERP), sameBook(top(thinner, depth))))).toEqual(top(thinner, depth));
  });

  it('reflects liquidity a taker fill took (REST order, streamed book)', async () => {
    const { mock: m, ex } = await start(venue);
    await ex.watchOrderBook(SPOT);
    const next = ex.watchOrderBook(SPOT);
    await ex.createOrder(SPOT, 'limit', 'buy', 0.7, 60_010, { timeInForce: 'IOC' });
    const book = await next;
    expect(asBook(book)).toEqual({ bids: [[59_990, 1], [59_980, 2]], asks: [[60_010, 0.8]] });
    expect(m.state().fills.length).toBe(2);
  });

  it('reconnects and resubscribes after dropWs(), and follows later setBooks', async () => {
    const { mock: m, ex } = await start(venue);
    await Promise.all([ex.watchOrderBook(SPOT), ex.watchOrderBook(PERP)]);
    const before = m.wsStats();
    expect(before.subscriptions.length).toBe(2);
    const pending = [SPOT, PERP].map((s) => ex.watchOrderBook(s).then(() => 'resolved', (e: unknown) => e));
    expect(m.dropWs()).toBe(before.open);
    const outcomes = await Promise.all(pending);
    for (const e of outcomes) expect(e).toBeInstanceOf(NetworkError);
    // Changed while disconnected: the resubscription's snapshot carries it.
    const whileDown: MockBook = { bids: [[59_000, 1]], asks: [[61_000, 1]] };
    m.setBook(SPOT, whileDown);
    m.setBook(PERP, whileDown);
    await Promise.all([SPOT, PERP].map((s) => watchUntil(() => ex.watchOrderBook(s), sameBook(whileDown))));
    const after = m.wsStats();
    expect(after.opened).toBe(before.opened + before.open);
    expect(after.subscriptions.sort()).toEqual(before.subscriptions.sort());
    // And the diff / delta stream works on the new connection.
    const later: MockBook = { bids: [[59_500, 2]], asks: [[60_500, 2], [60_600, 1]] };
    const next = [SPOT, PERP].map((s) => ex.watchOrderBook(s));
    m.setBook(SPOT, later);
    m.setBook(PERP, later);
    for (const b of await Promise.all(next)) expect(asBook(b)).toEqual(later);
  });

  it('survives ccxt.pro keepalive pings (ping frames / op:ping) at a fast keepAlive', async () => {
    const { mock: m, ex } = await start(venue, { streaming: { keepAlive: 100 } });
    await ex.watchOrderBook(PERP);
    // Unanswered, ccxt.pro would time the connection out after keepAlive * 2 = 200 ms.
    await new Promise((r) => setTimeout(r, 600));
    const next = ex.watchOrderBook(PERP);
    m.setBook(PERP, { bids: [[60_000, 1]], asks: [[60_001, 1]] });
    expect((await next).bids[0]).toEqual([60_000, 1]);
    const s = m.wsStats();
    expect(s.opened).toBe(1);
    if (venue === 'binance') expect(s.pingFrames).toBeGreaterThanOrEqual(3);
    else expect(s.received).toBeGreaterThanOrEqual(4); // subscribe + op:ping every 100 ms
  });
});

describe('binance: tickers and mark price over ccxt.pro', () => {
  it('watchTicker (spot, perp), watchBidsAsks and watchMarkPrice follow setBook / setMark / setFundingRate', async () => {
    const { mock: m, ex } = await start('binance');
    m.setMark(SPOT, 60_005);
    m.setMark(PERP, 60_025, 60_000);
    m.setFundingRate(PERP, 0.0001, 1_900_000_000_000);
    // ccxt 4.5.84's watchTicker subscribes <symbol>@miniTicker (close / open / high / low / volumes only).
    const mini = await ex.watchTicker(SPOT);
    expect(mini).toMatchObject({ symbol: SPOT, last: 60_005, bid: undefined });
    expect(mini.info).toMatchObject({ e: '24hrMiniTicker' });
    // name: 'ticker' is the full 24hrTicker, which on spot carries the best bid / ask.
    const spot = await ex.watchTicker(SPOT, { name: 'ticker' });
    expect(spot).toMatchObject({ symbol: SPOT, last: 60_005, bid: 59_990, bidVolume: 1, ask: 60_000, askVolume: 0.5 });
    const perp = await ex.watchTicker(PERP, { name: 'ticker' });
    expect(perp).toMatchObject({ symbol: PERP, last: 60_025 });
    const nextSpot = ex.watchTicker(SPOT, { name: 'ticker' });
    m.setBook(SPOT, { bids: [[59_991, 2]], asks: [[59_999, 3]] });
    expect(await nextSpot).toMatchObject({ bid: 59_991, bidVolume: 2, ask: 59_999, askVolume: 3 });
    const nextMini = ex.watchTicker(SPOT);
    m.setMark(SPOT, 60_007);
    expect(await nextMini).toMatchObject({ last: 60_007 });

    const ba = await ex.watchBidsAsks([PERP]);
    expect(ba[PERP]).toMatchObject({ bid: 60_020, bidVolume: 1, ask: 60_030, askVolume: 1 });

    const mark = await ex.watchMarkPrice(PERP);
    expect(mark).toMatchObject({ symbol: PERP, markPrice: 60_025, indexPrice: 60_000 });
    expect(mark.info).toMatchObject({ e: 'markPriceUpdate', s: 'BTCUSDT', r: '0.00010000', T: 1_900_000_000_000 });
    const nextMark = ex.watchMarkPrice(PERP);
    m.setFundingRate(PERP, -0.0003);
    expect((await nextMark).info).toMatchObject({ r: '-0.00030000' });
    const movedMark = ex.watchMarkPrice(PERP);
    m.setMark(PERP, 61_000, 60_990);
    expect(await movedMark).toMatchObject({ markPrice: 61_000, indexPrice: 60_990 });
    // A funding boundary crossed by tick() moves T on the stream.
    const boundary = Date.now() + 1000;
    m.setFundingRate(PERP, 0.0002, boundary);
    await ex.watchMarkPrice(PERP);
    const crossed = ex.watchMarkPrice(PERP);
    m.tick(2000);
    expect((await crossed).info).toMatchObject({ T: boundary + 8 * 3_600_000 });
    expect(m.wsStats().subscriptions.sort()).toEqual(
      ['future btcusdt@bookTicker', 'future btcusdt@markPrice@1s', 'future btcusdt@ticker', 'spot btcusdt@miniTicker', 'spot btcusdt@ticker'].sort(),
    );
  });

  it('answers SUBSCRIBE / LIST_SUBSCRIPTIONS / bad streams as the venue does (raw socket)', async () => {
    const { mock: m } = await start('binance');
    const replies = await raw(`${m.wsUrl}/stream.binance.com/ws`, [
      { method: 'SUBSCRIBE', params: ['btcusdt@depth@100ms'], id: 1 },
      { method: 'LIST_SUBSCRIPTIONS', id: 2 },
      { method: 'SUBSCRIBE', params: ['nosuch@depth'], id: 3 },
    ], 3);
    expect(replies).toEqual([
      { result: null, id: 1 },
      { result: ['btcusdt@depth@100ms'], id: 2 },
      { error: { code: 2, msg: 'Invalid request: invalid stream' }, id: 3 },
    ]);
  });
});

describe('bybit: tickers over ccxt.pro', () => {
  it('watchTicker: linear carries mark / index / funding and takes deltas; spot takes snapshots', async () => {
    const { mock: m, ex } = await start('bybit');
    m.setMark(PERP, 60_025, 60_000);
    m.setFundingRate(PERP, 0.0001, 1_900_000_000_000);
    m.setMark(SPOT, 60_005);
    const perp = await ex.watchTicker(PERP);
    expect(perp).toMatchObject({ symbol: PERP, last: 60_025, markPrice: 60_025, indexPrice: 60_000, bid: 60_020, ask: 60_030 });
    expect(perp.info).toMatchObject({ fundingRate: '0.0001', nextFundingTime: '1900000000000' });
    const nextFunding = ex.watchTicker(PERP);
    m.setFundingRate(PERP, -0.0002);
    const funded = await nextFunding;
    expect(funded.info).toMatchObject({ fundingRate: '-0.0002', markPrice: '60025' });
    const nextBook = ex.watchTicker(PERP);
    m.setBook(PERP, { bids: [[60_021, 4]], asks: [[60_022, 5]] });
    expect(await nextBook).toMatchObject({ bid: 60_021, bidVolume: 4, ask: 60_022, askVolume: 5, markPrice: 60_025 });

    const spot = await ex.watchTicker(SPOT);
    expect(spot).toMatchObject({ symbol: SPOT, last: 60_005 });
    const nextSpot = ex.watchTicker(SPOT);
    m.setMark(SPOT, 60_100);
    expect(await nextSpot).toMatchObject({ symbol: SPOT, last: 60_100 });
  });

  it('answers subscribe, ping and bad topics as the venue does (raw socket)', async () => {
    const { mock: m } = await start('bybit');
    const replies = await raw(`${m.wsUrl}/stream.bybit.com/v5/public/linear`, [
      { op: 'subscribe', req_id: '7', args: ['orderbook.1.BTCUSDT'] },
      { op: 'ping', req_id: '8' },
      { op: 'subscribe', req_id: '9', args: ['orderbook.50.NOSUCH'] },
    ], 4);
    const connId = (replies[0] as { conn_id: string }).conn_id;
    expect(replies[0]).toEqual({ success: true, ret_msg: 'subscribe', conn_id: connId, req_id: '7', op: 'subscribe' });
    expect(replies[1]).toMatchObject({ topic: 'orderbook.1.BTCUSDT', type: 'snapshot', data: { s: 'BTCUSDT', b: [['60020', '1']], a: [['60030', '1']] } });
    expect(replies[2]).toEqual({ success: true, ret_msg: 'pong', conn_id: connId, req_id: '8', op: 'ping' });
    expect(replies[3]).toMatchObject({ success: false, req_id: '9', op: 'subscribe' });
  });
});

/** Send requests one by one on a plain `ws` socket and collect the first n messages. */
async function raw(url: string, requests: unknown[], n: number): Promise<unknown[]> {
  const ws = new WebSocket(url);
  const got: unknown[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`raw: ${got.length}/${n} replies`)), 2000);
    ws.on('open', () => {
      for (const r of requests) ws.send(JSON.stringify(r));
    });
    ws.on('message', (d: Buffer) => {
      got.push(JSON.parse(d.toString('utf8')));
      if (got.length === n) {
        clearTimeout(timer);
        resolve();
      }
    });
    ws.on('error', reject);
  });
  ws.terminate();
  return got;
}
