/**
 * REBALANCE through SimExecution on hand-made books: a hand-built drifted position, its
 * correction from the drift check itself (assessDrift), carried out by rebalancePosition.
 * Spot ABC/USDT lot 0.0001; linear perp ABC/USDT:USDT, 1 ABC per contract, lot 0.01; min cost 5.
 */
import { describe, expect, it } from 'vitest';
import { orderBook } from '../../src/domain/book.js';
import { SimClock } from '../../src/domain/clock.js';
import { CarryError } from '../../src/domain/errors.js';
import type { LedgerEvent } from '../../src/domain/events.js';
import type { BookLevel, OrderBook } from '../../src/domain/market.js';
import type { PositionHoldings, PositionState } from '../../src/domain/position.js';
import { rebalancePosition, type ExecutionOutcome } from '../../src/engine/leg-executor.js';
import { canTransition } from '../../src/engine/position-state.js';
import { MARKETS, PERP, SPEC } from '../support/abc-markets.js';
import { SimExecution, type BookSource } from '../../src/execution/sim-execution.js';
import { assessDrift } from '../../src/monitor/drift.js';
import { residualDelta } from '../../src/pricing/pnl.js';
import { limitPriceFor } from '../../src/pricing/sizing.js';

const THRESHOLDS = { threshold: 0.02, critical: 0.05 };

const book = (symbol: string, bids: BookLevel[], asks: BookLevel[]): OrderBook =>
  orderBook({ venue: 'x', symbol, bids, asks, eventTime: null, receivedAt: 0 });
const PERP_BOOK = book('ABC/USDT:USDT', [[100.1, 10]], [[100.2, 10]]);
/** A perp book that moved away after the limit was set on PERP_BOOK: nothing within it. */
const PERP_GONE = book('ABC/USDT:USDT', [[90, 10]], [[110, 10]]);
const MARK = 100.15;

function harness(perp: (OrderBook | Error)[]) {
  const clock = new SimClock(1_000_000);
  let served = 0;
  const source: BookSource = (_venue, symbol) => {
    if (symbol !== PERP.symbol) return Promise.reject(new Error(`unexpected book ${symbol}`));
    const item = perp[Math.min(served++, perp.length - 1)] as OrderBook | Error;
    return item instanceof Error ? Promise.reject(item) : Promise.resolve(item);
  };
  const written: LedgerEvent[] = [];
  const deps = { execution: new SimExecution(source, clock, { latencyMs: 50, bookDepth: 50 }), clock, sink: (e: readonly LedgerEvent[]) => void written.push(...e) };
  return { deps, written };
}

/** The drift check's correction for `holdings`, with its IOC limit on PERP_BOOK at 20 bps. */
function correction(holdings: PositionHoldings, state: PositionState = 'open') {
  const a = assessDrift({ position: { ...SPEC, ...holdings, state }, markets: MARKETS, mark: MARK, spotPrice: 99.95 }, THRESHOLDS);
  if (a.correction === null) throw new Error(`no correction: ${a.problem}`);
  const limit = limitPriceFor(PERP, PERP_BOOK, a.correction.action.side, 20);
  if ('problem' in limit) throw new Error(limit.problem);
  return { assessment: a, order: a.correction.action, limitPrice: limit.limit };
}

const submitted = (o: ExecutionOutcome) => o.events.filter((e) => e.type === 'order.submitted');
const transitions = (o: ExecutionOutcome) => o.events.filter((e) => e.type === 'position.transition').map((e) => `${e.from} → ${e.to}`);

