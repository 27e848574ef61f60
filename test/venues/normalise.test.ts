import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { sideLevels } from '../../src/domain/book.js';
import type { Market } from '../../src/domain/market.js';
import {
  indexMarkets,
  MAX_ABS_FUNDING_RATE,
  normaliseDeribitTickerFunding,
  normaliseFundingIntervals,
  normaliseFundingRate,
  normaliseMarket,
  normaliseOrderBook,
  normaliseTicker,
  parseIntervalHours,
  precisionToStep,
  toNumber,
  toTimestamp,
  type FundingContext,
  type Outcome,
} from '../../src/venues/normalise.js';
import { bookLimitFor, genericProfile, KNOWN_VENUES, PRECISION_MODE, type VenueProfile } from '../../src/venues/profiles.js';
import { fixtureMarkets, readTape } from '../support/ccxt-fixtures.js';
import { rng } from '../support/random-books.js';

const bybit = KNOWN_VENUES['bybit'] as VenueProfile;
const binance = KNOWN_VENUES['binance'] as VenueProfile;
const okx = KNOWN_VENUES['okx'] as VenueProfile;
const deribit = KNOWN_VENUES['deribit'] as VenueProfile;

// Real ccxt markets from the Bybit tape (ccxt 4.5.84 parsed them from real instruments-info).
const tapeMarkets = readTape('bybit-2026-08-09.ndjson')[0]?.result as Record<string, Record<string, unknown>>;
const rawPerp = tapeMarkets['BTC/USDT:USDT'] as Record<string, unknown>;
const rawSpot = tapeMarkets['BTC/USDT'] as Record<string, unknown>;
const with_ = (base: Record<string, unknown>, patch: Record<string, unknown>) => ({ ...base, ...patch });

