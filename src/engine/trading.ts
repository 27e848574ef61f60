/**
 * The scan tick's trading: venue-down flags, resuming positions a previous tick left
 * mid-protocol, the strategy's decision on this scan (with the risk exits measured on it), and
 * each action through the risk gate, sizing and the leg executor. Every step's record goes to the
 * tick's buffer.
 */
import type { Action } from '../domain/action.js';
import type { Market } from '../domain/market.js';
import type { Opportunity } from '../domain/opportunity.js';
import type { PositionSpec } from '../domain/position.js';
import { limitPriceFor, sizePosition } from '../pricing/sizing.js';
import type { PositionRow } from '../store/rows.js';
import { decide, type HeldPosition } from '../../strategies/spot-perp-carry/decide.js';
import { bookKey } from '../../strategies/spot-perp-carry/rank.js';
import type { CapitalView } from './capital-view.js';
import { errorMessage, executorDeps, logOutcome, marksFor, perpMark, positionMarkets, type EngineContext } from './engine-context.js';
import { seedAccrual } from './funding-tick.js';
import { closePosition, openPosition, resumeUnwind, type FlattenRequest } from './leg-executor.js';
import { specOf } from './ledger-reads.js';
import { assessRebalance, rebalance } from './rebalancing.js';
import { riskSignals } from './risk-exits.js';
import { denialRecord, gateClose, gateOpen, utcDayStart, type OpenChecks } from './risk-gate.js';
import { liquidation } from '../monitor/liquidation.js';
import { maintenanceMarginRateFor } from '../monitor/margin.js';
import type { ScanResult } from './scanner.js';
import type { TickBuffer } from './tick-buffer.js';

/** The engine's context plus the capital view it sizes and gates opens with. */
export interface TradingContext {
  readonly ctx: EngineContext;
  readonly capital: CapitalView;
}

/** A venue that did not answer this scan flags its positions (left as they are); one that answers again clears the flag. */
export function flagUnreachable(ctx: EngineContext, scan: ScanResult, held: readonly PositionRow[], buffer: TickBuffer): void {
  const down = new Map(scan.venues.filter((v) => v.status === 'error').map((v) => [v.venue, v.status === 'error' ? v.error.message : '']));
  const now = ctx.o.clock.now();
  for (const p of held) {
    const why = down.get(p.venue);
    if (why !== undefined && p.flag !== 'venue_unreachable') {
      buffer.sink([{ type: 'position.flagged', ts: now, positionId: p.positionId, flag: 'venue_unreachable', message: `${p.venue} did not answer: ${why}. Position left as it is.` }]);
      ctx.log.warn({ position: p.positionId, venue: p.venue, err: why }, 'venue unreachable: position left open and flagged');
    } else if (why === undefined && p.flag === 'venue_unreachable') {
      buffer.sink([{ type: 'position.flagged', ts: now, positionId: p.positionId, flag: null, message: `${p.venue} answers again` }]);
    }
  }
}

/** Positions a previous tick left mid-protocol (closing, unwinding, interrupted open or rebalance): retry. */
export async function resumeInterrupted(ctx: EngineContext, held: readonly PositionRow[], scan: ScanResult, buffer: TickBuffer, rebalanced: Set<string>): Promise<void> {
  for (const p of held) {
    if (p.state === 'open') continue;
    if (scan.venues.find((v) => v.venue === p.venue)?.status !== 'ok') continue;
    if (p.state === 'rebalancing') {
      // An interrupted correction: re-assessed on this tick's data, placed again if still due
      // (a new attempt: the ledger keeps the unanswered order), else straight back to open.
      const a = assessRebalance(ctx, p, scan);
      rebalanced.add(p.positionId);
      await rebalance(ctx, p, ctx.thresholds.autoRebalance && a !== null ? a.action : null, scan, buffer, a !== null ? `resume rebalancing: ${a.why}` : 'resume rebalancing');
      continue;
    }
    if (p.state === 'pending_open' && hedgedAlready(ctx, p)) {
      // Both legs filled before the interruption (the hedge's outcome learnt by settlement): it
      // is the position the strategy wanted; unwinding it would only pay a round trip.
      buffer.sink([{ type: 'position.transition', ts: ctx.o.clock.now(), positionId: p.positionId, from: 'pending_open', to: 'open', reason: `resume pending_open: both legs were filled (spot ${p.spotQty}, perp ${p.perpContracts} contracts), adopted as hedged` }]);
      ctx.log.info({ position: p.positionId }, 'interrupted open found hedged: adopted');
      continue;
    }
    const req = flattenRequest(ctx, p, scan, `resume ${p.state}`);
    if (!req) continue;
    const deps = executorDeps(ctx, buffer);
    const out = p.state === 'closing' ? await closePosition(deps, req) : await resumeUnwind(deps, req);
    logOutcome(ctx.log, 'resume', out);
  }
}

