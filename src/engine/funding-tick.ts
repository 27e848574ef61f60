/**
 * Funding in the engine's ticks: what each scan and pre-settlement check observes (rates, next
 * settlement times, marks) is kept per held perp, and every scan and monitor tick books the
 * payments due since the last one (funding-accrual.ts does the math). A settlement whose rate
 * was not quoted fresh shortly before it waits for the venue's own history.
 */
import type { FundingSnapshot, OrderBook, VenueId } from '../domain/market.js';
import type { PositionRow } from '../store/rows.js';
import type { SettledFunding } from '../venues/port.js';
import { observationFromSnapshot } from '../../strategies/spot-perp-carry/funding-history.js';
import { perpMark, type AccrualState, type EngineContext } from './engine-context.js';
import { dueFunding, type FundingObservation as AccrualObservation, type MarkObservation } from './funding-accrual.js';
import { specOf } from './ledger-reads.js';
import type { ScanResult } from './scanner.js';
import type { TickBuffer } from './tick-buffer.js';

const HOUR_MS = 3_600_000;
/** How long a settlement whose rate is unconfirmed waits for the venue's history. */
const MAX_FUNDING_DEFER_MS = 24 * HOUR_MS;
const MAX_MARKS = 2_000;

/** Records a scan's (or a pre-settlement check's) funding in the strategy's history and in each held perp's accrual. */
export function observe(ctx: EngineContext, funding: readonly FundingSnapshot[], books: ReadonlyMap<string, OrderBook>): void {
  for (const f of funding) ctx.history.add(observationFromSnapshot(f));
  const held = ctx.reads.openPositions();
  for (const p of held) {
    const f = funding.find((x) => x.venue === p.venue && x.symbol === p.perpSymbol);
    const st = ctx.accrual.get(p.positionId) ?? { obs: [], marks: [], through: ctx.o.ledger.lastFundingSettlement(p.positionId) };
    let obs = st.obs;
    let marks = st.marks;
    if (f) {
      obs = [...obs, { rate: f.rate, nextFundingTime: f.nextFundingTime, markPrice: f.markPrice, intervalHours: f.intervalHours, receivedAt: f.receivedAt, ...(f.rateKind === 'last_settled' ? { rateKind: f.rateKind } : {}) }];
    }
    const mark = perpMark(p.venue, p.perpSymbol, funding, books);
    if (mark !== null) marks = [...marks, { at: ctx.o.clock.now(), price: mark }];
    ctx.accrual.set(p.positionId, { obs: prune(obs, st.through), marks: pruneMarks(marks, st.through), through: st.through });
  }
}

/**
 * Funding is owed from a new position's first perp fill: its accrual starts with the rate and
 * mark the opening scan saw, so the first stretch (continuous funding) and the next settlement
 * use them. `now`: when the open was decided.
 */
export function seedAccrual(ctx: EngineContext, positionId: string, venue: VenueId, perpSymbol: string, scan: Pick<ScanResult, 'funding' | 'books'>, now: number): void {
  const { funding, books } = scan;
  const f = funding.find((x) => x.venue === venue && x.symbol === perpSymbol);
  const mark = perpMark(venue, perpSymbol, funding, books);
  ctx.accrual.set(positionId, {
    obs: f ? [{ rate: f.rate, nextFundingTime: f.nextFundingTime, markPrice: f.markPrice, intervalHours: f.intervalHours, receivedAt: f.receivedAt, ...(f.rateKind === 'last_settled' ? { rateKind: f.rateKind } : {}) }] : [],
    marks: mark !== null ? [{ at: f?.receivedAt ?? now, price: mark }] : [],
    through: null,
  });
}

/**
 * A settlement's rate is the last one quoted before it, when that quote is fresh and a
 * prediction. When it is not (the venue was down, the pre-settlement check failed, or the quote
 * is 'last_settled': the previous settlement's rate), the venue's own history of
 * settled rates decides; if the venue cannot say yet, the booking waits (up to a day, then the
 * last quote is used and a decision says so). Returns the time to accrue up to.
 */
