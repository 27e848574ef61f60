/**
 * Live IOC execution through ccxt with the user's keys (ExecutionPort).
 *
 * placeIoc sends one createOrder(symbol, 'limit', side, amount, price, { timeInForce: 'IOC',
 * reduceOnly, <client id> }) and then learns the order's FINAL state from the venue (the order by
 * client id, then its trades for fills, fees and trade ids), so the result carries what actually
 * traded, never what was asked.
 *
 * The create call is made once, ever. Its failure is read by what it means for the order:
 * - a venue refusal (InsufficientFunds, InvalidOrder, BadRequest, OperationRejected, …) → status
 *   'rejected' with the venue's words; nothing was placed;
 * - the client id already exists (the venue's duplicate code, EXEC_QUIRKS) → it was placed:
 *   ask for it and return its state;
 * - the answer was lost (RequestTimeout, NetworkError, ExchangeNotAvailable, DDoSProtection,
 *   RateLimitExceeded, a garbled body: ccxt's OperationFailed family) → the order may or may not
 *   be there. It is NEVER resent: the venue is asked for the client id until it says.
 *   Found open → cancelled by client id, then fetched final. Found final → that. Not found →
 *   'unknown': a request can still arrive until the venue's receive window (recvWindow) has
 *   passed since it was signed, so only after submission + window is it concluded never placed
 *   (status 'unfilled', reason 'never reached the venue'). If the venue cannot be asked within
 *   orderTimeoutMs, a CarryError is thrown (outcome unknown): the engine settles it later by
 *   fetchOrder (src/engine/order-settlement.ts), which uses the same lookup.
 * - a rejected key (AuthenticationError family) → the mapped CarryError is thrown (action stop).
 *
 * Waiting is on the injected Clock (a SimClock in tests), never on raw timers; ccxt's own
 * per-request timeout (exchange.timeout) bounds each HTTP call.
 */
import type { Exchange, Order, Trade } from 'ccxt';
import { BaseError, InvalidOrder, OperationFailed, OrderNotFound } from 'ccxt';
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { CarryError } from '../domain/errors.js';
import type { Market, VenueId } from '../domain/market.js';
import { mapCcxtError } from '../venues/ccxt-errors.js';
import { applyExecOptions, execQuirks, receiveWindowMs, type ExecQuirks } from './ccxt-exec-quirks.js';
import { isFinalOrder, resultFromOrder } from './ccxt-order-view.js';
import { isCarryClientId, venueClientId } from './client-id.js';
import type { ExecutionPort, OrderLookup, OrderRef, OrderRequest, OrderResult, VenueOpenOrder } from './port.js';

export interface CcxtExecutionVenue {
  readonly exchange: Exchange;
  /** Carry's venue profile (only its id is read here: logs). */
  readonly profile: { readonly id: string };
}

export interface CcxtExecutionOptions {
  readonly venues: ReadonlyMap<VenueId, CcxtExecutionVenue>;
  readonly clock: Clock;
  readonly log?: Logger;
  /** carry's receive window; the venue's own (ccxt options.recvWindow) wins when longer. Default 10 s. */
  readonly recvWindowMs?: number;
  /** How long placeIoc keeps asking after a lost answer before giving up (outcome unknown). Default 30 s. */
  readonly orderTimeoutMs?: number;
  /** Pause between lookups while waiting (ms). Default 1 s. */
  readonly pollMs?: number;
  /** Logical ids the ledger knows, so openOrders can name carry's orders placed by an earlier run. */
  readonly knownLogicalIds?: () => Iterable<string>;
}

type Ccxt = { readonly ex: Exchange; readonly q: ExecQuirks; readonly venue: VenueId };

/** A lookup's raw answer: the order, or null when the venue has no record of the client id. */
type Found = Order | null;

export class CcxtExecution implements ExecutionPort {
  private readonly recvWindowMs: number;
  private readonly orderTimeoutMs: number;
  private readonly pollMs: number;
  /** venue client id → logical id, for every id this instance derived. */
  private readonly logical = new Map<string, string>();

