/**
 * Live orders through real ccxt against the loopback mock exchange (test/support/mock-exchange,
 * Binance spot + USDT-M), on the live stack `carry live` runs (openLive: keyed ccxt instances,
 * CcxtExecution, the engine with commit 'per_event', the live SQLite ledger in a temp dir).
 *
 * 1. Order round trip: N sequential IOC orders, each through the engine's own order path
 *    (leg-executor's Run.place, reached by rebalancePosition on a hedged position: order.submitted
 *    written, CcxtExecution.placeIoc → ccxt createOrder → the order's trades, then its fills and
 *    order.done written in one transaction), alternating spot and perp, buy and sell. Timed from
 *    the start of the order.submitted write to the end of the order.done write, split into the
 *    ledger writes, ccxt's createOrder and the trades fetch, each of those into ccxt's rate-limiter
 *    wait, the HTTP exchange (of which the mock's own handling) and the rest of ccxt (signing,
 *    parsing). Run as carry runs (ccxt's default leaky-bucket limiter: ccxt-factory.ts always
 *    enables it), with ccxt's rolling-window limiter (venue config only), and with the limiter's
 *    wait skipped, to show what is left without it.
 * 2. Two-leg open end to end: on a fresh mock and ledger each time, the live stack's scans as
 *    test/live/live-smoke.test.ts runs them (the third opens: the strategy wants 3 funding
 *    observations); the opening scan's wall time and its parts, and in the ledger the times from
 *    the decision to open and from the first order.submitted to the position's transition to open.
 *
 * Everything runs in this one process, the mock included: its request handling shares the event
 * loop and is reported as `mock`. Instrumentation is by wrapping prototype methods (ccxt's
 * Exchange.throttle / fetch, the binance class's order calls, Ledger.append, WallClock.sleep,
 * the mock's request handler), which costs microseconds per call.
 *
 *   npm run build && npm run bench -- live-orders     (or: node dist/bench/live-orders.js)
 *   LIVE_ORDERS_N=50 LIVE_ORDERS_OPENS=10 override the counts.
 */
import { loadavg } from 'node:os';
import ccxt from 'ccxt';
import { scannerFor } from '../src/app/scanner.js';
import { WallClock } from '../src/domain/clock.js';
import type { LedgerEvent } from '../src/domain/events.js';
import type { Market } from '../src/domain/market.js';
import type { OrderSide, PositionHoldings } from '../src/domain/position.js';
import { specOf } from '../src/engine/ledger-reads.js';
import { rebalancePosition } from '../src/engine/leg-executor.js';
import { Ledger } from '../src/store/ledger.js';
import { liveHarness, PERP, SPOT } from '../test/support/live-harness.js';
import { MockHttpServer } from '../test/support/mock-exchange/server.js';
import { runIfMain } from './run-if-main.js';

const N_ORDERS = Number(process.env['LIVE_ORDERS_N'] ?? 50);
const N_OPENS = Number(process.env['LIVE_ORDERS_OPENS'] ?? 10);
/** Orders placed before timing starts (ccxt's and V8's first-call costs). */
const WARMUP_ORDERS = 4;

// ---------------------------------------------------------------------------------------------
// Spans: what ran when, recorded by wrapped methods (performance.now(), ms).

type Kind = 'call' | 'throttle' | 'http' | 'mock' | 'ledger' | 'sleep' | 'charge';
interface Span {
  readonly kind: Kind;
  /** ccxt method, HTTP path, event types. */
  readonly label: string;
  /** A keyed ccxt instance (trading, account) rather than the keyless market-data one. */
  readonly keyed: boolean;
  readonly t0: number;
  readonly t1: number;
  readonly events?: readonly LedgerEvent[];
  /** 'charge': the request's rate-limit cost (units of the venue's rateLimit: binance 50 ms). */
  readonly cost?: number;
}

/**
 * Every request of [t0, t1] in order, with its limiter cost and how long it waited in the limiter
 * (ccxt's leaky bucket is first in, first out per instance, so the n-th charge of an instance is
 * its n-th wait). A request waits for the cost of the ones before it, not for its own.
 */
