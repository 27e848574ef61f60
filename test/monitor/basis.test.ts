import { describe, expect, it } from 'vitest';
import { basisHistory, basisMeasures, basisSeriesKey, checkBasis, recordBasis, type BasisInput, type BasisThresholds } from '../../src/monitor/basis.js';
import { RollingWindow, SeriesHistory, zScore } from '../../src/monitor/rolling-window.js';
import { binancePosition, T0 } from './fixtures.js';

const T: BasisThresholds = { maxBps: 100, markIndexMaxBps: 50, zScore: 4, windowMinutes: 240, minPoints: 30 };
const MIN = 60_000;
const ctx = { now: T0 };

function input(spot: number | null, perp: number | null, mark: number | null = null, index: number | null = null, over: Partial<BasisInput> = {}): BasisInput {
  return { position: binancePosition(1, -1), spotPrice: spot, perpPrice: perp, markPrice: mark, indexPrice: index, ...over };
}

describe('basis measures', () => {
  it('bps of spot and of index; null where a price is missing', () => {
    const m = basisMeasures(input(50_000, 50_750, 50_030, 50_000));
    expect(m.basis).toBeCloseTo(150, 9);
    expect(m.markIndex).toBeCloseTo(6, 9);
    expect(basisMeasures(input(null, 50_750))).toEqual({ basis: null, markIndex: null });
  });
});

describe('basis alerts beyond fixed bps', () => {
  const empty = basisHistory(T);
  it.each([
    // carry = short perp: a perp above spot is against it
    ['perp 150 bps above spot, carry: against → warning', input(50_000, 50_750), 'warning'],
    ['perp 250 bps above spot: twice the limit → critical', input(50_000, 51_250), 'critical'],
    ['perp 150 bps below spot, carry: in favour → info', input(50_000, 49_250), 'info'],
    ['perp 150 bps below spot, reverse carry (long perp): against → warning', input(50_000, 49_250, null, null, { position: binancePosition(-1, 1, { direction: 'reverse' }) }), 'warning'],
    ['mark 60 bps over index (limit 50): against the short → warning', input(50_000, 50_000, 50_300, 50_000), 'warning'],
  ] as const)('%s', (_name, inp, severity) => {
    const [a, ...rest] = checkBasis([inp], empty, T, ctx);
    expect(rest).toEqual([]);
    expect(a?.kind).toBe('basis');
    expect(a?.severity).toBe(severity);
    expect(a?.id).toBe(`basis:b1:${T0}`);
  });

  it('within the limits, or a position not open: nothing', () => {
    expect(checkBasis([input(50_000, 50_400, 50_200, 50_000)], empty, T, ctx)).toEqual([]); // 80 and 40 bps
    expect(checkBasis([input(50_000, 51_000, null, null, { position: binancePosition(1, -1, { state: 'closing' }) })], empty, T, ctx)).toEqual([]);
  });

  it('both measures beyond: one alert naming both, with the worse severity', () => {
    const [a, ...rest] = checkBasis([input(50_000, 51_250, 50_300, 50_000)], empty, T, ctx);
    expect(rest).toEqual([]);
    expect(a?.severity).toBe('critical');
    expect(a?.message).toMatch(/^Perp vs spot 250 bps above \(limit 100 bps\); mark vs index 60 bps above \(limit 50 bps\)\. Against the short perp/);
    expect(a?.data['basisBps']).toBeCloseTo(250, 9);
    expect(a?.data['markIndexBps']).toBeCloseTo(60, 9);
  });
});

describe('basis alerts beyond a z-score against the recent history', () => {
  /** 40 one-minute points alternating 10 and 12 bps basis before T0: mean 11, sample std √(40/39). */
  function history(points = 40): SeriesHistory {
    const h = basisHistory(T);
    for (let i = points; i >= 1; i--) {
      const bps = i % 2 === 0 ? 10 : 12;
      recordBasis([input(50_000, 50_000 * (1 + bps / 10_000))], h, T0 - i * MIN);
    }
    return h;
  }

  it('20 bps is under the 100 bps limit but z = 9 / √(40/39) = 8.9 against the window: fires', () => {
    const [a] = checkBasis([input(50_000, 50_100)], history(), T, ctx);
    expect(a?.severity).toBe('warning');
    expect(a?.data['basisZ']).toBeCloseTo(9 / Math.sqrt(40 / 39), 6);
    expect(a?.data['basisMean']).toBeCloseTo(11, 9);
    expect(a?.data['basisPoints']).toBe(40);
    expect(a?.message).toContain('z 8.9 vs 11 bps mean of 40 points');
  });

  it('fewer points than minPoints: no z-score, no alert', () => {
    expect(checkBasis([input(50_000, 50_100)], history(20), T, ctx)).toEqual([]);
  });

  it('scores against the history before now: recording the current point first does not dilute it', () => {
    const h = history();
    recordBasis([input(50_000, 50_100)], h, T0);
    const [a] = checkBasis([input(50_000, 50_100)], h, T, ctx);
    expect(a?.data['basisPoints']).toBe(40);
  });

  it('a move back inside the usual range resolves (no alert)', () => {
    expect(checkBasis([input(50_000, 50_055)], history(), T, ctx)).toEqual([]); // 11 bps
  });
});

describe('rolling window', () => {
  it('keeps at most maxPoints and only the window; duplicates of an instant count once', () => {
    const w = new RollingWindow(10 * MIN, 5);
    for (let i = 0; i < 8; i++) w.add({ ts: i * MIN, value: i });
    w.add({ ts: 7 * MIN, value: 100 });
    expect(w.points().map((p) => p.value)).toEqual([3, 4, 5, 6, 7]);
    w.add({ ts: 20 * MIN, value: 20 });
    expect(w.points().map((p) => p.value)).toEqual([20]);
  });

  it('stats: mean and sample std over (now − window, now)', () => {
    const w = RollingWindow.from(10 * MIN, 100, [2, 4, 4, 4, 5, 5, 7, 9].map((value, i) => ({ ts: i * MIN, value })));
    const s = w.statsBefore(8 * MIN);
    expect(s.n).toBe(8);
    expect(s.mean).toBe(5);
    // Σ(x − 5)² = 32, / 7
    expect(s.std).toBeCloseTo(Math.sqrt(32 / 7), 12);
    // the point at 7 min is not before 7 min
    expect(w.statsBefore(7 * MIN).n).toBe(7);
    expect(zScore(12, s, 5)).toBeCloseTo(7 / Math.sqrt(32 / 7), 12);
    expect(zScore(12, s, 9)).toBeNull();
    expect(zScore(12, { n: 10, mean: 1, std: 0 }, 2)).toBeNull();
  });

  it('a history rebuilt from its points answers the same', () => {
    const h = new SeriesHistory(60 * MIN, 50);
    for (let i = 0; i < 30; i++) {
      h.add('a', { ts: i * MIN, value: Math.sin(i) });
      h.add('b', { ts: i * MIN, value: i });
    }
    const copy = SeriesHistory.from(60 * MIN, 50, h.points());
    expect(copy.statsBefore('a', 30 * MIN)).toEqual(h.statsBefore('a', 30 * MIN));
    expect(copy.statsBefore('b', 30 * MIN)).toEqual(h.statsBefore('b', 30 * MIN));
    h.retainOnly(['a']);
    expect(h.statsBefore('b', 30 * MIN).n).toBe(0);
    expect(basisSeriesKey('binance', 'BTC/USDT:USDT', 'basis')).toBe('binance|BTC/USDT:USDT|basis');
  });
});
