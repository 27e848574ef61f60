/** The gate's refusals: each cap with its code, limit and value, the order they are checked in, and what stays allowed. */
import { describe, expect, it } from 'vitest';
import { riskSchema } from '../../src/config/schema.js';
import {
  checkDailyLoss,
  checkLeverage,
  checkLiquidationDistance,
  checkOpenRisk,
  dayLoss,
  denialRecord,
  gateClose,
  gateOpen,
  type DayPnl,
  type GateDenial,
  type OpenChecks,
  utcDayStart,
} from '../../src/engine/risk-gate.js';
import { validateEvent } from '../../src/store/event-schema.js';

const caps = riskSchema.parse({ maxPositionNotional: 25_000, maxVenueNotional: 40_000, maxTotalNotional: 60_000, maxLeverage: 3, minLiquidationDistance: 0.25, dailyLossLimit: 500 });
const day = (realised: number, funding: number, fees: number): DayPnl => ({ realised, funding, fees });

describe('checkLeverage', () => {
  const cases: [number, GateDenial | null][] = [
    [2.5, null],
    [3, null],
    [4.2, { allow: false, code: 'leverage', reason: 'leverage 4.20 over risk.maxLeverage 3', limit: 3, value: 4.2 }],
    [Number.NaN, { allow: false, code: 'leverage', reason: 'leverage NaN over risk.maxLeverage 3', limit: 3, value: Number.NaN }],
  ];
  it.each(cases)('leverage %s', (lev, expected) => expect(checkLeverage(caps, lev)).toEqual(expected));
});

describe('checkLiquidationDistance', () => {
  const cases: [number, GateDenial | null][] = [
    [0.4, null],
    [0.25, null],
    [0.18, { allow: false, code: 'liquidation_distance', reason: 'liquidation distance 0.180 under risk.minLiquidationDistance 0.25', limit: 0.25, value: 0.18 }],
    [0, { allow: false, code: 'liquidation_distance', reason: 'liquidation distance 0.000 under risk.minLiquidationDistance 0.25', limit: 0.25, value: 0 }],
  ];
  it.each(cases)('distance %s', (d, expected) => expect(checkLiquidationDistance(caps, d)).toEqual(expected));
});

describe('checkDailyLoss: realised + funding − fees of the UTC day', () => {
  const cases: [string, DayPnl, number | null][] = [
    ['a profitable day', day(300, 20, 10), null],
    ['a loss under the limit', day(-400, 0, 99.99), null],
    ['exactly at the limit refuses', day(-400, 0, 100), 500],
    ['fees alone can reach it', day(0, 0, 600), 600],
    ['funding paid counts', day(-300, -150, 62.3), 512.3],
    ['rebates reduce the loss', day(-520, 0, -30), null],
  ];
  it.each(cases)('%s', (_name, d, loss) => {
    const r = checkDailyLoss(caps, d);
    if (loss === null) return expect(r).toBeNull();
    expect(r).toMatchObject({ allow: false, code: 'daily_loss', limit: 500 });
    expect(r?.value).toBeCloseTo(loss, 9);
    expect(r?.reason).toMatch(new RegExp(`^daily loss ${loss.toFixed(2)} at or over risk\\.dailyLossLimit 500 \\(realised`));
  });

  it('dayLoss is the negated net', () => {
    expect(dayLoss(day(-100, 10, 5))).toBe(95);
    expect(dayLoss(day(100, 10, 5))).toBe(-105);
  });
});

describe('gateOpen with checks: which refusal wins', () => {
  const bad: OpenChecks = { leverage: 5, liquidationDistance: 0.1, day: day(-1_000, 0, 0) };
  const cases: [string, Parameters<typeof gateOpen>[0], OpenChecks, { venue: string; notional: number }[], string][] = [
    ['the state before everything', 'reducing', bad, [], 'state'],
    ['then the day loss', 'active', bad, [], 'daily_loss'],
    ['then leverage', 'active', { ...bad, day: day(0, 0, 0) }, [], 'leverage'],
    ['then the liquidation distance', 'active', { liquidationDistance: 0.1, leverage: 2 }, [], 'liquidation_distance'],
    ['then the caps', 'active', { leverage: 2, liquidationDistance: 0.3, day: day(0, 0, 0) }, [{ venue: 'binance', notional: 40_000 }], 'venue_cap'],
  ];
  it.each(cases)('%s', (_name, state, checks, open, code) => {
    const r = gateOpen(state, caps, 'binance', 10_000, open, checks);
    expect(r).toMatchObject({ allow: false, code });
    expect(checkOpenRisk(state, caps, checks)?.code ?? 'venue_cap').toBe(code);
  });

  it('passing checks leave the caps to size the position, as without checks', () => {
    const checks: OpenChecks = { leverage: 3, liquidationDistance: 0.3, day: day(-499, 0, 0) };
    expect(gateOpen('active', caps, 'binance', 30_000, [], checks)).toEqual({ allow: true, notional: 25_000, bound: 'position_cap' });
    expect(gateOpen('active', caps, 'binance', 30_000, [])).toEqual(gateOpen('active', caps, 'binance', 30_000, [], checks));
  });
});

