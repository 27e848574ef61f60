/**
 * Ranking on small synthetic books whose every number is worked out by hand below.
 *
 * Mid 100 on both books.
 *   SPOT  bids 200 @ 99.95, 1,000 @ 99.75   asks 200 @ 100.05, 1,000 @ 100.25   (±5 bps, ±25 bps)
 *   PERP  bids 500 @ 99.98, 1,000 @ 99.70   asks 500 @ 100.02, 1,000 @ 100.30   (±2 bps, ±30 bps)
 * Notional 10,000 fits in the first level of every side, so each fill is at that level's price:
 *   spot slippage 5 bps in and 5 out, perp 2 in and 2 out → 14 bps = 0.0014
 *   fees 2 × (0.001 spot + 0.0005 perp) = 0.003        → round trip 0.0044
 * Rate 0.0008 per 8h (0.0001/h), hold 72h: funding 0.0072; net 0.0028;
 *   net APR 0.0028 × 8760 / 72 = 0.340666…; break-even 0.0044 / 0.0001 = 44 h; gross APR 0.876.
 * Max notional at 10 bps (L = 100.1 buys, 99.9 sells), N = L(pB − Q)/(p − L):
 *   carry: spot asks 100.1 × 40 / 0.15 = 26,693.33; perp bids 99.9 × 700 = 69,930 → 26,693.33
 *   reverse: spot bids 99.9 × 40 / 0.15 = 26,640;  perp asks 100.1 × 700 = 70,070 → 26,640
 */
import { describe, expect, it } from 'vitest';
import { orderBook } from '../../src/domain/book.js';
import { BOOK_PROBLEMS, midPrice, walkBook } from '../../src/pricing/depth.js';
import { maxNotionalWithinSlippage } from '../../src/pricing/max-notional.js';
import { amountModel } from '../../src/pricing/units.js';
import { arenaBookLevels, packBooks } from '../../src/pricing/book-arena.js';
import type { BookLevel, FundingSnapshot, Market, OrderBook, TickerSnapshot } from '../../src/domain/market.js';
import type { Opportunity } from '../../src/domain/opportunity.js';
import { spotPerpCarryParamsSchema, type SpotPerpCarryParams } from '../../strategies/spot-perp-carry/params.js';
import {
  bookKey,
  RANK_REASONS,
  rankOpportunities,
  rankRows,
  rankWithSkipped,
  shortlist,
  type RankInput,
  type VenueBorrow,
} from '../../strategies/spot-perp-carry/rank.js';

const NOW = 1_800_000_000_000;
const CARRY_MAX = (100.1 * 40) / 0.15; // 26,693.33
const REVERSE_MAX = 26_640;

function market(venue: string, symbol: string, over: Partial<Market> = {}): Market {
  const [pair, settle] = symbol.split(':');
  const [base, quote] = (pair as string).split('/') as [string, string];
  const swap = settle !== undefined;
  return {
    venue,
    symbol,
    id: symbol,
    type: swap ? 'swap' : 'spot',
    base,
    quote,
    settle: swap ? (settle as string) : null,
    settlement: swap ? 'linear' : null,
    contractSize: 1,
    amountUnit: swap ? 'contracts' : 'base',
    amountStep: 0.001,
    priceStep: 0.01,
    minAmount: null,
    minCost: null,
    taker: swap ? 0.0005 : 0.001,
    maker: 0.0002,
    active: true,
    marginable: !swap,
    fundingIntervalHours: null,
    ...over,
  };
}

function funding(venue: string, m: Market, rate: number, intervalHours: number, over: Partial<FundingSnapshot> = {}): FundingSnapshot {
  return {
    venue,
    symbol: m.symbol,
    base: m.base,
    quote: m.quote,
    settle: m.settle as string,
    settlement: m.settlement ?? 'linear',
    contractSize: m.contractSize,
    rate,
    intervalHours,
    intervalSource: 'venue',
    continuous: false,
    rateKind: 'predicted',
    nextFundingTime: NOW + 3_600_000,
    markPrice: 100,
    indexPrice: 100,
    eventTime: NOW - 1_000,
    receivedAt: NOW - 1_000,
    ...over,
  };
}

function ticker(venue: string, symbol: string, quoteVolume24h: number | null = 5_000_000): TickerSnapshot {
  return { venue, symbol, bid: null, ask: null, last: 100, quoteVolume24h, eventTime: NOW - 1_000, receivedAt: NOW - 1_000 };
}

function book(venue: string, symbol: string, bids: BookLevel[], asks: BookLevel[], receivedAt = NOW - 500): OrderBook {
  return orderBook({ venue, symbol, bids, asks, eventTime: receivedAt, receivedAt });
}

const SPOT_BIDS: BookLevel[] = [
  [99.95, 200],
  [99.75, 1000],
];
const SPOT_ASKS: BookLevel[] = [
  [100.05, 200],
  [100.25, 1000],
];
const PERP_BIDS: BookLevel[] = [
  [99.98, 500],
  [99.7, 1000],
];
const PERP_ASKS: BookLevel[] = [
  [100.02, 500],
  [100.3, 1000],
];

interface Coin {
  readonly venue?: string;
  readonly base: string;
  readonly rate: number;
  readonly interval?: number;
  readonly perp?: Partial<Market>;
  readonly perpSymbol?: string;
  readonly perpBids?: BookLevel[];
  readonly perpAsks?: BookLevel[];
  readonly spot?: Partial<Market> | null;
  readonly funding?: Partial<FundingSnapshot>;
  readonly volume?: number | null;
  readonly books?: boolean;
}