describe('REBALANCE', () => {
  it('a perp shortfall is sold to within one lot: rebalancing → open, order on the lot, not reduce-only (it grows the short)', async () => {
    // 10 ABC spot hedged by only 9.5 contracts: net +0.5 ABC long, 5% of the spot leg.
    const held = { spotQty: 10, perpContracts: -9.5 };
    const c = correction(held);
    expect(c.assessment.drift).toBeCloseTo(0.05, 12);
    expect(c.order).toMatchObject({ leg: 'perp', side: 'sell', amount: 0.5, contracts: 0.5 });
    const { deps, written } = harness([PERP_BOOK]);
    const o = await rebalancePosition(deps, { spec: SPEC, markets: MARKETS, state: 'open', holdings: held, attempt: 1, order: c.order, limitPrice: c.limitPrice, flag: null, reason: 'rebalance: test' });

    expect(transitions(o)).toEqual(['open → rebalancing', 'rebalancing → open']);
    expect(submitted(o)).toEqual([expect.objectContaining({ clientOrderId: 'p1:rebalance:perp:1', purpose: 'rebalance', side: 'sell', amount: 0.5, reduceOnly: false })]);
    const fills = o.events.filter((e) => e.type === 'order.fill');
    expect(fills).toEqual([expect.objectContaining({ orderId: 'p1:rebalance:perp:1', side: 'sell', amount: 0.5, price: 100.1, contracts: 0.5 })]);
    expect(o.state).toBe('open');
    expect(o.flag).toBeNull();
    expect(o.holdings).toEqual({ spotQty: 10, perpContracts: -10 });
    // Within one perp lot (0.01 ABC) of flat, and no longer beyond the threshold.
    expect(Math.abs(residualDelta(SPEC, o.holdings, MARK).exposure)).toBeLessThanOrEqual(PERP.amountStep);
    expect(assessDrift({ position: { ...SPEC, ...o.holdings, state: 'open' }, markets: MARKETS, mark: MARK }, THRESHOLDS).beyond).toBe(false);
    // Every event reached the ledger's sink, in order, and every transition is in the table.
    expect(written).toEqual(o.events);
    for (const e of o.events) if (e.type === 'position.transition') expect(canTransition(e.from, e.to)).toBe(true);
  });

  it('an over-hedged perp is bought back reduce-only, on the lot; a drift flag is cleared', async () => {
    // Short 10.53 contracts against 10 ABC: net -0.53 ABC; the correction buys 0.53 back.
    const held = { spotQty: 10, perpContracts: -10.53 };
    const c = correction(held);
    expect(c.order).toMatchObject({ leg: 'perp', side: 'buy', amount: 0.53 });
    const { deps } = harness([PERP_BOOK]);
    const o = await rebalancePosition(deps, { spec: SPEC, markets: MARKETS, state: 'open', holdings: held, attempt: 3, order: c.order, limitPrice: c.limitPrice, flag: 'residual_delta', reason: 'rebalance: test' });
    expect(submitted(o)).toEqual([expect.objectContaining({ clientOrderId: 'p1:rebalance:perp:3', side: 'buy', amount: 0.53, reduceOnly: true })]);
    expect(o.holdings).toEqual({ spotQty: 10, perpContracts: -10 });
    expect(o.events.at(-1)).toMatchObject({ type: 'position.flagged', flag: null });
  });

  it('a correction that cannot fill leaves the position open and flagged, holdings unchanged', async () => {
    const held = { spotQty: 10, perpContracts: -9.5 };
    const c = correction(held);
    const { deps } = harness([PERP_GONE]);
    const o = await rebalancePosition(deps, { spec: SPEC, markets: MARKETS, state: 'open', holdings: held, attempt: 1, order: c.order, limitPrice: c.limitPrice, flag: null, reason: 'rebalance: test' });
    expect(transitions(o)).toEqual(['open → rebalancing', 'rebalancing → open']);
    expect(o.events.filter((e) => e.type === 'order.fill')).toEqual([]);
    expect(o.state).toBe('open');
    expect(o.flag).toBe('rebalance_unfilled');
    expect(o.holdings).toEqual(held);
  });

  it('the venue not answering leaves it rebalancing and flagged; the resume (attempt 2) finishes it', async () => {
    const held = { spotQty: 10, perpContracts: -9.5 };
    const c = correction(held);
    const timeout = new CarryError('CARRY_VENUE_TIMEOUT', 'retry', 'x: request timed out', { venue: 'x' });
    const { deps } = harness([timeout, PERP_BOOK]);
    const o = await rebalancePosition(deps, { spec: SPEC, markets: MARKETS, state: 'open', holdings: held, attempt: 1, order: c.order, limitPrice: c.limitPrice, flag: null, reason: 'rebalance: test' });
    expect(o.state).toBe('rebalancing');
    expect(o.flag).toBe('venue_unreachable');
    expect(o.interrupted?.code).toBe('CARRY_VENUE_TIMEOUT');
    expect(o.events.filter((e) => e.type === 'order.done')).toEqual([]);

    const r = await rebalancePosition(deps, { spec: SPEC, markets: MARKETS, state: o.state, holdings: o.holdings, attempt: 2, order: c.order, limitPrice: c.limitPrice, flag: o.flag, reason: 'resume rebalancing' });
    expect(transitions(r)).toEqual(['rebalancing → open']);
    expect(submitted(r)).toEqual([expect.objectContaining({ clientOrderId: 'p1:rebalance:perp:2' })]);
    expect(r.holdings).toEqual({ spotQty: 10, perpContracts: -10 });
  });

  it('a resumed run with nothing left to correct goes straight back to open, placing nothing', async () => {
    const { deps } = harness([PERP_BOOK]);
    const o = await rebalancePosition(deps, { spec: SPEC, markets: MARKETS, state: 'rebalancing', holdings: { spotQty: 10, perpContracts: -10 }, attempt: 2, order: null, limitPrice: 0, flag: null, reason: 'resume rebalancing' });
    expect(transitions(o)).toEqual(['rebalancing → open']);
    expect(submitted(o)).toEqual([]);
  });

  it('refuses positions that are not held open', async () => {
    const { deps } = harness([PERP_BOOK]);
    await expect(
      rebalancePosition(deps, { spec: SPEC, markets: MARKETS, state: 'closing', holdings: { spotQty: 10, perpContracts: -9.5 }, attempt: 1, order: null, limitPrice: 0, flag: null, reason: 'x' }),
    ).rejects.toThrow(/cannot rebalance a closing position/);
  });
});
