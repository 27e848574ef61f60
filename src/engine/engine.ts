/**
 * The kernel: one engine for paper, replay and sim (and, later, live). Only the edges differ:
 * the clock, the venues' market data and the execution port.
 *
 * Each tick is atomic in the ledger: its events are buffered and appended in one transaction
 * together with the engine's checkpoint (its derived working state). A process killed mid-tick
 * leaves the ledger exactly as after the previous tick; on restart the engine restores the
 * checkpoint and the scheduler re-runs the interrupted tick at the same simulated instant, so a
 * killed-and-restarted paper run ends with the same ledger as an uninterrupted one. (Live
 * trading will also write each order as it happens and reconcile with the venue at start.)
 */
import type { AlertManager } from '../alerts/manager.js';
import type { Config } from '../config/schema.js';
import type { Alert } from '../domain/alert.js';
import type { Action } from '../domain/action.js';
import type { Clock } from '../domain/clock.js';
import { CarryError, isCarryError } from '../domain/errors.js';
import type { EquitySnapshot, FundingPaid, LedgerEvent, OrderFilled } from '../domain/events.js';
import type { FundingSnapshot, Market, OrderBook, VenueId } from '../domain/market.js';
import type { Opportunity } from '../domain/opportunity.js';
import type { PositionSpec } from '../domain/position.js';
import type { ExecutionPort } from '../execution/port.js';
import { midPrice } from '../pricing/depth.js';
import { positionPnl, totalPnl, type PositionMarks, type PositionPnl } from '../pricing/pnl.js';
import { limitPriceFor, sizePosition } from '../pricing/sizing.js';
import type { Ledger } from '../store/ledger.js';
import type { FillRow, FundingPaymentRow, PositionRow, WalletBalance } from '../store/rows.js';
import type { Logger } from '../util/log.js';
import { decide, type HeldPosition } from '../../strategies/spot-perp-carry/decide.js';
import { FundingHistory, observationFromSnapshot } from '../../strategies/spot-perp-carry/funding-history.js';
import { fundingHistoryCapacity, type SpotPerpCarryParams } from '../../strategies/spot-perp-carry/params.js';
import { bookKey } from '../../strategies/spot-perp-carry/rank.js';
import { dueFunding, heldFromFills, type FundingObservation as AccrualObservation, type MarkObservation } from './funding-accrual.js';
import { closePosition, openPosition, rebalancePosition, resumeUnwind, type EventSink, type ExecutionOutcome } from './leg-executor.js';
import { freeCapital, initialFunding, notionalFromCapital, type OpenExposure } from './paper-wallet.js';
import { gateClose, gateOpen, type TradingState } from './risk-gate.js';
import type { SettledFunding } from '../venues/port.js';
import { basisHistory } from '../monitor/basis.js';
import { assessDrift } from '../monitor/drift.js';
import type { OrderAction } from '../monitor/corrective-order.js';
import { formatPct } from '../monitor/format.js';
import { cronPeriodMs } from '../monitor/health.js';
import { SeriesHistory } from '../monitor/rolling-window.js';
import { monitorThresholds, type MonitorThresholds } from '../monitor/thresholds.js';
import { parseCron, type CronSchedule } from '../scheduler/cron-next.js';
import type { JobStats } from '../scheduler/job.js';
import { decodeHistory, decodeSeries, encodeHistory, encodeSeriesOf, type StoredHistory, type StoredSeries } from './checkpoint-codec.js';
import { driftInputs, JobWatch, recordScanBasis, runMonitorChecks } from './monitor-job.js';
import { riskSignals } from './risk-exits.js';
import type { Scanner, ScanResult } from './scanner.js';

export const CHECKPOINT_KEY = 'engine';
const HOUR_MS = 3_600_000;
/** Alert checks run at most once per this period (see alertsDue). */
const ALERT_CHECK_MS = 60_000;
/** How long a settlement whose rate is unconfirmed waits for the venue's history. */
const MAX_FUNDING_DEFER_MS = 24 * HOUR_MS;
/** How many of each scan's opportunities go to the ledger for audit. */
const SCAN_TOP = 5;

export interface EngineCheckpoint {
  /** 2: history and basis in the compact forms of checkpoint-codec.ts; 1 (read only): as lists. */
  readonly v: 1 | 2;
  /** Clock of the last completed tick. */
  readonly clock: number;
  /** Last completed run of each job, so a restart resumes every schedule where it was. */
  readonly lastRun: Readonly<Record<string, number>>;
  /** Funding observations the strategy's history retains (checkpoint-codec.ts). */
  readonly history: StoredHistory;
  readonly accrual: Readonly<Record<string, AccrualState>>;
  readonly lastEquityHour: number | null;
  /** Last recorded skip reason (its stable part) per venue|symbol: repeats are not re-recorded. */
  readonly skipKeys?: Readonly<Record<string, string>>;
  /** Last marks of every non-final position, for reports run without market data. */
  readonly marks: Readonly<Record<string, PositionMarkSnapshot>>;
  /** The monitor's basis history (held positions' series), for z-scores across a restart. */
  readonly basis?: StoredSeries;
}

export interface PositionMarkSnapshot {
  readonly spot: number | null;
  readonly perp: number | null;
  readonly at: number;
}

interface AccrualState {
  readonly obs: readonly AccrualObservation[];
  readonly marks: readonly MarkObservation[];
  readonly through: number | null;
}

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

function fillEvent(r: FillRow): OrderFilled {
  return {
    type: 'order.fill',
    ts: r.ts,
    fillId: r.fillId,
    orderId: r.orderId,
    positionId: r.positionId,
    venue: r.venue,
    leg: r.leg,
    symbol: r.symbol,
    side: r.side,
    price: r.price,
    amount: r.amount,
    baseQty: r.baseQty,
    contracts: r.contracts,
    quoteNotional: r.quoteNotional,
    fee: r.fee,
    feeCurrency: r.feeCurrency,
    feeQuote: r.feeQuote,
  };
}

function fundingEvent(r: FundingPaymentRow): FundingPaid {
  return {
    type: 'funding.payment',
    ts: r.ts,
    positionId: r.positionId,
    venue: r.venue,
    symbol: r.symbol,
    settlementTime: r.settlementTime,
    periodStart: r.periodStart,
    rate: r.rate,
    markPrice: r.markPrice,
    contracts: r.contracts,
    contractSize: r.contractSize,
    settlement: r.settlement,
    amount: r.amount,
    currency: r.currency,
    amountQuote: r.amountQuote,
  };
}