/** One venue per coin list entry, standard books unless overridden. */
function build(coins: readonly Coin[], over: Partial<Omit<RankInput, 'params'>> & { params?: Partial<SpotPerpCarryParams> } = {}): RankInput {
  const markets = new Map<string, Market[]>();
  const fund: FundingSnapshot[] = [];
  const tickers: TickerSnapshot[] = [];
  const books = new Map<string, OrderBook>();
  for (const c of coins) {
    const venue = c.venue ?? 'v';
    const list = markets.get(venue) ?? [];
    markets.set(venue, list);
    const perp = market(venue, c.perpSymbol ?? `${c.base}/USDT:USDT`, c.perp);
    list.push(perp);
    if (c.spot !== null) {
      const spot = market(venue, `${c.base}/USDT`, c.spot);
      list.push(spot);
      if (c.books !== false) books.set(bookKey(venue, spot.symbol), book(venue, spot.symbol, SPOT_BIDS, SPOT_ASKS));
    }
    if (c.books !== false) {
      books.set(bookKey(venue, perp.symbol), book(venue, perp.symbol, c.perpBids ?? PERP_BIDS, c.perpAsks ?? PERP_ASKS));
    }
    fund.push(funding(venue, perp, c.rate, c.interval ?? 8, c.funding));
    if (c.volume !== null) tickers.push(ticker(venue, perp.symbol, c.volume ?? 5_000_000));
  }
  const { params, ...rest } = over;
  return {
    now: NOW,
    markets,
    funding: fund,
    tickers,
    books: packBooks(markets, books.values()),
    borrow: new Map<string, VenueBorrow>([['v', { canBorrow: true, aprByBase: new Map([['BTC', 0.0876]]) }]]),
    closedVenues: new Set(['bitmex']),
    params: spotPerpCarryParamsSchema.parse({ ...params }),
    ...rest,
  };
}

/** The input's books as a Map by bookKey, to edit and repack with withBooks. */
function bookMap(input: RankInput): Map<string, OrderBook> {
  const out = new Map<string, OrderBook>();
  for (let b = 0; b < input.books.count; b++) {
    const l = arenaBookLevels(input.books, b);
    out.set(bookKey(l.venue, l.symbol), orderBook(l));
  }
  return out;
}

function withBooks(input: RankInput, books: ReadonlyMap<string, OrderBook>, headLevels?: number): RankInput {
  return { ...input, books: packBooks(input.markets, books.values(), headLevels) };
}

function only(input: RankInput): Opportunity {
  const out = rankOpportunities(input);
  expect(out).toHaveLength(1);
  return out[0] as Opportunity;
}

describe('carry on a linear perp, costs by hand', () => {
  const o = only(build([{ base: 'BTC', rate: 0.0008 }]));

  it('prices both legs from the books', () => {
    expect(o.spot).toMatchObject({ symbol: 'BTC/USDT', side: 'buy', entryVwap: 100.05, exitVwap: 99.95, mid: 100, takerFee: 0.001 });
    expect(o.perp).toMatchObject({ symbol: 'BTC/USDT:USDT', side: 'sell', entryVwap: 99.98, exitVwap: 100.02, mid: 100, takerFee: 0.0005 });
    expect(o.spot?.entrySlippageBps).toBeCloseTo(5, 9);
    expect(o.spot?.exitSlippageBps).toBeCloseTo(5, 9);
    expect(o.perp?.entrySlippageBps).toBeCloseTo(2, 9);
    expect(o.perp?.exitSlippageBps).toBeCloseTo(2, 9);
    expect(o.spot?.maxNotional).toBeCloseTo(CARRY_MAX, 6);
    expect(o.perp?.maxNotional).toBeCloseTo(69_930, 6);
    expect(o.spot?.maxNotionalBookLimited).toBe(false);
  });

  it('nets funding against fees and slippage', () => {
    expect(o.direction).toBe('carry');
    expect(o.grossApr).toBeCloseTo(0.876, 12);
    expect(o.roundTripCost).toBeCloseTo(0.0044, 12);
    expect(o.borrowCost).toBeNull();
    expect(o.netReturnHold).toBeCloseTo(0.0028, 12);
    expect(o.netApr).toBeCloseTo((0.0028 * 8760) / 72, 12);
    expect(o.breakEvenHours).toBeCloseTo(44, 9);
    expect(o.maxNotional).toBeCloseTo(CARRY_MAX, 6);
    expect(o.status).toBe('ok');
    expect(o.reasons).toEqual([]);
    expect(o.quoteVolume24h).toBe(5_000_000);
    // oldest input is the funding row, received 1,000 ms ago (books 500 ms)
    expect(o.dataAgeMs).toBe(1_000);
  });
});

