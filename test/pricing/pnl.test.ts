import { describe, expect, it } from 'vitest';
import type { FundingPaid, OrderFilled } from '../../src/domain/events.js';
import type { PositionSpec } from '../../src/domain/position.js';
import { positionPnl, residualDelta, totalPnl, type PositionPnl } from '../../src/pricing/pnl.js';
import { inverseSpec, linearSpec } from '../store/fixtures.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 7, 10);

const binanceBtc: PositionSpec = linearSpec('p1');
const deribitBtc: PositionSpec = inverseSpec('d1');

let seq = 0;
/** A fill as the ledger stores it; for the spot leg `qty` is base, for the perp contracts. */
function fill(spec: PositionSpec, ts: number, leg: 'spot' | 'perp', side: 'buy' | 'sell', qty: number, price: number, feeQuote = 0): OrderFilled {
  const inverse = leg === 'perp' && spec.settlement === 'inverse';
  const cs = leg === 'perp' ? spec.contractSize : 1;
  return {
    type: 'order.fill',
    ts,
    fillId: `f${++seq}`,
    orderId: `o${seq}`,
    positionId: spec.positionId,
    venue: spec.venue,
    leg,
    symbol: leg === 'spot' ? spec.spotSymbol : spec.perpSymbol,
    side,
    price,
    amount: qty,
    baseQty: inverse ? (qty * cs) / price : qty * cs,
    contracts: leg === 'perp' ? qty : null,
    quoteNotional: inverse ? qty * cs : qty * cs * price,
    fee: feeQuote,
    feeCurrency: spec.quote,
    feeQuote,
  };
}

function funding(spec: PositionSpec, t: number, amountQuote: number): FundingPaid {
  return {
    type: 'funding.payment',
    ts: t,
    positionId: spec.positionId,
    venue: spec.venue,
    symbol: spec.perpSymbol,
    settlementTime: t,
    periodStart: null,
    rate: 0,
    markPrice: 1,
    contracts: -1,
    contractSize: spec.contractSize,
    settlement: spec.settlement,
    amount: amountQuote,
    currency: spec.settle,
    amountQuote,
  };
}

describe('positionPnl: accounting.md Example 1 (linear, Binance BTC)', () => {
  const s = binanceBtc;
  const fills = [
    fill(s, T0, 'spot', 'buy', 0.2, 50_000, 10.0), //   0.1% × 10,000
    fill(s, T0, 'perp', 'sell', 0.2, 50_010, 5.001), // 0.05% × 10,002
    fill(s, T0 + 24 * HOUR, 'spot', 'sell', 0.2, 50_200, 10.04),
    fill(s, T0 + 24 * HOUR, 'perp', 'buy', 0.2, 50_215, 5.0215),
  ];
  const payments = [funding(s, T0 + 8 * HOUR, 1.002), funding(s, T0 + 16 * HOUR, 1.1976), funding(s, T0 + 24 * HOUR, -0.2002)];
  const pnl = positionPnl(s, fills, payments, { spot: 60_000, perp: 60_000 }, T0 + 48 * HOUR);

  it('spot +40.00, perp −41.00, fees 30.0625, funding 1.9994, net −29.0631 USDT', () => {
    expect(pnl.spot.pnl).toBeCloseTo(40, 9);
    expect(pnl.perp.pnl).toBeCloseTo(-41, 9);
    expect(pnl.fees).toBeCloseTo(30.0625, 9);
    expect(pnl.funding).toBeCloseTo(1.9994, 9);
    expect(pnl.net).toBeCloseTo(-29.0631, 9);
  });

  it('a closed position is all realised: marks no longer matter, hours stop at the close', () => {
    expect(pnl.realised).toBeCloseTo(-29.0631, 9);
    expect(pnl.unrealised).toBe(0);
    expect(pnl.spot.open).toBe(0);
    expect(pnl.perp.open).toBe(0);
    expect(pnl.spot.avgEntry).toBeNull();
    expect(pnl.closedAt).toBe(T0 + 24 * HOUR);
    expect(pnl.hoursHeld).toBe(24);
  });

  it('APR achieved is net over the peak leg notional at cost (10,002), annualised over 24h', () => {
    expect(pnl.notional).toBeCloseTo(10_002, 9);
    expect(pnl.apr).toBeCloseTo((-29.0631 / 10_002) * (8760 / 24), 9);
  });

  it('return over the hold is net over the same notional, not annualised', () => {
    expect(pnl.returnOverHold).toBeCloseTo(-29.0631 / 10_002, 12);
  });
});

