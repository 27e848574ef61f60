import { describe, expect, it } from 'vitest';
import { alertSettingsFromConfig, cooldownFor, DEFAULT_ALERT_SETTINGS } from '../../src/alerts/manager.js';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/load.js';

describe('alert settings from config', () => {
  it('the defaults are the manager defaults', () => {
    const s = alertSettingsFromConfig(loadConfig().alerts);
    expect(s).toMatchObject(DEFAULT_ALERT_SETTINGS);
  });

  it('a per-kind cooldown wins over the default', () => {
    const c = loadConfig({ overrides: { alerts: { cooldownMinutes: 60, cooldownMinutesByKind: { delta_drift: 5 } } } });
    const s = alertSettingsFromConfig(c.alerts);
    expect(cooldownFor(s, 'delta_drift', 'warning')).toBe(5 * 60_000);
    expect(cooldownFor(s, 'margin', 'critical')).toBe(60 * 60_000);
  });

  it('an unknown alert kind is refused naming the field', () => {
    try {
      loadConfig({ overrides: { alerts: { cooldownMinutesByKind: { drift: 5 } } } });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).message).toMatch(/alerts\.cooldownMinutesByKind/);
    }
  });
});
