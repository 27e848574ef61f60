import { describe, expect, it } from 'vitest';
import type { OrderFilled } from '../../src/domain/events.js';
import { inverseSpec, linearSpec } from '../store/fixtures.js';
import {
  ACCRUAL_REASONS,
  dueFunding,
  heldBetween,
  heldFromFills,
  type FundingAccrualInput,
  type FundingObservation,
} from '../../src/engine/funding-accrual.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 7, 10); // 2026-08-10 00:00 UTC

/**
 * A scan every `every` ms over [from, to]: each names the next settlement strictly after it on a
 * UTC-midnight-aligned grid of `intervalHours`, as Binance/Bybit report nextFundingTime.
 */
function scans(
  intervalHours: number,
  from: number,
  to: number,
  opts: { every?: number; rate?: (t: number) => number; mark?: number | null } = {},
): FundingObservation[] {
  const step = intervalHours * HOUR;
  const out: FundingObservation[] = [];
  for (let t = from; t <= to; t += opts.every ?? 15 * MIN) {
    out.push({
      rate: opts.rate ? opts.rate(t) : 0.0001,
      nextFundingTime: (Math.floor(t / step) + 1) * step,
      markPrice: opts.mark === undefined ? 50_000 : opts.mark,
      intervalHours,
      receivedAt: t,
    });
  }
  return out;
}

function input(over: Partial<FundingAccrualInput>): FundingAccrualInput {
  return {
    spec: linearSpec('p1', { intervalHours: 8 }),
    held: heldBetween(-0.2, T0 + MIN, null),
    observations: scans(8, T0 - HOUR, T0 + 25 * HOUR),
    paidThrough: null,
    now: T0 + 24 * HOUR + MIN,
    ...over,
  };
}

