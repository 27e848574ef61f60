import { describe, expect, it } from 'vitest';
import { applyTrade, shrink, type Leg } from '../../src/store/average-entry.js';

const flat: Leg = { qty: 0, entry: null };

describe('applyTrade: linear (spot, linear perps)', () => {
  // Each row is hand-computed: entry = quantity-weighted mean price; realised = s × closed × mult × (P − E).
  const rows = [
    { name: 'open long', leg: flat, dq: 3, p: 100, m: 1, qty: 3, entry: 100, closed: 0, realised: null },
    { name: 'add to long at 200: (3×100 + 1×200)/4 = 125', leg: { qty: 3, entry: 100 }, dq: 1, p: 200, m: 1, qty: 4, entry: 125, closed: 0, realised: null },
    { name: 'reduce long 2 at 150: 2 × (150 − 125) = +50', leg: { qty: 4, entry: 125 }, dq: -2, p: 150, m: 1, qty: 2, entry: 125, closed: 2, realised: 50 },
    { name: 'flip long 2 → short 3 at 110: 2 × (110 − 125) = −30', leg: { qty: 2, entry: 125 }, dq: -5, p: 110, m: 1, qty: -3, entry: 110, closed: 2, realised: -30 },
    { name: 'cover short 3 at 100: −1 × 3 × (100 − 110) = +30', leg: { qty: -3, entry: 110 }, dq: 3, p: 100, m: 1, qty: 0, entry: null, closed: 3, realised: 30 },
    // OKX linear, 0.01 BTC per contract: short 100 at 50,000, cover 40 at 49,000 → −1 × 40 × 0.01 × (−1,000) = +400
    { name: 'contract size 0.01', leg: { qty: -100, entry: 50_000 }, dq: 40, p: 49_000, m: 0.01, qty: -60, entry: 50_000, closed: 40, realised: 400 },
  ];
  it.each(rows)('$name', ({ leg, dq, p, m, qty, entry, closed, realised }) => {
    const r = applyTrade(leg, dq, p, 'linear', m);
    expect(r.qty).toBeCloseTo(qty, 12);
    if (entry === null) expect(r.entry).toBeNull();
    else expect(r.entry).toBeCloseTo(entry, 9);
    expect(r.closed).toBeCloseTo(closed, 12);
    if (realised === null) expect(r.realised).toBeNull();
    else expect(r.realised).toBeCloseTo(realised, 9);
  });
});

describe('applyTrade: inverse (coin-settled)', () => {
  it('averages 1/price so a close realises exactly the sum of its lots', () => {
    // Short 2,000 × 10 USD at 40,000 and 2,000 at 50,000; cover all 4,000 at 45,000.
    const a = applyTrade(flat, -2_000, 40_000, 'inverse', 10);
    const b = applyTrade(a, -2_000, 50_000, 'inverse', 10);
    expect(b.qty).toBe(-4_000);
    // Lot by lot: −2000×10×(1/40,000 − 1/45,000) − 2000×10×(1/50,000 − 1/45,000) = −1/90 BTC
    const lots = -2_000 * 10 * (1 / 40_000 - 1 / 45_000) - 2_000 * 10 * (1 / 50_000 - 1 / 45_000);
    expect(lots).toBeCloseTo(-1 / 90, 12);
    const c = applyTrade(b, 4_000, 45_000, 'inverse', 10);
    expect(c.qty).toBe(0);
    expect(c.realised).toBeCloseTo(lots, 15);
    // An arithmetic average (45,000) would have realised nothing: the harmonic one is the right one.
    expect(b.entry).toBeCloseTo(2 / (1 / 40_000 + 1 / 50_000), 6);
  });

  it('accounting.md Example 2: short 4,000 at 40,020 covered at 44,000 = −0.0904093 BTC', () => {
    const r = applyTrade({ qty: -4_000, entry: 40_020 }, 4_000, 44_000, 'inverse', 10);
    expect(r.realised).toBeCloseTo(-0.0904093, 7);
    expect(r.qty).toBe(0);
  });
});

describe('float dust', () => {
  it('a leg built from 0.1 + 0.2 closes flat with 0.3', () => {
    const a = applyTrade(applyTrade(flat, 0.1, 100, 'linear', 1), 0.2, 100, 'linear', 1);
    expect(a.qty).not.toBe(0.3); // 0.30000000000000004
    const b = applyTrade(a, -0.3, 110, 'linear', 1);
    expect(b.qty).toBe(0);
    expect(b.entry).toBeNull();
    expect(b.realised).toBeCloseTo(3, 9);
  });
  it('a real remainder is kept', () => {
    const r = applyTrade({ qty: 0.3, entry: 100 }, -0.299, 100, 'linear', 1);
    expect(r.qty).toBeCloseTo(0.001, 12);
    expect(r.entry).toBe(100);
  });
});

describe('shrink (a fee charged in the coin)', () => {
  it('reduces the quantity, keeps the entry, realises nothing', () => {
    expect(shrink({ qty: 0.2, entry: 50_000 }, 0.0002)).toEqual({ qty: 0.2 - 0.0002, entry: 50_000 });
  });
});

describe('bad input', () => {
  it.each([0, -1, Number.NaN])('rejects price %s', (p) => {
    expect(() => applyTrade(flat, 1, p, 'linear', 1)).toThrow(RangeError);
  });
  it('rejects a zero quantity', () => {
    expect(() => applyTrade(flat, 0, 100, 'linear', 1)).toThrow(RangeError);
  });
});