export function specOf(p: PositionRow): PositionSpec {
  return {
    positionId: p.positionId,
    venue: p.venue,
    base: p.base,
    quote: p.quote,
    direction: p.direction,
    spotSymbol: p.spotSymbol,
    perpSymbol: p.perpSymbol,
    settlement: p.settlement,
    contractSize: p.contractSize,
    settle: p.settle,
    intervalHours: p.intervalHours,
    continuousFunding: p.continuousFunding,
  };
}

/** Events that change none of the cached reads (open positions, fills, wallet balances). */
const READ_NEUTRAL_EVENTS: ReadonlySet<LedgerEvent['type']> = new Set<LedgerEvent['type']>(['scan.recorded', 'decision', 'equity.snapshot']);

interface EngineReadCache {
  open?: readonly PositionRow[];
  patched?: boolean;
  readonly fills: Map<string, readonly OrderFilled[]>;
  /** heldFromFills of each position's fills: the accrual asks for it every monitor tick. */
  readonly held: Map<string, ReturnType<typeof heldFromFills>>;
  readonly wallet: Map<VenueId, readonly WalletBalance[]>;
}

function newReadCache(): EngineReadCache {
  return { fills: new Map(), held: new Map(), wallet: new Map() };
}

/** A tick's events, appended in one transaction at its end. */
class TickBuffer {
  readonly events: LedgerEvent[] = [];
  readonly sink: EventSink = (events) => {
    this.events.push(...events);
  };
}

export class CarryEngine {
  private readonly o: EngineOptions;
  private history: FundingHistory;
  private accrual = new Map<string, AccrualState>();
  private lastRun: Record<string, number> = {};
  private lastEquityHour: number | null = null;
  private skipKeys = new Map<string, string>();
  private last: ScanResult | null = null;
  private markets = new Map<VenueId, readonly Market[]>();
  private positionSeq = 0;
  /**
   * Ledger reads cached between commits that change them: the ledger only changes when a tick
   * appends events. `patched`: this tick replaced `open` with its own view (a rebalance).
   */
  private cache: EngineReadCache = newReadCache();
  private readonly thresholds: MonitorThresholds;
  private basis: SeriesHistory;
  private jobWatch: JobWatch | null = null;
  tradingState: TradingState;

  constructor(opts: EngineOptions) {
    this.o = opts;
    const t = monitorThresholds(opts.config, 'paper');
    // Market data only refreshes at scans: data is stale when older than the configured age or
    // two scan periods, whichever is longer, or every gap between scans would raise an alert.
    const scanPeriodS = cronPeriodMs(parseCron(opts.config.jobs.scan, 'jobs.scan'), Date.UTC(2026, 0, 1)) / 1000;
    this.thresholds = { ...t, health: { ...t.health, staleAfterSeconds: Math.max(t.health.staleAfterSeconds, 2 * scanPeriodS) } };
    this.basis = basisHistory(this.thresholds.basis);
    this.history = new FundingHistory(fundingHistoryCapacity(opts.params));
    this.tradingState = opts.tradingState ?? 'active';
  }

  private get log(): Logger {
    return this.o.log;
  }

  /**
   * Restores the checkpoint, funds the paper wallet on a new ledger, and returns the clock the
   * run should resume from (null on a new ledger) plus each job's last run.
   */
  async start(): Promise<{ readonly resumeFrom: number | null; readonly lastRun: Readonly<Record<string, number>> }> {
    const cp = this.o.ledger.checkpoint<EngineCheckpoint>(CHECKPOINT_KEY);
    if (cp) {
      const v = cp.value;
      if (v.v !== 1 && v.v !== 2) {
        throw new CarryError('CARRY_STORE_INVALID', 'stop', `${this.o.ledger.path}: engine checkpoint version ${String(v.v)} is newer than this carry reads (1, 2): upgrade carry`);
      }
      this.history = FundingHistory.fromObservations(fundingHistoryCapacity(this.o.params), decodeHistory(v.history));
      this.accrual = new Map(Object.entries(v.accrual));
      this.lastRun = { ...v.lastRun };
      this.lastEquityHour = v.lastEquityHour;
      this.skipKeys = new Map(Object.entries(v.skipKeys ?? {}));
      this.basis = SeriesHistory.from(this.basis.windowMs, this.basis.maxPoints, decodeSeries(v.basis ?? []));
    }
    this.positionSeq = this.o.ledger.positions().length;
    this.markets = new Map(await this.o.scanner.loadMarkets());
    if (this.o.ledger.walletBalances().length === 0 && this.o.ledger.countEvents() === 0) {
      const events = initialFunding(this.o.config.paper, this.markets, this.o.clock.now());
      this.commit('start', events);
      this.log.info({ venues: events.map((e) => `${e.venue}:${e.amount} ${e.currency}`) }, 'paper wallet funded');
    }
    const open = this.openPositions();
    if (open.length > 0) this.log.info({ open: open.map((p) => `${p.positionId} ${p.state}`) }, 'resuming open positions from the ledger');
    return { resumeFrom: cp ? cp.value.clock : null, lastRun: this.lastRun };
  }

  private checkpoint(): EngineCheckpoint {
    return {
      v: 2,
      clock: this.o.clock.now(),
      lastRun: this.lastRun,
      history: encodeHistory(this.history.retained()),
      accrual: Object.fromEntries(this.accrual),
      lastEquityHour: this.lastEquityHour,
      skipKeys: Object.fromEntries(this.skipKeys),
      marks: this.markSnapshot(),
      ...(this.o.alerts ? { basis: encodeSeriesOf(this.basis.eachSeries()) } : {}),
    };
  }

  /**
   * One transaction: the tick's events, then (with `equity`) a snapshot computed from the ledger
   * as those events left it, then the checkpoint.
   */
  private commit(job: string, events: readonly LedgerEvent[], tickAt?: number, equity = false): TickSummary {
    if (tickAt !== undefined) this.lastRun = { ...this.lastRun, [job]: tickAt };
    const now = this.o.clock.now();
    let extra = 0;
    // Most scan ticks append only their scan record and a few decisions: those leave positions,
    // fills and wallets as they were, so the cached reads stay valid (re-reading them after
    // every scan was a tenth of a paper run, and grows with the ledger).
    const stale = this.cache.patched === true || events.some((e) => !READ_NEUTRAL_EVENTS.has(e.type));
    try {
      this.o.ledger.append(events, {
        ...(equity
          ? {
              then: () => {
                if (stale) this.cache = newReadCache();
                extra = 1;
                return [this.equity()];
              },
            }
          : {}),
        checkpoint: () => ({ key: CHECKPOINT_KEY, ts: now, value: this.checkpoint() }),
      });
    } catch (e) {
      this.cache = newReadCache(); // rolled back: a view patched by this tick is not the ledger's
      throw e;
    }
    if (stale) this.cache = newReadCache();
    return { job, at: now, events: events.length + extra };
  }