/**
 * A linear carry whose legs both hold and match to one perp lot in base (a spot fee taken in the
 * coin leaves less than that). Inverse perps and anything unmatched are unwound as before.
 */
function hedgedAlready(ctx: EngineContext, p: PositionRow): boolean {
  if (p.settlement !== 'linear' || p.spotQty === 0 || p.perpContracts === 0) return false;
  const perp = positionMarkets(ctx, p.venue, p.spotSymbol, p.perpSymbol)?.perp;
  if (!perp) return false;
  const perpBase = -p.perpContracts * p.contractSize;
  const lotBase = perp.amountUnit === 'contracts' ? perp.amountStep * p.contractSize : perp.amountStep;
  return Math.sign(perpBase) === Math.sign(p.spotQty) && Math.abs(perpBase - p.spotQty) < lotBase;
}

/** Free capital per venue with markets, as decide() reads it. */
function freeCapitalByVenue(t: TradingContext): Map<string, number> {
  const out = new Map<string, number>();
  for (const venue of t.ctx.markets.keys()) {
    const free = t.capital.free(venue);
    if (free !== undefined) out.set(venue, free);
  }
  return out;
}

/** The strategy's decision on this scan, its skips recorded when their reason changes, and its actions executed. */
export async function decideAndExecute(t: TradingContext, scan: ScanResult, buffer: TickBuffer): Promise<void> {
  const { ctx, capital } = t;
  const now = ctx.o.clock.now();
  // Positions as the ledger has them plus anything this tick already changed (resumes).
  const positions = ctx.reads.openPositions();
  const free = freeCapitalByVenue(t);
  const fundingOf = (p: PositionRow) => scan.funding.find((f) => f.venue === p.venue && f.symbol === p.perpSymbol) ?? null;
  // Risk exits (margin, liquidation, unrebalanceable drift) on this tick's data, after any rebalance.
  const risk = riskSignals(
    {
      positions,
      markets: ctx.markets,
      scan,
      walletBalance: (venue, currency) => capital.balance(venue, currency),
      perpLeverage: capital.perpLeverage,
      ...(capital.liquidationPrice ? { venueLiquidation: capital.liquidationPrice, topUp: ctx.o.config.live.autoTransfer } : {}),
    },
    ctx.thresholds,
    (position, e) => ctx.log.warn({ position, err: errorMessage(e) }, 'risk exits: position not assessable this tick'),
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
  const result = decide({ now, opportunities: scan.opportunities.slice(), positions: heldView, history: ctx.history, freeCapital: free, params: ctx.o.params });
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
    if (ctx.skipKeys.get(key) === reasonKey) continue;
    ctx.skipKeys.set(key, reasonKey);
    buffer.sink([{ type: 'decision', ts: now, venue: s.venue, symbol: s.symbol, action: 'skip', reason: s.reason }]);
  }
  for (const key of [...ctx.skipKeys.keys()]) if (!seen.has(key)) ctx.skipKeys.delete(key);
  for (const action of result.actions) await execute(t, action, scan, positions, buffer);
}

