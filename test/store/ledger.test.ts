import { describe, expect, it } from 'vitest';
import type { FundingPaid, LedgerEvent } from '../../src/domain/events.js';
import { LedgerRejectedError, type LedgerRule } from '../../src/store/errors.js';
import type { Ledger } from '../../src/store/ledger.js';
import {
  HOUR,
  T0,
  balance,
  created,
  fillOf,
  funded,
  inverseSpec,
  linearFunding,
  linearSpec,
  memoryLedger,
  trade,
  transition,
} from './fixtures.js';

function rejected(fn: () => unknown, rule: LedgerRule): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerRejectedError);
    expect((e as LedgerRejectedError).rule).toBe(rule);
    expect((e as LedgerRejectedError).code).toBe('CARRY_INTERNAL');
    return (e as Error).message;
  }
  throw new Error(`expected the ledger to refuse (${rule})`);
}

/** Everything a batch could have touched, to prove a refused batch touched nothing. */
function snapshot(l: Ledger): unknown {
  return {
    events: l.countEvents(),
    positions: l.positions(),
    fills: l.fills(),
    funding: l.fundingPayments(),
    wallet: l.walletEntries(),
  };
}

const spec = linearSpec('p1');

function opened(l: Ledger): void {
  l.append([
    funded('binance', 'USDT', 20_000),
    created(spec),
    ...trade({ spec, leg: 'spot', side: 'buy', qty: 0.2, price: 50_000, feeRate: 0.001 }),
    ...trade({ spec, leg: 'perp', side: 'sell', qty: 0.2, price: 50_010, feeRate: 0.0005, purpose: 'hedge' }),
    transition('p1', 'pending_open', 'open', T0 + 1),
  ]);
}

describe('append is all or nothing', () => {
  it('a schema-invalid event at the end of a batch writes nothing of the batch', () => {
    const l = memoryLedger();
    opened(l);
    const before = snapshot(l);
    const bad = { ...fillOf({ spec, leg: 'spot', side: 'sell', qty: 0.1, price: Number.NaN, feeRate: 0 }, 'x') };
    const msg = rejected(
      () => l.append([transition('p1', 'open', 'closing'), funded('binance', 'USDT', 5), bad as LedgerEvent]),
      'invalid_event',
    );
    expect(msg).toMatch(/event 3 of 3 \(order\.fill\): price/);
    expect(snapshot(l)).toEqual(before);
    expect(l.position('p1')?.state).toBe('open');
  });

  it('a rule broken by the last event rolls back the events and projections before it', () => {
    const l = memoryLedger();
    opened(l);
    const before = snapshot(l);
    const close = trade({ spec, leg: 'spot', side: 'sell', qty: 0.2, price: 50_200, feeRate: 0.001, purpose: 'close' });
    const strayFill = fillOf({ spec, leg: 'perp', side: 'buy', qty: 0.2, price: 50_215, feeRate: 0.0005 }, 'no-such-order');
    const msg = rejected(() => l.append([transition('p1', 'open', 'closing'), ...close, strayFill]), 'unknown_order');
    expect(msg).toMatch(/event 5 of 5/);
    expect(snapshot(l)).toEqual(before);
    expect(l.position('p1')?.spotQty).toBeCloseTo(0.2, 12);
  });

  it('rejects a fractional or missing timestamp, an unknown type, a non-object', () => {
    const l = memoryLedger();
    rejected(() => l.append([{ ...funded('binance', 'USDT', 1), ts: 1.5 } as LedgerEvent]), 'invalid_event');
    rejected(() => l.append([{ type: 'wallet.funded', venue: 'x' } as unknown as LedgerEvent]), 'invalid_event');
    rejected(() => l.append([{ type: 'wallet.magic', ts: 1 } as unknown as LedgerEvent]), 'invalid_event');
    rejected(() => l.append([null as unknown as LedgerEvent]), 'invalid_event');
    rejected(() => l.append([funded('binance', 'USDT', Number.POSITIVE_INFINITY)]), 'invalid_event');
    expect(l.countEvents()).toBe(0);
  });

  it('stores events exactly as given and returns them newest first', () => {
    const l = memoryLedger();
    opened(l);
    const h = l.history({ limit: 3 });
    expect(h.map((r) => r.type)).toEqual(['position.transition', 'order.done', 'order.fill']);
    expect(h[0]?.event).toEqual(transition('p1', 'pending_open', 'open', T0 + 1));
    expect(h[0]?.seq).toBe(l.countEvents());
    expect(l.history({ limit: 100, positionId: 'p1' })).toHaveLength(l.countEvents() - 1); // all but the funding
    expect(l.lastEventTs()).toBe(T0 + 1);
  });
});

