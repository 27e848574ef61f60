import { describe, expect, it } from 'vitest';
import type { VenueScanReport } from '../../src/engine/scanner.js';
import { checkJobs, checkStaleData, checkVenues, cronPeriodMs, type DataAge, type HealthThresholds, type JobHealth } from '../../src/monitor/health.js';
import { parseCron } from '../../src/scheduler/cron-next.js';
import type { JobStats } from '../../src/scheduler/job.js';
import { T0 } from './fixtures.js';

const T: HealthThresholds = { staleAfterSeconds: 180, lateTickFactor: 2 };
const ctx = { now: T0 };
const S = 1000;

describe('stale data', () => {
  const age = (seconds: number | null, positions: number, over: Partial<DataAge> = {}): DataAge => ({
    venue: 'bybit', symbol: null, positionId: null, receivedAt: seconds === null ? null : T0 - seconds * S, positions, ...over,
  });
  it.each([
    ['fresh (180 s, the limit itself)', age(180, 1), null],
    ['200 s old, positions depend on it', age(200, 1), 'warning'],
    ['200 s old, nothing held', age(200, 0), 'info'],
    ['541 s old (over 3× 180 s), positions', age(541, 2), 'critical'],
    ['never received, positions', age(null, 1), 'critical'],
  ] as const)('%s', (_name, item, severity) => {
    const alerts = checkStaleData([item], T, ctx);
    if (severity === null) expect(alerts).toEqual([]);
    else expect(alerts.map((a) => [a.kind, a.severity, a.subject])).toEqual([['stale_data', severity, 'bybit']]);
  });

  it('data about one position has the position as subject, and says what is blind', () => {
    const [a] = checkStaleData([age(200, 1, { symbol: 'BTC/USDT:USDT', positionId: 'y1' })], T, ctx);
    expect(a?.id).toBe(`stale_data:y1:${T0}`);
    expect(a?.message).toBe(
      'BTC/USDT:USDT on bybit: last received 2026-08-10 11:56 UTC, 3 min 20 s ago (allowed 3 min). 1 open position depends on it: drift, margin and funding checks are blind until it updates.',
    );
  });
});

describe('venues down', () => {
  const reports: VenueScanReport[] = [
    { venue: 'binance', status: 'ok', perps: 10, books: 5, bookErrors: 0, skipped: [], elapsedMs: 100 },
    { venue: 'bybit', status: 'error', phase: 'snapshot', error: { code: 'CARRY_VENUE_TIMEOUT', action: 'retry', message: 'bybit GET /v5/market/tickers timed out after 10000 ms' } },
    { venue: 'okx', status: 'error', phase: 'markets', error: { code: 'CARRY_VENUE_UNAVAILABLE', action: 'retry', message: 'HTTP 503' } },
    { venue: 'bitmex', status: 'closed', since: '2026-09-23', note: 'BitMEX closed' },
    { venue: 'kraken', status: 'unavailable', reason: 'no ccxt class "kraken2"' },
  ];

  it('an error is critical where positions are held, a warning elsewhere; a closed venue only matters with positions', () => {
    const alerts = checkVenues(reports, new Map([['bybit', 2]]), ctx);
    expect(alerts.map((a) => [a.subject, a.severity])).toEqual([
      ['bybit', 'critical'],
      ['okx', 'warning'],
      ['kraken', 'warning'],
    ]);
    expect(alerts[0]?.message).toBe(
      'bybit snapshot request failed: bybit GET /v5/market/tickers timed out after 10000 ms. 2 open positions there, left as they are: check them on the venue.',
    );
    expect(alerts[0]?.data['code']).toBe('CARRY_VENUE_TIMEOUT');
    const withBitmex = checkVenues(reports, new Map([['bitmex', 1]]), ctx);
    expect(withBitmex.find((a) => a.subject === 'bitmex')?.severity).toBe('critical');
  });
});

describe('scheduler ticks', () => {
  const stats = (over: Partial<JobStats> = {}): JobStats => ({
    name: 'scan', runs: 10, skipped: 0, failures: 0, lastStartedAt: T0 - 30 * S, lastFinishedAt: T0 - 25 * S, lastError: null, ...over,
  });
  const job = (s: JobStats, previous: JobStats | null, periodMs: number | null = 60 * S): JobHealth => ({ stats: s, previous, periodMs, scheduledSince: T0 - 3600 * S });

  it.each([
    ['on time', job(stats(), stats()), null],
    ['first look: counts so far are not news', job(stats({ skipped: 3, failures: 1 }), null), null],
    ['skipped grew', job(stats({ skipped: 2 }), stats({ skipped: 1 })), 'warning'],
    ['a tick failed', job(stats({ failures: 1, lastError: 'boom' }), stats()), 'warning'],
    ['no start for 130 s at a 60 s period (> 2×)', job(stats({ lastStartedAt: T0 - 130 * S }), stats({ lastStartedAt: T0 - 130 * S })), 'warning'],
    ['no start for 600 s (10 periods)', job(stats({ lastStartedAt: T0 - 600 * S }), null), 'critical'],
    ['never started, scheduled an hour ago', job(stats({ lastStartedAt: null }), null), 'critical'],
    ['no fixed period (pre-settlement check): never late', job(stats({ lastStartedAt: T0 - 86_400 * S }), null, null), null],
  ] as const)('%s', (_name, j, severity) => {
    const alerts = checkJobs([j], T, ctx);
    if (severity === null) expect(alerts).toEqual([]);
    else expect(alerts.map((a) => [a.kind, a.severity, a.subject])).toEqual([['missed_ticks', severity, 'scan']]);
  });

  it('says what happened', () => {
    const [a] = checkJobs([job(stats({ skipped: 3, failures: 1, lastError: 'database is locked' }), stats({ skipped: 1 }))], T, ctx);
    expect(a?.message).toBe(
      'Job scan: 2 ticks skipped because the previous one was still running; 1 tick failed (last error: database is locked). Positions are not watched or traded on time while it lags.',
    );
  });

  it('period of a cron schedule', () => {
    expect(cronPeriodMs(parseCron('*/15 * * * * *', 'jobs.monitor'), T0)).toBe(15 * S);
    expect(cronPeriodMs(parseCron('* * * * *', 'jobs.scan'), T0 + 7 * S)).toBe(60 * S);
  });
});
