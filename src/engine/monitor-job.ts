/**
 * The monitor job's evaluation: the engine's state (open positions from the ledger, markets, the
 * last scan, wallet balances, job stats) turned into the inputs of the pure checks in
 * src/monitor, and their answer in the alert manager's terms: what fires, which (kind, subject)
 * pairs were actually evaluated, and which subjects are gone.
 *
 * A subject without data this round (no scan yet, venue down, no mark, no book) is NOT listed as
 * checked: the manager would read that as "cleared" and resolve an alert nobody could re-check.
 */
import type { Alert, AlertKind, QuietKey } from '../domain/alert.js';
import type { FundingSnapshot, Market, OrderBook, VenueId } from '../domain/market.js';
import type { AlertKey } from '../alerts/manager.js';
import { midPrice } from '../pricing/depth.js';
import type { PositionRow } from '../store/rows.js';
import type { JobStats } from '../scheduler/job.js';
import { sinceFromFiring, type CheckContext } from '../monitor/alert-build.js';
import { checkBasis, recordBasis, basisSeriesKey, type BasisInput } from '../monitor/basis.js';
import { checkDrift, type DriftInput, type InverseExposure } from '../monitor/drift.js';
import { checkFunding, type FundingInput } from '../monitor/funding.js';
import { checkJobs, checkStaleData, checkVenues, type DataAge, type JobHealth } from '../monitor/health.js';
import { initialMargin, unrealisedPnl } from '../monitor/liquidation.js';
import { checkMargin, type MarginInput } from '../monitor/margin.js';
import type { SeriesHistory } from '../monitor/rolling-window.js';
import type { MonitorThresholds } from '../monitor/thresholds.js';
import { bookKey } from '../../strategies/spot-perp-carry/rank.js';
import type { ScanResult } from './scanner.js';

export interface MonitorState {
  readonly now: number;
  /** Non-final positions as the ledger has them. */
  readonly positions: readonly PositionRow[];
  readonly markets: ReadonlyMap<VenueId, readonly Market[]>;
  /** The last scan; null before the first one of this process. */
  readonly scan: ScanResult | null;
  /** Paper wallet balance of `currency` on `venue` (0 when none). */
  readonly walletBalance: (venue: VenueId, currency: string) => number;
  /**
   * When the held perp's funding data was last received, by any scan or check of this process
   * or before a restart (the engine's accrual observations); null = never.
   */
  readonly receivedAt: (p: PositionRow) => number | null;
  /** Alerts firing at the previous evaluation (the alert store's): episode starts and `gone`. */
  readonly previousFiring: readonly Alert[];
  readonly jobs: readonly JobHealth[];
  readonly perpLeverage: number;
  /** Live: the venue's liquidation price of a held perp (capital-view.ts); absent or null = the model. */
  readonly venueLiquidation?: VenueLiquidation;
}

/** The venue's own liquidation price of the perp held on `venue`, or null when it reports none. */
export type VenueLiquidation = (venue: VenueId, symbol: string) => number | null;

export interface MonitorResult {
  readonly firing: readonly Alert[];
  readonly checked: readonly AlertKey[];
  readonly gone: readonly string[];
  /** What the checks measured for the checked keys that are not firing (resolved messages say it). */
  readonly clear: readonly QuietKey[];
}

interface PositionData {
  readonly p: PositionRow;
  readonly markets: { readonly spot: Market; readonly perp: Market } | null;
  readonly funding: FundingSnapshot | null;
  readonly mark: number | null;
  readonly spotPrice: number | null;
  readonly perpPrice: number | null;
}

function positionData(p: PositionRow, markets: ReadonlyMap<VenueId, readonly Market[]>, scan: ScanResult | null): PositionData {
  const ms = markets.get(p.venue) ?? [];
  const spot = ms.find((m) => m.symbol === p.spotSymbol);
  const perp = ms.find((m) => m.symbol === p.perpSymbol);
  const books: ReadonlyMap<string, OrderBook> = scan?.books ?? new Map();
  const funding = scan?.funding.find((f) => f.venue === p.venue && f.symbol === p.perpSymbol) ?? null;
  const spotBook = books.get(bookKey(p.venue, p.spotSymbol));
  const perpBook = books.get(bookKey(p.venue, p.perpSymbol));
  const perpMid = perpBook ? midPrice(perpBook) : null;
  return {
    p,
    markets: spot && perp ? { spot, perp } : null,
    funding,
    mark: funding?.markPrice ?? perpMid,
    spotPrice: spotBook ? midPrice(spotBook) : null,
    perpPrice: funding?.markPrice ?? perpMid,
  };
}

