import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { describeSecrets, venueSecrets } from '../../src/config/secrets.js';

function userFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'carry-cfg-'));
  const f = join(dir, 'user.json');
  writeFileSync(f, content);
  return f;
}

function problemsOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('defaults are valid and carry every documented default', () => {
    const c = loadConfig();
    expect(c.scan.notional).toBe(10_000);
    expect(c.scan.holdHours).toBe(72);
    expect(c.scan.maxSlippageBps).toBe(10);
    expect(Object.keys(c.venues)).toEqual(['binance', 'bybit', 'okx', 'deribit', 'bitmex']);
    expect(Object.isFrozen(c.scan)).toBe(true);
  });

  it('a user file overlays the defaults key by key', () => {
    const c = loadConfig({ file: userFile('{"scan":{"notional":2500},"venues":{"okx":{"enabled":false}}}') });
    expect(c.scan.notional).toBe(2500);
    expect(c.scan.holdHours).toBe(72);
    expect(c.venues.okx?.enabled).toBe(false);
    expect(c.venues.okx?.timeoutMs).toBe(10_000);
  });

  it('names the field path, the value found and what was expected', () => {
    const problems = problemsOf(() => loadConfig({ file: userFile('{"scan":{"notional":-5},"venues":{"binance":{"timeoutMs":"fast"}}}') }));
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(byPath['scan.notional']?.found).toBe('-5');
    expect(byPath['scan.notional']?.expected).toMatch(/>0/);
    expect(byPath['scan.notional']?.expected).toMatch(/Target notional/);
    expect(byPath['venues.binance.timeoutMs']?.found).toBe('"fast"');
    expect(byPath['venues.binance.timeoutMs']?.expected).toMatch(/number/);
  });

  it('strategy: an exit threshold at or above the entry one is refused, naming both fields', () => {
    const problems = problemsOf(() => loadConfig({ file: userFile('{"strategy":{"exitRateBelow":0.15,"entryMinNetApr":0.12}}') }));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('strategy.exitRateBelow');
    expect(problems[0]?.found).toBe('0.15');
    expect(problems[0]?.expected).toMatch(/^exitRateBelow below entryMinNetApr \(0\.12, net APR\), not 0\.15/);
  });

  it('strategy: the minimum hold defaults to 8h and must stay below the maximum hold', () => {
    expect(loadConfig().strategy.minHoldHours).toBe(8);
    const problems = problemsOf(() => loadConfig({ file: userFile('{"strategy":{"minHoldHours":24,"maxHoldHours":24}}') }));
    expect(problems.map((p) => p.path)).toEqual(['strategy.minHoldHours']);
  });

  it('refuses unknown keys, listing the known ones', () => {
    const problems = problemsOf(() => loadConfig({ file: userFile('{"scan":{"notionall":5}}') }));
    expect(problems[0]?.path).toBe('scan.notionall');
    expect(problems[0]?.expected).toMatch(/notional/);
  });

  it('refuses a file that is not JSON, naming the file', () => {
    const f = userFile('{ nope');
    expect(() => loadConfig({ file: f })).toThrow(f);
    expect(() => loadConfig({ file: '/nonexistent/carry.json' })).toThrow(/unreadable/);
  });

  it('reads secrets only from the environment and never shows them', () => {
    const env = { CARRY_BINANCE_API_KEY: 'AKIA-SECRET-1', CARRY_BINANCE_SECRET: 'shh' };
    expect(venueSecrets('binance', env)).toEqual({ apiKey: 'AKIA-SECRET-1', secret: 'shh' });
    const shown = JSON.stringify(describeSecrets('binance', env));
    expect(shown).not.toContain('AKIA-SECRET-1');
    expect(shown).not.toContain('shh');
    expect(shown).toContain('[redacted]');
  });
});
