/**
 * Entry and exit rules of the spot-perp carry strategy. Pure: same input, same output; no I/O,
 * no clock (time is `input.now`).
 *
 * Exits, per position in state 'open', first rule that applies (positions in any other state are
 * mid-transition and left alone):
 *   risk              a risk rule the engine measured (HeldPosition.risk: margin, liquidation,
 *                     drift that cannot be rebalanced) or input.halt. Never delayed.
 *   max_hold          now − openedAt >= maxHoldHours. Never delayed.
 *   -- minimum hold: nothing below fires before held >= max(minHoldHours, the perp's interval
 *      at entry; continuous funding counts its quoted 8h). A signal that would have fired
 *      inside it is noted, not acted on. --
 *   funding_negative  funding was against the position (carry: rate < 0, reverse: rate > 0) at
 *                     each of the last exitNegativeSettlements settlements, counting only
 *                     settlements the position was open for (settlementTime > openedAt), so a
 *                     position is never closed for funding it was not exposed to.
 *   rate_below_exit   the current rate as gross APR in the position's favour is below
 *                     exitRateBelow. Needs a funding snapshot no older than staleAfterMs; without
 *                     one the rule is not evaluated and a note says so. Hysteresis: params refuse
 *                     exitRateBelow >= entryMinNetApr, and every entry's gross APR is at least
 *                     entryMinNetApr (its net APR plus its round trip), so no rate level the
 *                     strategy would enter at is one it exits at.
 *     Both funding signals close only when the funding still expected over the planned hold
 *     does not pay for leaving (fractions of notional, like with like):
 *       remaining = max(0, holdHours − hours held)
 *       expected  = rate in the position's favour × remaining / intervalHours
 *       exit cost = spot taker + perp taker + exit slippage of both legs (exitCost(), this scan)
 *       close when expected < exit cost; keep (and note why) when expected >= exit cost.
 *     The rate is this scan's (fresh snapshot); for funding_negative without one, the last
 *     settled rate. Exit cost unknown: close only when expected <= 0 (staying earns nothing or
 *     pays), else keep and note it: a hedged position collecting funding is the safe side, and
 *     a close could not be priced (or placed) without the books anyway.
 *   better_opportunity see "Switch" below; also waits for the minimum hold.
 *
 * Entries, over status-'ok' opportunities, best net APR first (ties: larger |gross APR|, then
 * venue, perp symbol, direction, ascending), each either opened or skipped with one reason:
 *   net APR known and >= entryMinNetApr; reverse only if allowReverse; min(notional, max
 *   notional) >= minNotional; perp not already held; each of the last K observations strictly in
 *   the trade's favour (the engine adds this scan's snapshots to the history before decide());
 *   discrete funding only: next settlement known and more than noEntryBeforeSettlementMinutes
 *   away (nextFundingTime − now <= window is refused, so exactly at the boundary is refused);
 *   no other position on the same base on the venue; fewer than maxOpenPositions positions;
 *   free capital on the venue known. Notional = min(notional, opportunity max notional, free
 *   capital on the venue); below minNotional it is skipped. Each open consumes its notional from
 *   the venue's free capital for the rest of the pass.
 *
 * Switch: a candidate that passes every rule but is blocked by maxOpenPositions or by a position
 * on its base on its venue may replace a held position. Over the planned hold H = holdHours,
 * as APRs (fraction of notional × 8760 / H):
 *   gain = candidate net APR − held funding APR − held exit cost × 8760 / H
 * The candidate's net APR already pays its own round trip (entry + exit) over H. The held
 * position's exit cost is counted as a switch cost although staying would pay it too, later:
 * deliberately conservative, as paying it now is certain and staying can spread it over a longer
 * hold. Held funding APR = current rate in the position's favour × 24/interval × 365. Held exit
 * cost = spot taker + perp taker + exit slippage of both legs, read from this scan's opportunity
 * for the held perp (the mirror direction's entry slippage walks the same book sides as our exit).
 * The held position with the largest gain >= switchMinAprGain is closed (ties: positionId); when
 * the candidate's venue lacks free capital, only a position on that venue may be switched. A
 * position inside its minimum hold is never switched: its own entry estimate already priced its
 * round trip over holdHours, and leaving inside one funding interval pays that round trip for at
 * most one settlement.
 *
 * Halt (input.halt): every open position closes (risk, halt) and nothing opens.
 *
 * Closes and opens never share a slot in one pass: a position being closed (or closing) still
 * counts towards maxOpenPositions and holds its base until it is gone, so a close that fails can
 * never leave more than M positions. A switch therefore emits the close only; the candidate
 * enters on a later scan if it is still the best. Actions are ordered closes first.
 */