/** The basis inputs of the held positions in `scan` (recorded at the scan, scored at the monitor). */
export function basisInputs(positions: readonly PositionRow[], markets: ReadonlyMap<VenueId, readonly Market[]>, scan: ScanResult): BasisInput[] {
  return positions.map((p) => {
    const d = positionData(p, markets, scan);
    return { position: p, spotPrice: d.spotPrice, perpPrice: d.perpPrice, markPrice: d.funding?.markPrice ?? null, indexPrice: d.funding?.indexPrice ?? null, nextFundingTime: d.funding?.nextFundingTime ?? null };
  });
}

/**
 * Adds the scan's basis measures to `history` at the scan's time and forgets closed positions'
 * series. Recorded at the scan, so several monitor ticks reading one scan add one point.
 */
export function recordScanBasis(history: SeriesHistory, positions: readonly PositionRow[], markets: ReadonlyMap<VenueId, readonly Market[]>, scan: ScanResult): void {
  recordBasis(basisInputs(positions, markets, scan), history, scan.at);
  history.retainOnly(positions.flatMap((p) => [basisSeriesKey(p.venue, p.perpSymbol, 'basis'), basisSeriesKey(p.venue, p.perpSymbol, 'markIndex')]));
}

/**
 * The drift check's inputs for `positions` (any state: the caller chooses which), from the scan's
 * marks and books. An inverse perp counted by 'coin' carries the coin the position holds: spot,
 * the perp's realised and unrealised coin P&L, coin funding (src/monitor/drift.ts); coin fees, a
 * few bps of notional, are left out. Counted per position, not from the wallet, so coin the user
 * already held is not hedged away. A position without markets, mark or (inverse, 'coin') entry
 * price is left out: not checkable. Shared by the monitor's alert and the engine's
 * auto-rebalance, so both act on the same numbers.
 */
export function driftInputs(
  positions: readonly PositionRow[],
  markets: ReadonlyMap<VenueId, readonly Market[]>,
  scan: ScanResult | null,
  inverseExposure: InverseExposure,
): DriftInput[] {
  const drift: DriftInput[] = [];
  for (const p of positions) {
    const d = positionData(p, markets, scan);
    if (d.markets === null || d.mark === null) continue;
    let collateral: DriftInput['collateral'] = null;
    if (p.settlement === 'inverse' && inverseExposure === 'coin') {
      if (p.perpEntryPrice === null && p.perpContracts !== 0) continue;
      const leg = { settlement: p.settlement, contracts: p.perpContracts, contractSize: p.contractSize };
      const upnl = p.perpContracts === 0 || p.perpEntryPrice === null ? 0 : unrealisedPnl(leg, p.perpEntryPrice, d.mark);
      collateral = { coin: p.spotQty + p.realisedPerp + p.funding + upnl, includesSpot: true };
    }
    drift.push({ position: p, markets: d.markets, mark: d.mark, spotPrice: d.spotPrice, collateral, nextFundingTime: d.funding?.nextFundingTime ?? null });
  }
  return drift;
}

/**
 * The margin check's inputs. Live, where the venue reports a liquidation price for the perp, that
 * is used as is (it knows the account's real margin, transfers included); otherwise the paper
 * model: a linear perp posts notional / leverage at entry, an inverse one the wallet's coin.
 * Positions without a perp, markets, mark or entry are left out. Shared by the monitor's alert
 * and the engine's risk exits (risk-exits.ts).
 */
export function marginInputs(
  positions: readonly PositionRow[],
  markets: ReadonlyMap<VenueId, readonly Market[]>,
  scan: ScanResult | null,
  walletBalance: (venue: VenueId, currency: string) => number,
  perpLeverage: number,
  venueLiquidation?: VenueLiquidation,
): MarginInput[] {
  const margin: MarginInput[] = [];
  for (const p of positions) {
    const d = positionData(p, markets, scan);
    if (p.perpContracts === 0 || d.markets === null || d.mark === null || p.perpEntryPrice === null) continue;
    const leg = { settlement: p.settlement, contracts: p.perpContracts, contractSize: p.contractSize };
    const venueLiq = venueLiquidation?.(p.venue, p.perpSymbol) ?? null;
    const collateral = p.settlement === 'linear' ? initialMargin(leg, p.perpEntryPrice, perpLeverage) : walletBalance(p.venue, p.settle);
    const source = venueLiq !== null ? ({ kind: 'venue', liquidationPrice: venueLiq } as const) : ({ kind: 'model', collateral, entryPrice: p.perpEntryPrice } as const);
    margin.push({ position: p, markets: d.markets, mark: d.mark, spotPrice: d.spotPrice, margin: source, nextFundingTime: d.funding?.nextFundingTime ?? null });
  }
  return margin;
}