describe('interval normalisation: a 1h and an 8h perp with the same hourly rate rank the same', () => {
  const out = rankOpportunities(
    build([
      { base: 'AAA', rate: 0.0008, interval: 8 },
      { base: 'BBB', rate: 0.0001, interval: 1 },
    ]),
  );
  const a = out.find((o) => o.base === 'AAA') as Opportunity;
  const b = out.find((o) => o.base === 'BBB') as Opportunity;
  it.each(['grossApr', 'netReturnHold', 'netApr', 'breakEvenHours', 'roundTripCost'] as const)('%s', (k) => {
    expect(a[k]).not.toBeNull();
    expect(b[k]).toBeCloseTo(a[k] as number, 12);
  });
  it('both at the hand-computed values, raw rates 8x apart', () => {
    expect(a.rate / b.rate).toBeCloseTo(8, 12);
    expect(b.netApr).toBeCloseTo(0.340666666666, 9);
    expect(b.breakEvenHours).toBeCloseTo(44, 9);
  });

  it('continuous (Deribit-style) funding uses the same per-hour formula', () => {
    const c = only(build([{ base: 'BTC', rate: 0.0008, funding: { continuous: true, rateKind: 'trailing_realised', nextFundingTime: null } }]));
    expect(c.continuous).toBe(true);
    expect(c.netApr).toBeCloseTo((0.0028 * 8760) / 72, 12);
    expect(c.nextFundingTime).toBeNull();
  });
});

describe('linear vs inverse: the same USD depth gives the same economics', () => {
  // Linear perp: 500 BTC @ 99.98 = 49,990 USDT, 1,000 BTC @ 99.70 = 99,700 USDT.
  // Inverse 10-USD contracts: 4,999 and 9,970 contracts hold the same USD at each level.
  // Deribit (amount already USD): 49,990 and 99,700.
  const inverse: Partial<Market> = { settlement: 'inverse', settle: 'BTC', quote: 'USD', contractSize: 10, amountUnit: 'contracts' };
  const rows = [
    { name: 'linear', perp: {}, perpSymbol: 'BTC/USDT:USDT', scale: 1 },
    { name: 'inverse contracts', perp: inverse, perpSymbol: 'BTC/USD:BTC', scale: 10 },
    { name: 'deribit amount in USD', perp: { ...inverse, amountUnit: 'quote' as const }, perpSymbol: 'BTC/USD:BTC', scale: 100 },
  ];
  it.each(rows)('$name', ({ perp, perpSymbol, scale }) => {
    // base-unit levels become USD / (price × cs) contracts for inverse: 49,990 / 10 = 4,999
    const toUnits = (lv: BookLevel[]): BookLevel[] =>
      lv.map(([p, a]) => [p, scale === 1 ? a : scale === 10 ? (a * p) / 10 : a * p] as const);
    const o = only(
      build([{ base: 'BTC', rate: 0.0008, perp, perpSymbol, perpBids: toUnits(PERP_BIDS), perpAsks: toUnits(PERP_ASKS) }]),
    );
    expect(o.spotSymbol).toBe('BTC/USDT');
    expect(o.perp?.entryVwap).toBeCloseTo(99.98, 9);
    expect(o.perp?.maxNotional).toBeCloseTo(69_930, 4);
    expect(o.roundTripCost).toBeCloseTo(0.0044, 12);
    expect(o.netApr).toBeCloseTo((0.0028 * 8760) / 72, 12);
    expect(o.maxNotional).toBeCloseTo(CARRY_MAX, 6);
    expect(o.status).toBe('ok');
  });

  it('a multi-level inverse fill uses the harmonic VWAP, not the contracts-weighted one', () => {
    // Perp bids (10-USD contracts): 500 contracts = 5,000 USD @ 100 (50 BTC), then plenty @ 50.
    // Sell 10,000 USD: 5,000 @ 100 (50 BTC) + 5,000 @ 50 (100 BTC) → VWAP 10,000 / 150 = 66.67
    // (the contracts-weighted average would be 75).
    const o = only(
      build([
        {
          base: 'BTC',
          rate: 0.0008,
          perp: inverse,
          perpSymbol: 'BTC/USD:BTC',
          perpBids: [
            [100, 500],
            [50, 100_000],
          ],
          perpAsks: [[100.02, 100_000]],
        },
      ]),
    );
    expect(o.perp?.entryVwap).toBeCloseTo(10_000 / 150, 9);
  });
});

