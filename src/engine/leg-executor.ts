/**
 * The two-leg protocols: open a spot-perp position, close it, and take a failed open back off,
 * through the ExecutionPort, writing every step to the ledger's sink as it happens so that a crash
 * mid-trade leaves the truth in the store. Quantities are always what filled, never what was
 * asked for.
 *
 * Which leg goes first (open and close alike): the leg with the coarser lot in base terms (Bybit
 * BTC: the perp, 0.001 BTC, against the spot's 0.000001). The second leg hedges what the first
 * FILLED, rounded to its own lot; with the finer lot second, that rounding leaves less than one
 * fine lot of residual, while the other order could leave up to a coarse lot, or force an unwind
 * of the excess. On equal lots the thinner book goes first (sizing's depth within the limit when
 * known, else the spot, usually the thinner of the two): the leg less sure to fill goes first and
 * the likelier one hedges whatever it got.
 *
 * OPEN (state pending_open, implicit at position.created):
 *   leg one IOC for the sized amount at its limit (the worst price the slippage cap allows);
 *   nothing filled → failed. Leg two IOC for leg one's filled base, rounded to its lot; if that is
 *   below leg two's minimum, or leg two fills nothing → unwinding: every filled leg is taken back
 *   off (reduce-only, limit = its average fill ∓ unwindSlippageBps) → failed, the cost being in
 *   the fills (fees + spread + slippage). Leg two partial → leg one keeps the amount matching
 *   leg two's fill and the excess is unwound → open, matched within a lot (an excess below the
 *   venue minimum, or one the unwind could not fully take off, stays as residual delta, flagged);
 *   if the kept legs would be below a minimum (too small to ever close), everything is unwound
 *   instead.
 * CLOSE (open | rebalancing → closing): both legs reduce-only, leg one first for its whole
 *   holding, then leg two for what brings it back in line with what leg one still holds (all of
 *   it when leg one is flat). Both flat → closed. Otherwise the position stays closing, flagged,
 *   and the next tick runs CLOSE again with attempt + 1.
 * UNWIND retry (unwinding, or pending_open after an interrupted open): the same as CLOSE with
 *   purpose 'unwind', ending in failed.
 * REBALANCE (open → rebalancing → open): one IOC for the drift check's corrective order,
 *   reduce-only when it takes part of a leg off; see rebalancePosition.
 *
 * Holdings are taken off in whole lots only: a fraction of a lot (dust) is never rounded away or
 * over-sold; it keeps the position from counting as flat, and the flag says what is left.
 *
 * Nothing is ever recorded as done that did not fill: an unwind or close that cannot complete
 * leaves the position where it is and flagged (position.flagged), never silently half-closed.
 * A venue that stops answering (the port throws a CarryError) stops the protocol: the position
 * stays in its state, flagged 'venue_unreachable', and the order keeps its order.submitted with
 * no order.done, because its outcome is unknown until a retry with the same client id (the port
 * is idempotent on it) or reconciliation says.
 *
 * Client order ids are `${positionId}:${purpose}:${leg}:${attempt}`: a protocol run places at
 * most one order per (purpose, leg), and `attempt` numbers the runs (1 for the open; CLOSE and
 * UNWIND retries pass 1 + the runs before), so a rerun after a crash reuses the same ids.
 * The ledger's orderId for an order is its clientOrderId: it is known before the order is sent,
 * so order.submitted can be written first.
 */
import type { ExitRecord } from '../domain/action.js';
import type { CorrectiveAction } from '../domain/alert.js';
import type { Clock } from '../domain/clock.js';
import { CarryError, isCarryError } from '../domain/errors.js';
import type { LedgerEvent, OrderFilled } from '../domain/events.js';
import type { Market } from '../domain/market.js';
import type { LegKind, OrderPurpose, OrderSide, PositionHoldings, PositionSpec, PositionState } from '../domain/position.js';
import type { ExecutionPort, OrderResult } from '../execution/port.js';
import { fromSteps, isOnStep, minimumProblem, roundLimitPrice, roundToStep, stepsIn } from '../pricing/lots.js';
import type { Sizing } from '../pricing/sizing.js';
import { amountModel, amountToBase, amountToQuote, baseToAmount } from '../pricing/units.js';
import { transition } from './position-state.js';

export type EventSink = (events: readonly LedgerEvent[]) => void;

