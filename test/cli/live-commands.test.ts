/**
 * `carry live`, `carry kill`, `carry resume` in-process (runCli) against the loopback mock
 * exchange: the opt-in refusals, keys missing or rejected (exit 4, nothing written, no paper
 * fallback), kill with and without a daemon on the ledger, resume and its refusal.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { carryVersion } from '../../src/app/context.js';
import { startLiveDaemon, type LiveDaemon } from '../../src/app/live-run.js';
import { liveCommandWith } from '../../src/cli/commands/live.js';
import { Ledger } from '../../src/store/ledger.js';
import { deepMerge } from '../../src/util/merge.js';
import { runCarryProcess } from '../support/carry-process.js';
import { runCli, tempDir } from '../support/cli.js';
import { liveHarness, PERP, type LiveHarness } from '../support/live-harness.js';

const VARS = ['CARRY_BINANCE_API_KEY', 'CARRY_BINANCE_SECRET', 'CARRY_BYBIT_API_KEY', 'CARRY_BYBIT_SECRET'] as const;

let h: LiveHarness | undefined;
let daemon: LiveDaemon | undefined;
let savedEnv: Record<string, string | undefined>;
let savedTty: PropertyDescriptor | undefined;

beforeEach(() => {
  savedEnv = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
  for (const v of VARS) delete process.env[v];
  savedTty = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
});

afterEach(async () => {
  if (daemon) {
    daemon.stop();
    await daemon.done.catch(() => undefined);
    daemon = undefined;
  }
  await h?.close();
  h = undefined;
  for (const v of VARS) {
    const was = savedEnv[v];
    if (was === undefined) delete process.env[v];
    else process.env[v] = was;
  }
  if (savedTty) Object.defineProperty(process.stdin, 'isTTY', savedTty);
  else delete (process.stdin as { isTTY?: boolean }).isTTY;
});

/** The harness config as a user config file, with `over` merged in; the paper ledger in the temp dir too. */
function configFile(harness: LiveHarness, over: Record<string, unknown> = {}): { file: string; paperPath: string } {
  const dir = tempDir('carry-live-cli-');
  const paperPath = join(dir, 'paper.db');
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(deepMerge(deepMerge(harness.configJson, { store: { path: paperPath } }), over)));
  return { file, paperPath };
}

function useKeys(harness: LiveHarness, over: Record<string, string> = {}): void {
  for (const v of VARS) {
    const value = over[v] ?? harness.env[v];
    if (value !== undefined) process.env[v] = value;
  }
}

function readLedger(path: string): Ledger {
  return Ledger.open(path, { mode: 'live', readonly: true, carryVersion: carryVersion() });
}

/** Three scans open the hedged BTC position (the strategy wants three funding observations). */
async function openPosition(harness: LiveHarness, scans = 3) {
  const stack = await harness.open();
  for (let i = 0; i < scans; i++) await stack.run('scan');
  return stack;
}

function spotBtc(harness: LiveHarness): number {
  const b = harness.mock.state().balances;
  return Object.values(b).reduce((s, w) => s + (w['BTC'] ?? 0), 0);
}

