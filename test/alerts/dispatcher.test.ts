import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { alertSinkSchema, type AlertSinkConfig } from '../../src/config/schema.js';
import { createDispatcher, type DeliveryResult } from '../../src/alerts/dispatcher.js';
import { testAlert } from '../../src/alerts/message.js';
import { createSinks } from '../../src/alerts/sinks/from-config.js';
import type { HttpDeps } from '../../src/alerts/sinks/http-post.js';
import type { Sink, SinkResult } from '../../src/alerts/sinks/sink.js';
import { realTimers, type Timers } from '../../src/alerts/sinks/timers.js';
import { initLogging, moduleLogger } from '../../src/util/log.js';
import { startRecorder, type Recorder, type Responder } from '../support/http-recorder.js';

import { drift, T0 } from '../support/alert-fixtures.js';


/** Budget timers that fire only when the test says so. */
class ManualTimers implements Timers {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending.delete(h as number);
  }
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const t of due) t.fn();
  }
}

/** Real fetch and real per-attempt timers (long: they never fire here); backoff waits skipped. */
const http: HttpDeps = { fetch: (i, init) => globalThis.fetch(i, init), timers: realTimers, sleep: () => Promise.resolve(true), random: () => 0.5 };

const servers: Recorder[] = [];
async function server(respond: Responder): Promise<Recorder> {
  const r = await startRecorder(respond);
  servers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function sinksFrom(raw: Record<string, Record<string, unknown>>, env: Record<string, string>): readonly Sink[] {
  const cfg = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, alertSinkSchema.parse(v) as AlertSinkConfig]));
  return createSinks(cfg, { env, http, log: moduleLogger('alerts') }).sinks;
}

const ok: SinkResult = { ok: true, attempts: 1, httpStatus: 200, error: null };
const fake = (name: string, send: Sink['send'], extra: Partial<Sink> = {}): Sink => ({ name, type: 'webhook', minSeverity: 'info', budgetMs: 5_000, send, ...extra });

