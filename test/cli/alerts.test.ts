/** `carry alerts` (list, read-only) and `carry alerts test` (one test alert per configured sink). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertManager, type AlertSender } from '../../src/alerts/manager.js';
import { AlertStore } from '../../src/alerts/store.js';
import { alertsCommandWith, type AlertsCommandDeps } from '../../src/cli/commands/alerts.js';
import type { CommandIO } from '../../src/cli/exit.js';
import type { Alert } from '../../src/domain/alert.js';
import { SimClock } from '../../src/domain/clock.js';
import { quietConfig, runCli, tempDir } from '../support/cli.js';

const T0 = Date.UTC(2026, 7, 9, 0, 0, 0);
const MIN = 60_000;

function check(kind: Alert['kind'], subject: string, severity: Alert['severity'], title: string): Alert {
  return { id: '', kind, severity, subject, positionId: null, venue: 'bybit', symbol: null, ts: 0, status: 'firing', title, message: title, actions: [], data: {}, nextFundingTime: null };
}

let db: string;
let cfg: string;

/**
 * A ledger with three episodes: stale_data/bybit (T0, resolved at T0+5), delta_drift/p1 (T0+1,
 * firing, reminded at T0+31), margin/p2 (T0+2, firing). The webhook took bybit's messages and
 * answered 500 to p1's and p2's (retry in a day): p1's reminder waits there behind p1's first
 * message (order per alert), and the try at 31 min, first message first, failed again. Telegram
 * got everything.
 */
async function fixture(file: string, mode: 'paper' | 'live' = 'paper'): Promise<void> {
  const store = AlertStore.open(file, { mode, carryVersion: 'test' });
  const clock = new SimClock(T0);
  const sender: AlertSender = async (alert, sinks) =>
    sinks.map((sink) => (sink === 'webhook' && alert.subject !== 'bybit' ? { sink, ok: false, error: 'HTTP 500 Internal Server Error' } : { sink, ok: true }));
  const m = new AlertManager({ store, sender, sinks: ['telegram', 'webhook'], clock, settings: { retryBaseMs: 24 * 60 * MIN, retryMaxMs: 24 * 60 * MIN } });
  const drift = check('delta_drift', 'p1', 'warning', 'BTC carry on deribit drifted 9.1% long');
  const at = async (min: number, firing: Alert[], checked: { kind: Alert['kind']; subject: string }[] = []) => {
    clock.set(T0 + min * MIN);
    await m.tick({ now: T0 + min * MIN, firing, checked });
  };
  await at(0, [check('stale_data', 'bybit', 'warning', 'bybit data 3 min old')]);
  await at(1, [drift]);
  await at(2, [check('margin', 'p2', 'critical', 'ETH carry on okx: liquidation 4% away')]);
  await at(5, [], [{ kind: 'stale_data', subject: 'bybit' }]);
  await at(31, [drift]);
  store.close();
}

const io = () => {
  const r = { out: '', err: '' };
  const sink: CommandIO = { out: (t) => void (r.out += t), err: (t) => void (r.err += t) };
  return { r, sink };
};

