/**
 * Composition of the paper daemon: market source by mode, the ledger, simulated execution on
 * the real (or simulated, or replayed) books, the engine, and the scheduler for the clock in use.
 * Used by `carry paper`, the tests and the benchmark alike.
 */
import type { Config } from '../config/schema.js';
import { CarryError } from '../domain/errors.js';
import type { EquitySnapshot } from '../domain/events.js';
import type { PnlTotals } from '../pricing/pnl.js';
import { parseCron } from '../scheduler/cron-next.js';
import type { JobSpec, JobStats } from '../scheduler/job.js';
import { SimScheduler, type Speed } from '../scheduler/sim-scheduler.js';
import { WallScheduler } from '../scheduler/wall-scheduler.js';
import { CarryEngine } from '../engine/engine.js';
import { scannerFor } from './scanner.js';
import { bookSourceFrom, SimExecution } from '../execution/sim-execution.js';
import { Ledger } from '../store/ledger.js';
import { moduleLogger, type Logger } from '../util/log.js';
import { openAlerting, type Alerting } from './alerting.js';
import { carryVersion } from './context.js';
import { openMarketSource, type MarketSource } from './market-source.js';
import type { MarketSpec } from './market-spec.js';
import { rankParamsFromConfig } from './strategy-params.js';

export interface PaperRunOptions {
  readonly config: Config;
  readonly spec: MarketSpec;
  readonly dbPath?: string | undefined;
  readonly only?: readonly string[] | undefined;
  /** Simulated clocks: how fast to run. */
  readonly speed?: Speed;
  /** Stop at this clock time (ms). */
  readonly until?: number | undefined;
  /** Stop after this much clock time from the (resumed) start. */
  readonly forMs?: number | undefined;
  /** Sim only: number of bases (benchmarks). */
  readonly simBases?: number | undefined;
  /** Called after every tick (progress). */
  readonly onTick?: (job: string, at: number) => void;
  /** At the end of the run, how long alert deliveries in flight may take to finish (default 2 s). */
  readonly deliveryGraceMs?: number;
  readonly log?: Logger;
}

export interface PaperRunResult {
  readonly ticks: number;
  readonly stats: readonly JobStats[];
  /** Totals at the end, marked at the last scan (computed before the ledger closes). */
  readonly totals: PnlTotals | null;
  readonly equity: EquitySnapshot | null;
}

export interface PaperRun {
  readonly engine: CarryEngine;
  readonly ledger: Ledger;
  readonly source: MarketSource;
  /** Configured alert sinks that cannot send (a secret not set), one line each; also logged. */
  readonly sinkProblems: readonly string[];
  /** Resolves when the run ends (bound reached, tape ended, or stop()). */
  readonly done: Promise<PaperRunResult>;
  /** Finish the current tick, then stop. */
  stop(): void;
}

function jobSpecs(config: Config, engine: CarryEngine, onTick: ((job: string, at: number) => void) | undefined): JobSpec[] {
  const wrap = (name: string, fn: (job: string) => Promise<{ at: number }>) => async () => {
    const r = await fn(name);
    onTick?.(name, r.at);
  };
  return [
    { name: 'scan', trigger: { kind: 'cron', schedule: parseCron(config.jobs.scan, 'jobs.scan') }, run: wrap('scan', (j) => engine.scanTick(j)) },
    { name: 'monitor', trigger: { kind: 'cron', schedule: parseCron(config.jobs.monitor, 'jobs.monitor') }, run: wrap('monitor', (j) => engine.monitorTick(j)) },
    { name: 'settlement', trigger: { kind: 'dynamic', next: (after) => engine.nextSettlementCheck(after) }, run: wrap('settlement', (j) => engine.settlementCheck(j)) },
    { name: 'daily', trigger: { kind: 'cron', schedule: parseCron(config.jobs.dailySummary, 'jobs.dailySummary') }, run: wrap('daily', (j) => engine.dailySummary(j)) },
  ];
}

