/**
 * Dedup, cooldown, escalation and resolution, as the sinks see them: each tick goes through the
 * AlertManager on a real (in-memory) ledger and a recording sender stands in for the dispatcher.
 */
import { describe, expect, it } from 'vitest';
import { AlertManager, cooldownFor, DEFAULT_ALERT_SETTINGS, planTick, type AlertKey, type AlertSender, type AlertSettings, type SendContext } from '../../src/alerts/manager.js';
import { AlertStore, type Episode, type Notice } from '../../src/alerts/store.js';
import type { Alert, AlertKind, Severity } from '../../src/domain/alert.js';
import { SimClock } from '../../src/domain/clock.js';

const T0 = Date.UTC(2026, 7, 9, 0, 0, 0);
const MIN = 60_000;

/** An alert as a monitor check builds it: id, ts and status are the manager's business. */
function check(kind: AlertKind, subject: string, severity: Severity, over: Partial<Alert> = {}): Alert {
  return {
    id: '',
    kind,
    severity,
    subject,
    positionId: subject,
    venue: 'deribit',
    symbol: 'BTC/USD:BTC',
    ts: 0,
    status: 'firing',
    title: `${subject} ${kind} (${severity})`,
    message: 'sell 400 BTC-PERPETUAL contracts on deribit',
    actions: [{ kind: 'order', venue: 'deribit', symbol: 'BTC/USD:BTC', leg: 'perp', side: 'sell', amount: 4000, contracts: 400, text: 'sell 400 BTC-PERPETUAL contracts on deribit' }],
    data: { drift: 0.091 },
    nextFundingTime: null,
    ...over,
  };
}

interface Sent {
  readonly alert: Alert;
  readonly sink: string;
  readonly context: SendContext;
}

function recorder(): { sent: Sent[]; sender: AlertSender } {
  const sent: Sent[] = [];
  const sender: AlertSender = async (alert, sinks, context) => {
    for (const sink of sinks) sent.push({ alert, sink, context });
    return sinks.map((sink) => ({ sink, ok: true }));
  };
  return { sent, sender };
}

function setup(settings: Partial<AlertSettings> = {}, sinks: readonly string[] = ['log']) {
  const store = AlertStore.open(':memory:', { mode: 'paper', carryVersion: 'test' });
  const clock = new SimClock(T0);
  const rec = recorder();
  const manager = new AlertManager({ store, sender: rec.sender, sinks, settings, clock });
  return { store, clock, manager, ...rec };
}

const DRIFT: AlertKey = { kind: 'delta_drift', subject: 'p1' };

