/**
 * What every part of the engine works on: its options (the edges), its derived working state (the
 * part the checkpoint saves, plus the last scan) and its cached ledger reads. The kernel
 * (engine.ts) owns one EngineContext and hands it explicitly to the tick's parts (funding-tick,
 * alerts-tick, trading, rebalancing, reporting); none of them keeps state of its own across ticks
 * except what is here.
 */
import type { AlertManager } from '../alerts/manager.js';
import type { Config } from '../config/schema.js';
import type { Alert } from '../domain/alert.js';
import type { Clock } from '../domain/clock.js';
import { isCarryError } from '../domain/errors.js';
import type { FundingSnapshot, Market, OrderBook, VenueId } from '../domain/market.js';
import type { ExecutionPort } from '../execution/port.js';
import { basisHistory } from '../monitor/basis.js';
import { cronPeriodMs } from '../monitor/health.js';
import type { SeriesHistory } from '../monitor/rolling-window.js';
import { monitorThresholds, type MonitorThresholds } from '../monitor/thresholds.js';
import { midPrice } from '../pricing/depth.js';
import type { PositionMarks } from '../pricing/pnl.js';
import { parseCron } from '../scheduler/cron-next.js';
import type { JobStats } from '../scheduler/job.js';
import type { Ledger } from '../store/ledger.js';
import type { PositionRow } from '../store/rows.js';
import type { Logger } from '../util/log.js';
import { FundingHistory } from '../../strategies/spot-perp-carry/funding-history.js';
import { fundingHistoryCapacity, type SpotPerpCarryParams } from '../../strategies/spot-perp-carry/params.js';
import { bookKey } from '../../strategies/spot-perp-carry/rank.js';
import type { CapitalView } from './capital-view.js';
import type { FundingObservation as AccrualObservation, MarkObservation } from './funding-accrual.js';
import type { ExecutionOutcome, LegExecutorDeps, PositionMarkets } from './leg-executor.js';
import { LedgerReads } from './ledger-reads.js';
import type { TradingState } from './risk-gate.js';
import type { Scanner, ScanResult } from './scanner.js';
import type { CommitMode, TickBuffer } from './tick-buffer.js';

export interface EngineOptions {
  readonly clock: Clock;
  readonly scanner: Scanner;
  readonly execution: ExecutionPort;
  readonly ledger: Ledger;
  readonly params: SpotPerpCarryParams;
  readonly config: Config;
  readonly log: Logger;
  readonly tradingState?: TradingState;
  /** The monitor's alerts; absent = the monitor job only accrues funding (no checks). */
  readonly alerts?: EngineAlerts;
  /**
   * The capital opens are sized and gated with, and margin measured against (capital-view.ts).
   * Default: paperCapital over the ledger's wallet and config.paper.perpLeverage.
   */
  readonly capital?: CapitalView;
  /**
   * When a tick's events reach the ledger (tick-buffer.ts). 'per_tick' (default): all at the
   * end of the tick, in one transaction with the checkpoint. 'per_event': each batch at once
   * (live: every order is in the store before it is sent and its answer as soon as it comes).
   */
  readonly commit?: CommitMode;
  /**
   * The opening wallet of a new ledger, per venue and currency. Default: the paper wallet from
   * config.paper. Live passes what the venues hold at its first start, so the ledger's equity
   * starts from the real account rather than an invented one.
   */
  readonly initialWallet?: ReadonlyMap<VenueId, Readonly<Record<string, number>>>;
}

export interface EngineAlerts {
  /** Decides and persists (dedup, cooldown, resolution) with one pending delivery per sink: the outbox. */
  readonly manager: Pick<AlertManager, 'record'>;
  /**
   * Told when the outbox has new messages. Delivery runs beside the engine (src/alerts/worker.ts):
   * wake() returns at once and no tick ever waits for a sink. Absent: nothing is sent.
   */
  readonly delivery?: { wake(): void };
  /** Alerts firing at the previous evaluation (the alert store's open episodes). */
  readonly firing: () => readonly Alert[];
  /** The scheduler's job stats, for missed-tick alerts; absent = not checked. */
  readonly jobStats?: () => readonly JobStats[];
}

export interface TickSummary {
  readonly job: string;
  readonly at: number;
  readonly events: number;
}

