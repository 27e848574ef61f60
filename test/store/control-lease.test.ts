import { hostname } from 'node:os';
/**
 * The control channel and the daemon lease, each between two Ledger instances on one WAL file:
 * the daemon's connection and the one `carry kill` (or a second daemon) opens beside it.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CarryError, InputError } from '../../src/domain/errors.js';
import { Ledger } from '../../src/store/ledger.js';
import { LedgerRejectedError } from '../../src/store/errors.js';
import { memoryLedger, tempDir } from './fixtures.js';

const NOW = Date.UTC(2026, 7, 9, 12, 0, 0);
const STALE = 10_000;
const opened: Ledger[] = [];

function pair(mode: 'paper' | 'live' = 'live'): { file: string; daemon: Ledger; cli: Ledger } {
  const file = join(tempDir(), `${mode}.db`);
  const daemon = Ledger.open(file, { mode, carryVersion: 'test' });
  const cli = Ledger.open(file, { mode, carryVersion: 'test' });
  opened.push(daemon, cli);
  return { file, daemon, cli };
}

afterEach(() => {
  for (const l of opened.splice(0)) l.close();
});

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('control requests across connections', () => {
  it('carry kill writes, the daemon sees it pending, handles it, and the requester reads the outcome', () => {
    const { daemon, cli } = pair();
    expect(daemon.pendingControl()).toEqual([]);
    const id = cli.requestControl('kill', { reason: 'venue acting up' }, { by: 'alice@desk', now: NOW });
    const close = cli.requestControl('close_position', { positionId: 'p7' }, { by: 'alice@desk', now: NOW + 1 });
    expect(daemon.pendingControl()).toEqual([
      { id, ts: NOW, kind: 'kill', args: { reason: 'venue acting up' }, requestedBy: 'alice@desk', handledAt: null, outcome: null },
      { id: close, ts: NOW + 1, kind: 'close_position', args: { positionId: 'p7' }, requestedBy: 'alice@desk', handledAt: null, outcome: null },
    ]);
    daemon.markControlHandled(id, 'halted', NOW + 500);
    expect(cli.controlRequest(id)).toMatchObject({ handledAt: NOW + 500, outcome: 'halted' });
    expect(cli.pendingControl().map((r) => r.id)).toEqual([close]);
  });

  it('the requester defaults to this process, the time to now', () => {
    const { cli } = pair();
    const before = Date.now();
    const id = cli.requestControl('resume', {});
    const r = cli.controlRequest(id);
    expect(r?.requestedBy).toMatch(new RegExp(`^pid ${process.pid} on `));
    expect(r?.ts).toBeGreaterThanOrEqual(before);
  });

  it('handling twice, or an id that does not exist, throws naming it', () => {
    const { daemon, cli } = pair();
    const id = cli.requestControl('kill', {}, { now: NOW });
    daemon.markControlHandled(id, 'halted', NOW + 1);
    expect(thrown(() => daemon.markControlHandled(id, 'halted again', NOW + 2)).message).toMatch(
      new RegExp(`control request ${id} \\(kill\\) was already handled at 2026-08-09T12:00:00.001Z: halted`),
    );
    expect(thrown(() => daemon.markControlHandled(999, 'x')).message).toBe('control request 999 does not exist');
    expect(cli.controlRequest(id)?.outcome).toBe('halted');
  });

  const bad: [string, () => unknown, RegExp][] = [
    ['close_position without a position', () => memoryLedger().requestControl('close_position', {} as never), /close_position: positionId: Invalid input/],
    ['an unknown argument', () => memoryLedger().requestControl('kill', { force: true } as never), /kill: \(args\): Unrecognized key: "force"/],
    ['an unknown kind', () => memoryLedger().requestControl('reboot' as never, {} as never), /unknown kind "reboot"; expected one of kill, resume, close_position/],
  ];
  it.each(bad)('refuses %s as bad input, writing nothing', (_name, fn, message) => {
    const e = thrown(fn);
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(message);
  });

  it('a read-only ledger (reports) sees requests but cannot write them', () => {
    const { file, cli } = pair('paper');
    cli.requestControl('kill', {}, { now: NOW });
    const ro = Ledger.open(file, { mode: 'paper', readonly: true, carryVersion: 'test' });
    opened.push(ro);
    expect(ro.pendingControl()).toHaveLength(1);
    expect(thrown(() => ro.requestControl('kill', {}))).toBeInstanceOf(LedgerRejectedError);
    expect(thrown(() => ro.acquireLease(1, NOW, STALE, 'h'))).toBeInstanceOf(LedgerRejectedError);
  });
});

describe('daemon lease', () => {
  it('one daemon takes it; a second is refused naming the holder, until the first stops heartbeating', () => {
    const { file, daemon, cli: second } = pair();
    expect(daemon.currentLease()).toBeNull();
    expect(daemon.acquireLease(101, NOW, STALE, 'box-a')).toEqual({ pid: 101, host: 'box-a', startedAt: NOW, heartbeatAt: NOW, mode: 'live' });

    const e = thrown(() => second.acquireLease(202, NOW + 3_000, STALE, 'box-b'));
    expect(e).toBeInstanceOf(CarryError);
    expect((e as CarryError).code).toBe('CARRY_LEASE_HELD');
    expect(e.message).toBe(
      `${file} is already traded by a carry daemon: pid 101 on box-a (carry live, started 2026-08-09T12:00:00.000Z, last heartbeat 3.0 s ago). ` +
        'Stop that process first; if it died, its lease goes stale 10 s after its last heartbeat (live.leaseStaleMs).',
    );

    // Heartbeats keep it fresh past the first staleness horizon.
    daemon.heartbeat(101, NOW + 8_000, 'box-a');
    expect(thrown(() => second.acquireLease(202, NOW + 12_000, STALE, 'box-b')).message).toMatch(/last heartbeat 4\.0 s ago/);

    // The first daemon stalls: after leaseStaleMs without a heartbeat the lease is taken over.
    expect(second.acquireLease(202, NOW + 18_000, STALE, 'box-b')).toMatchObject({ pid: 202, host: 'box-b', startedAt: NOW + 18_000 });
    expect(daemon.currentLease()).toMatchObject({ pid: 202 });

    // The stalled daemon wakes up: its heartbeat says it lost the lease, and to whom.
    const lost = thrown(() => daemon.heartbeat(101, NOW + 19_000, 'box-a'));
    expect((lost as CarryError).code).toBe('CARRY_LEASE_HELD');
    expect(lost.message).toMatch(/this daemon \(pid 101 on box-a\) lost its lease to pid 202 on box-b .*; it must stop trading this ledger\./);
    // And it cannot release what it no longer holds.
    expect(daemon.releaseLease(101, 'box-a')).toBe(false);
    expect(second.currentLease()).toMatchObject({ pid: 202 });
  });

  it('the same pid on another host is another holder', () => {
    const { daemon, cli } = pair();
    daemon.acquireLease(101, NOW, STALE, 'box-a');
    expect(thrown(() => cli.acquireLease(101, NOW + 1, STALE, 'box-b')).message).toMatch(/pid 101 on box-a/);
  });

  it('the holder acquiring again keeps its start time; a clean release frees it at once', () => {
    const { daemon, cli } = pair();
    daemon.acquireLease(101, NOW, STALE, 'box-a');
    expect(daemon.acquireLease(101, NOW + 5_000, STALE, 'box-a')).toEqual({ pid: 101, host: 'box-a', startedAt: NOW, heartbeatAt: NOW + 5_000, mode: 'live' });
    expect(daemon.releaseLease(101, 'box-a')).toBe(true);
    expect(cli.currentLease()).toBeNull();
    expect(cli.acquireLease(202, NOW + 5_001, STALE, 'box-b')).toMatchObject({ pid: 202, startedAt: NOW + 5_001 });
  });

  it('a heartbeat after a release is a lost lease; a heartbeat never moves time back', () => {
    const { daemon } = pair();
    daemon.acquireLease(101, NOW, STALE, 'box-a');
    daemon.heartbeat(101, NOW + 5_000, 'box-a');
    daemon.heartbeat(101, NOW + 4_000, 'box-a');
    expect(daemon.currentLease()?.heartbeatAt).toBe(NOW + 5_000);
    daemon.releaseLease(101, 'box-a');
    expect(thrown(() => daemon.heartbeat(101, NOW + 6_000, 'box-a')).message).toMatch(/lost its lease \(released\)/);
  });

  it('a holder on this host whose process is gone (SIGKILL) is taken over at once; a live one is not', () => {
    const { daemon, cli: restart } = pair();
    const here = hostname();
    // A pid no process has: the kernel's pid space tops out far below it.
    daemon.acquireLease(2 ** 30, NOW, STALE, here);
    expect(restart.acquireLease(process.pid, NOW + 1_000, STALE, here)).toMatchObject({ pid: process.pid, host: here });
    // The parent of this test process is alive: its fresh lease holds.
    restart.releaseLease(process.pid, here);
    daemon.acquireLease(process.ppid, NOW, STALE, here);
    expect((thrown(() => restart.acquireLease(process.pid, NOW + 1_000, STALE, here)) as CarryError).code).toBe('CARRY_LEASE_HELD');
  });

  it('a heartbeat from a clock ahead counts as fresh: refusing is the safe side', () => {
    const { daemon, cli } = pair();
    daemon.acquireLease(101, NOW + 60_000, STALE, 'box-a');
    expect(thrown(() => cli.acquireLease(202, NOW, STALE, 'box-b')).message).toMatch(/last heartbeat 60\.0 s ahead of this clock/);
  });

  it('defaults the host to this machine and records the ledger mode', () => {
    const l = memoryLedger('paper');
    const got = l.acquireLease(process.pid, NOW, STALE);
    expect(got.host.length).toBeGreaterThan(0);
    expect(got.mode).toBe('paper');
    l.heartbeat(process.pid, NOW + 1);
    expect(l.releaseLease(process.pid)).toBe(true);
  });
});