function requestWaits(t0: number, t1: number): { readonly request: string; readonly cost: number; readonly wait_ms: number; readonly at_ms: number }[] {
  const out: { request: string; cost: number; wait_ms: number; at_ms: number }[] = [];
  for (const keyed of [true, false]) {
    const inWindow = (s: Span) => s.keyed === keyed && s.t0 >= t0 && s.t0 <= t1;
    const charges = spans.filter((s) => s.kind === 'charge' && inWindow(s));
    const waits = spans.filter((s) => s.kind === 'throttle' && inWindow(s)).sort((a, b) => a.t1 - b.t1);
    charges.forEach((c, i) => {
      const w = waits[i];
      out.push({ request: `${keyed ? 'keyed' : 'keyless'} ${c.label}`, cost: c.cost ?? 0, wait_ms: w === undefined ? 0 : r1(w.t1 - w.t0), at_ms: r1(c.t0 - t0) });
    });
  }
  return out.sort((a, b) => a.at_ms - b.at_ms);
}

/** Rate-limit cost charged inside [t0, t1], by request (api method path), keyed or keyless instance. */
function charged(t0: number, t1: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of spans) {
    if (s.kind !== 'charge' || s.t0 < t0 || s.t0 > t1) continue;
    const k = `${s.keyed ? 'keyed' : 'keyless'} ${s.label}`;
    out[k] = r1((out[k] ?? 0) + (s.cost ?? 0));
  }
  return out;
}

let spans: Span[] = [];
/** Skip ccxt's rate-limiter wait (the "limiter off" variant). */
let bypassThrottle = false;

/**
 * How ccxt's rate limiter runs: its default leaky bucket (what carry's market data uses, and its
 * order instances used before they were switched), its rolling window (what carry's live order
 * instances use: src/app/live-run.ts), or its wait skipped (the bench's own switch, to show what
 * is left). Binance's own rateLimit (50 ms per cost unit) in every mode: the test harness's 1 ms
 * is for test speed only.
 */
type Limiter = 'leaky_bucket' | 'rolling_window' | 'off';
const BINANCE_RATE_LIMIT_MS = 50;
const LIMITER_OPTIONS: Record<Limiter, Record<string, unknown>> = {
  leaky_bucket: { rateLimit: BINANCE_RATE_LIMIT_MS, rateLimiterAlgorithm: 'leakyBucket' },
  rolling_window: { rateLimit: BINANCE_RATE_LIMIT_MS, rateLimiterAlgorithm: 'rollingWindow', rollingWindowSize: 60_000 },
  off: { rateLimit: BINANCE_RATE_LIMIT_MS },
};
function harnessFor(limiter: Limiter, extra: Parameters<typeof liveHarness>[0] = {}): ReturnType<typeof liveHarness> {
  return liveHarness({ ...extra, config: { venues: { binance: { options: LIMITER_OPTIONS[limiter] } } } });
}

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;
function wrap(proto: object, name: string, kind: Kind, label: (self: Record<string, unknown>, args: unknown[]) => string, keyed: (self: Record<string, unknown>) => boolean = () => false): void {
  const p = proto as Record<string, AnyFn>;
  const orig = p[name];
  if (typeof orig !== 'function') throw new Error(`bench: ${name} is not a method to wrap`);
  p[name] = async function (this: Record<string, unknown>, ...args: unknown[]): Promise<unknown> {
    const t0 = performance.now();
    const lab = label(this, args);
    try {
      return await orig.apply(this, args);
    } finally {
      spans.push({ kind, label: lab, keyed: keyed(this), t0, t1: performance.now() });
    }
  } as AnyFn;
}