import { RISK_RULES, type Action, type RiskRule, type RiskSignal } from '../../src/domain/action.js';
import { CarryError } from '../../src/domain/errors.js';
import type { FundingSnapshot, SkippedItem, VenueId } from '../../src/domain/market.js';
import type { Direction, Opportunity } from '../../src/domain/opportunity.js';
import type { PositionState } from '../../src/domain/position.js';
import { HOURS_PER_YEAR } from '../../src/pricing/funding.js';
import type { FundingHistoryView } from './funding-history.js';
import { exitSettlementsK, fundingHistoryCapacity, type SpotPerpCarryParams } from './params.js';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface HeldPosition {
  readonly positionId: string;
  readonly venue: VenueId;
  readonly base: string;
  readonly perpSymbol: string;
  readonly direction: Direction;
  readonly state: PositionState;
  readonly openedAt: number;
  /** Funding interval of the perp at entry, hours (continuous funding: its quoted interval, 8h on Deribit). */
  readonly intervalHours: number;
  /** Net APR over holdHours the position was opened at (persisted with it); null for positions opened before it was recorded. */
  readonly entryNetApr: number | null;
  /** This scan's funding snapshot for the perp; null when the venue did not report it. */
  readonly funding: FundingSnapshot | null;
  /** Risk rules firing for it on this tick (the engine's measurements); empty = none. Any one closes it at once. */
  readonly risk: readonly RiskSignal[];
}

export interface DecideInput {
  readonly now: number;
  /** Ranked opportunities (rank.ts), any status: only 'ok' ones are entered; all are read for exit costs. */
  readonly opportunities: readonly Opportunity[];
  /** Positions not closed or failed (final ones passed anyway are ignored). */
  readonly positions: readonly HeldPosition[];
  readonly history: FundingHistoryView;
  /**
   * Capital available for new positions per venue, in notional terms (quote): an open of
   * notional N consumes N. A venue missing here gets no entries.
   */
  readonly freeCapital: ReadonlyMap<VenueId, number>;
  readonly params: SpotPerpCarryParams;
  /** Set (with why) to flatten everything: every open position closes as risk 'halt' and nothing opens. */
  readonly halt?: string | null;
}

/** A held position whose exit rules could not all be evaluated, and why. */
export interface HeldNote {
  readonly positionId: string;
  readonly venue: VenueId;
  readonly symbol: string;
  readonly note: string;
}

export interface DecideResult {
  /** Closes first (in positionId order), then opens (best first). */
  readonly actions: readonly Action[];
  /** Every status-'ok' opportunity not opened, with the rule that stopped it. */
  readonly skipped: readonly SkippedItem[];
  readonly notes: readonly HeldNote[];
}