describe('position transitions', () => {
  it('refuses a transition whose `from` is not the stored state, and changes nothing', () => {
    const l = memoryLedger();
    l.append([created(spec)]);
    const msg = rejected(() => l.append([transition('p1', 'open', 'closing')]), 'stale_transition');
    expect(msg).toMatch(/the ledger has it in state pending_open/);
    expect(l.position('p1')?.state).toBe('pending_open');
  });

  it('refuses leaving a final state, a no-op transition, and an unknown position', () => {
    const l = memoryLedger();
    l.append([created(spec), transition('p1', 'pending_open', 'failed', T0 + 5)]);
    rejected(() => l.append([transition('p1', 'failed', 'open')]), 'invalid_transition');
    l.append([created(linearSpec('p2'))]);
    rejected(() => l.append([transition('p2', 'pending_open', 'pending_open')]), 'invalid_transition');
    rejected(() => l.append([transition('nope', 'pending_open', 'open')]), 'unknown_position');
    rejected(() => l.append([created(linearSpec('p2'))]), 'duplicate_position');
  });

  it('stamps opened_at on the first open and closed_at on close', () => {
    const l = memoryLedger();
    l.append([
      created(spec, T0),
      transition('p1', 'pending_open', 'open', T0 + 10),
      transition('p1', 'open', 'rebalancing', T0 + 20),
      transition('p1', 'rebalancing', 'open', T0 + 30),
      transition('p1', 'open', 'closing', T0 + 40),
      transition('p1', 'closing', 'closed', T0 + 50),
    ]);
    const p = l.position('p1');
    expect([p?.createdAt, p?.openedAt, p?.closedAt, p?.updatedAt]).toEqual([T0, T0 + 10, T0 + 50, T0 + 50]);
    expect(l.openPositions()).toEqual([]);
    expect(l.positions({ state: 'closed' }).map((r) => r.positionId)).toEqual(['p1']);
  });

  it('flags and clears a position (a venue stopped answering): it stays open', () => {
    const l = memoryLedger();
    opened(l);
    l.append([{ type: 'position.flagged', ts: T0 + 2, positionId: 'p1', flag: 'venue_unavailable', message: 'binance timed out 3×' }]);
    expect(l.openPositions().map((p) => [p.positionId, p.state, p.flag])).toEqual([['p1', 'open', 'venue_unavailable']]);
    l.append([{ type: 'position.flagged', ts: T0 + 3, positionId: 'p1', flag: null, message: 'binance answers again' }]);
    expect(l.position('p1')?.flag).toBeNull();
    expect(l.position('p1')?.flagMessage).toBe('binance answers again');
  });
});

