import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { alertSinkSchema, type AlertSinkConfig } from '../../src/config/schema.js';
import { MAX_TEXT, renderText } from '../../src/alerts/message.js';
import { toPayload, validatePayload } from '../../src/alerts/payload.js';
import { createSinks, describeSinkSecrets } from '../../src/alerts/sinks/from-config.js';
import type { HttpDeps } from '../../src/alerts/sinks/http-post.js';
import type { Sink } from '../../src/alerts/sinks/sink.js';
import type { Timers } from '../../src/alerts/sinks/timers.js';
import { initLogging, moduleLogger } from '../../src/util/log.js';
import { appHeaders, closedPortUrl, startRecorder, type Recorder, type Reply } from '../support/http-recorder.js';

import { drift } from '../support/alert-fixtures.js';


const TOKEN = '123456:AAE-telegram-secret-token';
const SIGNING_KEY = 'whsec-7f3a1c-super-secret';

/** Timers whose timeouts fire only when the test says so. */
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
    const due = [...this.pending.entries()];
    this.pending.clear();
    for (const [, t] of due) t.fn();
  }
}

interface Harness {
  readonly sleeps: number[];
  readonly http: HttpDeps;
  readonly timers: ManualTimers;
}

/** Real fetch to 127.0.0.1; backoff waits recorded and skipped; jitter fixed at one half. */
function harness(timers: ManualTimers = new ManualTimers()): Harness {
  const sleeps: number[] = [];
  return {
    sleeps,
    timers,
    http: {
      fetch: (input, init) => globalThis.fetch(input, init),
      timers,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve(true);
      },
      random: () => 0.5,
    },
  };
}

