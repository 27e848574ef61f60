/**
 * Binance market streams (spot wss://stream.binance.com:9443/ws, USD-M wss://fstream.binance.com/{public,market}/ws)
 * as ccxt.pro 4.5.84 pro/binance.js uses them: raw /ws connections with live SUBSCRIBE /
 * UNSUBSCRIBE / LIST_SUBSCRIPTIONS requests, events unwrapped (no combined-stream envelope).
 *
 * Served streams, per market `<id lowercased>@...`:
 *   depth, depth@100ms (@250ms, @500ms, @1000ms): diff depth, pushed on every book update (no
 *     batching window), one update per event: U = u = the book's new updateId (futures pu = the
 *     previous one); the REST snapshot's lastUpdateId is the same counter (Book.updateId), which is
 *     what ccxt's fetchOrderBookSnapshot / handleOrderBook U/u/pu sync checks.
 *   ticker, miniTicker: 24 h ticker from the same values the REST ticker serves (last = mark).
 *   bookTicker: best bid / ask.
 *   markPrice, markPrice@1s (USD-M only): mark / index / funding rate / next funding time.
 * The ticker-like streams push the current value once right after the ack (standing in for the
 * venue's 1 s / 3 s cadence) and again on every change (setBook, a fill, setMark, setFundingRate).
 * Diff depth pushes nothing until the book changes, as the venue's diff stream only carries changes.
 *
 * Message shapes: the venue docs as quoted in pro/binance.js (handleOrderBook "depthUpdate",
 * parseWsTicker "markPriceUpdate" / "24hrTicker" / "24hrMiniTicker", handleBidsAsks bookTicker,
 * handleSubscriptionStatus {"result":null,"id"}, handleWsError {"error":{"code":2,...},"id"}); the
 * USD-M depthUpdate adds T and pu (developers.binance.com USD-M "Diff. Book Depth Streams", the
 * fields pro/binance.js handleOrderBook reads).
 */
import type { Engine } from './account.js';
import { dec } from './binance.js';
import { diffSide } from './book.js';
import type { MarketDef } from './markets.js';
import type { MockBook } from './types.js';
import type { VenueWs, WsConn, WsHub } from './ws.js';

type Obj = Record<string, unknown>;
type Kind = 'depth' | 'ticker' | 'miniTicker' | 'bookTicker' | 'markPrice';

interface Stream {
  readonly name: string;
  readonly kind: Kind;
  readonly market: MarketDef;
}

const DEPTH_RATES = new Set(['', '@100ms', '@250ms', '@500ms', '@1000ms']);

export interface BinanceWs extends VenueWs {
  /** setMark / setFundingRate: push the streams that carry mark, index or funding. */
  marketChanged(m: MarketDef): void;
}

