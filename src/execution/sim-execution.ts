/**
 * Simulated IOC execution on the venue's current book: paper, replay and sim all trade through
 * this adapter; only where the book comes from differs.
 *
 * placeIoc, in the order a venue would do it:
 * 1. wait the configured latency on the clock (a SimClock advances, a WallClock sleeps);
 * 2. answer a repeated clientOrderId with the first result, trading nothing (idempotency);
 * 3. reject what a venue would reject, with the reason: venue/market mismatch, an inactive
 *    market, an amount that is not positive or not a lot multiple, a limit off the tick, an
 *    order below the minimum amount or cost (cost at the limit price);
 * 4. fetch the book as it is now, walk the opposite side up to the limit and fill what is
 *    there, up to the amount: partial fills happen, the rest is cancelled (IOC).
 *
 * Choices, stated so the ledger can rely on them:
 * - One ExecutedFill per book level taken, at that level's price, as a venue reports one trade per
 *   resting order matched: every fill price is a real book price and each fee is computed on its
 *   own fill, the way venues compute them.
 * - Fill amounts are whole lots: a level is taken in whole lots (a level holding a fraction of a
 *   lot beyond its whole lots leaves the fraction), so the sum of fills is exactly a lot multiple.
 * - Taker fee on every fill (the order crosses the book), rate from the market:
 *     spot, buy or sell: in the quote currency, rate × qty × price. Venues differ (Binance and
 *       Bybit take a spot buy's fee from the base received by default); carry books it in quote
 *       so the spot holding equals the filled amount and the hedge matches what filled.
 *     linear perp: in the settle currency, rate × contracts × cs × price.
 *     inverse perp: in the coin, rate × contracts × cs / price (= rate × notional in coin).
 * - Liquidity is not used up between orders: each order sees the book as the source returns it.
 *   Paper orders do not move the real book, and the next fetch is the venue's truth; tests that
 *   need a changed book give the source a new one.
 * - reduceOnly is not checked here: the simulated venue keeps no positions (the ledger is the one
 *   truth), so the caller sizes reduce-only orders from the ledger's holdings.
 * - A transport fault of the book source (a CarryError: timeout, unavailable, …) propagates: the
 *   order did not reach the book, and the caller decides what to do. Nothing is remembered for
 *   that clientOrderId, so a retry with the same id trades normally.
 */
import type { Clock } from '../domain/clock.js';
import { levelAt } from '../domain/book.js';
import type { OrderBook, VenueId } from '../domain/market.js';
import { levelsFor } from '../pricing/depth.js';
import { fromSteps, orderProblem, stepsIn } from '../pricing/lots.js';
import { withinLimit } from '../pricing/sizing.js';
import { amountModel, amountToBase, amountToQuote } from '../pricing/units.js';
import type { VenueMarketData } from '../venues/port.js';
import type { ExecutedFill, ExecutionPort, OrderLookup, OrderRef, OrderRequest, OrderResult, VenueOpenOrder } from './port.js';

/** The current book of one market; throws CarryError on transport faults. */
export type BookSource = (venue: VenueId, symbol: string, depth: number) => Promise<OrderBook>;

/** A BookSource over the engine's per-venue market-data ports. */
export function bookSourceFrom(venues: Iterable<Pick<VenueMarketData, 'venue' | 'fetchOrderBook'>>): BookSource {
  const byVenue = new Map<VenueId, Pick<VenueMarketData, 'venue' | 'fetchOrderBook'>>();
  for (const v of venues) byVenue.set(v.venue, v);
  return (venue, symbol, depth) => {
    const md = byVenue.get(venue);
    if (md === undefined) return Promise.reject(new RangeError(`no market data for venue ${venue}`));
    return md.fetchOrderBook(symbol, depth);
  };
}

export interface SimExecutionOptions {
  /** Time between sending an order and the venue matching it, waited on the clock. */
  readonly latencyMs: number;
  /** Levels per side fetched to match against. */
  readonly bookDepth: number;
}

/** Deterministic venue order id for a client id: replays and reruns produce the same ids. */
export function simOrderId(clientOrderId: string): string {
  return `sim:${clientOrderId}`;
}

export class SimExecution implements ExecutionPort {
  private readonly done = new Map<string, OrderResult>();

