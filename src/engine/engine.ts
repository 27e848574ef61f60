/**
 * The kernel: one engine for paper, replay and sim (and, later, live). Only the edges differ:
 * the clock, the venues' market data, the execution port and the capital view.
 *
 * Each tick is atomic in the ledger: its events are buffered and appended in one transaction
 * together with the engine's checkpoint (its derived working state). A process killed mid-tick
 * leaves the ledger exactly as after the previous tick; on restart the engine restores the
 * checkpoint and the scheduler re-runs the interrupted tick at the same simulated instant, so a
 * killed-and-restarted paper run ends with the same ledger as an uninterrupted one. Live trading
 * will run with commit 'per_event' (each order written as it happens, see tick-buffer.ts) and
 * reconcile with the venue at start.
 *
 * The kernel holds the construction, the tick loop (the order of a tick's steps), the wiring and
 * the public API; the steps themselves are in:
 *   engine-context.ts     options, the working state every part is handed, marks
 *   engine-checkpoint.ts  the checkpoint: what it saves, and its restore
 *   ledger-reads.ts       cached ledger reads
 *   tick-buffer.ts        a tick's events and their commit ('per_tick' | 'per_event')
 *   funding-tick.ts       funding observations, accrual and settlement timing
 *   alerts-tick.ts        the monitor's checks, their decision and delivery
 *   rebalancing.ts        monitor.autoRebalance
 *   trading.ts            decide, gate, size, open and close through the leg executor
 *   reporting.ts          P&L, equity snapshots, the daily summary
 *   capital-view.ts       what the engine knows of its capital (paper: the ledger's wallet)
 */
import type { EquitySnapshot, LedgerEvent, WalletFunded } from '../domain/events.js';
import type { FundingSnapshot, VenueId } from '../domain/market.js';
import type { PositionPnl, totalPnl } from '../pricing/pnl.js';
import type { Logger } from '../util/log.js';
import { AlertChecks } from './alerts-tick.js';
import { paperCapital, perpExposures, type CapitalView } from './capital-view.js';
import { checkpoint, CHECKPOINT_KEY, restoreCheckpoint, type EngineCheckpoint } from './engine-checkpoint.js';
import { createContext, marksFor, type EngineContext, type EngineOptions, type TickSummary } from './engine-context.js';
import { accrualMarker, accrueFunding, nextSettlementCheck, observe, venuesSettlingSoon } from './funding-tick.js';
import { recordScanBasis } from './monitor-job.js';
import { initialFunding } from './paper-wallet.js';
import { autoRebalance } from './rebalancing.js';
import { equity, equityDue, logDailySummary, pnl } from './reporting.js';
import type { TradingState } from './risk-gate.js';
import type { ScanResult } from './scanner.js';
import type { PositionRow } from '../store/rows.js';
import { commitTick, eventWriter, TickBuffer, type CommitDeps } from './tick-buffer.js';
import { decideAndExecute, flagUnreachable, flattenAll, resumeInterrupted, type FlattenReport, type TradingContext } from './trading.js';

// The engine's API as it always was: callers import these from here.
export { CHECKPOINT_KEY, type EngineCheckpoint, type PositionMarkSnapshot } from './engine-checkpoint.js';
export { errorMessage, type EngineAlerts, type EngineOptions, type TickSummary } from './engine-context.js';
export { specOf } from './ledger-reads.js';
export { computePnl } from './reporting.js';
export type { CapitalLeg, CapitalView } from './capital-view.js';
export type { CommitMode } from './tick-buffer.js';

/** How many of each scan's opportunities go to the ledger for audit. */
const SCAN_TOP = 5;

export class CarryEngine {
  private readonly ctx: EngineContext;
  private readonly capital: CapitalView;
  private readonly trading: TradingContext;
  private readonly alertChecks: AlertChecks;
  private readonly commitDeps: CommitDeps;

  constructor(opts: EngineOptions) {
    const ctx = createContext(opts);
    this.ctx = ctx;
    this.capital =
      opts.capital ??
      paperCapital({
        wallet: (venue) => ctx.reads.walletOf(venue),
        markets: (venue) => ctx.markets.get(venue) ?? [],
        exposures: () => perpExposures(ctx.reads.openPositions(), (p) => marksFor(ctx, p).perp ?? p.perpEntryPrice ?? 0),
        perpLeverage: opts.config.paper.perpLeverage,
      });
    this.trading = { ctx, capital: this.capital };
    this.alertChecks = new AlertChecks(ctx, this.capital);
    this.commitDeps = {
      ledger: opts.ledger,
      clock: opts.clock,
      reads: ctx.reads,
      checkpoint: () => ({ key: CHECKPOINT_KEY, value: checkpoint(ctx) }),
      equity: () => equity(ctx),
    };
  }