/** A held perp's funding accrual: the observations and marks a future settlement can still need. */
export interface AccrualState {
  readonly obs: readonly AccrualObservation[];
  readonly marks: readonly MarkObservation[];
  readonly through: number | null;
}

export interface EngineContext {
  readonly o: EngineOptions;
  readonly log: Logger;
  readonly thresholds: MonitorThresholds;
  /** Cached ledger reads (ledger-reads.ts). */
  readonly reads: LedgerReads;
  // The checkpointed working state (engine-checkpoint.ts).
  history: FundingHistory;
  accrual: Map<string, AccrualState>;
  lastRun: Record<string, number>;
  lastEquityHour: number | null;
  /** Last recorded skip reason (its stable part) per key: repeats are not re-recorded. */
  skipKeys: Map<string, string>;
  /** The monitor's basis history (held positions' series). */
  basis: SeriesHistory;
  // Working state rebuilt at start and by each scan.
  last: ScanResult | null;
  markets: Map<VenueId, readonly Market[]>;
  positionSeq: number;
  tradingState: TradingState;
}

export function createContext(opts: EngineOptions): EngineContext {
  const t = monitorThresholds(opts.config, 'paper');
  // Market data only refreshes at scans: data is stale when older than the configured age or
  // two scan periods, whichever is longer, or every gap between scans would raise an alert.
  const scanPeriodS = cronPeriodMs(parseCron(opts.config.jobs.scan, 'jobs.scan'), Date.UTC(2026, 0, 1)) / 1000;
  const thresholds = { ...t, health: { ...t.health, staleAfterSeconds: Math.max(t.health.staleAfterSeconds, 2 * scanPeriodS) } };
  return {
    o: opts,
    log: opts.log,
    thresholds,
    reads: new LedgerReads(opts.ledger),
    history: new FundingHistory(fundingHistoryCapacity(opts.params)),
    accrual: new Map(),
    lastRun: {},
    lastEquityHour: null,
    skipKeys: new Map(),
    basis: basisHistory(thresholds.basis),
    last: null,
    markets: new Map(),
    positionSeq: 0,
    tradingState: opts.tradingState ?? 'active',
  };
}

/** The leg executor's dependencies for a tick: its events go to the tick's buffer. */
export function executorDeps(ctx: EngineContext, buffer: TickBuffer): LegExecutorDeps {
  return { execution: ctx.o.execution, clock: ctx.o.clock, sink: buffer.sink };
}

/** A perp's mark: the venue's mark price when the funding snapshot has one, else its book's mid. */
export function perpMark(venue: VenueId, symbol: string, funding: readonly FundingSnapshot[], books: ReadonlyMap<string, OrderBook>): number | null {
  const f = funding.find((x) => x.venue === venue && x.symbol === symbol);
  if (f?.markPrice != null) return f.markPrice;
  const book = books.get(bookKey(venue, symbol));
  return book ? midPrice(book) : null;
}

/** A position's marks at the last scan (spot: its book's mid; perp: perpMark). */
export function marksFor(ctx: EngineContext, p: PositionRow): PositionMarks {
  const books = ctx.last?.books ?? new Map<string, OrderBook>();
  const spotBook = books.get(bookKey(p.venue, p.spotSymbol));
  return {
    spot: spotBook ? midPrice(spotBook) : null,
    perp: perpMark(p.venue, p.perpSymbol, ctx.last?.funding ?? [], books),
  };
}

export function positionMarkets(ctx: EngineContext, venue: VenueId, spotSymbol: string, perpSymbol: string): PositionMarkets | null {
  const ms = ctx.markets.get(venue) ?? [];
  const spot = ms.find((m) => m.symbol === spotSymbol);
  const perp = ms.find((m) => m.symbol === perpSymbol);
  return spot && perp ? { spot, perp } : null;
}

export function logOutcome(log: Logger, what: string, out: ExecutionOutcome): void {
  const level = out.flag || out.interrupted ? 'warn' : 'info';
  log[level](
    { position: out.positionId, state: out.state, spotQty: out.holdings.spotQty, perpContracts: out.holdings.perpContracts, flag: out.flag, interrupted: out.interrupted?.message },
    `${what}: ${out.state}`,
  );
}

export function errorMessage(e: unknown): string {
  return isCarryError(e) || e instanceof Error ? e.message : String(e);
}
