/**
 * Transport faults injected under real ccxt instances: what the adapter turns them into.
 * retry: transient, backed off and retried on the clock, then surfaced with action 'retry';
 * skip: the venue (or one of its optional calls) is unusable this round, reported with a reason.
 */
import { describe, expect, it } from 'vitest';
import { CarryError } from '../../src/domain/errors.js';
import { stubbedVenue } from '../support/ccxt-fixtures.js';

async function rejection(p: Promise<unknown>): Promise<CarryError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CarryError) return e;
    throw new Error(`expected a CarryError, got ${String(e)}`);
  }
  throw new Error('expected a rejection');
}

describe('timeout (a request that never answers; ccxt aborts it after timeoutMs)', () => {
  it('is retried, then reported as CARRY_VENUE_TIMEOUT / retry', async () => {
    const { venue, stub } = stubbedVenue('binance', { timeoutMs: 500, retry: { attempts: 2, baseMs: 100, maxMs: 1000 } });
    await venue.loadMarkets();
    stub.inject('/fapi/v1/premiumIndex', { kind: 'hang' });
    const err = await rejection(venue.fetchSnapshot());
    expect([err.code, err.action]).toEqual(['CARRY_VENUE_TIMEOUT', 'retry']);
    expect(err.message).toMatch(/RequestTimeout.*gave up after 2 attempts/s);
    expect(stub.count('/fapi/v1/premiumIndex')).toBe(2);
  });

  it('a single hang is absorbed by the retry: the snapshot is complete', async () => {
    const { venue, stub } = stubbedVenue('binance', { timeoutMs: 500 });
    await venue.loadMarkets();
    stub.inject('/fapi/v1/premiumIndex', { kind: 'hang' }, 1);
    const snap = await venue.fetchSnapshot();
    expect(snap.funding.map((f) => f.symbol).sort()).toEqual(['BTC/USDT:USDT', 'DOGE/USDT:USDT', 'ETH/USDT:USDT']);
    expect(stub.count('/fapi/v1/premiumIndex')).toBe(2);
  });
});

describe('HTTP 429 with the venue’s own error body', () => {
  // Body as quoted in binance.js exceptions ('-1003': RateLimitExceeded).
  const binance429 = { code: -1003, msg: 'Too much request weight used, current limit is 1200 request weight per 1 MINUTE. Please use the websocket for live updates to avoid polling the API.' };

  it('binance: retried with full-jitter backoff on the clock, then CARRY_VENUE_RATE_LIMITED / retry', async () => {
    const { venue, stub, sleeps } = stubbedVenue('binance');
    await venue.loadMarkets();
    stub.inject('/fapi/v1/premiumIndex', { kind: 'http', status: 429, body: binance429 });
    const err = await rejection(venue.fetchSnapshot());
    expect([err.code, err.action]).toEqual(['CARRY_VENUE_RATE_LIMITED', 'retry']);
    expect(stub.count('/fapi/v1/premiumIndex')).toBe(3);
    expect(sleeps).toEqual([50, 100]);
  });

  it('okx: a rate-limited tickers call (volumes only) degrades the snapshot instead of failing it', async () => {
    const { venue, stub } = stubbedVenue('okx', { retry: { attempts: 2, baseMs: 10, maxMs: 10 } });
    await venue.loadMarkets();
    stub.inject('/api/v5/market/tickers', { kind: 'http', status: 429, body: { msg: 'Too Many Requests', code: '50011' } });
    const snap = await venue.fetchSnapshot();
    expect(snap.funding).toHaveLength(3);
    expect(snap.tickers).toEqual([]);
    expect(snap.skipped).toEqual([{ venue: 'okx', symbol: null, reason: expect.stringMatching(/^fetchTickers.*CARRY_VENUE_RATE_LIMITED/) }]);
  });
});