describe('dueFunding, discrete settlements', () => {
  it.each([
    { interval: 1, count: 24 },
    { interval: 8, count: 3 },
  ])('a $interval h perp held for a day is paid $count times', ({ interval, count }) => {
    const r = dueFunding(input({ spec: linearSpec('p1', { intervalHours: interval }), observations: scans(interval, T0 - HOUR, T0 + 25 * HOUR) }));
    expect(r.payments).toHaveLength(count);
    expect(r.skipped).toEqual([]);
    const expectedTimes = Array.from({ length: count }, (_, i) => T0 + (i + 1) * interval * HOUR);
    expect(r.payments.map((p) => p.settlementTime)).toEqual(expectedTimes);
    // Each settlement: 0.2 × 50,000 × 0.0001 = 1 USDT to the short.
    for (const p of r.payments) {
      expect(p.amount).toBeCloseTo(1, 12);
      expect(p).toMatchObject({ type: 'funding.payment', positionId: 'p1', symbol: 'BTC/USDT:USDT', contracts: -0.2, currency: 'USDT', periodStart: null, ts: T0 + 24 * HOUR + MIN });
    }
    expect(r.through).toBe(T0 + 24 * HOUR);
  });

  it.each([
    { name: 'opened just before 08:00', open: T0 + 8 * HOUR - 1, close: null, paid: [8, 16] },
    { name: 'opened exactly at 08:00', open: T0 + 8 * HOUR, close: null, paid: [16] },
    { name: 'opened just after 08:00', open: T0 + 8 * HOUR + 1, close: null, paid: [16] },
    { name: 'closed just before 08:00', open: T0 + HOUR, close: T0 + 8 * HOUR - 1, paid: [] },
    { name: 'closed exactly at 08:00 (open up to it)', open: T0 + HOUR, close: T0 + 8 * HOUR, paid: [8] },
    { name: 'closed just after 08:00', open: T0 + HOUR, close: T0 + 8 * HOUR + 1, paid: [8] },
  ])('$name', ({ open, close, paid }) => {
    const r = dueFunding(input({ held: heldBetween(-0.2, open, close), now: T0 + 16 * HOUR + 30 * MIN }));
    expect(r.payments.map((p) => (p.settlementTime - T0) / HOUR)).toEqual(paid);
    expect(r.skipped).toEqual([]);
  });

  it('uses the last rate observed before the settlement and the last mark at or before it', () => {
    const T = T0 + 8 * HOUR;
    const observations: FundingObservation[] = [
      { rate: 0.0001, nextFundingTime: T, markPrice: 49_000, intervalHours: 8, receivedAt: T - HOUR },
      { rate: 0.0003, nextFundingTime: T, markPrice: 50_000, intervalHours: 8, receivedAt: T - MIN },
      // After the settlement: neither its rate nor its mark may be used.
      { rate: 0.0005, nextFundingTime: T, markPrice: 70_000, intervalHours: 8, receivedAt: T + 1 },
      { rate: 0.0009, nextFundingTime: T + 8 * HOUR, markPrice: 71_000, intervalHours: 8, receivedAt: T + MIN },
    ];
    const marks = [
      { at: T, price: 50_100 },
      { at: T + 1, price: 99_999 },
    ];
    const r = dueFunding(input({ held: heldBetween(-0.2, T0, null), observations, marks, now: T + HOUR }));
    expect(r.payments).toHaveLength(1);
    const [p] = r.payments;
    expect(p?.rate).toBe(0.0003);
    expect(p?.markPrice).toBe(50_100);
    // 0.2 × 50,100 × 0.0003 = 3.006
    expect(p?.amount).toBeCloseTo(3.006, 12);
  });

  it('a venue whose funding feed has no mark (OKX scan) uses marks passed separately, and skips without one', () => {
    const observations = scans(8, T0, T0 + 9 * HOUR, { mark: null });
    const noMark = dueFunding(input({ held: heldBetween(-0.2, T0 + MIN, null), observations, now: T0 + 9 * HOUR }));
    expect(noMark.payments).toEqual([]);
    expect(noMark.skipped.map((s) => s.settlementTime)).toEqual([T0 + 8 * HOUR]);
    expect(noMark.skipped[0]?.reason).toContain(ACCRUAL_REASONS.noMark);

    const withMark = dueFunding(input({ held: heldBetween(-0.2, T0 + MIN, null), observations, marks: [{ at: T0 + 7 * HOUR, price: 60_000 }], now: T0 + 9 * HOUR }));
    expect(withMark.payments.map((p) => p.markPrice)).toEqual([60_000]);
  });

  it('restarting with the last paid settlement never pays one twice', () => {
    const all = dueFunding(input({}));
    const after16 = dueFunding(input({ paidThrough: T0 + 16 * HOUR }));
    expect(after16.payments.map((p) => p.settlementTime)).toEqual([T0 + 24 * HOUR]);
    expect(dueFunding(input({ paidThrough: all.through })).payments).toEqual([]);

    // A bot ticking every 5 minutes, restarting from the ledger's last paid each time, books
    // exactly what one call at the end books.
    const booked: number[] = [];
    let paidThrough: number | null = null;
    for (let now = T0; now <= T0 + 24 * HOUR + MIN; now += 5 * MIN) {
      const r = dueFunding(input({ paidThrough, now, observations: scans(8, T0 - HOUR, now) }));
      for (const p of r.payments) booked.push(p.settlementTime);
      paidThrough = r.payments.at(-1)?.settlementTime ?? paidThrough;
    }
    expect(booked).toEqual(all.payments.map((p) => p.settlementTime));
  });

  it('a settlement no scan saw is reported as skipped, not paid at 0', () => {
    // Down from 06:00 to 17:00: 08:00 was predicted before the outage, 16:00 never seen.
    const observations = [...scans(8, T0, T0 + 6 * HOUR), ...scans(8, T0 + 17 * HOUR, T0 + 18 * HOUR)];
    const r = dueFunding(input({ held: heldBetween(-0.2, T0 + MIN, null), observations, now: T0 + 18 * HOUR }));
    expect(r.payments.map((p) => p.settlementTime)).toEqual([T0 + 8 * HOUR]);
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]).toMatchObject({ positionId: 'p1', settlementTime: T0 + 16 * HOUR });
    expect(r.skipped[0]?.reason).toContain(ACCRUAL_REASONS.noRate);
    expect(r.through).toBe(T0 + 16 * HOUR);
    // Remembering `through`, the skip is not reported again.
    expect(dueFunding(input({ held: heldBetween(-0.2, T0 + MIN, null), observations, paidThrough: r.through, now: T0 + 18 * HOUR }))).toMatchObject({ payments: [], skipped: [] });
  });

  it('a settlement right after opening that no scan saw is skipped too', () => {
    // Opened 07:59, first scan 08:01 already names 16:00.
    const r = dueFunding(input({ held: heldBetween(-0.2, T0 + 8 * HOUR - MIN, null), observations: scans(8, T0 + 8 * HOUR + MIN, T0 + 9 * HOUR), now: T0 + 9 * HOUR }));
    expect(r.payments).toEqual([]);
    expect(r.skipped.map((s) => s.settlementTime)).toEqual([T0 + 8 * HOUR]);
  });

  it('follows an interval change 8h → 1h as the venue reports nextFundingTime', () => {
    const observations = [...scans(8, T0, T0 + 8 * HOUR - MIN), ...scans(1, T0 + 8 * HOUR, T0 + 13 * HOUR)];
    const r = dueFunding(input({ held: heldBetween(-0.2, T0 + MIN, null), observations, now: T0 + 12 * HOUR + 30 * MIN }));
    expect(r.payments.map((p) => (p.settlementTime - T0) / HOUR)).toEqual([8, 9, 10, 11, 12]);
    expect(r.skipped).toEqual([]);
  });

  it('follows an interval change 1h → 8h without inventing settlements in between', () => {
    const observations = [...scans(1, T0, T0 + 4 * HOUR - MIN), ...scans(8, T0 + 4 * HOUR, T0 + 17 * HOUR)];
    const r = dueFunding(input({ held: heldBetween(-0.2, T0 + 30 * MIN, null), observations, now: T0 + 16 * HOUR + 30 * MIN }));
    expect(r.payments.map((p) => (p.settlementTime - T0) / HOUR)).toEqual([1, 2, 3, 4, 8, 16]);
    expect(r.skipped).toEqual([]);
  });

  it('pays the contracts held at each settlement when a rebalance changed them', () => {
    const held = [
      { at: T0 + MIN, contracts: -0.2 },
      { at: T0 + 10 * HOUR, contracts: -0.3 },
      { at: T0 + 20 * HOUR, contracts: 0 },
    ];
    const r = dueFunding(input({ held }));
    expect(r.payments.map((p) => [(p.settlementTime - T0) / HOUR, p.contracts])).toEqual([
      [8, -0.2],
      [16, -0.3],
    ]);
    // 0.3 × 50,000 × 0.0001 = 1.5
    expect(r.payments[1]?.amount).toBeCloseTo(1.5, 12);
  });

  it('nothing held, nothing due', () => {
    expect(dueFunding(input({ held: [] }))).toEqual({ payments: [], skipped: [], through: null });
  });

  it('refuses held contracts out of time order', () => {
    expect(() => dueFunding(input({ held: [{ at: 2, contracts: -1 }, { at: 1, contracts: 0 }] }))).toThrow(RangeError);
  });
});