describe('positionPnl: accounting.md Example 2 (inverse, Deribit BTC-PERPETUAL)', () => {
  const s = deribitBtc;
  const fills = [fill(s, T0, 'spot', 'buy', 1, 40_000), fill(s, T0, 'perp', 'sell', 4000, 40_020)];
  const pnl = positionPnl(s, fills, [funding(s, T0 + 8 * HOUR, 12)], { spot: 44_000, perp: 44_000 }, T0 + 10 * HOUR);

  it('perp −0.0904093 BTC = −3,978.01 USD at 44,000; spot +4,000 USD', () => {
    // −4000 × 10 × (1/40,020 − 1/44,000)
    expect(pnl.perp.unrealisedCoin).toBeCloseTo(-0.0904093, 7);
    expect(pnl.perp.unrealisedCoin).toBeCloseTo(-40_000 * (1 / 40_020 - 1 / 44_000), 15);
    expect(pnl.perp.unrealised).toBeCloseTo(-3978.01, 2);
    expect(pnl.spot.unrealised).toBeCloseTo(4000, 9);
    expect(pnl.funding).toBe(12);
  });

  it('reports entry, open contracts and the USD notional of the inverse leg', () => {
    expect(pnl.perp.open).toBe(-4000);
    expect(pnl.perp.avgEntry).toBeCloseTo(40_020, 9);
    expect(pnl.perp.realisedCoin).toBe(0);
    expect(pnl.notional).toBe(40_000);
    expect(pnl.net).toBeCloseTo(4000 + -40_000 * (1 / 40_020 - 1 / 44_000) * 44_000 + 12, 9);
    expect(pnl.closedAt).toBeNull();
    expect(pnl.hoursHeld).toBe(10);
  });

  it('a partial buy-back realises its share in BTC, converted at its own fill price', () => {
    const partial = positionPnl(s, [...fills, fill(s, T0 + HOUR, 'perp', 'buy', 1000, 44_000)], [], { spot: 44_000, perp: 44_000 }, T0 + 2 * HOUR);
    const realisedCoin = -10_000 * (1 / 40_020 - 1 / 44_000);
    expect(partial.perp.realisedCoin).toBeCloseTo(realisedCoin, 15);
    expect(partial.perp.realised).toBeCloseTo(realisedCoin * 44_000, 9);
    expect(partial.perp.open).toBe(-3000);
    expect(partial.perp.avgEntry).toBeCloseTo(40_020, 9);
    expect(partial.perp.unrealisedCoin).toBeCloseTo(-30_000 * (1 / 40_020 - 1 / 44_000), 15);
  });

  it('inverse entries average 1/price, so two entries value exactly like two separate ones', () => {
    const two = [fill(s, T0, 'perp', 'sell', 1000, 40_000), fill(s, T0, 'perp', 'sell', 1000, 50_000)];
    const p = positionPnl(s, two, [], { spot: null, perp: 45_000 }, T0 + HOUR);
    const separate = -10_000 * (1 / 40_000 - 1 / 45_000) + -10_000 * (1 / 50_000 - 1 / 45_000);
    expect(p.perp.unrealisedCoin).toBeCloseTo(separate, 15);
    // harmonic mean of 40,000 and 50,000 = 2 / (1/40,000 + 1/50,000) = 44,444.44…
    expect(p.perp.avgEntry).toBeCloseTo(400_000 / 9, 9);
  });
});