async function confirmSettledRates(
  ctx: EngineContext,
  p: PositionRow,
  st: AccrualState,
  now: number,
  buffer: TickBuffer,
  history: Map<string, Promise<readonly SettledFunding[] | null>>,
): Promise<{ readonly st: AccrualState; readonly until: number }> {
  if (p.continuousFunding) return { st, until: now };
  const freshMs = Math.max(120_000, 2 * ctx.o.config.jobs.settlementLeadSeconds * 1000);
  const latest = new Map<number, AccrualObservation>();
  for (const o of st.obs) {
    if (o.nextFundingTime === null || o.nextFundingTime > now || (st.through !== null && o.nextFundingTime <= st.through)) continue;
    const prev = latest.get(o.nextFundingTime);
    if (!prev || o.receivedAt >= prev.receivedAt) latest.set(o.nextFundingTime, o);
  }
  let obs = st.obs;
  let until = now;
  for (const [t, o] of [...latest.entries()].sort((a, b) => a[0] - b[0])) {
    // A fresh predicted quote is the rate that settles; a last-settled quote (a history or venue
    // that only publishes rates once they settle) never is, however fresh: the venue's history
    // confirms it, read at or after the settlement (now >= t), so nothing is known early.
    if (o.receivedAt >= t - freshMs && o.rateKind !== 'last_settled') continue;
    const key = `${p.venue}|${p.perpSymbol}`;
    let rows = history.get(key);
    if (!rows) {
      const adapter = ctx.o.scanner.adapters().find((a) => a.venue === p.venue);
      rows = adapter ? adapter.fetchFundingHistory(p.perpSymbol, t - o.intervalHours * HOUR_MS).catch(() => null) : Promise.resolve(null);
      history.set(key, rows);
    }
    const settled = (await rows)?.find((r) => Math.abs(r.settlementTime - t) < 60_000);
    if (settled) {
      obs = [...obs, { ...o, rate: settled.rate, markPrice: settled.markPrice ?? o.markPrice, receivedAt: t - 1, rateKind: 'predicted' }];
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

/** Books the funding every held perp owes up to now into the tick's buffer. */
export async function accrueFunding(ctx: EngineContext, buffer: TickBuffer): Promise<void> {
  const now = ctx.o.clock.now();
  const history = new Map<string, Promise<readonly SettledFunding[] | null>>();
  const open = ctx.reads.openPositions();
  const live = new Set(open.map((p) => p.positionId));
  // A position that went flat since the last accrual still owes the stretch from that accrual
  // to its closing fill (continuous funding runs until the perp is flat): booked once here,
  // from its fills, before its accrual state is forgotten below.
  const gone = [...ctx.accrual.keys()]
    .filter((id) => !live.has(id))
    .map((id) => ctx.o.ledger.position(id))
    .filter((p): p is PositionRow => p !== null);
  for (const p of [...open, ...gone]) {
    if (p.perpContracts === 0 && p.state !== 'closing' && live.has(p.positionId)) continue;
    const st0 = ctx.accrual.get(p.positionId);
    if (!st0) continue;
    const held = ctx.reads.heldOf(p.positionId);
    if (held.length === 0) continue;
    const { st, until } = await confirmSettledRates(ctx, p, st0, now, buffer, history);
    const r = dueFunding({ spec: specOf(p), held, observations: st.obs, marks: st.marks, paidThrough: st.through, now: until });
    for (const s of r.skipped) {
      buffer.sink([{ type: 'decision', ts: now, venue: p.venue, symbol: p.perpSymbol, action: 'skip', reason: `funding ${new Date(s.settlementTime).toISOString()}: ${s.reason}` }]);
    }
    // Booked now, even when the accrual stopped short of now waiting for a confirmation.
    if (r.payments.length > 0) buffer.sink(r.payments.map((x) => (x.ts === now ? x : { ...x, ts: now })));
    ctx.accrual.set(p.positionId, { ...st, through: r.through, obs: prune(st.obs, r.through), marks: pruneMarks(st.marks, r.through) });
  }
  // Forget accrual state of positions that are gone.
  for (const id of [...ctx.accrual.keys()]) if (!live.has(id)) ctx.accrual.delete(id);
}

/** Where every accrual stands: equal before and after a tick when it booked nothing. */
export function accrualMarker(ctx: EngineContext): string {
  let m = '';
  for (const [id, st] of ctx.accrual) m += `${id}:${st.through};`;
  return m;
}

/** Venues with a held perp settling within the pre-settlement lead after `at`. */
export function venuesSettlingSoon(ctx: EngineContext, at: number): Set<VenueId> {
  const lead = ctx.o.config.jobs.settlementLeadSeconds * 1000;
  const venues = new Set<VenueId>();
  for (const p of ctx.reads.openPositions()) {
    const t = nextSettlementOf(ctx, p);
    if (t !== null && t > at && t - at <= lead + 1000) venues.add(p.venue);
  }
  return venues;
}

/** When the pre-settlement check should next run, after `after`; null when nothing is held. */
export function nextSettlementCheck(ctx: EngineContext, after: number): number | null {
  const lead = ctx.o.config.jobs.settlementLeadSeconds * 1000;
  let best: number | null = null;
  for (const p of ctx.reads.openPositions()) {
    const t = nextSettlementOf(ctx, p);
    if (t === null) continue;
    const at = t - lead;
    if (at > after && (best === null || at < best)) best = at;
  }
  return best;
}

function nextSettlementOf(ctx: EngineContext, p: PositionRow): number | null {
  if (p.continuousFunding) return null;
  // From the checkpointed accrual observations, not the last scan: after a restart the
  // pre-settlement check must fire exactly when it would have without the restart.
  const obs = ctx.accrual.get(p.positionId)?.obs ?? [];
  let latest: AccrualObservation | undefined;
  for (const o of obs) if (!latest || o.receivedAt >= latest.receivedAt) latest = o;
  return latest?.nextFundingTime ?? null;
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

function pruneMarks(marks: readonly MarkObservation[], through: number | null): MarkObservation[] {
  if (through === null) return marks.slice(-MAX_MARKS);
  const after = marks.filter((m) => m.at > through);
  const before = marks.filter((m) => m.at <= through);
  const lastBefore = before[before.length - 1];
  return (lastBefore ? [lastBefore, ...after] : after).slice(-MAX_MARKS);
}