export interface LegExecutorDeps {
  readonly execution: ExecutionPort;
  readonly clock: Clock;
  /** The ledger's append: each call is one transaction. */
  readonly sink: EventSink;
}

export interface PositionMarkets {
  readonly spot: Market;
  readonly perp: Market;
}

export type SizedPosition = Extract<Sizing, { kind: 'sized' }>;

export interface OpenRequest {
  readonly spec: PositionSpec;
  readonly markets: PositionMarkets;
  readonly sizing: SizedPosition;
  /** Why the strategy opened it, for the audit trail. */
  readonly reason: string;
  readonly entryRate: number;
  /** The strategy's net APR estimate at entry, recorded with the position for the exit rules. */
  readonly entryNetApr?: number | null;
  /** Worst price accepted when unwinding a leg, in bps from that leg's average fill. */
  readonly unwindSlippageBps: number;
}

export interface FlattenRequest {
  readonly spec: PositionSpec;
  readonly markets: PositionMarkets;
  /** The position's state now (from the ledger). */
  readonly state: PositionState;
  /** What the ledger says the legs hold. */
  readonly holdings: PositionHoldings;
  /** 1 + the number of earlier runs of this protocol for the position. */
  readonly attempt: number;
  /** IOC limits of the reducing orders, on the tick (sizing.ts limitPriceFor on the current books). */
  readonly limits: { readonly spot: number; readonly perp: number };
  /** Perp mark or mid now: converts an inverse perp's USD amount to base when matching the legs. */
  readonly perpPrice: number;
  readonly reason: string;
  /** CLOSE: why, as codes, written on the transition to closing (positions.exit_kind). */
  readonly exit?: ExitRecord;
}

export interface ExecutionOutcome {
  readonly positionId: string;
  /** Where the position ended this run. */
  readonly state: PositionState;
  /** Holdings after this run, from the fills. */
  readonly holdings: PositionHoldings;
  /** The flag raised in this run (position.flagged), or null. */
  readonly flag: string | null;
  /** The venue stopped answering mid-run: the last order's outcome is unknown. */
  readonly interrupted: CarryError | null;
  /** Everything this run wrote to the sink, in order. */
  readonly events: readonly LedgerEvent[];
}

export const FLAGS = {
  venueUnreachable: 'venue_unreachable',
  unwindIncomplete: 'unwind_incomplete',
  closeIncomplete: 'close_incomplete',
  residualDelta: 'residual_delta',
  rebalanceUnfilled: 'rebalance_unfilled',
} as const;

export function clientOrderId(positionId: string, purpose: OrderPurpose, leg: LegKind, attempt: number): string {
  return `${positionId}:${purpose}:${leg}:${attempt}`;
}

/** Base quantity of one lot of `market` (the perp's at `perpPrice` when inverse). */
export function lotBase(market: Market, perpPrice: number): number {
  return amountToBase(amountModel(market), market.amountStep, perpPrice);
}

/** The leg that goes first: coarser lot in base, then the thinner book (file comment). */
export function firstLeg(
  markets: PositionMarkets,
  perpPrice: number,
  availableBase?: { readonly spot: number; readonly perp: number },
): LegKind {
  const s = lotBase(markets.spot, perpPrice);
  const p = lotBase(markets.perp, perpPrice);
  if (Math.abs(s - p) > 1e-12 * Math.max(s, p)) return p > s ? 'perp' : 'spot';
  if (availableBase !== undefined && availableBase.perp < availableBase.spot) return 'perp';
  return 'spot';
}

const other = (leg: LegKind): LegKind => (leg === 'spot' ? 'perp' : 'spot');
const opposite = (side: OrderSide): OrderSide => (side === 'buy' ? 'sell' : 'buy');

/** One protocol run: its position's state, holdings and the events it wrote. */
class Run {
  state: PositionState;
  /** Signed holdings in each market's ccxt amount unit (long > 0). */
  readonly held: Record<LegKind, number>;
  readonly events: LedgerEvent[] = [];
  flag: string | null = null;
  interrupted: CarryError | null = null;
  /** Average fill price per leg in this run, for unwind limits and inverse conversions. */
  readonly avg: Partial<Record<LegKind, number>> = {};

