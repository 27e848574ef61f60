/**
 * Borrow APRs through real ccxt 4.5.84 (binance, bybit, okx) fed documented payloads at the HTTP
 * seam, and the conversion from ccxt's CrossBorrowRate (rate per period) to a simple APR.
 *
 * Payloads are the examples ccxt quotes in each venue's fetchCrossBorrowRate
 * (node_modules/ccxt/js/src/<venue>.js), which reproduce the venues' documented responses:
 * - binance: GET /sapi/v1/margin/interestRateHistory (developers.binance.com "Query Margin
 *   Interest Rate History"): [{ asset: 'USDT', timestamp: 1638230400000, dailyInterestRate: '0.0006', vipLevel: 0 }]
 * - bybit: GET /v5/spot-margin-trade/data (bybit-exchange.github.io v5 spot-margin-uta "vip-margin"):
 *   BTC hourlyBorrowRate '0.0000005030430000', time 1786958191900
 * - okx: GET /api/v5/account/interest-rate (okx.com docs-v5 "Get interest rate"): USDT interestRate '0.00002065'
 */
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../src/domain/clock.js';
import { CarryError } from '../../src/domain/errors.js';
import { borrowAprFrom, CcxtVenue } from '../../src/venues/ccxt-venue.js';
import { KNOWN_VENUES } from '../../src/venues/profiles.js';
import { ROUTES, stubbedVenue, type Route, type StubbedVenueId } from '../support/ccxt-fixtures.js';

const BINANCE_INTEREST_HISTORY = [{ asset: 'USDT', timestamp: 1638230400000, dailyInterestRate: '0.0006', vipLevel: 0 }];

function bybitMarginData(coins: unknown[]): unknown {
  return { retCode: 0, retMsg: 'success', result: { vipCoinList: [{ list: coins, vipLevel: 'No VIP' }] }, retExtInfo: '{}', time: 1786958191900 };
}
const BYBIT_BTC = {
  borrowable: true,
  collateralRatio: '0.98',
  currency: 'BTC',
  hourlyBorrowRate: '0.0000005030430000',
  liquidationOrder: '3',
  marginCollateral: true,
  maxBorrowingAmount: '300',
};

const OKX_INTEREST_RATE = { code: '0', data: [{ ccy: 'USDT', interestRate: '0.00002065' }], msg: '' };

/** A stubbed real ccxt venue that also answers the borrow-rate endpoint with `body`. */
function withBorrowRoute(id: StubbedVenueId, path: string, body: unknown) {
  const route: Route = { name: `${id} borrow rate`, path, reply: () => ({ body: body as never }) };
  return stubbedVenue(id, { routes: [...ROUTES[id](), route] });
}

/** Binance and OKX serve borrow rates on private endpoints: ccxt signs them, so it needs (fake) keys. */
function giveKeys(exchange: object): void {
  Object.assign(exchange, { apiKey: 'test-key', secret: 'test-secret', password: 'test-passphrase' });
}