  private openPositions(): readonly PositionRow[] {
    return (this.cache.open ??= this.o.ledger.openPositions());
  }

  private walletOf(venue: VenueId): readonly WalletBalance[] {
    let w = this.cache.wallet.get(venue);
    if (!w) this.cache.wallet.set(venue, (w = this.o.ledger.walletBalances(venue)));
    return w;
  }

  private fillsOf(positionId: string): readonly OrderFilled[] {
    let f = this.cache.fills.get(positionId);
    if (!f) this.cache.fills.set(positionId, (f = this.o.ledger.fills(positionId).map(fillEvent)));
    return f;
  }

  private heldOf(positionId: string): ReturnType<typeof heldFromFills> {
    let h = this.cache.held.get(positionId);
    if (!h) this.cache.held.set(positionId, (h = heldFromFills(this.fillsOf(positionId))));
    return h;
  }

  // ------------------------------------------------------------------------------------------
  // Observations
  // ------------------------------------------------------------------------------------------

  private observe(funding: readonly FundingSnapshot[], books: ReadonlyMap<string, OrderBook>): void {
    for (const f of funding) this.history.add(observationFromSnapshot(f));
    const held = this.openPositions();
    for (const p of held) {
      const f = funding.find((x) => x.venue === p.venue && x.symbol === p.perpSymbol);
      const st = this.accrual.get(p.positionId) ?? { obs: [], marks: [], through: this.o.ledger.lastFundingSettlement(p.positionId) };
      let obs = st.obs;
      let marks = st.marks;
      if (f) {
        obs = [...obs, { rate: f.rate, nextFundingTime: f.nextFundingTime, markPrice: f.markPrice, intervalHours: f.intervalHours, receivedAt: f.receivedAt }];
      }
      const mark = this.perpMark(p.venue, p.perpSymbol, funding, books);
      if (mark !== null) marks = [...marks, { at: this.o.clock.now(), price: mark }];
      this.accrual.set(p.positionId, { obs: prune(obs, st.through), marks: pruneMarks(marks, st.through), through: st.through });
    }
  }

  private perpMark(venue: VenueId, symbol: string, funding: readonly FundingSnapshot[], books: ReadonlyMap<string, OrderBook>): number | null {
    const f = funding.find((x) => x.venue === venue && x.symbol === symbol);
    if (f?.markPrice != null) return f.markPrice;
    const book = books.get(bookKey(venue, symbol));
    return book ? midPrice(book) : null;
  }

  private markSnapshot(): Record<string, PositionMarkSnapshot> {
    const out: Record<string, PositionMarkSnapshot> = {};
    if (!this.last) return out;
    for (const p of this.openPositions()) out[p.positionId] = { ...this.marksFor(p), at: this.last.at };
    return out;
  }

