/**
 * Real, unmodified ccxt (binance class, the one carry instantiates) against the loopback mock.
 * Every assertion goes through ccxt's own sign / parse / handleErrors pipeline over 127.0.0.1.
 */
import ccxt, { type Exchange } from 'ccxt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMockExchange, type MockExchange } from '../support/mock-exchange/index.js';

const KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';

const SPOT = 'BTC/USDT';
const PERP = 'BTC/USDT:USDT';

let mock: MockExchange;
let ex: Exchange;

function client(overrides: Record<string, unknown> = {}): Exchange {
  const o = mock.ccxtOptions();
  // ccxt's client-side throttle only spaces requests out; off, the suite stays well under 10 s.
  return new ccxt.binance({ ...o, timeout: 1500, enableRateLimit: false, ...overrides, options: { ...(o['options'] as object), defaultType: 'spot' } });
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
  mock = await startMockExchange({
    venue: 'binance',
    apiKey: KEY,
    secret: SECRET,
    balances: { spot: { USDT: 10_000 }, futures: { USDT: 5_000 } },
  });
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

describe('binance mock: public data through ccxt', () => {
  it('loads real exchangeInfo rows, book, ticker and funding rate without unserved calls', async () => {
    expect(ex.markets?.[SPOT]?.spot).toBe(true);
    expect(ex.markets?.[PERP]?.linear).toBe(true);
    expect(ex.markets?.[PERP]?.precision.amount).toBe(0.001);
    const book = await ex.fetchOrderBook(PERP, 5);
    expect(book.bids[0]).toEqual([60_020, 0.01]);
    expect(book.asks[0]).toEqual([60_030, 1]);
    const spotBook = await ex.fetchOrderBook(SPOT);
    expect(spotBook.asks.length).toBe(3);
    const fr = await ex.fetchFundingRate(PERP);
    expect(fr.fundingRate).toBe(0.0001);
    expect(fr.markPrice).toBe(60_025);
    expect(fr.indexPrice).toBe(60_000);
    expect(fr.fundingTimestamp).toBeGreaterThan(Date.now());
    const rates = await ex.fetchFundingRates([PERP]);
    expect(rates[PERP]?.fundingRate).toBe(0.0001);
    const t = await ex.fetchTicker(SPOT);
    expect(t.bid).toBe(59_990);
    expect(await ex.fetchTime()).toBeGreaterThan(0);
    expect(mock.stats().unserved).toEqual([]);
  });
});

describe('binance mock: trading', () => {
  it('IOC buys spot walking the book: fills, base-coin fee, balances, depth consumed', async () => {
    const o = await ex.createOrder(SPOT, 'limit', 'buy', 0.02, 60_010, { timeInForce: 'IOC', clientOrderId: 'spot-buy-1' });
    expect(o.clientOrderId).toBe('spot-buy-1');
    expect(o.status).toBe('closed');
    expect(o.filled).toBeCloseTo(0.02, 10);
    expect(o.average).toBeCloseTo((0.01 * 60_000 + 0.01 * 60_010) / 0.02, 6);
    expect(o.trades.length).toBe(2);
    expect(o.fee?.currency).toBe('BTC');
    expect(o.fee?.cost).toBeCloseTo(0.00002, 12);

    const bal = await ex.fetchBalance();
    expect(bal['BTC']?.free).toBeCloseTo(0.02 - 0.00002, 10);
    expect(bal['USDT']?.free).toBeCloseTo(10_000 - 600 - 600.1, 6);

    // the first order took 0.01 @ 60000 and 0.01 @ 60010: what is left at <= 60010 is 0.01
    const second = await ex.createOrder(SPOT, 'limit', 'buy', 0.05, 60_010, { timeInForce: 'IOC' });
    expect(second.filled).toBeCloseTo(0.01, 10);
    expect(second.status).toBe('expired');
    const trades = await ex.fetchMyTrades(SPOT);
    expect(trades.length).toBe(3);
    expect(trades[0]?.fee?.currency).toBe('BTC');
    expect(mock.stats().unserved).toEqual([]);
  });

  it('IOC sells the perp: short position, average entry, USDT fee, positions and trades', async () => {
    const o = await ex.createOrder(PERP, 'limit', 'sell', 0.03, 60_015, { timeInForce: 'IOC', clientOrderId: 'perp-sell-1' });
    expect(o.status).toBe('closed');
    expect(o.filled).toBeCloseTo(0.03, 10);
    const avg = (0.01 * 60_020 + 0.02 * 60_015) / 0.03;
    expect(o.average).toBeCloseTo(avg, 4);

    const positions = await ex.fetchPositions([PERP]);
    expect(positions.length).toBe(1);
    expect(positions[0]?.side).toBe('short');
    expect(positions[0]?.contracts).toBeCloseTo(0.03, 10);
    expect(positions[0]?.entryPrice).toBeCloseTo(avg, 4);
    const s = mock.state();
    expect(s.positions).toEqual([{ symbol: PERP, contracts: -0.03, entryPrice: expect.closeTo(avg, 4) }]);
    const fee = 0.03 * avg * 0.0005;
    expect(s.balances['futures']?.['USDT']).toBeCloseTo(5_000 - fee, 6);

    const trades = await ex.fetchMyTrades(PERP);
    expect(trades.map((t) => t.fee?.currency)).toEqual(['USDT', 'USDT']);
    expect(trades.reduce((a, t) => a + (t.fee?.cost ?? 0), 0)).toBeCloseTo(fee, 6);

    const bal = await ex.fetchBalance({ type: 'swap' });
    expect(bal['USDT']?.total).toBeCloseTo(5_000 - fee + 0.03 * (avg - 60_025), 4);

    // closing buy realises pnl against the entry
    const close = await ex.createOrder(PERP, 'limit', 'buy', 0.03, 60_030, { timeInForce: 'IOC', reduceOnly: true });
    expect(close.filled).toBeCloseTo(0.03, 10);
    expect(await ex.fetchPositions([PERP])).toEqual([]);
    const realised = 0.03 * (avg - 60_030);
    expect(mock.state().balances['futures']?.['USDT']).toBeCloseTo(5_000 - fee - 0.03 * 60_030 * 0.0005 + realised, 6);
    expect(mock.stats().unserved).toEqual([]);
  });

  it("partial fault fills only fillRatio of what the book offers and expires the rest", async () => {
    mock.fault({ on: 'createOrder', kind: 'partial', fillRatio: 0.5 });
    const o = await ex.createOrder(PERP, 'limit', 'sell', 0.02, 60_000, { timeInForce: 'IOC' });
    expect(o.status).toBe('expired');
    expect(o.filled).toBeCloseTo(0.01, 10);
    expect(o.remaining).toBeCloseTo(0.01, 10);
  });

  it('reduceOnly that would increase the position is rejected as InvalidOrder (-2022)', async () => {
    await ex.createOrder(PERP, 'limit', 'sell', 0.01, 60_000, { timeInForce: 'IOC' });
    const e = await rejects(ex.createOrder(PERP, 'limit', 'sell', 0.01, 60_000, { timeInForce: 'IOC', reduceOnly: true }));
    expect(e).toBeInstanceOf(ccxt.InvalidOrder);
    expect(e.message).toContain('-2022');
    expect(mock.state().positions[0]?.contracts).toBe(-0.01);
  });

  it('fetchOrder, fetchOpenOrders and cancelOrder by client id; duplicate open client id rejected', async () => {
    await ex.createOrder(PERP, 'limit', 'buy', 0.01, 59_000, { clientOrderId: 'rest-1' });
    const open = await ex.fetchOpenOrders(PERP);
    expect(open.map((o) => o.clientOrderId)).toEqual(['rest-1']);
    const got = await ex.fetchOrder('', PERP, { clientOrderId: 'rest-1' });
    expect(got.status).toBe('open');
    expect(got.price).toBe(59_000);

    const dup = await rejects(ex.createOrder(PERP, 'limit', 'buy', 0.01, 59_000, { clientOrderId: 'rest-1' }));
    expect(dup).toBeInstanceOf(ccxt.InvalidOrder);
    expect(dup.message).toContain('-4116');

    const c = await ex.cancelOrder('', PERP, { clientOrderId: 'rest-1' });
    expect(c.status).toBe('canceled');
    expect(await ex.fetchOpenOrders(PERP)).toEqual([]);
    const again = await rejects(ex.cancelOrder('', PERP, { clientOrderId: 'rest-1' }));
    expect(again).toBeInstanceOf(ccxt.OrderNotFound);
    const none = await rejects(ex.fetchOrder('', PERP, { clientOrderId: 'never-sent' }));
    expect(none).toBeInstanceOf(ccxt.OrderNotFound);

    // spot: same rule, spot wording (-2010 "Duplicate order sent.")
    await ex.createOrder(SPOT, 'limit', 'buy', 0.01, 50_000, { clientOrderId: 'rest-2' });
    const spotDup = await rejects(ex.createOrder(SPOT, 'limit', 'buy', 0.01, 50_000, { clientOrderId: 'rest-2' }));
    expect(spotDup).toBeInstanceOf(ccxt.InvalidOrder);
    expect(mock.state().locked['spot']?.['USDT']).toBe(500);
    await ex.cancelOrder('', SPOT, { clientOrderId: 'rest-2' });
    expect(mock.state().locked['spot']?.['USDT']).toBe(0);

    // Binance only enforces uniqueness among open orders: a finished id can be sent again, which
    // is exactly what ordersByClientId exposes as a duplicate.
    await ex.createOrder(SPOT, 'limit', 'buy', 0.01, 50_000, { clientOrderId: 'rest-2', timeInForce: 'IOC' });
    expect(mock.ordersByClientId().get('rest-2')?.length).toBe(2);
  });

  it('insufficient spot balance and futures margin map to InsufficientFunds', async () => {
    const e1 = await rejects(ex.createOrder(SPOT, 'limit', 'buy', 1, 60_050, { timeInForce: 'IOC' }));
    expect(e1).toBeInstanceOf(ccxt.InsufficientFunds);
    const e2 = await rejects(ex.createOrder(PERP, 'limit', 'sell', 5, 59_000, { timeInForce: 'IOC' }));
    expect(e2).toBeInstanceOf(ccxt.InsufficientFunds);
    expect(e2.message).toContain('-2019');
    expect(mock.state().fills).toEqual([]);
  });
});

describe('binance mock: authentication', () => {
  it('wrong secret is -1022 AuthenticationError; unknown key -2015 AuthenticationError', async () => {
    const bad = client({ secret: SECRET.replace(/^./, 'x') });
    bad.markets = ex.markets;
    bad.markets_by_id = ex.markets_by_id;
    const e = await rejects(bad.fetchBalance());
    expect(e).toBeInstanceOf(ccxt.AuthenticationError);
    expect(e.message).toContain('-1022');
    const stranger = client({ apiKey: KEY.replace(/^./, 'Z') });
    stranger.markets = ex.markets;
    stranger.markets_by_id = ex.markets_by_id;
    const e2 = await rejects(stranger.fetchBalance());
    expect(e2).toBeInstanceOf(ccxt.AuthenticationError);
    expect(e2.message).toContain('-2015');
    expect(mock.stats().signatureFailures).toBe(2);
  });

  it('a timestamp outside recvWindow is -1021, ccxt InvalidNonce; loadTimeDifference re-syncs after tick', async () => {
    ex.options['timeDifference'] = 20_000; // client clock 20 s behind, beyond ccxt's 10 s recvWindow
    const e = await rejects(ex.fetchBalance());
    expect(e).toBeInstanceOf(ccxt.InvalidNonce);
    expect(e.message).toContain('-1021');
    ex.options['timeDifference'] = 0;
    mock.tick(3_600_000);
    await expect(ex.fetchBalance()).rejects.toBeInstanceOf(ccxt.InvalidNonce);
    await ex.loadTimeDifference();
    await expect(ex.fetchBalance()).resolves.toBeDefined();
  });
});

describe('binance mock: faults as a ccxt user sees them', () => {
  it('rateLimit -> DDoSProtection (429 -1003), serverError -> ExchangeNotAvailable, reject -> venue code', async () => {
    mock.fault({ on: 'fetchBalance', kind: 'rateLimit' });
    const e1 = await rejects(ex.fetchBalance());
    expect(e1).toBeInstanceOf(ccxt.DDoSProtection);
    mock.fault({ on: 'fetchOrderBook', kind: 'serverError' });
    await expect(ex.fetchOrderBook(SPOT)).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    mock.fault({ on: 'createOrder', kind: 'reject' });
    await expect(ex.createOrder(SPOT, 'limit', 'buy', 0.01, 60_000, { timeInForce: 'IOC' })).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    mock.fault({ on: 'cancelOrder', kind: 'reject' });
    await expect(ex.cancelOrder('1', SPOT)).rejects.toBeInstanceOf(ccxt.OrderNotFound);
    // spent: the next call is answered normally
    await expect(ex.fetchBalance()).resolves.toBeDefined();
  });

  it('drop -> NetworkError and no order; acceptThenTimeout -> RequestTimeout but the order exists', async () => {
    mock.fault({ on: 'createOrder', kind: 'drop' });
    const e = await rejects(ex.createOrder(PERP, 'limit', 'sell', 0.01, 60_000, { timeInForce: 'IOC', clientOrderId: 'dropped' }));
    expect(e).toBeInstanceOf(ccxt.NetworkError);
    expect(e).not.toBeInstanceOf(ccxt.RequestTimeout);
    expect(mock.ordersByClientId().has('dropped')).toBe(false);

    const quick = client({ timeout: 300 });
    quick.markets = ex.markets;
    quick.markets_by_id = ex.markets_by_id;
    mock.fault({ on: 'createOrder', kind: 'acceptThenTimeout' });
    const t = await rejects(quick.createOrder(PERP, 'limit', 'sell', 0.01, 60_000, { timeInForce: 'IOC', clientOrderId: 'held' }));
    expect(t).toBeInstanceOf(ccxt.RequestTimeout);
    expect(mock.ordersByClientId().get('held')?.length).toBe(1);
    const found = await ex.fetchOrder('', PERP, { clientOrderId: 'held' });
    expect(found.status).toBe('closed');
    expect(found.filled).toBeCloseTo(0.01, 10);
  });
});

describe('binance mock: funding and transfers', () => {
  it('settled funding shows in fetchFundingHistory with the sign the position earns', async () => {
    await ex.createOrder(PERP, 'limit', 'sell', 0.03, 60_015, { timeInForce: 'IOC' });
    const before = mock.state().balances['futures']?.['USDT'] ?? 0;
    mock.settleFunding(PERP);
    const expected = 0.03 * 60_025 * 0.0001; // short receives when the rate is positive
    expect((mock.state().balances['futures']?.['USDT'] ?? 0) - before).toBeCloseTo(expected, 8);
    mock.setFundingRate(PERP, -0.0002);
    mock.settleFunding();
    const hist = await ex.fetchFundingHistory(PERP);
    expect(hist.map((h) => h.amount)).toEqual([expect.closeTo(expected, 8), expect.closeTo(-0.03 * 60_025 * 0.0002, 8)]);
    expect(hist[0]?.code).toBe('USDT');
    expect(hist[0]?.symbol).toBe(PERP);
    expect(mock.state().funding.length).toBe(2);
  });

  it('tick across nextFundingTime settles funding (injected clock)', async () => {
    await mock.close();
    let t = Date.UTC(2024, 0, 1, 7, 59, 0);
    mock = await startMockExchange({ venue: 'binance', apiKey: KEY, secret: SECRET, now: () => t, balances: { futures: { USDT: 5_000 } } });
    mock.setBook(PERP, { bids: [[60_000, 1]], asks: [] });
    mock.setMark(PERP, 60_000);
    ex = client();
    ex.options['timeDifference'] = Date.now() - t;
    await ex.loadMarkets();
    await ex.createOrder(PERP, 'limit', 'sell', 0.01, 60_000, { timeInForce: 'IOC' });
    t += 120_000;
    mock.tick(120_000);
    expect(mock.state().funding).toEqual([expect.objectContaining({ symbol: PERP, amount: expect.closeTo(0.06, 10), time: t })]);
  });

  it('transfer moves USDT between spot (MAIN) and USD-M (UMFUTURE)', async () => {
    const tr = await ex.transfer('USDT', 1_000, 'spot', 'swap');
    expect(tr.id).toBeDefined();
    expect(mock.state().balances).toMatchObject({ spot: { USDT: 9_000 }, futures: { USDT: 6_000 } });
    await ex.transfer('USDT', 500, 'swap', 'spot');
    expect(mock.state().balances).toMatchObject({ spot: { USDT: 9_500 }, futures: { USDT: 5_500 } });
    await expect(ex.transfer('USDT', 1e9, 'spot', 'swap')).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
  });

  it('setLeverage and setMarginMode are accepted', async () => {
    const lev = await ex.setLeverage(5, PERP);
    expect((lev as Record<string, unknown>)['leverage']).toBe(5);
    await ex.setMarginMode('isolated', PERP);
    expect(mock.stats().byRoute['POST /fapi/v1/marginType']).toBe(1);
    expect(mock.stats().unserved).toEqual([]);
  });
});