async function execute(t: TradingContext, action: Action, scan: ScanResult, positions: readonly PositionRow[], buffer: TickBuffer): Promise<void> {
  const { ctx, capital } = t;
  const now = ctx.o.clock.now();
  const deps = executorDeps(ctx, buffer);
  if (action.kind === 'close') {
    const p = positions.find((x) => x.positionId === action.positionId);
    if (!p) return;
    const gate = gateClose(ctx.tradingState);
    if (!gate.allow) {
      buffer.sink([{ type: 'decision', ts: now, venue: p.venue, symbol: p.perpSymbol, action: 'deny', ...denialRecord(gate) }]);
      return;
    }
    const req = flattenRequest(ctx, p, scan, `${action.exit}: ${action.reason}`);
    if (!req) return;
    buffer.sink([{ type: 'decision', ts: now, venue: p.venue, symbol: p.perpSymbol, action: 'close', reason: `${action.exit}: ${action.reason}` }]);
    const exit = { kind: action.exit, rule: action.exit === 'risk' ? action.risk : null, reason: action.reason };
    logOutcome(ctx.log, 'close', await closePosition(deps, { ...req, exit }));
    return;
  }
  const o = action.opportunity;
  const exposures = positions.map((p) => ({ venue: p.venue, notional: Math.abs(p.spotQty) * (marksFor(ctx, p).spot ?? p.spotEntryPrice ?? 0) }));
  const gate = gateOpen(ctx.tradingState, ctx.o.config.risk, o.venue, action.notional, exposures, openChecks(t, o, now));
  if (!gate.allow) {
    buffer.sink([{ type: 'decision', ts: now, venue: o.venue, symbol: o.perpSymbol, action: 'deny', ...denialRecord(gate) }]);
    ctx.log.warn({ venue: o.venue, symbol: o.perpSymbol, code: gate.code, limit: gate.limit, value: gate.value }, `open refused: ${gate.reason}`);
    return;
  }
  const markets = o.spotSymbol ? positionMarkets(ctx, o.venue, o.spotSymbol, o.perpSymbol) : null;
  const spotBook = o.spotSymbol ? scan.books.get(bookKey(o.venue, o.spotSymbol)) : undefined;
  const perpBook = scan.books.get(bookKey(o.venue, o.perpSymbol));
  if (!markets || !spotBook || !perpBook || !o.spotSymbol) {
    buffer.sink([{ type: 'decision', ts: now, venue: o.venue, symbol: o.perpSymbol, action: 'skip', reason: 'markets or books missing at execution' }]);
    return;
  }
  const sizing = sizePosition({
    direction: o.direction,
    spot: markets.spot,
    perp: markets.perp,
    spotBook,
    perpBook,
    bounds: {
      strategy: action.notional,
      rankerMax: o.maxNotional,
      freeCapital: capital.openable(o.venue, o.settlement),
      riskCap: gate.notional,
    },
    maxSlippageBps: ctx.o.params.maxSlippageBps,
  });
  if (sizing.kind === 'skip') {
    buffer.sink([{ type: 'decision', ts: now, venue: o.venue, symbol: o.perpSymbol, action: 'skip', reason: `sizing: ${sizing.reason}` }]);
    ctx.log.info({ venue: o.venue, symbol: o.perpSymbol, reason: sizing.reason }, 'open skipped at sizing');
    return;
  }
  const spec = specFor(ctx, o, markets);
  buffer.sink([{ type: 'decision', ts: now, venue: o.venue, symbol: o.perpSymbol, action: 'open', reason: action.reason }]);
  const out = await openPosition(deps, {
    spec,
    markets,
    sizing,
    reason: action.reason,
    entryRate: o.rate,
    entryNetApr: o.netApr,
    unwindSlippageBps: ctx.o.config.strategy.unwindSlippageBps,
  });
  logOutcome(ctx.log, 'open', out);
  if (out.holdings.perpContracts !== 0) seedAccrual(ctx, spec.positionId, o.venue, o.perpSymbol, scan, now);
}

/**
 * What the gate measures of an open beyond notional: the day's booked results (daily loss limit),
 * the perp's leverage and, for a short linear perp margined at that leverage, its distance to
 * liquidation at entry (the maintenance-margin model of monitor.margin). A carry short hedged by
 * the spot coin (inverse) is never liquidated by price and is not measured.
 */
function openChecks(t: TradingContext, o: Opportunity, now: number): OpenChecks {
  const { ctx, capital } = t;
  const leverage = capital.perpLeverage;
  const mmr = maintenanceMarginRateFor(ctx.thresholds.margin, o.venue);
  // Scale-free: a one-contract short at mark 1 with 1/leverage of margin.
  const liquidationDistance = o.settlement === 'linear' ? liquidation({ settlement: 'linear', contracts: o.direction === 'carry' ? -1 : 1, contractSize: 1 }, 1 / leverage, 1, mmr).distance : undefined;
  return {
    day: ctx.o.ledger.pnlSince(utcDayStart(now)),
    leverage,
    // A cap that leaves less than the smallest position the strategy opens refuses by name,
    // rather than letting sizing drop an order too small to matter.
    minNotional: ctx.o.params.minNotional,
    ...(liquidationDistance === undefined ? {} : { liquidationDistance }),
  };
}

