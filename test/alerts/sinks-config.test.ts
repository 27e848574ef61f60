import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';

function userFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'carry-alerts-cfg-'));
  const f = join(dir, 'user.json');
  writeFileSync(f, JSON.stringify(content));
  return f;
}

function problems(content: unknown): Record<string, string> {
  try {
    loadConfig({ file: userFile(content) });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return Object.fromEntries((e as ConfigError).problems.map((p) => [p.path, p.expected]));
  }
  throw new Error('expected a ConfigError');
}

describe('alerts.sinks config', () => {
  it('defaults to the log sink alone', () => {
    expect(loadConfig().alerts.sinks).toEqual({ log: { type: 'log', enabled: true, minSeverity: 'info' } });
  });

  it('a user file adds sinks next to the default log sink, with their defaults filled in', () => {
    const c = loadConfig({
      file: userFile({ alerts: { sinks: { phone: { type: 'telegram', chatId: '@carry_alerts', minSeverity: 'warning' }, ops: { type: 'webhook', urlEnv: 'OPS_HOOK_URL', secretEnv: 'OPS_HOOK_KEY' } } } }),
    });
    expect(Object.keys(c.alerts.sinks)).toEqual(['log', 'phone', 'ops']);
    expect(c.alerts.sinks['phone']).toEqual({
      type: 'telegram',
      enabled: true,
      minSeverity: 'warning',
      timeoutMs: 5_000,
      maxAttempts: 4,
      backoffMs: 500,
      maxBackoffMs: 8_000,
      budgetMs: 30_000,
      chatId: '@carry_alerts',
      tokenEnv: 'CARRY_TELEGRAM_BOT_TOKEN',
      baseUrl: 'https://api.telegram.org',
    });
    expect(c.alerts.sinks['ops']).toMatchObject({ type: 'webhook', urlEnv: 'OPS_HOOK_URL', secretEnv: 'OPS_HOOK_KEY', signatureHeader: 'X-Carry-Signature' });
  });

  it('the log sink can be turned off', () => {
    const c = loadConfig({ file: userFile({ alerts: { sinks: { log: { enabled: false } } } }) });
    expect(c.alerts.sinks['log']?.enabled).toBe(false);
  });

  it('refuses incomplete or unsafe sinks, naming the field', () => {
    const p = problems({
      alerts: {
        sinks: {
          tg: { type: 'telegram' },
          // a token pasted where the variable name goes
          tg2: { type: 'telegram', chatId: 1, tokenEnv: '123456:AAE-secret' },
          both: { type: 'webhook', url: 'https://example.org/h', urlEnv: 'HOOK' },
          neither: { type: 'webhook' },
          ftp: { type: 'webhook', url: 'ftp://example.org/h' },
          slow: { type: 'slack', timeoutMs: 10_000, budgetMs: 5_000 },
          pager: { type: 'pagerduty' },
        },
      },
    });
    expect(Object.keys(p).sort()).toEqual(
      ['alerts.sinks.tg.chatId', 'alerts.sinks.tg2.tokenEnv', 'alerts.sinks.both.url', 'alerts.sinks.neither.url', 'alerts.sinks.ftp.url', 'alerts.sinks.slow.budgetMs', 'alerts.sinks.pager.type'].sort(),
    );
    expect(p['alerts.sinks.tg2.tokenEnv']).toMatch(/name of an environment variable/);
    expect(p['alerts.sinks.both.url']).toMatch(/exactly one of url and urlEnv/);
    expect(p['alerts.sinks.ftp.url']).toMatch(/http\(s\) URL/);
    expect(p['alerts.sinks.slow.budgetMs']).toMatch(/at least timeoutMs \(10000\)/);
    expect(p['alerts.sinks.pager.type']).toMatch(/'log' \| 'webhook' \| 'telegram' \| 'discord' \| 'slack'/);
  });

  it('a Discord or Slack URL cannot be put in the config file: it is a secret', () => {
    const p = problems({ alerts: { sinks: { dc: { type: 'discord', url: 'https://discord.com/api/webhooks/1/tok' } } } });
    expect(Object.keys(p)).toEqual(['alerts.sinks.dc.url']);
  });
});