describe('reverse carry (negative funding)', () => {
  it('borrows spot when the venue can, and charges the borrow over the hold', () => {
    // rate −0.0008/8h: the long perp receives 0.0072 over 72h. Sides flip: sell spot on bids
    // (5 bps), buy perp on asks (2 bps); exits buy spot on asks, sell perp on bids: round trip 0.0044.
    // borrow 8.76% APR = 0.00001/h → 0.00072 over 72h. Net 0.0072 − 0.0044 − 0.00072 = 0.00208,
    // APR 0.00208 × 8760 / 72 = 0.253066…; break-even 0.0044 / (0.0001 − 0.00001) = 48.888… h.
    const o = only(build([{ base: 'BTC', rate: -0.0008 }]));
    expect(o.direction).toBe('reverse');
    expect(o.spot).toMatchObject({ side: 'sell', entryVwap: 99.95, exitVwap: 100.05 });
    expect(o.perp).toMatchObject({ side: 'buy', entryVwap: 100.02, exitVwap: 99.98 });
    expect(o.grossApr).toBeCloseTo(-0.876, 12);
    expect(o.roundTripCost).toBeCloseTo(0.0044, 12);
    expect(o.borrowCost).toBeCloseTo(0.00072, 12);
    expect(o.netReturnHold).toBeCloseTo(0.00208, 12);
    expect(o.netApr).toBeCloseTo((0.00208 * 8760) / 72, 12);
    expect(o.breakEvenHours).toBeCloseTo(0.0044 / 0.00009, 9);
    expect(o.maxNotional).toBeCloseTo(REVERSE_MAX, 6);
    expect(o.status).toBe('ok');
  });

  it('unknown borrow rate: listed with costs but no net figures, filtered with a reason', () => {
    const o = only(build([{ base: 'ETH', rate: -0.0008 }]));
    expect(o.status).toBe('filtered');
    expect(o.reasons).toEqual([RANK_REASONS.borrowUnknown]);
    expect(o.roundTripCost).toBeCloseTo(0.0044, 12);
    expect(o.borrowCost).toBeNull();
    expect(o.netReturnHold).toBeNull();
    expect(o.netApr).toBeNull();
    expect(o.breakEvenHours).toBeNull();
  });

  it.each([
    ['the venue cannot borrow', { borrow: new Map([['v', { canBorrow: false }]]) }, {}],
    ['the venue is not configured for borrowing', { borrow: new Map() }, {}],
    ['the spot market is not marginable', {}, { marginable: false }],
  ])('needs_borrow when %s', (_n, over, spot) => {
    const o = only(build([{ base: 'BTC', rate: -0.0008, spot }], over));
    expect(o.status).toBe('needs_borrow');
    expect(o.reasons).toContain(RANK_REASONS.notBorrowable);
    expect(o.netApr).toBeNull();
  });

  it('borrow costing more than funding pays never breaks even', () => {
    // borrow 0.0001/h × 8760 = 0.876 APR equals the funding per hour: nothing left to pay the round trip
    const o = only(build([{ base: 'BTC', rate: -0.0008 }], { borrow: new Map([['v', { canBorrow: true, aprByBase: new Map([['BTC', 0.876]]) }]]) }));
    expect(o.breakEvenHours).toBeNull();
    expect(o.netReturnHold).toBeCloseTo(-0.0044, 12);
  });

  it('reverse carry can be switched off', () => {
    const o = only(build([{ base: 'BTC', rate: -0.0008 }], { params: { reverseCarry: false } }));
    expect(o.status).toBe('filtered');
    expect(o.reasons).toContain(RANK_REASONS.reverseDisabled);
  });
});

describe('filters, each with its reason', () => {
  const rows: { name: string; coin?: Partial<Coin>; over?: Parameters<typeof build>[1]; reason: string }[] = [
    { name: 'closed venue', coin: { venue: 'bitmex' }, reason: RANK_REASONS.closedVenue },
    { name: 'stale funding', coin: { funding: { receivedAt: NOW - 200_000 } }, reason: RANK_REASONS.stale },
    { name: 'volume below minimum', coin: { volume: 500_000 }, reason: RANK_REASONS.lowVolume },
    { name: 'no ticker: volume unknown', coin: { volume: null }, reason: RANK_REASONS.volumeUnknown },
    { name: 'no spot market', coin: { spot: null }, reason: RANK_REASONS.noSpot },
    { name: 'inactive perp', coin: { perp: { active: false } }, reason: RANK_REASONS.perpInactive },
    { name: 'no books', coin: { books: false }, reason: RANK_REASONS.missingSpotBook },
    // 0.3407 < 0.5
    { name: 'net APR below minimum', over: { params: { minNetApr: 0.5 } }, reason: RANK_REASONS.lowNetApr },
    // 30,000 > 26,693.33: the walk completes (VWAP 100.1165, 11.65 bps) but breaks the cap
    { name: 'notional above max notional', over: { params: { notional: 30_000 } }, reason: RANK_REASONS.thin },
  ];
  it.each(rows)('$name', ({ coin, over, reason }) => {
    const o = only(build([{ base: 'BTC', rate: 0.0008, ...coin }], over));
    expect(o.status).toBe('filtered');
    expect(o.reasons).toContain(reason);
  });

  it('without a volume minimum, unknown volume is no reason (but stays null)', () => {
    const o = only(build([{ base: 'BTC', rate: 0.0008, volume: null }], { params: { minQuoteVolume24h: 0 } }));
    expect(o.status).toBe('ok');
    expect(o.quoteVolume24h).toBeNull();
  });

  it('a stale book makes the row stale and sets its age', () => {
    const input = build([{ base: 'BTC', rate: 0.0008 }]);
    const books = bookMap(input);
    books.set('v|BTC/USDT:USDT', book('v', 'BTC/USDT:USDT', PERP_BIDS, PERP_ASKS, NOW - 150_000));
    const o = only(withBooks(input, books));
    expect(o.reasons).toEqual([RANK_REASONS.stale]);
    expect(o.dataAgeMs).toBe(150_000);
  });

  it('missing perp book: no costs, no max notional (null, never 0)', () => {
    const input = build([{ base: 'BTC', rate: 0.0008 }]);
    const books = bookMap(input);
    books.delete('v|BTC/USDT:USDT');
    const o = only(withBooks(input, books));
    expect(o.reasons).toEqual([RANK_REASONS.missingPerpBook]);
    expect(o.perp).toBeNull();
    expect(o.roundTripCost).toBeNull();
    expect(o.netApr).toBeNull();
    expect(o.maxNotional).toBeNull();
  });

  it('a book that cannot fill the notional is not priced at what it can fill', () => {
    // spot asks hold 20,010 + 100,250 = 120,260 < 200,000
    const o = only(build([{ base: 'BTC', rate: 0.0008 }], { params: { notional: 200_000 } }));
    expect(o.reasons).toContain(RANK_REASONS.thin);
    expect(o.spot?.entryVwap).toBeNull();
    expect(o.spot?.entrySlippageBps).toBeNull();
    expect(o.roundTripCost).toBeNull();
    expect(o.netApr).toBeNull();
    expect(o.maxNotional).toBeCloseTo(CARRY_MAX, 6);
  });

  it('a crossed book is reported, not priced', () => {
    const input = build([{ base: 'BTC', rate: 0.0008 }]);
    const books = bookMap(input);
    books.set('v|BTC/USDT', book('v', 'BTC/USDT', [[100.1, 1]], [[100, 1]]));
    const o = only(withBooks(input, books));
    expect(o.status).toBe('filtered');
    expect(o.reasons.join()).toMatch(/spot book unusable: crossed/);
    expect(o.spot).toBeNull();
  });

  it('funding for a venue without markets, or a perp not in the markets', () => {
    const input = build([{ base: 'BTC', rate: 0.0008 }], { params: { minQuoteVolume24h: 0 } });
    const f = input.funding[0] as FundingSnapshot;
    const out = rankOpportunities({
      ...input,
      funding: [
        { ...f, venue: 'okx' },
        { ...f, symbol: 'XYZ/USDT:USDT' },
      ],
    });
    expect(out.map((o) => o.reasons)).toEqual([[RANK_REASONS.noMarkets], [RANK_REASONS.perpUnknown]]);
  });

  it('zero funding pays nothing: no break-even, net is minus the round trip', () => {
    const o = only(build([{ base: 'BTC', rate: 0 }]));
    expect(o.direction).toBe('carry');
    expect(o.breakEvenHours).toBeNull();
    expect(o.netReturnHold).toBeCloseTo(-0.0044, 12);
    expect(o.reasons).toEqual([RANK_REASONS.lowNetApr]);
  });

  it('a funding row that breaks the contract is skipped with a reason, not ranked as 0', () => {
    const input = build([{ base: 'BTC', rate: 0.0008 }]);
    const f = input.funding[0] as FundingSnapshot;
    const r = rankWithSkipped({ ...input, funding: [f, { ...f, symbol: 'BAD', rate: Number.NaN }, { ...f, symbol: 'BAD2', intervalHours: 0 }] });
    expect(r.opportunities).toHaveLength(1);
    expect(r.skipped.map((s) => s.symbol)).toEqual(['BAD', 'BAD2']);
    expect(r.skipped[0]?.reason).toMatch(/invalid funding/);
  });
});

