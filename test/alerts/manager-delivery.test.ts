/**
 * Delivery from the outbox: each sink on its own, in order, retried with backoff, given up only
 * after giveUpAfterMs, and never blocking another sink.
 */
import { describe, expect, it, vi } from 'vitest';
import { AlertManager, retryAt, DEFAULT_ALERT_SETTINGS, type AlertKey, type AlertSender, type SinkResult } from '../../src/alerts/manager.js';
import { createDispatcher } from '../../src/alerts/dispatcher.js';
import type { Sink } from '../../src/alerts/sinks/sink.js';
import { AlertStore } from '../../src/alerts/store.js';
import type { Alert } from '../../src/domain/alert.js';
import { SimClock } from '../../src/domain/clock.js';

const T0 = Date.UTC(2026, 7, 9, 0, 0, 0);
const SEC = 1000;
const MIN = 60_000;

function check(subject: string): Alert {
  return {
    id: '',
    kind: 'margin',
    severity: 'critical',
    subject,
    positionId: subject,
    venue: 'bybit',
    symbol: 'ETH/USDT:USDT',
    ts: 0,
    status: 'firing',
    title: `${subject} liquidation distance 4.1%`,
    message: 'transfer 1200 USDT funding → unified on bybit',
    actions: [],
    data: { distance: 0.041 },
    nextFundingTime: null,
  };
}

const key = (subject: string): AlertKey => ({ kind: 'margin', subject });

type Answer = SinkResult | 'throw' | Promise<SinkResult>;

/** A sender whose answer per sink the test sets; it logs every call in order. */
function scripted(answer: (sink: string, alert: Alert) => Answer) {
  const calls: { sink: string; subject: string; seq: number }[] = [];
  const sender: AlertSender = async (alert, sinks, context) => {
    const out: SinkResult[] = [];
    for (const sink of sinks) {
      calls.push({ sink, subject: alert.subject, seq: context.seq });
      const a = answer(sink, alert);
      if (a === 'throw') throw new Error(`connect ECONNREFUSED (${sink})`);
      out.push(await a);
    }
    return out;
  };
  return { calls, sender };
}

function setup(sinks: readonly string[], answer: (sink: string, alert: Alert) => Answer) {
  const store = AlertStore.open(':memory:', { mode: 'paper', carryVersion: 'test' });
  const clock = new SimClock(T0);
  const s = scripted(answer);
  const manager = new AlertManager({ store, sender: s.sender, sinks, clock });
  return { store, clock, manager, calls: s.calls };
}

const status = (store: AlertStore, id: string) => store.deliveries(id).map((d) => `${d.sink}:${d.status}:${d.attempts}`);

