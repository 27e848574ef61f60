/**
 * Close reasons and the entry estimate in the ledger (schema 4): the transition to closing
 * carries the exit as codes, the positions row keeps it queryable, ledgers written before it
 * get their exits read back from the reason text, and a schema-3 file migrates and verifies.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/domain/events.js';
import { exitOfTransition } from '../../src/store/exit-record.js';
import { Ledger } from '../../src/store/ledger.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open.js';
import { created, dropMigration6, funded, HOUR, linearSpec, memoryLedger, T0, tempDir, transition } from './fixtures.js';

function closing(positionId: string, reason: string, exit?: Extract<LedgerEvent, { type: 'position.transition' }>['exit'], ts = T0 + 10 * HOUR): LedgerEvent {
  return { type: 'position.transition', ts, positionId, from: 'open', to: 'closing', reason, ...(exit ? { exit } : {}) };
}

/** A position's life up to closed, its close written as `closeEvent`. */
function life(id: string, closeEvent: LedgerEvent, entryNetApr?: number | null): LedgerEvent[] {
  const c = created(linearSpec(id)) as Extract<LedgerEvent, { type: 'position.created' }>;
  return [
    entryNetApr === undefined ? c : { ...c, entryNetApr },
    transition(id, 'pending_open', 'open', T0 + 1),
    closeEvent,
    transition(id, 'closing', 'closed', T0 + 10 * HOUR + 1),
  ];
}

describe('close reasons on the positions row', () => {
  it('records the exit kind, risk rule and reason of the transition to closing, and the entry net APR', () => {
    const l = memoryLedger();
    l.append([funded('binance', 'USDT', 10_000)]);
    l.append(life('p1', closing('p1', 'rate_below_exit: low', { kind: 'rate_below_exit', rule: null, reason: 'low' }), 0.3412));
    l.append(life('p2', closing('p2', 'risk: margin: gone', { kind: 'risk', rule: 'margin', reason: 'margin: gone' })));
    const [p1, p2] = [l.position('p1'), l.position('p2')];
    expect(p1).toMatchObject({ state: 'closed', entryNetApr: 0.3412, exitKind: 'rate_below_exit', exitRule: null, closeReason: 'low' });
    expect(p2).toMatchObject({ state: 'closed', entryNetApr: null, exitKind: 'risk', exitRule: 'margin', closeReason: 'margin: gone' });
    expect(l.verify().ok).toBe(true);
  });

  it('leaves the exit null on a position that is only open', () => {
    const l = memoryLedger();
    l.append([created(linearSpec('p1')), transition('p1', 'pending_open', 'open', T0 + 1)]);
    expect(l.position('p1')).toMatchObject({ exitKind: null, exitRule: null, closeReason: null });
  });

  it.each<[string, LedgerEvent]>([
    ['an exit on a transition that is not to closing', { type: 'position.transition', ts: T0 + 1, positionId: 'p1', from: 'pending_open', to: 'open', reason: 'x', exit: { kind: 'max_hold', rule: null, reason: 'x' } }],
    ['a risk exit without its rule', closing('p1', 'risk: ?', { kind: 'risk', rule: null, reason: '?' })],
    ['a rule on an exit that is not risk', closing('p1', 'max_hold: x', { kind: 'max_hold', rule: 'drift', reason: 'x' })],
    ['an unknown exit kind', closing('p1', 'x', { kind: 'whim' as 'manual', rule: null, reason: 'x' })],
  ])('refuses %s', (_name, bad) => {
    const l = memoryLedger();
    l.append([created(linearSpec('p1'))]);
    if (bad.type === 'position.transition' && bad.from === 'open') l.append([transition('p1', 'pending_open', 'open', T0)]);
    expect(() => l.append([bad])).toThrow(/invalid_event|exit/);
    expect(l.position('p1')?.exitKind).toBeNull();
  });
});

describe('exits of ledgers written before schema 4', () => {
  it.each<[string, string, ReturnType<typeof exitOfTransition>]>([
    ['a decide() exit', 'better_opportunity: switch to okx DOT/USDT:USDT (carry): gain 16% >= 15%', { kind: 'better_opportunity', rule: null, reason: 'switch to okx DOT/USDT:USDT (carry): gain 16% >= 15%' }],
    ['max hold', 'max_hold: held 336.0h >= max hold 336h', { kind: 'max_hold', rule: null, reason: 'held 336.0h >= max hold 336h' }],
    ['a reason with no exit code', 'closing by hand', null],
    ['an unknown prefix', 'whim: because', null],
    // There was no risk exit before schema 4: a "risk:" prefix is text, not a code.
    ['a risk prefix', 'risk: margin: gone', null],
  ])('reads %s back from the reason', (_name, reason, expected) => {
    expect(exitOfTransition({ to: 'closing', reason })).toEqual(expected);
  });

  it('reads nothing from transitions that are not to closing', () => {
    expect(exitOfTransition({ to: 'closed', reason: 'max_hold: x' })).toBeNull();
  });

  it('prefers the recorded exit to the reason text', () => {
    expect(exitOfTransition({ to: 'closing', reason: 'max_hold: x', exit: { kind: 'risk', rule: 'drift', reason: 'drift: y' } })).toEqual({ kind: 'risk', rule: 'drift', reason: 'drift: y' });
  });

  it('a schema-3 ledger refuses a read-only open, then migrates on a writing one with its exits filled in, and verifies', () => {
    const file = join(tempDir(), 'v3.db');
    // The positions projection of schema 3 is today's without migration 4's columns (and 5's on alert_deliveries): build the log
    // with today's code (old-style events: no exit, no entry net APR), then take them off.
    const l = Ledger.open(file, { mode: 'paper', carryVersion: 'test' });
    l.append([funded('binance', 'USDT', 10_000)]);
    l.append(life('p1', closing('p1', 'rate_below_exit: funding APR 1.50% < exit threshold 2.00%')));
    l.append(life('p2', closing('p2', 'resume closing')));
    l.close();
    const raw = new Database(file);
    for (const c of ['entry_net_apr', 'exit_kind', 'exit_rule', 'close_reason']) raw.exec(`ALTER TABLE positions DROP COLUMN ${c}`);
    raw.exec(`ALTER TABLE alert_deliveries DROP COLUMN created_at`); // migration 5's
    dropMigration6(raw);
    raw.prepare(`UPDATE meta SET value = '3' WHERE key = 'schema_version'`).run();
    raw.close();

    expect(() => openStore(file, { mode: 'paper', readonly: true, carryVersion: 'test' })).toThrow(new RegExp(`schema version 3 and this carry needs ${SCHEMA_VERSION}; a read-only open does not migrate`));
    const m = Ledger.open(file, { mode: 'paper', carryVersion: 'test' });
    try {
      expect(m.schemaVersion).toBe(SCHEMA_VERSION);
      expect(m.position('p1')).toMatchObject({ entryNetApr: null, exitKind: 'rate_below_exit', exitRule: null, closeReason: 'funding APR 1.50% < exit threshold 2.00%' });
      expect(m.position('p2')).toMatchObject({ exitKind: null, closeReason: null });
      // The backfill and a replay of the log through the projection agree row for row.
      expect(m.verify()).toMatchObject({ ok: true, differences: [] });
      // And the migrated ledger takes new events as usual.
      m.append(life('p3', closing('p3', 'max_hold: held', { kind: 'max_hold', rule: null, reason: 'held' })));
      expect(m.position('p3')?.exitKind).toBe('max_hold');
    } finally {
      m.close();
    }
  });
});
