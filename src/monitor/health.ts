/**
 * Health: stale data, venues down, scheduler ticks missed or late. Subjects are venues (or
 * positions, for data about one position) and job names.
 *
 * Severity rules:
 * - stale_data: info when nothing is held on it; warning when positions depend on it; critical
 *   when they do and it is older than 3× the allowed age.
 * - venue_down: the last scan's report for the venue is an error (or the venue cannot be built,
 *   'unavailable'): critical with positions there, warning without. A closed venue (BitMEX) is
 *   down only for positions still held there: critical.
 * - missed_ticks: a job skipped ticks (its previous run was still going) or failed since the
 *   previous evaluation, or has not started for more than lateFactor × its period: warning;
 *   critical when that silence reaches 10 periods.
 */
import type { Alert, Severity } from '../domain/alert.js';
import type { VenueId } from '../domain/market.js';
import type { VenueScanReport } from '../engine/scanner.js';
import { nextFire, type CronSchedule } from '../scheduler/cron-next.js';
import type { JobStats } from '../scheduler/job.js';
import { eachInput, firingAlert, reportClear, type CheckContext } from './alert-build.js';
import { formatNumber, formatUtc } from './format.js';

export interface HealthThresholds {
  /** Data older than this is stale (monitor.health.staleAfterSeconds). */
  readonly staleAfterSeconds: number;
  /** A job is late when it has not started for this many periods (monitor.health.lateTickFactor). */
  readonly lateTickFactor: number;
}

/** Critical staleness, in multiples of the allowed age. */
const STALE_CRITICAL_FACTOR = 3;
/** Critical lateness, in periods. */
const LATE_CRITICAL_PERIODS = 10;