describe('a failing sink', () => {
  it('does not hold back the others, and is retried with backoff until it recovers; alerts of other keys do not wait for each other', async () => {
    let badUp = false;
    const { store, clock, manager, calls } = setup(['good', 'bad'], (sink) => (sink === 'bad' && !badUp ? { sink, ok: false, error: 'HTTP 500' } : { sink, ok: true }));
    await manager.tick({ now: T0, firing: [check('p1'), check('p2')], checked: [] });
    const [p1, p2] = [`margin:p1:${T0}`, `margin:p2:${T0}`];
    // good got both; bad was tried for both: two alerts, two independent queues.
    expect(calls.map((c) => `${c.sink}/${c.subject}`).sort()).toEqual(['bad/p1', 'bad/p2', 'good/p1', 'good/p2']);
    expect(status(store, p1)).toEqual(['bad:pending:1', 'good:sent:1']);
    expect(status(store, p2)).toEqual(['bad:pending:1', 'good:sent:1']);
    expect(store.deliveries(p1).find((d) => d.sink === 'bad')?.lastError).toBe('HTTP 500');

    // Before the retry time: nothing is tried.
    clock.set(T0 + 29 * SEC);
    expect((await manager.deliver()).attempts).toEqual([]);
    // At the retry time (30 s): both again, still failing; the next try waits twice as long.
    clock.set(T0 + 30 * SEC);
    expect((await manager.deliver()).attempts.map((a) => `${a.sink}/${a.alertId}/${a.ok}/${a.status}`)).toEqual([`bad/${p1}/false/pending`, `bad/${p2}/false/pending`]);
    clock.set(T0 + 89 * SEC);
    expect((await manager.deliver()).attempts).toEqual([]);
    // Back up: both go; good is never sent anything twice.
    badUp = true;
    clock.set(T0 + 90 * SEC);
    const r = await manager.deliver();
    expect(r.attempts.map((a) => `${a.sink}/${a.alertId}`)).toEqual([`bad/${p1}`, `bad/${p2}`]);
    expect(status(store, p1)).toEqual(['bad:sent:3', 'good:sent:1']);
    expect(status(store, p2)).toEqual(['bad:sent:3', 'good:sent:1']);
    expect(calls.filter((c) => c.sink === 'good')).toHaveLength(2);
  });

  it('retry delays double up to retryMaxMs', () => {
    const s = { ...DEFAULT_ALERT_SETTINGS, retryBaseMs: 30 * SEC, retryMaxMs: 15 * MIN };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => (retryAt(s, n, T0) - T0) / SEC)).toEqual([30, 60, 120, 240, 480, 900, 900]);
    expect(retryAt(s, 0, T0)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('is given up (failed) only once its own budget (giveUpAfterMs from its creation) is spent; another alert is sent meanwhile', async () => {
    const { store, clock, manager } = setup(['bad'], (sink, alert) => (alert.subject === 'p1' ? { sink, ok: false, error: 'HTTP 403 Forbidden' } : { sink, ok: true }));
    await manager.tick({ now: T0, firing: [check('p1'), check('p2')], checked: [] });
    expect(store.deliveries(`margin:p2:${T0}`)[0]!.status).toBe('sent');
    for (let t = T0 + MIN; t < T0 + 24 * 60 * MIN; t += 15 * MIN) {
      clock.set(t);
      await manager.deliver();
    }
    const p1 = store.deliveries(`margin:p1:${T0}`)[0]!;
    expect(p1.status).toBe('pending');
    expect(p1.attempts).toBeGreaterThan(50);
    clock.set(T0 + 24 * 60 * MIN + 15 * MIN);
    const r = await manager.deliver();
    expect(r.attempts.map((a) => `${a.alertId}/${a.status}`)).toEqual([`margin:p1:${T0}/failed`]);
    expect(store.deliveries(`margin:p1:${T0}`)[0]).toMatchObject({ status: 'failed', lastError: 'HTTP 403 Forbidden' });
  });

  it('a sender that throws, or answers nothing for the sink, is a failure of that sink with the reason', async () => {
    const { store, manager } = setup(['a', 'b', 'c'], (sink) => (sink === 'a' ? 'throw' : sink === 'b' ? { sink: 'someone-else', ok: true } : { sink, ok: true }));
    await manager.tick({ now: T0, firing: [check('p1')], checked: [] });
    const ds = store.deliveries(`margin:p1:${T0}`);
    expect(ds.map((d) => [d.sink, d.status, d.lastError])).toEqual([
      ['a', 'pending', 'connect ECONNREFUSED (a)'],
      ['b', 'pending', 'the sender returned no result for sink "b"'],
      ['c', 'sent', null],
    ]);
  });
});

describe('a hanging sink', () => {
  it('never delays another sink, and a second deliver() does not send to it twice', async () => {
    let answerSlow: (r: SinkResult) => void = () => undefined;
    const slow = new Promise<SinkResult>((r) => (answerSlow = r));
    const { store, manager, calls } = setup(['fast', 'slow'], (sink) => (sink === 'slow' ? slow : { sink, ok: true }));
    manager.record({ now: T0, firing: [check('p1')], checked: [key('p1')] });
    const first = manager.deliver();
    const id = `margin:p1:${T0}`;
    await vi.waitFor(() => expect(status(store, id)).toEqual(['fast:sent:1', 'slow:pending:0']));
    // Another tick while slow is still in flight: fast gets the new message; slow is not re-sent p1.
    manager.record({ now: T0 + 1, firing: [check('p1'), check('p2')], checked: [] });
    await manager.deliver();
    expect(status(store, `margin:p2:${T0 + 1}`)).toEqual(['fast:sent:1', 'slow:pending:0']);
    expect(calls.filter((c) => c.sink === 'slow')).toHaveLength(1);
    // slow answers: its loop goes on to the message recorded meanwhile.
    answerSlow({ sink: 'slow', ok: true });
    await first;
    expect(status(store, id)).toEqual(['fast:sent:1', 'slow:sent:1']);
    expect(status(store, `margin:p2:${T0 + 1}`)).toEqual(['fast:sent:1', 'slow:sent:1']);
  });
});

describe('sinks changed between runs', () => {
  it('a pending delivery to a sink no longer configured is marked failed, untried; the others are sent', async () => {
    const store = AlertStore.open(':memory:', { mode: 'paper', carryVersion: 'test' });
    const clock = new SimClock(T0);
    const before = scripted((sink) => ({ sink, ok: true }));
    new AlertManager({ store, sender: before.sender, sinks: ['log', 'slack'], clock }).record({ now: T0, firing: [check('p1')], checked: [] });
    const after = scripted((sink) => ({ sink, ok: true }));
    await new AlertManager({ store, sender: after.sender, sinks: ['log'], clock }).deliver();
    expect(after.calls.map((c) => c.sink)).toEqual(['log']);
    expect(store.deliveries(`margin:p1:${T0}`).map((d) => [d.sink, d.status, d.attempts, d.lastError])).toEqual([
      ['log', 'sent', 1, null],
      ['slack', 'failed', 0, 'sink "slack" is no longer configured'],
    ]);
  });
});

describe('with the real dispatcher as the sender', () => {
  it('a sink whose minSeverity is above the alert records skipped (not sent), and gets the escalation', async () => {
    const got: string[] = [];
    const sink = (name: string, minSeverity: Sink['minSeverity']): Sink => ({
      name,
      type: 'webhook',
      minSeverity,
      budgetMs: 1_000,
      send: async (alert, opts) => {
        got.push(`${name}:${opts?.notice}:${alert.severity}`);
        return { ok: true, attempts: 1, httpStatus: 200, error: null };
      },
    });
    const dispatcher = createDispatcher([sink('chat', 'info'), sink('pager', 'critical')]);
    const store = AlertStore.open(':memory:', { mode: 'paper', carryVersion: 'test' });
    const clock = new SimClock(T0);
    const manager = new AlertManager({ store, sender: dispatcher.send, sinks: ['chat', 'pager'], clock });
    const warning = { ...check('p1'), severity: 'warning' as const };
    await manager.tick({ now: T0, firing: [warning], checked: [key('p1')] });
    await manager.tick({ now: T0 + MIN, firing: [check('p1')], checked: [key('p1')] });
    await manager.tick({ now: T0 + 2 * MIN, firing: [], checked: [key('p1')] });
    expect(got.filter((g) => g.startsWith('chat:'))).toEqual(['chat:new:warning', 'chat:escalated:critical', 'chat:resolved:critical']);
    expect(got.filter((g) => g.startsWith('pager:'))).toEqual(['pager:escalated:critical', 'pager:resolved:critical']);
    expect(store.deliveries(`margin:p1:${T0}`).map((d) => `${d.seq}/${d.sink}/${d.status}`)).toEqual([
      '1/chat/sent',
      '1/pager/skipped',
      '2/chat/sent',
      '2/pager/sent',
      '3/chat/sent',
      '3/pager/sent',
    ]);
  });
});