  private marksFor(p: PositionRow): PositionMarks {
    const books = this.last?.books ?? new Map<string, OrderBook>();
    const spotBook = books.get(bookKey(p.venue, p.spotSymbol));
    return {
      spot: spotBook ? midPrice(spotBook) : null,
      perp: this.perpMark(p.venue, p.perpSymbol, this.last?.funding ?? [], books),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Funding
  // ------------------------------------------------------------------------------------------

  /**
   * A settlement's rate is the last one quoted before it, when that quote is fresh. When it is
   * not (the venue was down, or the pre-settlement check failed), the venue's own history of
   * settled rates decides; if the venue cannot say yet, the booking waits (up to a day, then the
   * last quote is used and a decision says so). Returns the time to accrue up to.
   */
  private async confirmSettledRates(p: PositionRow, st: AccrualState, now: number, buffer: TickBuffer, history: Map<string, Promise<readonly SettledFunding[] | null>>): Promise<{ readonly st: AccrualState; readonly until: number }> {
    if (p.continuousFunding) return { st, until: now };
    const freshMs = Math.max(120_000, 2 * this.o.config.jobs.settlementLeadSeconds * 1000);
    const latest = new Map<number, AccrualObservation>();
    for (const o of st.obs) {
      if (o.nextFundingTime === null || o.nextFundingTime > now || (st.through !== null && o.nextFundingTime <= st.through)) continue;
      const prev = latest.get(o.nextFundingTime);
      if (!prev || o.receivedAt >= prev.receivedAt) latest.set(o.nextFundingTime, o);
    }
    let obs = st.obs;
    let until = now;
    for (const [t, o] of [...latest.entries()].sort((a, b) => a[0] - b[0])) {
      if (o.receivedAt >= t - freshMs) continue;
      const key = `${p.venue}|${p.perpSymbol}`;
      let rows = history.get(key);
      if (!rows) {
        const adapter = this.o.scanner.adapters().find((a) => a.venue === p.venue);
        rows = adapter ? adapter.fetchFundingHistory(p.perpSymbol, t - o.intervalHours * HOUR_MS).catch(() => null) : Promise.resolve(null);
        history.set(key, rows);
      }
      const settled = (await rows)?.find((r) => Math.abs(r.settlementTime - t) < 60_000);
      if (settled) {
        obs = [...obs, { ...o, rate: settled.rate, receivedAt: t - 1 }];
        continue;
      }
      if (now - t < MAX_FUNDING_DEFER_MS) {
        until = Math.min(until, t - 1);
        break;
      }
      buffer.sink([{ type: 'decision', ts: now, venue: p.venue, symbol: p.perpSymbol, action: 'skip', reason: `funding ${new Date(t).toISOString()}: booked at the last rate quoted ${Math.round((t - o.receivedAt) / 60_000)} min before the settlement; the venue's history did not confirm it within a day` }]);
    }
    return { st: obs === st.obs ? st : { ...st, obs }, until };
  }

  private async accrueFunding(buffer: TickBuffer): Promise<void> {
    const now = this.o.clock.now();
    const history = new Map<string, Promise<readonly SettledFunding[] | null>>();
    const open = this.openPositions();
    const live = new Set(open.map((p) => p.positionId));
    // A position that went flat since the last accrual still owes the stretch from that accrual
    // to its closing fill (continuous funding runs until the perp is flat): booked once here,
    // from its fills, before its accrual state is forgotten below.
    const gone = [...this.accrual.keys()]
      .filter((id) => !live.has(id))
      .map((id) => this.o.ledger.position(id))
      .filter((p): p is PositionRow => p !== null);
    for (const p of [...open, ...gone]) {
      if (p.perpContracts === 0 && p.state !== 'closing' && live.has(p.positionId)) continue;
      const st0 = this.accrual.get(p.positionId);
      if (!st0) continue;
      const held = this.heldOf(p.positionId);
      if (held.length === 0) continue;
      const { st, until } = await this.confirmSettledRates(p, st0, now, buffer, history);
      const r = dueFunding({ spec: specOf(p), held, observations: st.obs, marks: st.marks, paidThrough: st.through, now: until });
      for (const s of r.skipped) {
        buffer.sink([{ type: 'decision', ts: now, venue: p.venue, symbol: p.perpSymbol, action: 'skip', reason: `funding ${new Date(s.settlementTime).toISOString()}: ${s.reason}` }]);
      }
      // Booked now, even when the accrual stopped short of now waiting for a confirmation.
      if (r.payments.length > 0) buffer.sink(r.payments.map((x) => (x.ts === now ? x : { ...x, ts: now })));
      this.accrual.set(p.positionId, { ...st, through: r.through, obs: prune(st.obs, r.through), marks: pruneMarks(st.marks, r.through) });
    }
    // Forget accrual state of positions that are gone.
    for (const id of [...this.accrual.keys()]) if (!live.has(id)) this.accrual.delete(id);
  }

  // ------------------------------------------------------------------------------------------
  // Jobs
  // ------------------------------------------------------------------------------------------

  /** Scan, record, decide, gate, execute. */
  async scanTick(job = 'scan'): Promise<TickSummary> {
    const at = this.o.clock.now();
    const buffer = new TickBuffer();
    // Funding first: it is owed on the holdings the ledger has at the start of the tick.
    await this.accrueFunding(buffer);
    const held = this.openPositions();
    const extra = new Map<VenueId, string[]>();
    for (const p of held) extra.set(p.venue, [...(extra.get(p.venue) ?? []), p.spotSymbol, p.perpSymbol]);
    const scan = await this.o.scanner.scan({ extraBooks: extra });
    this.last = scan;
    for (const [v, m] of scan.markets) this.markets.set(v, m);
    this.observe(scan.funding, scan.books);
    if (this.o.alerts) recordScanBasis(this.basis, held, this.markets, scan);
    buffer.sink([
      {
        type: 'scan.recorded',
        ts: this.o.clock.now(),
        top: scan.opportunities.slice(0, SCAN_TOP).map((o) => ({
          venue: o.venue,
          perpSymbol: o.perpSymbol,
          spotSymbol: o.spotSymbol,
          rate: o.rate,
          intervalHours: o.intervalHours,
          netApr: o.netApr,
          maxNotional: o.maxNotional,
          status: o.status,
        })),
      },
    ]);
    this.flagUnreachable(scan, held, buffer);
    const rebalanced = new Set<string>();
    await this.resumeInterrupted(held, scan, buffer, rebalanced);
    await this.autoRebalance(scan, buffer, rebalanced);
    await this.decideAndExecute(scan, buffer);
    return this.commit(job, buffer.events, at, this.equityDue());
  }

  /** Funding accrual, flags and the hourly equity snapshot; uses the last scan's data. */
  async monitorTick(job = 'monitor'): Promise<TickSummary> {
    const at = this.o.clock.now();
    const buffer = new TickBuffer();
    const before = this.accrualMarker();
    await this.accrueFunding(buffer);
    // Alert decisions go to the alert tables (their own transaction) before the tick commits: a
    // tick killed in between is re-run at the same instant and finds the same alerts already
    // decided (no repeat); sending waits until after the commit.
    const recorded = this.alertsDue(at) ? this.recordAlerts(at) : 0;
    const equity = this.equityDue();
    // A tick that changed nothing writes nothing: on a restart the scheduler runs a missed
    // monitor tick at once, which then finds the same nothing to do.
    const summary = buffer.events.length === 0 && !equity && this.accrualMarker() === before ? { job, at, events: 0 } : this.commit(job, buffer.events, at, equity);
    if (recorded > 0) this.deliverAlerts();
    return summary;
  }

  /**
   * Alert checks run on the first monitor tick of each minute (every tick when the monitor runs
   * once a minute or less often): market data only changes at scans, so checking every 15 s
   * would cost four times the work for the same answers. A pure function of the tick time, so a
   * restarted run checks at exactly the same instants.
   */
  private alertsDue(at: number): boolean {
    const period = this.jobPeriodMs('monitor', at) ?? ALERT_CHECK_MS;
    return period >= ALERT_CHECK_MS || at % ALERT_CHECK_MS < period;
  }

  /** The monitor's checks over the open positions and the last scan, decided by the alert manager. Returns the messages decided. */
  private recordAlerts(now: number): number {
    const alerts = this.o.alerts;
    if (!alerts) return 0;
    try {
      const stats = alerts.jobStats?.() ?? [];
      this.jobWatch ??= new JobWatch((name, t) => this.jobPeriodMs(name, t), now);
      const result = runMonitorChecks(
        {
          now,
          positions: this.openPositions(),
          markets: this.markets,
          scan: this.last,
          walletBalance: (venue, currency) => this.walletOf(venue).find((b) => b.currency === currency)?.amount ?? 0,
          receivedAt: (p) => this.accrual.get(p.positionId)?.obs.reduce<number | null>((m, o) => (m === null || o.receivedAt > m ? o.receivedAt : m), null) ?? null,
          previousFiring: alerts.firing(),
          jobs: this.jobWatch.health(stats, now),
          perpLeverage: this.o.config.paper.perpLeverage,
        },
        this.thresholds,
        this.basis,
        (subject, e) => this.log.warn({ subject, err: errorMessage(e) }, 'monitor: input skipped'),
      );
      const plan = alerts.manager.record({ now, firing: result.firing, checked: result.checked, gone: result.gone, clear: result.clear });
      if (plan.messages.length > 0) this.log.info({ messages: plan.messages.map((m) => `${m.notice} ${m.alert.kind} ${m.alert.subject}`) }, 'alerts decided');
      return plan.messages.length;
    } catch (e) {
      // The monitor must not stop funding accrual or trading; the failure is loud instead.
      this.log.error({ err: errorMessage(e) }, 'monitor checks failed this tick');
      return 0;
    }
  }

  /**
   * Tells the delivery worker the outbox has new messages, and returns at once: sending runs
   * beside the engine, never in its path (a dead sink costs a tick nothing). Never throws.
   */
  deliverAlerts(): void {
    try {
      this.o.alerts?.delivery?.wake();
    } catch (e) {
      this.log.error({ err: errorMessage(e) }, 'alert delivery could not be woken');
    }
  }

  /** Nominal period of a scheduled job (cron jobs), null for the pre-settlement check. */
  private readonly schedules = new Map<string, CronSchedule | null>();

  private jobPeriodMs(name: string, at: number): number | null {
    let schedule = this.schedules.get(name);
    if (schedule === undefined) {
      const cron = name === 'scan' ? this.o.config.jobs.scan : name === 'monitor' ? this.o.config.jobs.monitor : name === 'daily' ? this.o.config.jobs.dailySummary : null;
      schedule = cron === null ? null : parseCron(cron, `jobs.${name}`);
      this.schedules.set(name, schedule);
    }
    return schedule === null ? null : cronPeriodMs(schedule, at);
  }

  private accrualMarker(): string {
    let m = '';
    for (const [id, st] of this.accrual) m += `${id}:${st.through};`;
    return m;
  }

  /** Shortly before a settlement: a fresh snapshot of the venues whose held perps settle soon. */
  async settlementCheck(job = 'settlement'): Promise<TickSummary> {
    const at = this.o.clock.now();
    const lead = this.o.config.jobs.settlementLeadSeconds * 1000;
    const venues = new Set<VenueId>();
    for (const p of this.openPositions()) {
      const t = this.nextSettlementOf(p);
      if (t !== null && t > at && t - at <= lead + 1000) venues.add(p.venue);
    }
    const funding: FundingSnapshot[] = [];
    for (const a of this.o.scanner.adapters().filter((x) => venues.has(x.venue))) {
      try {
        const snap = await a.fetchSnapshot();
        funding.push(...snap.funding);
      } catch (e) {
        this.log.warn({ venue: a.venue, err: e instanceof Error ? e.message : String(e) }, 'pre-settlement snapshot failed; the last scan stands');
      }
    }
    if (funding.length > 0) this.observe(funding, this.last?.books ?? new Map());
    return this.commit(job, [], at);
  }

  /** When the pre-settlement check should next run, after `after`; null when nothing is held. */
  nextSettlementCheck(after: number): number | null {
    const lead = this.o.config.jobs.settlementLeadSeconds * 1000;
    let best: number | null = null;
    for (const p of this.openPositions()) {
      const t = this.nextSettlementOf(p);
      if (t === null) continue;
      const at = t - lead;
      if (at > after && (best === null || at < best)) best = at;
    }
    return best;
  }

  private nextSettlementOf(p: PositionRow): number | null {
    if (p.continuousFunding) return null;
    // From the checkpointed accrual observations, not the last scan: after a restart the
    // pre-settlement check must fire exactly when it would have without the restart.
    const obs = this.accrual.get(p.positionId)?.obs ?? [];
    let latest: AccrualObservation | undefined;
    for (const o of obs) if (!latest || o.receivedAt >= latest.receivedAt) latest = o;
    return latest?.nextFundingTime ?? null;
  }

  async dailySummary(job = 'daily'): Promise<TickSummary> {
    const at = this.o.clock.now();
    const summary = this.commit(job, [], at, true);
    const eq = this.equity();
    this.log.info(
      { equity: round2(eq.equity), realised: round2(eq.realised), unrealised: round2(eq.unrealised), funding: round2(eq.funding), fees: round2(eq.fees), open: eq.openPositions },
      'daily summary',
    );
    return summary;
  }

  // ------------------------------------------------------------------------------------------
  // Trading
  // ------------------------------------------------------------------------------------------

  private flagUnreachable(scan: ScanResult, held: readonly PositionRow[], buffer: TickBuffer): void {
    const down = new Map(scan.venues.filter((v) => v.status === 'error').map((v) => [v.venue, v.status === 'error' ? v.error.message : '']));
    const now = this.o.clock.now();
    for (const p of held) {
      const why = down.get(p.venue);
      if (why !== undefined && p.flag !== 'venue_unreachable') {
        buffer.sink([{ type: 'position.flagged', ts: now, positionId: p.positionId, flag: 'venue_unreachable', message: `${p.venue} did not answer: ${why}. Position left as it is.` }]);
        this.log.warn({ position: p.positionId, venue: p.venue, err: why }, 'venue unreachable: position left open and flagged');
      } else if (why === undefined && p.flag === 'venue_unreachable') {
        buffer.sink([{ type: 'position.flagged', ts: now, positionId: p.positionId, flag: null, message: `${p.venue} answers again` }]);
      }
    }
  }

  /** Positions a previous tick left mid-protocol (closing, unwinding, interrupted open): retry. */
  private async resumeInterrupted(held: readonly PositionRow[], scan: ScanResult, buffer: TickBuffer, rebalanced: Set<string>): Promise<void> {
    for (const p of held) {
      if (p.state === 'open') continue;
      if (scan.venues.find((v) => v.venue === p.venue)?.status !== 'ok') continue;
      if (p.state === 'rebalancing') {
        // An interrupted correction: re-assessed on this tick's data, placed again if still due
        // (a new attempt: the ledger keeps the unanswered order), else straight back to open.
        const a = this.assessRebalance(p, scan);
        rebalanced.add(p.positionId);
        await this.rebalance(p, this.thresholds.autoRebalance && a !== null ? a.action : null, scan, buffer, a !== null ? `resume rebalancing: ${a.why}` : 'resume rebalancing');
        continue;
      }
      const req = this.flattenRequest(p, scan, `resume ${p.state}`);
      if (!req) continue;
      const deps = { execution: this.o.execution, clock: this.o.clock, sink: buffer.sink };
      const out = p.state === 'closing' ? await closePosition(deps, req) : await resumeUnwind(deps, req);
      this.logOutcome('resume', out);
    }
  }

  /**
   * monitor.autoRebalance: each open position whose drift is beyond the threshold gets the drift
   * check's corrective order (the same inputs and math as the delta_drift alert), before decide()
   * so the strategy sees the corrected holdings. Once per position per tick.
   */
  private async autoRebalance(scan: ScanResult, buffer: TickBuffer, rebalanced: Set<string>): Promise<void> {
    if (!this.thresholds.autoRebalance) return;
    const ok = new Set(scan.venues.filter((v) => v.status === 'ok').map((v) => v.venue));
    for (const p of this.openPositions()) {
      if (p.state !== 'open' || rebalanced.has(p.positionId) || !ok.has(p.venue)) continue;
      if (p.spotQty === 0 && p.perpContracts === 0) continue;
      const a = this.assessRebalance(p, scan);
      if (a === null) continue;
      rebalanced.add(p.positionId);
      await this.rebalance(p, a.action, scan, buffer, `rebalance: ${a.why}`);
    }
  }

  /** The drift check's corrective order for `p` on this scan, or null when none is due or possible. */
  private assessRebalance(p: PositionRow, scan: ScanResult): { readonly action: OrderAction; readonly why: string } | null {
    const input = driftInputs([p], this.markets, scan, this.thresholds.inverseExposure)[0];
    if (input === undefined) return null;
    try {
      const a = assessDrift(input, this.thresholds.drift);
      if (!a.beyond || a.correction === null) return null;
      const drift = Number.isFinite(a.drift) ? formatPct(a.drift) : 'unhedged';
      return { action: a.correction.action, why: `drift ${drift} beyond ${formatPct(this.thresholds.drift.threshold)}: ${a.correction.action.text} (leaves ${formatPct(a.correction.driftAfter)})` };
    } catch (e) {
      this.log.warn({ position: p.positionId, err: errorMessage(e) }, 'auto-rebalance: drift not assessable this tick');
      return null;
    }
  }

  /** One rebalance run (order null: back to open), through the risk gate, with the tick's view of the position updated. */
  private async rebalance(p: PositionRow, action: OrderAction | null, scan: ScanResult, buffer: TickBuffer, reason: string): Promise<void> {
    const now = this.o.clock.now();
    const markets = this.positionMarkets(p.venue, p.spotSymbol, p.perpSymbol);
    if (!markets) {
      this.log.warn({ position: p.positionId }, 'cannot rebalance this tick: markets missing');
      return;
    }
    let limitPrice = 0;
    if (action !== null) {
      // gateClose semantics: a correction reduces risk, so it is allowed unless trading is halted.
      const gate = gateClose(this.tradingState);
      if (!gate.allow) {
        buffer.sink([{ type: 'decision', ts: now, venue: p.venue, symbol: action.symbol, action: 'deny', reason: `${reason}; ${gate.reason}` }]);
        return;
      }
      const book = scan.books.get(bookKey(p.venue, action.symbol));
      const limit = book ? limitPriceFor(markets[action.leg], book, action.side, this.o.params.maxSlippageBps) : { problem: `${action.symbol}: no book` };
      if ('problem' in limit) {
        this.log.warn({ position: p.positionId, problem: limit.problem }, 'cannot rebalance this tick: no usable book');
        return;
      }
      limitPrice = limit.limit;
      buffer.sink([{ type: 'decision', ts: now, venue: p.venue, symbol: action.symbol, action: 'rebalance', reason }]);
    }
    const attempt = 1 + new Set(this.o.ledger.orders(p.positionId).filter((o) => o.purpose === 'rebalance').map((o) => o.clientOrderId.split(':').pop())).size;
    const deps = { execution: this.o.execution, clock: this.o.clock, sink: buffer.sink };
    const out = await rebalancePosition(deps, {
      spec: specOf(p),
      markets,
      state: p.state,
      holdings: { spotQty: p.spotQty, perpContracts: p.perpContracts },
      attempt,
      order: action,
      limitPrice,
      flag: p.flag,
      reason,
    });
    this.logOutcome('rebalance', out);
    // decide() and any close this tick must see the corrected legs, not the tick-start ledger.
    this.cache.open = this.openPositions().map((x) =>
      x.positionId === out.positionId ? { ...x, state: out.state, spotQty: out.holdings.spotQty, perpContracts: out.holdings.perpContracts } : x,
    );
    this.cache.patched = true;
  }

  private flattenRequest(p: PositionRow, scan: ScanResult, reason: string) {
    const markets = this.positionMarkets(p.venue, p.spotSymbol, p.perpSymbol);
    const spotBook = scan.books.get(bookKey(p.venue, p.spotSymbol));
    const perpBook = scan.books.get(bookKey(p.venue, p.perpSymbol));
    if (!markets || !spotBook || !perpBook) {
      this.log.warn({ position: p.positionId }, 'cannot act on position this tick: markets or books missing');
      return null;
    }
    const slip = this.o.params.maxSlippageBps;
    const spotLimit = limitPriceFor(markets.spot, spotBook, p.spotQty > 0 ? 'sell' : 'buy', slip);
    const perpLimit = limitPriceFor(markets.perp, perpBook, p.perpContracts > 0 ? 'sell' : 'buy', slip);
    if ('problem' in spotLimit || 'problem' in perpLimit) {
      this.log.warn({ position: p.positionId, spot: 'problem' in spotLimit ? spotLimit.problem : null, perp: 'problem' in perpLimit ? perpLimit.problem : null }, 'no usable book to close against');
      return null;
    }
    const attempt = 1 + new Set(this.o.ledger.orders(p.positionId).filter((o) => o.purpose === 'close' || o.purpose === 'unwind').map((o) => o.clientOrderId.split(':').pop())).size;
    return {
      spec: specOf(p),
      markets,
      state: p.state,
      holdings: { spotQty: p.spotQty, perpContracts: p.perpContracts },
      attempt,
      limits: { spot: spotLimit.limit, perp: perpLimit.limit },
      perpPrice: this.perpMark(p.venue, p.perpSymbol, scan.funding, scan.books) ?? perpLimit.mid,
      reason,
    };
  }

  private positionMarkets(venue: VenueId, spotSymbol: string, perpSymbol: string) {
    const ms = this.markets.get(venue) ?? [];
    const spot = ms.find((m) => m.symbol === spotSymbol);
    const perp = ms.find((m) => m.symbol === perpSymbol);
    return spot && perp ? { spot, perp } : null;
  }

  private exposures(positions: readonly PositionRow[]): OpenExposure[] {
    return positions.map((p) => {
      const mark = this.marksFor(p).perp ?? p.perpEntryPrice ?? 0;
      const perpNotional = p.settlement === 'linear' ? Math.abs(p.perpContracts) * p.contractSize * mark : Math.abs(p.perpContracts) * p.contractSize;
      return { venue: p.venue, settlement: p.settlement, quote: p.quote, perpNotional };
    });
  }

  private freeCapitalByVenue(positions: readonly PositionRow[]): Map<VenueId, number> {
    const out = new Map<VenueId, number>();
    const exposures = this.exposures(positions);
    for (const venue of this.markets.keys()) {
      const quotes = new Set((this.markets.get(venue) ?? []).filter((m) => m.type === 'spot').map((m) => m.quote));
      const bal = this.walletOf(venue)
        .filter((b) => quotes.has(b.currency) && ['USDT', 'USDC', 'USD'].includes(b.currency))
        .reduce((s, b) => Math.max(s, b.amount), 0);
      out.set(venue, freeCapital(bal, exposures.filter((e) => e.venue === venue), this.o.config.paper.perpLeverage));
    }
    return out;
  }

  private async decideAndExecute(scan: ScanResult, buffer: TickBuffer): Promise<void> {
    const now = this.o.clock.now();
    // Positions as the ledger has them plus anything this tick already changed (resumes).
    const positions = this.openPositions();
    const free = this.freeCapitalByVenue(positions);
    const fundingOf = (p: PositionRow) => scan.funding.find((f) => f.venue === p.venue && f.symbol === p.perpSymbol) ?? null;
    // Risk exits (margin, liquidation, unrebalanceable drift) on this tick's data, after any rebalance.
    const risk = riskSignals(
      { positions, markets: this.markets, scan, walletBalance: (venue, currency) => this.walletOf(venue).find((b) => b.currency === currency)?.amount ?? 0, perpLeverage: this.o.config.paper.perpLeverage },
      this.thresholds,
      (position, e) => this.log.warn({ position, err: errorMessage(e) }, 'risk exits: position not assessable this tick'),
    );
    const heldView: HeldPosition[] = positions.map((p) => ({
      positionId: p.positionId,
      venue: p.venue,
      base: p.base,
      perpSymbol: p.perpSymbol,
      direction: p.direction,
      state: p.state,
      openedAt: p.openedAt ?? p.createdAt,
      intervalHours: p.intervalHours,
      entryNetApr: p.entryNetApr,
      funding: fundingOf(p),
      risk: risk.get(p.positionId) ?? [],
    }));
    const result = decide({ now, opportunities: scan.opportunities.slice(), positions: heldView, history: this.history, freeCapital: free, params: this.o.params });
    // Skips are recorded when their reason changes, not every scan: the ledger keeps what was
    // decided and why without growing by the same sentence every minute.
    const seen = new Set<string>();
    // Notes on a held position are keyed by the position and the note's kind: its perp's own skip
    // ("perp already held") shares venue|symbol, and two notes of one position can stand at once;
    // alternating under one key would record them all every scan.
    const skips = [
      ...result.notes.map((n) => ({ key: `${n.positionId}|${n.note.split(':')[0] ?? n.note}`, venue: n.venue, symbol: n.symbol, reason: n.note })),
      ...result.skipped.map((s) => ({ key: `${s.venue}|${s.symbol ?? ''}`, venue: s.venue, symbol: s.symbol ?? '', reason: s.reason })),
    ];
    for (const s of skips) {
      const key = s.key;
      const reasonKey = s.reason.split(':')[0] ?? s.reason;
      seen.add(key);
      if (this.skipKeys.get(key) === reasonKey) continue;
      this.skipKeys.set(key, reasonKey);
      buffer.sink([{ type: 'decision', ts: now, venue: s.venue, symbol: s.symbol, action: 'skip', reason: s.reason }]);
    }
    for (const key of [...this.skipKeys.keys()]) if (!seen.has(key)) this.skipKeys.delete(key);
    for (const action of result.actions) await this.execute(action, scan, positions, buffer);
  }

  private async execute(action: Action, scan: ScanResult, positions: readonly PositionRow[], buffer: TickBuffer): Promise<void> {
    const now = this.o.clock.now();
    const deps = { execution: this.o.execution, clock: this.o.clock, sink: buffer.sink };
    if (action.kind === 'close') {
      const p = positions.find((x) => x.positionId === action.positionId);
      if (!p) return;
      const gate = gateClose(this.tradingState);
      if (!gate.allow) {
        buffer.sink([{ type: 'decision', ts: now, venue: p.venue, symbol: p.perpSymbol, action: 'deny', reason: gate.reason }]);
        return;
      }
      const req = this.flattenRequest(p, scan, `${action.exit}: ${action.reason}`);
      if (!req) return;
      buffer.sink([{ type: 'decision', ts: now, venue: p.venue, symbol: p.perpSymbol, action: 'close', reason: `${action.exit}: ${action.reason}` }]);
      const exit = { kind: action.exit, rule: action.exit === 'risk' ? action.risk : null, reason: action.reason };
      this.logOutcome('close', await closePosition(deps, { ...req, exit }));
      return;
    }
    const o = action.opportunity;
    const exposures = positions.map((p) => ({ venue: p.venue, notional: Math.abs(p.spotQty) * (this.marksFor(p).spot ?? p.spotEntryPrice ?? 0) }));
    const gate = gateOpen(this.tradingState, this.o.config.risk, o.venue, action.notional, exposures);
    if (!gate.allow) {
      buffer.sink([{ type: 'decision', ts: now, venue: o.venue, symbol: o.perpSymbol, action: 'deny', reason: gate.reason }]);
      return;
    }
    const markets = o.spotSymbol ? this.positionMarkets(o.venue, o.spotSymbol, o.perpSymbol) : null;
    const spotBook = o.spotSymbol ? scan.books.get(bookKey(o.venue, o.spotSymbol)) : undefined;
    const perpBook = scan.books.get(bookKey(o.venue, o.perpSymbol));
    if (!markets || !spotBook || !perpBook || !o.spotSymbol) {
      buffer.sink([{ type: 'decision', ts: now, venue: o.venue, symbol: o.perpSymbol, action: 'skip', reason: 'markets or books missing at execution' }]);
      return;
    }
    const free = this.freeCapitalByVenue(positions).get(o.venue) ?? 0;
    const sizing = sizePosition({
      direction: o.direction,
      spot: markets.spot,
      perp: markets.perp,
      spotBook,
      perpBook,
      bounds: {
        strategy: action.notional,
        rankerMax: o.maxNotional,
        freeCapital: notionalFromCapital(free, o.settlement, this.o.config.paper.perpLeverage),
        riskCap: gate.notional,
      },
      maxSlippageBps: this.o.params.maxSlippageBps,
    });
    if (sizing.kind === 'skip') {
      buffer.sink([{ type: 'decision', ts: now, venue: o.venue, symbol: o.perpSymbol, action: 'skip', reason: `sizing: ${sizing.reason}` }]);
      this.log.info({ venue: o.venue, symbol: o.perpSymbol, reason: sizing.reason }, 'open skipped at sizing');
      return;
    }
    const spec = this.specFor(o, markets);
    buffer.sink([{ type: 'decision', ts: now, venue: o.venue, symbol: o.perpSymbol, action: 'open', reason: action.reason }]);
    const out = await openPosition(deps, {
      spec,
      markets,
      sizing,
      reason: action.reason,
      entryRate: o.rate,
      entryNetApr: o.netApr,
      unwindSlippageBps: this.o.config.strategy.unwindSlippageBps,
    });
    this.logOutcome('open', out);
    if (out.holdings.perpContracts !== 0) {
      // Funding is owed from the first perp fill: seed the accrual with the rate and mark this
      // scan saw, so the first stretch (continuous funding) and the next settlement use them.
      const f = scan.funding.find((x) => x.venue === o.venue && x.symbol === o.perpSymbol);
      const mark = this.perpMark(o.venue, o.perpSymbol, scan.funding, scan.books);
      this.accrual.set(spec.positionId, {
        obs: f ? [{ rate: f.rate, nextFundingTime: f.nextFundingTime, markPrice: f.markPrice, intervalHours: f.intervalHours, receivedAt: f.receivedAt }] : [],
        marks: mark !== null ? [{ at: f?.receivedAt ?? now, price: mark }] : [],
        through: null,
      });
    }
  }

  private specFor(o: Opportunity, markets: { readonly spot: Market; readonly perp: Market }): PositionSpec {
    const { spot, perp } = markets;
    this.positionSeq++;
    const t = new Date(this.o.clock.now()).toISOString().replace(/[-:]/g, '').slice(0, 15);
    return {
      positionId: `P${String(this.positionSeq).padStart(4, '0')}-${o.venue}-${o.base}-${t}`,
      venue: o.venue,
      base: o.base,
      // The spot's quote, not the perp's: the wallet pays for the spot in it and free capital reads
      // it (Deribit BTC/USD:BTC is quoted in USD, its hedge BTC/USDC in USDC).
      quote: spot.quote,
      direction: o.direction,
      spotSymbol: o.spotSymbol as string,
      perpSymbol: o.perpSymbol,
      settlement: o.settlement,
      contractSize: o.contractSize,
      settle: perp.settle ?? o.quote,
      intervalHours: o.intervalHours,
      continuousFunding: o.continuous,
    };
  }

  private logOutcome(what: string, out: ExecutionOutcome): void {
    const level = out.flag || out.interrupted ? 'warn' : 'info';
    this.log[level](
      { position: out.positionId, state: out.state, spotQty: out.holdings.spotQty, perpContracts: out.holdings.perpContracts, flag: out.flag, interrupted: out.interrupted?.message },
      `${what}: ${out.state}`,
    );
  }

  // ------------------------------------------------------------------------------------------
  // Reporting
  // ------------------------------------------------------------------------------------------

  /** P&L of every position the ledger has (closed ones included), marked at the last scan. */
  pnl(): { readonly positions: readonly PositionPnl[]; readonly totals: ReturnType<typeof totalPnl> } {
    return computePnl(this.o.ledger, (p) => this.marksFor(p), this.o.clock.now());
  }

  equity(): EquitySnapshot {
    const { totals } = this.pnl();
    const now = this.o.clock.now();
    const prices = new Map<string, number>();
    for (const f of this.last?.funding ?? []) if (f.markPrice !== null && f.settlement === 'inverse') prices.set(f.base, f.markPrice);
    for (const p of this.o.ledger.positions()) {
      const m = this.marksFor(p);
      if (m.spot !== null) prices.set(p.base, m.spot);
    }
    let wallets = 0;
    for (const b of this.o.ledger.walletBalances()) {
      const px = ['USDT', 'USDC', 'USD'].includes(b.currency) ? 1 : (prices.get(b.currency) ?? 0);
      wallets += b.amount * px;
    }
    const open = this.openPositions();
    // Wallets hold cash, coins and realised perp P&L; open perps add their unrealised P&L.
    const unrealisedPerp = computePnl(this.o.ledger, (p) => this.marksFor(p), now, open).positions.reduce((s, p) => s + (p.perp.unrealised ?? 0), 0);
    return {
      type: 'equity.snapshot',
      ts: now,
      equity: wallets + unrealisedPerp,
      realised: totals.realised,
      unrealised: totals.unrealised ?? 0,
      funding: totals.funding,
      fees: totals.fees,
      openPositions: open.length,
    };
  }

  /** True once per clock hour: the tick that sees a new hour commits an equity snapshot. */
  private equityDue(): boolean {
    const hour = Math.floor(this.o.clock.now() / HOUR_MS);
    if (this.lastEquityHour === hour) return false;
    this.lastEquityHour = hour;
    return true;
  }

  lastScan(): ScanResult | null {
    return this.last;
  }
}

/** P&L per position from the ledger, with marks from the caller. */
export function computePnl(
  ledger: Ledger,
  marks: (p: PositionRow) => PositionMarks,
  now: number,
  only?: readonly PositionRow[],
): { readonly positions: readonly PositionPnl[]; readonly totals: ReturnType<typeof totalPnl> } {
  const rows = (only ?? ledger.positions()).filter((p) => p.state !== 'failed' || ledger.fills(p.positionId).length > 0);
  const positions = rows.map((p) =>
    positionPnl(specOf(p), ledger.fills(p.positionId).map(fillEvent), ledger.fundingPayments(p.positionId).map(fundingEvent), marks(p), now),
  );
  return { positions, totals: totalPnl(positions) };
}

/**
 * What a future settlement can still need: the latest observation per settlement time after the
 * last decided one (the rate that applies is the last seen before it), and marks since then.
 */
function prune(obs: readonly AccrualObservation[], through: number | null): AccrualObservation[] {
  const latest = new Map<number | null, AccrualObservation>();
  for (const o of obs) {
    if (through !== null && o.nextFundingTime !== null && o.nextFundingTime <= through) continue;
    const prev = latest.get(o.nextFundingTime);
    if (!prev || o.receivedAt >= prev.receivedAt) latest.set(o.nextFundingTime, o);
  }
  return [...latest.values()].sort((a, b) => a.receivedAt - b.receivedAt);
}

const MAX_MARKS = 2_000;

function pruneMarks(marks: readonly MarkObservation[], through: number | null): MarkObservation[] {
  if (through === null) return marks.slice(-MAX_MARKS);
  const after = marks.filter((m) => m.at > through);
  const before = marks.filter((m) => m.at <= through);
  const lastBefore = before[before.length - 1];
  return (lastBefore ? [lastBefore, ...after] : after).slice(-MAX_MARKS);
}

function round2(x: number | null): number | null {
  return x === null ? null : Math.round(x * 100) / 100;
}

export function errorMessage(e: unknown): string {
  return isCarryError(e) || e instanceof Error ? e.message : String(e);
}
