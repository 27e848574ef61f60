/**
 * Composition of live trading: the same engine as paper, with ccxt execution and accounts on the
 * user's keys, the live ledger written through event by event, reconciliation before the first
 * order, the risk state from the ledger, and the control channel (`carry kill`, `carry resume`)
 * polled beside the jobs. Every job runs through one queue: two order flows never interleave.
 *
 * Used by `carry live` (the daemon), `carry kill` when no daemon runs (it opens the stack,
 * flattens and halts), and the tests against the loopback mock exchange.
 */
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import type { Alert } from '../domain/alert.js';
import { WallClock, type Clock } from '../domain/clock.js';
import { CarryError } from '../domain/errors.js';
import type { Market, VenueId } from '../domain/market.js';
import type { AccountPort, VenueBalance } from '../execution/account-port.js';
import { CcxtExecution, type CcxtExecutionVenue } from '../execution/ccxt-execution.js';
import { execQuirks, receiveWindowMs } from '../execution/ccxt-exec-quirks.js';
import { CarryEngine, type TickSummary } from '../engine/engine.js';
import type { FlattenReport } from '../engine/trading.js';
import { settleUnknownOrders, type SettlementReport } from '../engine/order-settlement.js';
import { reconciliationText } from '../engine/reconcile.js';
import { dayLoss, gateClose, utcDayStart } from '../engine/risk-gate.js';
import { riskStateEvent, riskTransition, triggersFor, type RiskStep, type RiskTrigger } from '../engine/risk-state.js';
import type { JobStats } from '../scheduler/job.js';
import { Ledger } from '../store/ledger.js';
import { moduleLogger, registerSecrets, type Logger } from '../util/log.js';
import { CcxtAccount } from '../venues/ccxt-account.js';
import { createCcxtExchange } from '../venues/ccxt-factory.js';
import { openAlerting, type Alerting } from './alerting.js';
import { carryVersion } from './context.js';
import { checkFundingNow, type FundingReport } from './live-funding.js';
import { checkKeys, collectSecrets, selectLiveVenues } from './live-preflight.js';
import { LiveCapital } from './live-capital.js';
import { AutoTransfers } from './live-transfers.js';
import { checkAtStart, unsettledOrders, type StartCheck } from './live-reconcile.js';
import { openMarketSource, type MarketSource } from './market-source.js';
import { scannerFor } from './scanner.js';
import { rankParamsFromConfig } from './strategy-params.js';

export interface LiveOptions {
  readonly config: Config;
  /** Only these configured venues (--venues). */
  readonly only?: readonly string[] | undefined;
  /** Each venue's test environment (venues.md §2). */
  readonly testnet?: boolean | undefined;
  readonly dbPath?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: Clock;
  readonly log?: Logger;
  /** Who is acting, for the risk record (`carry live`, `carry kill`). */
  readonly actor?: string;
}

export type LiveJob = 'scan' | 'monitor' | 'settlement' | 'daily' | 'control';

export interface LiveStack {
  readonly config: Config;
  readonly venues: readonly VenueId[];
  readonly closed: readonly { readonly venue: string; readonly since: string }[];
  readonly ledger: Ledger;
  readonly engine: CarryEngine;
  readonly execution: CcxtExecution;
  readonly accounts: ReadonlyMap<VenueId, AccountPort>;
  readonly capital: LiveCapital;
  readonly source: MarketSource;
  readonly alerting: Alerting;
  /** What the start-up check found (orders settled, reconciliation). */
  readonly startCheck: StartCheck;
  /** Runs one job through the queue (the scheduler and the tests call this). */
  run(job: LiveJob): Promise<void>;
  /** Halts, then flattens every position (both legs, perp reduce-only). */
  kill(reason: string): Promise<FlattenReport>;
  /** A human's decision: back to active (the only way out of halted). */
  resume(reason: string): RiskStep;
  /** Closes one position on both legs through the close gate; the outcome in words (`closed <id>`, or why not). */
  closePosition(positionId: string, reason: string): Promise<string>;
  /** Transfers live.autoTransfer made (or tried) since start. */
  readonly transfers: AutoTransfers;
  /** The last funding check (actual against expected). */
  lastFunding(): FundingReport | null;
  /** Where missed-tick alerts read the scheduler's stats (the daemon sets it). */
  useJobStats(stats: () => readonly JobStats[]): void;
  close(): Promise<void>;
}

