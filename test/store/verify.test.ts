import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/domain/events.js';
import { Ledger } from '../../src/store/ledger.js';
import { HOUR, T0, created, funded, inverseSpec, linearFunding, linearSpec, tempDir, trade, transition } from './fixtures.js';

const opts = { mode: 'paper', carryVersion: 'test' } as const;

/** A ledger with a bit of everything: two venues, partial fills, a flip, funding, scans, a failed open. */
function busyLedger(): { file: string; events: LedgerEvent[] } {
  const file = join(tempDir(), 'paper.db');
  const a = linearSpec('a');
  const d = inverseSpec('d');
  const events: LedgerEvent[] = [
    funded('binance', 'USDT', 50_000),
    funded('deribit', 'BTC', 3),
    funded('deribit', 'USDC', 50_000),
    created(a),
    ...trade({ spec: a, leg: 'spot', side: 'buy', qty: 0.3, orderQty: 0.5, price: 50_000, feeRate: 0.001 }),
    ...trade({ spec: a, leg: 'perp', side: 'sell', qty: 0.3, price: 50_010, feeRate: 0.0005, purpose: 'hedge' }),
    transition('a', 'pending_open', 'open'),
    linearFunding(a, -0.3, T0 + 8 * HOUR, 0.0001, 50_100, 1.503),
    transition('a', 'open', 'rebalancing', T0 + 9 * HOUR),
    ...trade({ spec: a, leg: 'perp', side: 'buy', qty: 0.1, price: 49_000, feeRate: 0.0005, purpose: 'rebalance', ts: T0 + 9 * HOUR }),
    transition('a', 'rebalancing', 'open', T0 + 9 * HOUR),
    created(d, T0 + HOUR),
    ...trade({ spec: d, leg: 'spot', side: 'buy', qty: 1, price: 40_000, feeRate: 0.001, ts: T0 + HOUR }),
    ...trade({ spec: d, leg: 'perp', side: 'sell', qty: 4_000, price: 40_020, feeRate: 0.0005, ts: T0 + HOUR }),
    transition('d', 'pending_open', 'open', T0 + HOUR),
    { type: 'position.flagged', ts: T0 + 2 * HOUR, positionId: 'd', flag: 'venue_unavailable', message: 'deribit down' },
    created(linearSpec('f'), T0 + 3 * HOUR),
    transition('f', 'pending_open', 'failed', T0 + 3 * HOUR),
    { type: 'equity.snapshot', ts: T0 + 10 * HOUR, equity: 100_000, realised: 1, unrealised: 2, funding: 3, fees: 4, openPositions: 2 },
    {
      type: 'scan.recorded',
      ts: T0 + 10 * HOUR,
      top: [{ venue: 'binance', perpSymbol: 'BTC/USDT:USDT', spotSymbol: 'BTC/USDT', rate: 0.0001, intervalHours: 8, netApr: 0.1, maxNotional: 1e5, status: 'ok' }],
    },
    { type: 'decision', ts: T0 + 10 * HOUR, venue: 'binance', symbol: 'BTC/USDT:USDT', action: 'skip', reason: 'already held' },
  ];
  const l = Ledger.open(file, opts);
  // In several batches, as the engine would.
  for (let i = 0; i < events.length; i += 4) l.append(events.slice(i, i + 4));
  l.close();
  return { file, events };
}

describe('projections equal the replay of the log', () => {
  it('holds for a ledger with every kind of event, opened read-write or read-only', () => {
    const { file, events } = busyLedger();
    const l = Ledger.open(file, opts);
    const r = l.verify();
    expect(r.differences).toEqual([]);
    expect(r.integrity).toEqual(['ok']);
    expect(r.events).toBe(events.length);
    expect(r.ok).toBe(true);
    l.close();
    const ro = Ledger.open(file, { ...opts, readonly: true });
    expect(ro.verify().ok).toBe(true);
    ro.close();
  });

  it('finds a projection value changed outside the log', () => {
    const { file } = busyLedger();
    const raw = new Database(file);
    raw.prepare(`UPDATE positions SET spot_qty = spot_qty + 0.001 WHERE position_id = 'a'`).run();
    raw.close();
    const l = Ledger.open(file, opts);
    const r = l.verify();
    expect(r.ok).toBe(false);
    expect(r.differences).toHaveLength(1);
    expect(r.differences[0]).toMatchObject({ table: 'positions', key: 'a', kind: 'value', column: 'spot_qty', replayed: 0.3 });
    expect(r.differences[0]?.stored).toBeCloseTo(0.301, 12);
    l.close();
  });

  it('finds a missing and an extra row', () => {
    const { file } = busyLedger();
    const raw = new Database(file);
    const fee = raw.prepare(`SELECT entry_id FROM wallet_entries WHERE reason = 'fee' ORDER BY entry_id LIMIT 1`).pluck().get() as number;
    raw.prepare(`DELETE FROM wallet_entries WHERE entry_id = ?`).run(fee);
    raw.prepare(
      `INSERT INTO funding_payments (event_seq, position_id, venue, symbol, settlement_time, period_start, rate, mark_price,
        contracts, contract_size, settlement, amount, currency, amount_quote, ts)
       VALUES (1, 'a', 'binance', 'BTC/USDT:USDT', 1, NULL, 0.0001, 50000, -0.3, 1, 'linear', 1.5, 'USDT', 1.5, 1)`,
    ).run();
    raw.close();
    const l = Ledger.open(file, opts);
    const kinds = l.verify().differences.map((d) => [d.table, d.kind]);
    expect(kinds).toContainEqual(['wallet_entries', 'missing']);
    expect(kinds).toContainEqual(['funding_payments', 'extra']);
    l.close();
  });

  it('the event log itself refuses UPDATE and DELETE', () => {
    const { file } = busyLedger();
    const raw = new Database(file);
    expect(() => raw.prepare(`UPDATE events SET payload = '{}' WHERE seq = 1`).run()).toThrow(/append-only/);
    expect(() => raw.prepare(`DELETE FROM events WHERE seq = 1`).run()).toThrow(/append-only/);
    raw.close();
  });
});