describe('ordering', () => {
  it('ok first by net APR desc, then needs_borrow, then filtered', () => {
    const out = rankOpportunities(
      build(
        [
          { base: 'LOW', rate: 0.0004 }, // funding 0.0036 − 0.0044 < 0: filtered (net APR below 0)
          { base: 'MID', rate: 0.0008 }, // net APR 0.3407
          { base: 'TOP', rate: 0.0016 }, // funding 0.0144 − 0.0044 = 0.01 → APR 1.2167
          { base: 'NEG', rate: -0.0016, spot: { marginable: false } }, // needs_borrow
          { base: 'BTC', rate: -0.0008 }, // reverse, borrow known: 0.2531
          { base: 'OLD', rate: 0.0024, funding: { receivedAt: NOW - 10_000_000 } }, // stale, net 2.09
        ],
      ),
    );
    expect(out.map((o) => [o.base, o.status])).toEqual([
      ['TOP', 'ok'],
      ['MID', 'ok'],
      ['BTC', 'ok'],
      ['NEG', 'needs_borrow'],
      ['OLD', 'filtered'],
      ['LOW', 'filtered'],
    ]);
  });

  it('is pure: same input, same output, input untouched', () => {
    const input = build([
      { base: 'AAA', rate: 0.0008 },
      { base: 'BBB', rate: 0.0016 },
    ]);
    const funding = JSON.stringify(input.funding);
    const a = rankOpportunities(input);
    const b = rankOpportunities(input);
    expect(b).toEqual(a);
    expect(JSON.stringify(input.funding)).toBe(funding);
  });
});

describe('shortlist: which books to fetch', () => {
  it('per venue, the top depthCandidates by |gross APR| among pairs only books could stop', () => {
    const input = build(
      [
        { base: 'AAA', rate: 0.0002 },
        { base: 'BBB', rate: 0.0009 },
        { base: 'BTC', rate: -0.0012 }, // reverse, borrowable with a known rate: |APR| 1.314
        { base: 'NEG', rate: -0.003, spot: { marginable: false } }, // needs_borrow: never ok, no book slot
        { base: 'ETH', rate: -0.0025 }, // reverse, unknown borrow rate: never ok
        { base: 'LOW', rate: 0.004, volume: 10 }, // volume filter
        { base: 'SOL', rate: 0.005, spot: null }, // no spot
        { base: 'OLD', rate: 0.006, funding: { receivedAt: 0 } }, // stale
        { base: 'CCC', rate: 0.0005 },
        { venue: 'w', base: 'WWW', rate: 0.0001 },
        { venue: 'bitmex', base: 'XBT', rate: 0.01 }, // closed venue
      ],
      { params: { depthCandidates: 2 } },
    );
    expect(shortlist(input).map((c) => [c.venue, c.perpSymbol, c.spotSymbol])).toEqual([
      ['v', 'BTC/USDT:USDT', 'BTC/USDT'],
      ['v', 'BBB/USDT:USDT', 'BBB/USDT'],
      ['w', 'WWW/USDT:USDT', 'WWW/USDT'],
    ]);
  });

  it('depthCandidates 0 fetches no books', () => {
    expect(shortlist(build([{ base: 'AAA', rate: 0.0008 }], { params: { depthCandidates: 0 } }))).toEqual([]);
  });
});