describe('garbage bodies', () => {
  const html = '<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>';

  it('binance tickers: ccxt’s parser throws on it → the call is skipped as a bad response, funding kept', async () => {
    const { venue, stub } = stubbedVenue('binance');
    await venue.loadMarkets();
    stub.inject('/fapi/v1/ticker/24hr', { kind: 'garbage', body: html });
    const snap = await venue.fetchSnapshot();
    expect(snap.funding).toHaveLength(3);
    expect(snap.tickers).toEqual([]);
    expect(snap.skipped.some((s) => /^fetchTickers.*CARRY_VENUE_BAD_RESPONSE/.test(s.reason))).toBe(true);
  });

  it('okx funding: ccxt turns it into an empty result → the snapshot says no funding came back', async () => {
    const { venue, stub } = stubbedVenue('okx');
    await venue.loadMarkets();
    stub.inject('/api/v5/public/funding-rate', { kind: 'garbage', body: html });
    const snap = await venue.fetchSnapshot();
    expect(snap.funding).toEqual([]);
    expect(snap.skipped.some((s) => /no usable funding rows for 9 loaded perpetual markets/.test(s.reason))).toBe(true);
  });

  it('bybit order book: garbage → CARRY_VENUE_BAD_RESPONSE / skip, not a crash and not an empty book', async () => {
    const { venue, stub } = stubbedVenue('bybit');
    await venue.loadMarkets();
    stub.inject('/v5/market/orderbook', { kind: 'garbage', body: html });
    const err = await rejection(venue.fetchOrderBook('BTC/USDT:USDT', 50));
    expect([err.code, err.action]).toEqual(['CARRY_VENUE_BAD_RESPONSE', 'skip']);
  });
});

describe('HTTP 503 maintenance', () => {
  // Bodies shaped as each venue's error envelope; codes from the ccxt 4.5.84 exception maps
  // (okx.js '50001': OnMaintenance, deribit.js '11051': OnMaintenance 'system_maintenance').
  it('okx 50001 "service temporarily unavailable" → OnMaintenance → CARRY_VENUE_UNAVAILABLE / skip, not retried', async () => {
    const { venue, stub } = stubbedVenue('okx');
    await venue.loadMarkets();
    stub.inject('/api/v5/public/funding-rate', { kind: 'http', status: 503, body: { code: '50001', msg: 'Service temporarily unavailable. Please try again later.', data: [] } });
    const err = await rejection(venue.fetchSnapshot());
    expect([err.code, err.action]).toEqual(['CARRY_VENUE_UNAVAILABLE', 'skip']);
    expect(err.message).toContain('OnMaintenance');
    expect(stub.count('/api/v5/public/funding-rate')).toBe(1);
  });

  it('deribit 11051 system_maintenance on every currency → the venue fails with skip', async () => {
    const { venue, stub } = stubbedVenue('deribit');
    await venue.loadMarkets();
    stub.inject('/public/get_book_summary_by_currency', { kind: 'http', status: 503, body: { jsonrpc: '2.0', error: { message: 'system_maintenance', code: 11051 }, testnet: false, usIn: 1, usOut: 2, usDiff: 1 } });
    const err = await rejection(venue.fetchSnapshot());
    expect([err.code, err.action]).toEqual(['CARRY_VENUE_UNAVAILABLE', 'skip']);
    expect(stub.count('/public/get_book_summary_by_currency')).toBe(3);
  });

  it('binance plain-text 503 (no venue code) → ExchangeNotAvailable → retried, then CARRY_VENUE_UNAVAILABLE / retry', async () => {
    const { venue, stub } = stubbedVenue('binance');
    await venue.loadMarkets();
    stub.inject('/fapi/v1/premiumIndex', { kind: 'http', status: 503, body: 'Service Unavailable' });
    const err = await rejection(venue.fetchSnapshot());
    expect([err.code, err.action]).toEqual(['CARRY_VENUE_UNAVAILABLE', 'retry']);
    expect(stub.count('/fapi/v1/premiumIndex')).toBe(3);
  });
});
