import { describe, expect, it } from 'vitest';
import { expectedFundingFraction, grossApr, ratePerHour } from '../../src/pricing/funding.js';

describe('funding normalisation', () => {
  // Each row: the same 0.01%/h economics quoted on a different interval, plus a negative rate.
  const rows = [
    // 8h: 0.0008 / 8 = 0.0001 per hour; APR 0.0008 × 3 × 365 = 0.876; 72h: 0.0001 × 72 = 0.0072
    { name: '8h', rate: 0.0008, interval: 8, perHour: 0.0001, apr: 0.876, over72h: 0.0072 },
    // 4h: 0.0004 / 4 = 0.0001; APR 0.0004 × 6 × 365 = 0.876
    { name: '4h', rate: 0.0004, interval: 4, perHour: 0.0001, apr: 0.876, over72h: 0.0072 },
    // 1h: 0.0001 × 24 × 365 = 0.876
    { name: '1h', rate: 0.0001, interval: 1, perHour: 0.0001, apr: 0.876, over72h: 0.0072 },
    // Binance default 8h 0.01%: 0.0001 × 3 × 365 = 0.1095 (10.95%); per hour 0.0000125; 72h 0.0009
    { name: '8h 0.01%', rate: 0.0001, interval: 8, perHour: 0.0000125, apr: 0.1095, over72h: 0.0009 },
    // negative 1h: −0.00005 × 8760 = −0.438; 72h: −0.0036
    { name: 'negative 1h', rate: -0.00005, interval: 1, perHour: -0.00005, apr: -0.438, over72h: -0.0036 },
    // zero is a real rate, not missing
    { name: 'zero', rate: 0, interval: 8, perHour: 0, apr: 0, over72h: 0 },
  ];
  it.each(rows)('$name', ({ rate, interval, perHour, apr, over72h }) => {
    expect(ratePerHour(rate, interval)).toBeCloseTo(perHour, 15);
    expect(grossApr(rate, interval)).toBeCloseTo(apr, 12);
    expect(expectedFundingFraction(rate, interval, 72)).toBeCloseTo(over72h, 15);
  });

  it('a 1h and an 8h perp with the same hourly rate have the same APR, though raw rates differ 8x', () => {
    expect(grossApr(0.0001, 1)).toBeCloseTo(grossApr(0.0008, 8), 15);
  });

  it('APR is simple, not compounded', () => {
    // compounded would be (1.0001)^8760 − 1 ≈ 1.4014; simple is 0.876
    expect(grossApr(0.0001, 1)).toBeCloseTo(0.876, 12);
  });

  it.each([
    ['zero interval', 0.0001, 0],
    ['negative interval', 0.0001, -8],
    ['NaN interval', 0.0001, Number.NaN],
    ['NaN rate', Number.NaN, 8],
    ['infinite rate', Number.POSITIVE_INFINITY, 8],
  ])('rejects %s', (_name, rate, interval) => {
    expect(() => grossApr(rate, interval)).toThrow(RangeError);
    expect(() => ratePerHour(rate, interval)).toThrow(RangeError);
  });

  it('rejects negative hold hours', () => {
    expect(() => expectedFundingFraction(0.0001, 8, -1)).toThrow(RangeError);
  });
});