describe('positionPnl: partial closes and residuals (average cost)', () => {
  const s = binanceBtc;

  it('partially closed legs: realised on what was closed, unrealised on the rest', () => {
    const fills = [
      fill(s, T0, 'spot', 'buy', 1, 100, 0.1),
      fill(s, T0 + HOUR, 'spot', 'buy', 1, 110, 0.1), // average 105
      fill(s, T0 + 2 * HOUR, 'spot', 'sell', 0.5, 120, 0.1), // realises 0.5 × 15 = 7.5
      fill(s, T0, 'perp', 'sell', 2, 101, 0.1),
      fill(s, T0 + 2 * HOUR, 'perp', 'buy', 1, 95, 0.1), // realises 1 × 6 = 6
    ];
    const p = positionPnl(s, fills, [], { spot: 100, perp: 99 }, T0 + 4 * HOUR);
    expect(p.spot).toEqual({ open: 1.5, avgEntry: 105, realised: 7.5, unrealised: -7.5, pnl: 0 });
    // open −1 at 101 marked at 99: −1 × (99 − 101) = +2
    expect(p.perp).toMatchObject({ open: -1, avgEntry: 101, realised: 6, unrealised: 2, realisedCoin: null, unrealisedCoin: null });
    expect(p.fees).toBeCloseTo(0.5, 12);
    expect(p.realised).toBeCloseTo(7.5 + 6 - 0.5, 12);
    expect(p.unrealised).toBeCloseTo(-5.5, 12);
    expect(p.net).toBeCloseTo(7.5, 12);
    // peak spot cost 2 × 105 = 210 beats peak perp 2 × 101 = 202
    expect(p.notional).toBe(210);
    expect(p.closedAt).toBeNull();
    expect(p.apr).toBeCloseTo((7.5 / 210) * (8760 / 4), 9);
  });

  it('a lot-rounding residual stays open and is marked', () => {
    const fills = [fill(s, T0, 'spot', 'buy', 0.2003, 50_000), fill(s, T0 + HOUR, 'spot', 'sell', 0.2, 50_200)];
    const p = positionPnl(s, fills, [], { spot: 50_100, perp: null }, T0 + 2 * HOUR);
    expect(p.spot.realised).toBeCloseTo(40, 9);
    expect(p.spot.open).toBeCloseTo(0.0003, 15);
    expect(p.spot.unrealised).toBeCloseTo(0.03, 9);
    expect(p.closedAt).toBeNull();
  });

  it('a close summing to a float residue (0.1 + 0.2 − 0.3) is flat', () => {
    const fills = [fill(s, T0, 'spot', 'buy', 0.1, 100), fill(s, T0, 'spot', 'buy', 0.2, 100), fill(s, T0 + HOUR, 'spot', 'sell', 0.3, 101)];
    const p = positionPnl(s, fills, [], { spot: null, perp: null }, T0 + 5 * HOUR);
    expect(p.spot.open).toBe(0);
    expect(p.unrealised).toBe(0);
    expect(p.closedAt).toBe(T0 + HOUR);
  });

  it('a fill that flips the sign closes everything, then opens the rest at its price', () => {
    const fills = [fill(s, T0, 'spot', 'buy', 1, 100), fill(s, T0 + HOUR, 'spot', 'sell', 3, 110)];
    const p = positionPnl(s, fills, [], { spot: 105, perp: null }, T0 + 2 * HOUR);
    expect(p.spot).toEqual({ open: -2, avgEntry: 110, realised: 10, unrealised: 10, pnl: 20 });
  });

  it('an open leg without a mark leaves unrealised, net and APR null, never 0', () => {
    const p = positionPnl(s, [fill(s, T0, 'spot', 'buy', 1, 100), fill(s, T0, 'perp', 'sell', 1, 100)], [], { spot: null, perp: 100 }, T0 + HOUR);
    expect(p.spot.unrealised).toBeNull();
    expect(p.unrealised).toBeNull();
    expect(p.net).toBeNull();
    expect(p.apr).toBeNull();
    expect(p.returnOverHold).toBeNull();
    expect(p.perp.unrealised).toBe(0);
  });

  it('fills are applied in time order, whatever order they come in', () => {
    const a = fill(s, T0, 'spot', 'buy', 1, 100);
    const b = fill(s, T0 + HOUR, 'spot', 'sell', 1, 110);
    expect(positionPnl(s, [b, a], [], { spot: null, perp: null }, T0 + HOUR).spot.realised).toBe(10);
  });

  it('no fills: nothing held, APR null', () => {
    const p = positionPnl(s, [], [], { spot: null, perp: null }, T0);
    expect(p).toMatchObject({ net: 0, notional: 0, openedAt: null, hoursHeld: null, returnOverHold: null, apr: null });
  });

  it("refuses another position's fills or payments", () => {
    const other = { ...s, positionId: 'p2' };
    expect(() => positionPnl(s, [fill(other, T0, 'spot', 'buy', 1, 100)], [], { spot: 1, perp: 1 }, T0)).toThrow(RangeError);
    expect(() => positionPnl(s, [], [funding(other, T0, 1)], { spot: 1, perp: 1 }, T0)).toThrow(RangeError);
  });
});