describe('orders and fills', () => {
  it('holdings are signed from fills: spot buy +, perp sell − (in contracts)', () => {
    const okx = linearSpec('o1', { venue: 'okx', perpSymbol: 'BTC/USDT:USDT', contractSize: 0.01 });
    const l = memoryLedger();
    l.append([
      created(okx),
      ...trade({ spec: okx, leg: 'spot', side: 'buy', qty: 0.5, price: 60_000, feeRate: 0.001 }),
      ...trade({ spec: okx, leg: 'perp', side: 'sell', qty: 50, price: 60_010, feeRate: 0.0005 }),
    ]);
    const p = l.position('o1');
    expect(p?.spotQty).toBe(0.5);
    expect(p?.perpContracts).toBe(-50);
    expect(p?.spotEntryPrice).toBe(60_000);
    expect(p?.perpEntryPrice).toBe(60_010);
    // Reduce the perp by 20 contracts at 59,010: −1 × 20 × 0.01 × (59,010 − 60,010) = +200 USDT
    l.append(trade({ spec: okx, leg: 'perp', side: 'buy', qty: 20, price: 59_010, feeRate: 0, purpose: 'rebalance' }));
    expect(l.position('o1')?.perpContracts).toBe(-30);
    expect(l.position('o1')?.realisedPerp).toBeCloseTo(200, 9);
    expect(balance(l, 'okx', 'USDT')).toBeCloseTo(-0.5 * 60_000 * 1.001 - 50 * 0.01 * 60_010 * 0.0005 + 200, 9);
  });

  it('records partial fills against the order and refuses an overfill', () => {
    const l = memoryLedger();
    l.append([created(spec)]);
    const [submitted, fill1] = trade({ spec, leg: 'spot', side: 'buy', qty: 0.1, orderQty: 0.3, price: 50_000, feeRate: 0.001, orderId: 'o-part' });
    l.append([submitted as LedgerEvent, fill1 as LedgerEvent]);
    l.append([fillOf({ spec, leg: 'spot', side: 'buy', qty: 0.15, price: 50_010, feeRate: 0.001 }, 'o-part')]);
    expect(l.orders('p1')[0]?.filledAmount).toBeCloseTo(0.25, 12);
    expect(l.orders('p1')[0]?.status).toBe('submitted');
    rejected(() => l.append([fillOf({ spec, leg: 'spot', side: 'buy', qty: 0.1, price: 50_000, feeRate: 0 }, 'o-part')]), 'overfill');
    // order.done must agree with the recorded fills (the filled, never the requested quantity).
    const done = (filledAmount: number): LedgerEvent => ({ type: 'order.done', ts: T0, orderId: 'o-part', positionId: 'p1', status: 'partial', filledAmount, reason: 'IOC rest cancelled' });
    rejected(() => l.append([done(0.3)]), 'order_done');
    l.append([done(0.25)]);
    expect(l.orders('p1')[0]?.status).toBe('partial');
    expect(l.orders('p1')[0]?.reason).toBe('IOC rest cancelled');
    rejected(() => l.append([done(0.25)]), 'order_done');
    // Holdings: 0.1 at 50,000 + 0.15 at 50,010, average 50,006.
    expect(l.position('p1')?.spotQty).toBeCloseTo(0.25, 12);
    expect(l.position('p1')?.spotEntryPrice).toBeCloseTo(50_006, 9);
  });

  it('refuses a fill that does not match its order, a duplicate fill, and a duplicate client order id', () => {
    const l = memoryLedger();
    l.append([created(spec), ...trade({ spec, leg: 'spot', side: 'buy', qty: 0.1, orderQty: 0.2, price: 50_000, feeRate: 0, orderId: 'o1' })].slice(0, 2));
    const wrongSide = fillOf({ spec, leg: 'spot', side: 'sell', qty: 0.1, price: 50_000, feeRate: 0 }, 'o1');
    rejected(() => l.append([wrongSide]), 'mismatch');
    const f = fillOf({ spec, leg: 'spot', side: 'buy', qty: 0.05, price: 50_000, feeRate: 0 }, 'o1');
    l.append([f]);
    rejected(() => l.append([f]), 'duplicate_fill');
    const again = trade({ spec, leg: 'spot', side: 'buy', qty: 0.1, price: 50_000, feeRate: 0, orderId: 'o2' })[0] as LedgerEvent;
    rejected(() => l.append([{ ...again, clientOrderId: 'c-o1' } as LedgerEvent]), 'duplicate_order');
    expect(l.hasOrder('c-o1')).toBe(true);
    expect(l.hasOrder('c-o2')).toBe(false);
    expect(l.orderByClientId('c-o1')?.orderId).toBe('o1');
  });

  it('refuses an order on the wrong symbol or venue, or for a closed position', () => {
    const l = memoryLedger();
    l.append([created(spec)]);
    const o = trade({ spec, leg: 'perp', side: 'sell', qty: 0.1, price: 50_000, feeRate: 0 })[0] as LedgerEvent;
    rejected(() => l.append([{ ...o, symbol: 'ETH/USDT:USDT' } as LedgerEvent]), 'mismatch');
    rejected(() => l.append([{ ...o, venue: 'okx' } as LedgerEvent]), 'mismatch');
    l.append([transition('p1', 'pending_open', 'failed')]);
    rejected(() => l.append([o]), 'position_final');
  });

  it('a spot fee charged in the coin leaves that much less coin on the leg and in the wallet', () => {
    const l = memoryLedger();
    const [sub, fill, done] = trade({ spec, leg: 'spot', side: 'buy', qty: 0.2, price: 50_000, feeRate: 0 });
    // Binance without BNB: 0.1% of 0.2 BTC taken in BTC, worth 10 USDT.
    const coinFee = { ...(fill as object), fee: 0.0002, feeCurrency: 'BTC', feeQuote: 10 } as LedgerEvent;
    l.append([funded('binance', 'USDT', 10_000), created(spec), sub as LedgerEvent, coinFee, done as LedgerEvent]);
    expect(l.position('p1')?.spotQty).toBeCloseTo(0.1998, 12);
    expect(l.position('p1')?.spotEntryPrice).toBe(50_000);
    expect(l.position('p1')?.feesQuote).toBe(10);
    expect(balance(l, 'binance', 'BTC')).toBeCloseTo(0.1998, 12);
    expect(balance(l, 'binance', 'USDT')).toBeCloseTo(0, 9);
  });
});

