import { describe, expect, it } from 'vitest';
import { paperSchema, riskSchema } from '../../src/config/schema.js';
import type { Market } from '../../src/domain/market.js';
import { freeCapital, fundingCurrency, initialFunding, notionalFromCapital } from '../../src/engine/paper-wallet.js';
import { gateClose, gateOpen } from '../../src/engine/risk-gate.js';

const spot = (quote: string): Market =>
  ({ venue: 'x', symbol: `BTC/${quote}`, type: 'spot', base: 'BTC', quote }) as unknown as Market;

describe('paper wallet', () => {
  it('funds each venue once in a currency its spot markets are quoted in', () => {
    const cfg = paperSchema.parse({});
    const markets = new Map([
      ['binance', [spot('USDT'), spot('USDC')]],
      ['deribit', [spot('USDC')]],
    ]);
    expect(initialFunding(cfg, markets, 5)).toEqual([
      { type: 'wallet.funded', ts: 5, venue: 'binance', currency: 'USDT', amount: 10_000, reason: 'initial' },
      { type: 'wallet.funded', ts: 5, venue: 'deribit', currency: 'USDC', amount: 10_000, reason: 'initial' },
    ]);
    expect(fundingCurrency([spot('USD')], 'USDT')).toBe('USD');
  });

  it('per-venue balances override the default', () => {
    const cfg = paperSchema.parse({ balances: { okx: { USDT: 2500, BTC: 0.1 } } });
    const ev = initialFunding(cfg, new Map([['okx', [spot('USDT')]]]), 0);
    expect(ev.map((e) => [e.currency, e.amount])).toEqual([
      ['USDT', 2500],
      ['BTC', 0.1],
    ]);
  });

  it('free capital = balance − linear perp margin; inverse perps are margined by the spot coin', () => {
    // 10,000 USDT, one linear position with 6,000 perp notional at 3x: 2,000 margin.
    expect(freeCapital(10_000, [{ venue: 'b', settlement: 'linear', quote: 'USDT', perpNotional: 6_000 }], 3)).toBe(8_000);
    expect(freeCapital(10_000, [{ venue: 'd', settlement: 'inverse', quote: 'USDC', perpNotional: 6_000 }], 3)).toBe(10_000);
    // A new linear position of N needs N (spot) + N/3 (margin): 8,000 free → 6,000 notional.
    expect(notionalFromCapital(8_000, 'linear', 3)).toBeCloseTo(6_000, 9);
    expect(notionalFromCapital(8_000, 'inverse', 3)).toBe(8_000);
  });
});

describe('risk gate', () => {
  const caps = riskSchema.parse({ maxPositionNotional: 25_000, maxVenueNotional: 40_000, maxTotalNotional: 60_000 });
  const cases: [string, number, { venue: string; notional: number }[], unknown][] = [
    ['requested fits', 10_000, [], { allow: true, notional: 10_000, bound: 'requested' }],
    ['position cap binds', 30_000, [], { allow: true, notional: 25_000, bound: 'position_cap' }],
    ['venue cap binds', 20_000, [{ venue: 'binance', notional: 30_000 }], { allow: true, notional: 10_000, bound: 'venue_cap' }],
    ['total cap binds', 20_000, [{ venue: 'okx', notional: 25_000 }, { venue: 'bybit', notional: 25_000 }], { allow: true, notional: 10_000, bound: 'total_cap' }],
  ];
  it.each(cases)('%s', (_name, requested, open, expected) => {
    expect(gateOpen('active', caps, 'binance', requested, open)).toEqual(expected);
  });

  it('denies with a reason when a cap is used up, and in reducing/halted states', () => {
    const full = gateOpen('active', caps, 'binance', 5_000, [{ venue: 'binance', notional: 40_000 }]);
    expect(full).toMatchObject({ allow: false });
    expect(full.allow ? '' : full.reason).toMatch(/open notional 40000.00 on binance at risk.maxVenueNotional 40000: cap reached/);
    expect(gateOpen('reducing', caps, 'binance', 5_000, [])).toMatchObject({ allow: false, reason: expect.stringMatching(/reducing/) });
    expect(gateClose('reducing').allow).toBe(true);
    expect(gateClose('halted').allow).toBe(false);
  });
});
