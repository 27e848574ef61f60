/**
 * The two-leg protocols through SimExecution on hand-made books (SimClock for latency). Prices
 * near 100 so the money can be checked by hand: spot ABC/USDT lot 0.0001, taker 0.1%; linear
 * perp ABC/USDT:USDT lot 0.01 (the coarser: it goes first), taker 0.06%; min cost 5 USDT.
 */
import { describe, expect, it } from 'vitest';
import { orderBook } from '../../src/domain/book.js';
import { SimClock } from '../../src/domain/clock.js';
import { CarryError } from '../../src/domain/errors.js';
import type { LedgerEvent, OrderFilled } from '../../src/domain/events.js';
import type { BookLevel, Market, OrderBook } from '../../src/domain/market.js';
import type { PositionSpec } from '../../src/domain/position.js';
import {
  clientOrderId,
  closePosition,
  firstLeg,
  openPosition,
  resumeUnwind,
  type ExecutionOutcome,
  type SizedPosition,
} from '../../src/engine/leg-executor.js';
import { canTransition } from '../../src/engine/position-state.js';
import { MARKETS, PERP, SPEC, SPOT } from '../support/abc-markets.js';
import { SimExecution, type BookSource } from '../../src/execution/sim-execution.js';
import { sizePosition } from '../../src/pricing/sizing.js';


const book = (symbol: string, bids: BookLevel[], asks: BookLevel[], venue = 'x'): OrderBook =>
  orderBook({ venue, symbol, bids, asks, eventTime: null, receivedAt: 0 });

const SPOT_BOOK = book('ABC/USDT', [[99.9, 10]], [[100, 10]]);
const PERP_BOOK = book('ABC/USDT:USDT', [[100.1, 10]], [[100.2, 10]]);

/**
 * Sized on the good books: 1,000 USDT → spot 10 ABC at 100, perp 1,000 / 100.1 = 9.99001 ABC:
 * perp floored to 9.99, spot 9.99. Limits at 20 bps: spot buy 99.95 × 1.002 = 100.1499 → 100.15;
 * perp sell 100.15 × 0.998 = 99.9497 → 99.94.
 */
function sizing(spotBook = SPOT_BOOK, perpBook = PERP_BOOK): SizedPosition {
  const s = sizePosition({
    direction: 'carry',
    spot: SPOT,
    perp: PERP,
    spotBook,
    perpBook,
    bounds: { strategy: 1_000, rankerMax: null, freeCapital: null, riskCap: null },
    maxSlippageBps: 20,
  });
  if (s.kind !== 'sized') throw new Error(s.reason);
  return s;
}

type Script = OrderBook | Error;
/** Book source: per symbol a list of books (or faults) served in turn, the last one repeating. */
function scripted(script: Record<string, Script[]>): BookSource {
  const served: Record<string, number> = {};
  return (_venue, symbol) => {
    const list = script[symbol] ?? [];
    const i = served[symbol] ?? 0;
    served[symbol] = i + 1;
    const item = list[Math.min(i, list.length - 1)];
    if (item === undefined) return Promise.reject(new Error(`no book for ${symbol}`));
    return item instanceof Error ? Promise.reject(item) : Promise.resolve(item);
  };
}

function harness(script: Record<string, Script[]>) {
  const clock = new SimClock(1_000_000);
  const batches: (readonly LedgerEvent[])[] = [];
  const deps = {
    execution: new SimExecution(scripted(script), clock, { latencyMs: 100, bookDepth: 50 }),
    clock,
    sink: (events: readonly LedgerEvent[]) => {
      batches.push(events);
    },
  };
  return { deps, clock, batches };
}

const open = (deps: ReturnType<typeof harness>['deps'], s: SizedPosition = sizing()) =>
  openPosition(deps, { spec: SPEC, markets: MARKETS, sizing: s, reason: 'test', entryRate: 0.0001, unwindSlippageBps: 50 });

const fills = (events: readonly LedgerEvent[]) => events.filter((e): e is OrderFilled => e.type === 'order.fill');

