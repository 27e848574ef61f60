/** mode, the risk gate's new limits and the live section: defaults, bounds, and errors that name the field. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { liveSchema, riskSchema } from '../../src/config/schema.js';

function userFile(content: unknown): string {
  const f = join(mkdtempSync(join(tmpdir(), 'carry-cfg-live-')), 'user.json');
  writeFileSync(f, JSON.stringify(content));
  return f;
}

function problemsOf(content: unknown) {
  try {
    loadConfig({ file: userFile(content) });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('paper mode, the documented risk limits and live timeouts', () => {
    const c = loadConfig();
    expect(c.mode).toBe('paper');
    expect(c.risk).toEqual({
      maxPositionNotional: 25_000,
      maxVenueNotional: 50_000,
      maxTotalNotional: 100_000,
      maxLeverage: 3,
      minLiquidationDistance: 0.25,
      dailyLossLimit: 500,
    });
    expect(c.live).toEqual({
      legTimeoutMs: 15_000,
      orderTimeoutMs: 10_000,
      recvWindowMs: 10_000,
      autoTransfer: false,
      fundingTolerance: { relative: 0.05, absolute: 0.01 },
      controlPollMs: 1_000,
      leaseStaleMs: 10_000,
    });
    expect(Object.isFrozen(c.live.fundingTolerance)).toBe(true);
  });

  it('config/default.json spells out exactly the schema defaults of the new sections', () => {
    const file = JSON.parse(readFileSync(join(import.meta.dirname, '../../config/default.json'), 'utf8')) as Record<string, unknown>;
    expect(file['mode']).toBe('paper');
    expect(file['risk']).toEqual(riskSchema.parse({}));
    expect(file['live']).toEqual(liveSchema.parse({}));
  });

  it('a user file may switch to live and overlay one live field', () => {
    const c = loadConfig({ file: userFile({ mode: 'live', live: { legTimeoutMs: 30_000 } }) });
    expect(c.mode).toBe('live');
    expect(c.live.legTimeoutMs).toBe(30_000);
    expect(c.live.orderTimeoutMs).toBe(10_000);
  });
});

describe('refusals name the field, the value and what is expected', () => {
  const cases: [string, unknown, string, string, RegExp][] = [
    ['an unknown mode', { mode: 'dry' }, 'mode', '"dry"', /"paper"\|"live".*paper: simulated fills/],
    ['leverage 0', { risk: { maxLeverage: 0 } }, 'risk.maxLeverage', '0', />0.*Most leverage/],
    ['leverage above any venue', { risk: { maxLeverage: 200 } }, 'risk.maxLeverage', '200', /<=125/],
    ['liquidation distance 1', { risk: { minLiquidationDistance: 1 } }, 'risk.minLiquidationDistance', '1', /<1.*distance to liquidation/],
    ['a negative daily loss limit', { risk: { dailyLossLimit: -100 } }, 'risk.dailyLossLimit', '-100', />0.*UTC day/],
    ['a fractional leg timeout', { live: { legTimeoutMs: 1500.5 } }, 'live.legTimeoutMs', '1500.5', /int.*unhedged/],
    ['recvWindow beyond 60 s', { live: { recvWindowMs: 90_000 } }, 'live.recvWindowMs', '90000', /<=60000.*recvWindow/],
    ['autoTransfer as text', { live: { autoTransfer: 'yes' } }, 'live.autoTransfer', '"yes"', /boolean.*collateral/],
    ['a relative tolerance above 100%', { live: { fundingTolerance: { relative: 1.5 } } }, 'live.fundingTolerance.relative', '1.5', /<=1.*expected funding/],
    ['a negative absolute tolerance', { live: { fundingTolerance: { absolute: -0.01 } } }, 'live.fundingTolerance.absolute', '-0.01', />=0.*rounding cent/],
    ['an order timeout beyond the leg timeout', { live: { orderTimeoutMs: 20_000 } }, 'live.orderTimeoutMs', '20000', /at most legTimeoutMs \(15000\)/],
    ['a lease that goes stale between two polls', { live: { controlPollMs: 6_000 } }, 'live.leaseStaleMs', '10000', /at least 2 × controlPollMs \(12000\)/],
    [
      'a gate floor below the monitor floor',
      { risk: { minLiquidationDistance: 0.1 } },
      'risk.minLiquidationDistance',
      '0.1',
      /at least monitor\.margin\.floor \(0\.15\)/,
    ],
  ];
  it.each(cases)('%s', (_name, content, path, found, expected) => {
    const problems = problemsOf(content);
    const p = problems.find((x) => x.path === path);
    expect(p, JSON.stringify(problems)).toBeDefined();
    expect(p?.found.startsWith(found)).toBe(true);
    expect(p?.expected).toMatch(expected);
  });

  it('an unknown key in live is refused, listing the known ones', () => {
    const problems = problemsOf({ live: { apiKey: 'x' } });
    expect(problems).toEqual([{ path: 'live.apiKey', found: 'an unknown key', expected: expect.stringContaining('legTimeoutMs, orderTimeoutMs') }]);
  });

  it('the gate floor may equal the monitor floor, and both may move together', () => {
    expect(loadConfig({ file: userFile({ risk: { minLiquidationDistance: 0.15 } }) }).risk.minLiquidationDistance).toBe(0.15);
    const c = loadConfig({ file: userFile({ risk: { minLiquidationDistance: 0.1 }, monitor: { margin: { floor: 0.05 } } }) });
    expect(c.risk.minLiquidationDistance).toBe(0.1);
  });
});
