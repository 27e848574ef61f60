/**
 * monitor.autoRebalance in the paper engine: a held position whose legs no longer match (built
 * in the ledger by hand: 0.2 BTC spot against a 0.19 BTC short perp, 5% drift) is corrected at
 * the next scan tick by the drift check's own order, before the strategy decides, through the
 * risk gate, and the delta_drift check finds nothing left to alert on afterwards.
 * Binance-like markets: spot lot 0.00001 BTC, linear perp 1 BTC per contract, lot 0.001.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load.js';
import { orderBook } from '../../src/domain/book.js';
import { SimClock } from '../../src/domain/clock.js';
import { CarryError } from '../../src/domain/errors.js';
import type { FundingSnapshot, Market, OrderBook } from '../../src/domain/market.js';
import { CarryEngine } from '../../src/engine/engine.js';
import type { TradingState } from '../../src/engine/risk-gate.js';
import { driftInputs } from '../../src/engine/monitor-job.js';
import type { Scanner, ScanResult } from '../../src/engine/scanner.js';
import { SimExecution, type BookSource } from '../../src/execution/sim-execution.js';
import { rankParamsFromConfig } from '../../src/app/strategy-params.js';
import { checkDrift } from '../../src/monitor/drift.js';
import { bookKey } from '../../strategies/spot-perp-carry/rank.js';
import { HOUR, T0, created, funded, linearSpec, memoryLedger, trade, transition } from '../store/fixtures.js';

const SPOT: Market = {
  venue: 'binance',
  symbol: 'BTC/USDT',
  id: 'BTCUSDT',
  type: 'spot',
  base: 'BTC',
  quote: 'USDT',
  settle: null,
  settlement: null,
  contractSize: 1,
  amountUnit: 'base',
  amountStep: 0.00001,
  priceStep: 0.01,
  minAmount: 0.00001,
  minCost: 5,
  taker: 0.001,
  maker: 0.001,
  active: true,
  marginable: true,
  fundingIntervalHours: null,
};
const PERP: Market = {
  ...SPOT,
  symbol: 'BTC/USDT:USDT',
  id: 'BTCUSDT-PERP',
  type: 'swap',
  settle: 'USDT',
  settlement: 'linear',
  amountUnit: 'contracts',
  amountStep: 0.001,
  minAmount: 0.001,
  taker: 0.0005,
  marginable: false,
  fundingIntervalHours: 8,
};
const spec = linearSpec('p1');
const NOW = T0 + HOUR;
const book = (symbol: string, bid: number, ask: number): OrderBook => orderBook({ venue: 'binance', symbol, bids: [[bid, 5]], asks: [[ask, 5]], eventTime: null, receivedAt: NOW });
const BOOKS = new Map([
  [bookKey('binance', SPOT.symbol), book(SPOT.symbol, 49_990, 50_000)],
  [bookKey('binance', PERP.symbol), book(PERP.symbol, 50_010, 50_020)],
]);
const FUNDING: FundingSnapshot = {
  venue: 'binance',
  symbol: PERP.symbol,
  base: 'BTC',
  quote: 'USDT',
  settle: 'USDT',
  settlement: 'linear',
  contractSize: 1,
  rate: 0.0003,
  intervalHours: 8,
  intervalSource: 'venue',
  continuous: false,
  rateKind: 'predicted',
  nextFundingTime: T0 + 8 * HOUR,
  markPrice: 50_015,
  indexPrice: 50_000,
  eventTime: null,
  receivedAt: NOW,
};

/** A scanner that always sees the same books and funding, and ranks nothing. */
function scanner(clock: SimClock): Scanner {
  const markets = new Map([['binance', [SPOT, PERP]]]);
  const scan = (): Promise<ScanResult> =>
    Promise.resolve({
      at: clock.now(),
      venues: [{ venue: 'binance', status: 'ok', perps: 1, books: 2, bookErrors: 0, skipped: [], elapsedMs: 0 }],
      opportunities: [],
      markets,
      funding: [{ ...FUNDING, receivedAt: clock.now() }],
      tickers: [],
      books: BOOKS,
    } as ScanResult);
  return { loadMarkets: () => Promise.resolve(markets), scan, adapters: () => [] } as unknown as Scanner;
}

async function setup(perpQty: number, opts: { monitor?: Record<string, unknown>; tradingState?: TradingState; perpBooks?: (OrderBook | Error)[] } = {}) {
  const ledger = memoryLedger();
  ledger.append([
    funded('binance', 'USDT', 20_000),
    created(spec),
    ...trade({ spec, leg: 'spot', side: 'buy', qty: 0.2, price: 50_000, feeRate: 0.001 }),
    ...trade({ spec, leg: 'perp', side: 'sell', qty: perpQty, price: 50_010, feeRate: 0.0005, purpose: 'hedge' }),
    transition('p1', 'pending_open', 'open', T0 + 1),
  ]);
  const clock = new SimClock(NOW);
  const config = validateConfig({ monitor: opts.monitor ?? {} }, 'test');
  let served = 0;
  const source: BookSource = (_venue, symbol) => {
    const list = symbol === PERP.symbol ? (opts.perpBooks ?? [BOOKS.get(bookKey('binance', symbol)) as OrderBook]) : [BOOKS.get(bookKey('binance', symbol)) as OrderBook];
    const item = list[Math.min(symbol === PERP.symbol ? served++ : 0, list.length - 1)] as OrderBook | Error;
    return item instanceof Error ? Promise.reject(item) : Promise.resolve(item);
  };
  const engine = new CarryEngine({
    clock,
    scanner: scanner(clock),
    execution: new SimExecution(source, clock, { latencyMs: 100, bookDepth: 50 }),
    ledger,
    params: rankParamsFromConfig(config.scan, config.strategy),
    config,
    log: pino({ level: 'silent' }),
    ...(opts.tradingState ? { tradingState: opts.tradingState } : {}),
  });
  await engine.start();
  const tick = async () => {
    await engine.scanTick();
    clock.set(clock.now() + 5 * 60_000);
  };
  const driftAlerts = () => {
    const scan = engine.lastScan() as ScanResult;
    return checkDrift(driftInputs(ledger.openPositions(), scan.markets, scan, 'coin'), { threshold: 0.02, critical: 0.05 }, { now: clock.now() });
  };
  const rebalanceOrders = () => ledger.orders('p1').filter((o) => o.purpose === 'rebalance');
  const decisions = () => ledger.decisions({ limit: 100 }).filter((d) => d.reason.startsWith('rebalance'));
  return { ledger, engine, tick, driftAlerts, rebalanceOrders, decisions };
}

