import { describe, expect, it } from 'vitest';
import { initialMargin } from '../../src/monitor/liquidation.js';
import { assessMargin, checkMargin, type MarginInput, type MarginThresholds } from '../../src/monitor/margin.js';
import { binancePerp, binancePosition, binanceSpot, deribitPerp, deribitPosition, deribitSpot, T0 } from './fixtures.js';

const T: MarginThresholds = { floor: 0.15, target: 0.3, maintenanceMarginRate: 0.005 };
const ctx = { now: T0 };
const ENTRY = 50_000;
/** Paper posts notional / leverage at entry: 1 BTC at 50,000, 3x. */
const C = 50_000 / 3;

function binance(perpContracts: number, mark: number, collateral = C, over: Partial<MarginInput> = {}): MarginInput {
  return {
    position: binancePosition(-perpContracts, perpContracts),
    markets: { spot: binanceSpot, perp: binancePerp },
    mark,
    margin: { kind: 'model', collateral, entryPrice: ENTRY },
    ...over,
  };
}

describe('margin on a linear short (binance, 1 BTC, 3x at 50,000, mmr 0.5%)', () => {
  it('at entry it is 32.7% from liquidation: no alert', () => {
    expect(initialMargin({ settlement: 'linear', contracts: -1, contractSize: 1 }, ENTRY, 3)).toBeCloseTo(C, 9);
    expect(checkMargin([binance(-1, 50_000)], T, ctx)).toEqual([]);
  });

  it('at 58,000 it is 14.4% away: transfer 9,110.34 USDT spot → swap restores 30%', () => {
    // E = 16,666.67 − 8,000 = 8,666.67; liq (58,000 + 8,666.67) / 1.005 = 66,334.99 (14.37% away).
    // Target 58,000 × 1.3 = 75,400 needs E = 75,400 × 1.005 − 58,000 = 17,777: transfer 9,110.33 → 9,110.34 up.
    const [a, ...rest] = checkMargin([binance(-1, 58_000)], T, ctx);
    expect(rest).toEqual([]);
    expect(a?.id).toBe(`margin:b1:${T0}`);
    expect(a?.severity).toBe('warning');
    expect(a?.data['distance']).toBeCloseTo(66_666.666_666_666_67 / 1.005 / 58_000 - 1, 12);
    expect(a?.data['transferNeeded']).toBeCloseTo(9_110.333_333_333, 6);
    expect(a?.actions).toEqual([
      { kind: 'transfer', venue: 'binance', currency: 'USDT', amount: 9110.34, from: 'spot', to: 'swap', text: 'transfer 9,110.34 USDT from spot to swap on binance' },
    ]);
    expect(a?.title).toBe('BTC carry on binance: perp 14.4% from liquidation');
    expect(a?.message).toContain('Or reduce: buy 0.513 BTCUSDT contracts on binance and sell 0.513 BTC spot on binance.');
  });

  it('the suggested transfer, applied, puts the distance at the target and clears the alert', () => {
    const [a] = checkMargin([binance(-1, 58_000)], T, ctx);
    const transfer = a?.actions[0];
    if (transfer?.kind !== 'transfer') throw new Error('expected a transfer');
    const after = binance(-1, 58_000, C + transfer.amount);
    expect(assessMargin(after, T).liquidation.distance).toBeGreaterThanOrEqual(T.target);
    expect(checkMargin([after], T, ctx)).toEqual([]);
  });

  it('when the source account is short of it, the action is the reduction, which applied also clears the alert', () => {
    const [a] = checkMargin([binance(-1, 58_000, C, { transferable: 5000 })], T, ctx);
    // keep 8,666.67 / 17,777 = 0.48752 BTC: cut 0.51248 → 0.513 up to the 0.001 lot; spot the same
    expect(a?.actions).toEqual([
      { kind: 'order', venue: 'binance', symbol: 'BTC/USDT:USDT', leg: 'perp', side: 'buy', amount: 0.513, contracts: 0.513, text: 'buy 0.513 BTCUSDT contracts on binance' },
      { kind: 'order', venue: 'binance', symbol: 'BTC/USDT', leg: 'spot', side: 'sell', amount: 0.513, contracts: null, text: 'sell 0.513 BTC spot on binance' },
    ]);
    expect(a?.message).toMatch(/^Perp short 1 contract liquidates at 66,334.99 \(mark 58,000.00\): 14.4% away, floor 15%\. Free 5,000 USDT in spot is less than the 9,110.34 needed/);
    // Buying back 0.513 at 58,000 realises 0.513 × −8,000 into the collateral; the balance stays 8,666.67.
    const reduced: MarginInput = {
      ...binance(-0.487, 58_000, C - 0.513 * 8000),
      position: binancePosition(0.487, -0.487),
    };
    expect(assessMargin(reduced, T).liquidation.distance).toBeGreaterThanOrEqual(T.target);
    expect(checkMargin([reduced], T, ctx)).toEqual([]);
  });

  it('critical under half the floor, and at or beyond liquidation', () => {
    // 63,000: E = 3,666.67, liq 66,334.99, 5.3% away
    const [near] = checkMargin([binance(-1, 63_000)], T, ctx);
    expect(near?.severity).toBe('critical');
    const [beyond] = checkMargin([binance(-1, 67_000)], T, ctx);
    expect(beyond?.severity).toBe('critical');
    expect(beyond?.title).toBe('BTC carry on binance: perp at liquidation');
    expect(beyond?.message).toContain('at or beyond liquidation');
  });

  it('live: the venue\'s liquidation price is used, and the transfer follows from it', () => {
    // Venue says 66,000 at mark 58,000 (13.8%). Transfer = (75,400 − 66,000) × 1.005 = 9,447.
    const input = binance(-1, 58_000, C, { margin: { kind: 'venue', liquidationPrice: 66_000 } });
    const [a] = checkMargin([input], T, ctx);
    expect(a?.data['liquidationSource']).toBe('venue');
    expect(a?.data['distance']).toBeCloseTo(8000 / 58_000, 12);
    expect(a?.actions[0]).toMatchObject({ kind: 'transfer', amount: 9447, currency: 'USDT' });
    // none reported (null, or a raw 0) = no liquidation
    expect(checkMargin([binance(-1, 58_000, C, { margin: { kind: 'venue', liquidationPrice: null } })], T, ctx)).toEqual([]);
    expect(checkMargin([binance(-1, 58_000, C, { margin: { kind: 'venue', liquidationPrice: 0 } })], T, ctx)).toEqual([]);
  });

  it('a per-venue maintenance rate overrides the default', () => {
    const a = assessMargin(binance(-1, 58_000), { ...T, maintenanceMarginRateByVenue: { binance: 0.01 } });
    // (58,000 + 8,666.67) / 1.01
    expect(a.liquidation.price).toBeCloseTo(66_666.666_666_666_67 / 1.01, 6);
  });

  it('nothing for a flat perp, a closed position or an unknown mark; thresholds must make sense', () => {
    expect(checkMargin([{ ...binance(-1, 58_000), position: binancePosition(1, 0) }], T, ctx)).toEqual([]);
    expect(checkMargin([{ ...binance(-1, 58_000), position: binancePosition(1, -1, { state: 'closed' }) }], T, ctx)).toEqual([]);
    expect(checkMargin([{ ...binance(-1, 58_000), mark: null }], T, ctx)).toEqual([]);
    expect(() => checkMargin([], { ...T, target: 0.1 }, ctx)).toThrow(/above the floor/);
  });
});

