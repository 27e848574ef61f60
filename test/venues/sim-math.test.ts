/** Pure pieces of the sim market: funding formulas, exact decimals, settlement schedules, PRNG. */
import { Precise } from 'ccxt';
import { describe, expect, it } from 'vitest';
import { dec, decAverage, preciseDiv, precisePercent, stepPrecision } from '../../src/venues/sim/ccxt-shapes.js';
import { formatUnits, parseStep, stepsToNumber } from '../../src/venues/sim/decimal.js';
import {
  deribitDeadBand,
  interestClampedRate,
  lastSettlement,
  nextSettlement,
  quotedRate,
} from '../../src/venues/sim/funding-model.js';
import { latestSettlements, settlementTimes, sinceLimit } from '../../src/venues/sim/history.js';
import { gauss, streamKey, uniform } from '../../src/venues/sim/prng.js';
import { parseSimSpec } from '../../src/venues/sim/spec.js';

const H = 3_600_000;

describe('interestClampedRate (Binance/Bybit: premium + clamp(0.01% - premium, ±0.005%))', () => {
  it.each([
    // premium, expected 8h rate
    [0.0001, 0.0001], // at the interest rate
    [0.00013, 0.0001], // inside the band: sticks to 0.01%
    [0.00006, 0.0001],
    [0.0003, 0.00025], // above: premium minus the band
    [-0.0002, -0.00015], // below: premium plus the band
    [0, 0.00005],
  ])('premium %f → %f', (premium, rate) => {
    expect(interestClampedRate(premium)).toBeCloseTo(rate, 12);
  });
});

describe('deribitDeadBand (max(0.025%, p) + min(-0.025%, p))', () => {
  it.each([
    [0.0002, 0],
    [-0.00025, 0],
    [0.001, 0.00075],
    [-0.0004, -0.00015],
  ])('premium %f → %f', (p, r) => {
    expect(deribitDeadBand(p)).toBeCloseTo(r, 12);
  });
});

describe('quotedRate', () => {
  it('scales the 8h rate to the interval and caps it per interval', () => {
    expect(quotedRate('premium', 0.0008, 8, 0.003)).toBeCloseTo(0.0008, 12);
    expect(quotedRate('premium', 0.0008, 4, 0.003)).toBeCloseTo(0.0004, 12);
    expect(quotedRate('premium', 0.0008, 1, 0.003)).toBeCloseTo(0.0001, 12);
    expect(quotedRate('premium', 0.01, 8, 0.003)).toBe(0.003);
    expect(quotedRate('premium', -0.01, 8, 0.003)).toBe(-0.003);
    expect(quotedRate('interest-clamp', 0.00012, 4, 0.02)).toBeCloseTo(0.00005, 12);
  });
});

describe('settlement times are aligned to 00:00 UTC', () => {
  const t = Date.UTC(2026, 0, 5, 9, 30);
  it.each([
    [8, Date.UTC(2026, 0, 5, 16), Date.UTC(2026, 0, 5, 8)],
    [4, Date.UTC(2026, 0, 5, 12), Date.UTC(2026, 0, 5, 8)],
    [1, Date.UTC(2026, 0, 5, 10), Date.UTC(2026, 0, 5, 9)],
  ])('%ih: next %i, last %i', (hours, next, last) => {
    expect(nextSettlement(t, hours)).toBe(next);
    expect(lastSettlement(t, hours)).toBe(last);
  });
  it('at a settlement instant the next one is a full interval later', () => {
    expect(nextSettlement(Date.UTC(2026, 0, 5, 16), 8)).toBe(Date.UTC(2026, 0, 6, 0));
  });
  it('history schedules skip times at or before the origin and honour bounds', () => {
    const origin = Date.UTC(2026, 0, 1);
    expect(settlementTimes(8, origin - 10 * H, origin + 17 * H, origin)).toEqual([origin + 8 * H, origin + 16 * H]);
    expect(latestSettlements(8, origin + 17 * H, 5, origin)).toEqual([origin + 8 * H, origin + 16 * H]);
    expect(latestSettlements(4, origin + 24 * H, 2, origin)).toEqual([origin + 20 * H, origin + 24 * H]);
  });
  it('sinceLimit keeps the first rows after since, or the last rows without it (as ccxt)', () => {
    const rows = [1, 2, 3, 4].map((timestamp) => ({ timestamp }));
    expect(sinceLimit(rows, 2, 2).map((r) => r.timestamp)).toEqual([2, 3]);
    expect(sinceLimit(rows, undefined, 2).map((r) => r.timestamp)).toEqual([3, 4]);
  });
});