/** 45 s, 3 min 20 s, 2.5 h. */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${formatNumber(s / 3600, 1)} h`;
}

export interface DataAge {
  readonly venue: VenueId;
  /** Set when the data is one symbol's (a held perp's snapshot), null for the venue as a whole. */
  readonly symbol: string | null;
  /** Set when the data is about one position: the alert's subject; else the venue is. */
  readonly positionId: string | null;
  /** When carry last received it (receivedAt); null = never this run. */
  readonly receivedAt: number | null;
  /** Open positions that depend on it. */
  readonly positions: number;
}

/** `stale_data` alerts: one per item older than allowed (never received counts as stale). */
export function checkStaleData(items: readonly DataAge[], t: HealthThresholds, ctx: CheckContext): Alert[] {
  if (!(t.staleAfterSeconds > 0)) throw new RangeError(`staleAfterSeconds must be positive, got ${t.staleAfterSeconds}`);
  const allowed = t.staleAfterSeconds * 1000;
  const out: Alert[] = [];
  eachInput(items, (i) => i.positionId ?? i.venue, ctx, (d) => {
    const age = d.receivedAt === null ? Infinity : ctx.now - d.receivedAt;
    const what = d.symbol === null ? `${d.venue} market data` : `${d.symbol} on ${d.venue}`;
    if (age <= allowed) {
      reportClear(ctx, 'stale_data', d.positionId ?? d.venue, () => ({
        kind: 'stale_data',
        subject: d.positionId ?? d.venue,
        message: `Data fresh again: ${what} last received ${formatUtc(d.receivedAt as number)}, ${duration(Math.max(0, age))} ago (allowed ${duration(allowed)}).`,
        data: { ageMs: age, receivedAt: d.receivedAt, allowedMs: allowed, positions: d.positions },
      }));
      return;
    }
    const severity: Severity = d.positions === 0 ? 'info' : age > STALE_CRITICAL_FACTOR * allowed ? 'critical' : 'warning';
    const ageText = d.receivedAt === null ? 'none received yet' : `last received ${formatUtc(d.receivedAt)}, ${duration(age)} ago`;
    const held = d.positions === 0 ? 'No position depends on it.' : `${d.positions} open position${d.positions === 1 ? ' depends' : 's depend'} on it: drift, margin and funding checks are blind until it updates.`;
    out.push(
      firingAlert(
        {
          kind: 'stale_data',
          severity,
          subject: d.positionId ?? d.venue,
          positionId: d.positionId,
          venue: d.venue,
          symbol: d.symbol,
          title: `Stale data: ${what}`,
          message: `${what}: ${ageText} (allowed ${duration(allowed)}). ${held}`,
          data: { ageMs: Number.isFinite(age) ? age : null, receivedAt: d.receivedAt, allowedMs: allowed, positions: d.positions },
        },
        ctx,
      ),
    );
  });
  return out;
}

/**
 * `venue_down` alerts from the last scan's per-venue reports. `positionsByVenue`: open positions
 * per venue (absent = 0).
 */
export function checkVenues(reports: readonly VenueScanReport[], positionsByVenue: ReadonlyMap<VenueId, number>, ctx: CheckContext): Alert[] {
  const out: Alert[] = [];
  for (const r of reports) {
    const held = positionsByVenue.get(r.venue) ?? 0;
    let why: string;
    let code: string | null = null;
    if (r.status === 'error') {
      why = `${r.phase === 'markets' ? 'markets' : 'snapshot'} request failed: ${r.error.message}`;
      code = r.error.code;
    } else if (r.status === 'unavailable') {
      why = `cannot be used: ${r.reason}`;
    } else if (r.status === 'closed' && held > 0) {
      why = `closed since ${r.since}: ${r.note}`;
    } else {
      reportClear(ctx, 'venue_down', r.venue, () => ({
        kind: 'venue_down',
        subject: r.venue,
        message: r.status === 'closed' ? `${r.venue} is closed, and no position is held there any more.` : `${r.venue} answers again: the last scan read it.`,
        data: { status: r.status, positions: held },
      }));
      continue;
    }
    const heldText = held === 0 ? 'No open position there.' : `${held} open position${held === 1 ? '' : 's'} there, left as they are: check them on the venue.`;
    out.push(
      firingAlert(
        {
          kind: 'venue_down',
          severity: held > 0 ? 'critical' : 'warning',
          subject: r.venue,
          positionId: null,
          venue: r.venue,
          symbol: null,
          title: `${r.venue} is down`,
          message: `${r.venue} ${why}. ${heldText}`,
          data: { status: r.status, code, positions: held },
        },
        ctx,
      ),
    );
  }
  return out;
}

export interface JobHealth {
  readonly stats: JobStats;
  /** The same job's stats at the previous evaluation; null on the first. */
  readonly previous: JobStats | null;
  /** Nominal time between ticks; null for a job without a fixed period (the pre-settlement check). */
  readonly periodMs: number | null;
  /** When the scheduler started this job (a job that never ran is late from there). */
  readonly scheduledSince: number;
}

/**
 * Period of a cron schedule around `at`: the gap between its next two fires. A schedule with
 * uneven gaps ("0 9,17 * * *") gets the gap it is in, which is what lateness should be measured by.
 */
export function cronPeriodMs(schedule: CronSchedule, at: number): number {
  const a = nextFire(schedule, at);
  return nextFire(schedule, a) - a;
}

/** `missed_ticks` alerts, one per job that skipped, failed or went silent (module comment). */
export function checkJobs(jobs: readonly JobHealth[], t: HealthThresholds, ctx: CheckContext): Alert[] {
  if (!(t.lateTickFactor >= 1)) throw new RangeError(`lateTickFactor must be at least 1, got ${t.lateTickFactor}`);
  const out: Alert[] = [];
  eachInput(jobs, (i) => i.stats.name, ctx, (j) => {
    const s = j.stats;
    const skipped = j.previous === null ? 0 : Math.max(0, s.skipped - j.previous.skipped);
    const failed = j.previous === null ? 0 : Math.max(0, s.failures - j.previous.failures);
    const lastStart = s.lastStartedAt ?? j.scheduledSince;
    const silentMs = ctx.now - lastStart;
    const late = j.periodMs !== null && j.periodMs > 0 && silentMs > t.lateTickFactor * j.periodMs;
    if (skipped === 0 && failed === 0 && !late) {
      const every = j.periodMs !== null && j.periodMs > 0 ? `, every ${duration(j.periodMs)} expected` : '';
      reportClear(ctx, 'missed_ticks', s.name, () => ({
        kind: 'missed_ticks',
        subject: s.name,
        message: `Job ${s.name} on time again: last tick started ${s.lastStartedAt === null ? 'never' : formatUtc(s.lastStartedAt)}${every}; none skipped or failed since the previous check.`,
        data: { skipped, failed, silentMs, periodMs: j.periodMs, lastStartedAt: s.lastStartedAt, runs: s.runs },
      }));
      return;
    }
    const problems: string[] = [];
    if (skipped > 0) problems.push(`${skipped} tick${skipped === 1 ? '' : 's'} skipped because the previous one was still running`);
    if (failed > 0) problems.push(`${failed} tick${failed === 1 ? '' : 's'} failed${s.lastError ? ` (last error: ${s.lastError})` : ''}`);
    if (late) problems.push(`no tick started for ${duration(silentMs)}, every ${duration(j.periodMs as number)} expected`);
    const critical = late && silentMs >= LATE_CRITICAL_PERIODS * (j.periodMs as number);
    out.push(
      firingAlert(
        {
          kind: 'missed_ticks',
          severity: critical ? 'critical' : 'warning',
          subject: s.name,
          positionId: null,
          venue: null,
          symbol: null,
          title: `Job ${s.name}: ${late ? 'late' : skipped > 0 ? 'ticks skipped' : 'ticks failed'}`,
          message: `Job ${s.name}: ${problems.join('; ')}. Positions are not watched or traded on time while it lags.`,
          data: {
            skipped,
            failed,
            silentMs,
            periodMs: j.periodMs,
            lastStartedAt: s.lastStartedAt,
            lastFinishedAt: s.lastFinishedAt,
            lastError: s.lastError,
            runs: s.runs,
          },
        },
        ctx,
      ),
    );
  });
  return out;
}