describe('one condition over time (cooldown 30 min)', () => {
  // `fire`: the check's result this tick (null: checked, not firing). `send`: what the sink gets.
  const ticks: readonly { at: number; fire: Severity | null; send: Notice | null; severity?: Severity; why: string }[] = [
    { at: 0, fire: 'warning', send: 'new', why: 'first time firing' },
    { at: 10, fire: 'warning', send: null, why: 'repeat inside the cooldown' },
    { at: 29.999, fire: 'warning', send: null, why: 'one ms before the cooldown ends' },
    { at: 30, fire: 'warning', send: 'reminder', why: 'cooldown over: still firing' },
    { at: 40, fire: 'critical', send: 'escalated', why: 'severity rose: resent at once, inside the cooldown' },
    { at: 45, fire: 'warning', send: null, why: 'severity fell inside the cooldown: no message' },
    { at: 50, fire: 'critical', send: null, why: 'back to the severity already sent: not a rise' },
    { at: 70, fire: 'warning', send: 'reminder', severity: 'warning', why: 'cooldown since the escalation: reminder at the current severity' },
    { at: 72, fire: null, send: 'resolved', severity: 'warning', why: 'checked and clear: resolved' },
    { at: 73, fire: null, send: null, why: 'still clear: resolved only once' },
    { at: 80, fire: 'info', send: 'new', why: 'fires again: a new episode' },
  ];

  it('sends exactly new, reminder, escalated, resolved, new at the right ticks', async () => {
    const { manager, clock, sent } = setup();
    const ids: string[] = [];
    for (const t of ticks) {
      const now = T0 + Math.round(t.at * MIN);
      clock.set(now);
      const before = sent.length;
      await manager.tick({ now, firing: t.fire === null ? [] : [check('delta_drift', 'p1', t.fire)], checked: [DRIFT] });
      const got = sent.slice(before);
      if (t.send === null) {
        expect(got, `${t.at} min: ${t.why}`).toEqual([]);
        continue;
      }
      expect(got.map((s) => s.context.notice), `${t.at} min: ${t.why}`).toEqual([t.send]);
      const a = got[0]!.alert;
      expect(a.ts, t.why).toBe(now);
      expect(a.status, t.why).toBe(t.send === 'resolved' ? 'resolved' : 'firing');
      expect(a.severity, t.why).toBe(t.severity ?? t.fire);
      ids.push(a.id);
    }
    // One id for every message of the first episode, a new one for the second.
    expect(ids.length).toBe(6);
    expect(new Set(ids.slice(0, 5)).size).toBe(1);
    expect(ids[5]).not.toBe(ids[0]);
    expect(ids[0]).toBe(`delta_drift:p1:${T0}`);
    expect(ids[5]).toBe(`delta_drift:p1:${T0 + 80 * MIN}`);
    // Message numbers run 1.. within an episode.
    expect(sent.map((s) => s.context.seq)).toEqual([1, 2, 3, 4, 5, 1]);
  });

  it('the resolved message drops the actions, keeps the title of the first message and says what the check measures now', async () => {
    const { manager, sent } = setup();
    await manager.tick({ now: T0, firing: [check('delta_drift', 'p1', 'warning', { title: 'p1 drifted 5.0% long', data: { drift: 0.05 } })], checked: [DRIFT] });
    // A later tick's title carries other numbers (a reminder would show them).
    await manager.tick({ now: T0 + MIN, firing: [check('delta_drift', 'p1', 'warning', { title: 'p1 drifted 7.0% long', data: { drift: 0.07 } })], checked: [DRIFT] });
    const clear = { kind: 'delta_drift' as const, subject: 'p1', message: 'Hedge back within 2%: drift 0.4% of the spot leg.', data: { drift: 0.004 } };
    await manager.tick({ now: T0 + 2 * MIN, firing: [], checked: [DRIFT], clear: [clear] });
    const resolved = sent.at(-1)!.alert;
    expect(resolved).toMatchObject({ status: 'resolved', title: 'p1 drifted 5.0% long', message: clear.message, actions: [], data: { drift: 0.004, since: T0 }, nextFundingTime: null });
    expect(sent[0]!.alert.actions).toHaveLength(1);
  });

  it('without a report from the check, the resolved message keeps the last numbers seen and says it no longer fires', async () => {
    const { manager, sent } = setup();
    await manager.tick({ now: T0, firing: [check('delta_drift', 'p1', 'warning', { data: { drift: 0.07 } })], checked: [DRIFT] });
    await manager.tick({ now: T0 + MIN, firing: [], checked: [DRIFT] });
    const resolved = sent.at(-1)!.alert;
    expect(resolved).toMatchObject({ status: 'resolved', actions: [], data: { drift: 0.07, since: T0 }, message: 'No longer firing at the latest check.' });
  });
});

describe('what counts as checked', () => {
  it('a subject not checked this tick is not resolved by omission', async () => {
    const { manager, sent, store } = setup();
    const p2: AlertKey = { kind: 'delta_drift', subject: 'p2' };
    await manager.tick({ now: T0, firing: [check('delta_drift', 'p1', 'warning'), check('delta_drift', 'p2', 'warning')], checked: [DRIFT, p2] });
    expect(sent.map((s) => s.alert.subject)).toEqual(['p1', 'p2']);
    // Only p1 was checked (p2's venue did not answer): p1 resolves, p2 stays firing, silently.
    await manager.tick({ now: T0 + MIN, firing: [], checked: [DRIFT] });
    expect(sent.slice(2).map((s) => [s.alert.subject, s.context.notice])).toEqual([['p1', 'resolved']]);
    expect(store.firing().map((e) => e.subject)).toEqual(['p2']);
    // Nothing checked at all: nothing changes.
    await manager.tick({ now: T0 + 2 * MIN, firing: [], checked: [] });
    expect(sent).toHaveLength(3);
    await manager.tick({ now: T0 + 3 * MIN, firing: [], checked: [p2] });
    expect(sent.slice(3).map((s) => [s.alert.subject, s.context.notice])).toEqual([['p2', 'resolved']]);
  });

  it('kinds of one subject are separate keys: clearing one leaves the other firing', async () => {
    const { manager, sent, store } = setup();
    const margin: AlertKey = { kind: 'margin', subject: 'p1' };
    await manager.tick({ now: T0, firing: [check('delta_drift', 'p1', 'warning'), check('margin', 'p1', 'critical')], checked: [DRIFT, margin] });
    await manager.tick({ now: T0 + MIN, firing: [check('delta_drift', 'p1', 'warning')], checked: [DRIFT, margin] });
    expect(sent.map((s) => [s.alert.kind, s.context.notice])).toEqual([
      ['delta_drift', 'new'],
      ['margin', 'new'],
      ['margin', 'resolved'],
    ]);
    expect(store.firing().map((e) => e.kind)).toEqual(['delta_drift']);
  });

  it('a subject that is gone (position closed) resolves every firing kind of it', async () => {
    const { manager, sent, store } = setup();
    await manager.tick({ now: T0, firing: [check('delta_drift', 'p1', 'warning'), check('margin', 'p1', 'critical'), check('margin', 'p2', 'warning')], checked: [] });
    await manager.tick({ now: T0 + MIN, firing: [], checked: [], gone: ['p1'] });
    expect(sent.slice(3).map((s) => `${s.alert.kind}/${s.alert.subject}/${s.context.notice}`)).toEqual(['delta_drift/p1/resolved', 'margin/p1/resolved']);
    expect(store.firing().map((e) => e.subject)).toEqual(['p2']);
  });

  it('a key reported twice in one tick is one alert, at its highest severity', async () => {
    const { manager, sent } = setup();
    await manager.tick({ now: T0, firing: [check('delta_drift', 'p1', 'warning'), check('delta_drift', 'p1', 'critical')], checked: [DRIFT] });
    expect(sent.map((s) => [s.context.notice, s.alert.severity])).toEqual([['new', 'critical']]);
  });
});

