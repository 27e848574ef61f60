/**
 * Real ccxt 4.5.84 instances (built by createCcxtExchange, as in production) fed recorded HTTP
 * answers through `fetchImplementation`: ccxt's request building, parsers and handleErrors all
 * run; only the network is replaced. Expected numbers are read off the payloads in
 * test/support/ccxt-fixtures.ts (and the raw fixture infos), not off this code's output.
 */
import { describe, expect, it } from 'vitest';
import { levelAt, sideLevels } from '../../src/domain/book.js';
import { CarryError } from '../../src/domain/errors.js';
import type { FundingSnapshot, VenueSnapshot } from '../../src/domain/market.js';
import { asCcxtCalls } from '../../src/venues/ccxt-factory.js';
import { responseCase, stubbedVenue } from '../support/ccxt-fixtures.js';

const bySymbol = (snap: VenueSnapshot) => new Map(snap.funding.map((f) => [f.symbol, f]));
const tickerOf = (snap: VenueSnapshot, symbol: string) => snap.tickers.find((t) => t.symbol === symbol);

async function rejection(p: Promise<unknown>): Promise<CarryError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CarryError) return e;
    throw new Error(`expected a CarryError, got ${String(e)}`);
  }
  throw new Error('expected a rejection');
}

describe('binance (spot + USDT-M through ccxt)', () => {
  it('loads spot and perpetual markets with tick-size precision from the raw exchangeInfo filters', async () => {
    const { venue, stub } = stubbedVenue('binance');
    const markets = await venue.loadMarkets();
    // fapi exchangeInfo BTCUSDT: LOT_SIZE stepSize 0.001, PRICE_FILTER tickSize 0.10, MIN_NOTIONAL 5.
    expect(venue.market('BTC/USDT:USDT')).toMatchObject({ type: 'swap', settlement: 'linear', amountUnit: 'contracts', contractSize: 1, amountStep: 0.001, priceStep: 0.1, minAmount: 0.001, minCost: 5 });
    // spot BTCUSDT: LOT_SIZE stepSize 0.00001000, PRICE_FILTER tickSize 0.01000000, margin allowed.
    expect(venue.market('BTC/USDT')).toMatchObject({ type: 'spot', amountUnit: 'base', amountStep: 0.00001, priceStep: 0.01, marginable: true });
    // The quarterly contract is loaded by ccxt but is not a perpetual.
    expect(markets.some((m) => m.symbol.startsWith('BTC/USDT:USDT-'))).toBe(false);
    expect(stub.unmatched).toEqual([]);
  });

  it('snapshot: premiumIndex rates, fundingInfo intervals (unlisted = 8h default), fapi volumes', async () => {
    const { venue } = stubbedVenue('binance');
    await venue.loadMarkets();
    const snap = await venue.fetchSnapshot();
    const f = bySymbol(snap);
    expect(f.get('BTC/USDT:USDT')).toMatchObject({
      rate: 0.00038246,
      intervalHours: 8,
      intervalSource: 'default',
      rateKind: 'predicted',
      nextFundingTime: 1597392000000,
      markPrice: 11793.63104562,
      indexPrice: 11781.8049597,
      eventTime: 1597370495002,
    } satisfies Partial<FundingSnapshot>);
    expect(f.get('ETH/USDT:USDT')).toMatchObject({ rate: -0.00012, intervalHours: 4, intervalSource: 'venue' });
    expect(f.get('DOGE/USDT:USDT')).toMatchObject({ rate: 0.0001, intervalHours: 8, intervalSource: 'default' });
    expect(f.size).toBe(3);
    // The delivery contract's "" rate is ignored (not a perp); the unknown listing is reported.
    expect(snap.skipped).toEqual([{ venue: 'binance', symbol: 'NEWUSDT', reason: expect.stringMatching(/not loaded/) }]);
    expect(tickerOf(snap, 'BTC/USDT:USDT')).toMatchObject({ last: 11790.5, quoteVolume24h: 2937552500.55 });
  });

  it('order book from the real fapi depth capture, best first', async () => {
    const { venue, stub } = stubbedVenue('binance');
    await venue.loadMarkets();
    const book = await venue.fetchOrderBook('BTC/USDT:USDT', 5);
    expect(levelAt(book.bids, 0)).toEqual([42651.1, 470.672]);
    expect(levelAt(book.asks, 0)).toEqual([42878, 7.011]);
    expect(book.bids).toHaveLength(5);
    expect(book.eventTime).toBe(1706803917258);
    const url = stub.requests.at(-1);
    expect(url?.pathname).toBe('/fapi/v1/depth');
    expect(url?.searchParams.get('limit')).toBe('5');
  });

  it('binance {"code":-1121,"msg":"Invalid symbol."} → bad symbol, skip, not retried', async () => {
    const { venue, stub } = stubbedVenue('binance');
    await venue.loadMarkets();
    // Body as quoted in binance.js exceptions ('-1121': BadSymbol, // {"code":-1121,"msg":"Invalid symbol."}).
    stub.inject('/fapi/v1/depth', { kind: 'http', status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
    const before = stub.count();
    const err = await rejection(venue.fetchOrderBook('BTC/USDT:USDT', 5));
    expect([err.code, err.action]).toEqual(['CARRY_VENUE_BAD_SYMBOL', 'skip']);
    expect(err.message).toContain('BadSymbol');
    expect(stub.count() - before).toBe(1);
  });
});

describe('bybit (spot + linear through ccxt)', () => {
  it('the stub pipeline reproduces the recorded ccxt result for the real tickers response', async () => {
    const { exchange } = stubbedVenue('bybit');
    await exchange.loadMarkets();
    const recorded = responseCase('bybit', 'fetchFundingRates').parsedResponse as Record<string, unknown>;
    const live = await asCcxtCalls(exchange).fetchFundingRates();
    // The fixture stores ccxt's undefined as null (JSON).
    const asJson = JSON.parse(JSON.stringify(live['BTC/USDT:USDT'], (_k, v: unknown) => (v === undefined ? null : v))) as unknown;
    expect(asJson).toEqual(recorded['BTC/USDT:USDT']);
  });

  it('snapshot: interval from instruments-info fundingInterval (480 → 8h, ZRX 60 → 1h)', async () => {
    const { venue } = stubbedVenue('bybit');
    await venue.loadMarkets();
    const snap = await venue.fetchSnapshot();
    const f = bySymbol(snap);
    expect(f.get('BTC/USDT:USDT')).toMatchObject({
      rate: 0.0001,
      intervalHours: 8,
      intervalSource: 'venue',
      nextFundingTime: 1730736000000,
      markPrice: 68649.9,
      indexPrice: 68650.75,
      eventTime: 1730729903941,
    });
    expect(f.get('ZRX/USDT:USDT')).toMatchObject({ rate: -0.00025, intervalHours: 1, intervalSource: 'venue' });
    expect(tickerOf(snap, 'BTC/USDT:USDT')).toMatchObject({ bid: 68641.2, ask: 68641.3, last: 68641.3, quoteVolume24h: 7940401914.5025 });
    expect(snap.skipped).toEqual([]);
  });

  it('bybit retCode 10006 "Too many visits" → rate limited, retried with backoff, then reported as retry', async () => {
    const { venue, stub, sleeps } = stubbedVenue('bybit');
    await venue.loadMarkets();
    // Body as Bybit sent it (quoted in github.com/donewiththedollar/directionalscalper issue #57).
    stub.inject('/v5/market/orderbook', { kind: 'http', status: 200, body: { retCode: 10006, retMsg: 'Too many visits', result: {}, retExtInfo: {}, time: 1693924869139 } });
    const before = stub.count();
    const err = await rejection(venue.fetchOrderBook('BTC/USDT:USDT', 50));
    expect([err.code, err.action]).toEqual(['CARRY_VENUE_RATE_LIMITED', 'retry']);
    expect(stub.count() - before).toBe(3);
    // full jitter with random 0.5: 0.5 × 100 × 2^0, 0.5 × 100 × 2^1
    expect(sleeps).toEqual([50, 100]);
  });
});

describe('okx (spot + swap through ccxt)', () => {
  it('snapshot: interval from fundingTime/nextFundingTime, contract sizes from ctVal, volume = volCcy24h × last', async () => {
    const { venue } = stubbedVenue('okx');
    await venue.loadMarkets();
    const snap = await venue.fetchSnapshot();
    const f = bySymbol(snap);
    expect(f.get('BTC/USDT:USDT')).toMatchObject({ rate: 0.0001, intervalHours: 8, intervalSource: 'venue', contractSize: 0.01, settlement: 'linear', nextFundingTime: 1700726400000, markPrice: null, indexPrice: null });
    expect(f.get('ETH/USDT:USDT')).toMatchObject({ rate: 0.00031, intervalHours: 4, contractSize: 0.1 });
    expect(f.get('BTC/USD:BTC')).toMatchObject({ rate: -0.00005, settlement: 'inverse', settle: 'BTC', contractSize: 100 });
    // 12,345.67 BTC × 37,250.1 and 2,000 BTC × 37,249.9 (hand-computed)
    expect(tickerOf(snap, 'BTC/USDT:USDT')?.quoteVolume24h).toBeCloseTo(459877442.067, 3);
    expect(tickerOf(snap, 'BTC/USD:BTC')?.quoteVolume24h).toBeCloseTo(74499800, 3);
  });

  it('order book from the real books capture (4-field OKX levels)', async () => {
    const { venue } = stubbedVenue('okx');
    await venue.loadMarkets();
    const book = await venue.fetchOrderBook('BTC/USDT:USDT', 2);
    expect({ ...book, bids: sideLevels(book.bids), asks: sideLevels(book.asks) }).toMatchObject({
      bids: [[43466.3, 13807], [43466.2, 17151]],
      asks: [[43466.4, 14881], [43466.5, 14624]],
      eventTime: 1706612067750,
    });
  });

  it('okx code 50011 (HTTP 429) → rate limited, retry', async () => {
    const { venue, stub } = stubbedVenue('okx', { retry: { attempts: 1, baseMs: 100, maxMs: 100 } });
    await venue.loadMarkets();
    // Status and body as OKX sent them (quoted in github.com/c9s/bbgo pull request #1534).
    stub.inject('/api/v5/public/funding-rate', { kind: 'http', status: 429, body: { msg: 'Too Many Requests', code: '50011' } });
    const err = await rejection(venue.fetchSnapshot());
    expect([err.code, err.action]).toEqual(['CARRY_VENUE_RATE_LIMITED', 'retry']);
  });
});

describe('deribit (book summaries through ccxt)', () => {
  it('markets: inverse perps in USD, linear perps in coin, options and dated futures filtered', async () => {
    const { venue } = stubbedVenue('deribit');
    const markets = await venue.loadMarkets();
    expect(markets.map((m) => m.symbol).sort()).toEqual(['BTC/USD:BTC', 'BTC/USDC', 'BTC/USDC:USDC', 'ETH/USD:ETH']);
    expect(venue.market('BTC/USD:BTC')).toMatchObject({ settlement: 'inverse', amountUnit: 'quote', contractSize: 10, amountStep: 10, priceStep: 0.5, marginable: false });
    expect(venue.market('BTC/USDC:USDC')).toMatchObject({ settlement: 'linear', amountUnit: 'base', contractSize: 0.001, amountStep: 0.001 });
  });

  it('snapshot: funding_8h per perp, continuous, trailing realised, index from estimated_delivery_price', async () => {
    const { venue, stub } = stubbedVenue('deribit');
    await venue.loadMarkets();
    const snap = await venue.fetchSnapshot();
    const f = bySymbol(snap);
    expect(f.get('BTC/USD:BTC')).toMatchObject({ rate: 0.00012345, intervalHours: 8, continuous: true, rateKind: 'trailing_realised', nextFundingTime: null, markPrice: 37251.12, indexPrice: 37240.56, eventTime: 1700724675402 });
    expect(f.get('ETH/USD:ETH')).toMatchObject({ rate: -0.0000456, contractSize: 1 });
    expect(f.get('BTC/USDC:USDC')).toMatchObject({ rate: 0.0001, settlement: 'linear' });
    expect(f.size).toBe(3);
    expect(tickerOf(snap, 'BTC/USDC')).toMatchObject({ bid: 37245, ask: 37246, quoteVolume24h: 4000000 });
    expect(snap.skipped).toEqual([]);
    expect(stub.requests.slice(-3).map((u) => u.searchParams.get('currency'))).toEqual(['BTC', 'ETH', 'USDC']);
  });

  it('deribit 10028 too_many_requests (HTTP 429) → rate limited, retry; one currency failing is a skip', async () => {
    const { venue, stub } = stubbedVenue('deribit', { retry: { attempts: 1, baseMs: 100, maxMs: 100 } });
    await venue.loadMarkets();
    stub.inject('/public/get_book_summary_by_currency', { kind: 'http', status: 429, body: { jsonrpc: '2.0', error: { message: 'too_many_requests', code: 10028 }, testnet: false, usIn: 1, usOut: 2, usDiff: 1 } }, 1);
    const snap = await venue.fetchSnapshot();
    expect(snap.funding.map((f) => f.symbol).sort()).toEqual(['BTC/USDC:USDC', 'ETH/USD:ETH']);
    expect(snap.skipped).toHaveLength(1);
    expect(snap.skipped[0]?.reason).toMatch(/"code":"BTC".*CARRY_VENUE_RATE_LIMITED/);
  });
});