describe('tickers matched to funding rows', () => {
  it('the last of two tickers for the same perp is the one used', () => {
    const input = build([{ base: 'BTC', rate: 0.0008 }]);
    const o = only({ ...input, tickers: [ticker('v', 'BTC/USDT:USDT', 2_000_000), ticker('v', 'BTC/USDT:USDT', 7_000_000)] });
    expect(o.quoteVolume24h).toBe(7_000_000);
  });

  it('a row whose perp is not in the markets still gets its own ticker', () => {
    const input = build([{ base: 'BTC', rate: 0.0008 }], { params: { minQuoteVolume24h: 0 } });
    const f = input.funding[0] as FundingSnapshot;
    const out = rankOpportunities({
      ...input,
      funding: [{ ...f, symbol: 'XYZ/USDT:USDT' }, { ...f, venue: 'okx' }],
      tickers: [ticker('v', 'XYZ/USDT:USDT', 3_000_000), ticker('okx', 'BTC/USDT:USDT', 4_000_000), ticker('v', 'BTC/USDT:USDT', 1)],
    });
    // Both filtered with no net APR and the same |gross APR|: venue order, okx before v.
    expect(out.map((o) => [o.venue, o.perpSymbol, o.quoteVolume24h, o.reasons])).toEqual([
      ['okx', 'BTC/USDT:USDT', 4_000_000, [RANK_REASONS.noMarkets]],
      ['v', 'XYZ/USDT:USDT', 3_000_000, [RANK_REASONS.perpUnknown]],
    ]);
  });
});

describe('ordering of many rows across venues', () => {
  // 30 perps on three venues: carry and reverse (no borrow there: needs_borrow), some without
  // books (no net APR), net APRs on both sides of 0.
  const VENUES = ['a', 'b', 'c'];
  const coins: Coin[] = [];
  for (let i = 0; i < 30; i++) {
    coins.push({ venue: VENUES[i % 3], base: `C${i}`, rate: (((i * 7) % 30) - 8) * 0.0001, books: i % 11 !== 5 });
  }
  const input = build(coins, { params: { minQuoteVolume24h: 0 } });
  const ranked = rankOpportunities(input);

  /** The documented order, written out independently of the ranker. */
  function before(x: Opportunity, y: Opportunity): boolean {
    const s = { ok: 0, needs_borrow: 1, filtered: 2 };
    if (s[x.status] !== s[y.status]) return s[x.status] < s[y.status];
    if (x.netApr !== y.netApr) {
      if (x.netApr === null || y.netApr === null) return y.netApr === null;
      return x.netApr > y.netApr;
    }
    if (Math.abs(x.grossApr) !== Math.abs(y.grossApr)) return Math.abs(x.grossApr) > Math.abs(y.grossApr);
    return x.venue !== y.venue ? x.venue < y.venue : x.perpSymbol < y.perpSymbol;
  }

  it('every row comes before the next by status, net APR (unknown last), |gross APR|, venue, symbol', () => {
    expect(ranked).toHaveLength(30);
    expect(new Set(ranked.map((o) => o.status))).toEqual(new Set(['ok', 'needs_borrow', 'filtered']));
    expect(ranked.some((o) => o.netApr === null)).toBe(true);
    for (let i = 1; i < ranked.length; i++) expect(before(ranked[i - 1] as Opportunity, ranked[i] as Opportunity)).toBe(true);
  });

  it('does not depend on the order of the funding rows', () => {
    const byVenue = [...input.funding].sort((x, y) => (x.venue < y.venue ? -1 : x.venue > y.venue ? 1 : 0));
    expect(rankOpportunities({ ...input, funding: byVenue })).toEqual(ranked);
    expect(rankOpportunities({ ...input, funding: [...input.funding].reverse() })).toEqual(ranked);
  });

  it('rows that tie on everything keep their input order', () => {
    const one = build([{ base: 'BTC', rate: 0.0008 }]);
    const f = one.funding[0] as FundingSnapshot;
    const a = { ...f, receivedAt: NOW - 2_000 };
    const b = { ...f, receivedAt: NOW - 3_000 };
    expect(rankOpportunities({ ...one, funding: [a, b] }).map((o) => o.dataAgeMs)).toEqual([2_000, 3_000]);
    expect(rankOpportunities({ ...one, funding: [b, a] }).map((o) => o.dataAgeMs)).toEqual([3_000, 2_000]);
    // Enough copies that ties meet across the sort's merges, not only inside one small run.
    const ages = [5, 9, 1, 7, 3, 11, 2, 8, 6, 10, 4, 12, 0, 13, 14, 15, 16, 17].map((k) => 2_000 + k);
    const copies = ages.map((age) => ({ ...f, receivedAt: NOW - age }));
    expect(rankOpportunities({ ...one, funding: copies }).map((o) => o.dataAgeMs)).toEqual(ages);
  });
});