  constructor(
    private readonly books: BookSource,
    private readonly clock: Clock,
    private readonly opts: SimExecutionOptions,
  ) {
    if (!(Number.isFinite(opts.latencyMs) && opts.latencyMs >= 0)) {
      throw new RangeError(`latencyMs must be a number >= 0, got ${opts.latencyMs}`);
    }
    if (!(Number.isInteger(opts.bookDepth) && opts.bookDepth > 0)) {
      throw new RangeError(`bookDepth must be a positive integer, got ${opts.bookDepth}`);
    }
  }

  async placeIoc(req: OrderRequest): Promise<OrderResult> {
    await this.clock.sleep(this.opts.latencyMs);
    const seen = this.done.get(req.clientOrderId);
    if (seen !== undefined) return seen;
    const ts = this.clock.now();
    const rejected = rejection(req);
    const result =
      rejected !== null
        ? outcome(req, ts, [], rejected, true)
        : await this.match(req, ts);
    this.done.set(req.clientOrderId, result);
    return result;
  }

  /** An IOC here is final the moment it is answered: known ids are final, others unknown. */
  fetchOrder(ref: OrderRef): Promise<OrderLookup> {
    const seen = this.done.get(ref.clientOrderId);
    return Promise.resolve(seen === undefined ? { kind: 'unknown' } : { kind: 'final', result: seen });
  }

  /** Nothing rests on the simulated venue, so cancelling only reports how the order ended. */
  cancelOrder(ref: OrderRef): Promise<OrderLookup> {
    return this.fetchOrder(ref);
  }

  openOrders(_venue: VenueId, _symbols?: readonly string[]): Promise<readonly VenueOpenOrder[]> {
    return Promise.resolve([]);
  }

  private async match(req: OrderRequest, ts: number): Promise<OrderResult> {
    const { market, side, limitPrice } = req;
    const book = await this.books(req.venue, market.symbol, this.opts.bookDepth);
    if (book.symbol !== market.symbol) {
      throw new RangeError(`book source returned ${book.symbol} for ${market.symbol}`);
    }
    const model = amountModel(market);
    const step = market.amountStep;
    const levels = levelsFor(book, side);
    let remaining = stepsIn(req.amount, step, 'nearest');
    const fills: ExecutedFill[] = [];
    for (let i = 0; i < levels.length && remaining > 0; i++) {
      const [price, size] = levelAt(levels, i) as readonly [number, number];
      if (!withinLimit(side, price, limitPrice)) break;
      const take = Math.min(remaining, stepsIn(size, step, 'down'));
      if (take <= 0) continue;
      remaining -= take;
      const amount = fromSteps(take, step);
      const inverse = market.settlement === 'inverse';
      // Inverse fees are charged in the coin on the coin value; everything else on the quote value.
      const notional = inverse ? amountToBase(model, amount, price) : amountToQuote(model, amount, price);
      const feeCurrency = market.type === 'spot' ? market.quote : (market.settle as string);
      fills.push({ price, amount, fee: market.taker * notional, feeCurrency, ts });
    }
    const why =
      remaining === 0
        ? null
        : `${fromSteps(remaining, step)} of ${req.amount} not filled: ${levels.length === 0 ? 'the book side is empty' : `no more depth at or better than the limit ${limitPrice} within ${levels.length} levels`}`;
    return outcome(req, ts, fills, why, false);
  }
}

function rejection(req: OrderRequest): string | null {
  const m = req.market;
  if (req.venue !== m.venue) return `order for venue ${req.venue} on a ${m.venue} market`;
  if (!m.active) return `${m.symbol} is not active`;
  return orderProblem(m, req.amount, req.limitPrice);
}

function outcome(req: OrderRequest, ts: number, fills: readonly ExecutedFill[], reason: string | null, rejected: boolean): OrderResult {
  const model = amountModel(req.market);
  let steps = 0;
  let base = 0;
  let quote = 0;
  for (const f of fills) {
    steps += stepsIn(f.amount, req.market.amountStep, 'nearest');
    base += amountToBase(model, f.amount, f.price);
    quote += amountToQuote(model, f.amount, f.price);
  }
  const filledAmount = fromSteps(steps, req.market.amountStep);
  const status = rejected ? 'rejected' : steps === 0 ? 'unfilled' : reason === null ? 'filled' : 'partial';
  return {
    clientOrderId: req.clientOrderId,
    orderId: simOrderId(req.clientOrderId),
    status,
    filledAmount,
    // quote / base: the plain VWAP for base-denominated markets, the harmonic one for inverse.
    avgPrice: base > 0 ? quote / base : null,
    fills,
    reason,
    ts,
  };
}