describe('funding payments: never counted twice', () => {
  it('a second payment for the same settlement is refused; the first stays, balances unchanged', () => {
    const l = memoryLedger();
    opened(l);
    const pay = linearFunding(spec, -0.2, T0 + 8 * HOUR, 0.0001, 50_100, 1.002);
    l.append([pay]);
    const usdt = balance(l, 'binance', 'USDT');
    expect(l.hasFundingPayment('p1', T0 + 8 * HOUR)).toBe(true);
    const msg = rejected(() => l.append([{ ...pay, ts: pay.ts + 1000 }]), 'duplicate_funding');
    expect(msg).toContain('2026-08-09T08:00:00.000Z');
    // Even with different numbers (a recomputed rate): refused, not overwritten.
    rejected(() => l.append([{ ...pay, rate: 0.0002, amount: 2.004, amountQuote: 2.004 }]), 'duplicate_funding');
    // And within one batch.
    const next = linearFunding(spec, -0.2, T0 + 16 * HOUR, 0.00012, 49_900, 1.1976);
    rejected(() => l.append([next, next]), 'duplicate_funding');
    expect(l.fundingPayments('p1')).toHaveLength(1);
    expect(balance(l, 'binance', 'USDT')).toBe(usdt);
    expect(l.position('p1')?.funding).toBe(1.002);
    expect(l.lastFundingSettlement('p1')).toBe(T0 + 8 * HOUR);
  });

  it('continuous accrual periods may touch but never overlap', () => {
    const d = inverseSpec('d1');
    const l = memoryLedger();
    l.append([created(d), ...trade({ spec: d, leg: 'perp', side: 'sell', qty: 4_000, price: 40_000, feeRate: 0 })]);
    const accrual = (start: number, end: number): FundingPaid => ({
      type: 'funding.payment',
      ts: end,
      positionId: 'd1',
      venue: 'deribit',
      symbol: d.perpSymbol,
      settlementTime: end,
      periodStart: start,
      rate: 0.0003,
      markPrice: 40_000,
      contracts: -4_000,
      contractSize: 10,
      settlement: 'inverse',
      amount: ((4_000 * 10 * 0.0003) / 40_000) * ((end - start) / (8 * HOUR)),
      currency: 'BTC',
      amountQuote: 12 * ((end - start) / (8 * HOUR)),
    });
    l.append([accrual(T0, T0 + HOUR), accrual(T0 + HOUR, T0 + 2 * HOUR)]);
    rejected(() => l.append([accrual(T0 + 90 * 60_000, T0 + 3 * HOUR)]), 'duplicate_funding');
    rejected(() => l.append([accrual(T0 - HOUR, T0 + 30 * 60_000)]), 'duplicate_funding');
    expect(l.position('d1')?.fundingQuote).toBeCloseTo(3, 12);
    // A discrete-style payment (no period) on a continuous position is a caller bug.
    rejected(() => l.append([{ ...accrual(T0 + 2 * HOUR, T0 + 3 * HOUR), periodStart: null }]), 'mismatch');
  });

  it('refuses funding on another symbol or in the wrong currency', () => {
    const l = memoryLedger();
    opened(l);
    const pay = linearFunding(spec, -0.2, T0 + 8 * HOUR, 0.0001, 50_100, 1.002);
    rejected(() => l.append([{ ...pay, symbol: 'ETH/USDT:USDT' }]), 'mismatch');
    rejected(() => l.append([{ ...pay, currency: 'USDC' }]), 'mismatch');
    rejected(() => l.append([{ ...pay, positionId: 'nope' }]), 'unknown_position');
  });
});