/** Stable prefixes of skip reasons (reason = `${prefix}: ${details}`). */
export const SKIP = {
  netAprUnknown: 'net APR unknown',
  reverseNotAllowed: 'reverse carry not allowed',
  belowEntryApr: 'net APR below entry threshold',
  maxNotionalUnknown: 'max notional unknown',
  maxNotionalTooSmall: 'max notional below minimum notional',
  perpHeld: 'perp already held',
  historyShort: 'not enough funding observations',
  historyAgainst: 'funding not in favour at every recent observation',
  settlementUnknown: 'next settlement time unknown',
  settlementPassed: 'next settlement time not in the future',
  settlementWindow: 'too close to the next settlement',
  baseHeld: 'base already held on venue',
  maxPositions: 'max open positions reached',
  capitalUnknown: 'free capital unknown on venue',
  lowNotional: 'notional below minimum',
  switching: 'switching',
  halted: 'halted',
} as const;

export const NOTE = {
  fundingMissing: 'no funding snapshot for the held perp: rate exit not evaluated',
  fundingStale: 'funding snapshot stale: rate exit not evaluated',
  fundingInvalid: 'funding snapshot unusable: rate exit not evaluated',
  /** A funding signal inside the minimum hold: noted, not acted on. */
  minHold: 'inside the minimum hold, signal exit not taken',
  /** A funding signal whose position still expects more funding than leaving costs. */
  fundingCoversExit: 'funding left over the hold covers the exit cost, kept',
  /** A funding signal whose exit cost is unknown while funding is still in favour. */
  exitCostUnknown: 'exit cost unknown, kept while funding is in favour',
} as const;

const FINAL_STATES: ReadonlySet<PositionState> = new Set<PositionState>(['closed', 'failed']);

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function ratePct(r: number): string {
  return `${(r * 100).toFixed(4)}%`;
}

/** A fraction of notional over a hold, to 4 decimals of a percent (a few bps need them). */
function pct4(x: number): string {
  return `${(x * 100).toFixed(4)}%`;
}

function sign(d: Direction): 1 | -1 {
  return d === 'carry' ? 1 : -1;
}

function perpKey(venue: VenueId, symbol: string): string {
  return `${venue}|${symbol}`;
}

function baseKey(venue: VenueId, base: string): string {
  return `${venue}|${base}`;
}

type Close = Extract<Action, { kind: 'close' }>;

function withEntry(h: HeldPosition, reason: string): string {
  return h.entryNetApr === null ? reason : `${reason} (entered at net APR ${pct(h.entryNetApr)})`;
}

function close(h: HeldPosition, exit: Exclude<Close['exit'], 'risk'>, reason: string): Close {
  return { kind: 'close', positionId: h.positionId, exit, reason: withEntry(h, reason) };
}

function riskClose(h: HeldPosition, rule: RiskRule, detail: string): Close {
  return { kind: 'close', positionId: h.positionId, exit: 'risk', risk: rule, reason: withEntry(h, `${rule}: ${detail}`) };
}

/** Hours a position must be open before a signal exit: max(minHoldHours, its funding interval). */
export function minimumHoldHours(h: Pick<HeldPosition, 'intervalHours'>, p: SpotPerpCarryParams): number {
  const interval = Number.isFinite(h.intervalHours) && h.intervalHours > 0 ? h.intervalHours : 0;
  return Math.max(p.minHoldHours, interval);
}

/** The first risk rule firing (RISK_RULES order: the most severe first), or null. */
function riskExit(h: HeldPosition, halt: string | null): Close | null {
  if (halt !== null) return riskClose(h, 'halt', halt);
  let first: RiskSignal | null = null;
  for (const r of h.risk) if (first === null || RISK_RULES.indexOf(r.rule) < RISK_RULES.indexOf(first.rule)) first = r;
  return first === null ? null : riskClose(h, first.rule, first.detail);
}

/** The funding a position can still expect against what leaving costs (fractions of notional). */
export interface StayOrGo {
  /** Rate in the position's favour × remaining hours / interval. */
  readonly expected: number;
  readonly remainingHours: number;
  /** null = unknown. */
  readonly exitCost: number | null;
  /** true: the signal exit is taken. */
  readonly leave: boolean;
  readonly detail: string;
}

