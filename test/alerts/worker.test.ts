/**
 * The delivery worker beside the engine, on a clock and timers the test moves (FakeTime): what a
 * user depends on when a sink is down. Every message, the resolved one included, is retried to
 * its own budget counted from its own creation, on the delivery clock and not in a burst; an
 * alert's messages reach a sink in order; the engine's call returns at once; shutdown is bounded
 * and leaves what was not confirmed pending, sent at the next start.
 */
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AlertManager, type AlertKey, type AlertSender, type AlertSettings, type DeliveryAttempt, type SinkResult } from '../../src/alerts/manager.js';
import { postWithRetry, type HttpDeps } from '../../src/alerts/sinks/http-post.js';
import { AlertStore } from '../../src/alerts/store.js';
import { DeliveryWorker } from '../../src/alerts/worker.js';
import type { Alert } from '../../src/domain/alert.js';
import { FakeTime, settle } from '../support/fake-time.js';

const SEC = 1000;
const MIN = 60_000;
const HOUR = 3_600_000;
/** The delivery clock (wall time)... */
const W0 = Date.UTC(2026, 7, 9, 12, 0);
/** ...and the run's clock (a sim), which the messages are stamped with: a different time, moving at its own pace. */
const SIM0 = Date.UTC(2026, 0, 5, 5, 25);
const SETTINGS: Partial<AlertSettings> = { retryBaseMs: 30 * SEC, retryMaxMs: 15 * MIN, giveUpAfterMs: 24 * HOUR };
const silent = pino({ level: 'silent' });

function basis(subject: string): Alert {
  return {
    id: '',
    kind: 'basis',
    severity: 'warning',
    subject,
    positionId: subject,
    venue: 'bybit',
    symbol: 'AVAX/USDT:USDT',
    ts: 0,
    status: 'firing',
    title: `AVAX carry on bybit (${subject}): mark vs index 14.7 bps`,
    message: 'Mark vs index 14.7 bps above (limit 50 bps, z 4.1).',
    actions: [],
    data: {},
    nextFundingTime: null,
  };
}
const key = (subject: string): AlertKey => ({ kind: 'basis', subject });

interface Call {
  readonly subject: string;
  readonly seq: number;
  readonly sink: string;
  readonly at: number;
}

function rig(answer: (call: Call) => SinkResult | Promise<SinkResult>, opts: { file?: string; time?: FakeTime; graceMs?: number; sinks?: readonly string[] } = {}) {
  const time = opts.time ?? new FakeTime(W0);
  const store = AlertStore.open(opts.file ?? ':memory:', { mode: 'paper', carryVersion: 'test' });
  const calls: Call[] = [];
  const sender: AlertSender = async (alert, sinks, ctx) => {
    const out: SinkResult[] = [];
    for (const sink of sinks) {
      const call = { subject: alert.subject, seq: ctx.seq, sink, at: time.now() };
      calls.push(call);
      out.push(await answer(call));
    }
    return out;
  };
  const manager = new AlertManager({ store, sender, sinks: opts.sinks ?? ['hook'], clock: time, settings: SETTINGS });
  // Every attempt the manager records, with the delivery-clock time it was made at.
  const attempts: (DeliveryAttempt & { readonly at: number })[] = [];
  const deliverSink = manager.deliverSink.bind(manager);
  manager.deliverSink = async (sink, o) => {
    const r = await deliverSink(sink, o);
    attempts.push(...r.map((a) => ({ ...a, at: time.now() })));
    return r;
  };
  const worker = new DeliveryWorker({ manager, clock: time, timers: time, log: silent, ...(opts.graceMs === undefined ? {} : { graceMs: opts.graceMs }) });
  /** stop(), with the fake clock moved past the grace. */
  const shutdown = async () => {
    const stopped = worker.stop();
    await time.advance(10 * SEC);
    await stopped;
  };
  return { time, store, manager, worker, calls, attempts, shutdown };
}

const fail = (c: Call): SinkResult => ({ sink: c.sink, ok: false, error: 'HTTP 500: boom' });
const ok = (c: Call): SinkResult => ({ sink: c.sink, ok: true });