describe('dueFunding, continuous (Deribit)', () => {
  const obs = (from: number, to: number, rate = 0.0003, mark = 40_010): FundingObservation[] => {
    const out: FundingObservation[] = [];
    for (let t = from; t <= to; t += MIN) out.push({ rate, nextFundingTime: null, markPrice: mark, intervalHours: 8, receivedAt: t });
    return out;
  };
  const base = (over: Partial<FundingAccrualInput>): FundingAccrualInput => ({
    spec: inverseSpec('d1'),
    held: heldBetween(-4000, T0, null),
    observations: obs(T0, T0 + 8 * HOUR),
    paidThrough: null,
    now: T0 + 8 * HOUR,
    ...over,
  });

  it('Example 2: 8h at 0.0003, mark 40,010 accrues 12.00 USD = 12 / 40,010 BTC', () => {
    const r = dueFunding(base({}));
    expect(r.payments).toHaveLength(1);
    expect(r.payments[0]).toMatchObject({ periodStart: T0, settlementTime: T0 + 8 * HOUR, currency: 'BTC', settlement: 'inverse', contracts: -4000 });
    expect(r.payments[0]?.amountQuote).toBeCloseTo(12, 9);
    expect(r.payments[0]?.amount).toBeCloseTo(12 / 40_010, 15);
    expect(r.through).toBe(T0 + 8 * HOUR);
  });

  function accrue(callTimes: readonly number[]): number {
    let paidThrough: number | null = null;
    let total = 0;
    for (const now of callTimes) {
      const r = dueFunding(base({ now, paidThrough, observations: obs(T0, now) }));
      for (const p of r.payments) total += p.amount;
      paidThrough = r.through;
    }
    return total;
  }

  it('accrual across a restart equals uninterrupted accrual to 1e-12', () => {
    const everyMinute = Array.from({ length: 8 * 60 }, (_, i) => T0 + (i + 1) * MIN);
    // Crash at 03:17, restart at 08:00 from the ledger's last accrual end.
    const withRestart = [...everyMinute.filter((t) => t <= T0 + 3 * HOUR + 17 * MIN), T0 + 8 * HOUR];
    const uninterrupted = accrue(everyMinute);
    expect(uninterrupted).toBeCloseTo(12 / 40_010, 15);
    expect(Math.abs(accrue(withRestart) - uninterrupted)).toBeLessThan(1e-12);
  });

  it('one payment per stretch of constant contracts, nothing after the close', () => {
    const held = [
      { at: T0, contracts: -4000 },
      { at: T0 + 2 * HOUR, contracts: -2000 },
      { at: T0 + 6 * HOUR, contracts: 0 },
    ];
    const r = dueFunding(base({ held }));
    expect(r.payments.map((p) => [p.periodStart, p.settlementTime, p.contracts])).toEqual([
      [T0, T0 + 2 * HOUR, -4000],
      [T0 + 2 * HOUR, T0 + 6 * HOUR, -2000],
    ]);
    // 4000 × 10 × 0.0003 × 2/8 = 3 USD; 2000 × 10 × 0.0003 × 4/8 = 3 USD
    expect(r.payments.map((p) => p.amountQuote)).toEqual([expect.closeTo(3, 12), expect.closeTo(3, 12)]);
    expect(r.through).toBe(T0 + 6 * HOUR);
  });

  it('with no rate observed yet it waits, then accrues the whole period once one arrives', () => {
    const waiting = dueFunding(base({ observations: [], now: T0 + 4 * HOUR }));
    expect(waiting.payments).toEqual([]);
    expect(waiting.skipped[0]?.reason).toBe(ACCRUAL_REASONS.noContinuousRate);
    expect(waiting.through).toBeNull();
    const later = dueFunding(base({ paidThrough: waiting.through, observations: obs(T0 + 8 * HOUR, T0 + 8 * HOUR) }));
    expect(later.payments.map((p) => p.periodStart)).toEqual([T0]);
    expect(later.payments[0]?.amountQuote).toBeCloseTo(12, 9);
  });

  it('accrues at the latest rate and mark observed', () => {
    const observations = [...obs(T0, T0 + 4 * HOUR), ...obs(T0 + 6 * HOUR, T0 + 6 * HOUR, 0.0006, 40_000)];
    const r = dueFunding(base({ observations }));
    expect(r.payments[0]).toMatchObject({ rate: 0.0006, markPrice: 40_000 });
    // 4000 × 10 × 0.0006 = 24 USD for 8h
    expect(r.payments[0]?.amountQuote).toBeCloseTo(24, 9);
  });
});

describe('heldFromFills', () => {
  const fill = (ts: number, side: 'buy' | 'sell', contracts: number, leg: 'spot' | 'perp' = 'perp'): OrderFilled => ({
    type: 'order.fill',
    ts,
    fillId: `f${ts}${side}${contracts}`,
    orderId: 'o',
    positionId: 'p1',
    venue: 'binance',
    leg,
    symbol: leg === 'perp' ? 'BTC/USDT:USDT' : 'BTC/USDT',
    side,
    price: 100,
    amount: contracts,
    baseQty: contracts,
    contracts: leg === 'perp' ? contracts : null,
    quoteNotional: contracts * 100,
    fee: 0,
    feeCurrency: 'USDT',
    feeQuote: 0,
  });

  it('sums signed perp fills, merges fills at one instant, ignores spot, snaps a float residue to 0', () => {
    const held = heldFromFills([fill(1, 'sell', 0.1), fill(1, 'sell', 0.2), fill(2, 'buy', 5, 'spot'), fill(3, 'buy', 0.3)]);
    expect(held).toEqual([
      { at: 1, contracts: -0.30000000000000004 },
      { at: 3, contracts: 0 },
    ]);
  });
});