export function binanceWs(o: { engine: Engine; hub: WsHub }): BinanceWs {
  const { engine, hub } = o;
  const subs = new WeakMap<WsConn, Map<string, Stream>>();
  const streamsOf = (c: WsConn): Map<string, Stream> => {
    let s = subs.get(c);
    if (s === undefined) subs.set(c, (s = new Map()));
    return s;
  };
  const byId = (kind: 'spot' | 'perp', id: string): MarketDef | undefined =>
    [...engine.markets.values()].find((m) => m.kind === kind && m.id.toLowerCase() === id);

  const resolve = (endpoint: string, name: string): Stream | undefined => {
    const at = name.indexOf('@');
    if (at < 0) return undefined;
    const market = byId(endpoint === 'spot' ? 'spot' : 'perp', name.slice(0, at));
    if (market === undefined) return undefined;
    const channel = name.slice(at + 1);
    if (channel.startsWith('depth') && DEPTH_RATES.has(channel.slice('depth'.length))) return { name, kind: 'depth', market };
    if (channel === 'ticker' || channel === 'miniTicker' || channel === 'bookTicker') return { name, kind: channel, market };
    if (market.kind === 'perp' && (channel === 'markPrice' || channel === 'markPrice@1s')) return { name, kind: 'markPrice', market };
    return undefined;
  };

  const fmt = (levels: [number, number][]): string[][] => levels.map(([p, q]) => [dec(p), dec(q)]);
  const best = (m: MarketDef) => m.book.best();

  /** "24hrTicker": spot field list of the docs example in parseWsTicker; USD-M has no x / b / B / a / A. */
  const ticker = (m: MarketDef): Obj => {
    const now = engine.now;
    const last = dec(m.mark);
    const { bid, ask } = best(m);
    return {
      e: '24hrTicker', E: now, s: m.id, p: '0', P: '0', w: last,
      ...(m.kind === 'spot' ? { x: last } : {}),
      c: last, Q: '0',
      ...(m.kind === 'spot' ? { b: dec(bid?.[0] ?? 0), B: dec(bid?.[1] ?? 0), a: dec(ask?.[0] ?? 0), A: dec(ask?.[1] ?? 0) } : {}),
      o: last, h: last, l: last, v: '0', q: '0', O: now - 86_400_000, C: now, F: 0, L: 0, n: 0,
    };
  };
  /** "24hrMiniTicker": the docs example in parseWsTicker. */
  const miniTicker = (m: MarketDef): Obj => {
    const last = dec(m.mark);
    return { e: '24hrMiniTicker', E: engine.now, s: m.id, c: last, o: last, h: last, l: last, v: '0', q: '0' };
  };
  /** bookTicker: spot shape as quoted in handleBidsAsks; USD-M adds e / E / T (docs "Individual Symbol Book Ticker Streams"). */
  const bookTicker = (m: MarketDef): Obj => {
    const { bid, ask } = best(m);
    const body = { u: m.book.updateId, s: m.id, b: dec(bid?.[0] ?? 0), B: dec(bid?.[1] ?? 0), a: dec(ask?.[0] ?? 0), A: dec(ask?.[1] ?? 0) };
    return m.kind === 'spot' ? body : { e: 'bookTicker', ...body, E: engine.now, T: engine.now };
  };
  /** "markPriceUpdate": the docs example quoted in parseWsTicker (numbers printed as the REST premiumIndex prints them). */
  const markPrice = (m: MarketDef): Obj => ({
    e: 'markPriceUpdate', E: engine.now, s: m.id, p: m.mark.toFixed(8), i: m.index.toFixed(8), P: m.index.toFixed(8),
    r: m.fundingRate.toFixed(8), T: m.nextFundingTime,
  });
  const render = (s: Stream): Obj | undefined => {
    switch (s.kind) {
      case 'ticker':
        return ticker(s.market);
      case 'miniTicker':
        return miniTicker(s.market);
      case 'bookTicker':
        return bookTicker(s.market);
      case 'markPrice':
        return markPrice(s.market);
      default:
        return undefined;
    }
  };

  const each = (m: MarketDef, kinds: readonly Kind[], f: (c: WsConn, s: Stream) => void): void => {
    for (const c of hub.connections()) for (const s of streamsOf(c).values()) if (s.market === m && kinds.includes(s.kind)) f(c, s);
  };

  for (const m of engine.markets.values()) {
    m.book.onChange((prev: MockBook, next: MockBook, id: number) => {
      const now = engine.now;
      const b = fmt(diffSide(prev.bids, next.bids));
      const a = fmt(diffSide(prev.asks, next.asks));
      const event =
        m.kind === 'spot'
          ? { e: 'depthUpdate', E: now, s: m.id, U: id, u: id, b, a }
          : { e: 'depthUpdate', E: now, T: now, s: m.id, U: id, u: id, pu: id - 1, b, a };
      each(m, ['depth'], (c) => c.send(event));
      each(m, ['ticker', 'bookTicker'], (c, s) => c.send(render(s)));
    });
  }

  const request = (c: WsConn, msg: Obj): void => {
    const id = msg['id'] ?? null;
    const params = Array.isArray(msg['params']) ? (msg['params'] as unknown[]) : [];
    const mine = streamsOf(c);
    const invalid = (): void => c.send({ error: { code: 2, msg: 'Invalid request: invalid stream' }, id });
    switch (msg['method']) {
      case 'SUBSCRIBE': {
        const streams = params.map((p) => (typeof p === 'string' ? resolve(c.endpoint, p) : undefined));
        if (streams.length === 0 || streams.some((s) => s === undefined)) return invalid();
        for (const s of streams as Stream[]) mine.set(s.name, s);
        c.send({ result: null, id });
        for (const s of streams as Stream[]) {
          const first = render(s);
          if (first !== undefined) c.send(first);
        }
        return;
      }
      case 'UNSUBSCRIBE':
        for (const p of params) if (typeof p === 'string') mine.delete(p);
        return c.send({ result: null, id });
      case 'LIST_SUBSCRIPTIONS':
        return c.send({ result: [...mine.keys()], id });
      default:
        return c.send({ error: { code: 2, msg: `Invalid request: unknown method ${String(msg['method'])}` }, id });
    }
  };

  return {
    endpoint(path) {
      // ccxt.pro: spot '<spot>/ws/<n>', USD-M '<future>/{public,market}/ws/<n>' (getWsUrl rewrites '/ws').
      if (/^\/stream\.binance\.com\/ws(\/[^/]*)?$/.test(path)) return 'spot';
      if (/^\/fstream\.binance\.com(\/public|\/market)?\/ws(\/[^/]*)?$/.test(path)) return 'future';
      return undefined;
    },
    message(c, text) {
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch {
        return c.send({ error: { code: 3, msg: 'Invalid JSON' }, id: null });
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return c.send({ error: { code: 2, msg: 'Invalid request' }, id: null });
      request(c, msg as Obj);
    },
    topics: (c) => [...streamsOf(c).keys()],
    closed: (c) => subs.delete(c),
    marketChanged(m) {
      each(m, ['ticker', 'miniTicker', 'markPrice'], (c, s) => c.send(render(s)));
    },
  };
}
