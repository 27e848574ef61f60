import { describe, expect, it } from 'vitest';
import type { FundingSnapshot } from '../../src/domain/market.js';
import {
  FundingHistory,
  observationFromSnapshot,
  SETTLEMENT_MARGIN,
  settlementOf,
  type FundingObservation,
} from '../../strategies/spot-perp-carry/funding-history.js';

const H = 3_600_000;
const MIN = 60_000;
// 2027-01-15T00:00:00Z: a multiple of 8h since the epoch, so 8h windows align to 00/08/16 UTC.
const T0 = Date.UTC(2027, 0, 15);

function obs(rate: number, receivedAt: number, nextFundingTime: number | null, over: Partial<FundingObservation> = {}): FundingObservation {
  return {
    venue: 'bybit',
    symbol: 'BTC/USDT:USDT',
    rate,
    intervalHours: 8,
    continuous: false,
    rateKind: 'predicted',
    nextFundingTime,
    receivedAt,
    ...over,
  };
}

/** Scans every `stepMin` minutes from `from` (inclusive) to `to` (exclusive), predicted rate = rateAt(t). */
function scans(from: number, to: number, stepMin: number, rateAt: (t: number) => number): FundingObservation[] {
  const out: FundingObservation[] = [];
  for (let t = from; t < to; t += stepMin * MIN) {
    const next = (Math.floor(t / (8 * H)) + 1) * 8 * H;
    out.push(obs(rateAt(t), t, next));
  }
  return out;
}

describe('FundingHistory.lastObservations', () => {
  it('returns the last k, oldest first, and fewer when fewer were seen', () => {
    const h = new FundingHistory(3);
    expect(h.lastObservations('bybit', 'BTC/USDT:USDT', 3)).toEqual([]);
    h.add(obs(0.0001, T0, T0 + 8 * H));
    h.add(obs(0.0002, T0 + MIN, T0 + 8 * H));
    expect(h.lastObservations('bybit', 'BTC/USDT:USDT', 3).map((o) => o.rate)).toEqual([0.0001, 0.0002]);
    h.add(obs(0.0003, T0 + 2 * MIN, T0 + 8 * H));
    h.add(obs(0.0004, T0 + 3 * MIN, T0 + 8 * H));
    expect(h.lastObservations('bybit', 'BTC/USDT:USDT', 3).map((o) => o.rate)).toEqual([0.0002, 0.0003, 0.0004]);
    expect(h.lastObservations('bybit', 'BTC/USDT:USDT', 1).map((o) => o.rate)).toEqual([0.0004]);
    expect(h.lastObservations('bybit', 'BTC/USDT:USDT', 0)).toEqual([]);
  });

  it('keeps perps apart', () => {
    const h = new FundingHistory(2);
    h.add(obs(0.0001, T0, T0 + 8 * H));
    h.add(obs(-0.0005, T0, T0 + 8 * H, { symbol: 'ETH/USDT:USDT' }));
    h.add(obs(0.0007, T0, T0 + 8 * H, { venue: 'okx' }));
    expect(h.lastObservations('bybit', 'BTC/USDT:USDT', 2).map((o) => o.rate)).toEqual([0.0001]);
    expect(h.lastObservations('bybit', 'ETH/USDT:USDT', 2).map((o) => o.rate)).toEqual([-0.0005]);
    expect(h.lastObservations('okx', 'BTC/USDT:USDT', 2).map((o) => o.rate)).toEqual([0.0007]);
  });

  it('refuses a k it can never answer instead of returning a short list', () => {
    const h = new FundingHistory(3);
    expect(() => h.lastObservations('bybit', 'BTC/USDT:USDT', 4)).toThrow(RangeError);
    expect(() => h.lastSettledRates('bybit', 'BTC/USDT:USDT', 4, T0)).toThrow(RangeError);
    expect(() => h.lastObservations('bybit', 'BTC/USDT:USDT', 1.5)).toThrow(RangeError);
    expect(() => new FundingHistory(0)).toThrow(RangeError);
  });
});

