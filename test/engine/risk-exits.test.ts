/**
 * The engine's risk exits (src/engine/risk-exits.ts), hand-checked on a Binance BTC carry:
 * 1 BTC spot long, 1 BTC/USDT:USDT short at 50,000, paper margin notional / 3 = 16,666.67,
 * maintenance 0.5%. The short liquidates where 16,666.67 − (p − 50,000) = 0.005 p, i.e.
 * p = 66,666.67 / 1.005 = 66,334.99; its distance at mark M is (66,334.99 − M) / M.
 */
import { describe, expect, it } from 'vitest';
import type { FundingSnapshot, Market } from '../../src/domain/market.js';
import type { OpportunityList } from '../../src/domain/opportunity.js';
import { riskSignals } from '../../src/engine/risk-exits.js';
import type { ScanResult } from '../../src/engine/scanner.js';
import type { MonitorThresholds } from '../../src/monitor/thresholds.js';
import type { PositionRow } from '../../src/store/rows.js';
import { binancePerp, binancePosition, binanceSpot, T0 } from '../monitor/fixtures.js';

const THRESHOLDS: Pick<MonitorThresholds, 'margin' | 'drift' | 'inverseExposure'> = {
  margin: { floor: 0.15, target: 0.3, maintenanceMarginRate: 0.005 },
  drift: { threshold: 0.02, critical: 0.1 },
  inverseExposure: 'coin',
};

function row(spotQty: number, perpContracts: number, over: Partial<PositionRow> = {}): PositionRow {
  return {
    ...binancePosition(spotQty, perpContracts),
    targetNotional: 50_000,
    entryRate: 0.0001,
    reason: 'test',
    createdAt: T0,
    openedAt: T0,
    closedAt: null,
    updatedAt: T0,
    flag: null,
    flagMessage: null,
    spotEntryPrice: 50_000,
    perpEntryPrice: 50_000,
    realisedSpot: 0,
    realisedPerp: 0,
    realisedPerpQuote: 0,
    feesQuote: 0,
    funding: 0,
    fundingQuote: 0,
    entryNetApr: 0.3,
    exitKind: null,
    exitRule: null,
    closeReason: null,
    ...over,
  };
}

function scanAt(mark: number, markets: readonly Market[] = [binanceSpot, binancePerp]): { scan: ScanResult; markets: Map<string, readonly Market[]> } {
  const funding: FundingSnapshot = {
    venue: 'binance', symbol: 'BTC/USDT:USDT', base: 'BTC', quote: 'USDT', settle: 'USDT', settlement: 'linear', contractSize: 1,
    rate: 0.0001, intervalHours: 8, intervalSource: 'venue', continuous: false, rateKind: 'predicted', nextFundingTime: T0 + 3_600_000,
    markPrice: mark, indexPrice: mark, eventTime: T0, receivedAt: T0,
  };
  const byVenue = new Map<string, readonly Market[]>([['binance', markets]]);
  return {
    markets: byVenue,
    scan: { at: T0, venues: [], opportunities: [] as unknown as OpportunityList, markets: byVenue, funding: [funding], tickers: [], books: new Map() },
  };
}

function signals(positions: readonly PositionRow[], mark: number, markets?: readonly Market[]) {
  const s = scanAt(mark, markets);
  const errors: string[] = [];
  const out = riskSignals({ positions, markets: s.markets, scan: s.scan, walletBalance: () => 0, perpLeverage: 3 }, THRESHOLDS, (id) => errors.push(id));
  expect(errors).toEqual([]);
  return out;
}

// Lots and minimums no order of this size can meet: the drift cannot be corrected.
const unplaceable = [{ ...binanceSpot, minAmount: 100 }, { ...binancePerp, minAmount: 100 }];

describe('risk exits', () => {
  it.each<[string, number, string | null]>([
    ['at entry: 32.7% from liquidation', 50_000, null],
    // (66,334.99 − 57,000) / 57,000 = 16.4% >= 15%
    ['mark 57,000: 16.4%, above the floor', 57_000, null],
    // (66,334.99 − 58,000) / 58,000 = 14.4% < 15%
    ['mark 58,000: 14.4%, below the floor', 58_000, 'liquidation'],
    ['mark 67,000: beyond liquidation', 67_000, 'margin'],
  ])('margin: %s', (_name, mark, rule) => {
    const out = signals([row(1, -1)], mark);
    expect((out.get('b1') ?? []).map((r) => r.rule)).toEqual(rule === null ? [] : [rule]);
  });

  it('says what it measured', () => {
    expect(signals([row(1, -1)], 58_000).get('b1')?.[0]?.detail).toBe('perp 14.4% from liquidation (liquidates at 66,334.99, mark 58,000.00) < floor 15%');
  });

  it.each<[string, number, readonly Market[] | undefined, boolean]>([
    ['50% drift an order corrects: the rebalance handles it', -0.5, undefined, false],
    ['50% drift no order can correct', -0.5, unplaceable, true],
    ['5% drift no order can correct: under the critical 10%', -0.95, unplaceable, false],
  ])('drift: %s', (_name, perp, markets, fires) => {
    const out = signals([row(1, perp)], 50_000, markets);
    expect((out.get('b1') ?? []).filter((r) => r.rule === 'drift').length).toBe(fires ? 1 : 0);
  });

  it('leaves positions that are not open to the leg executor', () => {
    expect(signals([row(1, -1, { state: 'closing' }), row(1, -0.5, { positionId: 'b2', state: 'rebalancing' })], 67_000, unplaceable).size).toBe(0);
  });
});