describe('paper auto-rebalance (monitor.autoRebalance, on by default in paper)', () => {
  it('a perp shortfall is sold at the next scan tick: within one lot of flat, the drift alert has nothing left to fire on', async () => {
    const h = await setup(0.19);
    await h.tick();
    expect(h.rebalanceOrders()).toEqual([
      expect.objectContaining({ clientOrderId: 'p1:rebalance:perp:1', side: 'sell', amount: 0.01, reduceOnly: false, status: 'filled', filledAmount: 0.01 }),
    ]);
    const p = h.ledger.position('p1');
    expect(p).toMatchObject({ state: 'open', flag: null });
    expect(p?.spotQty).toBeCloseTo(0.2, 12);
    expect(Math.abs((p?.spotQty ?? 0) + (p?.perpContracts ?? 0))).toBeLessThanOrEqual(PERP.amountStep);
    expect(h.decisions()).toEqual([expect.objectContaining({ action: 'rebalance', symbol: PERP.symbol, reason: expect.stringMatching(/^rebalance: drift 5(\.0+)?% beyond 2(\.0+)?%: sell 0\.01 BTCUSDT-PERP contracts on binance \(leaves 0(\.0+)?%\)$/) })]);
    expect(h.driftAlerts()).toEqual([]);
    // The next tick finds nothing to correct.
    await h.tick();
    expect(h.rebalanceOrders()).toHaveLength(1);
  });

  it('an over-hedged perp is bought back reduce-only', async () => {
    const h = await setup(0.21);
    await h.tick();
    expect(h.rebalanceOrders()).toEqual([expect.objectContaining({ side: 'buy', amount: 0.01, reduceOnly: true, filledAmount: 0.01 })]);
    expect(h.ledger.position('p1')?.perpContracts).toBeCloseTo(-0.2, 12);
    expect(h.decisions()).toEqual([expect.objectContaining({ action: 'rebalance' })]);
  });

  it('a correction that cannot fill leaves the position open and flagged; the alert stands', async () => {
    const gone = orderBook({ venue: 'binance', symbol: PERP.symbol, bids: [[45_000, 5]], asks: [[55_000, 5]], eventTime: null, receivedAt: NOW });
    const h = await setup(0.19, { perpBooks: [gone] });
    await h.tick();
    expect(h.rebalanceOrders()).toEqual([expect.objectContaining({ status: expect.not.stringMatching(/^filled$/), filledAmount: 0 })]);
    expect(h.ledger.position('p1')).toMatchObject({ state: 'open', flag: 'rebalance_unfilled', perpContracts: -0.19 });
    expect(h.driftAlerts()).toHaveLength(1);
  });

  it('the venue not answering leaves it rebalancing; the next tick resumes it with a new client id', async () => {
    const timeout = new CarryError('CARRY_VENUE_TIMEOUT', 'retry', 'binance: request timed out', { venue: 'binance' });
    const h = await setup(0.19, { perpBooks: [timeout, BOOKS.get(bookKey('binance', PERP.symbol)) as OrderBook] });
    await h.tick();
    expect(h.ledger.position('p1')).toMatchObject({ state: 'rebalancing', flag: 'venue_unreachable' });
    expect(h.rebalanceOrders()).toEqual([expect.objectContaining({ clientOrderId: 'p1:rebalance:perp:1', status: 'submitted' })]);
    await h.tick();
    expect(h.ledger.position('p1')).toMatchObject({ state: 'open' });
    expect(h.ledger.position('p1')?.perpContracts).toBeCloseTo(-0.2, 12);
    expect(h.rebalanceOrders().map((o) => `${o.clientOrderId} ${o.status}`)).toEqual(['p1:rebalance:perp:1 submitted', 'p1:rebalance:perp:2 filled']);
  });

  it('halted: denied by the risk gate, nothing placed', async () => {
    const h = await setup(0.19, { tradingState: 'halted' });
    await h.tick();
    expect(h.rebalanceOrders()).toEqual([]);
    expect(h.decisions()).toEqual([expect.objectContaining({ action: 'deny' })]);
    expect(h.ledger.position('p1')?.state).toBe('open');
  });

  it('autoRebalance off: alert only, nothing placed', async () => {
    const h = await setup(0.19, { monitor: { autoRebalance: false } });
    await h.tick();
    expect(h.rebalanceOrders()).toEqual([]);
    expect(h.driftAlerts()).toHaveLength(1);
  });
});
