/**
 * Cooldown and dedup hold across a restart: no repeated alert, no lost one. Each "process" opens
 * the ledger file, builds its own AlertManager, and closes the file; a crash is a process that
 * stops between committing its decisions (the outbox) and sending them.
 */
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AlertManager, type AlertKey, type AlertSender, type SendContext } from '../../src/alerts/manager.js';
import { AlertStore } from '../../src/alerts/store.js';
import type { Alert, AlertKind, Severity } from '../../src/domain/alert.js';
import { SimClock } from '../../src/domain/clock.js';
import { Ledger } from '../../src/store/ledger.js';

const T0 = Date.UTC(2026, 7, 9, 0, 0, 0);
const MIN = 60_000;
const SINKS = ['telegram', 'webhook'] as const;
const DRIFT: AlertKey = { kind: 'delta_drift', subject: 'p1' };

function check(kind: AlertKind, subject: string, severity: Severity): Alert {
  return {
    id: '',
    kind,
    severity,
    subject,
    positionId: subject,
    venue: 'binance',
    symbol: 'BTC/USDT:USDT',
    ts: 0,
    status: 'firing',
    title: `${subject} ${kind}`,
    message: 'sell 0.012 BTC spot on binance',
    actions: [],
    data: {},
    nextFundingTime: null,
  };
}

interface Sent {
  readonly id: string;
  readonly sink: string;
  readonly notice: SendContext['notice'];
  readonly seq: number;
  readonly status: Alert['status'];
}

/** Everything any process sent, across restarts: what the user's phone got. */
class Phone {
  readonly sent: Sent[] = [];
  sender(behaviour: (sink: string) => 'ok' | 'hang' = () => 'ok'): AlertSender {
    return async (alert, sinks, context) => {
      const out = [];
      for (const sink of sinks) {
        if (behaviour(sink) === 'hang') await new Promise<never>(() => undefined);
        this.sent.push({ id: alert.id, sink, notice: context.notice, seq: context.seq, status: alert.status });
        out.push({ sink, ok: true });
      }
      return out;
    };
  }
  /** How many times each (alert, seq, sink) arrived. */
  counts(): Map<string, number> {
    const m = new Map<string, number>();
    for (const s of this.sent) m.set(`${s.id}#${s.seq}@${s.sink}`, (m.get(`${s.id}#${s.seq}@${s.sink}`) ?? 0) + 1);
    return m;
  }
}

function ledgerFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'carry-alerts-')), 'paper.db');
}

/** One process lifetime: open, build the manager, run `body`, close (also when body throws). */
async function process_<T>(file: string, at: number, phone: Phone, body: (m: AlertManager, store: AlertStore) => Promise<T>, sender?: AlertSender): Promise<T> {
  const store = AlertStore.open(file, { mode: 'paper', carryVersion: 'test' });
  try {
    const manager = new AlertManager({ store, sender: sender ?? phone.sender(), sinks: SINKS, clock: new SimClock(at) });
    return await body(manager, store);
  } finally {
    store.close();
  }
}

const fire = (now: number) => ({ now, firing: [check('delta_drift', 'p1', 'warning')], checked: [DRIFT] });
const clear = (now: number) => ({ now, firing: [], checked: [DRIFT] });