/**
 * The exit rule of the funding signals (file comment): leave when the funding expected over the
 * rest of the planned hold does not cover the exit cost. `favourRate` is the per-interval rate
 * signed in the position's favour.
 */
export function stayOrGo(favourRate: number, intervalHours: number, heldHours: number, exitCostFraction: number | null, holdHours: number): StayOrGo {
  const remainingHours = Math.max(0, holdHours - heldHours);
  const expected = (favourRate * remainingHours) / intervalHours;
  const funding = `funding left over the hold ${pct4(expected)} (${ratePct(favourRate)} × ${remainingHours.toFixed(1)}h / ${intervalHours}h)`;
  if (exitCostFraction === null) {
    const leave = expected <= 0;
    return { expected, remainingHours, exitCost: null, leave, detail: `${funding}, exit cost unknown` };
  }
  const leave = expected < exitCostFraction;
  return { expected, remainingHours, exitCost: exitCostFraction, leave, detail: `${funding} ${leave ? '<' : '>='} exit cost ${pct4(exitCostFraction)}` };
}

/** Gross APR of the held perp's current rate in the position's favour, or a note why not. */
function heldApr(h: HeldPosition, now: number, p: SpotPerpCarryParams): number | string {
  const f = h.funding;
  if (f === null) return NOTE.fundingMissing;
  if (f.venue !== h.venue || f.symbol !== h.perpSymbol) return `${NOTE.fundingInvalid} (snapshot is for ${f.venue} ${f.symbol})`;
  if (!Number.isFinite(f.rate) || !(Number.isFinite(f.intervalHours) && f.intervalHours > 0)) return NOTE.fundingInvalid;
  if (now - f.receivedAt > p.staleAfterMs) return `${NOTE.fundingStale} (${Math.round((now - f.receivedAt) / 1000)}s old)`;
  return sign(h.direction) * f.rate * (24 / f.intervalHours) * 365;
}

/** What the exit rules decided for one open position: a close, or notes on why it stays. */
interface ExitOutcome {
  readonly close: Close | null;
  readonly notes: readonly string[];
}

function exitRule(h: HeldPosition, apr: number | string, input: DecideInput, cost: number | null): ExitOutcome {
  const { now, params: p } = input;
  const risk = riskExit(h, input.halt ?? null);
  if (risk !== null) return { close: risk, notes: [] };
  const heldHours = (now - h.openedAt) / HOUR_MS;
  if (heldHours >= p.maxHoldHours) {
    return { close: close(h, 'max_hold', `held ${heldHours.toFixed(1)}h >= max hold ${p.maxHoldHours}h`), notes: [] };
  }

  // The funding signals, each with the per-interval rate in the position's favour it is judged on.
  const k = exitSettlementsK(p);
  const settled = input.history
    .lastSettledRates(h.venue, h.perpSymbol, k, now)
    .filter((s) => s.settlementTime > h.openedAt);
  const f = h.funding;
  const current = typeof apr === 'number' && f !== null ? { rate: sign(h.direction) * f.rate, interval: f.intervalHours } : null;
  let signal: { exit: 'funding_negative' | 'rate_below_exit'; reason: string; rate: number; interval: number } | null = null;
  if (settled.length === k && settled.every((s) => sign(h.direction) * s.rate < 0)) {
    const last = settled[settled.length - 1] as (typeof settled)[number];
    signal = {
      exit: 'funding_negative',
      reason: `funding against the position at the last ${k} settlements held: ${settled.map((s) => ratePct(s.rate)).join(', ')}`,
      rate: current?.rate ?? sign(h.direction) * last.rate,
      interval: current?.interval ?? h.intervalHours,
    };
  } else if (typeof apr === 'number' && current !== null && apr < p.exitRateBelow) {
    signal = {
      exit: 'rate_below_exit',
      reason: `funding APR in the position's favour ${pct(apr)} < exit threshold ${pct(p.exitRateBelow)}`,
      rate: current.rate,
      interval: current.interval,
    };
  }
  if (signal === null) return { close: null, notes: [] };

  const minHold = minimumHoldHours(h, p);
  if (heldHours < minHold) {
    return { close: null, notes: [`${NOTE.minHold}: ${signal.exit} (${signal.reason}) after ${heldHours.toFixed(1)}h of ${minHold}h`] };
  }
  const g = stayOrGo(signal.rate, signal.interval, heldHours, cost, p.holdHours);
  if (g.leave) return { close: close(h, signal.exit, `${signal.reason}; ${g.detail}`), notes: [] };
  const why = g.exitCost === null ? NOTE.exitCostUnknown : NOTE.fundingCoversExit;
  return { close: null, notes: [`${why}: ${signal.exit} (${signal.reason}); ${g.detail}`] };
}