function capture(): { stream: Writable; text: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const text = () => chunks.join('');
  return { stream, text, lines: () => text().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function one(name: string, raw: Record<string, unknown>, env: Record<string, string>, h: Harness = harness()): Sink {
  const cfg = alertSinkSchema.parse(raw) as AlertSinkConfig;
  const { sinks } = createSinks({ [name]: cfg }, { env, http: h.http, log: moduleLogger('alerts') });
  const sink = sinks[0];
  if (sink === undefined) throw new Error('no sink built');
  return sink;
}

const servers: Recorder[] = [];
async function server(respond?: (i: number) => Reply): Promise<Recorder> {
  const r = await startRecorder(respond ? (req) => respond(req.index) : undefined);
  servers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const HTTP = { timeoutMs: 20_000, maxAttempts: 4, backoffMs: 100, maxBackoffMs: 1_000 };

describe('sinks send exactly the documented request', () => {
  it('telegram: POST /bot{token}/sendMessage with chat_id and the plain text', async () => {
    const tg = await server(() => ({ status: 200, body: { ok: true, result: { message_id: 42 } } }));
    const sink = one('tg', { type: 'telegram', chatId: -1001234567890, baseUrl: tg.url, ...HTTP }, { CARRY_TELEGRAM_BOT_TOKEN: TOKEN });
    const r = await sink.send(drift);
    expect(r).toEqual({ ok: true, attempts: 1, httpStatus: 200, error: null });
    expect(tg.requests).toHaveLength(1);
    const req = tg.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/bot${TOKEN}/sendMessage`);
    expect(appHeaders(req.headers)).toEqual({ 'content-type': 'application/json', 'user-agent': 'carry-alerts/1' });
    expect(req.json()).toEqual({ chat_id: -1001234567890, text: renderText(drift, { style: 'plain', maxLength: MAX_TEXT.telegram }) });
    // the text a phone shows: headline, numbers, the order to place, next funding
    expect((req.json() as { text: string }).text).toContain('Do: sell 330 BTC-PERPETUAL contracts on deribit');
  });

  it('discord: POST {content} to the webhook URL from the environment, mentions disabled', async () => {
    const dc = await server(() => ({ status: 204 }));
    const sink = one('dc', { type: 'discord', ...HTTP }, { CARRY_DISCORD_WEBHOOK_URL: `${dc.url}/api/webhooks/1122/dc-secret-token` });
    const r = await sink.send(drift);
    expect(r).toEqual({ ok: true, attempts: 1, httpStatus: 204, error: null });
    const req = dc.requests[0]!;
    expect([req.method, req.path]).toEqual(['POST', '/api/webhooks/1122/dc-secret-token']);
    expect(appHeaders(req.headers)).toEqual({ 'content-type': 'application/json', 'user-agent': 'carry-alerts/1' });
    expect(req.json()).toEqual({ content: renderText(drift, { style: 'discord', maxLength: MAX_TEXT.discord }), allowed_mentions: { parse: [] } });
  });

  it('slack: POST {text} to the incoming-webhook URL from the environment', async () => {
    const sl = await server(() => ({ status: 200, body: 'ok' }));
    const sink = one('sl', { type: 'slack', urlEnv: 'MY_SLACK_URL', ...HTTP }, { MY_SLACK_URL: `${sl.url}/services/T000/B000/slack-secret` });
    expect((await sink.send(drift)).ok).toBe(true);
    const req = sl.requests[0]!;
    expect([req.method, req.path]).toEqual(['POST', '/services/T000/B000/slack-secret']);
    expect(appHeaders(req.headers)).toEqual({ 'content-type': 'application/json', 'user-agent': 'carry-alerts/1' });
    expect(req.json()).toEqual({ text: renderText(drift, { style: 'slack', maxLength: MAX_TEXT.slack }) });
  });

  it('webhook: the carry.alert/1 payload, signed with HMAC-SHA256 over the exact body bytes', async () => {
    const wh = await server(() => ({ status: 202 }));
    const sink = one('wh', { type: 'webhook', url: `${wh.url}/hooks/carry?src=1`, secretEnv: 'CARRY_WEBHOOK_SECRET', ...HTTP }, { CARRY_WEBHOOK_SECRET: SIGNING_KEY });
    const r = await sink.send(drift, { notice: 'new', seq: 1 });
    expect(r).toEqual({ ok: true, attempts: 1, httpStatus: 202, error: null });
    const req = wh.requests[0]!;
    expect([req.method, req.path]).toEqual(['POST', '/hooks/carry?src=1']);
    // recomputed here over the raw bytes received (the message holds "−", a multi-byte character)
    const expected = `sha256=${createHmac('sha256', SIGNING_KEY).update(req.raw).digest('hex')}`;
    expect(appHeaders(req.headers)).toEqual({ 'content-type': 'application/json', 'user-agent': 'carry-alerts/1', 'x-carry-signature': expected });
    expect(Number(req.headers['content-length'])).toBe(req.raw.length);
    expect(req.raw.length).toBeGreaterThan(req.text.length);
    expect(req.json()).toEqual(JSON.parse(JSON.stringify(toPayload(drift, { notice: 'new', seq: 1 }))));
    expect(validatePayload(req.json())).toEqual([]);
    expect(req.json()).toMatchObject({ schema: 'carry.alert/1', id: drift.id, seq: 1, notice: 'new', kind: 'delta_drift', status: 'firing' });
  });

  it('webhook without a key: no signature header; a custom header name when configured', async () => {
    const wh = await server();
    await one('a', { type: 'webhook', url: wh.url, ...HTTP }, {}).send(drift);
    await one('b', { type: 'webhook', url: wh.url, secretEnv: 'K', signatureHeader: 'X-Hub-Signature-256', ...HTTP }, { K: 'k1' }).send(drift);
    expect(wh.requests[0]!.headers['x-carry-signature']).toBeUndefined();
    expect(wh.requests[1]!.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', 'k1').update(wh.requests[1]!.raw).digest('hex')}`);
  });
});

describe('retries', () => {
  it('5xx is retried with exponential backoff and jitter until it succeeds', async () => {
    const wh = await server((i) => (i < 2 ? { status: 500, body: 'upstream down' } : { status: 200 }));
    const h = harness();
    const r = await one('wh', { type: 'webhook', url: wh.url, ...HTTP }, {}, h).send(drift);
    expect(r).toEqual({ ok: true, attempts: 3, httpStatus: 200, error: null });
    expect(wh.requests).toHaveLength(3);
    // full jitter at random 0.5: half of 100 × 2^(n−1)
    expect(h.sleeps).toEqual([50, 100]);
    // every attempt carries the same bytes (a receiver can dedup on them)
    expect(new Set(wh.requests.map((q) => q.text)).size).toBe(1);
  });

  it('gives up after maxAttempts and says so', async () => {
    const wh = await server(() => ({ status: 503, body: 'maintenance' }));
    const r = await one('wh', { type: 'webhook', url: wh.url, ...HTTP, maxAttempts: 3 }, {}).send(drift);
    expect(r).toEqual({ ok: false, attempts: 3, httpStatus: 503, error: 'HTTP 503: maintenance (gave up after 3 attempts)' });
    expect(wh.requests).toHaveLength(3);
  });

  it('4xx other than 408/429 is not retried; Telegram’s description is the error', async () => {
    const tg = await server(() => ({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } }));
    const r = await one('tg', { type: 'telegram', chatId: '@nochat', baseUrl: tg.url, ...HTTP }, { CARRY_TELEGRAM_BOT_TOKEN: TOKEN }).send(drift);
    expect(r).toEqual({ ok: false, attempts: 1, httpStatus: 400, error: 'HTTP 400: Bad Request: chat not found' });
    expect(tg.requests).toHaveLength(1);
  });

  it('429 waits what the receiver asks (Retry-After, or retry_after in the body)', async () => {
    const dc = await server((i) => (i === 0 ? { status: 429, body: { message: 'You are being rate limited.', retry_after: 0.75, global: false } } : i === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 204 }));
    const h = harness();
    const r = await one('dc', { type: 'discord', ...HTTP }, { CARRY_DISCORD_WEBHOOK_URL: `${dc.url}/api/webhooks/1/t` }, h).send(drift);
    expect(r.ok).toBe(true);
    expect(r.attempts).toBe(3);
    expect(h.sleeps).toEqual([750, 1000]);
  });

  it('429 asking for more than maxBackoffMs is not retried', async () => {
    const tg = await server(() => ({ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 35', parameters: { retry_after: 35 } } }));
    const r = await one('tg', { type: 'telegram', chatId: 1, baseUrl: tg.url, ...HTTP }, { CARRY_TELEGRAM_BOT_TOKEN: TOKEN }).send(drift);
    expect(r.ok).toBe(false);
    expect(r.attempts).toBe(1);
    expect(r.error).toBe('HTTP 429: Too Many Requests: retry after 35; asked to wait 35 s, more than maxBackoffMs (1000 ms): not retried');
  });

  it('a dropped connection and a refused one are network errors, retried', async () => {
    const sl = await server((i) => (i === 0 ? 'drop' : { status: 200, body: 'ok' }));
    const r = await one('sl', { type: 'slack', ...HTTP }, { CARRY_SLACK_WEBHOOK_URL: `${sl.url}/services/x` }).send(drift);
    expect(r).toMatchObject({ ok: true, attempts: 2 });

    const refused = await one('wh', { type: 'webhook', url: await closedPortUrl(), ...HTTP, maxAttempts: 2 }, {}).send(drift);
    expect(refused.ok).toBe(false);
    expect(refused.attempts).toBe(2);
    expect(refused.error).toMatch(/^network error: .*ECONNREFUSED.*\(gave up after 2 attempts\)$/);
  });

  it('an attempt that gets no answer times out and is retried', async () => {
    const wh = await server((i) => (i === 0 ? 'hang' : { status: 200 }));
    const h = harness();
    const sending = one('wh', { type: 'webhook', url: wh.url, ...HTTP, timeoutMs: 2_000 }, {}, h).send(drift);
    const [first] = await wh.waitFor(1);
    expect(first!.open).toBe(true);
    // the attempt's timeout is the one timer running; fire it
    expect([...h.timers.pending.values()].map((t) => t.ms)).toEqual([2_000]);
    h.timers.fireAll();
    const r = await sending;
    expect(r).toEqual({ ok: true, attempts: 2, httpStatus: 200, error: null });
    await first!.closedByClient; // the timed-out request was closed, not left open
  });

  it('a redirect is not followed (the alert would go to a host nobody configured)', async () => {
    const elsewhere = await server();
    const wh = await server(() => ({ status: 307, headers: { location: `${elsewhere.url}/steal` } }));
    const r = await one('wh', { type: 'webhook', url: wh.url, ...HTTP }, {}).send(drift);
    expect(r).toMatchObject({ ok: false, attempts: 1, httpStatus: 307 });
    expect(r.error).toMatch(/redirect not followed/);
    expect(elsewhere.requests).toHaveLength(0);
  });
});

describe('secrets', () => {
  it('a missing secret makes the sink fail every send naming the variable, without any request', async () => {
    const env = { CARRY_DISCORD_WEBHOOK_URL: 'not a url' };
    const cfg = {
      tg: alertSinkSchema.parse({ type: 'telegram', chatId: 5 }),
      dc: alertSinkSchema.parse({ type: 'discord' }),
      wh: alertSinkSchema.parse({ type: 'webhook', url: 'http://127.0.0.1:9/x', secretEnv: 'WH_KEY' }),
      off: alertSinkSchema.parse({ type: 'slack', enabled: false }),
    };
    const { sinks, problems } = createSinks(cfg, { env, log: moduleLogger('alerts') });
    expect(sinks.map((s) => s.name)).toEqual(['tg', 'dc', 'wh']);
    expect(problems).toEqual([
      'sink "tg" (telegram) cannot send: environment variable CARRY_TELEGRAM_BOT_TOKEN not set',
      'sink "wh" (webhook) cannot send: environment variable WH_KEY not set',
    ]);
    const results = await Promise.all(sinks.map((s) => s.send(drift)));
    expect(results.map((r) => [r.ok, r.attempts, r.error])).toEqual([
      [false, 0, 'environment variable CARRY_TELEGRAM_BOT_TOKEN (bot token of telegram sink "tg") is not set'],
      [false, 0, 'environment variable CARRY_DISCORD_WEBHOOK_URL (webhook URL of discord sink "dc") is not a URL'],
      [false, 0, 'environment variable WH_KEY (signing key of webhook sink "wh") is not set'],
    ]);
    expect(describeSinkSecrets(cfg, { ...env, WH_KEY: 'shh-value' })).toEqual({
      tg: { CARRY_TELEGRAM_BOT_TOKEN: '(not set)' },
      dc: { CARRY_DISCORD_WEBHOOK_URL: '[redacted]' },
      wh: { WH_KEY: '[redacted]' },
    });
  });

  it('tokens and secret URLs never appear in errors or log lines, even when the receiver echoes them', async () => {
    const out = capture();
    initLogging({ level: 'trace', format: 'json', destination: out.stream });
    // a proxy that echoes the path it could not route, and one that echoes only the last segment
    const echo = await startRecorder((req) => ({ status: 502, body: `no upstream for POST ${req.path}` }));
    const echoLast = await startRecorder((req) => ({ status: 404, body: `unknown webhook token ${req.path.split('/').pop()}` }));
    servers.push(echo, echoLast);
    const tg = one('tg', { type: 'telegram', chatId: 1, baseUrl: echo.url, ...HTTP, maxAttempts: 2 }, { CARRY_TELEGRAM_BOT_TOKEN: TOKEN });
    const dc = one('dc', { type: 'discord', ...HTTP, maxAttempts: 2 }, { CARRY_DISCORD_WEBHOOK_URL: `${echo.url}/api/webhooks/9/dc-secret-token` });
    const sl = one('sl', { type: 'slack', ...HTTP }, { CARRY_SLACK_WEBHOOK_URL: `${echoLast.url}/services/T1/B2/slack-secret-token` });
    const results = await Promise.all([tg.send(drift), dc.send(drift), sl.send(drift)]);
    expect(results.map((r) => r.error)).toEqual([
      'HTTP 502: no upstream for POST /bot[redacted]/sendMessage (gave up after 2 attempts)',
      'HTTP 502: no upstream for POST [redacted] (gave up after 2 attempts)',
      'HTTP 404: unknown webhook token [redacted]',
    ]);
    for (const r of results) {
      expect(r.ok).toBe(false);
      expect(r.error).toContain('[redacted]');
      expect(r.error).not.toContain(TOKEN);
      expect(r.error).not.toContain('dc-secret-token');
      expect(r.error).not.toContain('slack-secret-token');
    }
    expect(out.lines().length).toBeGreaterThan(0); // retries were logged
    expect(out.text()).not.toContain(TOKEN);
    expect(out.text()).not.toContain('dc-secret-token');
    expect(out.text()).not.toContain('slack-secret-token');
  });
});

describe('log sink', () => {
  it('writes one line per alert, at a level by severity, with the alert fields', async () => {
    const out = capture();
    initLogging({ level: 'info', format: 'json', destination: out.stream });
    const sink = one('log', { type: 'log' }, {});
    expect(await sink.send(drift, { notice: 'new', seq: 1 })).toEqual({ ok: true, attempts: 1, httpStatus: null, error: null });
    await sink.send({ ...drift, severity: 'critical' });
    await sink.send({ ...drift, severity: 'critical', status: 'resolved', actions: [] });
    const [warn, crit, resolved] = out.lines();
    expect(warn).toMatchObject({
      level: 40,
      module: 'alerts',
      sink: 'log',
      msg: '🟠 WARNING · BTC carry on deribit drifted 9.1% long',
      alert: { id: drift.id, seq: 1, notice: 'new', kind: 'delta_drift', positionId: 'pos-7', actions: ['sell 330 BTC-PERPETUAL contracts on deribit'], data: { driftPct: 9.09 } },
    });
    expect(crit?.['level']).toBe(50);
    expect(resolved).toMatchObject({ level: 30, msg: '✅ RESOLVED · BTC carry on deribit drifted 9.1% long' });
  });
});
