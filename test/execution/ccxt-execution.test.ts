/**
 * CcxtExecution against real ccxt 4.5.84 (signing, parsing, error mapping) over the
 * fetchImplementation harness; the private endpoints are scripted mini venues
 * (test/support/ccxt-order-venues.ts, payload sources named there).
 */
import { describe, expect, it } from 'vitest';
import { CarryError } from '../../src/domain/errors.js';
import type { Market } from '../../src/domain/market.js';
import { CcxtExecution } from '../../src/execution/ccxt-execution.js';
import { venueClientId } from '../../src/execution/client-id.js';
import type { OrderRequest } from '../../src/execution/port.js';
import { stubbedVenue, type StubbedVenue } from '../support/ccxt-fixtures.js';
import {
  binanceError,
  binanceFapiOrder,
  binanceFapiTrade,
  binanceOrderRoutes,
  binanceSpotOrder,
  binanceSpotTrade,
  bybitCreated,
  bybitError,
  bybitExecution,
  bybitOrder,
  bybitOrderRoutes,
  MiniVenue,
  privateVenue,
} from '../support/ccxt-order-venues.js';

const LOGICAL = 'pos-1:open:perp:1';

interface Rig {
  readonly sv: StubbedVenue;
  readonly mini: MiniVenue;
  readonly exec: CcxtExecution;
  readonly perp: Market;
  readonly spot: Market;
  readonly vid: string;
}

async function rig(id: 'binance' | 'bybit', opts: { orderTimeoutMs?: number; httpTimeoutMs?: number } = {}): Promise<Rig> {
  const mini = new MiniVenue();
  const sv = await privateVenue(id, id === 'binance' ? binanceOrderRoutes(mini) : bybitOrderRoutes(mini), opts.httpTimeoutMs ?? 10_000);
  const exec = new CcxtExecution({
    venues: new Map([[id, { exchange: sv.exchange, profile: { id } }]]),
    clock: sv.clock,
    recvWindowMs: 10_000,
    orderTimeoutMs: opts.orderTimeoutMs ?? 30_000,
    pollMs: 500,
  });
  const perp = sv.venue.market('BTC/USDT:USDT');
  const spot = sv.venue.market('BTC/USDT');
  if (perp === undefined || spot === undefined) throw new Error('fixture markets missing');
  return { sv, mini, exec, perp, spot, vid: venueClientId(sv.exchange.id, LOGICAL) };
}

const order = (r: Rig, over: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: LOGICAL,
  venue: r.sv.exchange.id,
  market: r.perp,
  side: 'buy',
  amount: 0.01,
  limitPrice: 36600,
  reduceOnly: false,
  ...over,
});

/** Binance: an order the venue holds with these fills (qty, price, commission in USDT). */
function binanceHeld(vid: string, status: string, fills: readonly [string, string, string][], orderId = 3524852987): { order: Record<string, never>; trades: never[] } {
  const executed = fills.reduce((a, [q]) => a + Number(q), 0);
  const quote = fills.reduce((a, [q, p]) => a + Number(q) * Number(p), 0);
  return {
    order: binanceFapiOrder({ clientOrderId: vid, orderId, status, side: 'BUY', origQty: '0.010', executedQty: executed.toFixed(3), price: '36600', avgPrice: executed > 0 ? (quote / executed).toFixed(5) : '0', cumQuote: quote.toFixed(5) }) as never,
    trades: fills.map(([qty, price, commission], i) => binanceFapiTrade({ id: 272536245 + i, orderId, price, qty, commission })) as never[],
  };
}