describe('fetchBorrowApr through real ccxt (documented payloads)', () => {
  it('binance: daily 0.0006 → 0.0006 × 365 = 21.9 % APR, from sapi margin/interestRateHistory', async () => {
    const { venue, stub, exchange } = withBorrowRoute('binance', '/sapi/v1/margin/interestRateHistory', BINANCE_INTEREST_HISTORY);
    await venue.loadMarkets();
    giveKeys(exchange);
    stub.reset();
    expect(await venue.fetchBorrowApr('USDT')).toBeCloseTo(0.219, 15);
    expect(stub.requests.map((u) => u.pathname)).toEqual(['/sapi/v1/margin/interestRateHistory']);
    expect(stub.requests[0]?.searchParams.get('asset')).toBe('USDT');
    expect(stub.unmatched).toEqual([]);
  });

  it('bybit: hourly 0.000000503043 → × 8760 = 0.440665668 % APR, from the public spot-margin data', async () => {
    const { venue, stub } = withBorrowRoute('bybit', '/v5/spot-margin-trade/data', bybitMarginData([BYBIT_BTC]));
    await venue.loadMarkets();
    stub.reset();
    expect(await venue.fetchBorrowApr('BTC')).toBeCloseTo(0.00440665668, 15);
    expect(stub.requests[0]?.searchParams.get('currency')).toBe('BTC');
    expect(stub.count()).toBe(1);
  });

  it('okx: hourly 0.00002065 → × 8760 = 18.0894 % APR, from account/interest-rate', async () => {
    const { venue, stub, exchange } = withBorrowRoute('okx', '/api/v5/account/interest-rate', OKX_INTEREST_RATE);
    await venue.loadMarkets();
    giveKeys(exchange);
    stub.reset();
    expect(await venue.fetchBorrowApr('USDT')).toBeCloseTo(0.180894, 15);
    expect(stub.requests.map((u) => u.pathname)).toEqual(['/api/v5/account/interest-rate']);
  });

  it.each([
    ['a rate that is not a number', [{ ...BYBIT_BTC, hourlyBorrowRate: 'n/a' }]],
    ['an empty rate', [{ ...BYBIT_BTC, hourlyBorrowRate: '' }]],
    ['no row for the coin', []],
    ['a row for another coin', [{ ...BYBIT_BTC, currency: 'ETH' }]],
  ])('bybit answering %s: a skip error, never 0', async (_what, coins) => {
    const { venue } = withBorrowRoute('bybit', '/v5/spot-margin-trade/data', bybitMarginData(coins));
    await venue.loadMarkets();
    const err = await venue.fetchBorrowApr('BTC').then(
      (apr) => apr,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CarryError);
    expect(err).toMatchObject({ code: 'CARRY_VENUE_BAD_RESPONSE', action: 'skip' });
    expect((err as Error).message).toMatch(/bybit fetchCrossBorrowRate BTC/);
  });

  it('binance with an empty history: a skip error, not 0', async () => {
    const { venue, exchange } = withBorrowRoute('binance', '/sapi/v1/margin/interestRateHistory', []);
    await venue.loadMarkets();
    giveKeys(exchange);
    await expect(venue.fetchBorrowApr('USDT')).rejects.toMatchObject({ code: 'CARRY_VENUE_BAD_RESPONSE', action: 'skip' });
  });

  it('binance without API keys (how scan and paper run live): an auth error from ccxt, and no request is sent', async () => {
    const { venue, stub } = withBorrowRoute('binance', '/sapi/v1/margin/interestRateHistory', BINANCE_INTEREST_HISTORY);
    await venue.loadMarkets();
    stub.reset();
    await expect(venue.fetchBorrowApr('USDT')).rejects.toMatchObject({ code: 'CARRY_VENUE_AUTH' });
    expect(stub.count()).toBe(0);
  });

  it('retries a timeout through the adapter like any other call', async () => {
    const { venue, stub, sleeps } = withBorrowRoute('bybit', '/v5/spot-margin-trade/data', bybitMarginData([BYBIT_BTC]));
    await venue.loadMarkets();
    stub.inject('/v5/spot-margin-trade/data', { kind: 'http', status: 503, body: 'Service Unavailable' }, 1);
    stub.reset();
    expect(await venue.fetchBorrowApr('BTC')).toBeCloseTo(0.00440665668, 15);
    expect(stub.count('/v5/spot-margin-trade/data')).toBe(2);
    expect(sleeps.length).toBe(1);
  });

  it('deribit (no borrow in ccxt): CARRY_VENUE_NOT_SUPPORTED before any request', async () => {
    const { venue, stub } = stubbedVenue('deribit');
    await venue.loadMarkets();
    stub.reset();
    await expect(venue.fetchBorrowApr('BTC')).rejects.toMatchObject({ code: 'CARRY_VENUE_NOT_SUPPORTED', action: 'skip' });
    expect(stub.count()).toBe(0);
  });

  it('a CcxtCalls without fetchCrossBorrowRate in `has` (e.g. a tape without borrow records): not supported', async () => {
    const calls = { id: 'bybit', has: { fetchCrossBorrowRate: false }, fetchCrossBorrowRate: () => Promise.reject(new Error('must not be called')) };
    const venue = new CcxtVenue(calls as never, KNOWN_VENUES['bybit']!, new SimClock(0));
    await expect(venue.fetchBorrowApr('BTC')).rejects.toMatchObject({ code: 'CARRY_VENUE_NOT_SUPPORTED' });
  });
});

describe('borrowAprFrom: ccxt CrossBorrowRate → simple APR', () => {
  const DAY = 86_400_000;
  const HOUR = 3_600_000;
  it.each([
    // rate, period, APR by hand
    [0.0006, DAY, 0.219], // 0.0006 × 365
    [0.0001, HOUR, 0.876], // 0.0001 × 8760
    [0.00002065, HOUR, 0.180894],
    [0.001, 8 * HOUR, 1.095], // 0.001 × 1095 periods of 8 h
    [0, DAY, 0], // a venue saying 0 % is a real 0
  ])('rate %d per %d ms → %d a year', (rate, period, apr) => {
    expect(borrowAprFrom({ currency: 'BTC', rate, period, info: {} }, 'BTC', 'v')).toBeCloseTo(apr, 14);
  });

  it.each([
    ['missing rate', { currency: 'BTC', period: DAY }],
    ['NaN rate', { currency: 'BTC', rate: NaN, period: DAY }],
    ['string rate', { currency: 'BTC', rate: '0.0006', period: DAY }],
    ['null rate (a NaN through a tape)', { currency: 'BTC', rate: null, period: DAY }],
    ['negative rate', { currency: 'BTC', rate: -0.0001, period: DAY }],
    ['missing period', { currency: 'BTC', rate: 0.0006 }],
    ['zero period', { currency: 'BTC', rate: 0.0006, period: 0 }],
    ['infinite period', { currency: 'BTC', rate: 0.0006, period: Infinity }],
    ['another currency', { currency: 'ETH', rate: 0.0006, period: DAY }],
    ['not an object', 'garbage'],
    ['a list', [{ currency: 'BTC', rate: 0.0006, period: DAY }]],
  ])('%s: CARRY_VENUE_BAD_RESPONSE (skip)', (_what, raw) => {
    expect(() => borrowAprFrom(raw, 'BTC', 'v')).toThrow(CarryError);
    try {
      borrowAprFrom(raw, 'BTC', 'v');
    } catch (e) {
      expect(e).toMatchObject({ code: 'CARRY_VENUE_BAD_RESPONSE', action: 'skip' });
    }
  });
});