  constructor(
    private readonly deps: LegExecutorDeps,
    readonly spec: PositionSpec,
    readonly markets: PositionMarkets,
    state: PositionState,
    holdings: PositionHoldings,
    readonly attempt: number,
  ) {
    if (!(Number.isInteger(attempt) && attempt >= 1)) throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
    checkMarkets(spec, markets);
    this.state = state;
    const perp = markets.perp;
    const k = amountModel(perp).k;
    this.held = {
      spot: onLot(holdings.spotQty, markets.spot.amountStep),
      // contracts × cs / k: 'contracts' units (k = cs) are contracts; Deribit's USD amount is contracts × 10.
      perp: onLot((holdings.perpContracts * perp.contractSize) / k, perp.amountStep),
    };
  }

  market(leg: LegKind): Market {
    return this.markets[leg];
  }

  emit(...events: LedgerEvent[]): void {
    this.deps.sink(events);
    this.events.push(...events);
  }

  move(to: PositionState, reason: string, exit?: ExitRecord): void {
    const from = this.state;
    this.state = transition(from, to, this.spec.positionId);
    this.emit({ type: 'position.transition', ts: this.deps.clock.now(), positionId: this.spec.positionId, from, to, reason, ...(exit ? { exit } : {}) });
  }

  raise(flag: string, message: string): void {
    this.flag = flag;
    this.emit({ type: 'position.flagged', ts: this.deps.clock.now(), positionId: this.spec.positionId, flag, message });
  }

  holdings(): PositionHoldings {
    const perp = this.markets.perp;
    const contracts = (this.held.perp * amountModel(perp).k) / perp.contractSize;
    return { spotQty: this.held.spot, perpContracts: contracts === 0 ? 0 : contracts };
  }

  /**
   * No whole lot left on either leg. Venues trade whole lots, so a fraction of a lot can only be
   * what a fee charged in the base coin took off a spot fill (Binance without BNB): dust no order
   * can sell. It stays in the ledger's holdings (and the wallet) and does not keep a position open.
   */
  flat(): boolean {
    return wholeLots(this.held.spot, this.markets.spot.amountStep) === 0 && wholeLots(this.held.perp, this.markets.perp.amountStep) === 0;
  }

  /** What a flat position still holds below one lot, for the record ('' when nothing). */
  dust(): string {
    const s = this.held.spot;
    return s === 0 ? '' : `; ${Number(s.toPrecision(10))} ${this.spec.base} of base-coin fee dust left (below the ${this.markets.spot.amountStep} lot)`;
  }

  /**
   * One IOC: order.submitted first, then its fills and order.done in one write. Returns null when
   * the venue stopped answering (flagged; the run must stop).
   */
  async place(leg: LegKind, side: OrderSide, purpose: OrderPurpose, amount: number, limitPrice: number, reduceOnlyOverride?: boolean): Promise<OrderResult | null> {
    const market = this.market(leg);
    const id = clientOrderId(this.spec.positionId, purpose, leg, this.attempt);
    const reduceOnly = reduceOnlyOverride ?? (purpose === 'unwind' || purpose === 'close');
    const base = { positionId: this.spec.positionId, venue: this.spec.venue };
    this.emit({
      type: 'order.submitted',
      ts: this.deps.clock.now(),
      orderId: id,
      clientOrderId: id,
      ...base,
      leg,
      symbol: market.symbol,
      side,
      purpose,
      amount,
      limitPrice,
      reduceOnly,
    });
    let result: OrderResult;
    try {
      result = await this.deps.execution.placeIoc({ clientOrderId: id, venue: this.spec.venue, market, side, amount, limitPrice, reduceOnly });
    } catch (e) {
      if (!isCarryError(e)) throw e;
      this.interrupted = e;
      this.raise(
        FLAGS.venueUnreachable,
        `${purpose} ${side} ${amount} ${market.symbol} (${id}): the venue did not answer (${e.code}: ${e.message}); ` +
          `its outcome is unknown until retried with the same client id or reconciled`,
      );
      return null;
    }
    const fills: OrderFilled[] = result.fills.map((f, i) => fillEvent(market, leg, side, id, i, f, base));
    const signed = side === 'buy' ? result.filledAmount : -result.filledAmount;
    this.held[leg] = onLot(this.held[leg] + signed, market.amountStep);
    if (result.avgPrice !== null) this.avg[leg] = result.avgPrice;
    this.emit(...fills, {
      type: 'order.done',
      ts: result.ts,
      orderId: id,
      positionId: this.spec.positionId,
      status: result.status,
      filledAmount: result.filledAmount,
      reason: result.reason,
      // A refusal before the venue assigned an id carries none.
      venueOrderId: result.orderId === '' ? null : result.orderId,
    });
    return result;
  }

