/**
 * The ranker on real data: the first scan of the recorded Bybit tape (2026-08-09), 200-level
 * books. BTC and ETH have perp and spot books; SOL and DOGE have spot *markets* but no spot
 * *books* in the capture (tapes/README.md).
 *
 * The tape holds ccxt unified results; the few lines below turn them into carry's types the
 * way the docs describe (amount in base for spot, contracts of 1 base for linear perps, Bybit
 * funding interval from the market's info.fundingInterval in minutes).
 */
import { BYBIT_TAPE } from '../support/shared-data.js';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { orderBook, sideLevels } from '../../src/domain/book.js';
import { packBooks } from '../../src/pricing/book-arena.js';
import type { BookLevel, FundingSnapshot, Market, OrderBook, TickerSnapshot } from '../../src/domain/market.js';
import type { Opportunity } from '../../src/domain/opportunity.js';
import { spotPerpCarryParamsSchema } from '../../strategies/spot-perp-carry/params.js';
import { bookKey, RANK_REASONS, rankOpportunities, shortlist, type RankInput } from '../../strategies/spot-perp-carry/rank.js';

interface Rec {
  ts: number;
  venue: string;
  method: string;
  args: unknown[];
  result: any;
}

const recs: Rec[] = readFileSync(BYBIT_TAPE, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Rec);
const T0 = (recs.find((r) => r.method === 'fetchFundingRates') as Rec).ts;
const at = (method: string) => recs.filter((r) => r.method === method && r.ts === T0);

function toMarket(m: any): Market {
  const spot = m.spot === true;
  return {
    venue: 'bybit',
    symbol: m.symbol,
    id: m.id,
    type: spot ? 'spot' : 'swap',
    base: m.base,
    quote: m.quote,
    settle: spot ? null : m.settle,
    settlement: spot ? null : m.linear ? 'linear' : 'inverse',
    contractSize: spot ? 1 : m.contractSize,
    amountUnit: spot ? 'base' : 'contracts',
    amountStep: m.precision.amount,
    priceStep: m.precision.price,
    minAmount: m.limits?.amount?.min ?? null,
    minCost: m.limits?.cost?.min ?? null,
    taker: m.taker,
    maker: m.maker,
    active: m.active,
    marginable: m.margin === true,
    fundingIntervalHours: spot ? null : Number(m.info.fundingInterval) / 60,
  };
}

const MARKETS: Market[] = Object.values((recs.find((r) => r.method === 'loadMarkets') as Rec).result).map(toMarket);

const FUNDING: FundingSnapshot[] = Object.values((at('fetchFundingRates')[0] as Rec).result).map(
  (f: any) => {
    const m = MARKETS.find((x) => x.symbol === f.symbol) as Market;
    return {
      venue: 'bybit',
      symbol: f.symbol,
      base: m.base,
      quote: m.quote,
      settle: m.settle as string,
      settlement: 'linear',
      contractSize: m.contractSize,
      rate: f.fundingRate,
      intervalHours: m.fundingIntervalHours as number,
      intervalSource: 'venue',
      continuous: false,
      rateKind: 'predicted',
      nextFundingTime: f.fundingTimestamp,
      markPrice: f.markPrice,
      indexPrice: f.indexPrice,
      eventTime: f.timestamp,
      receivedAt: T0,
    };
  },
);

const TICKERS: TickerSnapshot[] = Object.values((at('fetchTickers')[0] as Rec).result).map(
  (t: any) => ({
    venue: 'bybit',
    symbol: t.symbol,
    bid: t.bid ?? null,
    ask: t.ask ?? null,
    last: t.last ?? null,
    quoteVolume24h: t.quoteVolume ?? null,
    eventTime: t.timestamp ?? null,
    receivedAt: T0,
  }),
);

const BOOKS = new Map<string, OrderBook>(
  at('fetchOrderBook').map((r) => [
    bookKey('bybit', r.result.symbol),
    orderBook({ venue: 'bybit', symbol: r.result.symbol, bids: r.result.bids, asks: r.result.asks, eventTime: r.result.timestamp, receivedAt: T0 }),
  ]),
);

function input(over: Partial<Omit<RankInput, 'books'>> = {}): RankInput {
  const markets = over.markets ?? new Map([['bybit', MARKETS]]);
  return {
    now: T0,
    markets,
    funding: FUNDING,
    tickers: TICKERS,
    books: packBooks(markets, BOOKS.values()),
    borrow: new Map([['bybit', { canBorrow: true }]]),
    closedVenues: new Set(['bitmex']),
    params: spotPerpCarryParamsSchema.parse({}),
    ...over,
  };
}

/** Independent walk for a quote notional (base-unit levels); slippage vs mid in bps, positive = worse. */
function slip(levels: readonly BookLevel[], buy: boolean, quote: number, mid: number): number {
  let rem = quote;
  let base = 0;
  for (const [p, a] of levels) {
    const take = Math.min(rem, p * a);
    base += take / p;
    rem -= take;
    if (rem <= 0) break;
  }
  const vwap = quote / base;
  return buy ? ((vwap - mid) / mid) * 1e4 : ((mid - vwap) / mid) * 1e4;
}