describe('totalPnl', () => {
  function summary(net: number | null, notional: number, hoursHeld: number | null): PositionPnl {
    const leg = { open: 0, avgEntry: null, realised: 0, unrealised: 0, pnl: 0 };
    return {
      positionId: 'x',
      spot: leg,
      perp: { ...leg, realisedCoin: null, unrealisedCoin: null },
      fees: 1,
      funding: 2,
      realised: 3,
      unrealised: net === null ? null : 0,
      net,
      notional,
      openedAt: 0,
      closedAt: null,
      hoursHeld,
      returnOverHold: null,
      apr: null,
    };
  }

  it('sums positions and weights APR by notional-hours', () => {
    const t = totalPnl([summary(10, 1000, 24), summary(-5, 500, 48)]);
    expect(t).toMatchObject({ positions: 2, fees: 2, funding: 4, realised: 6, net: 5, notional: 1500 });
    // 5 / (1000 × 24 + 500 × 48) × 8760 = 5 / 48,000 × 8760 = 0.9125
    expect(t.apr).toBeCloseTo(0.9125, 12);
  });

  it('one position without a mark makes the total net null', () => {
    const t = totalPnl([summary(10, 1000, 24), summary(null, 500, 48)]);
    expect(t.net).toBeNull();
    expect(t.unrealised).toBeNull();
    expect(t.apr).toBeNull();
  });

  it('matches the position APR for one position', () => {
    const s = binanceBtc;
    const p = positionPnl(s, [fill(s, T0, 'spot', 'buy', 1, 100), fill(s, T0, 'perp', 'sell', 1, 100)], [funding(s, T0 + 8 * HOUR, 0.5)], { spot: 100, perp: 100 }, T0 + 10 * HOUR);
    expect(totalPnl([p]).apr).toBeCloseTo(p.apr as number, 12);
  });
});

describe('residualDelta', () => {
  it('Example 2 at 44,000: +0.0909 BTC, 9.1% drift, sell 400 more contracts (target −4,400)', () => {
    const d = residualDelta(deribitBtc, { spotQty: 1, perpContracts: -4000 }, 44_000);
    expect(d.exposure).toBeCloseTo(1 - 40_000 / 44_000, 15);
    expect(d.drift).toBeCloseTo(0.0909, 4);
    expect(d.targetContracts).toBeCloseTo(-4400, 9);
    expect(d.correctionContracts).toBeCloseTo(-400, 9);
    expect(d.exposureQuote).toBeCloseTo(4000, 9);
  });

  it('the same inverse hedge is flat at its entry price', () => {
    expect(residualDelta(deribitBtc, { spotQty: 1, perpContracts: -4000 }, 40_000).exposure).toBeCloseTo(0, 15);
  });

  it.each([
    // linear cs 1: 0.2 − 0.2 = 0 whatever the price
    { name: 'linear hedged', cs: 1, spot: 0.2, q: -0.2, exposure: 0, drift: 0, correction: 0 },
    // OKX cs 0.01: 0.2 − 19 × 0.01 = 0.01 BTC, 5% drift, sell 1 more contract
    { name: 'linear cs 0.01 short by one contract', cs: 0.01, spot: 0.2, q: -19, exposure: 0.01, drift: 0.05, correction: -1 },
    // reverse carry: borrowed spot sold, perp long
    { name: 'reverse carry hedged', cs: 1, spot: -1, q: 1, exposure: 0, drift: 0, correction: 0 },
  ])('$name', ({ cs, spot, q, exposure, drift, correction }) => {
    const d = residualDelta({ settlement: 'linear', contractSize: cs }, { spotQty: spot, perpContracts: q }, 60_000);
    expect(d.exposure).toBeCloseTo(exposure, 12);
    expect(d.drift).toBeCloseTo(drift, 12);
    expect(d.correctionContracts).toBeCloseTo(correction, 9);
  });

  it('coin posted as margin is long exposure, counted once whether or not it includes the spot', () => {
    // 1 BTC spot posted as margin plus 0.05 BTC of credited P&L and funding, at 40,000:
    // 1.05 − 4000 × 10 / 40,000 = 0.05 BTC; the hedge needs −1.05 × 40,000 / 10 = −4,200.
    const held = { spotQty: 1, perpContracts: -4000 };
    for (const collateral of [
      { coin: 1.05, includesSpot: true },
      { coin: 0.05, includesSpot: false },
    ]) {
      const d = residualDelta(deribitBtc, held, 40_000, collateral);
      expect(d.exposure).toBeCloseTo(0.05, 12);
      expect(d.drift).toBeCloseTo(0.05, 12);
      expect(d.targetContracts).toBeCloseTo(-4200, 9);
      expect(d.correctionContracts).toBeCloseTo(-200, 9);
    }
  });

  it('drift is null with no spot leg; a bad mark is refused', () => {
    expect(residualDelta(binanceBtc, { spotQty: 0, perpContracts: -1 }, 100).drift).toBeNull();
    expect(() => residualDelta(deribitBtc, { spotQty: 1, perpContracts: -1 }, 0)).toThrow(RangeError);
  });
});
