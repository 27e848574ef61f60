/**
 * Bybit v5 public streams (wss://stream.bybit.com/v5/public/{spot,linear}) as ccxt.pro 4.5.84
 * pro/bybit.js uses them: {"op":"subscribe","req_id","args":[topics]}, {"op":"unsubscribe"},
 * {"op":"ping"}.
 *
 * Served topics, per market id:
 *   orderbook.<depth>.<SYMBOL>: a snapshot of the top <depth> levels right after the ack, then a
 *     delta on every book update that changes those levels (size 0 = level gone, including a level
 *     pushed out of the top <depth>); u and seq are the book's updateId.
 *   tickers.<SYMBOL>: a snapshot right after the ack; linear then sends deltas of the changed fields
 *     (ccxt merges them into the stored ticker), spot a full snapshot on each change, as the venue
 *     does. Values are the ones the REST /v5/market/tickers route serves (last = mark).
 *
 * Message shapes: the venue docs as quoted in pro/bybit.js: handleOrderBook (topic / type / ts /
 * data {s, b, a, u, seq}), handleTicker (linear snapshot and delta, spot snapshot), handlePong
 * {"success":true,"ret_msg":"pong","conn_id",...}, handleUnSubscribe
 * {"success":true,"ret_msg":"","conn_id","req_id","op":"unsubscribe"}, handleErrorMessage
 * {"success":false,"ret_msg":"error:...","conn_id",...}; the subscribe ack
 * {"success":true,"ret_msg":"subscribe","conn_id","req_id","op":"subscribe"} is the one in Bybit's
 * v5 WebSocket "Connect" guide (ccxt routes it by op === 'subscribe'); a topic the mock does not serve
 * gets {"success":false,"ret_msg":"error:handler not found,topic:<topic>","conn_id","req_id","op":"subscribe"},
 * the venue's answer to an unknown topic name as reported in sieblyio/bybit-api#561 (for a known
 * topic with an unknown symbol the venue's wording may differ).
 */
import type { Engine } from './account.js';
import { dec } from './binance.js';
import { diffSide } from './book.js';
import type { MarketDef } from './markets.js';
import type { MockBook } from './types.js';
import type { VenueWs, WsConn, WsHub } from './ws.js';

type Obj = Record<string, unknown>;

interface Topic {
  readonly name: string;
  readonly kind: 'orderbook' | 'tickers';
  readonly market: MarketDef;
  /** orderbook: levels per side. */
  readonly depth: number;
  /** tickers: the data last sent, which a linear delta is taken against. */
  last?: Obj;
}

export interface BybitWs extends VenueWs {
  /** setMark / setFundingRate: push the ticker topics. */
  marketChanged(m: MarketDef): void;
}