describe('malformed levels: reported where a walk reaches them, wherever the arena splits the side', () => {
  /** The input's books with the spot asks replaced by hand-made levels (orderBook refuses these). */
  function rawSpotAsks(input: RankInput, asks: BookLevel[]): Map<string, OrderBook> {
    const books = bookMap(input);
    const good = books.get('v|BTC/USDT') as OrderBook;
    books.set('v|BTC/USDT', { ...good, asks: { levels: Float64Array.from(asks.flat()), length: asks.length } });
    return books;
  }
  const rows: { name: string; asks: BookLevel[]; problem: string | null }[] = [
    // Carry buys spot on the asks: 10,000 fills in level 1 (200 × 100.05 = 20,010), and the cap
    // (100.1) is crossed in level 2; a bad level 3 is never reached.
    { name: 'bad level past both answers', asks: [[100.05, 200], [100.25, 1000], [Number.NaN, 1]], problem: null },
    { name: 'unsorted level before the cap is found', asks: [[100.05, 200], [100.01, 1000]], problem: 'book side not sorted best-first' },
    { name: 'negative amount before the fill', asks: [[100.05, 1], [100.06, -5], [100.25, 1000]], problem: 'book level with non-positive or non-finite price or amount' },
  ];
  it.each(rows)('$name', ({ asks, problem }) => {
    const input = build([{ base: 'BTC', rate: 0.0008 }]);
    const books = rawSpotAsks(input, asks);
    for (const headLevels of [1, 2, 16]) {
      const o = only(withBooks(input, books, headLevels));
      if (problem === null) {
        expect(o.reasons).toEqual([]);
        expect(o.spot?.entryVwap).toBe(100.05);
      } else {
        expect(o.reasons).toEqual([`spot book unusable: ${problem}`]);
        expect(o.spot).toBeNull();
      }
    }
  });
});

describe('malformed levels in the tails of reverse carry’s bids: found by the walk that reads them', () => {
  // Reverse carry sells spot into its bids (entry, with the max notional at the cap) and exits
  // the perp by selling into its bids. Both bid sides here are deep and thin, so the walks go
  // past any head: perp exit fills 10,000 in level 20; spot entry crosses the cap (99.9) near
  // level 26 and fills in level 50. Wherever the arena splits a side, a bad level in the tail
  // must be reported exactly where the checking walk (walkBook, maxNotionalWithinSlippage over
  // the whole OrderBook side) stops, and one past both answers not at all.
  function bids(top: number, step: number, amount: number, n: number, fault?: { at: number; level: 'nan' | 'negative' | 'rising' }): BookLevel[] {
    const out: BookLevel[] = Array.from({ length: n }, (_, i) => [top - step * i, amount]);
    if (fault !== undefined) {
      const prev = out[fault.at - 1] as BookLevel;
      out[fault.at] = fault.level === 'nan' ? [Number.NaN, amount] : fault.level === 'negative' ? [prev[0] - step, -1] : [prev[0] + step / 2, amount];
    }
    return out;
  }
  const raw = (levels: BookLevel[]) => ({ levels: Float64Array.from(levels.flat()), length: levels.length });

  /** A leg as the checking walks price it over the OrderBook: the reference. */
  function checkedLeg(book: OrderBook, m: Market, buy: boolean, notional: number, capBps: number) {
    const model = amountModel(m);
    const mid = midPrice(book) as number;
    const entry = walkBook(book, buy ? 'buy' : 'sell', notional, model, mid);
    const exit = walkBook(book, buy ? 'sell' : 'buy', notional, model, mid);
    const max = maxNotionalWithinSlippage(book, buy ? 'buy' : 'sell', model, mid, capBps);
    return {
      problem: entry.problem ?? exit.problem ?? max.problem,
      entryVwap: entry.complete ? entry.vwap : null,
      exitVwap: exit.complete ? exit.vwap : null,
      maxNotional: max.notional,
      bookLimited: max.bookLimited,
      entryLevels: entry.levelsUsed,
      exitLevels: exit.levelsUsed,
    };
  }

  const rows: { name: string; spot?: { at: number; level: 'nan' | 'negative' | 'rising' }; perp?: { at: number; level: 'nan' | 'negative' | 'rising' }; problem: { spot: string | null; perp: string | null } }[] = [
    { name: 'well formed', problem: { spot: null, perp: null } },
    { name: 'perp exit: NaN price past the fill', perp: { at: 30, level: 'nan' }, problem: { spot: null, perp: null } },
    { name: 'perp exit: NaN price before the fill', perp: { at: 18, level: 'nan' }, problem: { spot: null, perp: BOOK_PROBLEMS.badLevel } },
    { name: 'perp exit: rising right after a 16-level head', perp: { at: 16, level: 'rising' }, problem: { spot: null, perp: BOOK_PROBLEMS.unsorted } },
    { name: 'perp exit: negative amount in the last level the fill needs', perp: { at: 20, level: 'negative' }, problem: { spot: null, perp: BOOK_PROBLEMS.badLevel } },
    { name: 'spot entry: rising before the cap', spot: { at: 20, level: 'rising' }, problem: { spot: BOOK_PROBLEMS.unsorted, perp: null } },
    { name: 'spot entry: negative amount past the cap, before the fill', spot: { at: 40, level: 'negative' }, problem: { spot: BOOK_PROBLEMS.badLevel, perp: null } },
    { name: 'spot entry: NaN past both answers', spot: { at: 60, level: 'nan' }, problem: { spot: null, perp: null } },
    { name: 'both tails bad', spot: { at: 30, level: 'nan' }, perp: { at: 17, level: 'rising' }, problem: { spot: BOOK_PROBLEMS.badLevel, perp: BOOK_PROBLEMS.unsorted } },
  ];
  it.each(rows)('$name', ({ spot, perp, problem }) => {
    const input = build([{ base: 'BTC', rate: -0.0008 }]);
    const books = bookMap(input);
    const spotKey = bookKey('v', 'BTC/USDT');
    const perpKey = bookKey('v', 'BTC/USDT:USDT');
    const spotBook = books.get(spotKey) as OrderBook;
    const perpBook = books.get(perpKey) as OrderBook;
    books.set(spotKey, { ...spotBook, bids: raw(bids(99.95, 0.004, 2, 70, spot)) });
    books.set(perpKey, { ...perpBook, bids: raw(bids(99.98, 0.002, 5, 40, perp)) });
    const markets = input.markets.get('v') as Market[];
    const spotMarket = markets.find((m) => m.symbol === 'BTC/USDT') as Market;
    const perpMarket = markets.find((m) => m.symbol === 'BTC/USDT:USDT') as Market;
    const { notional, maxSlippageBps } = input.params;
    const want = {
      spot: checkedLeg(books.get(spotKey) as OrderBook, spotMarket, false, notional, maxSlippageBps),
      perp: checkedLeg(books.get(perpKey) as OrderBook, perpMarket, true, notional, maxSlippageBps),
    };
    // The references agree with the cases' intent, and the walks read past a 16-level head (a
    // walk that used 16 levels and was not done read level 16, or stopped there).
    expect({ spot: want.spot.problem, perp: want.perp.problem }).toEqual(problem);
    expect(want.perp.exitLevels).toBeGreaterThanOrEqual(16);
    expect(want.spot.entryLevels).toBeGreaterThanOrEqual(16);
    for (const headLevels of [1, 2, 16, 64]) {
      const o = rankRows(withBooks(input, books, headLevels)).at(0);
      expect(o.direction).toBe('reverse');
      for (const leg of ['spot', 'perp'] as const) {
        const got = o[leg];
        const w = want[leg];
        if (w.problem !== null) {
          expect(got, `${leg} head ${headLevels}`).toBeNull();
          expect(o.reasons).toContain(`${leg} book unusable: ${w.problem}`);
          continue;
        }
        expect(o.reasons.filter((r) => r.startsWith(`${leg} book unusable`))).toEqual([]);
        // Bit for bit (Object.is), not close.
        const pairs: [string, unknown, unknown][] = [
          ['entryVwap', got?.entryVwap, w.entryVwap],
          ['exitVwap', got?.exitVwap, w.exitVwap],
          ['maxNotional', got?.maxNotional, w.maxNotional],
          ['maxNotionalBookLimited', got?.maxNotionalBookLimited, w.bookLimited],
        ];
        for (const [name, x, y] of pairs) expect(Object.is(x, y), `${leg} ${name} head ${headLevels}: ${String(x)} vs ${String(y)}`).toBe(true);
      }
    }
  });
});