/** Cash the fills moved in USDT: sells receive, buys pay, every fee paid. */
function walletChange(events: readonly LedgerEvent[]): number {
  return fills(events).reduce((s, f) => s + (f.side === 'sell' ? f.quoteNotional : -f.quoteNotional) - f.feeQuote, 0);
}

/** Each transition is in the hand-written lifecycle and continues from the previous one. */
function expectLegalTransitions(events: readonly LedgerEvent[], start = 'pending_open'): void {
  let state = start;
  for (const e of events) {
    if (e.type !== 'position.transition') continue;
    expect(e.from).toBe(state);
    expect(canTransition(e.from, e.to)).toBe(true);
    state = e.to;
  }
}

/** Compact trail: kind, and for orders the client id, side, amount, status. */
function trail(o: ExecutionOutcome): string[] {
  return o.events.map((e) => {
    switch (e.type) {
      case 'order.submitted':
        return `submit ${e.clientOrderId} ${e.side} ${e.amount} @${e.limitPrice}${e.reduceOnly ? ' reduce' : ''}`;
      case 'order.fill':
        return `fill ${e.side} ${e.amount} @${e.price}`;
      case 'order.done':
        return `done ${e.status} ${e.filledAmount}`;
      case 'position.transition':
        return `${e.from} → ${e.to}`;
      case 'position.flagged':
        return `flag ${e.flag}`;
      default:
        return e.type;
    }
  });
}

