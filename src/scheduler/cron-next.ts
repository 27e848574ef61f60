/**
 * Next fire time of a cron expression in UTC, for the simulated clock. node-cron parses the
 * expression (so live and simulated runs accept exactly the same syntax); this walks forward
 * from a given instant: whole days, hours and minutes that cannot match are skipped at once.
 */
import nodeCron from 'node-cron';
import { InputError } from '../domain/errors.js';

export interface CronSchedule {
  readonly expression: string;
  readonly seconds: readonly number[];
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly daysOfWeek: ReadonlySet<number>;
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
}

export function parseCron(expression: string, field: string): CronSchedule {
  const v = nodeCron.validateDetailed(expression);
  if (!v.valid || !v.fields) {
    const why = v.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    throw new InputError(`${field}: found "${expression}"; expected a cron expression (5 or 6 fields, UTC) — ${why}`);
  }
  const f = v.fields;
  const nums = (xs: readonly (number | string)[]) => xs.map((x) => Number(x)).filter((x) => Number.isInteger(x));
  const dow = new Set(nums(f.dayOfWeek).map((d) => d % 7)); // 7 and 0 are both Sunday
  return {
    expression,
    seconds: [...f.second].sort((a, b) => a - b),
    minutes: new Set(f.minute),
    hours: new Set(f.hour),
    daysOfMonth: new Set(nums(f.dayOfMonth)),
    months: new Set(f.month),
    daysOfWeek: dow,
    domRestricted: nums(f.dayOfMonth).length < 31,
    dowRestricted: dow.size < 7,
  };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  if (!s.months.has(d.getUTCMonth() + 1)) return false;
  const dom = s.daysOfMonth.has(d.getUTCDate());
  const dow = s.daysOfWeek.has(d.getUTCDay());
  // Classic cron: when both day fields are restricted, either may match.
  if (s.domRestricted && s.dowRestricted) return dom || dow;
  return dom && dow;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The first fire time strictly after `after` (ms epoch, UTC). */
export function nextFire(s: CronSchedule, after: number): number {
  let t = Math.floor(after / 1000) * 1000 + 1000; // whole seconds, strictly later
  const limit = after + 5 * 366 * DAY;
  while (t <= limit) {
    const d = new Date(t);
    if (!dayMatches(s, d)) {
      t = Math.floor(t / DAY) * DAY + DAY;
      continue;
    }
    if (!s.hours.has(d.getUTCHours())) {
      t = Math.floor(t / HOUR) * HOUR + HOUR;
      continue;
    }
    if (!s.minutes.has(d.getUTCMinutes())) {
      t = Math.floor(t / MINUTE) * MINUTE + MINUTE;
      continue;
    }
    const sec = d.getUTCSeconds();
    const next = s.seconds.find((x) => x >= sec);
    if (next !== undefined) return Math.floor(t / MINUTE) * MINUTE + next * 1000;
    t = Math.floor(t / MINUTE) * MINUTE + MINUTE;
  }
  throw new InputError(`cron "${s.expression}" never fires within five years`);
}
