/**
 * Real, unmodified ccxt (bybit class) against the loopback mock, unified account (spot + linear).
 */
import ccxt, { type Exchange } from 'ccxt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMockExchange, type MockExchange } from '../support/mock-exchange/index.js';

const KEY = 'XbDm3ElYbWFbqS0h2X';
const SECRET = 'Rh3mVDvP0mAZaQe3Hs1pYd6oWtWbN4fG3nUo';
const SPOT = 'BTC/USDT';
const PERP = 'BTC/USDT:USDT';

let mock: MockExchange;
let ex: Exchange;

function client(overrides: Record<string, unknown> = {}): Exchange {
  // enableRateLimit off: ccxt's client-side throttle only spaces requests out and slows the suite.
  return new ccxt.bybit({ ...mock.ccxtOptions(), timeout: 1500, enableRateLimit: false, ...overrides });
}

async function rejects(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

beforeEach(async () => {
  mock = await startMockExchange({ venue: 'bybit', apiKey: KEY, secret: SECRET, balances: { unified: { USDT: 10_000 } } });
  mock.setBook(SPOT, { bids: [[59_990, 1]], asks: [[60_000, 0.01], [60_010, 0.02], [60_050, 1]] });
  mock.setBook(PERP, { bids: [[60_020, 0.01], [60_015, 0.02], [59_900, 1]], asks: [[60_030, 1]] });
  mock.setMark(PERP, 60_025, 60_000);
  mock.setFundingRate(PERP, 0.0001);
  ex = client();
  await ex.loadMarkets();
});

afterEach(async () => {
  await mock.close();
});

describe('bybit mock through ccxt', () => {
  it('loads real instruments-info rows, book, funding rate and balance without unserved calls', async () => {
    expect(ex.markets?.[SPOT]?.spot).toBe(true);
    expect(ex.markets?.[PERP]?.linear).toBe(true);
    const book = await ex.fetchOrderBook(PERP, 5);
    expect(book.bids[0]).toEqual([60_020, 0.01]);
    const fr = await ex.fetchFundingRate(PERP);
    expect(fr.fundingRate).toBe(0.0001);
    expect(fr.markPrice).toBe(60_025);
    expect(fr.interval).toBe('8h');
    const t = await ex.fetchTicker(SPOT);
    expect(t.ask).toBe(60_000);
    const bal = await ex.fetchBalance();
    expect(bal['USDT']?.total).toBe(10_000);
    expect(mock.stats().unserved).toEqual([]);
  });

  it('IOC spot buy and IOC perp sell fill against the book: fees, balances, positions', async () => {
    const b = await ex.createOrder(SPOT, 'limit', 'buy', 0.02, 60_010, { timeInForce: 'IOC', clientOrderId: 'sb1' });
    expect(b.clientOrderId).toBe('sb1');
    const s = await ex.createOrder(PERP, 'limit', 'sell', 0.03, 60_015, { timeInForce: 'IOC', clientOrderId: 'ps1' });
    expect(s.id).toBeDefined();
    const state = mock.state();
    expect(state.balances['unified']?.['BTC']).toBeCloseTo(0.02 * 0.999, 10);
    const avg = (0.01 * 60_020 + 0.02 * 60_015) / 0.03;
    const perpFee = 0.03 * avg * 0.00055;
    expect(state.balances['unified']?.['USDT']).toBeCloseTo(10_000 - 1_200.1 - perpFee, 6);
    const pos = await ex.fetchPositions([PERP]);
    expect(pos[0]?.side).toBe('short');
    expect(pos[0]?.contracts).toBeCloseTo(0.03, 10);
    expect(pos[0]?.entryPrice).toBeCloseTo(avg, 4);
    const trades = await ex.fetchMyTrades(SPOT);
    expect(trades.length).toBe(2);
    expect(trades[0]?.fee?.currency).toBe('BTC');
    const got = await ex.fetchOrder('', PERP, { orderLinkId: 'ps1', acknowledged: true });
    expect(got.status).toBe('closed');
    expect(got.filled).toBeCloseTo(0.03, 10);
    expect(mock.stats().unserved).toEqual([]);
  });

  it('partial IOC ends Cancelled with cumExecQty; reduceOnly increase -> InvalidOrder 110017', async () => {
    mock.fault({ on: 'createOrder', kind: 'partial', fillRatio: 0.5 });
    await ex.createOrder(PERP, 'limit', 'sell', 0.02, 60_000, { timeInForce: 'IOC', clientOrderId: 'p1' });
    const o = await ex.fetchOrder('', PERP, { orderLinkId: 'p1', acknowledged: true });
    expect(o.status).toBe('canceled');
    expect(o.filled).toBeCloseTo(0.01, 10);
    const e = await rejects(ex.createOrder(PERP, 'limit', 'sell', 0.01, 60_000, { timeInForce: 'IOC', reduceOnly: true }));
    expect(e).toBeInstanceOf(ccxt.InvalidOrder);
    expect(e.message).toContain('110017');
  });

  it('cancel by orderLinkId, duplicate orderLinkId -> InvalidOrder 110072, unknown -> OrderNotFound', async () => {
    await ex.createOrder(PERP, 'limit', 'buy', 0.01, 59_000, { clientOrderId: 'rest-1' });
    expect((await ex.fetchOpenOrders(PERP)).map((o) => o.clientOrderId)).toEqual(['rest-1']);
    const dup = await rejects(ex.createOrder(PERP, 'limit', 'buy', 0.01, 59_000, { clientOrderId: 'rest-1' }));
    expect(dup).toBeInstanceOf(ccxt.InvalidOrder);
    expect(dup.message).toContain('110072');
    await ex.cancelOrder(undefined as unknown as string, PERP, { orderLinkId: 'rest-1' });
    expect(await ex.fetchOpenOrders(PERP)).toEqual([]);
    await expect(ex.cancelOrder(undefined as unknown as string, PERP, { orderLinkId: 'rest-1' })).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    await expect(ex.fetchOrder('', PERP, { orderLinkId: 'nope', acknowledged: true })).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    // Bybit keeps orderLinkId unique across finished orders too
    await expect(ex.createOrder(PERP, 'limit', 'buy', 0.01, 59_000, { clientOrderId: 'rest-1' })).rejects.toBeInstanceOf(ccxt.InvalidOrder);
  });

  it('insufficient balance -> InsufficientFunds; wrong secret 10004 / unknown key 10003 -> AuthenticationError; stale 10002 -> InvalidNonce', async () => {
    await expect(ex.createOrder(SPOT, 'limit', 'buy', 1, 60_050, { timeInForce: 'IOC' })).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    await expect(ex.createOrder(PERP, 'limit', 'sell', 5, 59_000, { timeInForce: 'IOC' })).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    const bad = client({ secret: 'x' + SECRET.slice(1) });
    bad.markets = ex.markets;
    bad.markets_by_id = ex.markets_by_id;
    const e = await rejects(bad.fetchBalance());
    expect(e).toBeInstanceOf(ccxt.AuthenticationError);
    expect(e.message).toContain('10004');
    const stranger = client({ apiKey: 'someoneelse' });
    stranger.markets = ex.markets;
    stranger.markets_by_id = ex.markets_by_id;
    await expect(stranger.fetchBalance()).rejects.toBeInstanceOf(ccxt.AuthenticationError);
    ex.options['timeDifference'] = 10_000;
    const stale = await rejects(ex.fetchBalance());
    expect(stale).toBeInstanceOf(ccxt.InvalidNonce);
    expect(stale.message).toContain('10002');
    expect(mock.stats().signatureFailures).toBe(3);
  });

  it('faults: rateLimit 10006, serverError, drop (no order), acceptThenTimeout (order exists)', async () => {
    mock.fault({ on: 'fetchBalance', kind: 'rateLimit' });
    await expect(ex.fetchBalance()).rejects.toBeInstanceOf(ccxt.RateLimitExceeded);
    mock.fault({ on: 'fetchOrderBook', kind: 'serverError' });
    await expect(ex.fetchOrderBook(SPOT)).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    mock.fault({ on: 'createOrder', kind: 'reject' });
    await expect(ex.createOrder(PERP, 'limit', 'sell', 0.01, 60_000, { timeInForce: 'IOC' })).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    mock.fault({ on: 'createOrder', kind: 'drop' });
    const d = await rejects(ex.createOrder(PERP, 'limit', 'sell', 0.01, 60_000, { timeInForce: 'IOC', clientOrderId: 'dropped' }));
    expect(d).toBeInstanceOf(ccxt.NetworkError);
    expect(mock.ordersByClientId().has('dropped')).toBe(false);
    const quick = client({ timeout: 300 });
    quick.markets = ex.markets;
    quick.markets_by_id = ex.markets_by_id;
    mock.fault({ on: 'createOrder', kind: 'acceptThenTimeout' });
    await expect(quick.createOrder(PERP, 'limit', 'sell', 0.01, 60_000, { timeInForce: 'IOC', clientOrderId: 'held' })).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    const o = await ex.fetchOrder('', PERP, { orderLinkId: 'held', acknowledged: true });
    expect(o.filled).toBeCloseTo(0.01, 10);
  });

  it('funding settlement appears in fetchFundingHistory with Bybit\'s sign (execFee: positive = paid)', async () => {
    await ex.createOrder(PERP, 'limit', 'sell', 0.03, 60_015, { timeInForce: 'IOC' });
    const before = mock.state().balances['unified']?.['USDT'] ?? 0;
    mock.settleFunding(PERP);
    const received = 0.03 * 60_025 * 0.0001;
    expect((mock.state().balances['unified']?.['USDT'] ?? 0) - before).toBeCloseTo(received, 8);
    const hist = await ex.fetchFundingHistory(PERP);
    expect(hist.length).toBe(1);
    // ccxt passes execFee through, so a short receiving funding shows a negative amount.
    expect(hist[0]?.amount).toBeCloseTo(-received, 8);
    expect(hist[0]?.symbol).toBe(PERP);
  });

  it('setLeverage and setMarginMode are accepted', async () => {
    await ex.setLeverage(5, PERP);
    await ex.setMarginMode('cross');
    expect(mock.stats().unserved).toEqual([]);
  });
});
