/** risk.state events and their projection, deny codes on decisions, venue order ids, the day's results. */
import { describe, expect, it } from 'vitest';
import type { LedgerEvent, RiskStateChanged } from '../../src/domain/events.js';
import { riskStateEvent, riskTransitions, INITIAL_RISK_STATUS } from '../../src/engine/risk-state.js';
import { LedgerRejectedError } from '../../src/store/errors.js';
import { created, funded, HOUR, linearFunding, linearSpec, memoryLedger, T0, trade, transition } from './fixtures.js';

const move = (from: RiskStateChanged['from'], to: RiskStateChanged['to'], trigger: RiskStateChanged['trigger'], causes: RiskStateChanged['causes'], ts = T0): RiskStateChanged => ({
  type: 'risk.state',
  ts,
  from,
  to,
  trigger,
  reason: `${trigger} test`,
  causes,
});

function rejected(fn: () => void): LedgerRejectedError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LedgerRejectedError);
    return e as LedgerRejectedError;
  }
  throw new Error('expected a LedgerRejectedError');
}

describe('risk states', () => {
  it('a new ledger is active with no cause and no history', () => {
    const l = memoryLedger();
    expect(l.riskState()).toBe('active');
    expect(l.riskStatus()).toEqual({ state: 'active', causes: [] });
    expect(l.riskHistory()).toEqual([]);
  });

  it('the machine\'s steps, recorded, are what the ledger reads back: latest state, causes, history newest first; and they verify', () => {
    const l = memoryLedger();
    const steps = riskTransitions(INITIAL_RISK_STATUS, ['daily_loss_limit', 'venue_unreachable', 'venue_unreachable', 'kill']);
    const events = steps.map((s, i) => riskStateEvent(s, T0 + i, `step ${i}`)).filter((e): e is RiskStateChanged => e !== null);
    expect(events).toHaveLength(3); // the repeated venue_unreachable changes nothing
    l.append(events);
    expect(l.riskState()).toBe('halted');
    expect(l.riskStatus()).toEqual({ state: 'halted', causes: ['daily_loss_limit', 'venue_unreachable'] });
    expect(l.riskHistory().map((r) => [r.from, r.to, r.trigger, r.causes])).toEqual([
      ['reducing', 'halted', 'kill', ['daily_loss_limit', 'venue_unreachable']],
      ['reducing', 'reducing', 'venue_unreachable', ['daily_loss_limit', 'venue_unreachable']],
      ['active', 'reducing', 'daily_loss_limit', ['daily_loss_limit']],
    ]);
    expect(l.riskHistory({ limit: 1 })).toEqual([
      { eventSeq: expect.any(Number), ts: T0 + 3, from: 'reducing', to: 'halted', trigger: 'kill', reason: 'step 3', causes: ['daily_loss_limit', 'venue_unreachable'] },
    ]);
    expect(l.history({ limit: 1 })[0]?.type).toBe('risk.state');
    expect(l.verify()).toMatchObject({ ok: true, differences: [] });
  });

  it('a move from a state the ledger is not in is refused as stale, and nothing of its batch is written', () => {
    const l = memoryLedger();
    l.append([move('active', 'halted', 'kill', [])]);
    const e = rejected(() => l.append([funded('binance', 'USDT', 1_000), move('active', 'reducing', 'leverage', ['leverage'])]));
    expect(e.rule).toBe('stale_transition');
    expect(e.message).toMatch(/event 2 of 2 \(risk\.state\): trading state active → reducing refused, the ledger has trading halted/);
    expect(l.walletBalances()).toEqual([]);
    expect(l.riskState()).toBe('halted');
  });

  it('a record that changes nothing (same state, same causes) is refused; same state with other causes is kept', () => {
    const l = memoryLedger();
    l.append([move('active', 'reducing', 'leverage', ['leverage'])]);
    const e = rejected(() => l.append([move('reducing', 'reducing', 'leverage', ['leverage'])]));
    expect(e.rule).toBe('invalid_transition');
    expect(e.message).toMatch(/trading state reducing → reducing with causes \[leverage\] changes nothing/);
    l.append([move('reducing', 'reducing', 'venue_unreachable', ['leverage', 'venue_unreachable'])]);
    expect(l.riskStatus().causes).toEqual(['leverage', 'venue_unreachable']);
    // A halted ledger with no cause asked to halt again: nothing to record.
    const h = memoryLedger();
    h.append([move('active', 'halted', 'kill', [])]);
    expect(rejected(() => h.append([move('halted', 'halted', 'kill', [])])).rule).toBe('invalid_transition');
  });

  const invalid: [string, LedgerEvent, RegExp][] = [
    ['active with a cause', move('reducing', 'active', 'user_resume', ['leverage']), /causes: active with a reducing cause held/],
    ['reducing without a cause', move('active', 'reducing', 'leverage', []), /causes: reducing without a cause/],
    ['leaving halted other than by user_resume', move('halted', 'active', 'loss_window_reset', []), /trigger: only user_resume leaves halted/],
    ['an unknown trigger', { ...move('active', 'halted', 'kill', []), trigger: 'panic' } as unknown as LedgerEvent, /trigger: Invalid option/],
    ['causes out of order', move('active', 'reducing', 'leverage', ['venue_unreachable', 'leverage']), /causes: distinct, in the order/],
    ['a cause twice', move('active', 'reducing', 'leverage', ['leverage', 'leverage']), /causes: distinct/],
  ];
  it.each(invalid)('the event schema refuses %s', (_name, e, message) => {
    const l = memoryLedger();
    const err = rejected(() => l.append([e]));
    expect(err.rule).toBe('invalid_event');
    expect(err.message).toMatch(message);
  });
});