describe('across restarts', () => {
  it('no repeated alert inside the cooldown, and the reminder after it, once', async () => {
    const file = ledgerFile();
    const phone = new Phone();
    await process_(file, T0, phone, (m) => m.tick(fire(T0)));
    expect(phone.sent.map((s) => [s.notice, s.sink])).toEqual([
      ['new', 'telegram'],
      ['new', 'webhook'],
    ]);
    // Restart 10 minutes later: the start-up delivery has nothing to send, the tick is a repeat.
    await process_(file, T0 + 10 * MIN, phone, async (m) => {
      expect((await m.deliver()).attempts).toEqual([]);
      await m.tick(fire(T0 + 10 * MIN));
    });
    expect(phone.sent).toHaveLength(2);
    // Restart after the cooldown: one reminder per sink, then the resolution, once.
    await process_(file, T0 + 31 * MIN, phone, async (m) => {
      await m.deliver();
      await m.tick(fire(T0 + 31 * MIN));
      await m.tick(clear(T0 + 32 * MIN));
    });
    await process_(file, T0 + 33 * MIN, phone, async (m) => {
      await m.deliver();
      await m.tick(clear(T0 + 33 * MIN));
    });
    expect(phone.sent.map((s) => `${s.notice}@${s.sink}`)).toEqual([
      'new@telegram',
      'new@webhook',
      'reminder@telegram',
      'reminder@webhook',
      'resolved@telegram',
      'resolved@webhook',
    ]);
    expect([...phone.counts().values()].every((n) => n === 1)).toBe(true);
  });

  it('a crash after the outbox commit and before sending: the next start sends it, exactly once', async () => {
    const file = ledgerFile();
    const phone = new Phone();
    // Process 1 decides and commits, then dies before its send step.
    await process_(file, T0, phone, async (m, store) => {
      const plan = m.record(fire(T0));
      expect(plan.messages.map((x) => x.notice)).toEqual(['new']);
      expect(store.deliveries(plan.messages[0]!.alertId).map((d) => [d.sink, d.status])).toEqual([
        ['telegram', 'pending'],
        ['webhook', 'pending'],
      ]);
    });
    expect(phone.sent).toEqual([]);
    // Process 2: the start-up delivery sends it; a second call sends nothing more.
    await process_(file, T0 + 2 * MIN, phone, async (m) => {
      expect((await m.deliver()).sent).toBe(2);
      expect((await m.deliver()).attempts).toEqual([]);
      // The decision was committed at T0: the cooldown runs from then, so no second "new".
      await m.tick(fire(T0 + 3 * MIN));
    });
    // Process 3: nothing left to send.
    await process_(file, T0 + 4 * MIN, phone, async (m) => expect((await m.deliver()).attempts).toEqual([]));
    expect(phone.sent.map((s) => [s.id, s.seq, s.notice, s.sink])).toEqual([
      [`delta_drift:p1:${T0}`, 1, 'new', 'telegram'],
      [`delta_drift:p1:${T0}`, 1, 'new', 'webhook'],
    ]);
  });

  it('a crash with several undelivered messages: sent after the restart in the order decided, with the content decided', async () => {
    const file = ledgerFile();
    const phone = new Phone();
    await process_(file, T0, phone, async (m) => {
      m.record(fire(T0));
      m.record(clear(T0 + MIN));
      m.record(fire(T0 + 2 * MIN));
    });
    await process_(file, T0 + 3 * MIN, phone, (m) => m.deliver());
    const telegram = phone.sent.filter((s) => s.sink === 'telegram');
    expect(telegram.map((s) => [s.id, s.notice, s.status])).toEqual([
      [`delta_drift:p1:${T0}`, 'new', 'firing'],
      [`delta_drift:p1:${T0}`, 'resolved', 'resolved'],
      [`delta_drift:p1:${T0 + 2 * MIN}`, 'new', 'firing'],
    ]);
    expect(phone.sent).toHaveLength(6);
  });

  it('a crash while one sink hangs: only that sink gets the message after the restart', async () => {
    const file = ledgerFile();
    const phone = new Phone();
    await process_(file, T0, phone, async (m, store) => {
      m.record(fire(T0));
      // The webhook never answers; the process dies with its delivery in flight.
      void m.deliver();
      await new Promise((r) => setTimeout(r, 20));
      expect(store.deliveries(`delta_drift:p1:${T0}`).map((d) => [d.sink, d.status])).toEqual([
        ['telegram', 'sent'],
        ['webhook', 'pending'],
      ]);
    }, phone.sender((sink) => (sink === 'webhook' ? 'hang' : 'ok')));
    await process_(file, T0 + MIN, phone, (m) => m.deliver());
    expect(phone.sent.map((s) => `${s.notice}@${s.sink}`)).toEqual(['new@telegram', 'new@webhook']);
  });

  it('a sink answering after shutdown closed the file: no error, and the message goes out at the next start', async () => {
    const file = ledgerFile();
    const phone = new Phone();
    const waiting: (() => void)[] = [];
    const late: AlertSender = async (_alert, sinks) => {
      await new Promise<void>((r) => waiting.push(r));
      return sinks.map((sink) => ({ sink, ok: true }));
    };
    let inFlight: Promise<unknown> = Promise.resolve();
    await process_(file, T0, phone, async (m) => {
      m.record(fire(T0));
      inFlight = m.deliver();
    }, late);
    expect(waiting).toHaveLength(2); // both sinks were asked before the shutdown
    for (const answer of waiting) answer();
    await expect(inFlight).resolves.toMatchObject({ attempts: [] });
    await process_(file, T0 + MIN, phone, (m) => m.deliver());
    expect(phone.sent.map((s) => `${s.notice}@${s.sink}`)).toEqual(['new@telegram', 'new@webhook']);
  });

  it('alerts live in the ledger file next to the events, and the ledger still verifies', async () => {
    const file = ledgerFile();
    const phone = new Phone();
    await process_(file, T0, phone, (m) => m.tick(fire(T0)));
    const ledger = Ledger.open(file, { mode: 'paper', carryVersion: 'test' });
    try {
      expect(ledger.verify().ok).toBe(true);
    } finally {
      ledger.close();
    }
  });
});
