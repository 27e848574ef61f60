/**
 * Borrow rates in the scan (the sim market, seed 2, where BTC funding is negative on every venue
 * at the default start): reverse carry on a venue that can borrow is priced with the venue's
 * borrow rate; Deribit's stays 'needs_borrow'; lookups are bounded and cached for the refresh
 * period; a failed lookup leaves the base 'borrow rate unknown' without touching the rest.
 */
import ccxt from 'ccxt';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../src/domain/clock.js';
import type { FundingSnapshot, Market } from '../../src/domain/market.js';
import type { Opportunity } from '../../src/domain/opportunity.js';
import { reverseCarryBases, Scanner } from '../../src/engine/scanner.js';
import type { VenueSet } from '../../src/engine/venue-set.js';
import { CcxtVenue } from '../../src/venues/ccxt-venue.js';
import { profileFor } from '../../src/venues/profiles.js';
import { DEFAULT_SIM_START, SimExchange, SimWorld } from '../../src/venues/sim/index.js';
import { spotPerpCarryParamsSchema, type SpotPerpCarryParams } from '../../strategies/spot-perp-carry/params.js';

const silent = pino({ level: 'silent' });
const HOUR = 3_600_000;
const SEED = 2;
const VENUES = ['binance', 'bybit', 'okx', 'deribit'] as const;
type V = (typeof VENUES)[number];

interface Setup {
  readonly clock: SimClock;
  readonly scanner: Scanner;
  /** Every fetchCrossBorrowRate that reached a venue, as `venue:code`. */
  readonly borrowCalls: string[];
}

function setup(opts: { start?: number; params?: Partial<SpotPerpCarryParams>; failBorrow?: Partial<Record<V, () => Error>> } = {}): Setup {
  const clock = new SimClock(opts.start ?? DEFAULT_SIM_START);
  const world = new SimWorld({ seed: SEED });
  const borrowCalls: string[] = [];
  const adapters = VENUES.map((v) => {
    const ex = new SimExchange(world, v, clock);
    const real = ex.fetchCrossBorrowRate.bind(ex);
    ex.fetchCrossBorrowRate = (code, params) => {
      borrowCalls.push(`${v}:${code}`);
      const fail = opts.failBorrow?.[v];
      return fail ? Promise.reject(fail()) : real(code, params);
    };
    return new CcxtVenue(ex, profileFor(v), clock, silent, { retry: { attempts: 2, baseMs: 10, maxMs: 20 }, random: () => 0.5 });
  });
  const venues: VenueSet = { adapters, closed: [], unavailable: [], canBorrowSpot: (v) => profileFor(v).spotMarginBorrow };
  const params = spotPerpCarryParamsSchema.parse(opts.params ?? {});
  const scanner = new Scanner({ clock, venues, params, bookDepth: 50, marketsRefreshMs: HOUR, log: silent });
  return { clock, scanner, borrowCalls };
}

const find = (ops: readonly Opportunity[], venue: string, perp: string): Opportunity => {
  const o = ops.find((x) => x.venue === venue && x.perpSymbol === perp);
  if (o === undefined) throw new Error(`no ${venue} ${perp} in the scan`);
  return o;
};