describe('CcxtExecution on binance USDT-M', () => {
  it('filled: the result is the venue fills (fees, trade ids), sent once as IOC with the derived client id', async () => {
    const r = await rig('binance');
    const held = binanceHeld(r.vid, 'FILLED', [['0.006', '36567.10', '0.08776104'], ['0.004', '36568.00', '0.05850880']]);
    r.mini.onCreate = () => ({ store: held, reply: { body: held.order } });
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('filled');
    expect(res.filledAmount).toBe(0.01);
    expect(res.orderId).toBe('3524852987');
    expect(res.fills.map((f) => [f.amount, f.price, f.fee, f.feeCurrency, f.tradeId])).toEqual([
      [0.006, 36567.1, 0.08776104, 'USDT', '272536245'],
      [0.004, 36568, 0.0585088, 'USDT', '272536246'],
    ]);
    expect(res.avgPrice).toBeCloseTo((0.006 * 36567.1 + 0.004 * 36568) / 0.01, 6);
    expect(r.sv.stub.countCalls('POST', '/fapi/v1/order')).toBe(1);
    const sent = new URLSearchParams(r.sv.stub.calls.find((c) => c.method === 'POST')?.body ?? '');
    expect(sent.get('timeInForce')).toBe('IOC');
    expect(sent.get('type')).toBe('LIMIT');
    expect(sent.get('newClientOrderId')).toBe(r.vid);
    expect(sent.get('quantity')).toBe('0.01');
    expect(sent.get('price')).toBe('36600');
    expect(r.sv.stub.unmatched).toEqual([]);
  });

  it('reduceOnly is sent as the venue names it', async () => {
    const r = await rig('binance');
    const held = binanceHeld(r.vid, 'FILLED', [['0.010', '36567.10', '0.1462684']]);
    r.mini.onCreate = () => ({ store: held, reply: { body: held.order } });
    await r.exec.placeIoc(order(r, { reduceOnly: true, side: 'sell' }));
    const sent = new URLSearchParams(r.sv.stub.calls.find((c) => c.method === 'POST')?.body ?? '');
    expect(sent.get('reduceOnly')).toBe('true');
    expect(sent.get('side')).toBe('SELL');
  });

  it('partial: IOC expired after part filled → partial with what filled', async () => {
    const r = await rig('binance');
    const held = binanceHeld(r.vid, 'EXPIRED', [['0.004', '36567.10', '0.05850736']]);
    r.mini.onCreate = () => ({ store: held, reply: { body: held.order } });
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('partial');
    expect(res.filledAmount).toBe(0.004);
    expect(res.fills).toHaveLength(1);
    expect(res.reason).toContain('0.004 of 0.01 filled');
  });

  it('unfilled: expired with nothing filled; no trade query', async () => {
    const r = await rig('binance');
    const held = binanceHeld(r.vid, 'EXPIRED', []);
    r.mini.onCreate = () => ({ store: held, reply: { body: held.order } });
    const res = await r.exec.placeIoc(order(r));
    expect(res).toMatchObject({ status: 'unfilled', filledAmount: 0, avgPrice: null, fills: [] });
    expect(r.sv.stub.count('/fapi/v1/userTrades')).toBe(0);
  });

  it('rejected: insufficient margin (-2019) is a result with the reason, not a throw', async () => {
    const r = await rig('binance');
    r.mini.onCreate = () => ({ store: null, reply: binanceError(-2019, 'Margin is insufficient.') });
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('rejected');
    expect(res.reason).toContain('InsufficientFunds');
    expect(res.reason).toContain('Margin is insufficient');
    expect(r.sv.stub.countCalls('POST', '/fapi/v1/order')).toBe(1);
    expect(r.sv.stub.countCalls('GET', '/fapi/v1/order')).toBe(0);
  });

  it('rejected before sending: a non-finite amount never reaches the venue', async () => {
    const r = await rig('binance');
    const res = await r.exec.placeIoc(order(r, { amount: Number.NaN }));
    expect(res.status).toBe('rejected');
    expect(r.sv.stub.calls).toHaveLength(0);
  });

  it('timeout, then found filled: asked by client id, never resent (exactly one create)', async () => {
    const r = await rig('binance', { httpTimeoutMs: 50 });
    const held = binanceHeld(r.vid, 'FILLED', [['0.010', '36567.10', '0.1462684']]);
    r.mini.onCreate = () => ({ store: held, reply: 'hang' });
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('filled');
    expect(res.filledAmount).toBe(0.01);
    expect(res.fills[0]?.tradeId).toBe('272536245');
    expect(r.sv.stub.countCalls('POST', '/fapi/v1/order')).toBe(1);
    const asked = r.sv.stub.calls.filter((c) => c.method === 'GET' && c.url.pathname.endsWith('/fapi/v1/order'));
    expect(asked.map((c) => c.url.searchParams.get('origClientOrderId'))).toEqual([r.vid]);
  });

  it('lost answer (504), found still open → cancelled by client id, then booked as it ended', async () => {
    const r = await rig('binance');
    const held = binanceHeld(r.vid, 'PARTIALLY_FILLED', [['0.003', '36567.10', '0.04388052']]);
    r.mini.onCreate = () => ({ store: held, reply: { status: 504, body: 'Gateway Time-out' } });
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('partial');
    expect(res.filledAmount).toBe(0.003);
    expect(r.sv.stub.countCalls('POST', '/fapi/v1/order')).toBe(1);
    const cancels = r.sv.stub.calls.filter((c) => c.method === 'DELETE');
    expect(cancels.map((c) => c.url.searchParams.get('origClientOrderId'))).toEqual([r.vid]);
  });

  it('lost answer, not found: unknown until the receive window has passed, then unfilled "never reached the venue"', async () => {
    const r = await rig('binance');
    r.mini.onCreate = () => ({ store: null, reply: { status: 503, body: 'Service Unavailable' } });
    const t0 = r.sv.clock.now();
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('unfilled');
    expect(res.reason).toContain('never reached the venue');
    // One lookup right away (within the window: not concluded), one after it (concluded).
    expect(r.mini.lookups).toBe(2);
    expect(r.sv.clock.now() - t0).toBeGreaterThanOrEqual(10_000);
    expect(r.sv.stub.countCalls('POST', '/fapi/v1/order')).toBe(1);
  });

  it('lost answer, not found at first, arrives late within the window → its real state', async () => {
    const r = await rig('binance');
    const held = binanceHeld(r.vid, 'FILLED', [['0.010', '36567.10', '0.1462684']]);
    r.mini.onCreate = () => ({ store: null, reply: { status: 503, body: 'Service Unavailable' } });
    r.mini.beforeLookup = (n) => {
      if (n === 2) r.mini.keep(held.order, held.trades, 'clientOrderId', 'orderId');
    };
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('filled');
    expect(res.filledAmount).toBe(0.01);
    expect(r.sv.stub.countCalls('POST', '/fapi/v1/order')).toBe(1);
  });

  it('not found and the timeout ends before the receive window: CarryError (outcome unknown), not "unfilled"', async () => {
    const r = await rig('binance', { orderTimeoutMs: 3_000 });
    r.mini.onCreate = () => ({ store: null, reply: { status: 503, body: 'Service Unavailable' } });
    const err = await r.exec.placeIoc(order(r)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CarryError);
    expect((err as CarryError).message).toContain('outcome unknown');
    expect(r.sv.stub.countCalls('POST', '/fapi/v1/order')).toBe(1);
  });

  it.each([
    ['429 rate limit', { status: 429, body: { code: -1003, msg: 'Too many requests.' } }],
    ['garbled body', { status: 200, body: '<html>cloudflare</html>' }],
  ] as const)('%s on create counts as a lost answer: asked for, never resent', async (_name, reply) => {
    const r = await rig('binance');
    const held = binanceHeld(r.vid, 'FILLED', [['0.010', '36567.10', '0.1462684']]);
    r.mini.onCreate = () => ({ store: held, reply });
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('filled');
    expect(r.sv.stub.countCalls('POST', '/fapi/v1/order')).toBe(1);
  });

  it('duplicate client id (-4116) → the existing order is fetched and returned', async () => {
    const r = await rig('binance');
    const held = binanceHeld(r.vid, 'FILLED', [['0.010', '36567.10', '0.1462684']]);
    r.mini.keep(held.order, held.trades, 'clientOrderId', 'orderId');
    r.mini.onCreate = () => ({ store: null, reply: binanceError(-4116, 'ClientOrderId is duplicated.') });
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('filled');
    expect(res.orderId).toBe('3524852987');
    expect(r.sv.stub.countCalls('POST', '/fapi/v1/order')).toBe(1);
  });

  it('venue unreachable (create and every lookup time out) → CarryError after orderTimeoutMs, one create only', async () => {
    const r = await rig('binance', { orderTimeoutMs: 5_000 });
    r.mini.onCreate = () => ({ store: null, reply: { status: 504, body: '' } });
    r.sv.stub.inject('/fapi/v1/order', { kind: 'http', status: 503, body: 'down' });
    const err = await r.exec.placeIoc(order(r)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CarryError);
    expect((err as CarryError).code).toBe('CARRY_VENUE_TIMEOUT');
    expect((err as CarryError).message).toMatch(/outcome unknown.*never resend/);
    // The injected fault answers everything on the path, the create included: still one POST.
    expect(r.sv.stub.countCalls('POST', '/fapi/v1/order')).toBe(1);
    expect(r.sv.stub.countCalls('GET', '/fapi/v1/order')).toBeGreaterThan(1);
  });

  it('a rejected key throws the mapped CarryError (stop), naming the venue', async () => {
    const r = await rig('binance');
    r.mini.onCreate = () => ({ store: null, reply: { status: 401, body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' } } });
    const err = await r.exec.placeIoc(order(r)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CarryError);
    expect((err as CarryError).code).toBe('CARRY_VENUE_AUTH');
    expect((err as CarryError).message).toContain('binance');
  });

  it('spot buy: the fee in the base coin is booked as the venue charged it (BTC), amount gross', async () => {
    const r = await rig('binance');
    const vid = venueClientId('binance', 'pos-1:open:spot:1');
    const fills = [{ price: '36560.00000000', qty: '0.00500000', commission: '0.00000500', commissionAsset: 'BTC', tradeId: 56 }];
    const spotOrder = binanceSpotOrder({ clientOrderId: vid, orderId: 28, status: 'FILLED', side: 'BUY', origQty: '0.00500000', executedQty: '0.00500000', price: '36600.00', cummulativeQuoteQty: '182.80000000', fills });
    const trades = [binanceSpotTrade({ id: 56, orderId: 28, price: '36560.00000000', qty: '0.00500000', commission: '0.00000500', commissionAsset: 'BTC', isBuyer: true })];
    r.mini.onCreate = () => ({ store: { order: spotOrder, trades }, reply: { body: spotOrder } });
    const res = await r.exec.placeIoc(order(r, { clientOrderId: 'pos-1:open:spot:1', market: r.spot, amount: 0.005 }));
    expect(res.status).toBe('filled');
    expect(res.fills).toEqual([{ price: 36560, amount: 0.005, fee: 0.000005, feeCurrency: 'BTC', ts: 1698138992358, tradeId: '56' }]);
    expect(r.sv.stub.countCalls('POST', '/api/v3/order')).toBe(1);
    const sent = new URLSearchParams(r.sv.stub.calls.find((c) => c.method === 'POST')?.body ?? '');
    expect(sent.get('newClientOrderId')).toBe(vid);
    expect(sent.get('timeInForce')).toBe('IOC');
    expect(sent.has('reduceOnly')).toBe(false); // spot: a contract flag binance spot would refuse
  });
});

describe('CcxtExecution lookups (binance)', () => {
  it('fetchOrder: unknown, open, final', async () => {
    const r = await rig('binance');
    const ref = { venue: 'binance', market: r.perp, clientOrderId: LOGICAL };
    expect(await r.exec.fetchOrder(ref)).toEqual({ kind: 'unknown' });
    const held = binanceHeld(r.vid, 'NEW', []);
    r.mini.keep(held.order, held.trades, 'clientOrderId', 'orderId');
    expect(await r.exec.fetchOrder(ref)).toEqual({ kind: 'open', orderId: '3524852987', filledAmount: 0 });
    (held.order as Record<string, unknown>)['status'] = 'EXPIRED';
    const final = await r.exec.fetchOrder(ref);
    expect(final.kind === 'final' && final.result.status).toBe('unfilled');
  });

  it('cancelOrder on a finished order returns it as it ended (idempotent)', async () => {
    const r = await rig('binance');
    const held = binanceHeld(r.vid, 'FILLED', [['0.010', '36567.10', '0.1462684']]);
    r.mini.keep(held.order, held.trades, 'clientOrderId', 'orderId');
    const ref = { venue: 'binance', market: r.perp, clientOrderId: LOGICAL };
    const a = await r.exec.cancelOrder(ref);
    const b = await r.exec.cancelOrder(ref);
    expect(a.kind === 'final' && a.result.status).toBe('filled');
    expect(b).toEqual(a);
  });

  it('a final order whose trade query fails once is retried, not turned into "outcome unknown"', async () => {
    const r = await rig('binance');
    const held = binanceHeld(r.vid, 'FILLED', [['0.010', '36567.10', '0.1462684']]);
    r.mini.onCreate = () => ({ store: held, reply: { body: held.order } });
    r.sv.stub.inject('/fapi/v1/userTrades', { kind: 'http', status: 503, body: 'busy' }, 1);
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('filled');
    expect(res.fills[0]?.tradeId).toBe('272536245');
    expect(r.sv.stub.count('/fapi/v1/userTrades')).toBe(2);
  });

  it('a trade list that does not add up to the order falls back to the order summary, and says so', async () => {
    const r = await rig('binance');
    const held = binanceHeld(r.vid, 'FILLED', [['0.010', '36567.10', '0.1462684']]);
    r.mini.onCreate = () => ({ store: { order: held.order, trades: [] }, reply: { body: held.order } });
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('filled');
    expect(res.filledAmount).toBe(0.01);
    expect(res.fills).toHaveLength(1);
    expect(res.fills[0]?.tradeId).toBeUndefined();
    expect(res.reason).toContain('order summary');
    // The fapi order carries no fee: estimated at the market's taker rate, never booked as free.
    expect(res.fills[0]?.fee).toBeCloseTo(r.perp.taker * 0.01 * 36567.1, 8);
    expect(res.reason).toContain('fee estimated');
    expect(r.sv.stub.count('/fapi/v1/userTrades')).toBe(2); // asked once more before falling back
  });

  it('fetchOrder when the venue does not answer throws CarryError', async () => {
    const r = await rig('binance');
    r.sv.stub.inject('/fapi/v1/order', { kind: 'http', status: 503, body: 'down' });
    await expect(r.exec.fetchOrder({ venue: 'binance', market: r.perp, clientOrderId: LOGICAL })).rejects.toBeInstanceOf(CarryError);
  });

  it('openOrders marks carry\'s own by client id and leaves strangers null', async () => {
    const r = await rig('binance');
    const mine = binanceFapiOrder({ clientOrderId: r.vid, orderId: 1, status: 'NEW', side: 'BUY', origQty: '0.010', executedQty: '0.002', price: '36000', avgPrice: '36000' });
    const theirs = binanceFapiOrder({ clientOrderId: 'x-xcKtGhcud28547066cdd46a7b96e40', orderId: 2, status: 'NEW', side: 'SELL', origQty: '0.020', executedQty: '0', price: '40000', avgPrice: '0' });
    const earlier = binanceFapiOrder({ clientOrderId: venueClientId('binance', 'old-run:close:perp:2'), orderId: 3, status: 'NEW', side: 'SELL', origQty: '0.001', executedQty: '0', price: '40000', avgPrice: '0' });
    for (const o of [mine, theirs, earlier]) r.mini.keep(o, [], 'clientOrderId', 'orderId');
    await r.exec.fetchOrder({ venue: 'binance', market: r.perp, clientOrderId: LOGICAL }).catch(() => undefined); // registers LOGICAL
    const open = await r.exec.openOrders('binance', ['BTC/USDT:USDT']);
    expect(open.map((o) => [o.orderId, o.clientOrderId, o.amount, o.filledAmount])).toEqual([
      ['1', LOGICAL, 0.01, 0.002],
      ['2', null, 0.02, 0],
      ['3', earlier['clientOrderId'], 0.001, 0], // carry's, logical id not known to this instance
    ]);
    // With the ledger's ids, an order of an earlier run is named by its logical id.
    const withLedger = new CcxtExecution({ venues: new Map([['binance', { exchange: r.sv.exchange, profile: { id: 'binance' } }]]), clock: r.sv.clock, knownLogicalIds: () => ['old-run:close:perp:2'] });
    expect((await withLedger.openOrders('binance', ['BTC/USDT:USDT'])).map((o) => o.clientOrderId)).toEqual([r.vid, null, 'old-run:close:perp:2']);
  });

  it('openOrders without symbols covers spot and USDT-M', async () => {
    const r = await rig('binance');
    const open = await r.exec.openOrders('binance');
    expect(open).toEqual([]);
    expect(r.sv.stub.requests.map((u) => u.pathname)).toEqual(['/api/v3/openOrders', '/fapi/v1/openOrders']);
    // Nothing carry-internal leaks into the venue's query (binance refuses unknown parameters).
    for (const u of r.sv.stub.requests) expect([...u.searchParams.keys()].sort()).toEqual(['recvWindow', 'signature', 'timestamp']);
  });
});

/** Bybit: an order held with fills [qty, price, fee]. */
function bybitHeld(vid: string, status: string, fills: readonly [string, string, string][], qty = '0.010'): { order: Record<string, never>; trades: never[] } {
  const executed = fills.reduce((a, [q]) => a + Number(q), 0);
  const quote = fills.reduce((a, [q, p]) => a + Number(q) * Number(p), 0);
  const orderId = 'c18b72e4-1bf7-4c30-9b99-ba3274066029';
  return {
    order: bybitOrder({ orderLinkId: vid, orderId, orderStatus: status, side: 'Buy', qty, cumExecQty: executed.toFixed(3), price: '36600', avgPrice: executed > 0 ? (quote / executed).toFixed(2) : '' }) as never,
    trades: fills.map(([q, p, fee], i) => bybitExecution({ execId: `751c8dba-bdeb-5d0c-9dd3-dda6bf98cda${i}`, orderId, orderLinkId: vid, execPrice: p, execQty: q, execFee: fee })) as never[],
  };
}

describe('CcxtExecution on bybit (linear)', () => {
  it('filled: the create answer has ids only, so the final state is asked for (realtime, then history)', async () => {
    const r = await rig('bybit');
    const held = bybitHeld(r.vid, 'Filled', [['0.010', '36567.1', '0.20111905']]);
    r.mini.onCreate = () => ({ store: held, reply: bybitCreated('c18b72e4-1bf7-4c30-9b99-ba3274066029', r.vid) });
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('filled');
    expect(res.fills.map((f) => [f.amount, f.price, f.fee, f.feeCurrency, f.tradeId])).toEqual([[0.01, 36567.1, 0.20111905, 'USDT', '751c8dba-bdeb-5d0c-9dd3-dda6bf98cda0']]);
    const create = r.sv.stub.calls.find((c) => c.url.pathname.endsWith('/v5/order/create'));
    expect(JSON.parse(create?.body ?? '{}')).toMatchObject({ orderLinkId: r.vid, timeInForce: 'IOC', orderType: 'Limit', category: 'linear', qty: '0.01' });
    expect(r.sv.stub.count('/v5/order/create')).toBe(1);
    expect(r.sv.stub.unmatched).toEqual([]);
  });

  it('rejected: 110007 insufficient balance', async () => {
    const r = await rig('bybit');
    r.mini.onCreate = () => ({ store: null, reply: bybitError(110007, 'ab not enough for new order') });
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('rejected');
    expect(res.reason).toContain('InsufficientFunds');
  });

  it('duplicate orderLinkId (110072) → fetched', async () => {
    const r = await rig('bybit');
    const held = bybitHeld(r.vid, 'PartiallyFilledCanceled', [['0.004', '36567.1', '0.08044762']]);
    r.mini.keep(held.order, held.trades, 'orderLinkId', 'orderId');
    r.mini.onCreate = () => ({ store: null, reply: bybitError(110072, 'OrderLinkedID is duplicate') });
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('partial');
    expect(res.filledAmount).toBe(0.004);
    expect(r.sv.stub.count('/v5/order/create')).toBe(1);
  });

  it('timeout, then found open → cancelled by orderLinkId, then final', async () => {
    const r = await rig('bybit', { httpTimeoutMs: 50 });
    const held = bybitHeld(r.vid, 'PartiallyFilled', [['0.002', '36567.1', '0.04022381']]);
    r.mini.onCreate = () => ({ store: held, reply: 'hang' });
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('partial');
    expect(res.filledAmount).toBe(0.002);
    const cancel = r.sv.stub.calls.filter((c) => c.url.pathname.endsWith('/v5/order/cancel'));
    expect(cancel.map((c) => JSON.parse(c.body ?? '{}').orderLinkId)).toEqual([r.vid]);
    expect(r.sv.stub.count('/v5/order/create')).toBe(1);
  });

  it('timeout, not found after the window (bybit recvWindow 5 s < carry 10 s: carry\'s wins) → never reached', async () => {
    const r = await rig('bybit');
    r.mini.onCreate = () => ({ store: null, reply: { status: 502, body: 'Bad Gateway' } });
    const t0 = r.sv.clock.now();
    const res = await r.exec.placeIoc(order(r));
    expect(res.status).toBe('unfilled');
    expect(res.reason).toContain('never reached the venue');
    expect(r.sv.clock.now() - t0).toBeGreaterThanOrEqual(10_000);
    expect(r.sv.stub.count('/v5/order/create')).toBe(1);
  });
});

/**
 * OKX and Deribit: only the wire requests are checked (no scripted venue): the create carries the
 * derived id in the venue's field, and the lookup asks by it. Answers are minimal error envelopes
 * in each venue's documented shape, so the flow ends in 'rejected' / a CarryError; what matters is
 * what was sent.
 */
describe('CcxtExecution wire names on okx and deribit', () => {
  it('okx: clOrdId on create (ordType ioc), lookup by clOrdId', async () => {
    const sv = stubbedVenue('okx');
    await sv.venue.loadMarkets();
    Object.assign(sv.exchange, { apiKey: 'k', secret: 's', password: 'p' });
    const exec = new CcxtExecution({ venues: new Map([['okx', { exchange: sv.exchange, profile: { id: 'okx' } }]]), clock: sv.clock });
    const perp = sv.venue.market('BTC/USDT:USDT') as Market;
    const res = await exec.placeIoc({ clientOrderId: LOGICAL, venue: 'okx', market: perp, side: 'buy', amount: 1, limitPrice: 37000, reduceOnly: true }).catch((e: unknown) => e);
    const vid = venueClientId('okx', LOGICAL);
    const create = sv.stub.calls.find((c) => c.method === 'POST');
    expect(JSON.parse(create?.body ?? '[]')).toEqual([expect.objectContaining({ instId: 'BTC-USDT-SWAP', clOrdId: vid, ordType: 'ioc', reduceOnly: true, sz: '1' })]);
    // The 404 answer is a lost answer: the order is asked for by clOrdId, never resent.
    expect(sv.stub.calls.filter((c) => c.method === 'POST')).toHaveLength(1);
    expect(sv.stub.calls.some((c) => c.method === 'GET' && c.url.pathname.endsWith('/trade/order') && c.url.searchParams.get('clOrdId') === vid)).toBe(true);
    expect(res).toBeInstanceOf(CarryError);
  });

  it('deribit: label on create, lookup by get_order_state_by_label with the settlement currency', async () => {
    const sv = stubbedVenue('deribit');
    await sv.venue.loadMarkets();
    Object.assign(sv.exchange, { apiKey: 'k', secret: 's' });
    const exec = new CcxtExecution({ venues: new Map([['deribit', { exchange: sv.exchange, profile: { id: 'deribit' } }]]), clock: sv.clock, orderTimeoutMs: 2_000 });
    const perp = sv.venue.market('BTC/USD:BTC') as Market;
    await exec.placeIoc({ clientOrderId: LOGICAL, venue: 'deribit', market: perp, side: 'sell', amount: 100, limitPrice: 37000, reduceOnly: false }).catch(() => undefined);
    const vid = venueClientId('deribit', LOGICAL);
    const create = sv.stub.calls.find((c) => c.url.pathname.endsWith('/private/sell'));
    expect(create?.url.searchParams.get('label')).toBe(vid);
    expect(create?.url.searchParams.get('time_in_force')).toBe('immediate_or_cancel');
    const ask = sv.stub.calls.find((c) => c.url.pathname.endsWith('/private/get_order_state_by_label'));
    expect(ask?.url.searchParams.get('label')).toBe(vid);
    expect(ask?.url.searchParams.get('currency')).toBe('BTC');
    expect(sv.stub.calls.filter((c) => c.url.pathname.endsWith('/private/sell'))).toHaveLength(1);
  });
});