  outcome(): ExecutionOutcome {
    return {
      positionId: this.spec.positionId,
      state: this.state,
      holdings: this.holdings(),
      flag: this.flag,
      interrupted: this.interrupted,
      events: this.events,
    };
  }

  /** Base quantity of `amount` on `leg`, the perp valued at `perpPrice` when inverse. */
  base(leg: LegKind, amount: number, perpPrice: number): number {
    return amountToBase(amountModel(this.market(leg)), amount, leg === 'perp' ? perpPrice : 1);
  }

  /** Amount on `leg` worth `base`, rounded to its lot (nearest). */
  lotsFor(leg: LegKind, base: number, perpPrice: number): number {
    const m = this.market(leg);
    return roundToStep(baseToAmount(amountModel(m), base, leg === 'perp' ? perpPrice : 1), m.amountStep, 'nearest');
  }

  describe(): string {
    const h = this.holdings();
    return `spot ${h.spotQty} ${this.spec.base}, perp ${h.perpContracts} contracts`;
  }
}

/**
 * A holding cleaned of float noise when it is a whole number of lots; left as is otherwise, so a
 * fraction of a lot (dust) stays visible: orders take whole lots, and dust keeps the position
 * from counting as flat instead of being rounded away.
 */
function onLot(x: number, step: number): number {
  return isOnStep(x, step) ? roundToStep(x, step, 'nearest') : x;
}

/** Whole lots of a holding, never more than held. */
function wholeLots(held: number, step: number): number {
  return roundToStep(Math.abs(held), step, 'down');
}

function checkMarkets(spec: PositionSpec, m: PositionMarkets): void {
  const bad = (why: string) => new CarryError('CARRY_INTERNAL', 'stop', `position ${spec.positionId}: ${why}`);
  if (m.spot.symbol !== spec.spotSymbol || m.perp.symbol !== spec.perpSymbol) {
    throw bad(`markets ${m.spot.symbol} / ${m.perp.symbol} are not the position's ${spec.spotSymbol} / ${spec.perpSymbol}`);
  }
  if (m.spot.venue !== spec.venue || m.perp.venue !== spec.venue) throw bad(`markets are not on ${spec.venue}`);
  for (const market of [m.spot, m.perp]) {
    const fc = market.type === 'spot' ? market.quote : market.settle;
    if (fc !== market.quote && fc !== market.base) {
      throw bad(`${market.symbol} charges fees in ${String(fc)}, which carry cannot value in ${market.quote}`);
    }
  }
}

/** One venue fill as the ledger's order.fill: fill ids are `${orderId}#n`, n from 1 in venue order. */
export function fillEvent(
  market: Market,
  leg: LegKind,
  side: OrderSide,
  orderId: string,
  i: number,
  f: OrderResult['fills'][number],
  base: { positionId: string; venue: string },
): OrderFilled {
  const model = amountModel(market);
  const baseQty = amountToBase(model, f.amount, f.price);
  let feeQuote: number;
  if (f.feeCurrency === market.quote) feeQuote = f.fee;
  else if (f.feeCurrency === market.base) feeQuote = f.fee * f.price;
  else throw new CarryError('CARRY_INTERNAL', 'stop', `${market.symbol}: fill fee in ${f.feeCurrency}, which carry cannot value in ${market.quote}`);
  return {
    type: 'order.fill',
    ts: f.ts,
    fillId: `${orderId}#${i + 1}`,
    orderId,
    ...base,
    leg,
    symbol: market.symbol,
    side,
    price: f.price,
    amount: f.amount,
    baseQty,
    contracts: leg === 'perp' ? (f.amount * model.k) / market.contractSize : null,
    quoteNotional: amountToQuote(model, f.amount, f.price),
    fee: f.fee,
    feeCurrency: f.feeCurrency,
    feeQuote,
  };
}

function unwindLimit(market: Market, side: OrderSide, avgPrice: number, bps: number): number {
  const raw = side === 'sell' ? avgPrice * (1 - bps / 1e4) : avgPrice * (1 + bps / 1e4);
  return roundLimitPrice(market, side, raw);
}

/** Reducing side for a signed holding. */
function reducing(held: number): OrderSide {
  return held > 0 ? 'sell' : 'buy';
}