  get tradingState(): TradingState {
    return this.ctx.tradingState;
  }

  set tradingState(state: TradingState) {
    this.ctx.tradingState = state;
  }

  private get log(): Logger {
    return this.ctx.log;
  }

  /**
   * Restores the checkpoint, funds the paper wallet on a new ledger, and returns the clock the
   * run should resume from (null on a new ledger) plus each job's last run.
   */
  async start(): Promise<{ readonly resumeFrom: number | null; readonly lastRun: Readonly<Record<string, number>> }> {
    const { ctx } = this;
    const { ledger } = ctx.o;
    const cp = ledger.checkpoint<EngineCheckpoint>(CHECKPOINT_KEY);
    if (cp) restoreCheckpoint(ctx, cp.value);
    ctx.positionSeq = ledger.positions().length;
    ctx.markets = new Map(await ctx.o.scanner.loadMarkets());
    if (ledger.walletBalances().length === 0 && ledger.countEvents() === 0) {
      const now = ctx.o.clock.now();
      const given = ctx.o.initialWallet;
      const events: WalletFunded[] = given
        ? [...given].flatMap(([venue, amounts]) =>
            Object.entries(amounts)
              .filter(([, amount]) => amount > 0)
              .map(([currency, amount]): WalletFunded => ({ type: 'wallet.funded', ts: now, venue, currency, amount, reason: 'initial' })),
          )
        : initialFunding(ctx.o.config.paper, ctx.markets, now);
      // One transaction with the checkpoint, whatever the commit mode.
      const buffer = new TickBuffer('per_tick');
      buffer.sink(events);
      this.commit('start', buffer);
      this.log.info({ venues: events.map((e) => `${e.venue}:${e.amount} ${e.currency}`) }, given ? 'opening wallet recorded from the venues' : 'paper wallet funded');
    }
    const open = ctx.reads.openPositions();
    if (open.length > 0) this.log.info({ open: open.map((p) => `${p.positionId} ${p.state}`) }, 'resuming open positions from the ledger');
    return { resumeFrom: cp ? cp.value.clock : null, lastRun: ctx.lastRun };
  }

  /** A new tick's buffer, in the configured commit mode. */
  private buffer(): TickBuffer {
    const { ctx } = this;
    return ctx.o.commit === 'per_event' ? new TickBuffer('per_event', eventWriter(ctx.o.ledger, ctx.reads)) : new TickBuffer('per_tick');
  }

  /** Commits the tick (tick-buffer.ts commitTick); with `tickAt`, as `job`'s run at that time. */
  private commit(job: string, buffer: TickBuffer, tickAt?: number, withEquity = false): TickSummary {
    if (tickAt !== undefined) this.ctx.lastRun = { ...this.ctx.lastRun, [job]: tickAt };
    const r = commitTick(this.commitDeps, buffer, withEquity);
    return { job, at: r.at, events: r.events };
  }

  // ------------------------------------------------------------------------------------------
  // Jobs
  // ------------------------------------------------------------------------------------------

  /** Scan, record, decide, gate, execute. */
  async scanTick(job = 'scan'): Promise<TickSummary> {
    const { ctx } = this;
    const at = ctx.o.clock.now();
    const buffer = this.buffer();
    // Funding first: it is owed on the holdings the ledger has at the start of the tick.
    await accrueFunding(ctx, buffer);
    const held = ctx.reads.openPositions();
    const scan = await this.scanHeld(held);
    if (ctx.o.alerts) recordScanBasis(ctx.basis, held, ctx.markets, scan);
    buffer.sink([scanRecord(scan, ctx.o.clock.now())]);
    flagUnreachable(ctx, scan, held, buffer);
    const rebalanced = new Set<string>();
    await resumeInterrupted(ctx, held, scan, buffer, rebalanced);
    await autoRebalance(ctx, scan, buffer, rebalanced);
    await decideAndExecute(this.trading, scan, buffer);
    return this.commit(job, buffer, at, equityDue(ctx));
  }

  /**
   * Between scans, after an interrupted open or close: a scan of the held markets only, then the
   * positions left mid-protocol are hedged, unwound or closed. No decision, no new position. Live
   * runs it until nothing is mid-protocol or live.legTimeoutMs has passed.
   */
  async recoverTick(job = 'recover'): Promise<TickSummary> {
    const { ctx } = this;
    const at = ctx.o.clock.now();
    const buffer = this.buffer();
    const held = ctx.reads.openPositions();
    const scan = await this.scanHeld(held);
    flagUnreachable(ctx, scan, held, buffer);
    await resumeInterrupted(ctx, held, scan, buffer, new Set());
    return this.commit(job, buffer, at);
  }

