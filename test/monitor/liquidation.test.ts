import { describe, expect, it } from 'vitest';
import {
  equityForLiquidationAt,
  initialMargin,
  liquidation,
  maxContractsForLiquidationAt,
  priceAtDistance,
  unrealisedPnl,
  type PerpLeg,
} from '../../src/monitor/liquidation.js';

const MMR = 0.005;
const linearShort: PerpLeg = { settlement: 'linear', contracts: -1, contractSize: 1 };
const linearLong: PerpLeg = { settlement: 'linear', contracts: 1, contractSize: 1 };
const inverseShort: PerpLeg = { settlement: 'inverse', contracts: -4000, contractSize: 10 };
const inverseLong: PerpLeg = { settlement: 'inverse', contracts: 4000, contractSize: 10 };

describe('liquidation price and distance (hand-computed)', () => {
  // Each row: leg, margin balance at the mark, mark, expected liquidation price (null = none), distance.
  const rows: readonly [string, PerpLeg, number, number, number | null, number][] = [
    // 1 BTC short, 3x at 50,000: E = 16,666.67; P = (50,000 + 16,666.67) / 1.005 = 66,334.99
    ['linear short, 3x at entry', linearShort, 50_000 / 3, 50_000, 66_666.666_666_666_67 / 1.005, 66_666.666_666_666_67 / 1.005 / 50_000 - 1],
    // long: (50,000 − 16,666.67) / 0.995 = 33,500.33, 33.0% below
    ['linear long, 3x at entry', linearLong, 50_000 / 3, 50_000, 33_333.333_333_333_33 / 0.995, 1 - 33_333.333_333_333_33 / 0.995 / 50_000],
    // a long whose balance is its whole value cannot be liquidated
    ['linear long, fully funded', linearLong, 50_000, 50_000, null, Infinity],
    // a short whose balance is below −value is liquidatable at any price
    ['linear short, bankrupt', linearShort, -60_000, 50_000, null, -Infinity],
    // inverse short with 1 BTC against 40,000 USD at 40,000: the carry hedge, never liquidated
    ['inverse short, coin covers it', inverseShort, 1, 40_000, null, Infinity],
    // 0.2 BTC against 40,000 USD: 40,000 × 0.995 / (1 − 0.2) = 49,750, 24.375% above
    ['inverse short, 0.2 BTC margin', inverseShort, 0.2, 40_000, 49_750, 0.24375],
    // long 40,000 USD with 0.5 BTC: 40,000 × 1.005 / (0.5 + 1) = 26,800, 33% below
    ['inverse long, 0.5 BTC margin', inverseLong, 0.5, 40_000, 26_800, 0.33],
  ];
  it.each(rows)('%s', (_name, leg, equity, mark, price, distance) => {
    const l = liquidation(leg, equity, mark, MMR);
    if (price === null) expect(l.price).toBeNull();
    else expect(l.price).toBeCloseTo(price, 6);
    if (Number.isFinite(distance)) expect(l.distance).toBeCloseTo(distance, 12);
    else expect(l.distance).toBe(distance);
  });

  it('the linear short formula is the usual P0 (1 + 1/lev − mmr) to first order', () => {
    const exact = liquidation(linearShort, initialMargin(linearShort, 50_000, 3), 50_000, MMR).price as number;
    const usual = 50_000 * (1 + 1 / 3 - MMR);
    expect(Math.abs(exact - usual) / usual).toBeLessThan(0.002);
  });

  it('isolated margin: the liquidation price of a short does not move with the mark', () => {
    const c = initialMargin(linearShort, 50_000, 3);
    for (const mark of [45_000, 58_000, 63_000]) {
      const equity = c + unrealisedPnl(linearShort, 50_000, mark);
      expect(liquidation(linearShort, equity, mark, MMR).price).toBeCloseTo(66_666.666_666_666_67 / 1.005, 6);
    }
  });

  it('equityForLiquidationAt inverts the liquidation price', () => {
    const cases: readonly [PerpLeg, number, number][] = [
      [linearShort, 12_345, 58_000],
      [linearLong, 20_000, 50_000],
      [inverseShort, 0.2, 40_000],
      [inverseLong, 0.5, 40_000],
    ];
    for (const [leg, equity, mark] of cases) {
      const p = liquidation(leg, equity, mark, MMR).price as number;
      expect(equityForLiquidationAt(leg, p, mark, MMR)).toBeCloseTo(equity, 9);
    }
  });

  it('the largest size with liquidation at a target price, same balance', () => {
    // E 8,666.67 at 58,000, target 75,400: x = 8,666.67 / (75,400 × 1.005 − 58,000) = 8,666.67 / 17,777
    expect(maxContractsForLiquidationAt(linearShort, 50_000 / 3 - 8000, 75_400, 58_000, MMR)).toBeCloseTo((50_000 / 3 - 8000) / 17_777, 12);
    // already far enough at any size: the holding stays
    expect(maxContractsForLiquidationAt(linearShort, 1000, 40_000, 58_000, MMR)).toBe(1);
    expect(maxContractsForLiquidationAt(linearShort, -5, 75_400, 58_000, MMR)).toBe(0);
  });

  it('priceAtDistance: above the mark for a short, below for a long', () => {
    expect(priceAtDistance(linearShort, 58_000, 0.3)).toBeCloseTo(75_400, 9);
    expect(priceAtDistance(linearLong, 50_000, 0.3)).toBeCloseTo(35_000, 9);
    expect(() => priceAtDistance(linearLong, 50_000, 1)).toThrow(/cannot fall below 0/);
  });

  it('refuses nonsense inputs', () => {
    expect(() => liquidation({ ...linearShort, contracts: 0 }, 1, 1, MMR)).toThrow(/flat perp/);
    expect(() => liquidation(linearShort, 1, 0, MMR)).toThrow(/mark price/);
    expect(() => liquidation(linearShort, 1, 1, 1)).toThrow(/maintenance margin rate/);
    expect(() => liquidation(linearShort, Number.NaN, 1, MMR)).toThrow(/equity/);
  });
});
