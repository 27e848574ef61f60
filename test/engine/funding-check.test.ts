import { describe, expect, it } from 'vitest';
import { checkFunding, expectedFromLedger } from '../../src/engine/funding-check.js';
import type { VenueFundingPayment } from '../../src/execution/account-port.js';

const T = Date.parse('2026-12-01T08:00:00Z');
const H8 = 8 * 3_600_000;
const tol = { relative: 0.05, absolute: 0.01 };
const exp = (settlementTime: number, amount: number, symbol = 'BTC/USDT:USDT') => ({ venue: 'binance', symbol, settlementTime, amount, currency: 'USDT' });
const act = (ts: number, amount: number, symbol = 'BTC/USDT:USDT'): VenueFundingPayment => ({ venue: 'binance', symbol, ts, amount, currency: 'USDT', id: null });
const run = (expected: ReturnType<typeof exp>[], actual: VenueFundingPayment[], missingAfter = T + 10 * H8) =>
  checkFunding({ expected, actual, tolerance: tol, matchWindowMs: 60_000, missingAfter }).map((c) => [c.kind, c.settlementTime, c.expected, c.actual]);

describe('checkFunding: the venue against the ledger', () => {
  it.each([
    ['paid as expected, booked 3 s late', [exp(T, 2.5)], [act(T + 3_000, 2.5)], [['match', T, 2.5, 2.5]]],
    ['inside the relative tolerance (4%)', [exp(T, 2.5)], [act(T, 2.6)], [['match', T, 2.5, 2.6]]],
    ['outside it (8%)', [exp(T, 2.5)], [act(T, 2.7)], [['mismatch', T, 2.5, 2.7]]],
    ['dust under the absolute floor', [exp(T, 0.001)], [act(T, 0.009)], [['match', T, 0.001, 0.009]]],
    ['sign flipped: paid where carry expected to receive', [exp(T, 2.5)], [act(T, -2.5)], [['mismatch', T, 2.5, -2.5]]],
    ['two venue rows for one settlement are summed', [exp(T, 2.5)], [act(T, 1.25), act(T + 1, 1.25)], [['match', T, 2.5, 2.5]]],
    ['not booked', [exp(T, 2.5)], [], [['missing', T, 2.5, null]]],
    ['booked outside the window is another settlement', [exp(T, 2.5)], [act(T + 120_000, 2.5)], [['missing', T, 2.5, null], ['unexpected', T + 120_000, null, 2.5]]],
    ['a payment on a symbol carry does not hold', [], [act(T, 1, 'ETH/USDT:USDT')], [['unexpected', T, null, 1]]],
    ['several settlements, in order', [exp(T + H8, 1), exp(T, 2)], [act(T, 2), act(T + H8, 1)], [['match', T, 2, 2], ['match', T + H8, 1, 1]]],
  ])('%s', (_name, expected, actual, want) => {
    expect(run(expected, actual)).toEqual(want);
  });

  it('a settlement too recent to be booked yet is not called missing', () => {
    expect(run([exp(T, 2.5)], [], T - 1)).toEqual([]);
  });

  it('messages name venue, symbol, time and both amounts', () => {
    const [c] = checkFunding({ expected: [exp(T, 2.5)], actual: [act(T, 2.7)], tolerance: tol, matchWindowMs: 60_000, missingAfter: T });
    expect(c?.message).toBe('binance BTC/USDT:USDT 2026-12-01T08:00:00.000Z: the venue paid 2.7000 USDT, carry expected 2.5000 (off by 0.2000, tolerance 0.1250)');
  });
});

describe('expectedFromLedger', () => {
  it('sums positions on one venue/symbol/settlement, keeps others apart', () => {
    const rows = [exp(T, 1), exp(T, 2), exp(T + H8, 4), { ...exp(T, 8), venue: 'bybit' }];
    expect(expectedFromLedger(rows).map((e) => [e.venue, e.settlementTime, e.amount])).toEqual([
      ['binance', T, 3],
      ['binance', T + H8, 4],
      ['bybit', T, 8],
    ]);
  });
});
