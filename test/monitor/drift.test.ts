import { describe, expect, it } from 'vitest';
import { assessDrift, checkDrift, type DriftInput, type DriftThresholds } from '../../src/monitor/drift.js';
import {
  binancePerp,
  binancePosition,
  binanceSpot,
  deribitPerp,
  deribitPosition,
  deribitSpot,
  okxPerp,
  okxPosition,
  okxSpot,
  T0,
} from './fixtures.js';

const T: DriftThresholds = { threshold: 0.02, critical: 0.1 };
const ctx = { now: T0 };

function deribit(spotQty: number, perpContracts: number, mark: number, over: Partial<DriftInput> = {}): DriftInput {
  return { position: deribitPosition(spotQty, perpContracts), markets: { spot: deribitSpot, perp: deribitPerp }, mark, ...over };
}

describe('delta drift on an inverse perp (accounting.md Example 2: 1 BTC spot, short 4,000 × 10 USD at 40,000)', () => {
  it('at 44,000 the hedge has drifted 9.1% long: sell 400 more BTC-PERPETUAL contracts (4,000 USD)', () => {
    const [a, ...rest] = checkDrift([deribit(1, -4000, 44_000)], T, ctx);
    expect(rest).toEqual([]);
    expect(a?.kind).toBe('delta_drift');
    expect(a?.id).toBe(`delta_drift:d1:${T0}`);
    expect(a?.severity).toBe('warning');
    expect(a?.title).toBe('BTC carry on deribit drifted 9.1% long');
    // exposure = 1 − 4000 × 10 / 44,000 = 1/11 BTC
    expect(a?.data['exposure']).toBeCloseTo(1 / 11, 12);
    expect(a?.data['drift']).toBeCloseTo(1 / 11, 12);
    expect(a?.data['targetContracts']).toBeCloseTo(-4400, 9);
    expect(a?.actions).toEqual([
      { kind: 'order', venue: 'deribit', symbol: 'BTC/USD:BTC', leg: 'perp', side: 'sell', amount: 4000, contracts: 400, text: 'sell 400 BTC-PERPETUAL contracts on deribit' },
    ]);
    expect(a?.message).toContain('Sell 400 BTC-PERPETUAL contracts on deribit');
    expect(a?.message).toContain('to -4,400 contracts');
    expect(Math.abs(a?.data['residualAfter'] as number)).toBeLessThan(1e-12);
  });

  it('at 40,000 (the hedge price) nothing fires; at 36,000 it has drifted 11.1% short: buy 400, critical', () => {
    expect(checkDrift([deribit(1, -4000, 40_000)], T, ctx)).toEqual([]);
    const [a] = checkDrift([deribit(1, -4000, 36_000)], T, ctx);
    // exposure = 1 − 40,000 / 36,000 = −1/9; target −1 × 36,000 / 10 = −3,600
    expect(a?.data['exposure']).toBeCloseTo(-1 / 9, 12);
    expect(a?.severity).toBe('critical');
    expect(a?.title).toBe('BTC carry on deribit drifted 11.1% short');
    expect(a?.actions[0]).toMatchObject({ side: 'buy', amount: 4000, contracts: 400, text: 'buy 400 BTC-PERPETUAL contracts on deribit' });
  });

  it('counts the coin the perp P&L is booked in: with it, Example 2 at 44,000 is flat (no trade)', () => {
    // Short's coin P&L, Example 2: −4000 × 10 × (1/40,020 − 1/44,000) = −0.0904093 BTC, booked in the same BTC.
    const upl = -4000 * 10 * (1 / 40_020 - 1 / 44_000);
    expect(upl).toBeCloseTo(-0.0904093, 7);
    const input = deribit(1, -4000, 44_000, { collateral: { coin: 1 + upl, includesSpot: true } });
    // exposure = 0.9095907 − 0.9090909 = 0.0004998 BTC: 0.05%, the entry slippage, not drift
    expect(assessDrift(input, T).delta.exposure).toBeCloseTo(0.0004998, 7);
    expect(checkDrift([input], T, ctx)).toEqual([]);
  });

  it('corrects the spot leg when the perp lot is too coarse for the threshold', () => {
    // 0.010375 BTC vs −40 contracts at 40,000 (−0.01 BTC): exposure 0.000375 BTC = 3.61%. The perp
    // fix rounds −1.5 contracts to −2 and overshoots to −0.000125 (1.2% > 1%); selling 0.0004 BTC
    // spot (0.000375 on the 0.0001 lot) leaves −0.000025 / 0.009975 = 0.25%.
    const tight = { threshold: 0.01, critical: 0.1 };
    const [a] = checkDrift([deribit(0.010375, -40, 40_000)], tight, ctx);
    expect(a?.actions).toEqual([
      { kind: 'order', venue: 'deribit', symbol: 'BTC/USDC', leg: 'spot', side: 'sell', amount: 0.0004, contracts: null, text: 'sell 0.0004 BTC spot on deribit' },
    ]);
    expect(a?.data['residualAfter']).toBeCloseTo(-0.000025, 12);
    expect(a?.data['driftAfter']).toBeCloseTo(0.000025 / 0.009975, 12);
  });
});