let instrumented = false;
function instrument(): void {
  if (instrumented) return;
  instrumented = true;
  const isKeyed = (self: Record<string, unknown>) => typeof self['apiKey'] === 'string' && (self['apiKey'] as string).length > 0;
  const ex = ccxt.Exchange.prototype as unknown as Record<string, AnyFn>;
  const throttle = ex['throttle'] as AnyFn;
  ex['throttle'] = async function (this: Record<string, unknown>, ...args: unknown[]): Promise<unknown> {
    if (bypassThrottle) return undefined;
    const t0 = performance.now();
    const r = await throttle.apply(this, args);
    spans.push({ kind: 'throttle', label: String(args[0]), keyed: isKeyed(this), t0, t1: performance.now() });
    return r;
  } as AnyFn;
  // What each request costs in the limiter (ccxt's own calculation, as fetch2 makes it): a 'charge' mark.
  const fetch2 = ex['fetch2'] as AnyFn;
  ex['fetch2'] = function (this: Record<string, unknown>, ...args: unknown[]): unknown {
    const [path, api, method, params, , , config] = args;
    const cost = (this['calculateRateLimiterCost'] as AnyFn).call(this, api ?? 'public', method ?? 'GET', path, params ?? {}, config ?? {}) as number;
    const t = performance.now();
    const apiName = Array.isArray(api) ? api.join('/') : String(api ?? 'public');
    spans.push({ kind: 'charge', label: `${apiName} ${String(method ?? 'GET')} ${String(path)}`, keyed: isKeyed(this), t0: t, t1: t, cost });
    return fetch2.apply(this, args);
  } as AnyFn;
  wrap(ex, 'fetch', 'http', (_s, a) => `${String(a[1] ?? 'GET')} ${new URL(String(a[0])).pathname}`, isKeyed);
  for (const m of ['createOrder', 'fetchMyTrades', 'fetchOrder', 'fetchOrderTrades', 'cancelOrder']) wrap(ccxt.binance.prototype, m, 'call', () => m, isKeyed);
  wrap(MockHttpServer.prototype, 'handle', 'mock', (_s, a) => String((a[0] as { url?: string }).url ?? '').split('?')[0] ?? '');
  wrap(WallClock.prototype, 'sleep', 'sleep', (_s, a) => String(a[0]));
  const lp = Ledger.prototype as unknown as Record<string, AnyFn>;
  const append = lp['append'] as AnyFn;
  lp['append'] = function (this: unknown, ...args: unknown[]): unknown {
    const t0 = performance.now();
    try {
      return append.apply(this, args);
    } finally {
      const events = args[0] as readonly LedgerEvent[];
      spans.push({ kind: 'ledger', label: events.map((e) => e.type).join(','), keyed: false, t0, t1: performance.now(), events });
    }
  } as AnyFn;
}

/** Sum of the spans of `kind` (matching `pred`) inside [t0, t1]. */
function sum(t0: number, t1: number, kind: Kind, pred: (s: Span) => boolean = () => true): number {
  let total = 0;
  for (const s of spans) if (s.kind === kind && s.t0 >= t0 - 1e-6 && s.t1 <= t1 + 1e-6 && pred(s)) total += s.t1 - s.t0;
  return total;
}

/** Time inside [t0, t1] covered by at least one span of `kinds` (concurrent waits counted once). */
function covered(t0: number, t1: number, kinds: readonly Kind[]): number {
  const iv = spans
    .filter((s) => kinds.includes(s.kind) && s.t1 > t0 && s.t0 < t1)
    .map((s) => [Math.max(s.t0, t0), Math.min(s.t1, t1)] as const)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of iv) {
    if (a > end) {
      total += b - a;
      end = b;
    } else if (b > end) {
      total += b - end;
      end = b;
    }
  }
  return total;
}

/**
 * Where the wall time of [t0, t1] went, each instant counted once, in this order: a ledger write
 * (synchronous), an HTTP request in flight (of which the mock's handling), a call waiting in
 * ccxt's rate limiter with nothing in flight, a Clock sleep, else the rest (ccxt's and carry's own
 * code between requests).
 */
function wallSplit(t0: number, t1: number): Record<string, number> {
  const ledger = covered(t0, t1, ['ledger']);
  const lh = covered(t0, t1, ['ledger', 'http']);
  const lht = covered(t0, t1, ['ledger', 'http', 'throttle']);
  const all = covered(t0, t1, ['ledger', 'http', 'throttle', 'sleep']);
  return {
    wall: r1(t1 - t0),
    ledger: r1(ledger),
    http: r1(lh - ledger),
    mock: r1(covered(t0, t1, ['mock'])),
    rate_limit_wait: r1(lht - lh),
    sleep: r1(all - lht),
    rest: r1(t1 - t0 - all),
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics.

function pct(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
}
const r1 = (x: number) => Math.round(x * 10) / 10;
function dist(values: readonly number[]): Record<string, number> {
  return { p50: r1(pct(values, 0.5)), p95: r1(pct(values, 0.95)), max: r1(Math.max(...values)), min: r1(Math.min(...values)) };
}
/** Median of each field over rows. */
function medians<K extends string>(rows: readonly Record<K, number>[], keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, r1(pct(rows.map((r) => r[k]), 0.5))])) as Record<K, number>;
}

// ---------------------------------------------------------------------------------------------
// 1. Order round trip.