function bySymbol(out: readonly Opportunity[], perp: string): Opportunity {
  return out.find((o) => o.perpSymbol === perp) as Opportunity;
}

describe('ranking the real Bybit tape', () => {
  const out = rankOpportunities(input());

  it('ranks the four perps with funding, without crashing on the missing spot books', () => {
    expect(out.map((o) => o.perpSymbol).sort()).toEqual(['BTC/USDT:USDT', 'DOGE/USDT:USDT', 'ETH/USDT:USDT', 'SOL/USDT:USDT']);
    expect(MARKETS.some((m) => m.symbol === 'SOL/USDT')).toBe(true);
  });

  it.each(['SOL', 'DOGE'])('%s: spot market exists but its book is missing → filtered with that reason', (base) => {
    const o = bySymbol(out, `${base}/USDT:USDT`);
    expect(o.status).toBe('filtered');
    expect(o.spotSymbol).toBe(`${base}/USDT`);
    expect(o.reasons).toContain(RANK_REASONS.missingSpotBook);
    expect(o.roundTripCost).toBeNull();
    expect(o.netApr).toBeNull();
  });

  it('SOL and DOGE without spot markets → "no spot market on venue"', () => {
    const markets = MARKETS.filter((m) => !(m.type === 'spot' && (m.base === 'SOL' || m.base === 'DOGE')));
    const o = rankOpportunities(input({ markets: new Map([['bybit', markets]]) }));
    for (const base of ['SOL', 'DOGE']) {
      const x = bySymbol(o, `${base}/USDT:USDT`);
      expect(x.spotSymbol).toBeNull();
      expect(x.reasons).toContain(RANK_REASONS.noSpot);
    }
    expect(bySymbol(o, 'BTC/USDT:USDT').spotSymbol).toBe('BTC/USDT');
  });

  it('BTC: 0.01%/8h does not pay a taker round trip in 72h', () => {
    const o = bySymbol(out, 'BTC/USDT:USDT');
    const spot = BOOKS.get('bybit|BTC/USDT') as OrderBook;
    const perp = BOOKS.get('bybit|BTC/USDT:USDT') as OrderBook;
    const sMid = (65_140.4 + 65_140.5) / 2;
    const pMid = (65_114.2 + 65_114.3) / 2;
    // fees 2 × (0.001 + 0.0006) = 0.0032, plus four walks of 10,000 USDT
    const slips =
      slip(sideLevels(spot.asks), true, 10_000, sMid) +
      slip(sideLevels(spot.bids), false, 10_000, sMid) +
      slip(sideLevels(perp.bids), false, 10_000, pMid) +
      slip(sideLevels(perp.asks), true, 10_000, pMid);
    const roundTrip = 0.0032 + slips / 1e4;
    expect(o.grossApr).toBeCloseTo(0.1095, 12); // 0.0001 × 3 × 365
    expect(o.spot?.mid).toBeCloseTo(sMid, 6);
    expect(o.perp?.mid).toBeCloseTo(pMid, 6);
    expect(o.roundTripCost).toBeCloseTo(roundTrip, 12);
    // funding 0.0001 × 72 / 8 = 0.0009 < round trip
    expect(o.netReturnHold).toBeCloseTo(0.0009 - roundTrip, 12);
    expect(o.breakEvenHours).toBeCloseTo(roundTrip / (0.0001 / 8), 6);
    expect(o.status).toBe('filtered');
    expect(o.reasons).toEqual([RANK_REASONS.lowNetApr]);
    // 10 bps on the BTC perp bids is past the 200 fetched levels
    expect(o.perp?.maxNotionalBookLimited).toBe(true);
  });

  it('ok when the user accepts the loss, listed best first', () => {
    const o = rankOpportunities(input({ params: spotPerpCarryParamsSchema.parse({ minNetApr: -1 }) }));
    const ok = o.filter((x) => x.status === 'ok');
    expect(ok.map((x) => x.base)).toEqual(['BTC', 'ETH']); // BTC 0.01% beats ETH 0.0046%
    expect((ok[0]?.netApr as number) > (ok[1]?.netApr as number)).toBe(true);
  });

  it('every row is stale 200 s later', () => {
    const o = rankOpportunities(input({ now: T0 + 200_000 }));
    for (const x of o) expect(x.reasons).toContain(RANK_REASONS.stale);
  });

  it('shortlists all four perps (the spot markets exist; their books are fetched next)', () => {
    const s = shortlist(input());
    expect(s.map((c) => c.perpSymbol)).toEqual(['BTC/USDT:USDT', 'DOGE/USDT:USDT', 'ETH/USDT:USDT', 'SOL/USDT:USDT']);
  });
});