function value<T>(o: Outcome<T>): T {
  if (o.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(o)}`);
  return o.value;
}

describe('number helpers', () => {
  it.each([
    [1, 1],
    ['0.0001', 0.0001],
    ['1e-5', 0.00001],
    [' 2 ', 2],
    ['0', 0], // 0 is a value, not "missing"
    [0, 0],
    ['', null],
    ['abc', null],
    ['0x10', null],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, null],
    [null, null],
    [undefined, null],
    [true, null],
  ])('toNumber(%j) = %j', (input, expected) => {
    expect(toNumber(input)).toBe(expected);
  });

  it.each([
    [1597392000000, 1597392000000],
    ['1730736000000', 1730736000000],
    [0, null], // Binance sends nextFundingTime 0 for delivery contracts
    [-5, null],
    [1.5, null],
    [undefined, null],
  ])('toTimestamp(%j) = %j', (input, expected) => {
    expect(toTimestamp(input)).toBe(expected);
  });

  it.each([
    ['8h', 8],
    ['1h', 1],
    ['4h', 4],
    ['16h', 16],
    ['30m', 0.5],
    ['1d', 24],
    [' 8h ', 8],
    ['0h', null], // ccxt bybit turns a 30 min interval into '0h'
    ['-8h', null],
    ['8', null],
    ['28800000', null], // okx.js passes unknown ms intervals through unmapped
    ['h', null],
    ['', null],
    [8, null],
    [undefined, null],
  ])('parseIntervalHours(%j) = %j', (input, expected) => {
    expect(parseIntervalHours(input)).toBe(expected);
  });

  it('precision modes match ccxt', () => {
    expect(PRECISION_MODE.TICK_SIZE).toBe(ccxt.TICK_SIZE);
    expect(PRECISION_MODE.DECIMAL_PLACES).toBe(ccxt.DECIMAL_PLACES);
    expect(PRECISION_MODE.SIGNIFICANT_DIGITS).toBe(ccxt.SIGNIFICANT_DIGITS);
  });

  it.each([
    [0.001, PRECISION_MODE.TICK_SIZE, 0.001],
    ['0.1', PRECISION_MODE.TICK_SIZE, 0.1],
    [0, PRECISION_MODE.TICK_SIZE, null],
    [3, PRECISION_MODE.DECIMAL_PLACES, 0.001],
    [0, PRECISION_MODE.DECIMAL_PLACES, 1],
    [2.5, PRECISION_MODE.DECIMAL_PLACES, null],
    [5, PRECISION_MODE.SIGNIFICANT_DIGITS, null],
    [0.001, null, null],
  ])('precisionToStep(%j, mode %j) = %j', (input, mode, expected) => {
    const step = precisionToStep(input, mode);
    if (expected === null) expect(step).toBeNull();
    else expect(step).toBeCloseTo(expected, 12);
  });
});

describe('normaliseMarket', () => {
  const ctx = (profile: VenueProfile, precisionMode: number | null = PRECISION_MODE.TICK_SIZE) => ({ venue: profile.id, profile, precisionMode });

  it('real Bybit linear perp from the tape', () => {
    // Expected values read off the tape's market: lotSizeFilter qtyStep 0.001, tickSize 0.10,
    // minNotionalValue 5, fundingInterval 480 min.
    expect(value(normaliseMarket(rawPerp, ctx(bybit)))).toEqual({
      venue: 'bybit',
      symbol: 'BTC/USDT:USDT',
      id: 'BTCUSDT',
      type: 'swap',
      base: 'BTC',
      quote: 'USDT',
      settle: 'USDT',
      settlement: 'linear',
      contractSize: 1,
      amountUnit: 'contracts',
      amountStep: 0.001,
      priceStep: 0.1,
      minAmount: 0.001,
      minCost: 5,
      taker: 0.0006,
      maker: 0.0001,
      active: true,
      marginable: false,
      fundingIntervalHours: 8,
    } satisfies Market);
  });

  it('real Bybit spot from the tape: base units, contract size 1, marginable', () => {
    const m = value(normaliseMarket(rawSpot, ctx(bybit)));
    expect(m).toMatchObject({ type: 'spot', settle: null, settlement: null, contractSize: 1, amountUnit: 'base', amountStep: 0.000001, marginable: true, fundingIntervalHours: null });
  });

  it('the same spot on a venue where ccxt cannot borrow is not marginable', () => {
    expect(value(normaliseMarket(rawSpot, ctx(deribit))).marginable).toBe(false);
  });

  it.each([
    ['option', with_(rawPerp, { type: 'option', swap: false, option: true })],
    ['dated future', with_(rawPerp, { type: 'future', swap: false, future: true })],
    ['spot index', with_(rawSpot, { index: true })],
  ])('%s is ignored, not reported', (_name, raw) => {
    expect(normaliseMarket(raw, ctx(bybit)).kind).toBe('ignored');
  });

  it.each([
    ['not an object', 'BTCUSDT', /not an object/],
    ['quanto perp', with_(rawPerp, { linear: false, inverse: false }), /neither linear nor inverse/],
    ['missing contract size', with_(rawPerp, { contractSize: undefined }), /contractSize/],
    ['zero contract size', with_(rawPerp, { contractSize: 0 }), /contractSize/],
    ['missing precision', with_(rawPerp, { precision: {} }), /precision/],
    ['missing taker fee', with_(rawPerp, { taker: undefined }), /fee/],
    ['perp without settle', with_(rawPerp, { settle: '' }), /settlement currency/],
  ])('%s is skipped with a reason', (_name, raw, reason) => {
    const out = normaliseMarket(raw, ctx(bybit));
    expect(out.kind).toBe('skipped');
    if (out.kind === 'skipped') expect(out.skipped.reason).toMatch(reason);
  });

  it('Binance fixture market stored with decimal-places precision is refused under TICK_SIZE, read under DECIMAL_PLACES', () => {
    // markets/binance.json was captured when ccxt's binance used DECIMAL_PLACES: precision.amount 3
    // means 3 decimals (0.001), and read as a tick size it would be a 3 BTC lot.
    const raw = fixtureMarkets('binance')['BTC/USDT:USDT'];
    const tick = normaliseMarket(raw, ctx(binance, PRECISION_MODE.TICK_SIZE));
    expect(tick.kind).toBe('skipped');
    if (tick.kind === 'skipped') expect(tick.skipped.reason).toMatch(/exceeds minimum amount/);
    const digits = value(normaliseMarket(raw, ctx(binance, PRECISION_MODE.DECIMAL_PLACES)));
    expect(digits.amountStep).toBeCloseTo(0.001, 12);
    expect(digits.priceStep).toBeCloseTo(0.1, 12);
  });

  it('SIGNIFICANT_DIGITS venues are skipped: no fixed lot to round to', () => {
    expect(normaliseMarket(rawPerp, ctx(genericProfile('bitfinex'), PRECISION_MODE.SIGNIFICANT_DIGITS)).kind).toBe('skipped');
  });

  it.each([
    [480, 8],
    ['60', 1],
    [30, 0.5],
    [undefined, null],
    ['', null],
  ])('Bybit fundingInterval %j minutes → %j hours', (minutes, hours) => {
    const info = { ...(rawPerp['info'] as object), fundingInterval: minutes };
    expect(value(normaliseMarket(with_(rawPerp, { info }), ctx(bybit))).fundingIntervalHours).toBe(hours);
  });

  it('Deribit: inverse perp amounts are USD (quote), linear perp amounts are base coin', () => {
    const inverse = with_(rawPerp, { symbol: 'BTC/USD:BTC', quote: 'USD', settle: 'BTC', linear: false, inverse: true, contractSize: 10, precision: { amount: 10, price: 0.5 }, limits: { amount: { min: 10 } } });
    expect(value(normaliseMarket(inverse, ctx(deribit)))).toMatchObject({ settlement: 'inverse', amountUnit: 'quote', contractSize: 10, amountStep: 10 });
    const linear = with_(rawPerp, { symbol: 'BTC/USDC:USDC', quote: 'USDC', settle: 'USDC', contractSize: 0.001 });
    expect(value(normaliseMarket(linear, ctx(deribit)))).toMatchObject({ settlement: 'linear', amountUnit: 'base', contractSize: 0.001 });
  });

  it('keeps maker rebates (negative maker) and an explicit inactive flag', () => {
    const m = value(normaliseMarket(with_(rawPerp, { maker: -0.00025, active: false }), ctx(bybit)));
    expect(m.maker).toBe(-0.00025);
    expect(m.active).toBe(false);
  });
});

describe('normaliseFundingRate', () => {
  const m = (raw: Record<string, unknown>, profile: VenueProfile) => value(normaliseMarket(raw, { venue: profile.id, profile, precisionMode: PRECISION_MODE.TICK_SIZE }));
  const ctxFor = (profile: VenueProfile, intervals: ReadonlyMap<string, number> | null = null, perpPatch: Record<string, unknown> = {}): FundingContext => ({
    venue: profile.id,
    profile,
    markets: indexMarkets([m(with_(rawPerp, perpPatch), profile), m(rawSpot, profile)], ['BTC/USDT:USDT-250328']),
    intervals,
    receivedAt: 42,
  });
  const row = (patch: Record<string, unknown> = {}) => ({
    info: {},
    symbol: 'BTC/USDT:USDT',
    fundingRate: 0.0001,
    fundingTimestamp: 1786320000000,
    markPrice: 65118,
    indexPrice: 65138.38,
    timestamp: 1786310821516,
    interval: '8h',
    ...patch,
  });

  it('a well-formed Bybit row (values from the tape)', () => {
    expect(value(normaliseFundingRate(row(), ctxFor(bybit)))).toEqual({
      venue: 'bybit',
      symbol: 'BTC/USDT:USDT',
      base: 'BTC',
      quote: 'USDT',
      settle: 'USDT',
      settlement: 'linear',
      contractSize: 1,
      rate: 0.0001,
      intervalHours: 8,
      intervalSource: 'venue',
      continuous: false,
      rateKind: 'predicted',
      nextFundingTime: 1786320000000,
      markPrice: 65118,
      indexPrice: 65138.38,
      eventTime: 1786310821516,
      receivedAt: 42,
    });
  });

  it('a 0 rate is a rate, not missing', () => {
    expect(value(normaliseFundingRate(row({ fundingRate: 0 }), ctxFor(bybit))).rate).toBe(0);
  });

  it.each([
    ['undefined rate', { fundingRate: undefined }, /missing or non-numeric funding rate/],
    ['empty-string rate', { fundingRate: '' }, /missing or non-numeric/],
    ['NaN rate', { fundingRate: Number.NaN }, /missing or non-numeric/],
    ['percent given as decimal', { fundingRate: 0.5 }, /implausible/],
    ['unknown market', { symbol: 'NEW/USDT:USDT' }, /not loaded/],
    ['spot symbol', { symbol: 'BTC/USDT' }, /not a perpetual/],
    ['no symbol', { symbol: undefined }, /without a symbol/],
  ])('%s → skipped', (_name, patch, reason) => {
    const out = normaliseFundingRate(row(patch), ctxFor(bybit));
    expect(out.kind).toBe('skipped');
    if (out.kind === 'skipped') expect(out.skipped.reason).toMatch(reason);
  });

  it('bound is the documented one', () => {
    expect(value(normaliseFundingRate(row({ fundingRate: -MAX_ABS_FUNDING_RATE }), ctxFor(bybit))).rate).toBe(-MAX_ABS_FUNDING_RATE);
  });

  it('a row for a market carry filters out on purpose (dated future) is ignored silently', () => {
    expect(normaliseFundingRate(row({ symbol: 'BTC/USDT:USDT-250328' }), ctxFor(bybit)).kind).toBe('ignored');
  });

  it('missing or non-positive prices and times stay null, never 0', () => {
    const f = value(normaliseFundingRate(row({ markPrice: 0, indexPrice: -1, fundingTimestamp: 0, timestamp: undefined }), ctxFor(bybit)));
    expect([f.markPrice, f.indexPrice, f.nextFundingTime, f.eventTime]).toEqual([null, null, null, null]);
  });

  it.each<[string, VenueProfile, ReadonlyMap<string, number> | null, Record<string, unknown>, Record<string, unknown>, number, 'venue' | 'default']>([
    // Bybit: the market's minutes win over ccxt's integer-hour string ('0h' for 30 min).
    ['bybit market info 30 min beats ccxt 0h', bybit, null, { info: { fundingInterval: 30 } }, { interval: '0h' }, 0.5, 'venue'],
    ['bybit without market info uses ccxt', bybit, null, { info: {} }, { interval: '4h' }, 4, 'venue'],
    ['bybit with neither falls back to 8h, marked default', bybit, null, { info: {} }, { interval: undefined }, 8, 'default'],
    ['okx interval from ccxt', okx, null, {}, { interval: '4h' }, 4, 'venue'],
    ['okx without interval: default, marked', okx, null, {}, { interval: undefined }, 8, 'default'],
    ['binance listed in fundingInfo', binance, new Map([['BTC/USDT:USDT', 4]]), {}, { interval: undefined }, 4, 'venue'],
    ['binance not listed: 8h by rule, marked default', binance, new Map(), {}, { interval: undefined }, 8, 'default'],
    ['deribit: always 8h as quoted', deribit, null, {}, { interval: undefined }, 8, 'venue'],
  ])('interval: %s', (_name, profile, intervals, perpPatch, rowPatch, hours, source) => {
    const f = value(normaliseFundingRate(row(rowPatch), ctxFor(profile, intervals, perpPatch)));
    expect([f.intervalHours, f.intervalSource]).toEqual([hours, source]);
  });

  it('an interval ccxt states but carry cannot read is skipped, never defaulted', () => {
    const out = normaliseFundingRate(row({ interval: '1800000' }), ctxFor(okx));
    expect(out.kind).toBe('skipped');
  });

  it('continuous funding (Deribit) has no next settlement time', () => {
    expect(value(normaliseFundingRate(row(), ctxFor(deribit))).nextFundingTime).toBeNull();
  });
});

describe('normaliseDeribitTickerFunding', () => {
  const perp = with_(rawPerp, { symbol: 'BTC/USD:BTC', quote: 'USD', settle: 'BTC', linear: false, inverse: true, contractSize: 10, precision: { amount: 10, price: 0.5 }, limits: { amount: { min: 10 } } });
  const markets = indexMarkets(
    [perp, with_(rawSpot, { symbol: 'BTC/USDC', quote: 'USDC' })].map((r) => value(normaliseMarket(r, { venue: 'deribit', profile: deribit, precisionMode: 4 }))),
    ['BTC/USD:BTC-240126-39000-C'],
  );
  const ctx: FundingContext = { venue: 'deribit', profile: deribit, markets, intervals: null, receivedAt: 7 };
  const ticker = (info: Record<string, unknown>, patch: Record<string, unknown> = {}) => ({ symbol: 'BTC/USD:BTC', timestamp: 1700724675402, markPrice: 37251.12, info, ...patch });

  it('funding_8h is an 8h trailing realised rate, continuous, no next settlement', () => {
    const f = value(normaliseDeribitTickerFunding(ticker({ funding_8h: 0.00012345, estimated_delivery_price: 37240.56 }), ctx));
    expect(f).toMatchObject({ rate: 0.00012345, intervalHours: 8, intervalSource: 'venue', continuous: true, rateKind: 'trailing_realised', nextFundingTime: null, markPrice: 37251.12, indexPrice: 37240.56, settlement: 'inverse', contractSize: 10 });
  });

  it('prefers index_price (public/ticker) over estimated_delivery_price', () => {
    const f = value(normaliseDeribitTickerFunding(ticker({ funding_8h: 0.0001, index_price: 37000, estimated_delivery_price: 37240.56 }), ctx));
    expect(f.indexPrice).toBe(37000);
  });

  it('mark price from info when ccxt left it out', () => {
    const f = value(normaliseDeribitTickerFunding(ticker({ funding_8h: 0.0001, mark_price: 37001 }, { markPrice: undefined }), ctx));
    expect(f.markPrice).toBe(37001);
  });

  it.each([
    ['perp without funding_8h', ticker({ current_funding: 0 }), 'skipped'],
    ['spot summary', ticker({}, { symbol: 'BTC/USDC' }), 'ignored'],
    ['option summary', ticker({}, { symbol: 'BTC/USD:BTC-240126-39000-C' }), 'ignored'],
    ['unknown instrument', ticker({ funding_8h: 0.0001 }, { symbol: 'SOL/USD:SOL' }), 'skipped'],
  ])('%s → %s', (_name, raw, kind) => {
    expect(normaliseDeribitTickerFunding(raw, ctx).kind).toBe(kind);
  });
});

describe('normaliseTicker', () => {
  const okxPerp = value(normaliseMarket(with_(rawPerp, { contractSize: 0.01 }), { venue: 'okx', profile: okx, precisionMode: 4 }));
  const bybitPerp = value(normaliseMarket(rawPerp, { venue: 'bybit', profile: bybit, precisionMode: 4 }));
  const ctx = (profile: VenueProfile, market: Market) => ({ venue: profile.id, profile, markets: indexMarkets([market]), receivedAt: 9 });

  it('Bybit: 24h quote volume is ccxt quoteVolume (turnover24h)', () => {
    const t = value(normaliseTicker({ symbol: 'BTC/USDT:USDT', bid: 65114.2, ask: 65114.3, last: 65114.3, quoteVolume: 1142258278.4178, info: {} }, ctx(bybit, bybitPerp)));
    expect(t).toEqual({ venue: 'bybit', symbol: 'BTC/USDT:USDT', bid: 65114.2, ask: 65114.3, last: 65114.3, quoteVolume24h: 1142258278.4178, eventTime: null, receivedAt: 9 });
  });

  it('OKX swap: ccxt has no quote volume, so base volume (volCcy24h) × last', () => {
    // 12,345.67 BTC × 37,250.1 = 459,877,442.067 USDT (hand-computed).
    const t = value(normaliseTicker({ symbol: 'BTC/USDT:USDT', last: 37250.1, baseVolume: 1234567, quoteVolume: undefined, info: { volCcy24h: '12345.67' } }, ctx(okx, okxPerp)));
    expect(t.quoteVolume24h).toBeCloseTo(459877442.067, 3);
  });

  it('OKX swap without a last price has unknown volume, not 0', () => {
    const t = value(normaliseTicker({ symbol: 'BTC/USDT:USDT', bid: 1, info: { volCcy24h: '12345.67' } }, ctx(okx, okxPerp)));
    expect(t.quoteVolume24h).toBeNull();
  });

  it.each([
    ['negative volume', { quoteVolume: -1, last: 10 }, null],
    ['string volume', { quoteVolume: '100.5', last: 10 }, 100.5],
  ])('%s → %j', (_name, patch, expected) => {
    expect(value(normaliseTicker({ symbol: 'BTC/USDT:USDT', info: {}, ...patch }, ctx(bybit, bybitPerp))).quoteVolume24h).toBe(expected);
  });

  it('a ticker with nothing usable is skipped', () => {
    expect(normaliseTicker({ symbol: 'BTC/USDT:USDT', bid: 0, ask: null, last: Number.NaN, info: {} }, ctx(bybit, bybitPerp)).kind).toBe('skipped');
  });
});

describe('normaliseOrderBook', () => {
  const ctx = { venue: 'okx', symbol: 'BTC/USDT:USDT', depth: 3, receivedAt: 5 };

  it('sorts best first, drops malformed levels, truncates to depth', () => {
    const out = normaliseOrderBook(
      {
        symbol: 'BTC/USDT:USDT',
        timestamp: 1706612067750,
        bids: [[43466.2, 17151, 0], [43466.3, 13807, 0], [Number.NaN, 5], [43460, 0], [43461, -2], ['43465', '2'], [43400, 1]],
        asks: [[43466.5, 14624, 0], [43466.4, 14881, 0], 'garbage', [null, 1], [43470, 3], [43480, 4]],
      },
      ctx,
    );
    expect(out.kind).toBe('ok');
    if (out.kind !== 'ok') return;
    expect(sideLevels(out.book.bids)).toEqual([[43466.3, 13807], [43466.2, 17151], [43465, 2]]);
    expect(sideLevels(out.book.asks)).toEqual([[43466.4, 14881], [43466.5, 14624], [43470, 3]]);
    expect(out.dropped).toBe(5);
    expect(out.book.eventTime).toBe(1706612067750);
    expect(out.book.receivedAt).toBe(5);
  });

  it('a one-sided book is a book', () => {
    const out = normaliseOrderBook({ bids: [], asks: [[10, 1]] }, ctx);
    expect(out.kind).toBe('ok');
  });

  it.each([
    ['both sides empty (what ccxt makes of an unreadable body)', { bids: [], asks: [] }],
    ['only malformed levels', { bids: [[0, 1]], asks: [['x', 1]] }],
    ['not an object', null],
    ['no arrays', { bids: 'x', asks: [] }],
    ['another symbol', { symbol: 'ETH/USDT:USDT', bids: [], asks: [] }],
  ])('%s → skipped', (_name, raw) => {
    expect(normaliseOrderBook(raw, ctx).kind).toBe('skipped');
  });

  // Clean, sorted books take a one-pass path; anything else the filtering, sorting one. Both must
  // give the same book: the reference here is the general rule spelled out (keep positive finite
  // levels, stable-sort best first, cut at depth, both sides in one buffer, bids first).
  it('gives the same book on clean and on messy input as the general rule', () => {
    const r = rng(20261207);
    const reference = (side: unknown[], descending: boolean, depth: number): [number, number][] =>
      side
        .filter((l): l is unknown[] => Array.isArray(l))
        .map((l) => [toNumber(l[0]), toNumber(l[1])] as const)
        .filter((l): l is readonly [number, number] => l[0] !== null && l[0] > 0 && l[1] !== null && l[1] > 0)
        .map((l) => [l[0], l[1]] as [number, number])
        .sort((a, b) => (descending ? b[0] - a[0] : a[0] - b[0]))
        .slice(0, depth);
    const makeSide = (descending: boolean, n: number, messy: boolean): unknown[] => {
      const out: unknown[] = [];
      let p = 100;
      for (let i = 0; i < n; i++) {
        p += (descending ? -1 : 1) * (r() < 0.2 ? 0 : Math.ceil(r() * 3) / 10); // equal prices too
        const level: unknown[] = [Math.round(p * 10) / 10, Math.ceil(r() * 50) / 10, i];
        if (messy && r() < 0.15) level[r() < 0.5 ? 0 : 1] = [Number.NaN, 0, -1, 'x', null][Math.floor(r() * 5)];
        out.push(messy && r() < 0.05 ? 'garbage' : level);
      }
      if (messy && r() < 0.5 && out.length > 2) out.reverse(); // out of order
      return out;
    };
    let clean = 0;
    for (let k = 0; k < 400; k++) {
      const messy = k % 2 === 1;
      const depth = 1 + Math.floor(r() * 12);
      const bids = makeSide(true, Math.floor(r() * 15), messy);
      const asks = makeSide(false, Math.floor(r() * 15), messy);
      const out = normaliseOrderBook({ bids, asks, timestamp: 7 }, { ...ctx, depth });
      const rb = reference(bids, true, depth);
      const ra = reference(asks, false, depth);
      if (rb.length === 0 && ra.length === 0) {
        expect(out.kind).toBe('skipped');
        continue;
      }
      expect(out.kind).toBe('ok');
      if (out.kind !== 'ok') continue;
      expect(sideLevels(out.book.bids)).toEqual(rb);
      expect(sideLevels(out.book.asks)).toEqual(ra);
      expect(out.book.asks.levels.buffer).toBe(out.book.bids.levels.buffer);
      expect(out.book.asks.levels.byteOffset).toBe(out.book.bids.levels.byteOffset + 16 * rb.length);
      expect(out.book.bids.levels.buffer.byteLength).toBe(16 * (rb.length + ra.length));
      if (out.dropped === 0) clean++;
    }
    expect(clean).toBeGreaterThan(150); // both paths were exercised
  });
});

describe('normaliseFundingIntervals', () => {
  it('reads ccxt interval strings, reports unreadable ones', () => {
    const out = normaliseFundingIntervals(
      {
        'ETH/USDT:USDT': { symbol: 'ETH/USDT:USDT', interval: '4h' },
        'BLZ/USDT:USDT': { symbol: 'BLZ/USDT:USDT', interval: '1h' },
        'BAD/USDT:USDT': { symbol: 'BAD/USDT:USDT', interval: undefined },
      },
      'binance',
    );
    expect([...out.hours]).toEqual([
      ['ETH/USDT:USDT', 4],
      ['BLZ/USDT:USDT', 1],
    ]);
    expect(out.skipped.map((s) => s.symbol)).toEqual(['BAD/USDT:USDT']);
  });
});

describe('bookLimitFor', () => {
  it.each([
    ['binance', 30, 50],
    ['binance', 50, 50],
    ['binance', 2000, 1000],
    ['bybit', 500, 200],
    ['bybit', 50, 50],
    ['deribit', 25, 50],
    ['okx', 1000, 400],
  ])('%s depth %i → limit %i', (venue, depth, limit) => {
    expect(bookLimitFor(KNOWN_VENUES[venue] as VenueProfile, depth)).toBe(limit);
  });

  it('generic venues get the depth asked for', () => {
    expect(bookLimitFor(genericProfile('kraken'), 37)).toBe(37);
  });
});
