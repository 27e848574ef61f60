/**
 * The per-scan budget, counted at the HTTP transport of real ccxt instances: after markets are
 * loaded, one fetchSnapshot costs at most 3 requests per venue, and they are the planned ones.
 */
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../src/domain/clock.js';
import type { CcxtCalls } from '../../src/venues/ccxt-calls.js';
import { CcxtVenue } from '../../src/venues/ccxt-venue.js';
import { genericProfile, KNOWN_VENUES } from '../../src/venues/profiles.js';
import { readTape, stubbedVenue, type StubbedVenueId } from '../support/ccxt-fixtures.js';

const EXPECTED: Record<StubbedVenueId, string[]> = {
  binance: ['/fapi/v1/premiumIndex', '/fapi/v1/fundingInfo', '/fapi/v1/ticker/24hr'],
  bybit: ['/v5/market/tickers?category=linear', '/v5/market/tickers?category=linear'],
  okx: ['/api/v5/public/funding-rate?instId=ANY', '/api/v5/market/tickers?instType=SWAP'],
  deribit: [
    '/api/v2/public/get_book_summary_by_currency?currency=BTC',
    '/api/v2/public/get_book_summary_by_currency?currency=ETH',
    '/api/v2/public/get_book_summary_by_currency?currency=USDC',
  ],
};

describe('request budget per scan (transport-counted)', () => {
  it.each(Object.keys(EXPECTED) as StubbedVenueId[])('%s: ≤ 3 requests per snapshot, exactly the planned ones, every scan', async (id) => {
    const { venue, stub } = stubbedVenue(id);
    await venue.loadMarkets();
    for (let scan = 0; scan < 2; scan++) {
      stub.reset();
      const snap = await venue.fetchSnapshot();
      expect(snap.funding.length).toBeGreaterThan(0);
      expect(stub.count()).toBeLessThanOrEqual(3);
      expect(stub.requests.map((u) => u.pathname + u.search)).toEqual(EXPECTED[id]);
      expect(stub.unmatched).toEqual([]);
    }
  });

  it('every known profile plans at most 3 scan calls', () => {
    for (const profile of Object.values(KNOWN_VENUES)) expect(profile.scanCalls.length).toBeLessThanOrEqual(3);
    expect(genericProfile('kraken').scanCalls.length).toBeLessThanOrEqual(3);
  });
});

describe('generic ccxt id', () => {
  const markets = readTape('bybit-2026-08-09.ndjson')[0]?.result as Awaited<ReturnType<CcxtCalls['loadMarkets']>>;

  function countingCalls(has: Record<string, boolean>): { calls: CcxtCalls; log: string[] } {
    const log: string[] = [];
    const rec = (name: string, result: unknown) => async (...args: unknown[]) => {
      log.push(`${name}${JSON.stringify(args)}`);
      return result as never;
    };
    return {
      log,
      calls: {
        id: 'somevenue',
        has,
        loadMarkets: rec('loadMarkets', markets),
        fetchFundingRates: rec('fetchFundingRates', {}),
        fetchFundingIntervals: rec('fetchFundingIntervals', {}),
        fetchTickers: rec('fetchTickers', {}),
        fetchOrderBook: rec('fetchOrderBook', { bids: [], asks: [] }),
        fetchTradingFees: rec('fetchTradingFees', {}),
        fetchFundingRateHistory: rec('fetchFundingRateHistory', []),
        fetchCrossBorrowRate: rec('fetchCrossBorrowRate', {}),
      },
    };
  }

  it('calls fetchFundingRates only when ccxt has it, and says so when it does not', async () => {
    const without = countingCalls({ fetchFundingRates: false });
    const venue = new CcxtVenue(without.calls, { ...genericProfile('somevenue'), precisionMode: 4 }, new SimClock(0));
    await venue.loadMarkets();
    const snap = await venue.fetchSnapshot();
    expect(without.log.slice(1)).toEqual(['fetchTickers[null,{"type":"swap"}]']);
    expect(snap.funding).toEqual([]);
    expect(snap.skipped.some((s) => /no fetchFundingRates/.test(s.reason))).toBe(true);

    const withIt = countingCalls({ fetchFundingRates: true });
    const venue2 = new CcxtVenue(withIt.calls, { ...genericProfile('somevenue'), precisionMode: 4 }, new SimClock(0));
    await venue2.loadMarkets();
    await venue2.fetchSnapshot();
    expect(withIt.log.slice(1)).toEqual(['fetchFundingRates[null,{}]', 'fetchTickers[null,{"type":"swap"}]']);
  });
});