describe('OPEN', () => {
  it('both legs fill: perp (coarser lot) first, spot hedges what filled, open; events written as they happen', async () => {
    const { deps, batches } = harness({ 'ABC/USDT': [SPOT_BOOK], 'ABC/USDT:USDT': [PERP_BOOK] });
    const o = await open(deps);
    expect(trail(o)).toEqual([
      'position.created',
      'submit p1:open:perp:1 sell 9.99 @99.94',
      'fill sell 9.99 @100.1',
      'done filled 9.99',
      'submit p1:hedge:spot:1 buy 9.99 @100.15',
      'fill buy 9.99 @100',
      'done filled 9.99',
      'pending_open → open',
    ]);
    expect(o.state).toBe('open');
    expect(o.holdings).toEqual({ spotQty: 9.99, perpContracts: -9.99 });
    expect(o.flag).toBeNull();
    // the sized spot notional: 9.99 ABC at 100
    expect(o.events[0]).toMatchObject({ type: 'position.created', targetNotional: 999, reason: 'test', entryRate: 0.0001 });
    // one write per step: the order goes to the store before the venue answers
    expect(batches.map((b) => b.map((e) => e.type).join('+'))).toEqual([
      'position.created',
      'order.submitted',
      'order.fill+order.done',
      'order.submitted',
      'order.fill+order.done',
      'position.transition',
    ]);
    expectLegalTransitions(o.events);
  });

  it('fills carry base, contracts, notional and fees; latency is on the clock', async () => {
    const { deps } = harness({ 'ABC/USDT': [SPOT_BOOK], 'ABC/USDT:USDT': [PERP_BOOK] });
    const o = await open(deps);
    const [perp, spot] = fills(o.events);
    // perp: 9.99 × 100.1 = 999.999 USDT, fee 0.0006 × that = 0.5999994 USDT
    expect(perp).toMatchObject({ leg: 'perp', orderId: 'p1:open:perp:1', fillId: 'p1:open:perp:1#1', contracts: 9.99, feeCurrency: 'USDT', ts: 1_000_100 });
    expect(perp?.baseQty).toBeCloseTo(9.99, 12);
    expect(perp?.quoteNotional).toBeCloseTo(999.999, 9);
    expect(perp?.feeQuote).toBeCloseTo(0.5999994, 12);
    // spot: 9.99 × 100 = 999 USDT, fee 0.999 USDT; after a second 100 ms of latency
    expect(spot).toMatchObject({ leg: 'spot', contracts: null, feeCurrency: 'USDT', ts: 1_000_200 });
    expect(spot?.quoteNotional).toBeCloseTo(999, 9);
    expect(spot?.feeQuote).toBeCloseTo(0.999, 12);
  });

  it('leg two fills in part: the excess of leg one is unwound, leaving a hedge matched within a lot', async () => {
    // The spot book thins between sizing and the hedge: 4.0037 ABC within the 100.15 limit.
    const thin = book('ABC/USDT', [[99.9, 10]], [[100, 4.0037], [100.5, 100]]);
    const { deps } = harness({ 'ABC/USDT': [thin], 'ABC/USDT:USDT': [PERP_BOOK] });
    const o = await open(deps);
    // leg one keeps the perp lots nearest 4.0037 → 4.00, and unwinds 9.99 − 4 = 5.99 (reduce-only)
    // at avg 100.1 + 50 bps = 100.6005 → 100.61
    expect(trail(o)).toEqual([
      'position.created',
      'submit p1:open:perp:1 sell 9.99 @99.94',
      'fill sell 9.99 @100.1',
      'done filled 9.99',
      'submit p1:hedge:spot:1 buy 9.99 @100.15',
      'fill buy 4.0037 @100',
      'done partial 4.0037',
      'submit p1:unwind:perp:1 buy 5.99 @100.61 reduce',
      'fill buy 5.99 @100.2',
      'done filled 5.99',
      'pending_open → open',
    ]);
    expect(o.holdings).toEqual({ spotQty: 4.0037, perpContracts: -4 });
    expect(Math.abs(o.holdings.spotQty + o.holdings.perpContracts * SPEC.contractSize)).toBeLessThan(PERP.amountStep);
    expect(o.flag).toBeNull();
    expectLegalTransitions(o.events);
  });

  it('leg two cannot fill: leg one is unwound, the cost (fees + slippage) booked, the position failed', async () => {
    const away = book('ABC/USDT', [[99.9, 10]], [[101, 100]]);
    const { deps } = harness({ 'ABC/USDT': [away], 'ABC/USDT:USDT': [PERP_BOOK] });
    const o = await open(deps);
    expect(trail(o)).toEqual([
      'position.created',
      'submit p1:open:perp:1 sell 9.99 @99.94',
      'fill sell 9.99 @100.1',
      'done filled 9.99',
      'submit p1:hedge:spot:1 buy 9.99 @100.15',
      'done unfilled 0',
      'pending_open → unwinding',
      'submit p1:unwind:perp:1 buy 9.99 @100.61 reduce',
      'fill buy 9.99 @100.2',
      'done filled 9.99',
      'unwinding → failed',
    ]);
    expect(o.state).toBe('failed');
    expect(o.holdings).toEqual({ spotQty: 0, perpContracts: 0 });
    // sold 9.99 at 100.1 (999.999), bought back at 100.2 (1,000.998): slippage 0.999 USDT;
    // fees 0.0006 × (999.999 + 1,000.998) = 1.2005982 USDT; wallet −2.1995982 USDT
    expect(walletChange(o.events)).toBeCloseTo(-2.1995982, 9);
    const transition = o.events.find((e) => e.type === 'position.transition' && e.to === 'unwinding');
    expect(transition).toMatchObject({ reason: expect.stringMatching(/leg two \(spot ABC\/USDT\) filled nothing/) });
    expectLegalTransitions(o.events);
  });

  it('leg one fills nothing: failed, nothing to unwind', async () => {
    const away = book('ABC/USDT:USDT', [[99, 10]], [[100.2, 10]]);
    const { deps } = harness({ 'ABC/USDT': [SPOT_BOOK], 'ABC/USDT:USDT': [away] });
    const o = await open(deps);
    expect(trail(o).slice(1)).toEqual(['submit p1:open:perp:1 sell 9.99 @99.94', 'done unfilled 0', 'pending_open → failed']);
    expect(walletChange(o.events)).toBe(0);
  });

  it('leg one fills below leg two minimum: unwound rather than left unhedged', async () => {
    // spot minimum 10 USDT here. The perp fills 0.09: its hedge, 0.09 ABC at the 100.15 limit, is
    // 9.01 USDT < 10; the perp's own unwind, 0.09 at 100.61 = 9.05 USDT, clears the perp's 5.
    const thin = book('ABC/USDT:USDT', [[100.1, 0.09]], [[100.2, 10]]);
    const { deps } = harness({ 'ABC/USDT': [SPOT_BOOK], 'ABC/USDT:USDT': [thin] });
    const o = await openPosition(deps, {
      spec: SPEC,
      markets: { spot: { ...SPOT, minCost: 10 }, perp: PERP },
      sizing: sizing(),
      reason: 'test',
      entryRate: 0.0001,
      unwindSlippageBps: 50,
    });
    expect(trail(o).slice(1)).toEqual([
      'submit p1:open:perp:1 sell 9.99 @99.94',
      'fill sell 0.09 @100.1',
      'done partial 0.09',
      'pending_open → unwinding',
      'submit p1:unwind:perp:1 buy 0.09 @100.61 reduce',
      'fill buy 0.09 @100.2',
      'done filled 0.09',
      'unwinding → failed',
    ]);
    expect(o.events.find((e) => e.type === 'position.transition' && e.to === 'unwinding')).toMatchObject({
      reason: expect.stringMatching(/hedges to 0\.09 on ABC\/USDT, below its minimum/),
    });
  });

  it('a fill too small for the venue to take back is flagged, never dropped', async () => {
    // The perp fills 0.04: below the spot minimum (4.01 USDT), and its unwind (4.02 USDT) below
    // the perp's own 5 USDT minimum: the venue refuses it, the position stays unwinding, flagged.
    const thin = book('ABC/USDT:USDT', [[100.1, 0.04]], [[100.2, 10]]);
    const { deps } = harness({ 'ABC/USDT': [SPOT_BOOK], 'ABC/USDT:USDT': [thin] });
    const o = await open(deps);
    expect(trail(o).slice(-4)).toEqual([
      'pending_open → unwinding',
      'submit p1:unwind:perp:1 buy 0.04 @100.61 reduce',
      'done rejected 0',
      'flag unwind_incomplete',
    ]);
    expect(o.state).toBe('unwinding');
    expect(o.holdings).toEqual({ spotQty: 0, perpContracts: -0.04 });
  });

  it('an unwind that cannot complete leaves the position unwinding and flagged; the retry finishes it', async () => {
    const away = book('ABC/USDT', [[99.9, 10]], [[101, 100]]);
    const gone = book('ABC/USDT:USDT', [[100.1, 10]], [[105, 100]]);
    const { deps } = harness({ 'ABC/USDT': [away], 'ABC/USDT:USDT': [PERP_BOOK, gone] });
    const o = await open(deps);
    expect(o.state).toBe('unwinding');
    expect(o.flag).toBe('unwind_incomplete');
    expect(o.holdings).toEqual({ spotQty: 0, perpContracts: -9.99 });
    expect(trail(o).slice(-3)).toEqual(['submit p1:unwind:perp:1 buy 9.99 @100.61 reduce', 'done unfilled 0', 'flag unwind_incomplete']);
    const flag = o.events.at(-1);
    expect(flag).toMatchObject({ type: 'position.flagged', message: expect.stringMatching(/perp -9\.99 contracts still held/) });
    expect(o.events.some((e) => e.type === 'position.transition' && e.to === 'failed')).toBe(false);

    // Next tick: attempt 2 at the book as it is now.
    const r = await resumeUnwind(deps, {
      spec: SPEC,
      markets: MARKETS,
      state: o.state,
      holdings: o.holdings,
      attempt: 2,
      limits: { spot: 99.5, perp: 105.5 },
      perpPrice: 102.5,
      reason: 'retry unwind',
    });
    expect(trail(r)).toEqual(['submit p1:unwind:perp:2 buy 9.99 @105.5 reduce', 'fill buy 9.99 @105', 'done filled 9.99', 'unwinding → failed']);
    expect(r.holdings).toEqual({ spotQty: 0, perpContracts: 0 });
    expectLegalTransitions([...o.events, ...r.events]);
  });

  it('a venue that stops answering mid-open leaves the position flagged, the order without an outcome', async () => {
    const timeout = new CarryError('CARRY_VENUE_TIMEOUT', 'retry', 'x: request timed out', { venue: 'x' });
    const { deps } = harness({ 'ABC/USDT': [timeout], 'ABC/USDT:USDT': [PERP_BOOK] });
    const o = await open(deps);
    expect(o.state).toBe('pending_open');
    expect(o.interrupted?.code).toBe('CARRY_VENUE_TIMEOUT');
    expect(o.flag).toBe('venue_unreachable');
    expect(trail(o).slice(-2)).toEqual(['submit p1:hedge:spot:1 buy 9.99 @100.15', 'flag venue_unreachable']);
    expect(o.events.filter((e) => e.type === 'order.done')).toHaveLength(1);
    expect(o.holdings).toEqual({ spotQty: 0, perpContracts: -9.99 });

    // Once the hedge's outcome is settled (here: the sim never reached the book, nothing
    // traded), the open is taken back off from pending_open.
    const r = await resumeUnwind(deps, {
      spec: SPEC,
      markets: MARKETS,
      state: o.state,
      holdings: o.holdings,
      attempt: 2,
      limits: { spot: 99.5, perp: 100.6 },
      perpPrice: 100.15,
      reason: 'open interrupted: taking the perp back off',
    });
    expect(trail(r)).toEqual([
      'pending_open → unwinding',
      'submit p1:unwind:perp:2 buy 9.99 @100.6 reduce',
      'fill buy 9.99 @100.2',
      'done filled 9.99',
      'unwinding → failed',
    ]);
    expectLegalTransitions([...o.events, ...r.events]);
  });

  it('is deterministic: the same inputs give the same events and client ids', async () => {
    const run = async () => (await open(harness({ 'ABC/USDT': [SPOT_BOOK], 'ABC/USDT:USDT': [PERP_BOOK] }).deps)).events;
    expect(JSON.stringify(await run())).toBe(JSON.stringify(await run()));
    expect(clientOrderId('p1', 'hedge', 'spot', 1)).toBe('p1:hedge:spot:1');
  });
});

