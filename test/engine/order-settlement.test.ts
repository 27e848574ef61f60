import { describe, expect, it } from 'vitest';
import { SimClock } from '../../src/domain/clock.js';
import { CarryError } from '../../src/domain/errors.js';
import type { LedgerEvent } from '../../src/domain/events.js';
import { settleUnknownOrders } from '../../src/engine/order-settlement.js';
import type { ExecutionPort, OrderLookup, OrderRef, OrderResult } from '../../src/execution/port.js';
import type { OrderRow } from '../../src/store/rows.js';
import { PERP, SPOT } from '../support/abc-markets.js';

const row = (over: Partial<OrderRow> = {}): OrderRow => ({
  orderId: 'p1:hedge:perp:1',
  clientOrderId: 'p1:hedge:perp:1',
  positionId: 'p1',
  venue: 'x',
  leg: 'perp',
  symbol: PERP.symbol,
  side: 'sell',
  purpose: 'hedge',
  amount: 2,
  limitPrice: 99,
  reduceOnly: false,
  status: 'submitted',
  filledAmount: 0,
  reason: null,
  submittedAt: 1_000,
  doneAt: null,
  venueOrderId: null,
  ...over,
});

const final = (status: OrderResult['status'], fills: [number, number][]): OrderLookup => ({
  kind: 'final',
  result: {
    clientOrderId: 'p1:hedge:perp:1',
    orderId: 'v-1',
    status,
    filledAmount: fills.reduce((s, [, a]) => s + a, 0),
    avgPrice: fills.length ? fills[0]![0] : null,
    fills: fills.map(([price, amount], i) => ({ price, amount, fee: 0.01 * (i + 1), feeCurrency: 'USDT', ts: 1_500, tradeId: `t${i}` })),
    reason: null,
    ts: 1_500,
  },
});

/** A venue that answers lookups from a script, counting cancels. */
function venue(script: { fetch: OrderLookup | Error; cancel?: OrderLookup | Error }) {
  const calls: string[] = [];
  const port: Pick<ExecutionPort, 'fetchOrder' | 'cancelOrder'> = {
    fetchOrder: async (ref: OrderRef) => {
      calls.push(`fetch ${ref.clientOrderId}`);
      if (script.fetch instanceof Error) throw script.fetch;
      return script.fetch;
    },
    cancelOrder: async (ref: OrderRef) => {
      calls.push(`cancel ${ref.clientOrderId}`);
      const c = script.cancel ?? { kind: 'unknown' };
      if (c instanceof Error) throw c;
      return c;
    },
  };
  return { port, calls };
}

async function settle(script: Parameters<typeof venue>[0], now: number, orders = [row()]) {
  const v = venue(script);
  const events: LedgerEvent[] = [];
  const clock = new SimClock(now);
  const report = await settleUnknownOrders(
    { execution: v.port, clock, sink: (e) => events.push(...e), marketOf: (_v, s) => (s === PERP.symbol ? PERP : s === SPOT.symbol ? SPOT : null), neverSeenAfterMs: 5_000 },
    orders,
  );
  return { report, events, calls: v.calls };
}

describe('settling orders whose answer was lost', () => {
  it('books what the venue says filled, with its fees, never the requested amount', async () => {
    const { report, events, calls } = await settle({ fetch: final('partial', [[100, 0.5], [99.5, 0.25]]) }, 2_000);
    expect(calls).toEqual(['fetch p1:hedge:perp:1']);
    expect(events.map((e) => e.type)).toEqual(['order.fill', 'order.fill', 'order.done']);
    const done = events[2] as Extract<LedgerEvent, { type: 'order.done' }>;
    expect(done.status).toBe('partial');
    expect(done.filledAmount).toBe(0.75);
    const fills = events.filter((e): e is Extract<LedgerEvent, { type: 'order.fill' }> => e.type === 'order.fill');
    expect(fills.map((f) => [f.price, f.amount, f.fee])).toEqual([[100, 0.5, 0.01], [99.5, 0.25, 0.02]]);
    expect(report.settled[0]?.how).toBe('final');
  });

  it('cancels an order still open on the venue, then books how it ended', async () => {
    const { events, calls, report } = await settle({ fetch: { kind: 'open', orderId: 'v-1', filledAmount: 1 }, cancel: final('partial', [[100, 1]]) }, 2_000);
    expect(calls).toEqual(['fetch p1:hedge:perp:1', 'cancel p1:hedge:perp:1']);
    expect(events.at(-1)).toMatchObject({ type: 'order.done', status: 'partial', filledAmount: 1 });
    expect(report.settled[0]?.how).toBe('cancelled');
  });

  it('an order the venue never saw is unfilled only once its receive window has passed', async () => {
    const early = await settle({ fetch: { kind: 'unknown' } }, 1_000 + 4_999);
    expect(early.events).toEqual([]);
    expect(early.report.pending[0]?.why).toMatch(/no record of it yet/);
    const late = await settle({ fetch: { kind: 'unknown' } }, 1_000 + 5_000);
    expect(late.events).toMatchObject([{ type: 'order.done', status: 'unfilled', filledAmount: 0 }]);
    expect(late.report.settled[0]?.how).toBe('never_reached');
  });

  it('a venue that does not answer leaves the order unsettled and sends nothing new', async () => {
    const { events, report, calls } = await settle({ fetch: new CarryError('CARRY_VENUE_TIMEOUT', 'retry', 'no answer') }, 9_000);
    expect(events).toEqual([]);
    expect(report.pending[0]?.why).toMatch(/did not answer/);
    expect(calls).toEqual(['fetch p1:hedge:perp:1']);
  });

  it('orders already done are not asked about', async () => {
    const { calls } = await settle({ fetch: { kind: 'unknown' } }, 9_000, [row({ status: 'filled', doneAt: 1_200 })]);
    expect(calls).toEqual([]);
  });

  it('a programming error is not swallowed as a venue fault', async () => {
    await expect(settle({ fetch: new TypeError('bug') }, 9_000)).rejects.toThrow('bug');
  });
});