describe('decisions carry the gate\'s code, limit and value', () => {
  it('a deny with them, a deny without (older callers) and a skip', () => {
    const l = memoryLedger();
    l.append([
      { type: 'decision', ts: T0, venue: 'binance', symbol: 'BTC/USDT:USDT', action: 'deny', reason: 'leverage 4.20 over risk.maxLeverage 3', code: 'leverage', limit: 3, value: 4.2 },
      { type: 'decision', ts: T0 + 1, venue: 'binance', symbol: 'BTC/USDT:USDT', action: 'deny', reason: 'trading state is halted: no new positions', code: 'state', limit: null, value: null },
      { type: 'decision', ts: T0 + 2, venue: 'okx', symbol: 'ETH/USDT:USDT', action: 'deny', reason: 'old-style' },
      { type: 'decision', ts: T0 + 3, venue: 'okx', symbol: 'ETH/USDT:USDT', action: 'skip', reason: 'already held' },
    ]);
    expect(l.decisions({ limit: 10 }).map((d) => [d.action, d.code, d.limit, d.value])).toEqual([
      ['skip', null, null, null],
      ['deny', null, null, null],
      ['deny', 'state', null, null],
      ['deny', 'leverage', 3, 4.2],
    ]);
    expect(l.verify().ok).toBe(true);
  });

  it('an unknown code is refused', () => {
    const l = memoryLedger();
    const e = { type: 'decision', ts: T0, venue: 'binance', symbol: 'X', action: 'deny', reason: 'r', code: 'vibes' } as unknown as LedgerEvent;
    expect(rejected(() => l.append([e])).message).toMatch(/code: Invalid option/);
  });
});

describe('orders keep the venue order id order.done carries', () => {
  it('set when given, null when not', () => {
    const l = memoryLedger();
    const spec = linearSpec();
    const [sub, fill, done] = trade({ spec, leg: 'spot', side: 'buy', qty: 0.1, price: 50_000, feeRate: 0.001, orderId: 'o1' });
    const perp = trade({ spec, leg: 'perp', side: 'sell', qty: 0.1, price: 50_000, feeRate: 0.0005, orderId: 'o2' });
    l.append([funded('binance', 'USDT', 10_000), created(spec), sub!, fill!, { ...(done as Extract<LedgerEvent, { type: 'order.done' }>), venueOrderId: '8389765521' }, ...perp]);
    expect(l.orders('p1').map((o) => [o.orderId, o.venueOrderId])).toEqual([
      ['o1', '8389765521'],
      ['o2', null],
    ]);
    expect(l.verify().ok).toBe(true);
  });

  it('an empty venue order id is refused', () => {
    const l = memoryLedger();
    const spec = linearSpec();
    const [sub, fill, done] = trade({ spec, leg: 'spot', side: 'buy', qty: 0.1, price: 50_000, feeRate: 0.001 });
    l.append([funded('binance', 'USDT', 10_000), created(spec), sub!, fill!]);
    expect(rejected(() => l.append([{ ...(done as Extract<LedgerEvent, { type: 'order.done' }>), venueOrderId: '' }])).message).toMatch(/venueOrderId/);
  });
});

describe('pnlSince: realised, funding and fees from a time on', () => {
  it('counts fills by their time and funding by its settlement time', () => {
    const l = memoryLedger();
    const spec = linearSpec();
    const day = T0 + 24 * HOUR;
    l.append([
      funded('binance', 'USDT', 100_000),
      created(spec),
      ...trade({ spec, leg: 'spot', side: 'buy', qty: 1, price: 50_000, feeRate: 0.001, ts: T0 }),
      ...trade({ spec, leg: 'perp', side: 'sell', qty: 1, price: 50_000, feeRate: 0.0005, ts: T0 }),
      transition('p1', 'pending_open', 'open', T0),
      // Yesterday's settlement, booked after midnight (a restart): still yesterday's.
      { ...linearFunding(spec, -1, day - HOUR, 0.0001, 50_000, 5), ts: day + HOUR },
      linearFunding(spec, -1, day + 8 * HOUR, 0.0001, 50_000, 5),
      // Today: sell the spot 1,000 lower (−1,000 realised), buy the perp back 1,000 lower (+1,000).
      ...trade({ spec, leg: 'spot', side: 'sell', qty: 1, price: 49_000, feeRate: 0.001, ts: day + 9 * HOUR, purpose: 'close' }),
      ...trade({ spec, leg: 'perp', side: 'buy', qty: 0.5, price: 49_000, feeRate: 0.0005, ts: day + 9 * HOUR, purpose: 'close' }),
    ]);
    const today = l.pnlSince(day);
    expect(today.realised).toBeCloseTo(-1_000 + 500, 9);
    expect(today.funding).toBeCloseTo(5, 9);
    expect(today.fees).toBeCloseTo(49 + 0.5 * 49_000 * 0.0005, 9);
    const all = l.pnlSince(0);
    expect(all.funding).toBeCloseTo(10, 9);
    expect(all.fees).toBeCloseTo(50 + 25 + 49 + 12.25, 9);
    expect(l.pnlSince(day + 10 * HOUR)).toEqual({ realised: 0, funding: 0, fees: 0 });
  });
});