function specFor(ctx: EngineContext, o: Opportunity, markets: { readonly spot: Market; readonly perp: Market }): PositionSpec {
  const { spot, perp } = markets;
  ctx.positionSeq++;
  const t = new Date(ctx.o.clock.now()).toISOString().replace(/[-:]/g, '').slice(0, 15);
  return {
    positionId: `P${String(ctx.positionSeq).padStart(4, '0')}-${o.venue}-${o.base}-${t}`,
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

/** A close or unwind of `p`'s whole holding at this scan's books, or null (logged) when it cannot be placed this tick. */
function flattenRequest(ctx: EngineContext, p: PositionRow, scan: ScanResult, reason: string): FlattenRequest | null {
  const markets = positionMarkets(ctx, p.venue, p.spotSymbol, p.perpSymbol);
  const spotBook = scan.books.get(bookKey(p.venue, p.spotSymbol));
  const perpBook = scan.books.get(bookKey(p.venue, p.perpSymbol));
  if (!markets || !spotBook || !perpBook) {
    ctx.log.warn({ position: p.positionId }, 'cannot act on position this tick: markets or books missing');
    return null;
  }
  const slip = ctx.o.params.maxSlippageBps;
  const spotLimit = limitPriceFor(markets.spot, spotBook, p.spotQty > 0 ? 'sell' : 'buy', slip);
  const perpLimit = limitPriceFor(markets.perp, perpBook, p.perpContracts > 0 ? 'sell' : 'buy', slip);
  if ('problem' in spotLimit || 'problem' in perpLimit) {
    ctx.log.warn({ position: p.positionId, spot: 'problem' in spotLimit ? spotLimit.problem : null, perp: 'problem' in perpLimit ? perpLimit.problem : null }, 'no usable book to close against');
    return null;
  }
  const attempt = 1 + new Set(ctx.o.ledger.orders(p.positionId).filter((o) => o.purpose === 'close' || o.purpose === 'unwind').map((o) => o.clientOrderId.split(':').pop())).size;
  return {
    spec: specOf(p),
    markets,
    state: p.state,
    holdings: { spotQty: p.spotQty, perpContracts: p.perpContracts },
    attempt,
    limits: { spot: spotLimit.limit, perp: perpLimit.limit },
    perpPrice: perpMark(p.venue, p.perpSymbol, scan.funding, scan.books) ?? perpLimit.mid,
    reason,
  };
}

export interface FlattenReport {
  /** Positions now flat (closed or unwound). */
  readonly flat: readonly string[];
  /** Positions still holding something, with why (no book, venue refused, partial fill). */
  readonly left: readonly { readonly positionId: string; readonly why: string }[];
}

/**
 * The kill switch's work: every held position closed on both legs, perp orders reduce-only,
 * whatever the trading state (the caller halts first, so nothing opens meanwhile). A position
 * that cannot be flattened this time is reported, never skipped silently: `carry kill` says so
 * and a second kill retries it.
 */
export async function flattenAll(ctx: EngineContext, scan: ScanResult, buffer: TickBuffer, reason: string, only?: ReadonlySet<string>): Promise<FlattenReport> {
  const flat: string[] = [];
  const left: { positionId: string; why: string }[] = [];
  for (const p of ctx.reads.openPositions()) {
    if (only && !only.has(p.positionId)) continue;
    if (scan.venues.find((v) => v.venue === p.venue)?.status !== 'ok') {
      left.push({ positionId: p.positionId, why: `${p.venue} did not answer` });
      continue;
    }
    const req = flattenRequest(ctx, p, scan, reason);
    if (!req) {
      left.push({ positionId: p.positionId, why: `no usable book on ${p.venue} for ${p.spotSymbol} / ${p.perpSymbol}` });
      continue;
    }
    const deps = executorDeps(ctx, buffer);
    buffer.sink([{ type: 'decision', ts: ctx.o.clock.now(), venue: p.venue, symbol: p.perpSymbol, action: 'close', reason }]);
    // An interrupted open is unwound (it never was a position); anything else is closed.
    const out =
      p.state === 'pending_open' || p.state === 'unwinding'
        ? await resumeUnwind(deps, req)
        : await closePosition(deps, { ...req, exit: { kind: 'manual', rule: null, reason } });
    logOutcome(ctx.log, 'flatten', out);
    // Closed (or failed, for an unwound open) is flat to the lot: a base-coin fee can leave dust under one lot.
    if (out.state === 'closed' || out.state === 'failed') flat.push(p.positionId);
    else left.push({ positionId: p.positionId, why: `still holds spot ${out.holdings.spotQty}, perp ${out.holdings.perpContracts} contracts` });
  }
  return { flat, left };
}
