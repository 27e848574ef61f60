/**
 * Issue 11, settled-rate histories: a series whose rates are known only when they settle (no
 * knownAt, Binance's fetchFundingRateHistory) must book each settlement at the rate that settled
 * then, not at the previous one quoted before it. Real Binance BTCUSDT 8h funding, linear: each
 * settlement pays −q × cs × mark × r (accounting.md "Funding"), mark = the price at the settlement.
 */
import { describe, expect, it } from 'vitest';
import { startBacktest } from '../../src/app/backtest-run.js';
import { InMemoryHistory } from '../../src/backtest/history-source.js';
import { openReadOnly } from '../support/paper-ledger.js';
import { alwaysInConfig, binanceBtcUsdtRows, perpHolding } from './support.js';

const FROM = Date.UTC(2023, 7, 1);
const TO = Date.UTC(2023, 10, 1); // across the 29 October BST→GMT change of the file's times
// BTC rallied ~18% over the window: the liquidation exit is moved close to liquidation so the
// short perp is held throughout (the gate's 25% entry distance is unchanged).
const config = () => alwaysInConfig({ monitor: { margin: { floor: 0.02, target: 0.05 } } });

describe('backtest: always-in funding on a settled-rate series (Binance BTCUSDT)', () => {
  it('books every settlement at the rate that settled then, confirmed at or after it', async () => {
    const rows = binanceBtcUsdtRows();
    const byTs = new Map(rows.map((r) => [r.ts, r]));
    const history = new InMemoryHistory(rows);
    const bt = await startBacktest({ config: config(), history, from: FROM, to: TO });
    const result = await bt.done;
    const ledger = openReadOnly(result.dbPath);
    try {
      const positions = ledger.positions();
      expect(positions).toHaveLength(1);
      const p = positions[0]!;
      expect(p.perpContracts).toBeLessThan(0);
      const { heldAt, opened } = perpHolding(ledger.fills(p.positionId));
      const expected = rows.filter((r) => r.ts > opened && r.ts <= TO);
      expect(expected.length).toBeGreaterThan(270);
      // The rates change from one settlement to the next: booking the previous one would fail.
      expect(expected.filter((r, i) => i > 0 && r.rate !== expected[i - 1]!.rate).length).toBeGreaterThan(50);
      const paid = ledger.fundingPayments(p.positionId);
      expect(paid.map((x) => x.settlementTime)).toEqual(expected.map((r) => r.ts));
      expect(paid.map((x) => x.rate)).toEqual(expected.map((r) => r.rate));
      const cs = p.contractSize; // backtest.market.linearContractSize
      expect(cs).toBe(0.001);
      const perSettlement = expected.map((r) => -heldAt(r.ts) * cs * (byTs.get(r.ts)!.markPrice as number) * r.rate);
      paid.forEach((x, i) => {
        expect(x.contracts).toBe(heldAt(expected[i]!.ts));
        expect(x.markPrice).toBe(expected[i]!.markPrice);
        expect(x.amountQuote).toBe(perSettlement[i]);
        // No look-ahead: booked at or after the settlement it pays.
        expect(x.ts).toBeGreaterThanOrEqual(x.settlementTime);
      });
      const sumExpected = perSettlement.reduce((s, v) => s + v, 0);
      expect(paid.reduce((s, x) => s + x.amountQuote, 0)).toBe(sumExpected);
      expect(result.totals?.funding).toBeCloseTo(sumExpected, 6);
    } finally {
      ledger.close();
    }
  }, 60_000);
});
