import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import { alertId, firingAlert, sinceFromFiring } from '../../src/monitor/alert-build.js';
import { checkDrift } from '../../src/monitor/drift.js';
import { deribitPerp, deribitPosition, deribitSpot, T0 } from './fixtures.js';

const T = { threshold: 0.02, critical: 0.1 };
const drifted = (mark: number) => [{ position: deribitPosition(1, -4000), markets: { spot: deribitSpot, perp: deribitPerp }, mark }];

describe('alert identity: one id per episode', () => {
  it('the id is kind:subject:since', () => {
    expect(alertId('margin', 'p7', 1234)).toBe('margin:p7:1234');
  });

  it('a condition still firing keeps the id of the tick it started; once it clears, a new episode gets a new id', () => {
    const first = checkDrift(drifted(44_000), T, { now: T0 });
    const second = checkDrift(drifted(44_500), T, { now: T0 + 15_000, since: sinceFromFiring(first) });
    expect(second[0]?.id).toBe(first[0]?.id);
    expect(second[0]?.id).toBe(`delta_drift:d1:${T0}`);
    expect(second[0]?.ts).toBe(T0 + 15_000);
    expect(second[0]?.data['since']).toBe(T0);

    const cleared = checkDrift(drifted(40_000), T, { now: T0 + 30_000, since: sinceFromFiring(second) });
    expect(cleared).toEqual([]);
    const again = checkDrift(drifted(44_000), T, { now: T0 + 45_000, since: sinceFromFiring(cleared) });
    expect(again[0]?.id).toBe(`delta_drift:d1:${T0 + 45_000}`);
  });

  it('resolved alerts and other kinds or subjects do not carry an episode over', () => {
    const [a] = checkDrift(drifted(44_000), T, { now: T0 });
    if (!a) throw new Error('expected an alert');
    const resolved: Alert = { ...a, status: 'resolved' };
    const otherSubject: Alert = { ...a, subject: 'd2' };
    const otherKind: Alert = { ...a, kind: 'margin' };
    const since = sinceFromFiring([resolved, otherSubject, otherKind]);
    expect(since('delta_drift', 'd1')).toBeUndefined();
    expect(since('delta_drift', 'd2')).toBe(T0);
    expect(since('margin', 'd1')).toBe(T0);
  });

  it('an episode start after now (clock set back) is not believed', () => {
    const a = firingAlert(
      { kind: 'stale_data', severity: 'info', subject: 'okx', positionId: null, venue: 'okx', symbol: null, title: 't', message: 'm', data: {} },
      { now: T0, since: () => T0 + 1 },
    );
    expect(a.id).toBe(`stale_data:okx:${T0}`);
    expect(a.actions).toEqual([]);
    expect(a.nextFundingTime).toBeNull();
  });

  it('one input the check cannot evaluate is reported and skipped; the others still alert', () => {
    const bad = { ...drifted(44_000)[0]!, position: { ...deribitPosition(1, -4000), positionId: 'bad', contractSize: 0 } };
    const inputs = [bad, ...drifted(44_000)];
    expect(() => checkDrift(inputs, T, { now: T0 })).toThrow(/contract size/);
    const errors: string[] = [];
    const alerts = checkDrift(inputs, T, { now: T0, onInputError: (subject, e) => errors.push(`${subject}: ${(e as Error).message}`) });
    expect(alerts.map((a) => a.subject)).toEqual(['d1']);
    expect(errors).toEqual(['bad: contract size must be a positive number, got 0']);
  });
});