describe('carry live: the opt-in', () => {
  it('refuses with mode: paper, naming mode: live', async () => {
    h = await liveHarness();
    const { file } = configFile(h, { mode: 'paper' });
    const r = await runCli(['live', '--live', '--yes', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('mode: live');
    expect(existsSync(h.dbPath)).toBe(false);
  });

  it('refuses without --live, naming --live', async () => {
    h = await liveHarness();
    const { file } = configFile(h);
    const r = await runCli(['live', '--yes', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--live');
    expect(r.err).not.toMatch(/\n\s+at /); // no stack
    expect(existsSync(h.dbPath)).toBe(false);
  });

  it('without a terminal and without --yes refuses, naming --yes', async () => {
    h = await liveHarness();
    const { file } = configFile(h);
    Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
    const r = await runCli(['live', '--live', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--yes');
    expect(existsSync(h.dbPath)).toBe(false);
  });

  it('on a terminal, anything but the confirmation word aborts before the ledger or a key is touched', async () => {
    h = await liveHarness();
    const { file } = configFile(h);
    let err = '';
    const code = await liveCommandWith(['--live', '--config', file], { out: () => undefined, err: (t) => void (err += t) }, { interactive: true, readLine: async () => 'yes' });
    expect(code).toBe(2);
    expect(err).toContain('carry live will place orders on binance (REAL MONEY)');
    expect(err).toContain('aborted: nothing was traded');
    expect(existsSync(h.dbPath)).toBe(false);
    expect(h.mock.stats().requests).toBe(0);
  });
});

describe('carry live: keys', () => {
  it('keys missing: exit 4 naming the venue and both variables; nothing written, no paper fallback', async () => {
    h = await liveHarness();
    const { file, paperPath } = configFile(h);
    const r = await runCli(['live', '--live', '--yes', '--config', file]);
    expect(r.code).toBe(4);
    expect(r.err).toContain('binance');
    expect(r.err).toContain('CARRY_BINANCE_API_KEY');
    expect(r.err).toContain('CARRY_BINANCE_SECRET');
    expect(r.err).toContain('.env.example');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(existsSync(h.dbPath)).toBe(false);
    expect(existsSync(paperPath)).toBe(false);
    expect(h.mock.stats().requests).toBe(0);
  });

  it('a secret the venue rejects: exit 4 naming the venue and the variables; nothing written', async () => {
    h = await liveHarness();
    const { file, paperPath } = configFile(h);
    useKeys(h, { CARRY_BINANCE_SECRET: 'x'.repeat(64) });
    const r = await runCli(['live', '--live', '--yes', '--config', file]);
    expect(r.code).toBe(4);
    expect(r.err).toContain('binance');
    expect(r.err).toContain('CARRY_BINANCE_API_KEY');
    expect(r.err).toContain('CARRY_BINANCE_SECRET');
    expect(r.err).not.toContain('x'.repeat(64));
    expect(existsSync(h.dbPath)).toBe(false);
    expect(existsSync(paperPath)).toBe(false);
  }, 30_000);
});

describe('carry live: the daemon', () => {
  it('runs for --for, reconciles at start, and exits 0 on a clean stop', async () => {
    h = await liveHarness();
    const { file } = configFile(h);
    useKeys(h);
    const r = await runCli(['live', '--live', '--yes', '--config', file, '--for', '1s']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('reconciled: the venues agree with the ledger');
    expect(r.err).toContain('live: stopped');
    const ledger = readLedger(h.dbPath);
    try {
      expect(ledger.currentLease()).toBeNull();
      expect(ledger.countEvents()).toBeGreaterThan(0);
    } finally {
      ledger.close();
    }
  }, 60_000);
});

describe('carry close', () => {
  it('with no daemon: closes the one position on both legs; an unknown id is refused (exit 2); trading stays active', async () => {
    h = await liveHarness();
    const stack = await openPosition(h);
    const id = stack.ledger.openPositions()[0]!.positionId;
    await stack.close();
    const { file } = configFile(h);
    useKeys(h);
    const bad = await runCli(['close', 'P9999', '--config', file, '--db', h.dbPath]);
    expect(bad.code, bad.err).toBe(2);
    expect(bad.err).toContain('refused: P9999 is not an open position');
    const r = await runCli(['close', id, '--config', file, '--db', h.dbPath, '--reason', 'taking profit']);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toBe(`closed ${id}\n`);
    expect(h.mock.state().positions.filter((p) => p.symbol === PERP)).toHaveLength(0);
    const ledger = readLedger(h.dbPath);
    try {
      expect(ledger.position(id)).toMatchObject({ state: 'closed', exitKind: 'manual' });
      expect(ledger.riskState()).toBe('active');
    } finally {
      ledger.close();
    }
  }, 60_000);
});

describe('carry kill and carry resume', () => {
  it('with no daemon: kill opens the venues, flattens both legs and halts; resume, then a second resume is refused', async () => {
    h = await liveHarness();
    const stack = await openPosition(h);
    expect(stack.ledger.openPositions()).toHaveLength(1);
    expect(h.mock.state().positions).toHaveLength(1);
    expect(spotBtc(h)).toBeGreaterThan(0.01);
    await stack.close();

    const { file } = configFile(h);
    const noKeys = await runCli(['kill', '--config', file, '--db', h.dbPath]);
    expect(noKeys.code).toBe(4);
    expect(noKeys.err).toContain('CARRY_BINANCE_API_KEY');

    useKeys(h);
    const r = await runCli(['kill', '--config', file, '--db', h.dbPath, '--reason', 'test says stop']);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.out).toMatch(/^halted; flat: P0001/);
    expect(h.mock.state().positions.filter((p) => p.symbol === PERP)).toHaveLength(0);
    expect(spotBtc(h)).toBeLessThan(1e-4); // sold back to the dust the lot size leaves

    let ledger = readLedger(h.dbPath);
    try {
      expect(ledger.riskState()).toBe('halted');
      expect(ledger.riskHistory({ limit: 1 })[0]?.reason).toContain('test says stop');
      expect(ledger.openPositions()).toHaveLength(0);
      expect(ledger.currentLease()).toBeNull();
    } finally {
      ledger.close();
    }

    const status = await runCli(['status', '--live', '--config', file]);
    expect(status.code, status.err).toBe(0);
    expect(status.out).toContain('live trading HALTED');

    // A restart while halted says so and what to do, places nothing, and still stops cleanly.
    const orders = h.mock.state().orders.length;
    const halted = await runCli(['live', '--live', '--yes', '--config', file, '--for', '1s']);
    expect(halted.code, halted.err).toBe(0);
    expect(halted.err).toContain('trading is HALTED (kill:');
    expect(halted.err).toContain('`carry resume`');
    expect(halted.err).toContain('`carry kill`');
    expect(h.mock.state().orders.length).toBe(orders);

    const resumed = await runCli(['resume', '--config', file]);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain('trading active (was halted)');
    // The HALTED alert the kill raised resolves with the resume.
    const firing = await runCli(['alerts', '--live', '--config', file, '--status', 'firing', '--json']);
    expect(firing.code, firing.err).toBe(0);
    expect(firing.out).not.toContain('trading_state');
    const all = await runCli(['alerts', '--live', '--config', file, '--json']);
    expect(all.out).toContain('trading_state');
    ledger = readLedger(h.dbPath);
    try {
      expect(ledger.riskState()).toBe('active');
      expect(ledger.currentLease()).toBeNull();
    } finally {
      ledger.close();
    }

    const again = await runCli(['resume', '--config', file]);
    expect(again.code).toBe(2);
    expect(again.err).toContain('trading is already active');
  }, 120_000);

  it('with a daemon running: kill and resume go through the control channel and the daemon acts', async () => {
    h = await liveHarness();
    // Two scans here; the daemon's first scan (at once on start) is the third, which opens.
    const stack = await openPosition(h, 2);
    daemon = startLiveDaemon(stack);
    const deadline = Date.now() + 30_000;
    while (stack.ledger.openPositions().filter((p) => p.state === 'open').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stack.ledger.openPositions()).toHaveLength(1);
    expect(h.mock.state().positions).toHaveLength(1);

    const { file } = configFile(h);
    // No keys in the environment: the CLI never opens the venues itself, the daemon does the work.
    const r = await runCli(['kill', '--config', file, '--reason', 'from the cli']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`asked the daemon (pid ${process.pid}`);
    expect(r.out).toMatch(/^halted; flat: P0001/);
    const req = stack.ledger.controlRequest(1);
    expect(req?.kind).toBe('kill');
    expect(req?.handledAt).not.toBeNull();
    expect(req?.outcome).toMatch(/^halted; flat/);
    expect(req?.requestedBy).toContain('carry kill');
    expect(stack.ledger.riskState()).toBe('halted');
    expect(h.mock.state().positions.filter((p) => p.symbol === PERP)).toHaveLength(0);
    expect(spotBtc(h)).toBeLessThan(1e-4);

    const resumed = await runCli(['resume', '--config', file]);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain('trading active');
    expect(stack.ledger.riskState()).toBe('active');
    expect(stack.engine.tradingState).toBe('active');

    const again = await runCli(['resume', '--config', file]);
    expect(again.code).toBe(2);
    expect(again.err).toContain('trading is already active');
    expect(stack.ledger.controlRequest(3)?.outcome).toMatch(/^refused/);
  }, 120_000);

  it('a lease left by a dead daemon on this host is not a daemon: kill flattens directly, no request queued', async () => {
    h = await liveHarness();
    const stack = await openPosition(h);
    await stack.close();
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const w = Ledger.open(h.dbPath, { mode: 'live', carryVersion: carryVersion() });
    w.acquireLease(dead, Date.now(), h.config.live.leaseStaleMs);
    w.close();
    const { file } = configFile(h);
    useKeys(h);
    const r = await runCli(['kill', '--config', file, '--wait', '30']);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.err).toContain('no carry live daemon');
    expect(r.out).toMatch(/^halted; flat: P0001/);
    const ledger = readLedger(h.dbPath);
    try {
      expect(ledger.controlRequest(1)).toBeNull();
      expect(ledger.currentLease()).toBeNull();
    } finally {
      ledger.close();
    }
    expect(h.mock.state().positions.filter((p) => p.symbol === PERP)).toHaveLength(0);
  }, 60_000);

  it('a daemon that stops answering while kill waits: the request is withdrawn and kill flattens directly', async () => {
    h = await liveHarness();
    const stack = await openPosition(h);
    await stack.close();
    // A lease from another host, fresh now, never renewed: it goes stale after live.leaseStaleMs (2 s).
    const w = Ledger.open(h.dbPath, { mode: 'live', carryVersion: carryVersion() });
    w.acquireLease(424242, Date.now(), h.config.live.leaseStaleMs, 'elsewhere');
    w.close();
    const { file } = configFile(h);
    useKeys(h);
    const r = await runCli(['kill', '--config', file, '--wait', '30']);
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.err).toContain('asked the daemon (pid 424242 on elsewhere)');
    expect(r.err).toContain('withdrawn');
    expect(r.out).toMatch(/^halted; flat: P0001/);
    const ledger = readLedger(h.dbPath);
    try {
      expect(ledger.controlRequest(1)?.outcome).toMatch(/^withdrawn/);
      expect(ledger.pendingControl()).toHaveLength(0);
      expect(ledger.riskState()).toBe('halted');
    } finally {
      ledger.close();
    }
    expect(h.mock.state().positions.filter((p) => p.symbol === PERP)).toHaveLength(0);
  }, 60_000);

  it('kill and resume with no live ledger: exit 2 naming the path', async () => {
    h = await liveHarness();
    const { file } = configFile(h);
    for (const cmd of ['kill', 'resume']) {
      const r = await runCli([cmd, '--config', file]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`no live ledger at ${h.dbPath}`);
    }
    expect(existsSync(h.dbPath)).toBe(false);
  });
});

describe('carry live in its own process', () => {
  it('a second process kills it through the ledger; SIGTERM then stops it with exit 0 and the lease released', async () => {
    h = await liveHarness();
    // A scan every second, so the third (which opens) comes soon.
    const { file } = configFile(h, { jobs: { scan: '* * * * * *' } });
    useKeys(h);
    let killed = false;
    const child = runCarryProcess(['live', '--live', '--yes', '--config', file], {
      watch: { db: h.dbPath, when: () => killed, signal: 'SIGTERM' },
      timeoutMs: 90_000,
    });
    const deadline = Date.now() + 60_000;
    let open = 0;
    while (open === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      if (!existsSync(h.dbPath)) continue;
      try {
        const l = readLedger(h.dbPath);
        try {
          open = l.openPositions().filter((p) => p.state === 'open').length;
        } finally {
          l.close();
        }
      } catch {
        // created but not migrated yet
      }
    }
    expect(open).toBe(1);
    expect(h.mock.state().positions).toHaveLength(1);

    const r = await runCli(['kill', '--config', file, '--reason', 'from another process']);
    killed = true;
    expect(r.code, r.err + r.out).toBe(0);
    expect(r.err).toContain('asked the daemon (pid ');
    expect(r.err).not.toContain(`(pid ${process.pid} `);
    expect(r.out).toMatch(/^halted; flat: P0001/);
    expect(h.mock.state().positions.filter((p) => p.symbol === PERP)).toHaveLength(0);
    expect(spotBtc(h)).toBeLessThan(1e-4);

    const done = await child;
    expect(done.code, done.err).toBe(0);
    expect(done.err).toContain('live: stopped');
    const ledger = readLedger(h.dbPath);
    try {
      expect(ledger.currentLease()).toBeNull();
      expect(ledger.riskState()).toBe('halted');
      expect(ledger.openPositions()).toHaveLength(0);
    } finally {
      ledger.close();
    }
  }, 120_000);
});
