/**
 * Issue 11: an always-in position's funding equals Σ rate × notional exactly, on the real BitMEX
 * XBTUSD series (inverse: each settlement pays −q × cs × r USD, accounting.md "Funding").
 */
import { describe, expect, it } from 'vitest';
import { startBacktest } from '../../src/app/backtest-run.js';
import { InMemoryHistory } from '../../src/backtest/history-source.js';
import { openReadOnly } from '../support/paper-ledger.js';
import { alwaysInConfig, bitmexRows, perpHolding } from './support.js';

const FROM = Date.UTC(2019, 0, 1);
const TO = Date.UTC(2019, 3, 1);

describe('backtest: always-in funding on BitMEX XBTUSD', () => {
  it('books every settlement the position was open for at the historical rate', async () => {
    const rows = bitmexRows();
    const history = new InMemoryHistory(rows, { announcedOneIntervalAhead: true });
    const bt = await startBacktest({ config: alwaysInConfig(), history, from: FROM, to: TO });
    const result = await bt.done;
    const ledger = openReadOnly(result.dbPath);
    try {
      const positions = ledger.positions();
      expect(positions).toHaveLength(1);
      const p = positions[0]!;
      expect(p.state).toBe('open');
      expect(p.perpContracts).toBeLessThan(0);
      // Contracts held over a settlement: the signed perp fills strictly before it (the monitor
      // rebalances an inverse hedge as its coin funding accumulates, so q changes).
      const { heldAt, opened } = perpHolding(ledger.fills(p.positionId));
      const expected = rows.filter((r) => r.ts > opened && r.ts <= TO);
      expect(expected.length).toBeGreaterThan(250);
      const paid = ledger.fundingPayments(p.positionId);
      expect(paid.map((x) => x.settlementTime)).toEqual(expected.map((r) => r.ts));
      expect(paid.map((x) => x.rate)).toEqual(expected.map((r) => r.rate));
      const cs = 1; // backtest.market.inverseContractSize
      // Inverse: the USD value of each payment is −q × cs × r, whatever the mark.
      const perSettlement = expected.map((r) => -heldAt(r.ts) * cs * r.rate);
      paid.forEach((x, i) => {
        expect(x.contracts).toBe(heldAt(expected[i]!.ts));
        expect(x.amountQuote).toBe(perSettlement[i]);
      });
      const sumExpected = perSettlement.reduce((s, v) => s + v, 0);
      const sumBooked = paid.reduce((s, x) => s + x.amountQuote, 0);
      expect(sumBooked).toBe(sumExpected);
      expect(result.totals?.funding).toBeCloseTo(sumExpected, 6);
    } finally {
      ledger.close();
    }
  }, 30_000);
});
