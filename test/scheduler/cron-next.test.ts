import { describe, expect, it } from 'vitest';
import { nextFire, parseCron } from '../../src/scheduler/cron-next.js';

const T = (iso: string) => Date.parse(iso);

describe('nextFire (UTC)', () => {
  const cases: [string, string, string][] = [
    ['*/15 * * * * *', '2026-01-05T00:00:00.000Z', '2026-01-05T00:00:15.000Z'],
    ['*/15 * * * * *', '2026-01-05T00:00:14.999Z', '2026-01-05T00:00:15.000Z'],
    ['*/15 * * * * *', '2026-01-05T00:00:59.000Z', '2026-01-05T00:01:00.000Z'],
    ['* * * * *', '2026-01-05T00:00:00.000Z', '2026-01-05T00:01:00.000Z'],
    ['*/5 * * * *', '2026-01-05T00:03:10.000Z', '2026-01-05T00:05:00.000Z'],
    ['0 0 * * *', '2026-01-05T00:00:00.000Z', '2026-01-06T00:00:00.000Z'],
    ['0 8 * * *', '2026-01-31T09:00:00.000Z', '2026-02-01T08:00:00.000Z'],
    ['30 23 31 12 *', '2026-01-01T00:00:00.000Z', '2026-12-31T23:30:00.000Z'],
    // Monday to Friday: Sat 2026-01-10 → Mon 2026-01-12
    ['0 0 * * 1-5', '2026-01-10T12:00:00.000Z', '2026-01-12T00:00:00.000Z'],
    // both day fields restricted: day 15 OR Sunday → Sun 2026-01-11 comes first
    ['0 0 15 * 0', '2026-01-10T00:00:00.000Z', '2026-01-11T00:00:00.000Z'],
  ];
  it.each(cases)('%s after %s → %s', (expr, after, expected) => {
    expect(new Date(nextFire(parseCron(expr, 'jobs.x'), T(after))).toISOString()).toBe(expected);
  });

  it('matches node-cron on a stream of firings', () => {
    const s = parseCron('*/20 */3 * * * *', 'jobs.x');
    let t = T('2026-01-05T00:00:00.000Z');
    const fires: string[] = [];
    for (let i = 0; i < 5; i++) fires.push(new Date((t = nextFire(s, t))).toISOString().slice(11, 19));
    expect(fires).toEqual(['00:00:20', '00:00:40', '00:03:00', '00:03:20', '00:03:40']);
  });

  it('refuses a bad expression naming the config field', () => {
    expect(() => parseCron('61 * * * *', 'jobs.scan')).toThrow(/jobs\.scan: found "61 \* \* \* \*"; expected a cron expression/);
  });
});