describe('FundingHistory.add', () => {
  it.each([
    ['NaN rate', obs(Number.NaN, T0, T0 + 8 * H)],
    ['infinite rate', obs(Number.POSITIVE_INFINITY, T0, T0 + 8 * H)],
    ['zero interval', obs(0.0001, T0, T0 + 8 * H, { intervalHours: 0 })],
    ['NaN receivedAt', obs(0.0001, Number.NaN, T0 + 8 * H)],
    ['NaN nextFundingTime', obs(0.0001, T0, Number.NaN)],
  ])('rejects %s', (_name, o) => {
    const h = new FundingHistory(3);
    expect(h.add(o)).toBe('invalid');
    expect(h.lastObservations(o.venue, o.symbol, 3)).toEqual([]);
  });

  it('keeps the first of two observations at the same instant and ignores an older one', () => {
    const h = new FundingHistory(3);
    expect(h.add(obs(0.0001, T0 + MIN, T0 + 8 * H))).toBe('added');
    expect(h.add(obs(0.0009, T0 + MIN, T0 + 8 * H))).toBe('duplicate');
    expect(h.add(obs(0.0005, T0, T0 + 8 * H))).toBe('out_of_order');
    expect(h.lastObservations('bybit', 'BTC/USDT:USDT', 3).map((o) => o.rate)).toEqual([0.0001]);
  });

  it('keeps bounded memory: capacity observations and capacity + margin settlements per perp', () => {
    const h = new FundingHistory(3);
    // 10 days of one-minute scans: 14,400 observations, 30 settlements.
    for (const o of scans(T0, T0 + 240 * H, 1, () => 0.0001)) h.add(o);
    const kept = h.retained();
    // 3 recent observations (one of them the upcoming settlement's source) + 5 settlement sources,
    // of which the upcoming one is shared with the recent observations.
    expect(kept.length).toBe(3 + 3 + SETTLEMENT_MARGIN - 1);
  });
});

describe('FundingHistory.lastSettledRates', () => {
  const S1 = T0 + 8 * H;
  const S2 = T0 + 16 * H;
  const S3 = T0 + 24 * H;

  it('takes the last observation received before each settlement', () => {
    const h = new FundingHistory(3);
    h.add(obs(0.0001, T0 + 1 * H, S1));
    h.add(obs(0.0002, S1 - MIN, S1)); // last before S1: applies
    h.add(obs(0.0005, S1, S1)); // venue not rolled over at S1: says nothing about S1
    h.add(obs(-0.0003, S1 + MIN, S2));
    h.add(obs(0.0004, S2 - 1, S2)); // 1 ms before S2: applies
    h.add(obs(0.0006, S2 + MIN, S3)); // upcoming, not settled yet
    const got = h.lastSettledRates('bybit', 'BTC/USDT:USDT', 3, S2 + 2 * MIN);
    expect(got).toEqual([
      { settlementTime: S1, rate: 0.0002, observedAt: S1 - MIN },
      { settlementTime: S2, rate: 0.0004, observedAt: S2 - 1 },
    ]);
  });

  it('counts a settlement as settled from its instant on (settlementTime <= now)', () => {
    const h = new FundingHistory(3);
    h.add(obs(0.0002, S1 - MIN, S1));
    expect(h.lastSettledRates('bybit', 'BTC/USDT:USDT', 3, S1 - 1)).toEqual([]);
    expect(h.lastSettledRates('bybit', 'BTC/USDT:USDT', 3, S1).map((s) => s.rate)).toEqual([0.0002]);
  });

  it('returns the last k settlements, oldest first', () => {
    const h = new FundingHistory(2);
    for (const o of scans(T0, S3 + MIN, 60, (t) => (t < S1 ? 0.0001 : t < S2 ? 0.0002 : 0.0003))) h.add(o);
    expect(h.lastSettledRates('bybit', 'BTC/USDT:USDT', 2, S3 + MIN)).toEqual([
      { settlementTime: S2, rate: 0.0002, observedAt: S2 - H },
      { settlementTime: S3, rate: 0.0003, observedAt: S3 - H },
    ]);
    expect(h.lastSettledRates('bybit', 'BTC/USDT:USDT', 1, S3 + MIN).map((s) => s.settlementTime)).toEqual([S3]);
  });

  it('follows the venue schedule when the interval changes from 8h to 4h', () => {
    const h = new FundingHistory(3);
    h.add(obs(0.0001, S1 - MIN, S1));
    h.add(obs(0.0002, S1 + 4 * H - MIN, S1 + 4 * H, { intervalHours: 4 }));
    h.add(obs(0.0003, S1 + 8 * H - MIN, S1 + 8 * H, { intervalHours: 4 }));
    expect(h.lastSettledRates('bybit', 'BTC/USDT:USDT', 3, S1 + 8 * H).map((s) => s.settlementTime)).toEqual([
      S1,
      S1 + 4 * H,
      S1 + 8 * H,
    ]);
  });

  it("reads a 'last_settled' quote as the settlement one interval before nextFundingTime", () => {
    const h = new FundingHistory(3);
    h.add(obs(0.0007, S1 + MIN, S2, { rateKind: 'last_settled' }));
    expect(h.lastSettledRates('bybit', 'BTC/USDT:USDT', 3, S1 + MIN)).toEqual([
      { settlementTime: S1, rate: 0.0007, observedAt: S1 + MIN },
    ]);
  });

  it('attributes nothing to a settlement when the venue gives no nextFundingTime', () => {
    const h = new FundingHistory(3);
    h.add(obs(0.0001, S1 - MIN, null));
    expect(h.lastObservations('bybit', 'BTC/USDT:USDT', 3)).toHaveLength(1);
    expect(h.lastSettledRates('bybit', 'BTC/USDT:USDT', 3, S3)).toEqual([]);
  });

  it('splits continuous funding into interval windows aligned to the epoch, last observation of each', () => {
    // Deribit: trailing 8h realised rate; the value just before 08:00 is what 00:00–08:00 paid.
    const deribit = { venue: 'deribit', symbol: 'BTC/USD:BTC', continuous: true, rateKind: 'trailing_realised' as const };
    const h = new FundingHistory(3);
    h.add(obs(0.0001, T0 + 1 * H, null, deribit));
    h.add(obs(0.0002, S1 - 1, null, deribit)); // last in [00:00, 08:00)
    h.add(obs(0.0003, S1, null, deribit)); // first of [08:00, 16:00)
    h.add(obs(0.0004, S2 - MIN, null, deribit));
    h.add(obs(0.0005, S2 + H, null, deribit)); // window ends at S3, not yet
    expect(settlementOf(obs(0, S1, null, deribit))).toBe(S2);
    expect(h.lastSettledRates('deribit', 'BTC/USD:BTC', 3, S2 + H)).toEqual([
      { settlementTime: S1, rate: 0.0002, observedAt: S1 - 1 },
      { settlementTime: S2, rate: 0.0004, observedAt: S2 - MIN },
    ]);
  });
});

