/**
 * Issue 11: changing the data after time t changes no decision before t. The same backtest runs
 * twice on the real BitMEX XBTUSD series, the second time with every row not yet known at t
 * altered (rates flipped and scaled, prices added); the ledgers' events with ts < t are equal, and
 * the runs do differ after t (so the check can fail). Both readings of the series: settled rates
 * only (a row is known at its ts), and BitMEX's own (each rate known one interval ahead).
 */
import { describe, expect, it } from 'vitest';
import { startBacktest } from '../../src/app/backtest-run.js';
import { InMemoryHistory, type HistoryRow } from '../../src/backtest/history-source.js';
import { ledgerRows } from '../support/paper-ledger.js';
import { alwaysInConfig, bitmexRows } from './support.js';

const FROM = Date.UTC(2019, 0, 1);
const T = Date.UTC(2019, 0, 10, 5, 30);
const TO = Date.UTC(2019, 0, 18);

// A threshold strategy that trades in and out on these rates (fees off so the entries are reachable).
const config = () =>
  alwaysInConfig({
    strategy: { entryMinNetApr: 0.05, exitRateBelow: 0.02, positiveObservations: 2, minHoldHours: 8, maxOpenPositions: 1, noEntryBeforeSettlementMinutes: 10 },
    backtest: { market: { spotTaker: 0, spotMaker: 0, perpTaker: 0, perpMaker: 0 } },
  });

interface Ev {
  readonly seq: number;
  readonly ts: number;
  readonly type: string;
  readonly payload: string;
}

async function events(rows: readonly HistoryRow[], announced: boolean): Promise<Ev[]> {
  const bt = await startBacktest({ config: config(), history: new InMemoryHistory(rows, { announcedOneIntervalAhead: announced }), from: FROM, to: TO });
  const r = await bt.done;
  return ledgerRows<Ev>(r.dbPath, 'SELECT seq, ts, type, payload FROM events ORDER BY seq');
}

function altered(rows: readonly HistoryRow[], knownAt: (r: HistoryRow, i: number) => number): HistoryRow[] {
  return rows.map((r, i) => (knownAt(r, i) > T ? { ...r, rate: -5 * r.rate + 0.001, markPrice: 7_000 + i, spotPrice: 6_990 + i } : r));
}

describe('backtest: no look-ahead', () => {
  const rows = bitmexRows();
  for (const announced of [false, true]) {
    it(`${announced ? 'rates known one interval ahead' : 'settled rates'}: the tail after t changes nothing before t`, async () => {
      // Settled: a row is known at its ts. Announced: at the previous row's ts.
      const knownAt = (r: HistoryRow, i: number) => (announced ? (i > 0 ? rows[i - 1]!.ts : r.ts - r.intervalHours * 3_600_000) : r.ts);
      const a = await events(rows, announced);
      const b = await events(altered(rows, knownAt), announced);
      const before = (e: readonly Ev[]) => e.filter((x) => x.ts < T);
      expect(before(a).length).toBeGreaterThan(100);
      expect(before(a).some((x) => x.type === 'position.created')).toBe(true);
      expect(before(b)).toEqual(before(a));
      // The tail did matter: the runs part after t.
      expect(JSON.stringify(b)).not.toEqual(JSON.stringify(a));
    }, 30_000);
  }
});
