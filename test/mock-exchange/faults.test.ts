/**
 * Fault targeting: `skip` lets the first n matching requests through, so a fault lands on the
 * nth createOrder of a protocol (open: leg one, hedge leg, unwind; close: its two orders).
 */
import ccxt from 'ccxt';
import { afterEach, describe, expect, it } from 'vitest';
import { Faults } from '../support/mock-exchange/faults.js';
import { startMockExchange, type MockExchange } from '../support/mock-exchange/index.js';
import { KEYS, PERP, SPOT, seedMarket } from '../support/live-harness.js';

describe('Faults: skip', () => {
  it('passes the first `skip` matching requests, then hits `times` of them', () => {
    const f = new Faults();
    f.add({ on: 'createOrder', kind: 'reject', skip: 2, times: 2 });
    expect(f.take('fetchOrder')).toBeUndefined(); // not matching: not counted
    expect(f.take('createOrder')).toBeUndefined();
    expect(f.take('createOrder')).toBeUndefined();
    expect(f.take('createOrder')?.kind).toBe('reject');
    expect(f.pending()).toBe(1);
    expect(f.take('createOrder')?.kind).toBe('reject');
    expect(f.take('createOrder')).toBeUndefined();
    expect(f.pending()).toBe(0);
  });

  it('each fault counts what it sees: a skipping fault counts a request another fault hit', () => {
    const f = new Faults();
    f.add({ on: 'createOrder', kind: 'drop' });
    f.add({ on: '*', kind: 'serverError', skip: 1 });
    expect(f.take('createOrder')?.kind).toBe('drop'); // the second fault counts it as its one skipped
    expect(f.take('fetchOrder')?.kind).toBe('serverError');
    expect(f.take('createOrder')).toBeUndefined();
  });

  it('refuses a negative or fractional skip', () => {
    expect(() => new Faults().add({ on: '*', kind: 'drop', skip: -1 })).toThrow(RangeError);
    expect(() => new Faults().add({ on: '*', kind: 'drop', skip: 1.5 })).toThrow(RangeError);
  });
});

describe('skip through ccxt (binance mock)', () => {
  let mock: MockExchange;
  afterEach(async () => mock?.close());

  it('the third createOrder is the one refused; the first two trade', async () => {
    mock = await startMockExchange({ venue: 'binance', ...KEYS.binance, balances: { spot: { USDT: 10_000 }, futures: { USDT: 5_000 } } });
    seedMarket(mock);
    const o = mock.ccxtOptions();
    const ex = new ccxt.binance({ ...o, timeout: 1500, enableRateLimit: false, options: { ...(o['options'] as object), defaultType: 'spot' } });
    await ex.loadMarkets();
    mock.fault({ on: 'createOrder', kind: 'reject', skip: 2 });
    await ex.createOrder(PERP, 'limit', 'sell', 0.01, 59_000, { timeInForce: 'IOC', clientOrderId: 'one' });
    await ex.createOrder(SPOT, 'limit', 'buy', 0.01, 61_000, { timeInForce: 'IOC', clientOrderId: 'two' });
    await expect(ex.createOrder(SPOT, 'limit', 'sell', 0.005, 59_000, { timeInForce: 'IOC', clientOrderId: 'three' })).rejects.toBeInstanceOf(ccxt.InsufficientFunds);
    expect(mock.pendingFaults()).toBe(0);
    const ids = mock.ordersByClientId();
    expect(ids.get('one')?.[0]?.status).toBe('filled');
    expect(ids.get('two')?.[0]?.status).toBe('filled');
    expect(ids.has('three')).toBe(false);
    await ex.createOrder(SPOT, 'limit', 'sell', 0.005, 59_000, { timeInForce: 'IOC', clientOrderId: 'four' });
    expect(mock.ordersByClientId().get('four')?.[0]?.status).toBe('filled');
  });
});