/** Spot + perp taker fees and exit slippage as a fraction of notional, from this scan's opportunity. */
function exitCost(h: HeldPosition, o: Opportunity | undefined): number | null {
  if (o === undefined || o.spot === null || o.perp === null) return null;
  const same = o.direction === h.direction;
  const s = same ? o.spot.exitSlippageBps : o.spot.entrySlippageBps;
  const q = same ? o.perp.exitSlippageBps : o.perp.entrySlippageBps;
  if (s === null || q === null) return null;
  const cost = o.spot.takerFee + o.perp.takerFee + (s + q) / 10_000;
  return Number.isFinite(cost) ? cost : null;
}

function compareCandidates(a: Opportunity, b: Opportunity): number {
  const na = a.netApr ?? Number.NEGATIVE_INFINITY;
  const nb = b.netApr ?? Number.NEGATIVE_INFINITY;
  if (na !== nb) return na > nb ? -1 : 1;
  const ga = Math.abs(a.grossApr);
  const gb = Math.abs(b.grossApr);
  if (ga !== gb) return ga > gb ? -1 : 1;
  if (a.venue !== b.venue) return a.venue < b.venue ? -1 : 1;
  if (a.perpSymbol !== b.perpSymbol) return a.perpSymbol < b.perpSymbol ? -1 : 1;
  if (a.direction !== b.direction) return a.direction < b.direction ? -1 : 1;
  return 0;
}

/** First rule that is the candidate's own business (not slots or capital), or null. */
function intrinsicSkip(c: Opportunity, input: DecideInput, heldPerps: ReadonlySet<string>): string | null {
  const { now, params: p, history } = input;
  if (c.netApr === null || !Number.isFinite(c.netApr)) return SKIP.netAprUnknown;
  if (c.direction === 'reverse' && !p.allowReverse) {
    return `${SKIP.reverseNotAllowed}: allowReverse is false (borrow cost not known for certain)`;
  }
  if (c.netApr < p.entryMinNetApr) {
    return `${SKIP.belowEntryApr}: ${pct(c.netApr)} < ${pct(p.entryMinNetApr)} over ${p.holdHours}h`;
  }
  if (c.maxNotional === null || !Number.isFinite(c.maxNotional)) return SKIP.maxNotionalUnknown;
  if (Math.min(p.notional, c.maxNotional) < p.minNotional) {
    return `${SKIP.maxNotionalTooSmall}: ${Math.min(p.notional, c.maxNotional).toFixed(2)} < ${p.minNotional}`;
  }
  if (heldPerps.has(perpKey(c.venue, c.perpSymbol))) return SKIP.perpHeld;

  const k = p.positiveObservations;
  const obs = history.lastObservations(c.venue, c.perpSymbol, k);
  if (obs.length < k) return `${SKIP.historyShort}: ${obs.length} of ${k}`;
  if (!obs.every((o) => sign(c.direction) * o.rate > 0)) {
    return `${SKIP.historyAgainst}: last ${k} rates ${obs.map((o) => ratePct(o.rate)).join(', ')} (${c.direction})`;
  }

  if (!c.continuous) {
    if (c.nextFundingTime === null) return SKIP.settlementUnknown;
    const left = c.nextFundingTime - now;
    if (left < 0) return `${SKIP.settlementPassed}: ${Math.round(-left / 1000)}s ago`;
    const window = p.noEntryBeforeSettlementMinutes * MINUTE_MS;
    if (left <= window) {
      return `${SKIP.settlementWindow}: ${(left / MINUTE_MS).toFixed(1)} min left <= ${p.noEntryBeforeSettlementMinutes} min`;
    }
  }
  return null;
}