describe('rankRows: rows as columns, Opportunity objects built when read', () => {
  const coins: Coin[] = [];
  for (let i = 0; i < 40; i++) {
    coins.push({
      venue: ['a', 'b', 'v'][i % 3],
      base: i % 7 === 0 ? 'BTC' : `C${i}`,
      rate: (((i * 7) % 30) - 9) * 0.0001,
      books: i % 11 !== 5,
      volume: i % 13 === 4 ? null : 5_000_000,
      funding: i % 17 === 3 ? { receivedAt: NOW - 500_000 } : {},
    });
  }
  const input = build(coins);
  const rows = rankRows(input);
  const all = rankOpportunities(input);

  it('ranks every valid row; read all at once they are rankOpportunities', () => {
    expect(rows.length).toBe(40);
    expect(rows.slice()).toEqual(all);
    expect(new Set(all.map((o) => o.status))).toEqual(new Set(['ok', 'needs_borrow', 'filtered']));
  });

  it('at(r) and status(r) read rank r, as in the full list', () => {
    for (let r = 0; r < rows.length; r++) {
      expect(rows.at(r)).toEqual(all[r]);
      expect(rows.status(r)).toBe(all[r]?.status);
    }
  });

  it.each([
    [0, 20],
    [5, 6],
    [30, 100],
    [-3, undefined],
    [-100, 2],
    [10, 5],
    [40, 41],
    [undefined, undefined],
  ])('slice(%s, %s) is Array#slice of the full list', (from, to) => {
    expect(rows.slice(from, to)).toEqual(all.slice(from, to));
  });

  it('a rank outside the rows is an error, not undefined', () => {
    for (const r of [-1, 40, 1.5, Number.NaN]) expect(() => rows.at(r)).toThrow(RangeError);
  });

  it('each read builds fresh objects: a caller changing one cannot change the next', () => {
    const a = rows.at(0) as { netApr: number | null; reasons: readonly string[] };
    const b = rows.at(0);
    expect(a).not.toBe(b);
    expect(a).toEqual(b);
  });

  it('stays valid after later ranks (nothing shared with the next call)', () => {
    const before = rows.slice();
    rankRows(build([{ base: 'ZZZ', rate: 0.002 }], { params: { notional: 1_000 } }));
    rankRows(withBooks(input, new Map()));
    expect(rows.slice()).toEqual(before);
  });

  it('books packed against other markets than the ones ranked are refused', () => {
    const other = new Map([...input.markets].map(([v, ms]) => [v, [...ms]]));
    expect(() => rankRows({ ...input, books: packBooks(other, bookMap(input).values()) })).toThrow(/packed against other markets/);
  });
});