describe('dispatcher', () => {
  it('a sink that never answers holds back no other sink; one answering 500 is retried; each reports its own result', async () => {
    const TIMING = { timeoutMs: 50_000, budgetMs: 60_000, backoffMs: 10, maxBackoffMs: 100 };
    const tg = await server(() => ({ status: 200, body: { ok: true, result: { message_id: 1 } } }));
    const dc = await server(() => ({ status: 204 }));
    const sl = await server(() => ({ status: 500, body: 'rollup_error' }));
    const hang = await server(() => 'hang');
    const sinks = sinksFrom(
      {
        // first in line: a dispatcher that waited for it would never reach the others
        wh: { type: 'webhook', url: `${hang.url}/hook`, ...TIMING },
        tg: { type: 'telegram', chatId: 7, baseUrl: tg.url, ...TIMING },
        dc: { type: 'discord', ...TIMING },
        sl: { type: 'slack', ...TIMING, maxAttempts: 3 },
      },
      { CARRY_TELEGRAM_BOT_TOKEN: '1:tok', CARRY_DISCORD_WEBHOOK_URL: `${dc.url}/api/webhooks/1/t`, CARRY_SLACK_WEBHOOK_URL: `${sl.url}/services/a/b/c` },
    );
    const budgets = new ManualTimers();
    const early: DeliveryResult[] = [];
    let threeIn: () => void = () => {};
    const threeDone = new Promise<void>((resolve) => (threeIn = resolve));
    const dispatcher = createDispatcher(sinks, {
      timers: budgets,
      onResult: (r) => {
        early.push(r);
        if (early.length === 3) threeIn();
      },
    });

    let settled = false;
    const all = dispatcher.dispatch(drift).then((r) => {
      settled = true;
      return r;
    });
    await threeDone;
    // The three healthy or failing sinks are done while the hanging request is still open
    // and its budget has not run out: nothing waited for it.
    expect(early.map((r) => [r.sink, r.outcome, r.attempts])).toEqual(
      expect.arrayContaining([
        ['tg', 'sent', 1],
        ['dc', 'sent', 1],
        ['sl', 'failed', 3],
      ]),
    );
    expect(sl.requests).toHaveLength(3);
    expect(hang.requests).toHaveLength(1);
    expect(hang.requests[0]!.open).toBe(true);
    expect(settled).toBe(false);
    expect([...budgets.pending.values()].map((t) => t.ms)).toEqual([60_000]);

    budgets.fireAll(); // the hanging sink's budget runs out
    const results = await all;
    expect(results.map((r) => [r.sink, r.outcome, r.ok])).toEqual([
      ['wh', 'timed_out', false],
      ['tg', 'sent', true],
      ['dc', 'sent', true],
      ['sl', 'failed', false],
    ]);
    expect(results[3]!.error).toBe('HTTP 500: rollup_error (gave up after 3 attempts)');
    expect(results[0]).toMatchObject({ attempts: 1, httpStatus: null, error: 'no result within budgetMs (60000 ms), after 1 attempt(s): abandoned' });
    await hang.requests[0]!.closedByClient; // the abandoned request was aborted, not left open
  });

  it('a sink that throws, rejects or ignores its abort gets a failed result; dispatch itself never throws', async () => {
    const budgets = new ManualTimers();
    const calls: string[] = [];
    const sinks = [
      fake('throws', () => {
        throw new Error('boom');
      }),
      fake('rejects', () => Promise.reject(new Error('socket hang up'))),
      fake('deaf', () => new Promise<SinkResult>(() => {})),
      fake('fine', () => {
        calls.push('fine');
        return Promise.resolve(ok);
      }),
    ];
    const p = createDispatcher(sinks, { timers: budgets }).dispatch(drift);
    await Promise.resolve();
    budgets.fireAll();
    const results = await p;
    expect(results.map((r) => [r.sink, r.outcome, r.error])).toEqual([
      ['throws', 'failed', 'sink threw: boom'],
      ['rejects', 'failed', 'sink threw: socket hang up'],
      ['deaf', 'timed_out', 'no result within budgetMs (5000 ms), after 0 attempt(s): abandoned'],
      ['fine', 'sent', null],
    ]);
    expect(calls).toEqual(['fine']);
  });

  it('the signal passed to a sink aborts when its budget runs out', async () => {
    const budgets = new ManualTimers();
    let aborted = false;
    const sink = fake('slow', (_a, opts) => {
      opts?.signal?.addEventListener('abort', () => (aborted = true));
      return new Promise<SinkResult>(() => {});
    });
    const p = createDispatcher([sink], { timers: budgets }).dispatch(drift);
    await Promise.resolve();
    budgets.fireAll();
    await p;
    expect(aborted).toBe(true);
  });

  it('minSeverity: a sink skips alerts below it, but a test alert always goes', async () => {
    const sent: string[] = [];
    const pager = fake('pager', (a) => (sent.push(a.kind), Promise.resolve(ok)), { minSeverity: 'critical' });
    const d = createDispatcher([pager]);
    expect((await d.dispatch(drift))[0]).toMatchObject({ outcome: 'skipped', ok: true, attempts: 0 });
    expect((await d.dispatch({ ...drift, severity: 'critical' }))[0]?.outcome).toBe('sent');
    expect((await d.dispatch(testAlert(T0)))[0]?.outcome).toBe('sent');
    expect(sent).toEqual(['delta_drift', 'test']);
  });

  it('send(): only the named sinks, with the message number; an unknown name fails alone', async () => {
    const wh = await server(() => ({ status: 200 }));
    const sinks = sinksFrom({ wh: { type: 'webhook', url: wh.url }, log: { type: 'log' } }, {});
    const d = createDispatcher(sinks);
    const results = await d.send(drift, ['wh', 'gone'], { notice: 'reminder', seq: 2 });
    expect(results.map((r) => [r.sink, r.ok, r.error])).toEqual([
      ['wh', true, null],
      ['gone', false, 'no enabled sink named "gone" is configured'],
    ]);
    expect(wh.requests[0]!.json()).toMatchObject({ id: drift.id, seq: 2, notice: 'reminder' });
  });

  it('logs each result: failures at warn with the (scrubbed) error', async () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(c, _e, cb) {
        chunks.push(String(c));
        cb();
      },
    });
    initLogging({ level: 'info', format: 'json', destination: stream });
    const bad = await server(() => ({ status: 404, body: 'no_service' }));
    const sinks = sinksFrom({ sl: { type: 'slack' } }, { CARRY_SLACK_WEBHOOK_URL: `${bad.url}/services/T1/B1/very-secret-slack-token` });
    await createDispatcher(sinks).dispatch(drift);
    const lines = chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const warn = lines.find((l) => l['msg'] === 'alert not delivered to sl');
    expect(warn).toMatchObject({ level: 40, module: 'alerts', sink: 'sl', type: 'slack', outcome: 'failed', attempts: 1, httpStatus: 404, error: 'HTTP 404: no_service', alertId: drift.id });
    expect(chunks.join('')).not.toContain('very-secret-slack-token');
  });
});