/** Runs every check over `s` (module comment). `onInputError` hears of inputs a check could not read. */
export function runMonitorChecks(s: MonitorState, t: MonitorThresholds, history: SeriesHistory, onInputError: (subject: string, error: unknown) => void): MonitorResult {
  const errored = new Set<string>();
  // Each check's quiet reports, kept (like `checked`) only for subjects it could evaluate.
  let quiet: QuietKey[] = [];
  const ctx: CheckContext = {
    now: s.now,
    since: sinceFromFiring(s.previousFiring),
    onInputError: (subject, e) => {
      errored.add(subject);
      onInputError(subject, e);
    },
    onClear: (c) => quiet.push(c),
  };
  const firing: Alert[] = [];
  const checked: AlertKey[] = [];
  const clear: QuietKey[] = [];
  const mark = (kinds: readonly AlertKind[], subjects: readonly string[]) => {
    for (const subject of subjects) if (!errored.has(subject)) for (const kind of kinds) checked.push({ kind, subject });
    clear.push(...quiet.filter((c) => !errored.has(c.subject)));
    quiet = [];
  };
  const data = s.positions.map((p) => positionData(p, s.markets, s.scan));

  // Drift: inverse perps count the coin the position holds (spot, coin P&L, coin funding), or the spot alone ('legs').
  const drift = driftInputs(s.positions.filter((p) => p.state === 'open'), s.markets, s.scan, t.inverseExposure);
  errored.clear();
  firing.push(...checkDrift(drift, t.drift, ctx));
  mark(['delta_drift'], drift.map((i) => i.position.positionId));

  // Margin (paper model): linear posts notional / leverage at entry, inverse the wallet coin.
  const margin = marginInputs(s.positions, s.markets, s.scan, s.walletBalance, s.perpLeverage, s.venueLiquidation);
  errored.clear();
  firing.push(...checkMargin(margin, t.margin, ctx));
  mark(['margin'], margin.map((i) => i.position.positionId));

  // Funding: the interval baseline is the position's at entry (checkFunding's default).
  const funding: FundingInput[] = data.filter((d) => d.funding !== null && d.p.perpContracts !== 0).map((d) => ({ position: d.p, snapshot: d.funding }));
  errored.clear();
  firing.push(...checkFunding(funding, t.funding, ctx));
  mark(['funding_flip', 'funding_below_exit', 'interval_change'], funding.map((i) => i.position.positionId));

  // Basis: scored at the scan's time against the points strictly before it (recorded by the scan tick).
  if (s.scan !== null) {
    const inputs = basisInputs(s.positions, s.markets, s.scan).filter((i) => i.position.state === 'open' && ((i.spotPrice !== null && i.perpPrice !== null) || (i.markPrice !== null && i.indexPrice !== null)));
    errored.clear();
    for (const a of checkBasis(inputs, history, t.basis, { ...ctx, now: s.scan.at })) firing.push({ ...a, ts: s.now });
    mark(['basis'], inputs.map((i) => i.position.positionId));
  }

  // Health: per held perp, the age of its last funding data (known across a restart, before the
  // first scan); venues, from the last scan; scheduler jobs.
  const ages: DataAge[] = data.map((d) => ({ venue: d.p.venue, symbol: d.p.perpSymbol, positionId: d.p.positionId, receivedAt: latest(d.funding?.receivedAt ?? null, s.receivedAt(d.p)), positions: 1 }));
  errored.clear();
  firing.push(...checkStaleData(ages, t.health, ctx));
  mark(['stale_data'], ages.map((a) => a.positionId as string));
  if (s.scan !== null) {
    const byVenue = new Map<VenueId, number>();
    for (const p of s.positions) byVenue.set(p.venue, (byVenue.get(p.venue) ?? 0) + 1);
    errored.clear();
    firing.push(...checkVenues(s.scan.venues, byVenue, ctx));
    mark(['venue_down'], s.scan.venues.map((v) => v.venue));
  }
  errored.clear();
  firing.push(...checkJobs(s.jobs, t.health, ctx));
  mark(['missed_ticks'], s.jobs.map((j) => j.stats.name));

  // Positions that were alerted on and are no longer held: their episodes resolve.
  const held = new Set(s.positions.map((p) => p.positionId));
  const gone = [...new Set(s.previousFiring.map((a) => a.positionId).filter((id): id is string => id !== null && !held.has(id)))];
  return { firing, checked, gone, clear };
}

function latest(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

/** JobHealth from the scheduler's stats, with the previous evaluation's kept here between ticks. */
export class JobWatch {
  private previous = new Map<string, JobStats>();

  constructor(
    /** Nominal period of a job at a time (null: no fixed period). */
    private readonly periodOf: (job: string, at: number) => number | null,
    /** When the scheduler started (jobs that never ran are late from here). */
    private readonly since: number,
  ) {}

  health(stats: readonly JobStats[], now: number): JobHealth[] {
    const out = stats.map((st) => ({ stats: st, previous: this.previous.get(st.name) ?? null, periodMs: this.periodOf(st.name, now), scheduledSince: this.since }));
    this.previous = new Map(stats.map((st) => [st.name, st]));
    return out;
  }
}