export function decide(input: DecideInput): DecideResult {
  const { now, params: p } = input;
  const need = fundingHistoryCapacity(p);
  if (input.history.capacity < need) {
    throw new CarryError(
      'CARRY_CONFIG_INVALID',
      'stop',
      `funding history keeps ${input.history.capacity} entries per perp but the strategy needs ${need} (positiveObservations / exitNegativeSettlements)`,
    );
  }

  const live = input.positions
    .filter((h) => !FINAL_STATES.has(h.state))
    .sort((a, b) => (a.positionId < b.positionId ? -1 : a.positionId > b.positionId ? 1 : 0));

  const oppByPerp = new Map<string, Opportunity>();
  for (const o of input.opportunities) {
    const k = perpKey(o.venue, o.perpSymbol);
    if (!oppByPerp.has(k)) oppByPerp.set(k, o);
  }

  const closes: Close[] = [];
  const opens: Action[] = [];
  const skipped: SkippedItem[] = [];
  const notes: HeldNote[] = [];
  const closing = new Set<string>();
  const aprOf = new Map<string, number>();

  const halt = input.halt ?? null;
  for (const h of live) {
    if (h.state !== 'open') continue;
    const apr = heldApr(h, now, p);
    if (typeof apr === 'number') aprOf.set(h.positionId, apr);
    const out = exitRule(h, apr, input, exitCost(h, oppByPerp.get(perpKey(h.venue, h.perpSymbol))));
    const note = (text: string): void => {
      notes.push({ positionId: h.positionId, venue: h.venue, symbol: h.perpSymbol, note: text });
    };
    if (out.close !== null) {
      closes.push(out.close);
      closing.add(h.positionId);
      continue;
    }
    if (typeof apr === 'string') note(apr);
    for (const n of out.notes) note(n);
  }

  let slots = live.length;
  const heldPerps = new Set(live.map((h) => perpKey(h.venue, h.perpSymbol)));
  /** Who holds each venue|base: a held position, or null for an open emitted in this pass. */
  const baseOwner = new Map<string, HeldPosition | null>();
  for (const h of live) if (!baseOwner.has(baseKey(h.venue, h.base))) baseOwner.set(baseKey(h.venue, h.base), h);
  const free = new Map(input.freeCapital);

  const candidates = input.opportunities.filter((o) => o.status === 'ok').sort(compareCandidates);
  for (const c of candidates) {
    const skip = (reason: string): void => {
      skipped.push({ venue: c.venue, symbol: c.perpSymbol, reason });
    };
    if (halt !== null) {
      skip(`${SKIP.halted}: ${halt}`);
      continue;
    }
    const own = intrinsicSkip(c, input, heldPerps);
    if (own !== null) {
      skip(own);
      continue;
    }
    const freeHere = free.get(c.venue);
    if (freeHere === undefined || !Number.isFinite(freeHere)) {
      skip(SKIP.capitalUnknown);
      continue;
    }
    const maxNotional = c.maxNotional as number; // checked in intrinsicSkip
    const notional = Math.min(p.notional, maxNotional, freeHere);
    const capitalOk = notional >= p.minNotional;

    const owner = baseOwner.get(baseKey(c.venue, c.base));
    const full = slots >= p.maxOpenPositions;
    if (owner !== undefined || full) {
      const blocked =
        owner !== undefined
          ? `${SKIP.baseHeld}: ${owner === null ? 'opened in this pass' : `position ${owner.positionId}`}`
          : `${SKIP.maxPositions}: ${slots} of ${p.maxOpenPositions}`;
      // Only the base's owner can unblock a base conflict; an open from this pass cannot be switched.
      const sources = owner === null ? [] : owner !== undefined ? [owner] : live;
      const why: string[] = [];
      let best: { h: HeldPosition; gain: number; detail: string } | null = null;
      for (const h of sources) {
        if (h.state !== 'open' || closing.has(h.positionId)) continue;
        if (!capitalOk && h.venue !== c.venue) continue;
        const heldHours = (now - h.openedAt) / HOUR_MS;
        const minHold = minimumHoldHours(h, p);
        if (heldHours < minHold) {
          why.push(`${h.positionId} inside its minimum hold (${heldHours.toFixed(1)}h of ${minHold}h)`);
          continue;
        }
        const apr = aprOf.get(h.positionId);
        if (apr === undefined) {
          why.push(`${h.positionId} current funding unknown`);
          continue;
        }
        const cost = exitCost(h, oppByPerp.get(perpKey(h.venue, h.perpSymbol)));
        if (cost === null) {
          why.push(`${h.positionId} exit cost unknown`);
          continue;
        }
        const costApr = (cost * HOURS_PER_YEAR) / p.holdHours;
        const gain = (c.netApr as number) - apr - costApr;
        const detail =
          `net APR ${pct(c.netApr as number)} − held funding APR ${pct(apr)} − exit cost ${pct(cost)} over ${p.holdHours}h ` +
          `(${pct(costApr)} APR) = ${pct(gain)}`;
        if (gain < p.switchMinAprGain) why.push(`${h.positionId} gain ${pct(gain)} < ${pct(p.switchMinAprGain)}`);
        else if (best === null || gain > best.gain) best = { h, gain, detail };
      }
      if (best === null) {
        if (!capitalOk && owner !== null) {
          why.push(`free capital on ${c.venue} ${freeHere.toFixed(2)} < ${p.minNotional}: only a position on ${c.venue} could make room`);
        }
        skip(why.length === 0 ? blocked : `${blocked}; no switch: ${why.join('; ')}`);
        continue;
      }
      closing.add(best.h.positionId);
      closes.push(
        close(
          best.h,
          'better_opportunity',
          `switch to ${c.venue} ${c.perpSymbol} (${c.direction}): ${best.detail} >= ${pct(p.switchMinAprGain)}`,
        ),
      );
      skip(`${SKIP.switching}: closing ${best.h.positionId} for it (${blocked}); can enter once that close is done`);
      continue;
    }

    if (!capitalOk) {
      skip(`${SKIP.lowNotional}: ${notional.toFixed(2)} < ${p.minNotional} (free capital on ${c.venue} ${freeHere.toFixed(2)})`);
      continue;
    }
    const limit = notional === p.notional ? 'target' : notional === maxNotional ? 'max notional within slippage cap' : 'free capital';
    opens.push({
      kind: 'open',
      opportunity: c,
      notional,
      reason:
        `net APR ${pct(c.netApr as number)} over ${p.holdHours}h >= ${pct(p.entryMinNetApr)}; ` +
        `funding in favour at the last ${p.positiveObservations} observations; notional ${notional.toFixed(2)} (${limit})`,
    });
    slots++;
    heldPerps.add(perpKey(c.venue, c.perpSymbol));
    baseOwner.set(baseKey(c.venue, c.base), null);
    free.set(c.venue, freeHere - notional);
  }

  closes.sort((a, b) => (a.positionId < b.positionId ? -1 : a.positionId > b.positionId ? 1 : 0));
  return { actions: [...closes, ...opens], skipped, notes };
}