describe('cooldown settings', () => {
  it.each([
    { kind: 'delta_drift', severity: 'warning', expected: 30 * MIN, why: 'default' },
    { kind: 'delta_drift', severity: 'critical', expected: 5 * MIN, why: 'per severity' },
    { kind: 'missed_ticks', severity: 'critical', expected: 60 * MIN, why: 'per kind wins over per severity' },
    { kind: 'missed_ticks', severity: 'info', expected: 60 * MIN, why: 'per kind' },
  ] as const)('$kind/$severity → $expected ms ($why)', ({ kind, severity, expected }) => {
    const s: AlertSettings = { ...DEFAULT_ALERT_SETTINGS, cooldownByKind: { missed_ticks: 60 * MIN }, cooldownBySeverity: { critical: 5 * MIN } };
    expect(cooldownFor(s, kind, severity)).toBe(expected);
  });

  it('a critical alert with a 5 min cooldown is reminded every 5 min', async () => {
    const { manager, sent } = setup({ cooldownBySeverity: { critical: 5 * MIN } });
    for (let m = 0; m <= 12; m++) await manager.tick({ now: T0 + m * MIN, firing: [check('margin', 'p1', 'critical')], checked: [] });
    expect(sent.map((s) => [(s.alert.ts - T0) / MIN, s.context.notice])).toEqual([
      [0, 'new'],
      [5, 'reminder'],
      [10, 'reminder'],
    ]);
  });

  it('refuses a negative or non-finite cooldown', () => {
    const store = AlertStore.open(':memory:', { mode: 'paper', carryVersion: 'test' });
    const mk = (settings: Partial<AlertSettings>) => () => new AlertManager({ store, sender: recorder().sender, sinks: [], settings, clock: new SimClock(T0) });
    expect(mk({ cooldownMs: -1 })).toThrow(/cooldownMs=-1/);
    expect(mk({ cooldownByKind: { margin: Number.NaN } })).toThrow(/margin=NaN/);
    expect(mk({ cooldownMs: 0 })).not.toThrow();
  });
});

describe('planTick', () => {
  it('is pure: the same input gives the same plan, and its inputs are not changed', () => {
    const open: Episode[] = [];
    const input = { now: T0, firing: [check('basis', 'BTC/USDT:USDT@binance', 'info')], checked: [] };
    const frozen = JSON.stringify({ open, input });
    const a = planTick(open, input, DEFAULT_ALERT_SETTINGS, () => false);
    const b = planTick(open, input, DEFAULT_ALERT_SETTINGS, () => false);
    expect(a).toEqual(b);
    expect(JSON.stringify({ open, input })).toBe(frozen);
    expect(a.messages.map((m) => m.notice)).toEqual(['new']);
  });

  it('never reuses an id: a key that resolves and fires again in the same millisecond gets a suffix', () => {
    const taken = new Set([`stale_data:bybit:${T0}`]);
    const plan = planTick([], { now: T0, firing: [check('stale_data', 'bybit', 'warning')], checked: [] }, DEFAULT_ALERT_SETTINGS, (id) => taken.has(id));
    expect(plan.episodes[0]!.id).toBe(`stale_data:bybit:${T0}#2`);
  });
});