  /**
   * The kill switch: every held position closed on both legs (perp orders reduce-only) on a
   * fresh scan of its markets, whatever the trading state. The caller moves the trading state to
   * halted first, so no decision runs in between. `only`: just these positions (a manual close).
   */
  async flattenAll(reason: string, job = 'kill', only?: ReadonlySet<string>): Promise<TickSummary & FlattenReport> {
    const { ctx } = this;
    const at = ctx.o.clock.now();
    const buffer = this.buffer();
    const scan = await this.scanHeld(ctx.reads.openPositions());
    const report = await flattenAll(ctx, scan, buffer, reason, only);
    return { ...this.commit(job, buffer, at), ...report };
  }

  /** A scan with the held positions' books fetched whatever their rank, taken as the engine's last. */
  private async scanHeld(held: readonly PositionRow[]): Promise<ScanResult> {
    const { ctx } = this;
    const extra = new Map<VenueId, string[]>();
    for (const p of held) extra.set(p.venue, [...(extra.get(p.venue) ?? []), p.spotSymbol, p.perpSymbol]);
    const scan = await ctx.o.scanner.scan({ extraBooks: extra });
    ctx.last = scan;
    for (const [v, m] of scan.markets) ctx.markets.set(v, m);
    observe(ctx, scan.funding, scan.books);
    return scan;
  }

  /** Funding accrual, flags and the hourly equity snapshot; uses the last scan's data. */
  async monitorTick(job = 'monitor'): Promise<TickSummary> {
    const { ctx } = this;
    const at = ctx.o.clock.now();
    const buffer = this.buffer();
    const before = accrualMarker(ctx);
    await accrueFunding(ctx, buffer);
    // Alert decisions go to the alert tables (their own transaction) before the tick commits: a
    // tick killed in between is re-run at the same instant and finds the same alerts already
    // decided (no repeat); sending waits until after the commit.
    const recorded = this.alertChecks.due(at) ? this.alertChecks.recordAlerts(at) : 0;
    const withEquity = equityDue(ctx);
    // A tick that changed nothing writes nothing: on a restart the scheduler runs a missed
    // monitor tick at once, which then finds the same nothing to do.
    const summary = buffer.events.length === 0 && !withEquity && accrualMarker(ctx) === before ? { job, at, events: 0 } : this.commit(job, buffer, at, withEquity);
    if (recorded > 0) this.deliverAlerts();
    return summary;
  }

  /**
   * Tells the delivery worker the outbox has new messages, and returns at once: sending runs
   * beside the engine, never in its path (a dead sink costs a tick nothing). Never throws.
   */
  deliverAlerts(): void {
    this.alertChecks.deliver();
  }

  /** Shortly before a settlement: a fresh snapshot of the venues whose held perps settle soon. */
  async settlementCheck(job = 'settlement'): Promise<TickSummary> {
    const { ctx } = this;
    const at = ctx.o.clock.now();
    const venues = venuesSettlingSoon(ctx, at);
    const funding: FundingSnapshot[] = [];
    for (const a of ctx.o.scanner.adapters().filter((x) => venues.has(x.venue))) {
      try {
        const snap = await a.fetchSnapshot();
        funding.push(...snap.funding);
      } catch (e) {
        this.log.warn({ venue: a.venue, err: e instanceof Error ? e.message : String(e) }, 'pre-settlement snapshot failed; the last scan stands');
      }
    }
    if (funding.length > 0) observe(ctx, funding, ctx.last?.books ?? new Map());
    return this.commit(job, new TickBuffer('per_tick'), at);
  }

  /** When the pre-settlement check should next run, after `after`; null when nothing is held. */
  nextSettlementCheck(after: number): number | null {
    return nextSettlementCheck(this.ctx, after);
  }

  async dailySummary(job = 'daily'): Promise<TickSummary> {
    const at = this.ctx.o.clock.now();
    const summary = this.commit(job, new TickBuffer('per_tick'), at, true);
    logDailySummary(this.ctx, this.equity());
    return summary;
  }

  // ------------------------------------------------------------------------------------------
  // Reporting
  // ------------------------------------------------------------------------------------------

  /** P&L of every position the ledger has (closed ones included), marked at the last scan. */
  pnl(): { readonly positions: readonly PositionPnl[]; readonly totals: ReturnType<typeof totalPnl> } {
    return pnl(this.ctx);
  }

  equity(): EquitySnapshot {
    return equity(this.ctx);
  }

  lastScan(): ScanResult | null {
    return this.ctx.last;
  }
}

/** The scan's audit record: its top opportunities. */
function scanRecord(scan: ScanResult, ts: number): LedgerEvent {
  return {
    type: 'scan.recorded',
    ts,
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
  };
}