describe('gateOpen caps: code, limit and the open notional that used them', () => {
  const cases: [string, number, { venue: string; notional: number }[], OpenChecks, Partial<GateDenial>][] = [
    ['venue cap reached', 5_000, [{ venue: 'binance', notional: 40_000 }], {}, { code: 'venue_cap', limit: 40_000, value: 40_000, reason: 'open notional 40000.00 on binance at risk.maxVenueNotional 40000: cap reached' }],
    ['total cap reached', 5_000, [{ venue: 'okx', notional: 35_000 }, { venue: 'bybit', notional: 30_000 }], {}, { code: 'total_cap', limit: 60_000, value: 65_000, reason: 'open notional 65000.00 at risk.maxTotalNotional 60000: cap reached' }],
    ['venue room under the smallest position', 5_000, [{ venue: 'binance', notional: 39_950 }], { minNotional: 100 }, { code: 'venue_cap', limit: 40_000, value: 39_950, reason: 'room 50.00 left under risk.maxVenueNotional 40000 on binance (open 39950.00) is under the smallest position 100' }],
    ['a position cap under the smallest position', 40_000, [], { minNotional: 30_000 }, { code: 'position_cap', limit: 25_000, value: 25_000, reason: 'risk.maxPositionNotional 25000 is under the smallest position 30000' }],
    ['nothing requested', 0, [], {}, { code: 'position_cap', reason: 'requested notional 0 is not positive' }],
  ];
  it.each(cases)('%s', (_name, requested, open, checks, expected) => {
    expect(gateOpen('active', caps, 'binance', requested, open, checks)).toMatchObject({ allow: false, ...expected });
  });

  it('room at or over the smallest position is allowed at the room', () => {
    expect(gateOpen('active', caps, 'binance', 5_000, [{ venue: 'binance', notional: 39_900 }], { minNotional: 100 })).toEqual({ allow: true, notional: 100, bound: 'venue_cap' });
    // A small request is the strategy's own choice, not a cap: minNotional does not refuse it.
    expect(gateOpen('active', caps, 'binance', 50, [], { minNotional: 100 })).toEqual({ allow: true, notional: 50, bound: 'requested' });
  });
});

describe('gateClose and state refusals', () => {
  it('closes pass unless halted; refusals carry code state and no numbers', () => {
    expect(gateClose('active').allow).toBe(true);
    expect(gateClose('reducing').allow).toBe(true);
    expect(gateClose('halted')).toEqual({ allow: false, code: 'state', reason: 'trading state is halted: no orders', limit: null, value: null });
    expect(gateOpen('halted', caps, 'binance', 1_000, [])).toEqual({ allow: false, code: 'state', reason: 'trading state is halted: no new positions', limit: null, value: null });
  });
});

describe('denialRecord', () => {
  it('makes a decision deny the ledger accepts, carrying code, limit and value', () => {
    const d = checkLeverage(caps, 4.2);
    if (d === null) throw new Error('expected a denial');
    const e = { type: 'decision', ts: 1, venue: 'binance', symbol: 'BTC/USDT:USDT', action: 'deny', ...denialRecord(d) } as const;
    expect(validateEvent(e, 'event')).toMatchObject({ code: 'leverage', limit: 3, value: 4.2 });
    expect(() => validateEvent({ ...e, action: 'skip' }, 'event')).toThrow(/only a deny carries a code/);
  });
});

describe('utcDayStart', () => {
  const cases: [string, string][] = [
    ['2026-08-09T00:00:00.000Z', '2026-08-09T00:00:00.000Z'],
    ['2026-08-09T23:59:59.999Z', '2026-08-09T00:00:00.000Z'],
    ['2026-08-10T00:00:00.001Z', '2026-08-10T00:00:00.000Z'],
    // The window is UTC whatever the offset the time was written in.
    ['2026-08-09T22:30:00.000-05:00', '2026-08-10T00:00:00.000Z'],
  ];
  it.each(cases)('%s → %s', (at, start) => expect(new Date(utcDayStart(Date.parse(at))).toISOString()).toBe(start));
});
