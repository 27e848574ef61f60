/**
 * The real Bybit tape (ccxt 4.5.84 results recorded in carry's format) fed through a tiny
 * CcxtCalls into CcxtVenue: the same path a replay takes.
 */
import { describe, expect, it } from 'vitest';
import { sideLevels } from '../../src/domain/book.js';
import { SimClock } from '../../src/domain/clock.js';
import type { CcxtCalls } from '../../src/venues/ccxt-calls.js';
import { CcxtVenue } from '../../src/venues/ccxt-venue.js';
import { KNOWN_VENUES, type VenueProfile } from '../../src/venues/profiles.js';
import { readTape, type TapeRecord } from '../support/ccxt-fixtures.js';

const tape = readTape('bybit-2026-08-09.ndjson');
const first = (method: string, arg0?: unknown): TapeRecord => {
  const rec = tape.find((r) => r.method === method && (arg0 === undefined || r.args[0] === arg0));
  if (rec === undefined) throw new Error(`tape has no ${method} ${String(arg0)}`);
  return rec;
};

function tapeCalls(): { calls: CcxtCalls; log: string[] } {
  const log: string[] = [];
  const answer = (name: string, result: () => unknown) => async (...args: unknown[]) => {
    log.push(`${name} ${JSON.stringify(args)}`);
    return result() as never;
  };
  const unused = (name: string) => async () => {
    throw new Error(`${name} is not on the scan path`);
  };
  return {
    log,
    calls: {
      id: 'bybit',
      has: { fetchFundingRates: true },
      loadMarkets: answer('loadMarkets', () => first('loadMarkets').result),
      fetchFundingRates: answer('fetchFundingRates', () => first('fetchFundingRates').result),
      fetchFundingIntervals: unused('fetchFundingIntervals'),
      fetchTickers: answer('fetchTickers', () => first('fetchTickers').result),
      fetchOrderBook: async (symbol: string, limit?: number) => {
        log.push(`fetchOrderBook ${JSON.stringify([symbol, limit])}`);
        return first('fetchOrderBook', symbol).result as never;
      },
      fetchTradingFees: unused('fetchTradingFees'),
      fetchFundingRateHistory: unused('fetchFundingRateHistory'),
      fetchCrossBorrowRate: unused('fetchCrossBorrowRate'),
    },
  };
}