describe('exact decimals', () => {
  it.each([
    ['0.10', 10, 2, 0.1],
    ['0.005', 5, 3, 0.005],
    ['10', 10, 0, 10],
    ['0.00000001', 1, 8, 1e-8],
  ])('parseStep(%s)', (text, mantissa, exp, value) => {
    expect(parseStep(text)).toMatchObject({ mantissa, exp, value });
  });
  it('steps convert to the same double parseFloat gives for the printed decimal', () => {
    const step = parseStep('0.1');
    for (const n of [1, 3, 651143, 1234567]) {
      expect(stepsToNumber(n, step)).toBe(Number(formatUnits(n, 1)));
    }
    expect(stepsToNumber(3, parseStep('0.1'))).toBe(0.3); // not 0.30000000000000004
  });
  it.each([
    [651143, 1, 2, '65114.30'],
    [5, 4, 4, '0.0005'],
    [-5, 4, 4, '-0.0005'],
    [0, 2, 2, '0.00'],
    [12, 0, 0, '12'],
  ])('formatUnits(%i, %i, %i) = %s', (u, e, d, text) => {
    expect(formatUnits(u, e, d)).toBe(text);
  });
  it('formatUnits prints exactly the decimal the units stand for (checked with BigInt)', () => {
    const k = streamKey(3, 'format');
    for (let i = 0; i < 20_000; i++) {
      const exp = Math.floor(uniform(k, i, 0) * 17);
      const pad = Math.floor(uniform(k, i, 1) * 3);
      const units = Math.round((uniform(k, i, 2) - 0.5) * 10 ** Math.floor(uniform(k, i, 3) * 15));
      const big = BigInt(Math.abs(units)) * 10n ** BigInt(pad);
      const digits = big.toString().padStart(exp + pad + 1, '0');
      const cut = digits.length - exp - pad;
      const expected = `${units < 0 ? '-' : ''}${digits.slice(0, cut)}${exp + pad > 0 ? `.${digits.slice(cut)}` : ''}`;
      expect(formatUnits(units, exp, exp + pad)).toBe(expected);
    }
  });
  it('stepPrecision counts decimals the way ccxt does', () => {
    expect([0.1, 0.00001, 5e-7, 1.5e-7, 0.5, 10].map(stepPrecision)).toEqual([1, 5, 7, 8, 1, 0]);
  });
});

describe("derived ticker fields match ccxt's Precise arithmetic", () => {
  it.each([
    ['1142258278.4178', '17576.06'],
    ['36155543.3714', '514463831'],
    ['191907024.695977', '2953.835931'],
    ['0', '5'],
  ])('vwap %s / %s', (q, b) => {
    const qd = dec(Number(q.replace('.', '')), q.includes('.') ? q.split('.')[1]!.length : 0);
    const bd = dec(Number(b.replace('.', '')), b.includes('.') ? b.split('.')[1]!.length : 0);
    const expected = Precise.stringDiv(q, b);
    expect(preciseDiv(qd, bd)).toBe(expected === undefined ? undefined : Number(expected));
  });
  it('percentage and truncated average', () => {
    expect(precisePercent(dec(-8357, 1), dec(1042998, 1))).toBe(Number(Precise.stringMul(Precise.stringDiv('-835.7', '104299.8'), '100')));
    // (65008.7 + 65114.4) / 2 = 65061.55, truncated at the tick's 1 decimal like Precise.stringDiv(…, '2', 1)
    expect(decAverage(dec(650087, 1), dec(651144, 1), 1)).toBe(Number(Precise.stringDiv(Precise.stringAdd('65008.7', '65114.4'), '2', 1)));
    expect(decAverage(dec(650087, 1), dec(651144, 1), 18)).toBe(65061.55);
  });
});

describe('prng', () => {
  it('is a pure function of (key, counter, lane)', () => {
    const k = streamKey(42, 'coin:BTC');
    expect(uniform(k, 10, 3)).toBe(uniform(streamKey(42, 'coin:BTC'), 10, 3));
    expect(uniform(k, 10, 3)).not.toBe(uniform(k, 11, 3));
    expect(streamKey(42, 'coin:BTC')).not.toBe(streamKey(43, 'coin:BTC'));
  });
  it('gauss has mean 0 and variance 1 (within sampling error)', () => {
    const k = streamKey(1, 'test');
    let s = 0;
    let s2 = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const z = gauss(k, i);
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.01);
  });
});

describe('parseSimSpec', () => {
  it.each([
    ['sim', 1],
    ['sim:42', 42],
    ['sim:0', 0],
    ['sim:4294967295', 4294967295],
  ])('%s → seed %i', (spec, seed) => {
    expect(parseSimSpec(spec)).toEqual({ seed });
  });
  it.each(['sim:', 'sim:-1', 'sim:abc', 'simx', 'live', 'sim:4294967296', 'sim:1.5'])('rejects %s with a clear input error', (spec) => {
    expect(() => parseSimSpec(spec)).toThrow(/sim/);
  });
});