describe('queries', () => {
  it('wallet balances per venue and currency are sums of the entries', () => {
    const l = memoryLedger();
    l.append([
      funded('binance', 'USDT', 10_000),
      funded('okx', 'USDT', 10_000),
      { type: 'wallet.funded', ts: T0, venue: 'okx', currency: 'USDT', amount: -2_500, reason: 'transfer' },
    ]);
    expect(l.walletBalances()).toEqual([
      { venue: 'binance', currency: 'USDT', amount: 10_000 },
      { venue: 'okx', currency: 'USDT', amount: 7_500 },
    ]);
    expect(l.walletBalances('okx')).toEqual([{ venue: 'okx', currency: 'USDT', amount: 7_500 }]);
    rejected(() => l.append([{ type: 'wallet.funded', ts: T0, venue: 'okx', currency: 'USDT', amount: -1, reason: 'initial' }]), 'invalid_event');
  });

  it('positions by state, open positions, scans, snapshots, decisions', () => {
    const l = memoryLedger();
    l.append([
      created(linearSpec('a'), T0),
      created(linearSpec('b'), T0 + 1),
      created(linearSpec('c'), T0 + 2),
      transition('a', 'pending_open', 'open'),
      transition('c', 'pending_open', 'failed'),
      { type: 'equity.snapshot', ts: T0 + 10, equity: 1, realised: 0, unrealised: 0, funding: 0, fees: 0, openPositions: 2 },
      { type: 'equity.snapshot', ts: T0 + 20, equity: 2, realised: 0, unrealised: 0, funding: 0, fees: 0, openPositions: 2 },
      { type: 'decision', ts: T0 + 21, venue: 'binance', symbol: 'BTC/USDT:USDT', action: 'deny', reason: 'venue cap' },
    ]);
    const row = (venue: string, netApr: number | null) => ({
      venue,
      perpSymbol: 'BTC/USDT:USDT',
      spotSymbol: 'BTC/USDT',
      rate: 0.0001,
      intervalHours: 8,
      netApr,
      maxNotional: 50_000,
      status: 'ok',
    });
    l.append([{ type: 'scan.recorded', ts: T0 + 30, top: [row('binance', 0.3), row('okx', 0.2)] }]);
    l.append([{ type: 'scan.recorded', ts: T0 + 90, top: [row('okx', 0.25), row('bybit', null), row('binance', 0.1)] }]);
    expect(l.openPositions().map((p) => p.positionId)).toEqual(['a', 'b']);
    expect(l.positions({ state: ['open', 'failed'] }).map((p) => p.positionId)).toEqual(['a', 'c']);
    expect(l.positions().map((p) => p.positionId)).toEqual(['a', 'b', 'c']);
    expect(l.equitySnapshots({ since: T0 + 15 }).map((s) => s.equity)).toEqual([2]);
    expect(l.decisions({ limit: 5 })).toEqual([{ ts: T0 + 21, venue: 'binance', symbol: 'BTC/USDT:USDT', action: 'deny', reason: 'venue cap', code: null, limit: null, value: null }]);
    const top = l.scanTop({ limit: 2 });
    expect(top.map((r) => [r.rank, r.venue, r.netApr, r.scanTs])).toEqual([
      [1, 'okx', 0.25, T0 + 90],
      [2, 'bybit', null, T0 + 90],
    ]);
    expect(l.lastEventTs()).toBe(T0 + 90);
  });
});
