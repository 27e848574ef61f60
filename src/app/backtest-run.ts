/**
 * Composition of a backtest: the history market (src/backtest/history-market.ts) under a
 * SimClock, SimExecution on its synthesised books, a paper-mode ledger, the same CarryEngine and
 * strategy as paper and live, and the SimScheduler at 'max' from `from` to `to`. The jobs are
 * paper's (scan, monitor, settlement, daily), on the configured schedules. No alert sinks: a
 * backtest delivers nothing. docs/backtest.md.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { SimClock } from '../domain/clock.js';
import { CarryError, InputError } from '../domain/errors.js';
import type { EquitySnapshot } from '../domain/events.js';
import { CarryEngine } from '../engine/engine.js';
import { SimExecution, bookSourceFrom } from '../execution/sim-execution.js';
import type { PnlTotals } from '../pricing/pnl.js';
import { parseCron } from '../scheduler/cron-next.js';
import type { JobSpec, JobStats } from '../scheduler/job.js';
import { SimScheduler } from '../scheduler/sim-scheduler.js';
import { Scanner } from '../engine/scanner.js';
import { Ledger } from '../store/ledger.js';
import { moduleLogger, type Logger } from '../util/log.js';
import { openHistoryMarket, type HistoryMarket } from '../backtest/history-market.js';
import type { FundingHistory } from '../backtest/history-source.js';
import { carryVersion } from './context.js';
import { rankParamsFromConfig } from './strategy-params.js';

export interface BacktestOptions {
  readonly config: Config;
  readonly history: FundingHistory;
  /** Clock start (ms UTC). */
  readonly from: number;
  /** Clock end (ms UTC): the run stops here; no row after it is read. */
  readonly to: number;
  /** Ledger file; default a new file in a temp directory. Must be new or a backtest's own. */
  readonly dbPath?: string | undefined;
  /** Restrict to these venues of the history. */
  readonly only?: readonly string[] | undefined;
  /** After every tick: the job and the clock, with the run's fraction done (0..1). */
  readonly onProgress?: (p: { readonly job: string; readonly at: number; readonly fraction: number }) => void;
  readonly log?: Logger;
}

export interface BacktestResult {
  readonly dbPath: string;
  readonly ticks: number;
  readonly stats: readonly JobStats[];
  readonly totals: PnlTotals | null;
  readonly equity: EquitySnapshot | null;
}

export interface Backtest {
  readonly engine: CarryEngine;
  readonly ledger: Ledger;
  readonly market: HistoryMarket;
  readonly done: Promise<BacktestResult>;
  stop(): void;
}

export async function startBacktest(opts: BacktestOptions): Promise<Backtest> {
  const { config, from, to } = opts;
  if (!(Number.isFinite(from) && Number.isFinite(to) && from < to)) throw new InputError(`backtest: from (${from}) must be before to (${to})`);
  const log = opts.log ?? moduleLogger('backtest');
  for (const [field, expr] of [
    ['jobs.scan', config.jobs.scan],
    ['jobs.monitor', config.jobs.monitor],
    ['jobs.dailySummary', config.jobs.dailySummary],
  ] as const) parseCron(expr, field);

  const clock = new SimClock(from);
  const market = openHistoryMarket(opts.history, clock, config.backtest, { from, to }, opts.only);
  if (market.adapters.length === 0) throw new InputError('backtest: the history holds no venue to trade (or none of --venues)');
  const dbPath = opts.dbPath ?? join(mkdtempSync(join(tmpdir(), 'carry-backtest-')), 'backtest.db');
  const ledger = Ledger.open(dbPath, { mode: 'paper', carryVersion: carryVersion() });

  const params = rankParamsFromConfig(config.scan, config.strategy);
  const scanner = new Scanner({
    clock,
    venues: market.venues,
    params,
    bookDepth: config.scan.bookDepth,
    marketsRefreshMs: config.scan.marketsRefreshMinutes * 60_000,
    log: moduleLogger('scanner'),
  });
  const execution = new SimExecution(bookSourceFrom(market.adapters), clock, { latencyMs: config.paper.latencyMs, bookDepth: config.scan.bookDepth });
  const engine = new CarryEngine({ clock, scanner, execution, ledger, params, config, log: moduleLogger('engine') });

  let scheduler: SimScheduler | null = null;
  let stopRequested = false;
  const span = to - from;
  const wrap = (name: string, fn: (job: string) => Promise<{ at: number }>) => async () => {
    const r = await fn(name);
    opts.onProgress?.({ job: name, at: r.at, fraction: Math.min(1, Math.max(0, (r.at - from) / span)) });
  };
  const specs: JobSpec[] = [
    { name: 'scan', trigger: { kind: 'cron', schedule: parseCron(config.jobs.scan, 'jobs.scan') }, run: wrap('scan', (j) => engine.scanTick(j)) },
    { name: 'monitor', trigger: { kind: 'cron', schedule: parseCron(config.jobs.monitor, 'jobs.monitor') }, run: wrap('monitor', (j) => engine.monitorTick(j)) },
    { name: 'settlement', trigger: { kind: 'dynamic', next: (after) => engine.nextSettlementCheck(after) }, run: wrap('settlement', (j) => engine.settlementCheck(j)) },
    { name: 'daily', trigger: { kind: 'cron', schedule: parseCron(config.jobs.dailySummary, 'jobs.dailySummary') }, run: wrap('daily', (j) => engine.dailySummary(j)) },
  ];

  const run = async (): Promise<BacktestResult> => {
    const markets = await scanner.loadMarkets();
    if (markets.size === 0) throw new CarryError('CARRY_VENUE_UNAVAILABLE', 'stop', 'backtest: no markets synthesised from the history');
    const { resumeFrom, lastRun } = await engine.start();
    if (resumeFrom !== null && resumeFrom > clock.now()) clock.set(resumeFrom);
    if (resumeFrom !== null) log.info({ at: new Date(clock.now()).toISOString(), db: ledger.path }, 'backtest resumed from the ledger');
    scheduler = new SimScheduler(specs, clock, log);
    if (stopRequested) return finish(0, []);
    const ticks = await scheduler.runUntil(to, 'max', lastRun);
    return finish(ticks, scheduler.stats());
  };
  const finish = (ticks: number, stats: readonly JobStats[]): BacktestResult => {
    const started = ledger.countEvents() > 0;
    return { dbPath: ledger.path, ticks, stats, totals: started ? engine.pnl().totals : null, equity: started && engine.lastScan() ? engine.equity() : null };
  };
  const done = run().finally(() => ledger.close());
  return {
    engine,
    ledger,
    market,
    done,
    stop: () => {
      stopRequested = true;
      scheduler?.stop();
    },
  };
}
