import { describe, expect, it } from 'vitest';
import type { FundingSnapshot } from '../../src/domain/market.js';
import { checkFunding, fundingThresholds, paymentPerInterval, type FundingThresholds } from '../../src/monitor/funding.js';
import { binancePosition, deribitPosition, T0 } from './fixtures.js';

const T: FundingThresholds = { flipToleranceApr: 0, exitApr: 0.02 };
const ctx = { now: T0 };
const NEXT = Date.UTC(2026, 7, 10, 16, 0, 0);

function snap(rate: number, intervalHours = 8, over: Partial<FundingSnapshot> = {}): FundingSnapshot {
  return {
    venue: 'binance', symbol: 'BTC/USDT:USDT', base: 'BTC', quote: 'USDT', settle: 'USDT', settlement: 'linear', contractSize: 1,
    rate, intervalHours, intervalSource: 'venue', continuous: false, rateKind: 'predicted', nextFundingTime: NEXT,
    markPrice: 50_000, indexPrice: 49_990, eventTime: T0, receivedAt: T0, ...over,
  };
}

const carry = binancePosition(1, -1);
const kinds = (rate: number, intervalHours = 8, position = carry, t = T) =>
  checkFunding([{ position, snapshot: snap(rate, intervalHours) }], t, ctx).map((a) => `${a.kind}/${a.severity}`);

describe('funding checks', () => {
  // rate per 8h → APR = rate × 3 × 365 (1.095 × rate × 1000)
  it.each([
    ['0.0001 / 8h (10.95% APR): healthy', 0.0001, []],
    ['0.00001 / 8h (1.095% APR): under the 2% exit', 0.00001, ['funding_below_exit/info']],
    ['0 exactly: not against, but under the exit', 0, ['funding_below_exit/info']],
    ['−0.0001 / 8h (−10.95% APR): flipped and under the exit', -0.0001, ['funding_flip/warning', 'funding_below_exit/info']],
  ] as const)('carry, %s', (_name, rate, expected) => {
    expect(kinds(rate)).toEqual(expected);
  });

  it('a reverse carry (long perp) is against a positive rate', () => {
    const reverse = binancePosition(-1, 1, { direction: 'reverse' });
    expect(kinds(0.0001, 8, reverse)).toEqual(['funding_flip/warning', 'funding_below_exit/info']);
    expect(kinds(-0.0001, 8, reverse)).toEqual([]);
  });

  it('the flip tolerance lets a slightly negative rate through (still under the exit)', () => {
    // −0.00001 / 8h = −1.095% APR, tolerance 2%
    expect(kinds(-0.00001, 8, carry, { flipToleranceApr: 0.02, exitApr: 0.02 })).toEqual(['funding_below_exit/info']);
  });

  it('the flip message says what the position pays and when', () => {
    const [flip] = checkFunding([{ position: carry, snapshot: snap(-0.0001) }], T, ctx);
    // −q × cs × M × r = −(−1) × 1 × 50,000 × −0.0001 = −5 USDT
    expect(flip?.data['paymentPerInterval']).toBeCloseTo(-5, 12);
    expect(flip?.data['aprInFavour']).toBeCloseTo(-0.1095, 12);
    expect(flip?.message).toBe(
      "Predicted rate -0.01% per 8h = -10.95% APR in the position's favour; the position pays about 5.00 USDT at 2026-08-10 16:00 UTC. Close it if this persists; the strategy's exit rules count settlements against.",
    );
    expect(flip?.nextFundingTime).toBe(NEXT);
    expect(flip?.id).toBe(`funding_flip:b1:${T0}`);
  });

  it('interval change from the interval at entry: shorter is a warning, longer info', () => {
    // 0.0001 per 1h = 87.6% APR: healthy, only the interval fires
    const [shorter] = checkFunding([{ position: carry, snapshot: snap(0.0001, 1) }], T, ctx);
    expect(shorter?.kind).toBe('interval_change');
    expect(shorter?.severity).toBe('warning');
    expect(shorter?.title).toBe('BTC carry on binance: funding interval 8h → 1h');
    expect(shorter?.data['aprInFavour']).toBeCloseTo(0.876, 12);
    const [longer] = checkFunding([{ position: binancePosition(1, -1, { intervalHours: 4 }), snapshot: snap(0.0001, 8) }], T, ctx);
    expect(longer?.kind).toBe('interval_change');
    expect(longer?.severity).toBe('info');
  });

  it('a baseline the caller passes replaces the entry interval', () => {
    expect(checkFunding([{ position: carry, snapshot: snap(0.0001, 1), baselineIntervalHours: 1 }], T, ctx)).toEqual([]);
  });

  it('nothing without a snapshot, for a flat perp or a closed position', () => {
    expect(checkFunding([{ position: carry, snapshot: null }], T, ctx)).toEqual([]);
    expect(checkFunding([{ position: binancePosition(0, 0), snapshot: snap(-0.001) }], T, ctx)).toEqual([]);
    expect(checkFunding([{ position: binancePosition(1, -1, { state: 'closed' }), snapshot: snap(-0.001) }], T, ctx)).toEqual([]);
  });

  it('exit threshold defaults to the strategy\'s exitRateBelow', () => {
    expect(fundingThresholds({ flipToleranceApr: 0, exitApr: null }, 0.02)).toEqual({ flipToleranceApr: 0, exitApr: 0.02 });
    expect(fundingThresholds({ flipToleranceApr: 0.01, exitApr: 0.05 }, 0.02)).toEqual({ flipToleranceApr: 0.01, exitApr: 0.05 });
  });
});

describe('payment per interval (accounting.md "Funding")', () => {
  it('inverse: −q × cs × r in USD; Example 2: 4,000 × 10 at r8h 0.0003 receives 12 USD', () => {
    expect(paymentPerInterval(deribitPosition(1, -4000), 0.0003, null)).toBeCloseTo(12, 12);
  });
  it('linear: −q × cs × M × r; Example 1 settlement 1: 0.2 BTC short at 50,100 and 0.0001 receives 1.002', () => {
    expect(paymentPerInterval(binancePosition(0.2, -0.2), 0.0001, 50_100)).toBeCloseTo(1.002, 12);
    expect(paymentPerInterval(binancePosition(0.2, -0.2), 0.0001, null)).toBeNull();
  });
});