export function bybitWs(o: { engine: Engine; hub: WsHub }): BybitWs {
  const { engine, hub } = o;
  const subs = new WeakMap<WsConn, Map<string, Topic>>();
  const topicsOf = (c: WsConn): Map<string, Topic> => {
    let s = subs.get(c);
    if (s === undefined) subs.set(c, (s = new Map()));
    return s;
  };
  const kindOf = (endpoint: string): 'spot' | 'perp' => (endpoint === 'spot' ? 'spot' : 'perp');
  const byId = (kind: 'spot' | 'perp', id: string): MarketDef | undefined =>
    [...engine.markets.values()].find((m) => m.kind === kind && m.id === id);

  const resolve = (endpoint: string, name: string): Topic | undefined => {
    const parts = name.split('.');
    if (parts[0] === 'orderbook' && parts.length === 3) {
      const depth = Number(parts[1]);
      const market = byId(kindOf(endpoint), parts[2] as string);
      if (!Number.isInteger(depth) || depth <= 0 || market === undefined) return undefined;
      return { name, kind: 'orderbook', market, depth };
    }
    if (parts[0] === 'tickers' && parts.length === 2) {
      const market = byId(kindOf(endpoint), parts[1] as string);
      return market === undefined ? undefined : { name, kind: 'tickers', market, depth: 0 };
    }
    return undefined;
  };

  const fmt = (levels: [number, number][]): string[][] => levels.map(([p, q]) => [dec(p), dec(q)]);
  const top = (b: MockBook, n: number): MockBook => ({ bids: b.bids.slice(0, n), asks: b.asks.slice(0, n) });

  const bookMsg = (t: Topic, type: 'snapshot' | 'delta', b: string[][], a: string[][]): Obj => ({
    topic: t.name, type, ts: engine.now, data: { s: t.market.id, b, a, u: t.market.book.updateId, seq: t.market.book.updateId }, cts: engine.now,
  });

  /** Ticker data: the field lists quoted in handleTicker (linear / spot), values as REST /v5/market/tickers. */
  const tickerData = (m: MarketDef): Obj => {
    const last = dec(m.mark);
    const common = { symbol: m.id, lastPrice: last, highPrice24h: last, lowPrice24h: last, prevPrice24h: last, volume24h: '0', turnover24h: '0', price24hPcnt: '0' };
    if (m.kind === 'spot') return { ...common, usdIndexPrice: dec(m.index) };
    const { bid, ask } = m.book.best();
    return {
      ...common, tickDirection: 'ZeroPlusTick', prevPrice1h: last, markPrice: dec(m.mark), indexPrice: dec(m.index), openInterest: '0',
      openInterestValue: '0', nextFundingTime: String(m.nextFundingTime), fundingRate: dec(m.fundingRate),
      bid1Price: dec(bid?.[0] ?? 0), bid1Size: dec(bid?.[1] ?? 0), ask1Price: dec(ask?.[0] ?? 0), ask1Size: dec(ask?.[1] ?? 0),
    };
  };
  const tickerMsg = (t: Topic, first: boolean): Obj | undefined => {
    const data = tickerData(t.market);
    const prev = t.last;
    t.last = data;
    const base = { topic: t.name, ts: engine.now, cs: t.market.book.updateId };
    if (first || prev === undefined || t.market.kind === 'spot') {
      if (!first && prev !== undefined && JSON.stringify(prev) === JSON.stringify(data)) return undefined;
      return { ...base, type: 'snapshot', data };
    }
    const delta: Obj = {};
    for (const [k, v] of Object.entries(data)) if (prev[k] !== v) delta[k] = v;
    if (Object.keys(delta).length === 0) return undefined;
    return { ...base, type: 'delta', data: { symbol: t.market.id, ...delta } };
  };

  const each = (m: MarketDef, kind: Topic['kind'], f: (c: WsConn, t: Topic) => void): void => {
    for (const c of hub.connections()) for (const t of topicsOf(c).values()) if (t.market === m && t.kind === kind) f(c, t);
  };
  const pushTickers = (m: MarketDef): void =>
    each(m, 'tickers', (c, t) => {
      const msg = tickerMsg(t, false);
      if (msg !== undefined) c.send(msg);
    });

  for (const m of engine.markets.values()) {
    m.book.onChange((prev: MockBook, next: MockBook) => {
      each(m, 'orderbook', (c, t) => {
        const p = top(prev, t.depth);
        const n = top(next, t.depth);
        const b = diffSide(p.bids, n.bids);
        const a = diffSide(p.asks, n.asks);
        if (b.length > 0 || a.length > 0) c.send(bookMsg(t, 'delta', fmt(b), fmt(a)));
      });
      pushTickers(m);
    });
  }

  const reply = (c: WsConn, req: Obj, success: boolean, retMsg: string, op: string): void => {
    c.send({ success, ret_msg: retMsg, conn_id: c.id, ...(req['req_id'] !== undefined ? { req_id: String(req['req_id']) } : {}), op });
  };

  const request = (c: WsConn, req: Obj): void => {
    const args = Array.isArray(req['args']) ? (req['args'] as unknown[]) : [];
    const mine = topicsOf(c);
    switch (req['op']) {
      case 'ping':
        return reply(c, req, true, 'pong', 'ping');
      case 'subscribe': {
        const topics = args.map((a) => (typeof a === 'string' ? resolve(c.endpoint, a) : undefined));
        const bad = args.find((_, i) => topics[i] === undefined);
        if (args.length === 0 || bad !== undefined) return reply(c, req, false, `error:handler not found,topic:${String(bad ?? '')}`, 'subscribe');
        reply(c, req, true, 'subscribe', 'subscribe');
        for (const t of topics as Topic[]) {
          mine.set(t.name, t);
          if (t.kind === 'orderbook') {
            const b = top(t.market.book.snapshot(), t.depth);
            c.send(bookMsg(t, 'snapshot', fmt(b.bids), fmt(b.asks)));
          } else c.send(tickerMsg(t, true));
        }
        return;
      }
      case 'unsubscribe':
        for (const a of args) if (typeof a === 'string') mine.delete(a);
        return reply(c, req, true, '', 'unsubscribe');
      default:
        // handleErrorMessage's quoted "error:invalid op" answer.
        return c.send({ success: false, ret_msg: 'error:invalid op', conn_id: c.id, request: { op: req['op'] ?? '', args: req['args'] ?? null } });
    }
  };

  return {
    endpoint(path) {
      const hit = /^\/stream\.bybit\.com\/v5\/public\/(spot|linear)$/.exec(path);
      return hit === null ? undefined : (hit[1] as string);
    },
    message(c, text) {
      let req: unknown;
      try {
        req = JSON.parse(text);
      } catch {
        return c.send({ success: false, ret_msg: 'error:invalid op', conn_id: c.id, request: { op: '', args: null } });
      }
      if (typeof req !== 'object' || req === null || Array.isArray(req)) {
        return c.send({ success: false, ret_msg: 'error:invalid op', conn_id: c.id, request: { op: '', args: null } });
      }
      request(c, req as Obj);
    },
    topics: (c) => [...topicsOf(c).keys()],
    closed: (c) => subs.delete(c),
    marketChanged: pushTickers,
  };
}