function tradingStateAlert(to: 'reducing' | 'halted', trigger: RiskTrigger, reason: string, now: number): Alert {
  return {
    id: '',
    kind: 'trading_state',
    severity: to === 'halted' ? 'critical' : 'warning',
    subject: 'trading',
    positionId: null,
    venue: null,
    symbol: null,
    ts: now,
    status: 'firing',
    title: to === 'halted' ? 'carry live is HALTED: no orders until `carry resume`' : 'carry live is reducing: no new positions',
    message: `${trigger}: ${reason}`,
    actions: [],
    data: { state: to, trigger },
    nextFundingTime: null,
  };
}

/** Totals per venue and currency over every wallet: a new live ledger opens with what the account holds. */
function openingWallet(balances: ReadonlyMap<VenueId, readonly VenueBalance[]>): Map<VenueId, Record<string, number>> {
  const out = new Map<VenueId, Record<string, number>>();
  for (const [venue, list] of balances) {
    const sums: Record<string, number> = {};
    for (const b of list) sums[b.currency] = (sums[b.currency] ?? 0) + b.total;
    out.set(venue, sums);
  }
  return out;
}

/** Builds and checks everything; throws (naming venue and variable) before any order when a key is missing or refused. */
export async function openLive(opts: LiveOptions): Promise<LiveStack> {
  const { config } = opts;
  const env = opts.env ?? process.env;
  const clock = opts.clock ?? new WallClock();
  const log = opts.log ?? moduleLogger('live');
  const actor = opts.actor ?? `carry live (pid ${process.pid} on ${hostname()})`;
  const selection = selectLiveVenues(config, opts.only);
  const venues = selection.venues;

  // Keys: ccxt's own list of what each venue needs (OKX a passphrase too), all venues at once.
  const required = (venue: string) => {
    const probe = createCcxtExchange(venue, config.venues[venue] as Config['venues'][string], { testnet: opts.testnet === true });
    return probe.kind === 'open' ? (probe.exchange.requiredCredentials as Record<string, boolean>) : {};
  };
  const secrets = collectSecrets(venues, required, env);
  registerSecrets([...secrets.values()].flatMap((s) => [s.apiKey, s.secret, s.password]));

  const trading = new Map<VenueId, CcxtExecutionVenue>();
  const accounts = new Map<VenueId, AccountPort>();
  for (const venue of venues) {
    const vcfg = config.venues[venue] as Config['venues'][string];
    // ccxt's default leaky bucket makes every request wait for the previous one's cost (Binance:
    // 200-250 ms before a hedge leg, docs/benchmarks.md "Live orders"); its rolling window keeps
    // the per-minute cap without spacing requests, so the second leg follows the first at once.
    // The user's venues.<name>.options still win.
    const tradingCfg = { ...vcfg, options: { rateLimiterAlgorithm: 'rollingWindow', rollingWindowSize: 60_000, ...vcfg.options } };
    const created = createCcxtExchange(venue, tradingCfg, { secrets: secrets.get(venue) ?? {}, testnet: opts.testnet === true });
    if (created.kind !== 'open') continue; // closed venues were set aside by selectLiveVenues
    trading.set(venue, { exchange: created.exchange, profile: created.profile });
    accounts.set(venue, new CcxtAccount({ venue, exchange: created.exchange, clock, log: moduleLogger('account', { venue }) }));
  }
  const balances = await checkKeys(accounts);
  log.info({ venues, testnet: opts.testnet === true, closed: selection.closed }, 'keys accepted by every venue');

  // Market data stays keyless (as paper): the keyed instances only trade and read the account.
  const source = openMarketSource(config, { kind: 'live' }, { only: venues, testnet: opts.testnet, log: moduleLogger('venues') });
  const cleanup: (() => unknown)[] = [() => source.close()];
  const fail = async (e: unknown): Promise<never> => {
    for (const f of cleanup.reverse()) await f();
    throw e;
  };
  let ledger: Ledger;
  try {
    ledger = Ledger.open(opts.dbPath ?? config.store.livePath, { mode: 'live', carryVersion: carryVersion() });
    cleanup.push(() => ledger.close());
    ledger.acquireLease(process.pid, Date.now(), config.live.leaseStaleMs);
    cleanup.push(() => ledger.releaseLease(process.pid));
  } catch (e) {
    return fail(e);
  }
  let alerting: Alerting;
  try {
    alerting = openAlerting(config, ledger.path, 'live', log);
    cleanup.push(() => alerting.close());
  } catch (e) {
    return fail(e);
  }

  const execution = new CcxtExecution({
    venues: trading,
    clock,
    log: moduleLogger('execution'),
    recvWindowMs: config.live.recvWindowMs,
    orderTimeoutMs: config.live.orderTimeoutMs,
    knownLogicalIds: () => ledger.positions().flatMap((p) => ledger.orders(p.positionId).map((o) => o.clientOrderId)),
  });
  const scanner = scannerFor(config, source);
  let markets: ReadonlyMap<VenueId, readonly Market[]>;
  try {
    markets = await scanner.loadMarkets();
    const missing = venues.filter((v) => !markets.has(v));
    if (missing.length > 0) throw new CarryError('CARRY_VENUE_UNAVAILABLE', 'stop', `live trading cannot start: markets of ${missing.join(', ')} did not load (${missing.map((v) => scanner.marketErrors.get(v) ?? '?').join('; ')})`);
  } catch (e) {
    return fail(e);
  }
  const marketOf = (venue: VenueId, symbol: string): Market | null => markets.get(venue)?.find((m) => m.symbol === symbol) ?? null;

  // An order the venue has no record of is settled as never placed only once no venue would still
  // accept it: the window ccxt signs with (binance options.recvWindow 10 s) when longer than
  // live.recvWindowMs, as CcxtExecution.placeIoc already reads it (receiveWindowMs); none known →
  // never concluded. With live.recvWindowMs alone, a request signed for 10 s and delayed past 2 s
  // could execute after being booked unfilled: a lost fill and an unhedged leg (fault matrix review).
  const neverSeenAfterMs = Math.max(
    config.live.recvWindowMs,
    ...[...trading.values()].map((v) => receiveWindowMs(execQuirks(v.exchange.id), v.exchange, config.live.recvWindowMs) ?? Infinity),
  );

  // Before anything trades: orders with no known outcome are settled, then the ledger is graded.
  let startCheck: StartCheck;
  try {
    startCheck = await checkAtStart({ ledger, execution, accounts, clock, marketOf, neverSeenAfterMs });
  } catch (e) {
    return fail(e);
  }
  const text = reconciliationText(startCheck.reconciliation);
  if (startCheck.reconciliation.consistent) log.info({ settled: startCheck.settlement.settled.length }, text);
  else log.error({ findings: startCheck.reconciliation.findings.filter((f) => f.severity === 'halt') }, text);

  const capital = new LiveCapital(accounts, config.paper.perpLeverage, moduleLogger('capital'));
  for (const [venue, list] of balances) capital.set(venue, list);

  let jobStats: () => readonly JobStats[] = () => [];
  const engine = new CarryEngine({
    clock,
    scanner,
    execution,
    ledger,
    params: rankParamsFromConfig(config.scan, config.strategy),
    config,
    log: moduleLogger('engine'),
    tradingState: ledger.riskState(),
    alerts: alerting.engineAlerts(() => jobStats()),
    capital,
    commit: 'per_event',
    initialWallet: openingWallet(balances),
  });

  const applyRisk = (trigger: RiskTrigger, reason: string): RiskStep => {
    const step = riskTransition(ledger.riskStatus(), trigger);
    const ev = riskStateEvent(step, clock.now(), reason);
    if (ev) ledger.append([ev]);
    engine.tradingState = step.status.state;
    if (step.kind === 'moved') {
      log.warn({ from: step.from, to: step.to, trigger, reason }, `trading ${step.to}`);
      alerting.manager.record({ now: clock.now(), firing: step.to === 'active' ? [] : [tradingStateAlert(step.to, trigger, reason, clock.now())], checked: [{ kind: 'trading_state', subject: 'trading' }] });
      alerting.delivery.wake();
    }
    if (step.kind === 'illegal') log.warn({ trigger, reason: step.reason }, 'risk step refused');
    return step;
  };
  if (!startCheck.reconciliation.consistent) applyRisk('reconcile_mismatch', `${actor}: ${text}`);

  try {
    await engine.start();
  } catch (e) {
    return fail(e);
  }
  alerting.delivery.start();

  let lastFunding: FundingReport | null = null;
  const transfers = new AutoTransfers(accounts, moduleLogger('transfers'));

  /** Orders sent whose outcome is still unknown are asked for, written as learnt. */
  const settlePending = async (): Promise<SettlementReport | null> => {
    const open = unsettledOrders(ledger);
    if (open.length === 0) return null;
    const report = await settleUnknownOrders({ execution, clock, sink: (events) => ledger.append(events), marketOf, neverSeenAfterMs }, open);
    for (const p of report.pending) log.warn({ order: p.order.clientOrderId, why: p.why }, 'order outcome still unknown');
    return report;
  };

  const midProtocol = () => ledger.openPositions().some((p) => p.state !== 'open') || unsettledOrders(ledger).length > 0;

  /**
   * After a tick left a position mid-protocol (an open interrupted between legs): settle and
   * retry until nothing is mid-protocol or legTimeoutMs has passed, so an unhedged leg never
   * waits for the next scan. Past the timeout the position stays flagged and the next scan retries.
   */
  const recover = async (): Promise<void> => {
    const deadline = clock.now() + config.live.legTimeoutMs;
    while (midProtocol() && clock.now() < deadline) {
      await settlePending();
      if (!midProtocol()) break;
      // Never act on holdings while an order's outcome is unknown (order-settlement.ts): unwinding
      // leg one while the hedge order may still land would leave the hedge unhedged. Asked again
      // next turn; the scan after the deadline settles it first.
      if (unsettledOrders(ledger).length === 0) await engine.recoverTick();
      if (midProtocol()) await clock.sleep(Math.min(1_000, Math.max(0, deadline - clock.now())));
    }
    if (midProtocol()) log.error({ positions: ledger.openPositions().filter((p) => p.state !== 'open').map((p) => `${p.positionId} ${p.state}`) }, 'still mid-protocol after live.legTimeoutMs');
  };

  /** The day's loss against the limit: reducing while over it, back when the UTC day turns. */
  const checkDailyLoss = () => {
    const loss = dayLoss(ledger.pnlSince(utcDayStart(clock.now())));
    for (const t of triggersFor(ledger.riskStatus(), { daily_loss_limit: loss > config.risk.dailyLossLimit })) {
      applyRisk(t, t === 'daily_loss_limit' ? `day's loss ${loss.toFixed(2)} over risk.dailyLossLimit ${config.risk.dailyLossLimit}` : 'a new UTC day');
    }
  };

  /** A venue that did not answer the scan: no new positions anywhere until it answers again. */
  const checkVenues = () => {
    const down = (engine.lastScan()?.venues ?? []).filter((v) => v.status === 'error').map((v) => v.venue);
    for (const t of triggersFor(ledger.riskStatus(), { venue_unreachable: down.length > 0 })) {
      applyRisk(t, t === 'venue_unreachable' ? `${down.join(', ')} did not answer the scan` : 'every venue answers again');
    }
  };

  const handleControl = async (): Promise<void> => {
    for (const req of ledger.pendingControl()) {
      let outcome: string;
      try {
        if (req.kind === 'kill') {
          const r = await kill(`${req.requestedBy}: ${req.args.reason ?? 'carry kill'}`);
          outcome = r.left.length === 0 ? `halted; flat: ${r.flat.join(', ') || 'nothing was held'}` : `halted; NOT flat: ${r.left.map((l) => `${l.positionId} (${l.why})`).join('; ')}`;
        } else if (req.kind === 'resume') {
          const step = resume(`${req.requestedBy}: ${req.args.reason ?? 'carry resume'}`);
          outcome = step.kind === 'illegal' ? `refused: ${step.reason}` : `trading ${step.status.state}`;
        } else {
          outcome = await closeOne(req.args.positionId, `${req.requestedBy}: ${req.args.reason ?? 'close'}`);
        }
      } catch (e) {
        outcome = `failed: ${e instanceof Error ? e.message : String(e)}`;
      }
      ledger.markControlHandled(req.id, outcome, Date.now());
      log.warn({ request: req.id, kind: req.kind, outcome }, 'control request handled');
    }
  };

  const jobs: Record<LiveJob, () => Promise<unknown>> = {
    scan: async () => {
      await capital.refresh();
      await settlePending();
      checkDailyLoss();
      const r: TickSummary = await engine.scanTick('scan');
      checkVenues();
      if (midProtocol()) await recover();
      lastFunding = await checkFundingNow({ ledger, accounts, clock, tolerance: config.live.fundingTolerance, log, alerts: alerting.manager });
      alerting.delivery.wake();
      return r;
    },
    monitor: async () => {
      const r = await engine.monitorTick('monitor');
      if (config.live.autoTransfer) await transfers.run(alerting.store.firing().map((e) => e.alert));
      return r;
    },
    settlement: () => engine.settlementCheck('settlement'),
    daily: () => engine.dailySummary('daily'),
    control: handleControl,
  };
  // One queue for every job: the kill switch waits for the tick in flight, never races it.
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };
  const run = (job: LiveJob): Promise<void> => enqueue(jobs[job]).then(() => undefined);

  const kill = async (reason: string): Promise<FlattenReport> => {
    applyRisk('kill', reason);
    await settlePending();
    const r = await engine.flattenAll(reason);
    // A close interrupted between its legs (leg two refused, partly filled, or unanswered) leaves
    // leg one closed and leg two held: unhedged. Retried within live.legTimeoutMs as after a scan,
    // not left to the next scan (or, for `carry kill` with no daemon, to a human); the fault
    // matrix (test/live/fault-matrix.test.ts, close leg two) found it.
    if (midProtocol()) await recover();
    await settlePending();
    const now = new Map(ledger.positions().map((p) => [p.positionId, p]));
    // Closed (or failed: an unwound open) is flat to the lot; dust from a base-coin fee may stay.
    const isFlat = (id: string) => ((p) => p === undefined || p.state === 'closed' || p.state === 'failed')(now.get(id));
    return { flat: [...r.flat, ...r.left.filter((l) => isFlat(l.positionId)).map((l) => l.positionId)], left: r.left.filter((l) => !isFlat(l.positionId)) };
  };
  const resume = (reason: string): RiskStep => applyRisk('user_resume', reason);

  /** A manual close of one position, both legs, through the same gate as the strategy's closes. */
  const closeOne = async (positionId: string, reason: string): Promise<string> => {
    const p = ledger.position(positionId);
    if (!p || p.state === 'closed' || p.state === 'failed') return `refused: ${positionId} is not an open position`;
    const gate = gateClose(engine.tradingState);
    if (!gate.allow) return `refused: ${gate.reason} (carry kill flattens while halted)`;
    await settlePending();
    await engine.flattenAll(`manual: ${reason}`, 'close', new Set([positionId]));
    if (midProtocol()) await recover();
    const after = ledger.position(positionId);
    return after?.state === 'closed' || after?.state === 'failed' ? `closed ${positionId}` : `NOT closed: ${positionId} is ${after?.state ?? '?'} (${after?.flagMessage ?? 'retried at the next scan'})`;
  };

  const stack: LiveStack = {
    config,
    venues,
    closed: selection.closed,
    ledger,
    engine,
    execution,
    accounts,
    capital,
    source,
    alerting,
    startCheck,
    run,
    // Through the queue as well: a kill from the CLI in-process waits for the tick in flight.
    kill: (reason) => enqueue(() => kill(reason)),
    resume,
    closePosition: (positionId, reason) => enqueue(() => closeOne(positionId, reason)),
    transfers,
    lastFunding: () => lastFunding,
    useJobStats: (stats) => (jobStats = stats),
    close: async () => {
      await queue;
      for (const f of cleanup.reverse()) await f();
    },
  };
  return stack;
}

export { startLiveDaemon, type LiveDaemon } from './live-daemon.js';