describe('real Bybit tape through CcxtVenue', () => {
  const ts = first('fetchFundingRates').ts;

  it('four USDT perps: rate, 8h from market fundingInterval, marks and indices as recorded', async () => {
    const { calls, log } = tapeCalls();
    const venue = new CcxtVenue(calls, KNOWN_VENUES['bybit'] as VenueProfile, new SimClock(ts));
    const markets = await venue.loadMarkets();
    expect(markets).toHaveLength(45); // every tape market is spot or a linear perp
    expect(venue.marketSkips()).toEqual([]);

    const snap = await venue.fetchSnapshot();
    expect(log.slice(1)).toEqual(['fetchFundingRates [null,{}]', 'fetchTickers [null,{"type":"swap","subType":"linear"}]']);
    const rows = snap.funding.map((f) => [f.symbol, f.rate, f.intervalHours, f.intervalSource, f.markPrice, f.indexPrice, f.nextFundingTime]);
    expect(rows.sort()).toEqual(
      [
        ['BTC/USDT:USDT', 0.0001, 8, 'venue', 65118, 65138.38, 1786320000000],
        ['DOGE/USDT:USDT', 0.0001, 8, 'venue', 0.07055, 0.07056, 1786320000000],
        ['ETH/USDT:USDT', 0.00004617, 8, 'venue', 1922.57, 1923.19, 1786320000000],
        ['SOL/USDT:USDT', 0.00000876, 8, 'venue', 77.31, 77.338, 1786320000000],
      ].sort(),
    );
    for (const f of snap.funding) {
      expect(f).toMatchObject({ venue: 'bybit', settlement: 'linear', settle: 'USDT', contractSize: 1, continuous: false, rateKind: 'predicted', eventTime: 1786310821516, receivedAt: ts });
    }
    expect(snap.skipped).toEqual([]);
  });

  it('tickers: perps with book tops and turnover, spot with last and turnover only', async () => {
    const { calls } = tapeCalls();
    const venue = new CcxtVenue(calls, KNOWN_VENUES['bybit'] as VenueProfile, new SimClock(ts));
    const snap = await venue.fetchSnapshot(); // loads markets on first use
    expect(snap.tickers).toHaveLength(6);
    expect(snap.tickers.find((t) => t.symbol === 'BTC/USDT:USDT')).toMatchObject({ bid: 65114.2, ask: 65114.3, last: 65114.3, quoteVolume24h: 1142258278.4178, eventTime: null });
    expect(snap.tickers.find((t) => t.symbol === 'BTC/USDT')).toMatchObject({ bid: null, ask: null, last: 65140.5, quoteVolume24h: 191907024.69597727 });
  });

  it('200-level book is cut to the depth asked for, best first, amounts as recorded', async () => {
    const { calls, log } = tapeCalls();
    const venue = new CcxtVenue(calls, KNOWN_VENUES['bybit'] as VenueProfile, new SimClock(ts));
    await venue.loadMarkets();
    const book = await venue.fetchOrderBook('BTC/USDT:USDT', 50);
    expect(log.at(-1)).toBe('fetchOrderBook ["BTC/USDT:USDT",50]');
    expect(book.bids).toHaveLength(50);
    expect(book.asks).toHaveLength(50);
    const bids = sideLevels(book.bids);
    expect(bids.slice(0, 3)).toEqual([[65114.2, 7.833], [65114.1, 0.338], [65114, 0.04]]);
    expect(sideLevels(book.asks).slice(0, 3)).toEqual([[65114.3, 6.542], [65115.4, 0.002], [65115.7, 0.001]]);
    expect(book.eventTime).toBe(1786310821428);
    for (let i = 1; i < bids.length; i++) expect((bids[i] as readonly number[])[0]).toBeLessThan((bids[i - 1] as readonly number[])[0] as number);
  });

  it('a market with bad metadata is reported once (first snapshot after the load) and its funding row is not used', async () => {
    const { calls } = tapeCalls();
    const markets = structuredClone(first('loadMarkets').result) as Record<string, Record<string, unknown>>;
    (markets['ETH/USDT:USDT'] as Record<string, unknown>)['contractSize'] = 0;
    const venue = new CcxtVenue({ ...calls, loadMarkets: async () => markets as never }, KNOWN_VENUES['bybit'] as VenueProfile, new SimClock(ts));
    await venue.loadMarkets();
    const firstSnap = await venue.fetchSnapshot();
    expect(firstSnap.skipped).toEqual([{ venue: 'bybit', symbol: 'ETH/USDT:USDT', reason: expect.stringMatching(/contractSize/) }]);
    expect(firstSnap.funding.map((f) => f.symbol)).not.toContain('ETH/USDT:USDT');
    const secondSnap = await venue.fetchSnapshot();
    expect(secondSnap.skipped).toEqual([]);
    expect(secondSnap.funding).toHaveLength(3);
  });

  it('a symbol carry did not load is refused before any request', async () => {
    const { calls, log } = tapeCalls();
    const venue = new CcxtVenue(calls, KNOWN_VENUES['bybit'] as VenueProfile, new SimClock(ts));
    await venue.loadMarkets();
    await expect(venue.fetchOrderBook('XRP/USDT:USDT', 50)).rejects.toMatchObject({ code: 'CARRY_VENUE_BAD_SYMBOL', action: 'skip' });
    expect(log.filter((l) => l.startsWith('fetchOrderBook'))).toEqual([]);
  });
});