describe('CLOSE', () => {
  const LIMITS = { spot: 99.5, perp: 100.6 };
  const close = (deps: ReturnType<typeof harness>['deps'], o: ExecutionOutcome, attempt = 1) =>
    closePosition(deps, {
      spec: SPEC,
      markets: MARKETS,
      state: o.state,
      holdings: o.holdings,
      attempt,
      limits: LIMITS,
      perpPrice: 100.15,
      reason: 'rate below exit',
    });

  it('round trip: both legs reduce-only, perp first, closed; the money is the hand-computed one', async () => {
    const { deps } = harness({ 'ABC/USDT': [SPOT_BOOK], 'ABC/USDT:USDT': [PERP_BOOK] });
    const o = await open(deps);
    const c = await close(deps, o);
    expect(trail(c)).toEqual([
      'open → closing',
      'submit p1:close:perp:1 buy 9.99 @100.6 reduce',
      'fill buy 9.99 @100.2',
      'done filled 9.99',
      'submit p1:close:spot:1 sell 9.99 @99.5 reduce',
      'fill sell 9.99 @99.9',
      'done filled 9.99',
      'closing → closed',
    ]);
    expect(c.state).toBe('closed');
    expect(c.holdings).toEqual({ spotQty: 0, perpContracts: 0 });
    // spot: −999 + 998.001 = −0.999, fees 0.999 + 0.998001; perp: 999.999 − 1,000.998 = −0.999,
    // fees 0.5999994 + 0.6005988. Total −5.1955992 USDT.
    expect(walletChange([...o.events, ...c.events])).toBeCloseTo(-5.1955992, 9);
    expectLegalTransitions([...o.events, ...c.events]);
  });

  it('a leg that cannot be taken off leaves the position closing and flagged; the next tick closes it', async () => {
    const thinBids = book('ABC/USDT', [[99.9, 3], [98, 100]], [[100, 10]]);
    const { deps } = harness({ 'ABC/USDT': [SPOT_BOOK, thinBids, SPOT_BOOK], 'ABC/USDT:USDT': [PERP_BOOK] });
    const o = await open(deps);
    const c = await close(deps, o);
    expect(c.state).toBe('closing');
    expect(c.flag).toBe('close_incomplete');
    expect(c.holdings).toEqual({ spotQty: 6.99, perpContracts: 0 });
    expect(trail(c).slice(-3)).toEqual(['fill sell 3 @99.9', 'done partial 3', 'flag close_incomplete']);

    const c2 = await close(deps, c, 2);
    expect(trail(c2)).toEqual([
      'submit p1:close:spot:2 sell 6.99 @99.5 reduce',
      'fill sell 6.99 @99.9',
      'done filled 6.99',
      'closing → closed',
    ]);
    expectLegalTransitions([...o.events, ...c.events, ...c2.events]);
  });

  it('a partial close of leg one closes only the matching part of leg two: what stays is hedged', async () => {
    const thinAsks = book('ABC/USDT:USDT', [[100.1, 10]], [[100.2, 4]]);
    const { deps } = harness({ 'ABC/USDT': [SPOT_BOOK], 'ABC/USDT:USDT': [PERP_BOOK, thinAsks] });
    const o = await open(deps);
    const c = await close(deps, o);
    expect(c.holdings).toEqual({ spotQty: 5.99, perpContracts: -5.99 });
    expect(c.state).toBe('closing');
    expect(c.flag).toBe('close_incomplete');
  });

  it('a fraction of a lot held is never rounded away: whole lots are closed, the dust stays in the holdings and the record', async () => {
    const { deps } = harness({ 'ABC/USDT': [SPOT_BOOK], 'ABC/USDT:USDT': [PERP_BOOK] });
    const c = await closePosition(deps, {
      spec: SPEC,
      markets: MARKETS,
      state: 'open',
      holdings: { spotQty: 9.99005, perpContracts: -9.99 },
      attempt: 1,
      limits: LIMITS,
      perpPrice: 100.15,
      reason: 'exit',
    });
    expect(trail(c)).toContain('submit p1:close:spot:1 sell 9.99 @99.5 reduce');
    // No order can sell less than a lot (only a base-coin fee leaves such a fraction): the
    // position is closed, the dust is still held and said so, never retried forever.
    expect(c.state).toBe('closed');
    expect(c.flag).toBeNull();
    expect(c.holdings.spotQty).toBeCloseTo(0.00005, 12);
    expect(c.holdings.perpContracts).toBe(0);
    const closed = c.events.find((e) => e.type === 'position.transition' && e.to === 'closed');
    expect(closed && 'reason' in closed ? closed.reason : '').toMatch(/; 0\.00005 ABC of base-coin fee dust left \(below the [\d.e-]+ lot\)$/);
  });

  it('refuses to close a position that is not held (illegal transition)', async () => {
    const { deps } = harness({});
    await expect(
      closePosition(deps, {
        spec: SPEC,
        markets: MARKETS,
        state: 'failed',
        holdings: { spotQty: 0, perpContracts: 0 },
        attempt: 1,
        limits: LIMITS,
        perpPrice: 100,
        reason: 'x',
      }),
    ).rejects.toThrow(/failed → closing/);
  });
});

