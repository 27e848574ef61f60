import { describe, expect, it } from 'vitest';
import { roundTripTakerFraction, takerFeeCost } from '../../src/pricing/fees.js';

describe('taker fees', () => {
  // accounting.md example 1: 0.2 BTC, spot fee 0.1%, perp fee 0.05%.
  const rows = [
    // entry 0.2 × 50,000 = 10,000 → 10.00; exit 0.2 × 50,200 = 10,040 → 10.04
    { name: 'spot leg', taker: 0.001, entry: 10_000, exit: 10_040, fees: [10, 10.04, 20.04] },
    // entry 0.2 × 50,010 = 10,002 → 5.001; exit 0.2 × 50,215 = 10,043 → 5.0215
    { name: 'perp leg', taker: 0.0005, entry: 10_002, exit: 10_043, fees: [5.001, 5.0215, 10.0225] },
    // inverse: 4,000 contracts × 10 USD = 40,000 USD each way at 0.05% → 20 USD (0.0005 BTC at 40k)
    { name: 'inverse leg in USD', taker: 0.0005, entry: 40_000, exit: 40_000, fees: [20, 20, 40] },
    // a rebate is a negative fee, kept as such
    { name: 'rebate', taker: -0.0001, entry: 10_000, exit: 10_000, fees: [-1, -1, -2] },
  ];
  it.each(rows)('$name', ({ taker, entry, exit, fees }) => {
    const c = takerFeeCost(taker, entry, exit);
    expect(c.entry).toBeCloseTo(fees[0] as number, 9);
    expect(c.exit).toBeCloseTo(fees[1] as number, 9);
    expect(c.total).toBeCloseTo(fees[2] as number, 9);
  });

  it('both legs of example 1 add up to the documented 30.0625 USDT', () => {
    const total = takerFeeCost(0.001, 10_000, 10_040).total + takerFeeCost(0.0005, 10_002, 10_043).total;
    expect(total).toBeCloseTo(30.0625, 9);
  });

  it.each([
    // 2 × (0.001 + 0.0005) = 0.003 (Binance spot + USDT-M)
    ['binance', 0.001, 0.0005, 0.003],
    // 2 × (0.001 + 0.0006) = 0.0032 (Bybit spot + linear, as in the tape)
    ['bybit', 0.001, 0.0006, 0.0032],
  ])('round trip fraction %s', (_v, s, p, frac) => {
    expect(roundTripTakerFraction(s, p)).toBeCloseTo(frac, 15);
  });

  it('a missing (NaN) fee is an error, not 0', () => {
    expect(() => takerFeeCost(Number.NaN, 1, 1)).toThrow(RangeError);
    expect(() => roundTripTakerFraction(0.001, Number.NaN)).toThrow(RangeError);
    expect(() => takerFeeCost(0.001, -1, 1)).toThrow(RangeError);
  });
});