export async function startPaperRun(opts: PaperRunOptions): Promise<PaperRun> {
  const { config, spec } = opts;
  const log = opts.log ?? moduleLogger('paper');
  // Validate the schedules before touching anything.
  const specsCheck: [string, string][] = [
    ['jobs.scan', config.jobs.scan],
    ['jobs.monitor', config.jobs.monitor],
    ['jobs.dailySummary', config.jobs.dailySummary],
  ];
  for (const [field, expr] of specsCheck) parseCron(expr, field);
  const source = openMarketSource(config, spec, { only: opts.only, replayAt: 'ready', simBases: opts.simBases, log: moduleLogger('venues') });
  let ledger: Ledger;
  try {
    ledger = Ledger.open(opts.dbPath ?? config.store.path, { mode: 'paper', carryVersion: carryVersion() });
  } catch (e) {
    source.close();
    throw e;
  }
  // Alerts live in the ledger file, through their own connection (the manager's transactions).
  let alerting: Alerting;
  try {
    alerting = openAlerting(config, ledger.path, 'paper', log, { deliveryGraceMs: opts.deliveryGraceMs });
  } catch (e) {
    ledger.close();
    source.close();
    throw e;
  }
  const { delivery, sinkProblems } = alerting;
  let jobStats: () => readonly JobStats[] = () => [];

  const params = rankParamsFromConfig(config.scan, config.strategy);
  const scanner = scannerFor(config, source);
  const execution = new SimExecution(bookSourceFrom(source.venues.adapters), source.clock, { latencyMs: config.paper.latencyMs, bookDepth: config.scan.bookDepth });
  const engine = new CarryEngine({
    clock: source.clock,
    scanner,
    execution,
    ledger,
    params,
    config,
    log: moduleLogger('engine'),
    alerts: alerting.engineAlerts(() => jobStats()),
  });

  let stopRequested = false;
  let stopScheduler: () => void = () => undefined;
  let wakeRetry: () => void = () => undefined;

  const finish = (ticks: number, stats: readonly JobStats[]): PaperRunResult => {
    const started = ledger.countEvents() > 0;
    return { ticks, stats, totals: started ? engine.pnl().totals : null, equity: started && engine.lastScan() ? engine.equity() : null };
  };
  const run = async (): Promise<PaperRunResult> => {
    // No venue reachable: say which and why, retry with backoff, point at the sim market.
    for (let attempt = 1; !stopRequested; attempt++) {
      const markets = await scanner.loadMarkets();
      if (markets.size > 0) break;
      const why = [...scanner.marketErrors.entries()].map(([v, e]) => `${v}: ${e}`);
      if (source.simClock) throw new CarryError('CARRY_VENUE_UNAVAILABLE', 'stop', `no venue reachable (${why.join('; ') || 'no venues'})`);
      const wait = Math.min(60_000, 1_000 * 2 ** Math.min(attempt, 6));
      log.error({ venues: why, retryInMs: wait, hint: 'no venue reachable; offline, try --market sim' }, 'no venue reachable; retrying');
      await new Promise<void>((r) => {
        const t = setTimeout(r, wait);
        wakeRetry = () => (clearTimeout(t), r());
      });
    }
    if (stopRequested) return finish(0, []);
    const { resumeFrom, lastRun } = await engine.start();
    if (source.simClock && resumeFrom !== null && resumeFrom > source.clock.now()) source.simClock.set(resumeFrom);
    if (resumeFrom !== null) log.info({ at: new Date(source.clock.now()).toISOString(), db: ledger.path }, 'resumed from the ledger');
    // Alert delivery beside the engine, starting with what a previous process left pending.
    delivery.start();

    const specs = jobSpecs(config, engine, opts.onTick);
    const start = source.clock.now();
    const bounds = [opts.until, opts.forMs !== undefined ? start + opts.forMs : undefined, source.tape?.end].filter((x): x is number => x !== undefined);
    const until = bounds.length > 0 ? Math.min(...bounds) : Infinity;
    if (source.simClock) {
      const scheduler = new SimScheduler(specs, source.simClock, log);
      jobStats = () => scheduler.stats();
      stopScheduler = () => scheduler.stop();
      if (stopRequested) return finish(0, []);
      const ticks = await scheduler.runUntil(until, opts.speed ?? 1, lastRun);
      return finish(ticks, scheduler.stats());
    }
    const scheduler = new WallScheduler(specs, source.clock, log);
    jobStats = () => scheduler.stats();
    scheduler.start();
    await new Promise<void>((resolve) => {
      const timer = Number.isFinite(until) ? setTimeout(resolve, Math.max(0, until - Date.now())) : undefined;
      stopScheduler = () => (timer && clearTimeout(timer), resolve());
      if (stopRequested) stopScheduler();
    });
    await scheduler.stop();
    const stats = scheduler.stats();
    return finish(
      stats.reduce((s, j) => s + j.runs, 0),
      stats,
    );
  };

  const done = run().finally(async () => {
    await alerting.close();
    source.close();
    ledger.close();
  });
  return {
    engine,
    ledger,
    source,
    sinkProblems,
    done,
    stop: () => {
      stopRequested = true;
      wakeRetry();
      stopScheduler();
    },
  };
}
