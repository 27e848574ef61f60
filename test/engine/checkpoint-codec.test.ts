import { describe, expect, it } from 'vitest';
import { decodeHistory, decodeSeries, encodeHistory, encodeSeriesOf, type EncodedObservation, type KeyedPoint } from '../../src/engine/checkpoint-codec.js';
import { FundingHistory, type FundingObservation } from '../../strategies/spot-perp-carry/funding-history.js';
import { SeriesHistory } from '../../src/monitor/rolling-window.js';
import { rng } from '../support/random-books.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 5);

function observations(seed: number, scans: number): FundingObservation[] {
  const r = rng(seed);
  const perps = [
    { venue: 'binance', symbol: 'BTC/USDT:USDT', intervalHours: 8, continuous: false, rateKind: 'predicted' as const },
    { venue: 'binance', symbol: 'SOL/USDT:USDT', intervalHours: 4, continuous: false, rateKind: 'predicted' as const },
    { venue: 'deribit', symbol: 'BTC/USD:BTC', intervalHours: 8, continuous: true, rateKind: 'trailing_realised' as const },
    { venue: 'okx', symbol: 'ETH/USDT:USDT', intervalHours: 8, continuous: false, rateKind: 'predicted' as const },
  ];
  const out: FundingObservation[] = [];
  for (let i = 0; i < scans; i++) {
    const at = T0 + i * 5 * 60_000;
    for (const p of perps) {
      const next = p.continuous ? null : (Math.floor(at / (p.intervalHours * H)) + 1) * p.intervalHours * H;
      out.push({ ...p, rate: (r() - 0.3) * 1e-3, nextFundingTime: next, receivedAt: at + Math.floor(r() * 3) });
    }
  }
  return out;
}

describe('checkpoint codec: funding history', () => {
  it('a history restored from its encoding answers every query as the one saved, and is much smaller', () => {
    const h = FundingHistory.fromObservations(3, observations(7, 400));
    const stored = JSON.parse(JSON.stringify(encodeHistory(h.retained())));
    const back = FundingHistory.fromObservations(3, decodeHistory(stored));
    // The same observations; ties in receivedAt between perps may come back in another order.
    const canonical = (xs: readonly FundingObservation[]) => [...xs].sort((a, b) => a.receivedAt - b.receivedAt || (a.venue + a.symbol < b.venue + b.symbol ? -1 : 1));
    expect(canonical(back.retained())).toEqual(canonical(h.retained()));
    for (const [venue, symbol] of [['binance', 'BTC/USDT:USDT'], ['deribit', 'BTC/USD:BTC'], ['okx', 'ETH/USDT:USDT']] as const) {
      expect(back.lastObservations(venue, symbol, 3)).toEqual(h.lastObservations(venue, symbol, 3));
      for (const now of [T0 + 10 * H, T0 + 33 * H + 1]) expect(back.lastSettledRates(venue, symbol, 3, now)).toEqual(h.lastSettledRates(venue, symbol, 3, now));
    }
    expect(JSON.stringify(stored).length).toBeLessThan(JSON.stringify(h.retained()).length / 3);
  });

  it('keeps a null nextFundingTime and exact numbers', () => {
    const o: FundingObservation = { venue: 'deribit', symbol: 'ETH/USD:ETH', rate: 0.1 + 0.2, intervalHours: 8, continuous: true, rateKind: 'trailing_realised', nextFundingTime: null, receivedAt: 1767571200123 };
    expect(decodeHistory(JSON.parse(JSON.stringify(encodeHistory([o]))))).toEqual([o]);
  });

  it('reads the earlier forms: objects and tuples', () => {
    const obs = observations(3, 2);
    const tuples: EncodedObservation[] = obs.map((o) => [o.venue, o.symbol, o.rate, o.intervalHours, o.continuous ? 1 : 0, o.rateKind, o.nextFundingTime, o.receivedAt]);
    expect(decodeHistory(tuples)).toEqual(obs);
    expect(decodeHistory(obs)).toEqual(obs);
  });

  it('refuses an index outside its time table, naming it', () => {
    expect(() => decodeHistory({ t: [1], g: [['okx', 'X/USDT:USDT', 8, 0, 'predicted', [0.001, 0, 5]]] })).toThrow(/receivedAt index 5/);
  });
});

describe('checkpoint codec: basis series', () => {
  it('round-trips every point of every series exactly', () => {
    const r = rng(11);
    const h = new SeriesHistory(6 * H, 500);
    for (let i = 0; i < 300; i++) {
      h.add('binance|BTC/USDT:USDT|basis', { ts: T0 + i * 60_000, value: (r() - 0.5) * 40 });
      if (i % 3 === 0) h.add('okx|ETH/USDT:USDT|markIndex', { ts: T0 + i * 60_000 + 7, value: r() * 1e-3 });
    }
    const points = h.points();
    const stored = JSON.parse(JSON.stringify(encodeSeriesOf(h.eachSeries())));
    expect(decodeSeries(stored)).toEqual(points);
    expect(JSON.stringify(stored).length).toBeLessThan(JSON.stringify(points).length / 2);
  });

  it('reads the earlier form: a list of keyed points', () => {
    const pts: KeyedPoint[] = [{ key: 'a', ts: 1, value: 2 }, { key: 'b', ts: 3, value: 4 }];
    expect(decodeSeries(pts)).toEqual(pts);
  });
});