describe('scanner: borrow rates for reverse carry', () => {
  it('prices reverse carry with the venue borrow rate; Deribit stays needs_borrow', async () => {
    const { scanner, borrowCalls, clock } = setup();
    const opportunities = (await scanner.scan()).opportunities.slice();
    const params = spotPerpCarryParamsSchema.parse({});

    // The rate each venue quotes for BTC right now, read from its raw record (ccxt's `info`).
    const world = new SimWorld({ seed: SEED });
    const raw = async (v: V) => (await new SimExchange(world, v, clock).fetchCrossBorrowRate('BTC')).info as Record<string, string>;
    const aprByHand: Record<string, number> = {
      binance: Number((await raw('binance'))['dailyInterestRate']) * 365,
      bybit: Number((await raw('bybit'))['hourlyBorrowRate']) * 8760,
      okx: Number((await raw('okx'))['interestRate']) * 8760,
    };
    for (const v of ['binance', 'bybit', 'okx'] as const) {
      const btc = find(opportunities, v, 'BTC/USDT:USDT');
      expect(btc.direction).toBe('reverse');
      expect(btc.reasons).not.toContain('borrow rate unknown');
      expect(btc.status).toBe('ok');
      // borrow over the hold = APR × holdHours / 8760
      expect(btc.borrowCost).toBeCloseTo(((aprByHand[v] as number) * params.holdHours) / 8760, 15);
      expect(aprByHand[v]).toBeGreaterThan(0.027); // BTC: 3-6 % a year in the sim
      expect(aprByHand[v]).toBeLessThan(0.067);
    }
    const deribitReverse = opportunities.filter((o) => o.venue === 'deribit' && o.direction === 'reverse');
    expect(deribitReverse.length).toBeGreaterThan(0);
    for (const o of deribitReverse) {
      expect(o.status).toBe('needs_borrow');
      expect(o.borrowCost).toBeNull();
    }
    expect(borrowCalls.filter((c) => c.startsWith('deribit:'))).toEqual([]);
    // Every reverse row on a lending venue whose base was looked up is priced, not 'borrow rate unknown'.
    const looked = new Set(borrowCalls);
    for (const o of opportunities) {
      if (o.direction === 'reverse' && looked.has(`${o.venue}:${o.base}`)) expect(o.reasons).not.toContain('borrow rate unknown');
    }
  });

  it('bounded per venue by depthCandidates, each base once; a second scan within the hour asks nothing', async () => {
    const { scanner, borrowCalls, clock } = setup({ params: { depthCandidates: 2 } });
    await scanner.scan();
    const first = [...borrowCalls];
    expect(first.length).toBeGreaterThan(0);
    expect(new Set(first).size).toBe(first.length);
    for (const v of ['binance', 'bybit', 'okx']) expect(first.filter((c) => c.startsWith(`${v}:`)).length).toBeLessThanOrEqual(2);

    clock.advance(60_000);
    const second = await scanner.scan();
    expect(borrowCalls).toEqual(first);
    expect(find(second.opportunities.slice(), 'binance', 'BTC/USDT:USDT').borrowCost).not.toBeNull();

    // The next period asks again.
    clock.set(DEFAULT_SIM_START + HOUR);
    await scanner.scan();
    expect(borrowCalls.length).toBeGreaterThan(first.length);
  });

  it('a run that starts mid-period ranks as one that scanned earlier in the period', async () => {
    const start = DEFAULT_SIM_START + 50 * 60_000;
    const later = DEFAULT_SIM_START + 70 * 60_000; // the next hour: rates have moved
    const running = setup({ start });
    await running.scanner.scan();
    running.clock.set(later);
    const a = await running.scanner.scan();
    const fresh = setup({ start: later });
    const b = await fresh.scanner.scan();
    expect(JSON.stringify(b.opportunities.slice())).toBe(JSON.stringify(a.opportunities.slice()));
  });

  it('a failing lookup leaves that venue unknown, retried once, not again within the hour; other venues priced', async () => {
    const { scanner, borrowCalls, clock } = setup({ failBorrow: { binance: () => new ccxt.RequestTimeout('binance GET sapi timed out (sim)') } });
    const r = await scanner.scan();
    const binance = r.venues.find((v) => v.venue === 'binance');
    expect(binance?.status).toBe('ok');
    const btc = find(r.opportunities.slice(), 'binance', 'BTC/USDT:USDT');
    expect(btc.status).toBe('filtered');
    expect(btc.reasons).toContain('borrow rate unknown');
    expect(btc.borrowCost).toBeNull();
    expect(find(r.opportunities.slice(), 'bybit', 'BTC/USDT:USDT').status).toBe('ok');
    const tries = borrowCalls.filter((c) => c === 'binance:BTC').length;
    expect(tries).toBe(2); // the adapter's retry (2 attempts)

    clock.advance(5 * 60_000);
    await scanner.scan();
    expect(borrowCalls.filter((c) => c === 'binance:BTC').length).toBe(tries);
  });

  it('no credentials (binance live without keys): one attempt for the venue, not one per base', async () => {
    const { scanner, borrowCalls } = setup({ failBorrow: { binance: () => new ccxt.AuthenticationError('binance requires "apiKey" credential') } });
    const r = await scanner.scan();
    expect(borrowCalls.filter((c) => c.startsWith('binance:'))).toHaveLength(1);
    for (const o of r.opportunities.slice().filter((x) => x.venue === 'binance' && x.direction === 'reverse' && x.status !== 'needs_borrow')) {
      expect(o.reasons).toContain('borrow rate unknown');
    }
    await scanner.scan();
    expect(borrowCalls.filter((c) => c.startsWith('binance:'))).toHaveLength(1);
  });

  it('reverseCarry off: no borrow requests at all', async () => {
    const { scanner, borrowCalls } = setup({ params: { reverseCarry: false } });
    await scanner.scan();
    expect(borrowCalls).toEqual([]);
  });
});

describe('reverseCarryBases', () => {
  const spot = (base: string, marginable: boolean, active = true): Market =>
    ({ venue: 'x', symbol: `${base}/USDT`, type: 'spot', base, quote: 'USDT', marginable, active }) as Market;
  const perp = (base: string, rate: number, intervalHours = 8, venue = 'x'): FundingSnapshot =>
    ({ venue, symbol: `${base}/USDT:USDT`, base, rate, intervalHours }) as FundingSnapshot;
  const markets = [spot('A', true), spot('B', true), spot('C', true), spot('D', false), spot('E', true, false), spot('F', true)];

  it.each([
    ['strongest |rate| per hour first, capped', [perp('A', -0.0001), perp('B', -0.0003), perp('C', -0.0002)], 2, ['B', 'C']],
    ['per hour, not per interval: 1h -0.0001 beats 8h -0.0004', [perp('A', -0.0004, 8), perp('B', -0.0001, 1)], 5, ['B', 'A']],
    ['positive, zero and non-finite rates are not reverse carry', [perp('A', 0.0002), perp('B', 0), perp('C', NaN), perp('F', -0.0001)], 5, ['F']],
    ['spot not lent or inactive: nothing to borrow', [perp('D', -0.001), perp('E', -0.001), perp('G', -0.001), perp('A', -0.0001)], 5, ['A']],
    ['other venues ignored', [perp('A', -0.001, 8, 'y'), perp('B', -0.0001)], 5, ['B']],
    ['ties by base', [perp('C', -0.0001), perp('A', -0.0001), perp('B', -0.0001)], 2, ['A', 'B']],
    ['one base once (its strongest perp)', [perp('A', -0.0001), { ...perp('A', -0.0005), symbol: 'A/USDC:USDC' }, perp('B', -0.0003)], 1, ['A']],
    ['max 0', [perp('A', -0.001)], 0, []],
  ] as const)('%s', (_what, funding, max, expected) => {
    expect(reverseCarryBases('x', markets, funding as readonly FundingSnapshot[], max)).toEqual(expected);
  });
});