interface OrderTiming {
  leg: 'spot' | 'perp';
  total: number;
  ledgerSubmitted: number;
  ledgerDone: number;
  create: number;
  createThrottle: number;
  createHttp: number;
  createMock: number;
  trades: number;
  tradesThrottle: number;
  tradesHttp: number;
  tradesMock: number;
  sleeps: number;
  other: number;
}
const ORDER_KEYS = ['total', 'ledgerSubmitted', 'ledgerDone', 'create', 'createThrottle', 'createHttp', 'createMock', 'trades', 'tradesThrottle', 'tradesHttp', 'tradesMock', 'sleeps', 'other'] as const;

function timeOrder(leg: 'spot' | 'perp', from: number): OrderTiming {
  const mine = spans.filter((s) => s.t0 >= from);
  const sub = mine.find((s) => s.kind === 'ledger' && s.label.includes('order.submitted'));
  const done = mine.find((s) => s.kind === 'ledger' && s.label.includes('order.done'));
  if (sub === undefined || done === undefined) throw new Error('bench: order events not written');
  const t0 = sub.t0;
  const t1 = done.t1;
  const calls = mine.filter((s) => s.kind === 'call' && s.t0 >= t0 && s.t1 <= t1);
  const create = calls.filter((c) => c.label === 'createOrder');
  const trades = calls.filter((c) => c.label !== 'createOrder');
  const within = (cs: readonly Span[], kind: Kind) => cs.reduce((a, c) => a + sum(c.t0, c.t1, kind), 0);
  const span = (cs: readonly Span[]) => cs.reduce((a, c) => a + (c.t1 - c.t0), 0);
  const total = t1 - t0;
  const ledgerSubmitted = sub.t1 - sub.t0;
  const ledgerDone = done.t1 - done.t0;
  const sleeps = sum(t0, t1, 'sleep');
  return {
    leg,
    total,
    ledgerSubmitted,
    ledgerDone,
    create: span(create),
    createThrottle: within(create, 'throttle'),
    createHttp: within(create, 'http'),
    createMock: within(create, 'mock'),
    trades: span(trades),
    tradesThrottle: within(trades, 'throttle'),
    tradesHttp: within(trades, 'http'),
    tradesMock: within(trades, 'mock'),
    sleeps,
    other: total - ledgerSubmitted - ledgerDone - span(calls) - sleeps,
  };
}

function summariseOrders(rows: readonly OrderTiming[]): Record<string, unknown> {
  const by = (leg: 'spot' | 'perp') => rows.filter((r) => r.leg === leg);
  const part = (rs: readonly OrderTiming[]) => ({
    n: rs.length,
    total_ms: dist(rs.map((r) => r.total)),
    median_ms: medians(rs, ORDER_KEYS),
  });
  return { ...part(rows), spot: part(by('spot')), perp: part(by('perp')) };
}