export async function openPosition(deps: LegExecutorDeps, req: OpenRequest): Promise<ExecutionOutcome> {
  const { spec, sizing } = req;
  if (!(Number.isFinite(req.unwindSlippageBps) && req.unwindSlippageBps > 0 && req.unwindSlippageBps < 1e4)) {
    throw new RangeError(`unwindSlippageBps must be a number in (0, 10000), got ${req.unwindSlippageBps}`);
  }
  if (sizing.spot.market.symbol !== spec.spotSymbol || sizing.perp.market.symbol !== spec.perpSymbol) {
    throw new CarryError('CARRY_INTERNAL', 'stop', `position ${spec.positionId}: sizing is for ${sizing.spot.market.symbol} / ${sizing.perp.market.symbol}`);
  }
  const run = new Run(deps, spec, req.markets, 'pending_open', { spotQty: 0, perpContracts: 0 }, 1);
  run.emit({
    type: 'position.created',
    ts: deps.clock.now(),
    spec,
    targetNotional: sizing.spot.quoteNotional,
    reason: req.reason,
    entryRate: req.entryRate,
    ...(req.entryNetApr === undefined ? {} : { entryNetApr: req.entryNetApr }),
  });

  const perpPrice = () => run.avg.perp ?? sizing.perp.vwap;
  const one = firstLeg(req.markets, sizing.perp.vwap, { spot: sizing.spot.availableBase, perp: sizing.perp.availableBase });
  const two = other(one);
  const s1 = sizing[one];
  const s2 = sizing[two];
  const m1 = run.market(one);
  const m2 = run.market(two);

  const r1 = await run.place(one, s1.side, 'open', s1.amount, s1.limitPrice);
  if (r1 === null) return run.outcome();
  const f1 = Math.abs(run.held[one]);
  if (f1 === 0) {
    run.move('failed', `leg one (${one} ${m1.symbol}) filled nothing: ${r1.reason ?? r1.status}`);
    return run.outcome();
  }

  const a2 = run.lotsFor(two, run.base(one, f1, perpPrice()), perpPrice());
  const tooSmall2 = a2 > 0 ? minimumProblem(m2, a2, s2.limitPrice) : `${m2.symbol}: rounds to 0 lots`;
  if (tooSmall2 !== null) {
    return unwindAll(run, req, one, `leg one (${one}) filled ${f1}, which hedges to ${a2} on ${m2.symbol}, below its minimum: ${tooSmall2}`);
  }
  const r2 = await run.place(two, s2.side, 'hedge', a2, s2.limitPrice);
  if (r2 === null) return run.outcome();
  const f2 = Math.abs(run.held[two]);
  if (f2 === 0) {
    return unwindAll(run, req, one, `leg two (${two} ${m2.symbol}) filled nothing: ${r2.reason ?? r2.status}`);
  }

  // Leg one keeps what matches leg two's fill; the rest of it is excess to unwind.
  const keep1 = Math.min(f1, run.lotsFor(one, run.base(two, f2, perpPrice()), perpPrice()));
  const keepProblem =
    keep1 > 0 ? (minimumProblem(m1, keep1, s1.limitPrice) ?? minimumProblem(m2, f2, s2.limitPrice)) : `${m1.symbol}: leg two's fill matches 0 lots`;
  if (keepProblem !== null) {
    return unwindAll(run, req, one, `leg two filled only ${f2} of ${a2}: the matched legs are too small to hold and close later (${keepProblem})`);
  }
  const excess = fromSteps(stepsIn(f1 - keep1, m1.amountStep, 'nearest'), m1.amountStep);
  if (excess > 0) {
    const side = opposite(s1.side);
    const avg1 = run.avg[one] as number;
    const limit = unwindLimit(m1, side, avg1, req.unwindSlippageBps);
    const small = minimumProblem(m1, excess, limit);
    if (small !== null) {
      run.move('open', `hedged: ${run.describe()}; leg two filled ${f2} of ${a2}`);
      run.raise(FLAGS.residualDelta, `leg one's excess of ${excess} ${m1.symbol} is below the minimum order and stays as residual delta (${small}); ${run.describe()}`);
      return run.outcome();
    }
    const ru = await run.place(one, side, 'unwind', excess, limit);
    if (ru === null) return run.outcome();
    if (ru.filledAmount < excess) {
      run.move('open', `hedged in part: ${run.describe()}; leg two filled ${f2} of ${a2}`);
      run.raise(
        FLAGS.residualDelta,
        `leg one's excess of ${excess} ${m1.symbol} was unwound only ${ru.filledAmount} (${ru.reason ?? ru.status}): ` +
          `${run.describe()}, residual delta until rebalanced`,
      );
      return run.outcome();
    }
  }
  run.move('open', `hedged: ${run.describe()}${f2 < a2 ? `; leg two filled ${f2} of ${a2}, leg one's excess unwound` : ''}`);
  return run.outcome();
}

/** pending_open → unwinding, every filled leg taken back off → failed, or flagged if it cannot be. */
async function unwindAll(run: Run, req: OpenRequest, one: LegKind, reason: string): Promise<ExecutionOutcome> {
  run.move('unwinding', reason);
  // Leg one first: it is the larger, so the exposure in between is at most leg two's partial
  // fill, never leg one's whole fill, if the venue stops answering half way.
  for (const leg of [one, other(one)]) {
    const held = run.held[leg];
    const amount = wholeLots(held, run.market(leg).amountStep);
    if (amount === 0) continue;
    const side = reducing(held);
    const limit = unwindLimit(run.market(leg), side, run.avg[leg] as number, req.unwindSlippageBps);
    const r = await run.place(leg, side, 'unwind', amount, limit);
    if (r === null) return run.outcome();
  }
  return settleTakeOff(run, 'failed', FLAGS.unwindIncomplete, 'unwound');
}

/** After taking legs off: final state when flat, else a flag saying what is still held. */
function settleTakeOff(run: Run, terminal: 'closed' | 'failed', flag: string, what: string): ExecutionOutcome {
  if (run.flat()) {
    run.move(terminal, `${what}: both legs flat${run.dust()}`);
  } else {
    run.raise(flag, `could not take the position fully off: ${run.describe()} still held; retried next tick`);
  }
  return run.outcome();
}

/** CLOSE: open | rebalancing | closing → closing → closed (or flagged, still closing). */
export function closePosition(deps: LegExecutorDeps, req: FlattenRequest): Promise<ExecutionOutcome> {
  return flatten(deps, req, 'close');
}

/**
 * UNWIND of a failed or interrupted open: (pending_open →) unwinding → failed, or flagged and
 * still unwinding. An open interrupted by the venue stays pending_open with an order whose
 * outcome is unknown: settle that order first (retry it with the same request: the port is
 * idempotent on the client id) so `holdings` include it, then unwind.
 */
export function resumeUnwind(deps: LegExecutorDeps, req: FlattenRequest): Promise<ExecutionOutcome> {
  return flatten(deps, req, 'unwind');
}

async function flatten(deps: LegExecutorDeps, req: FlattenRequest, purpose: 'close' | 'unwind'): Promise<ExecutionOutcome> {
  const run = new Run(deps, req.spec, req.markets, req.state, req.holdings, req.attempt);
  if (!(Number.isFinite(req.perpPrice) && req.perpPrice > 0)) throw new RangeError(`perpPrice must be a positive number, got ${req.perpPrice}`);
  const busy: PositionState = purpose === 'close' ? 'closing' : 'unwinding';
  // transition() refuses any state these protocols cannot start from (e.g. closing a failed one).
  if (run.state !== busy) run.move(busy, req.reason, purpose === 'close' ? req.exit : undefined);
  const perpPrice = () => run.avg.perp ?? req.perpPrice;
  const one = firstLeg(req.markets, req.perpPrice);
  const two = other(one);

  const amount1 = wholeLots(run.held[one], run.market(one).amountStep);
  if (amount1 > 0) {
    const r = await run.place(one, reducing(run.held[one]), purpose, amount1, req.limits[one]);
    if (r === null) return run.outcome();
  }
  // Leg two keeps what matches leg one's remaining holding (nothing when leg one is flat).
  const h2 = run.held[two];
  if (h2 !== 0) {
    const keep = Math.min(Math.abs(h2), run.lotsFor(two, run.base(one, Math.abs(run.held[one]), perpPrice()), perpPrice()));
    const m2 = run.market(two);
    const amount = wholeLots(Math.abs(h2) - keep, m2.amountStep);
    if (amount > 0) {
      const r = await run.place(two, reducing(h2), purpose, amount, req.limits[two]);
      if (r === null) return run.outcome();
    }
  }
  return purpose === 'close'
    ? settleTakeOff(run, 'closed', FLAGS.closeIncomplete, 'closed')
    : settleTakeOff(run, 'failed', FLAGS.unwindIncomplete, 'unwound');
}

export interface RebalanceRequest {
  readonly spec: PositionSpec;
  readonly markets: PositionMarkets;
  /** 'open', or 'rebalancing' when a previous run was interrupted (the resume path). */
  readonly state: PositionState;
  readonly holdings: PositionHoldings;
  /** 1 + the number of earlier rebalance runs of the position (client ids never repeat). */
  readonly attempt: number;
  /**
   * The drift check's corrective order (assessDrift, on the lot); null = nothing to correct any
   * more (a resumed run whose drift is back within the threshold): straight back to open.
   */
  readonly order: Extract<CorrectiveAction, { kind: 'order' }> | null;
  /** IOC limit of the order, on the tick (sizing.ts limitPriceFor on the current book). */
  readonly limitPrice: number;
  /** The position's flag now: a drift flag (residual_delta, rebalance_unfilled) is cleared by a full fill. */
  readonly flag: string | null;
  readonly reason: string;
}

/**
 * REBALANCE (open | rebalancing → rebalancing → open): one IOC for the drift check's corrective
 * order, reduce-only when it takes off part of what the leg holds (never when it grows or flips
 * the leg). Filled → open (a drift flag cleared); filled in part → open, flagged residual_delta;
 * nothing filled → open, flagged rebalance_unfilled (the alert stands; the next tick retries).
 * The venue not answering → stays rebalancing, flagged venue_unreachable; the engine's resume
 * path runs it again with attempt + 1.
 */
export async function rebalancePosition(deps: LegExecutorDeps, req: RebalanceRequest): Promise<ExecutionOutcome> {
  if (req.state !== 'open' && req.state !== 'rebalancing') {
    throw new CarryError('CARRY_INTERNAL', 'stop', `position ${req.spec.positionId}: cannot rebalance a ${req.state} position`);
  }
  const run = new Run(deps, req.spec, req.markets, req.state, req.holdings, req.attempt);
  const o = req.order;
  if (run.state === 'open') run.move('rebalancing', req.reason);
  if (o === null) {
    run.move('open', `${req.reason}: nothing left to correct; ${run.describe()}`);
    return run.outcome();
  }
  const market = run.market(o.leg);
  if (o.venue !== req.spec.venue || o.symbol !== market.symbol) {
    throw new CarryError('CARRY_INTERNAL', 'stop', `position ${req.spec.positionId}: corrective order on ${o.venue} ${o.symbol} is not its ${o.leg} leg ${market.symbol}`);
  }
  if (!(o.amount > 0 && isOnStep(o.amount, market.amountStep))) {
    throw new RangeError(`${market.symbol}: corrective amount must be a positive whole number of lots (${market.amountStep}), got ${o.amount}`);
  }
  if (!(Number.isFinite(req.limitPrice) && req.limitPrice > 0)) throw new RangeError(`limitPrice must be a positive number, got ${req.limitPrice}`);
  const held = run.held[o.leg];
  // Reduce-only when it only takes off part of the leg: a venue then refuses to let it flip the leg.
  const reduceOnly = held !== 0 && o.side === reducing(held) && o.amount <= wholeLots(held, market.amountStep);
  const r = await run.place(o.leg, o.side, 'rebalance', o.amount, req.limitPrice, reduceOnly);
  if (r === null) return run.outcome();
  if (r.filledAmount <= 0) {
    run.move('open', `rebalance unfilled: ${run.describe()}`);
    run.raise(FLAGS.rebalanceUnfilled, `corrective order "${o.text}" filled nothing (${r.reason ?? r.status}); the drift stands, retried next tick`);
  } else if (r.filledAmount < o.amount) {
    run.move('open', `rebalanced in part: ${run.describe()}`);
    run.raise(FLAGS.residualDelta, `corrective order "${o.text}" filled ${r.filledAmount} of ${o.amount} (${r.reason ?? r.status}): ${run.describe()}, residual delta until rebalanced`);
  } else {
    run.move('open', `rebalanced: ${o.text}; ${run.describe()}`);
    if (req.flag === FLAGS.residualDelta || req.flag === FLAGS.rebalanceUnfilled) {
      run.emit({ type: 'position.flagged', ts: deps.clock.now(), positionId: req.spec.positionId, flag: null, message: `rebalanced: ${run.describe()}` });
    }
  }
  return run.outcome();
}