describe('delta drift on linear perps, rounded to the lot', () => {
  it('binance: 0.50037 BTC spot vs −0.488 contracts drifts 2.47%: sell 0.012 contracts (0.01237 rounded to the 0.001 lot)', () => {
    const input: DriftInput = { position: binancePosition(0.50037, -0.488), markets: { spot: binanceSpot, perp: binancePerp }, mark: 50_000 };
    const [a] = checkDrift([input], T, ctx);
    expect(a?.data['drift']).toBeCloseTo(0.01237 / 0.50037, 12);
    expect(a?.actions).toEqual([
      { kind: 'order', venue: 'binance', symbol: 'BTC/USDT:USDT', leg: 'perp', side: 'sell', amount: 0.012, contracts: 0.012, text: 'sell 0.012 BTCUSDT contracts on binance' },
    ]);
    expect(a?.data['residualAfter']).toBeCloseTo(0.00037, 12);
    expect(a?.message).toContain('Net +0.01237 BTC (+618.50 USDT) at mark 50,000.00, 2.5% of the spot leg (limit 2%)');
  });

  it('okx: contracts of 0.01 BTC; 1.00372 BTC vs −97 contracts (0.97 BTC) → sell 3.37 contracts (3.372 on the 0.01 lot)', () => {
    const input: DriftInput = { position: okxPosition(1.00372, -97), markets: { spot: okxSpot, perp: okxPerp }, mark: 50_000 };
    const [a] = checkDrift([input], T, ctx);
    // exposure 0.03372 BTC = 3.36%; correction −3.372 contracts, nearest lot −3.37 (0.0337 BTC)
    expect(a?.data['correctionContracts']).toBeCloseTo(-3.372, 9);
    expect(a?.actions[0]).toMatchObject({ leg: 'perp', side: 'sell', amount: 3.37, contracts: 3.37, text: 'sell 3.37 BTC-USDT-SWAP contracts on okx' });
    expect(a?.data['residualAfter']).toBeCloseTo(0.00002, 12);
  });

  it('reverse carry (short spot, long perp) drifted short: buy perp contracts', () => {
    const input: DriftInput = {
      position: binancePosition(-0.5, 0.488, { direction: 'reverse' }),
      markets: { spot: binanceSpot, perp: binancePerp },
      mark: 50_000,
    };
    const [a] = checkDrift([input], T, ctx);
    expect(a?.title).toBe('BTC reverse on binance drifted 2.4% short');
    expect(a?.actions[0]).toMatchObject({ leg: 'perp', side: 'buy', amount: 0.012, text: 'buy 0.012 BTCUSDT contracts on binance' });
  });

  it('a drift no placeable order can fix still fires, as info, saying why', () => {
    // 0.00104 vs −0.001: 0.00004 BTC = 3.8%; the perp fix rounds to 0 lots, the spot fix is 2 USDT < minCost 5
    const input: DriftInput = { position: binancePosition(0.00104, -0.001), markets: { spot: binanceSpot, perp: binancePerp }, mark: 50_000 };
    const [a] = checkDrift([input], T, ctx);
    expect(a?.severity).toBe('info');
    expect(a?.actions).toEqual([]);
    expect(a?.message).toMatch(/No order fixes it: .*smaller than one lot.*below the minimum cost 5 USDT/);
  });

  it('within the threshold, not open, no mark, or flat: nothing fires', () => {
    const m = { spot: binanceSpot, perp: binancePerp };
    expect(checkDrift([{ position: binancePosition(0.5, -0.495), markets: m, mark: 50_000 }], T, ctx)).toEqual([]); // 1%
    expect(checkDrift([{ position: binancePosition(0.5, -0.4, { state: 'closing' }), markets: m, mark: 50_000 }], T, ctx)).toEqual([]);
    expect(checkDrift([{ position: binancePosition(0.5, -0.4), markets: m, mark: null }], T, ctx)).toEqual([]);
    expect(checkDrift([{ position: binancePosition(0, 0), markets: m, mark: 50_000 }], T, ctx)).toEqual([]);
  });

  it('an open perp with no spot left is unhedged: critical, close the perp', () => {
    const input: DriftInput = { position: binancePosition(0, -0.5), markets: { spot: binanceSpot, perp: binancePerp }, mark: 50_000 };
    const [a] = checkDrift([input], T, ctx);
    expect(a?.severity).toBe('critical');
    expect(a?.data['drift']).toBeNull();
    expect(a?.title).toBe('BTC carry on binance drifted unhedged short');
    expect(a?.actions[0]).toMatchObject({ leg: 'perp', side: 'buy', amount: 0.5 });
  });

  it('refuses thresholds that make no sense', () => {
    expect(() => checkDrift([], { threshold: 0, critical: 0.1 }, ctx)).toThrow(/positive/);
    expect(() => checkDrift([], { threshold: 0.05, critical: 0.02 }, ctx)).toThrow(/at least the threshold/);
  });
});