async function orderRoundTrips(limiter: Limiter): Promise<Record<string, unknown>> {
  const h = await harnessFor(limiter, { balances: { spot: { USDT: 50_000 }, futures: { USDT: 20_000 } } });
  try {
    const live = await h.open();
    for (let i = 0; i < 5 && !live.ledger.openPositions().some((p) => p.state === 'open'); i++) await live.run('scan');
    const pos = live.ledger.openPositions().find((p) => p.state === 'open');
    if (pos === undefined) throw new Error('bench: the scans opened no position');
    const markets = await scannerFor(live.config, live.source).loadMarkets();
    const list = markets.get('binance') ?? [];
    const market = (symbol: string): Market => {
      const m = list.find((x) => x.symbol === symbol);
      if (m === undefined) throw new Error(`bench: no market ${symbol}`);
      return m;
    };
    const pm = { spot: market(SPOT), perp: market(PERP) };
    const clock = new WallClock();
    const deps = { execution: live.execution, clock, sink: (events: readonly LedgerEvent[]) => void live.ledger.append(events) };
    let holdings: PositionHoldings = { spotQty: pos.spotQty, perpContracts: pos.perpContracts };
    // spot buy, perp sell, spot sell, perp buy, …: both legs, holdings back where they were every 4.
    const plan: { leg: 'spot' | 'perp'; side: OrderSide }[] = [
      { leg: 'spot', side: 'buy' },
      { leg: 'perp', side: 'sell' },
      { leg: 'spot', side: 'sell' },
      { leg: 'perp', side: 'buy' },
    ];
    const amount = 0.002; // 120 USDT: over Binance's 100 USDT USD-M minimum notional
    const limits = { spot: { buy: 60_100, sell: 59_900 }, perp: { buy: 60_200, sell: 59_800 } };
    const rows: OrderTiming[] = [];
    /** Route → the cost ccxt's limiter charged it (units of the venue's rateLimit, binance 50 ms). */
    const costs = new Map<string, number>();
    bypassThrottle = limiter === 'off';
    for (let i = 0; i < WARMUP_ORDERS + N_ORDERS; i++) {
      const { leg, side } = plan[i % plan.length] as (typeof plan)[number];
      spans = [];
      const from = performance.now();
      const out = await rebalancePosition(deps, {
        spec: specOf(pos),
        markets: pm,
        state: 'open',
        holdings,
        attempt: i + 1,
        order: { kind: 'order', venue: 'binance', symbol: pm[leg].symbol, leg, side, amount, contracts: leg === 'perp' ? amount : null, text: `${side} ${amount} BTC ${leg} (bench)` },
        limitPrice: limits[leg][side],
        flag: null,
        reason: 'bench: order round trip',
      });
      if (out.state !== 'open' || out.flag !== null) throw new Error(`bench: order ${i + 1} ended ${out.state} flagged ${out.flag}`);
      holdings = out.holdings;
      if (i < WARMUP_ORDERS) continue;
      rows.push(timeOrder(leg, from));
      for (const sp of spans) if (sp.kind === 'charge') costs.set(sp.label, sp.cost ?? 0);
    }
    bypassThrottle = false;
    return { ...summariseOrders(rows), rate_limit_cost: Object.fromEntries(costs) };
  } finally {
    bypassThrottle = false;
    await h.close();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Two-leg open end to end.

/** One trial: flat numbers (ms unless named otherwise), medians taken per key. */
type OpenTiming = Record<string, number>;

async function oneOpen(limiter: Limiter): Promise<{ row: OpenTiming; charges: Record<string, number>; waits: ReturnType<typeof requestWaits> }> {
  const h = await harnessFor(limiter);
  try {
    spans = [];
    const o0 = performance.now();
    const live = await h.open();
    const openLive = performance.now() - o0;
    // The scan's parts, timed on this stack's instances: the account refresh before the tick, the tick.
    const parts: Record<'capital' | 'tick', { t0: number; t1: number }> = { capital: { t0: 0, t1: 0 }, tick: { t0: 0, t1: 0 } };
    const timeIt = (obj: object, name: string, key: keyof typeof parts) => {
      const o = obj as Record<string, AnyFn>;
      const orig = (o[name] as AnyFn).bind(obj);
      o[name] = async (...args: unknown[]) => {
        parts[key].t0 = performance.now();
        try {
          return await orig(...args);
        } finally {
          parts[key].t1 = performance.now();
        }
      };
    };
    timeIt(live.capital, 'refresh', 'capital');
    timeIt(live.engine, 'scanTick', 'tick');
    let scans = 0;
    let s0 = 0;
    let s1 = 0;
    const earlier: number[] = [];
    while (!live.ledger.openPositions().some((p) => p.state === 'open')) {
      if (scans === 5) throw new Error('bench: 5 scans opened no position');
      if (scans > 0) earlier.push(s1 - s0);
      spans = [];
      s0 = performance.now();
      await live.run('scan');
      s1 = performance.now();
      scans++;
    }
    const hist = [...live.ledger.history({ limit: 200 })].reverse();
    const ts = (pred: (e: LedgerEvent) => boolean): number => {
      const row = hist.find((r) => pred(r.event));
      if (row === undefined) throw new Error('bench: an expected event is not in the ledger');
      return row.ts;
    };
    const isOpen = (e: LedgerEvent) => e.type === 'position.transition' && e.to === 'open';
    const decision = ts((e) => e.type === 'decision' && e.action === 'open');
    const submitted = ts((e) => e.type === 'order.submitted');
    const opened = ts(isOpen);
    const ledgerSpans = spans.filter((s) => s.kind === 'ledger');
    const firstSub = ledgerSpans.find((s) => s.label.includes('order.submitted'));
    const openWrite = ledgerSpans.find((s) => (s.events ?? []).some(isOpen));
    if (firstSub === undefined || openWrite === undefined) throw new Error('bench: the open was not written in the timed scan');
    const w0 = firstSub.t0;
    const w1 = openWrite.t1;
    const prefix = (p: string, r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [`${p}.${k}`, v]));
    const row: OpenTiming = {
      open_live: openLive,
      scans,
      earlier_scan: earlier.length ? pct(earlier, 0.5) : 0,
      opening_scan: s1 - s0,
      decision_to_open_ts: opened - decision,
      submit_to_open_ts: opened - submitted,
      submit_to_open: w1 - w0,
      // The opening scan, part by part (live-run.ts jobs.scan): capital.refresh, then settlePending
      // and the daily-loss check, engine.scanTick (market data, decide, open), then the funding check.
      ...prefix('scan', wallSplit(s0, s1)),
      ...prefix('capital_refresh', wallSplit(parts.capital.t0, parts.capital.t1)),
      ...prefix('tick_before_orders', wallSplit(parts.tick.t0, w0)),
      ...prefix('orders', wallSplit(w0, w1)),
      ...prefix('tick_after_open', wallSplit(w1, parts.tick.t1)),
      ...prefix('after_tick', wallSplit(parts.tick.t1, s1)),
      'scan.requests': spans.filter((s) => s.kind === 'http' && s.t0 >= s0 && s.t1 <= s1).length,
      'orders.requests': spans.filter((s) => s.kind === 'http' && s.t0 >= w0 && s.t1 <= w1).length,
    };
    return { row, charges: charged(s0, s1), waits: requestWaits(s0, s1) };
  } finally {
    await h.close();
  }
}

async function twoLegOpens(limiter: Limiter): Promise<Record<string, unknown>> {
  bypassThrottle = limiter === 'off';
  try {
    return await twoLegOpensNow(limiter);
  } finally {
    bypassThrottle = false;
  }
}

async function twoLegOpensNow(limiter: Limiter): Promise<Record<string, unknown>> {
  await oneOpen(limiter); // warm-up, discarded: first use of ccxt's and the engine's code paths
  const rows: OpenTiming[] = [];
  let last: Awaited<ReturnType<typeof oneOpen>> | null = null;
  for (let i = 0; i < N_OPENS; i++) {
    last = await oneOpen(limiter);
    rows.push(last.row);
  }
  const d = (k: string) => dist(rows.map((r) => r[k] as number));
  return {
    n: rows.length,
    scans_to_open: [...new Set(rows.map((r) => r['scans']))],
    opening_scan_ms: d('opening_scan'),
    decision_to_open_ledger_ts_ms: d('decision_to_open_ts'),
    submit_to_open_ledger_ts_ms: d('submit_to_open_ts'),
    submit_to_open_ms: d('submit_to_open'),
    open_live_ms: d('open_live'),
    median_ms: medians(rows, Object.keys(rows[0] ?? {})),
    // The last trial's opening scan: what each request cost in ccxt's limiter (× 50 ms on binance).
    opening_scan_rate_limit_cost: last?.charges ?? {},
    // …and each of its requests in order: when it was made (ms into the scan), its cost, its wait.
    opening_scan_requests: last?.waits ?? [],
  };
}

// ---------------------------------------------------------------------------------------------

export async function benchLiveOrders(): Promise<Record<string, unknown>> {
  instrument();
  const load0 = loadavg()[0] as number;
  const t0 = performance.now();
  const out: Record<string, unknown> = {};
  for (const limiter of ['leaky_bucket', 'rolling_window', 'off'] as const) {
    process.stderr.write(`bench: live-orders: ${N_ORDERS} orders, ccxt rate limiter ${limiter}…\n`);
    out[`order_round_trip.${limiter}`] = await orderRoundTrips(limiter);
  }
  for (const limiter of ['leaky_bucket', 'rolling_window', 'off'] as const) {
    process.stderr.write(`bench: live-orders: ${N_OPENS} two-leg opens, ccxt rate limiter ${limiter}…\n`);
    out[`two_leg_open.${limiter}`] = await twoLegOpens(limiter);
  }
  return {
    name: 'live-orders',
    venue: 'binance (loopback mock, same process)',
    orders: N_ORDERS,
    opens: N_OPENS,
    ...out,
    wall_s: Math.round((performance.now() - t0) / 100) / 10,
    load_avg_1m: [Math.round(load0 * 100) / 100, Math.round((loadavg()[0] as number) * 100) / 100],
  };
}

runIfMain(import.meta.url, benchLiveOrders);