describe('FundingHistory rebuild', () => {
  // Two perps, two days of scans every 7 minutes, rates changing each hour.
  const all = [
    ...scans(T0, T0 + 48 * H, 7, (t) => Math.sin(t / H) * 0.0003),
    ...scans(T0 + 3 * MIN, T0 + 48 * H, 7, (t) => Math.cos(t / H) * 0.0002).map((o) => ({ ...o, symbol: 'ETH/USDT:USDT' })),
  ];
  const now = T0 + 48 * H;

  function answers(h: FundingHistory): unknown {
    return ['BTC/USDT:USDT', 'ETH/USDT:USDT'].map((s) => [
      h.lastObservations('bybit', s, 4),
      h.lastSettledRates('bybit', s, 4, now),
      h.lastSettledRates('bybit', s, 4, now - 9 * H),
    ]);
  }

  function byTime(xs: readonly FundingObservation[]): FundingObservation[] {
    return [...xs].sort((a, b) => a.receivedAt - b.receivedAt);
  }

  it('fromObservations equals adding the same observations one by one, whatever the list order', () => {
    const live = new FundingHistory(4);
    for (const o of byTime(all)) live.add(o);
    const shuffled = [...all].reverse();
    const rebuilt = FundingHistory.fromObservations(4, shuffled);
    expect(answers(rebuilt)).toEqual(answers(live));
    expect(rebuilt.lastSettledRates('bybit', 'BTC/USDT:USDT', 4, now)).toHaveLength(4);
  });

  it('rebuilds from its own retained observations with the same answers', () => {
    const live = FundingHistory.fromObservations(4, all);
    const kept = live.retained();
    expect(kept.length).toBeLessThan(2 * (4 + 4 + SETTLEMENT_MARGIN));
    expect(answers(FundingHistory.fromObservations(4, kept))).toEqual(answers(live));
  });

  it('answers the same after a restart mid-way once the new scans are added', () => {
    const cut = T0 + 30 * H;
    const before = byTime(all.filter((o) => o.receivedAt < cut));
    const after = byTime(all.filter((o) => o.receivedAt >= cut));
    const first = FundingHistory.fromObservations(4, before);
    const restarted = FundingHistory.fromObservations(4, first.retained());
    for (const o of after) restarted.add(o);
    expect(answers(restarted)).toEqual(answers(FundingHistory.fromObservations(4, all)));
  });
});

describe('observationFromSnapshot', () => {
  it('keeps what the history needs from a FundingSnapshot', () => {
    const f: FundingSnapshot = {
      venue: 'binance',
      symbol: 'ETH/USDT:USDT',
      base: 'ETH',
      quote: 'USDT',
      settle: 'USDT',
      settlement: 'linear',
      contractSize: 1,
      rate: 0.00015,
      intervalHours: 4,
      intervalSource: 'venue',
      continuous: false,
      rateKind: 'predicted',
      nextFundingTime: T0 + 4 * H,
      markPrice: 3000,
      indexPrice: 2999,
      eventTime: T0 - 5,
      receivedAt: T0,
    };
    expect(observationFromSnapshot(f)).toEqual({
      venue: 'binance',
      symbol: 'ETH/USDT:USDT',
      rate: 0.00015,
      intervalHours: 4,
      continuous: false,
      rateKind: 'predicted',
      nextFundingTime: T0 + 4 * H,
      receivedAt: T0,
    });
  });
});
