import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { monitorThresholds } from '../../src/monitor/thresholds.js';

function userFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'carry-monitor-cfg-'));
  const f = join(dir, 'user.json');
  writeFileSync(f, content);
  return f;
}

function problemPaths(content: string): string[] {
  try {
    loadConfig({ file: userFile(content) });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems.map((p) => p.path);
  }
  throw new Error('expected a ConfigError');
}

describe('monitor config', () => {
  it('defaults: 2% drift, 15% → 30% liquidation distance, exit from the strategy, auto-rebalance in paper only', () => {
    const c = loadConfig();
    const paper = monitorThresholds(c, 'paper');
    expect(paper.drift).toEqual({ threshold: 0.02, critical: 0.1 });
    expect(paper.margin).toEqual({ floor: 0.15, target: 0.3, maintenanceMarginRate: 0.005, maintenanceMarginRateByVenue: {} });
    expect(paper.funding).toEqual({ flipToleranceApr: 0, exitApr: c.strategy.exitRateBelow });
    expect(paper.basis).toEqual({ maxBps: 100, markIndexMaxBps: 50, zScore: 4, windowMinutes: 240, minPoints: 30 });
    expect(paper.health).toEqual({ staleAfterSeconds: 180, lateTickFactor: 2 });
    expect(paper.autoRebalance).toBe(true);
    expect(monitorThresholds(c, 'live').autoRebalance).toBe(false);
  });

  it('a user file overrides field by field; autoRebalance can be forced either way', () => {
    const c = loadConfig({ file: userFile('{"monitor":{"autoRebalance":true,"drift":{"threshold":0.05},"funding":{"exitApr":0.04}}}') });
    const live = monitorThresholds(c, 'live');
    expect(live.autoRebalance).toBe(true);
    expect(live.drift).toEqual({ threshold: 0.05, critical: 0.1 });
    expect(live.funding.exitApr).toBe(0.04);
    const off = loadConfig({ file: userFile('{"monitor":{"autoRebalance":false}}') });
    expect(monitorThresholds(off, 'paper').autoRebalance).toBe(false);
  });

  it('refuses unknown keys and thresholds that contradict each other', () => {
    expect(problemPaths('{"monitor":{"drift":{"treshold":0.05}}}')).toEqual(['monitor.drift.treshold']);
    expect(problemPaths('{"monitor":{"margin":{"target":0.1}}}')).toEqual(['monitor.margin.target']);
    expect(problemPaths('{"monitor":{"drift":{"threshold":0.2}}}')).toEqual(['monitor.drift.critical']);
    expect(problemPaths('{"monitor":{"basis":{"windowMinutes":0}}}')).toEqual(['monitor.basis.windowMinutes']);
  });
});