describe('carry alerts', () => {
  beforeAll(async () => {
    db = join(tempDir('carry-cli-alerts-'), 'paper.db');
    cfg = quietConfig();
    await fixture(db);
  });

  it('lists the alerts newest first with each sink’s deliveries and what was not delivered', async () => {
    const r = await runCli(['alerts', '--db', db, '--config', cfg]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^3 alerts, newest first \(.*paper\.db\)$/);
    const rows = lines.slice(3, 6);
    expect(rows.map((l) => l.split(/\s{2,}/).slice(0, 5))).toEqual([
      ['2026-08-09T00:02:00Z', 'margin', 'p2', 'critical', 'firing'],
      ['2026-08-09T00:01:00Z', 'delta_drift', 'p1', 'warning', 'firing'],
      ['2026-08-09T00:00:00Z', 'stale_data', 'bybit', 'warning', 'resolved'],
    ]);
    expect(rows[0]).toContain('telegram 1 sent; webhook 1 pending');
    expect(rows[1]).toContain('telegram 2 sent; webhook 2 pending');
    expect(rows[1]).toContain('BTC carry on deribit drifted 9.1% long');
    expect(rows[2]).toContain('2026-08-09T00:05:00Z');
    // Another alert's failures never hold bybit's messages back.
    expect(rows[2]).toContain('telegram 2 sent; webhook 2 sent');
    // Per undelivered message: which, where, how many tries and why.
    expect(r.out).toContain(`\nnot delivered:\n`);
    expect(r.out).toContain(`  delta_drift:p1:${T0 + MIN} #1 (new) → webhook: pending (2 attempts, last 2026-08-09T00:31:00Z): HTTP 500 Internal Server Error`);
    // The reminder waits behind it on that sink (order kept within the alert), and says so.
    expect(r.out).toContain(
      `  delta_drift:p1:${T0 + MIN} #2 (reminder) → webhook: pending (1 attempt, last 2026-08-09T00:31:00Z): not sent: #1 (new) of this alert must reach this sink first, and failed: HTTP 500 Internal Server Error`,
    );
    expect(r.out).toContain(`  margin:p2:${T0 + 2 * MIN} #1 (new) → webhook: pending (1 attempt, last 2026-08-09T00:02:00Z): HTTP 500 Internal Server Error`);
    expect(r.out).not.toContain('→ telegram');
  });

  it('--json: every episode with its deliveries per message and sink', async () => {
    const r = await runCli(['alerts', '--db', db, '--config', cfg, '--json']);
    expect(r.code, r.err).toBe(0);
    const body = JSON.parse(r.out) as { db: string; alerts: { id: string; kind: string; status: string; notifyCount: number; resolvedTs: number | null; alert: Alert; deliveries: { seq: number; notice: string; sink: string; status: string; attempts: number; lastError: string | null }[] }[] };
    expect(body.db).toBe(db);
    expect(body.alerts.map((a) => a.id)).toEqual([`margin:p2:${T0 + 2 * MIN}`, `delta_drift:p1:${T0 + MIN}`, `stale_data:bybit:${T0}`]);
    const bybit = body.alerts[2]!;
    expect(bybit).toMatchObject({ status: 'resolved', resolvedTs: T0 + 5 * MIN, notifyCount: 2 });
    expect(bybit.alert.status).toBe('resolved');
    expect(body.alerts[1]!.deliveries).toEqual([
      { alertId: `delta_drift:p1:${T0 + MIN}`, seq: 1, notice: 'new', sink: 'telegram', status: 'sent', attempts: 1, lastError: null, ts: T0 + MIN, createdAt: T0 + MIN },
      { alertId: `delta_drift:p1:${T0 + MIN}`, seq: 1, notice: 'new', sink: 'webhook', status: 'pending', attempts: 2, lastError: 'HTTP 500 Internal Server Error', ts: T0 + 31 * MIN, createdAt: T0 + MIN },
      { alertId: `delta_drift:p1:${T0 + MIN}`, seq: 2, notice: 'reminder', sink: 'telegram', status: 'sent', attempts: 1, lastError: null, ts: T0 + 31 * MIN, createdAt: T0 + 31 * MIN },
      {
        alertId: `delta_drift:p1:${T0 + MIN}`,
        seq: 2,
        notice: 'reminder',
        sink: 'webhook',
        status: 'pending',
        attempts: 1,
        lastError: 'not sent: #1 (new) of this alert must reach this sink first, and failed: HTTP 500 Internal Server Error',
        ts: T0 + 31 * MIN,
        createdAt: T0 + 31 * MIN,
      },
    ]);
  });

  it('--status and --limit filter; the command writes nothing', async () => {
    const firing = JSON.parse((await runCli(['alerts', '--db', db, '--config', cfg, '--json', '--status', 'firing'])).out) as { alerts: { subject: string }[] };
    expect(firing.alerts.map((a) => a.subject)).toEqual(['p2', 'p1']);
    const resolved = await runCli(['alerts', '--db', db, '--config', cfg, '--status', 'resolved']);
    expect(resolved.out).toMatch(/^1 alert, newest first/);
    expect(resolved.out).toContain('bybit');
    const one = JSON.parse((await runCli(['alerts', '--db', db, '--config', cfg, '--json', '--limit', '1'])).out) as { alerts: { subject: string }[] };
    expect(one.alerts.map((a) => a.subject)).toEqual(['p2']);
    // Pending deliveries are still pending: listing never sends nor changes anything.
    const store = AlertStore.open(db, { mode: 'paper', readonly: true, carryVersion: 'test' });
    try {
      expect(store.pendingSinks()).toEqual(['webhook']);
      expect(store.list({ limit: 10 }).flatMap((a) => a.deliveries).filter((d) => d.status === 'pending')).toHaveLength(3);
    } finally {
      store.close();
    }
  });

  it('reads a live ledger too, and says when there is nothing', async () => {
    const live = join(tempDir('carry-cli-alerts-'), 'live.db');
    await fixture(live, 'live');
    const r = await runCli(['alerts', '--db', live, '--config', cfg, '--status', 'resolved']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('stale_data');
    const empty = join(tempDir('carry-cli-alerts-'), 'empty.db');
    AlertStore.open(empty, { mode: 'paper', carryVersion: 'test' }).close();
    const none = await runCli(['alerts', '--db', empty, '--config', cfg, '--status', 'firing']);
    expect(none.code).toBe(0);
    expect(none.out).toMatch(/^no firing alerts in .*empty\.db\n$/);
  });

  it('bad input exits 2 with the reason', async () => {
    const bad = await runCli(['alerts', '--db', db, '--config', cfg, '--status', 'open']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--status: found "open"; expected firing or resolved');
    const missing = await runCli(['alerts', '--db', join(tempDir(), 'nope.db'), '--config', cfg]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no ledger at');
    expect((await runCli(['alerts', '--db', db, '--config', cfg, '--limit', '0'])).code).toBe(2);
    expect((await runCli(['alerts', 'tset', '--config', cfg])).code).toBe(2);
  });
});

describe('carry alerts test', () => {
  const run = async (deps: AlertsCommandDeps, argv: string[] = []) => {
    const { r, sink } = io();
    const code = await alertsCommandWith(deps)(['test', '--config', quietConfig(), ...argv], sink);
    return { code, ...r };
  };
  const sent: { alert: Alert; sinks: readonly string[] }[] = [];
  const send =
    (fail: Record<string, string>) =>
    async (alert: Alert, sinks: readonly string[]) => {
      sent.push({ alert, sinks });
      return sinks.map((sink) => (fail[sink] ? { sink, ok: false, error: fail[sink] } : { sink, ok: true }));
    };
  const SINKS = ['log', 'telegram', 'discord', 'slack', 'webhook'];

  it('sends one test alert to every configured sink; exit 0 when all took it', async () => {
    sent.length = 0;
    const r = await run({ sinksFor: () => ({ sinks: SINKS, send: send({}) }), now: () => T0 });
    expect(r.code, r.err).toBe(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.sinks).toEqual(SINKS);
    expect(sent[0]!.alert).toMatchObject({ kind: 'test', severity: 'info', status: 'firing', ts: T0 });
    expect(r.out.split('\n').filter(Boolean)).toEqual(['log       ok', 'telegram  ok', 'discord   ok', 'slack     ok', 'webhook   ok']);
  });

  it('exit 1 and each failing sink with its reason', async () => {
    const r = await run({ sinksFor: () => ({ sinks: SINKS, send: send({ telegram: 'HTTP 401 Unauthorized (check the bot token)', webhook: 'timeout after 10000 ms' }) }), now: () => T0 });
    expect(r.code).toBe(1);
    expect(r.out).toContain('telegram  error: HTTP 401 Unauthorized (check the bot token)');
    expect(r.out).toContain('webhook   error: timeout after 10000 ms');
    expect(r.out).toContain('slack     ok');
    const j = await run({ sinksFor: () => ({ sinks: ['log', 'webhook'], send: send({ webhook: 'HTTP 500' }) }), now: () => T0 }, ['--json']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out)).toEqual({
      ok: false,
      results: [
        { sink: 'log', ok: true, error: null },
        { sink: 'webhook', ok: false, error: 'HTTP 500' },
      ],
    });
  });

  it('a sink the sender does not answer for, a sender that throws, and no sinks at all are failures', async () => {
    const partial = await run({ sinksFor: () => ({ sinks: ['log', 'slack'], send: async () => [{ sink: 'log', ok: true }] }), now: () => T0 });
    expect(partial.code).toBe(1);
    expect(partial.out).toContain('slack  error: no result from the sender');
    const thrown = await run({ sinksFor: () => ({ sinks: ['log'], send: async () => Promise.reject(new Error('dispatcher crashed')) }), now: () => T0 });
    expect(thrown.code).toBe(1);
    expect(thrown.out).toContain('log  error: dispatcher crashed');
    const none = await run({ sinksFor: () => ({ sinks: [], send: send({}) }), now: () => T0 });
    expect(none.code).toBe(1);
    expect(none.err).toContain('no enabled sinks');
  });
});

describe('carry alerts test, through the configured sinks and the real dispatcher', () => {
  const requests: { url: string; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', body });
      res.statusCode = req.url === '/ok' ? 200 : 500;
      res.end(req.url === '/ok' ? 'ok' : 'boom');
    });
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a webhook on 127.0.0.1 gets one test alert; a 500 and a missing token are reported per sink, exit 1', async () => {
    const cfg = quietConfig({
      alerts: {
        sinks: {
          hook: { type: 'webhook', url: `${base}/ok`, maxAttempts: 1 },
          broken: { type: 'webhook', url: `${base}/fail`, maxAttempts: 1 },
          tg: { type: 'telegram', chatId: 1, tokenEnv: 'CARRY_TEST_TOKEN_THAT_IS_NOT_SET', baseUrl: base },
        },
      },
    });
    const r = await runCli(['alerts', 'test', '--config', cfg, '--json']);
    expect(r.code, r.err).toBe(1);
    const body = JSON.parse(r.out) as { ok: boolean; results: { sink: string; ok: boolean; error: string | null }[] };
    expect(body.ok).toBe(false);
    // The default log sink plus the three of the user file, each with its own result.
    expect(body.results.map((x) => [x.sink, x.ok])).toEqual([
      ['log', true],
      ['hook', true],
      ['broken', false],
      ['tg', false],
    ]);
    expect(body.results.find((x) => x.sink === 'broken')?.error).toContain('500');
    expect(body.results.find((x) => x.sink === 'tg')?.error).toContain('CARRY_TEST_TOKEN_THAT_IS_NOT_SET');
    expect(requests.map((q) => q.url).sort()).toEqual(['/fail', '/ok']);
    const sent = JSON.parse(requests.find((q) => q.url === '/ok')!.body) as Record<string, unknown>;
    // Not a message of a stored episode: no seq, no notice (payload schema carry.alert/1).
    expect(sent).toMatchObject({ schema: 'carry.alert/1', kind: 'test', severity: 'info', status: 'firing', seq: null, notice: null });

    const good = quietConfig({ alerts: { sinks: { hook: { type: 'webhook', url: `${base}/ok`, maxAttempts: 1 } } } });
    const g = await runCli(['alerts', 'test', '--config', good]);
    expect(g.code, g.err).toBe(0);
    expect(g.out).toBe('log   ok\nhook  ok\n');
  });
});