  constructor(private readonly opts: CcxtExecutionOptions) {
    this.recvWindowMs = opts.recvWindowMs ?? 10_000;
    this.orderTimeoutMs = opts.orderTimeoutMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 1_000;
    for (const [k, v] of [['recvWindowMs', this.recvWindowMs], ['orderTimeoutMs', this.orderTimeoutMs], ['pollMs', this.pollMs]] as const) {
      if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`${k} must be a positive number, got ${v}`);
    }
    for (const v of opts.venues.values()) applyExecOptions(execQuirks(v.exchange.id), v.exchange);
  }

  async placeIoc(req: OrderRequest): Promise<OrderResult> {
    const c = this.venue(req.venue);
    const bad = requestProblem(req);
    if (bad !== null) return this.rejected(req, bad, 'not sent: ');
    const vid = this.venueId(c, req.clientOrderId);
    const params: Record<string, unknown> = { timeInForce: 'IOC', [c.q.createParam]: vid };
    // reduceOnly is a contract flag: binance spot refuses unknown parameters (-1104) and ccxt
    // passes it through, and on margin it turns into AUTO_REPAY. A spot "reduce" is sized from the
    // ledger's holdings by the caller (SimExecution does not check it either).
    if (req.market.type !== 'spot') params['reduceOnly'] = req.reduceOnly;
    const submittedAt = this.opts.clock.now();
    let created: Order;
    try {
      created = await c.ex.createOrder(req.market.symbol, 'limit', req.side, req.amount, req.limitPrice, params);
    } catch (e) {
      const mapped = mapCcxtError(e, req.venue, 'createOrder');
      if (c.q.duplicate?.test(errText(e)) === true) {
        this.opts.log?.warn({ venue: req.venue, clientOrderId: req.clientOrderId, venueClientId: vid }, 'client id already on the venue: fetching it instead');
        return this.settleLost(c, req, vid, submittedAt, true);
      }
      if (isLostAnswer(e)) {
        this.opts.log?.warn({ venue: req.venue, clientOrderId: req.clientOrderId, err: mapped.message }, 'order answer lost: asking the venue, never resending');
        return this.settleLost(c, req, vid, submittedAt, false);
      }
      if (mapped.action === 'stop') throw mapped;
      return this.rejected(req, mapped.message, '');
    }
    // An IOC is normally final in the create answer (binance); bybit and okx answer with ids only,
    // which confirms the order exists: its final state is then asked for by client id.
    if (isFinalOrder(created) && created.id !== undefined) return this.finalResult(c, req.market, req.clientOrderId, created);
    return this.settleLost(c, req, vid, submittedAt, true);
  }

  async fetchOrder(ref: OrderRef): Promise<OrderLookup> {
    const c = this.venue(ref.venue);
    const vid = this.venueId(c, ref.clientOrderId);
    const found = await this.call(c, 'fetchOrder', () => this.lookup(c, ref.market, vid));
    return this.toLookup(c, ref, found);
  }

  async cancelOrder(ref: OrderRef): Promise<OrderLookup> {
    const c = this.venue(ref.venue);
    const vid = this.venueId(c, ref.clientOrderId);
    await this.call(c, 'cancelOrder', () => this.cancel(c, ref.market, vid));
    const found = await this.call(c, 'fetchOrder', () => this.lookup(c, ref.market, vid));
    return this.toLookup(c, ref, found);
  }

  async openOrders(venue: VenueId, symbols?: readonly string[]): Promise<readonly VenueOpenOrder[]> {
    const c = this.venue(venue);
    const calls = symbols === undefined
      ? c.q.openOrderScopes.map((p) => () => c.ex.fetchOpenOrders(undefined, undefined, undefined, { ...p }))
      : symbols.map((s) => () => c.ex.fetchOpenOrders(s));
    const known = this.knownIds(c);
    const out: VenueOpenOrder[] = [];
    for (const fn of calls) {
      for (const o of await this.call(c, 'fetchOpenOrders', fn)) {
        const vcid = typeof o.clientOrderId === 'string' && o.clientOrderId.length > 0 ? o.clientOrderId : null;
        out.push({
          venue,
          symbol: o.symbol ?? '',
          orderId: String(o.id),
          venueClientId: vcid,
          // Carry's id whose logical id is not known here stays non-null (the venue id): it is still carry's.
          clientOrderId: vcid === null ? null : (known.get(vcid) ?? (isCarryClientId(vcid) ? vcid : null)),
          side: o.side === 'sell' ? 'sell' : 'buy',
          amount: o.amount ?? 0,
          filledAmount: o.filled ?? 0,
          price: o.price ?? null,
        });
      }
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------

  /**
   * Asks for `vid` until the venue says (file comment). `exists`: the venue confirmed the id
   * (duplicate error, or a create answer without the final state), so "not found" only means
   * "not yet visible" and never concludes 'never reached'. Returns the final result.
   */
  private async settleLost(c: Ccxt, req: OrderRequest, vid: string, submittedAt: number, exists: boolean): Promise<OrderResult> {
    const clock = this.opts.clock;
    const window = receiveWindowMs(c.q, c.ex, this.recvWindowMs);
    const deadline = clock.now() + this.orderTimeoutMs;
    let last = 'no answer yet';
    for (;;) {
      let found: Found | undefined;
      try {
        found = await this.lookup(c, req.market, vid);
      } catch (e) {
        if (!isLostAnswer(e)) throw mapCcxtError(e, req.venue, 'fetchOrder');
        last = mapCcxtError(e, req.venue, 'fetchOrder').message;
      }
      if (found !== undefined && found !== null) {
        if (isFinalOrder(found)) return this.finalResult(c, req.market, req.clientOrderId, found);
        // Open (an IOC should not be, but a stalled venue can show it so): take it off, then ask again.
        last = `still open on ${req.venue} (${found.filled ?? 0} filled): cancelling`;
        try {
          await this.cancel(c, req.market, vid);
        } catch (e) {
          if (!isLostAnswer(e)) throw mapCcxtError(e, req.venue, 'cancelOrder');
        }
        if (clock.now() >= deadline) break;
        continue;
      }
      if (found === null) {
        if (!exists && window !== null && clock.now() - submittedAt >= window) {
          return { ...this.base(req), orderId: '', status: 'unfilled', reason: `never reached the venue: ${req.venue} has no order ${vid} ${clock.now() - submittedAt} ms after it was sent (receive window ${window} ms)` };
        }
        last = `${req.venue} has no order ${vid} yet`;
      }
      const now = clock.now();
      if (now >= deadline) break;
      // Not found before the window: sleep to its end (one more question settles it); else poll.
      const untilWindow = found === null && window !== null && !exists ? submittedAt + window - now : 0;
      await clock.sleep(Math.min(Math.max(untilWindow, this.pollMs), Math.max(1, deadline - now)));
    }
    throw new CarryError(
      'CARRY_VENUE_TIMEOUT',
      'retry',
      `${req.venue} ${req.market.symbol} order ${req.clientOrderId} (${vid}): outcome unknown after ${this.orderTimeoutMs} ms (${last}); settle it with fetchOrder, never resend`,
      { venue: req.venue },
    );
  }

  /** The order by client id on the venue; null when the venue has no record of it. */
  private async lookup(c: Ccxt, market: Market, vid: string): Promise<Found> {
    const sym = market.symbol;
    const none = undefined as unknown as string; // ccxt's id argument, unused when a client id is given
    try {
      switch (c.q.lookup) {
        case 'clientOrderIdParam': {
          const o = await c.ex.fetchOrder(none, sym, { clientOrderId: vid });
          return o.id === undefined ? null : o;
        }
        case 'bybitOrderLists': {
          const live = await c.ex.fetchOpenOrders(sym, undefined, undefined, { orderLinkId: vid });
          const hit = live.find((o) => o.clientOrderId === vid);
          if (hit !== undefined) return hit;
          const past = await c.ex.fetchCanceledAndClosedOrders(sym, undefined, undefined, { orderLinkId: vid });
          return past.find((o) => o.clientOrderId === vid) ?? null;
        }
        case 'deribitLabel': {
          const raw = (await implicit(c.ex, 'privateGetGetOrderStateByLabel')({ currency: deribitCurrency(c.ex, sym), label: vid })) as { result?: unknown[] };
          const rows = Array.isArray(raw.result) ? raw.result : [];
          const orders = rows.map((r) => c.ex.parseOrder(r as Record<string, unknown>, c.ex.market(sym)));
          return orders.find((o) => o.clientOrderId === vid || (o.info as Record<string, unknown>)['label'] === vid) ?? null;
        }
      }
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** Cancel by client id; "not found / already finished" is not an error here (cancel is idempotent). */
  private async cancel(c: Ccxt, market: Market, vid: string): Promise<void> {
    const none = undefined as unknown as string;
    try {
      switch (c.q.lookup) {
        case 'clientOrderIdParam':
          await c.ex.cancelOrder(none, market.symbol, { clientOrderId: vid });
          return;
        case 'bybitOrderLists':
          await c.ex.cancelOrder(none, market.symbol, { orderLinkId: vid });
          return;
        case 'deribitLabel':
          await implicit(c.ex, 'privateGetCancelByLabel')({ currency: deribitCurrency(c.ex, market.symbol), label: vid });
          return;
      }
    } catch (e) {
      if (isNotFound(e) || isAlreadyFinished(e)) return;
      throw e;
    }
  }

  private async trades(c: Ccxt, market: Market, order: Order): Promise<Trade[]> {
    if ((order.filled ?? 0) <= 0) return [];
    return c.q.trades === 'myTradesOrderId'
      ? c.ex.fetchMyTrades(market.symbol, undefined, undefined, { orderId: order.id })
      : c.ex.fetchOrderTrades(String(order.id), market.symbol);
  }

  /**
   * Final order + its trades → result. The order is known final, so a transient failure fetching
   * its trades is retried (until orderTimeoutMs) rather than turned into "outcome unknown"; a
   * trade list that lags the order once is asked again after a poll.
   */
  private async finalResult(c: Ccxt, market: Market, clientOrderId: string, order: Order): Promise<OrderResult> {
    const clock = this.opts.clock;
    const deadline = clock.now() + this.orderTimeoutMs;
    const fetch = async (): Promise<Trade[]> => {
      for (;;) {
        try {
          return await this.trades(c, market, order);
        } catch (e) {
          if (!isLostAnswer(e) || clock.now() >= deadline) throw mapCcxtError(e, c.venue, 'fetchMyTrades');
          await clock.sleep(this.pollMs);
        }
      }
    };
    const filled = order.filled ?? 0;
    const sumOf = (ts: Trade[]) => ts.filter((t) => t.order === undefined || t.order === order.id).reduce((a, t) => a + (t.amount ?? 0), 0);
    let trades = await fetch();
    if (filled > 0 && sumOf(trades) + market.amountStep * 1e-6 < filled) {
      await clock.sleep(this.pollMs);
      trades = await fetch();
    }
    return resultFromOrder(order, trades, { clientOrderId, market, venue: c.venue, ts: clock.now() });
  }

  private async toLookup(c: Ccxt, ref: OrderRef, found: Found): Promise<OrderLookup> {
    if (found === null) return { kind: 'unknown' };
    if (!isFinalOrder(found)) return { kind: 'open', orderId: String(found.id), filledAmount: found.filled ?? 0 };
    return { kind: 'final', result: await this.finalResult(c, ref.market, ref.clientOrderId, found) };
  }

  /** One ccxt call with its errors mapped to CarryError. */
  private async call<T>(c: Ccxt, operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw mapCcxtError(e, c.venue, operation);
    }
  }

  private venue(venue: VenueId): Ccxt {
    const v = this.opts.venues.get(venue);
    if (v === undefined) throw new CarryError('CARRY_INTERNAL', 'stop', `no ccxt execution configured for venue ${venue}`, { venue });
    return { ex: v.exchange, q: execQuirks(v.exchange.id), venue };
  }

  private venueId(c: Ccxt, logicalId: string): string {
    const vid = venueClientId(c.ex.id, logicalId);
    this.logical.set(vid, logicalId);
    return vid;
  }

  private knownIds(c: Ccxt): Map<string, string> {
    const m = new Map(this.logical);
    for (const id of this.opts.knownLogicalIds?.() ?? []) m.set(venueClientId(c.ex.id, id), id);
    return m;
  }

  private base(req: OrderRequest): Omit<OrderResult, 'orderId' | 'status' | 'reason'> {
    return { clientOrderId: req.clientOrderId, filledAmount: 0, avgPrice: null, fills: [], ts: this.opts.clock.now() };
  }

  private rejected(req: OrderRequest, why: string, prefix: string): OrderResult {
    return { ...this.base(req), orderId: '', status: 'rejected', reason: `${prefix}${why}` };
  }
}

/** Checked before anything is sent: the caller rounds, but a NaN or a wrong venue must never reach one. */
function requestProblem(req: OrderRequest): string | null {
  if (req.market.venue !== req.venue) return `order for venue ${req.venue} on a ${req.market.venue} market`;
  if (!(Number.isFinite(req.amount) && req.amount > 0)) return `amount must be a finite number > 0, got ${req.amount}`;
  if (!(Number.isFinite(req.limitPrice) && req.limitPrice > 0)) return `limit price must be a finite number > 0, got ${req.limitPrice}`;
  return null;
}

/** The request may have reached the venue: transport failures, throttling, an unreadable answer. */
function isLostAnswer(e: unknown): boolean {
  if (e instanceof CarryError) return e.action === 'retry';
  // OperationFailed = NetworkError (timeouts, 5xx, DDoS, rate limits, nonce) + BadResponse (garbled
  // body). A non-ccxt error is a parser tripping over an answer: the venue did answer something.
  return e instanceof OperationFailed || !(e instanceof BaseError);
}

function isNotFound(e: unknown): boolean {
  return e instanceof OrderNotFound;
}

/** Cancelling a finished order: bybit 110008/110010, deribit 11044 (ccxt InvalidOrder). */
function isAlreadyFinished(e: unknown): boolean {
  return e instanceof InvalidOrder;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function implicit(ex: Exchange, name: string): (params: Record<string, unknown>) => Promise<unknown> {
  const fn = (ex as unknown as Record<string, unknown>)[name];
  if (typeof fn !== 'function') throw new CarryError('CARRY_VENUE_NOT_SUPPORTED', 'skip', `${ex.id}: ccxt has no ${name}`);
  return (params) => (fn as (p: Record<string, unknown>) => Promise<unknown>).call(ex, params);
}

/** Deribit's currency for a by-label call: the instrument's settlement currency (BTC, ETH, USDC). */
function deribitCurrency(ex: Exchange, symbol: string): string {
  const m = ex.market(symbol);
  return String(m.settleId ?? m.quoteId ?? m.baseId);
}