describe('inverse perp (Deribit BTC-PERPETUAL, amount in USD)', () => {
  const dspot: Market = { ...SPOT, venue: 'deribit', symbol: 'BTC/USDC', base: 'BTC', quote: 'USDC', priceStep: 0.5, minCost: null };
  const dperp: Market = {
    ...PERP,
    venue: 'deribit',
    symbol: 'BTC/USD:BTC',
    base: 'BTC',
    quote: 'USD',
    settle: 'BTC',
    settlement: 'inverse',
    contractSize: 10,
    amountUnit: 'quote',
    amountStep: 10,
    minAmount: 10,
    minCost: null,
    priceStep: 0.5,
    taker: 0.0005,
  };
  const spec: PositionSpec = { ...SPEC, venue: 'deribit', base: 'BTC', quote: 'USD', spotSymbol: 'BTC/USDC', perpSymbol: 'BTC/USD:BTC', settlement: 'inverse', contractSize: 10, settle: 'BTC' };

  it('perp fills in coin terms; spot hedges the filled USD at the fill price; holdings in contracts', async () => {
    const spotBook = book('BTC/USDC', [[39_999.5, 10]], [[40_000, 10]], 'deribit');
    const perpBook = book('BTC/USD:BTC', [[40_020, 1_000_000]], [[40_020.5, 1_000_000]], 'deribit');
    const s = sizePosition({
      direction: 'carry',
      spot: dspot,
      perp: dperp,
      spotBook,
      perpBook,
      bounds: { strategy: 10_000, rankerMax: null, freeCapital: null, riskCap: null },
      maxSlippageBps: 20,
    });
    if (s.kind !== 'sized') throw new Error(s.reason);
    const clock = new SimClock(0);
    const books: BookSource = (_v, symbol) => Promise.resolve(symbol === 'BTC/USDC' ? spotBook : perpBook);
    const events: LedgerEvent[] = [];
    const o = await openPosition(
      { execution: new SimExecution(books, clock, { latencyMs: 0, bookDepth: 20 }), clock, sink: (e) => void events.push(...e) },
      { spec, markets: { spot: dspot, perp: dperp }, sizing: s, reason: 't', entryRate: 0.0003, unwindSlippageBps: 50 },
    );
    expect(o.state).toBe('open');
    // perp lot 10 USD = 0.00025 BTC > spot lot 0.0001 BTC: the perp goes first, 10,000 USD.
    const [perp, spot] = fills(events);
    // 10,000 USD = 1,000 contracts of 10 USD = 10,000 / 40,020 BTC; fee 0.0005 of that in BTC = 5 USD
    expect(perp).toMatchObject({ leg: 'perp', amount: 10_000, contracts: 1_000, quoteNotional: 10_000, feeCurrency: 'BTC' });
    expect(perp?.baseQty).toBeCloseTo(10_000 / 40_020, 12);
    expect(perp?.fee).toBeCloseTo((0.0005 * 10_000) / 40_020, 15);
    expect(perp?.feeQuote).toBeCloseTo(5, 9);
    // spot hedges 0.24987506 BTC → nearest 0.0001 lot: 0.2499
    expect(spot).toMatchObject({ leg: 'spot', amount: 0.2499 });
    expect(o.holdings).toEqual({ spotQty: 0.2499, perpContracts: -1_000 });
  });
});

describe('firstLeg', () => {
  it.each([
    { name: 'coarser perp lot first', spotStep: 0.000001, perpStep: 0.001, depth: undefined, leg: 'perp' },
    { name: 'coarser spot lot first', spotStep: 0.1, perpStep: 0.001, depth: undefined, leg: 'spot' },
    { name: 'equal lots: the thinner book first (perp)', spotStep: 0.01, perpStep: 0.01, depth: { spot: 50, perp: 20 }, leg: 'perp' },
    { name: 'equal lots: the thinner book first (spot)', spotStep: 0.01, perpStep: 0.01, depth: { spot: 20, perp: 50 }, leg: 'spot' },
    { name: 'equal lots, depth unknown: spot', spotStep: 0.01, perpStep: 0.01, depth: undefined, leg: 'spot' },
  ])('$name', ({ spotStep, perpStep, depth, leg }) => {
    const m = { spot: { ...SPOT, amountStep: spotStep }, perp: { ...PERP, amountStep: perpStep } };
    expect(firstLeg(m, 100, depth)).toBe(leg);
  });
});