describe('the engine side', () => {
  it('record() and wake() return at once: nothing is sent on the caller\'s stack, the worker sends it right after', async () => {
    let answered: (r: SinkResult) => void = () => undefined;
    const { time, manager, worker, calls, store, shutdown } = rig((c) => new Promise<SinkResult>((r) => (answered = () => r(ok(c)))));
    worker.start();
    manager.record({ now: SIM0, firing: [basis('p1')], checked: [key('p1')] });
    worker.wake();
    expect(calls).toEqual([]);
    await settle();
    // Not even a turn of the event loop later: on the worker's own timer.
    expect(calls).toEqual([]);
    await time.advance(0);
    // In flight, never answered yet: the caller was long gone.
    expect(calls.map((c) => `${c.subject}#${c.seq}`)).toEqual(['p1#1']);
    answered(ok(calls[0]!));
    await worker.idle();
    expect(store.deliveries(`basis:p1:${SIM0}`).map((d) => d.status)).toEqual(['sent']);
    await shutdown();
  });
});

describe('a sink that answers 500 for a day and more', () => {
  it('every message, the resolved one included, is retried to its own budget, counted from its own creation, with backoff', async () => {
    const { time, manager, worker, store, attempts, calls } = rig(fail);
    worker.start();
    manager.record({ now: SIM0, firing: [basis('p1')], checked: [key('p1')] });
    worker.wake();
    // Two wall minutes later (the sim has run an hour meanwhile) the condition clears.
    await time.advance(2 * MIN);
    manager.record({ now: SIM0 + HOUR, firing: [], checked: [key('p1')] });
    worker.wake();
    await time.advance(27 * HOUR);

    const id = `basis:p1:${SIM0}`;
    const [fresh, resolved] = store.deliveries(id);
    expect(fresh).toMatchObject({ notice: 'new', status: 'failed', createdAt: W0 });
    expect(resolved).toMatchObject({ notice: 'resolved', status: 'failed', createdAt: W0 + 2 * MIN });
    // Each given up at its own first failure past its own 24 h (on the delivery clock, not the run's).
    const seq = (n: number) => attempts.filter((a) => a.seq === n);
    const newGaveUp = seq(1).find((a) => a.status === 'failed')!.at;
    const resolvedGaveUp = seq(2).find((a) => a.status === 'failed')!.at;
    expect(newGaveUp).toBeGreaterThanOrEqual(W0 + 24 * HOUR);
    expect(newGaveUp).toBeLessThanOrEqual(W0 + 24 * HOUR + 15 * MIN);
    expect(resolvedGaveUp).toBeGreaterThanOrEqual(W0 + 2 * MIN + 24 * HOUR);
    expect(resolvedGaveUp).toBeLessThanOrEqual(W0 + 2 * MIN + 24 * HOUR + 15 * MIN);
    // The resolved got the same schedule as a new message: 30 s doubling to 15 min over 24 h,
    // about 100 tries (the issue saw 1 and 3), never two inside its backoff.
    expect(resolved!.attempts).toBeGreaterThanOrEqual(95);
    expect(resolved!.attempts).toBe(seq(2).length);
    const times = seq(2).map((a) => a.at - (W0 + 2 * MIN));
    expect(times.slice(0, 6).map((t) => t / SEC)).toEqual([0, 30, 90, 210, 450, 930]);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(Math.min(15 * MIN, 30 * SEC * 2 ** (i - 1)));
    // While its new message was pending the sink was tried with that one first (order kept): no
    // request carried the resolved message before the new one was given up.
    const resolvedRequests = calls.filter((c) => c.seq === 2);
    expect(resolvedRequests.length).toBeGreaterThan(0);
    expect(resolvedRequests.every((c) => c.at >= newGaveUp)).toBe(true);
    expect(seq(2).filter((a) => !a.sent).every((a) => a.error?.startsWith('not sent: #1 (new) of this alert must reach this sink first, and failed: HTTP 500'))).toBe(true);
    await worker.stop();
  });

  it('when it comes back, an alert\'s messages arrive in the order decided, the new one first, in the same pass', async () => {
    let up = false;
    const { time, manager, worker, store, calls } = rig((c) => (up ? ok(c) : fail(c)));
    worker.start();
    manager.record({ now: SIM0, firing: [basis('p1')], checked: [key('p1')] });
    worker.wake();
    await time.advance(20 * MIN);
    manager.record({ now: SIM0 + HOUR, firing: [], checked: [key('p1')] });
    manager.record({ now: SIM0 + 2 * HOUR, firing: [basis('p1')], checked: [key('p1')] });
    worker.wake();
    await time.advance(1 * HOUR);
    up = true;
    await time.advance(20 * MIN);
    const delivered = calls.filter((c) => c.at >= W0 + 80 * MIN).map((c) => `${c.seq}@${(c.at - W0) / MIN}`);
    // The first slot after it is back (whichever message's it is) delivers all three, in order:
    // new #1, resolved #2, then the next episode's new, at the same instant.
    expect(delivered.length).toBe(3);
    expect(delivered.map((d) => d.split('@')[0])).toEqual(['1', '2', '1']);
    expect(new Set(delivered.map((d) => d.split('@')[1])).size).toBe(1);
    expect(store.deliveries(`basis:p1:${SIM0}`).map((d) => `${d.notice}:${d.status}`)).toEqual(['new:sent', 'resolved:sent']);
    expect(store.deliveries(`basis:p1:${SIM0 + 2 * HOUR}`).map((d) => `${d.notice}:${d.status}`)).toEqual(['new:sent']);
    await worker.stop();
  });

  it('another alert on the same sink does not wait behind a failing one', async () => {
    const { time, manager, worker, store } = rig((c) => (c.subject === 'p1' ? { sink: c.sink, ok: false, error: 'HTTP 400: Bad Request' } : ok(c)));
    worker.start();
    manager.record({ now: SIM0, firing: [basis('p1')], checked: [] });
    manager.record({ now: SIM0 + MIN, firing: [basis('p1'), basis('p2')], checked: [] });
    worker.wake();
    await time.advance(SEC);
    expect(store.deliveries(`basis:p2:${SIM0 + MIN}`).map((d) => d.status)).toEqual(['sent']);
    expect(store.deliveries(`basis:p1:${SIM0}`).map((d) => d.status)).toEqual(['pending']);
    await worker.stop();
  });

  it('two sinks are independent: one that never answers delays neither the other\'s messages nor its retries', async () => {
    let chatCalls = 0;
    const { time, manager, worker, store, shutdown } = rig((c) => (c.sink === 'dead' ? new Promise<SinkResult>(() => undefined) : chatCalls++ === 0 ? fail(c) : ok(c)), { sinks: ['dead', 'chat'] });
    worker.start();
    manager.record({ now: SIM0, firing: [basis('p1')], checked: [] });
    worker.wake();
    await time.advance(SEC);
    expect(store.deliveries(`basis:p1:${SIM0}`).map((d) => `${d.sink}:${d.status}:${d.attempts}`)).toEqual(['chat:pending:1', 'dead:pending:0']);
    // chat's retry 30 s later goes while dead is still hanging on its first attempt.
    await time.advance(30 * SEC);
    expect(store.deliveries(`basis:p1:${SIM0}`).map((d) => `${d.sink}:${d.status}:${d.attempts}`)).toEqual(['chat:sent:2', 'dead:pending:0']);
    manager.record({ now: SIM0 + HOUR, firing: [basis('p2')], checked: [] });
    worker.wake();
    await time.advance(SEC);
    expect(store.deliveries(`basis:p2:${SIM0 + HOUR}`).map((d) => `${d.sink}:${d.status}`)).toEqual(['chat:sent', 'dead:pending']);
    await shutdown();
  });
});

