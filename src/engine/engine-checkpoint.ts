/**
 * The engine's checkpoint: its derived working state, saved with every tick's commit (same
 * transaction) and restored at start, so a restarted run resumes every schedule, accrual and
 * history exactly where the last completed tick left them.
 */
import { CarryError } from '../domain/errors.js';
import { SeriesHistory } from '../monitor/rolling-window.js';
import { FundingHistory } from '../../strategies/spot-perp-carry/funding-history.js';
import { fundingHistoryCapacity } from '../../strategies/spot-perp-carry/params.js';
import { decodeHistory, decodeSeries, encodeHistory, encodeSeriesOf, type StoredHistory, type StoredSeries } from './checkpoint-codec.js';
import { marksFor, type AccrualState, type EngineContext } from './engine-context.js';

export const CHECKPOINT_KEY = 'engine';

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

export function checkpoint(ctx: EngineContext): EngineCheckpoint {
  return {
    v: 2,
    clock: ctx.o.clock.now(),
    lastRun: ctx.lastRun,
    history: encodeHistory(ctx.history.retained()),
    accrual: Object.fromEntries(ctx.accrual),
    lastEquityHour: ctx.lastEquityHour,
    skipKeys: Object.fromEntries(ctx.skipKeys),
    marks: markSnapshot(ctx),
    ...(ctx.o.alerts ? { basis: encodeSeriesOf(ctx.basis.eachSeries()) } : {}),
  };
}

function markSnapshot(ctx: EngineContext): Record<string, PositionMarkSnapshot> {
  const out: Record<string, PositionMarkSnapshot> = {};
  if (!ctx.last) return out;
  for (const p of ctx.reads.openPositions()) out[p.positionId] = { ...marksFor(ctx, p), at: ctx.last.at };
  return out;
}

/** Puts a stored checkpoint's state back into `ctx`. Throws (stop) on a version this carry cannot read. */
export function restoreCheckpoint(ctx: EngineContext, v: EngineCheckpoint): void {
  if (v.v !== 1 && v.v !== 2) {
    throw new CarryError('CARRY_STORE_INVALID', 'stop', `${ctx.o.ledger.path}: engine checkpoint version ${String(v.v)} is newer than this carry reads (1, 2): upgrade carry`);
  }
  ctx.history = FundingHistory.fromObservations(fundingHistoryCapacity(ctx.o.params), decodeHistory(v.history));
  ctx.accrual = new Map(Object.entries(v.accrual));
  ctx.lastRun = { ...v.lastRun };
  ctx.lastEquityHour = v.lastEquityHour;
  ctx.skipKeys = new Map(Object.entries(v.skipKeys ?? {}));
  ctx.basis = SeriesHistory.from(ctx.basis.windowMs, ctx.basis.maxPoints, decodeSeries(v.basis ?? []));
}