describe('margin on an inverse perp (deribit BTC-PERPETUAL, 10 USD contracts)', () => {
  function deribit(spotQty: number, coin: number, mark: number): MarginInput {
    return {
      position: deribitPosition(spotQty, -4000),
      markets: { spot: deribitSpot, perp: deribitPerp },
      mark,
      margin: { kind: 'model', collateral: coin, entryPrice: 40_000 },
    };
  }

  it('the carry hedge margined by its own spot coin is never liquidated, whatever the price', () => {
    for (const mark of [20_000, 44_000, 80_000, 400_000]) expect(checkMargin([deribit(1, 1, mark)], T, ctx)).toEqual([]);
  });

  it('short 40,000 USD on 0.2 BTC: at 46,000 it is 8.2% away; deposit 0.13444817 BTC restores 30%, and clears the alert', () => {
    // E = 0.2 − 40,000 (1/40,000 − 1/46,000) = 0.0695652; liq 40,000 × 0.995 / (0.8695652 − 0.0695652) = 49,750.
    // Target 59,800 needs E = 40,000 (1/46,000 − 0.995/59,800) = 0.2040134: 0.1344482 more, 0.13444817 up.
    const [a] = checkMargin([deribit(0.2, 0.2, 46_000)], T, ctx);
    expect(a?.data['liquidationPrice']).toBeCloseTo(49_750, 6);
    expect(a?.data['distance']).toBeCloseTo(49_750 / 46_000 - 1, 12);
    expect(a?.actions).toEqual([
      { kind: 'transfer', venue: 'deribit', currency: 'BTC', amount: 0.13444817, from: 'external', to: 'main', text: 'deposit 0.13444817 BTC into the deribit account' },
    ]);
    expect(a?.message).toContain('No reduction: not computed for an inverse perp, whose margin is its coin');
    const after = deribit(0.2, 0.2 + 0.13444817, 46_000);
    expect(assessMargin(after, T).liquidation.distance).toBeGreaterThanOrEqual(T.target);
    expect(checkMargin([after], T, ctx)).toEqual([]);
  });
});