describe('shutdown', () => {
  it('starts no new attempt, lets the one in flight finish inside the grace and records it; the rest stays pending', async () => {
    const answers: (() => void)[] = [];
    const { time, manager, worker, store, calls } = rig((c) => new Promise<SinkResult>((r) => answers.push(() => r(ok(c)))), { graceMs: 2 * SEC });
    worker.start();
    manager.record({ now: SIM0, firing: [basis('p1'), basis('p2')], checked: [] });
    worker.wake();
    await time.advance(0);
    expect(calls.map((c) => c.subject)).toEqual(['p1']); // one sink, one attempt at a time
    const stopped = worker.stop();
    await time.advance(SEC);
    answers[0]!();
    await time.advance(0);
    await stopped;
    expect(calls.map((c) => c.subject)).toEqual(['p1']);
    expect(store.deliveries(`basis:p1:${SIM0}`).map((d) => d.status)).toEqual(['sent']);
    expect(store.deliveries(`basis:p2:${SIM0}`).map((d) => `${d.status}:${d.attempts}`)).toEqual(['pending:0']);
    // Nothing more happens after stop: no timer left armed, wake() is ignored.
    worker.wake();
    await time.advance(HOUR);
    expect(time.pending).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it('is bounded: an attempt that does not finish inside the grace is abandoned, its delivery left pending as it was', async () => {
    const { time, manager, worker, store } = rig(() => new Promise<SinkResult>(() => undefined), { graceMs: 2 * SEC });
    worker.start();
    manager.record({ now: SIM0, firing: [basis('p1')], checked: [] });
    worker.wake();
    await time.advance(0);
    let done = false;
    const stopped = worker.stop().then(() => (done = true));
    await time.advance(SEC);
    expect(done).toBe(false);
    await time.advance(SEC);
    await stopped;
    expect(done).toBe(true);
    expect(store.deliveries(`basis:p1:${SIM0}`).map((d) => `${d.status}:${d.attempts}`)).toEqual(['pending:0']);
  });

  it('the request in flight makes no further retry inside the sink (HTTP attempts stop, the answer so far is kept)', async () => {
    const stopRetrying = new AbortController();
    let requests = 0;
    const deps: HttpDeps = {
      fetch: () => {
        requests++;
        stopRetrying.abort(); // shutdown begins while the first request is out
        return Promise.resolve(new Response('boom', { status: 500 }));
      },
      timers: { setTimeout: () => 0, clearTimeout: () => undefined },
      sleep: (_ms, signal) => Promise.resolve(!signal?.aborted),
      random: () => 0.5,
    };
    const r = await postWithRetry({ url: 'http://127.0.0.1:9/hook', headers: {}, body: new Uint8Array() }, { timeoutMs: 1000, maxAttempts: 4, backoffMs: 500, maxBackoffMs: 8000 }, deps, {
      secrets: [],
      stopRetrying: stopRetrying.signal,
    });
    expect(requests).toBe(1);
    expect(r).toMatchObject({ ok: false, attempts: 1, httpStatus: 500, error: 'HTTP 500: boom (not retried: shutting down)' });
  });
});

describe('restart', () => {
  it('undelivered messages pending at shutdown are delivered at the next start, in order, each once, whatever their backoff', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'carry-worker-')), 'paper.db');
    const time = new FakeTime(W0);
    // Process 1: the sink answers 500; the alert fires and resolves; the process stops.
    const one = rig(fail, { file, time });
    one.worker.start();
    one.manager.record({ now: SIM0, firing: [basis('p1')], checked: [key('p1')] });
    one.worker.wake();
    await time.advance(MIN);
    one.manager.record({ now: SIM0 + HOUR, firing: [], checked: [key('p1')] });
    one.worker.wake();
    await time.advance(20 * SEC);
    await one.worker.stop();
    one.store.close();
    const id = `basis:p1:${SIM0}`;
    // Process 2, the sink fixed, 10 s later: the 500s' backoff (minutes by now) is not waited for.
    await time.advance(10 * SEC);
    const two = rig(ok, { file, time });
    try {
      expect(two.store.deliveries(id).map((d) => d.status)).toEqual(['pending', 'pending']);
      two.worker.start();
      await time.advance(0);
      expect(two.calls.map((c) => `${c.seq}@${c.at - W0}`)).toEqual([`1@${MIN + 30 * SEC}`, `2@${MIN + 30 * SEC}`]);
      expect(two.store.deliveries(id).map((d) => `${d.notice}:${d.status}`)).toEqual(['new:sent', 'resolved:sent']);
      await time.advance(HOUR);
      expect(two.calls).toHaveLength(2);
    } finally {
      await two.worker.stop();
      two.store.close();
    }
  });
});
