/**
 * The engine's two seams for live trading (src/engine/capital-view.ts, src/engine/tick-buffer.ts):
 *
 *   EngineOptions.commit 'per_event': every batch the leg executor hands its sink is in the
 *   database at once, so an order.submitted row is there before the execution port's placeIoc
 *   resolves (checked from inside placeIoc through a second connection); 'per_tick' (the
 *   default) writes nothing until the tick commits. On the sim market both modes leave the same
 *   ledger.
 *
 *   EngineOptions.capital: paperCapital gives the numbers the paper wallet gives
 *   (freeCapital / notionalFromCapital); an engine handed a view that knows no capital opens
 *   nothing and says why.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { openMarketSource } from '../../src/app/market-source.js';
import { scannerFor } from '../../src/app/scanner.js';
import { rankParamsFromConfig } from '../../src/app/strategy-params.js';
import { loadConfig, validateConfig } from '../../src/config/load.js';
import { orderBook } from '../../src/domain/book.js';
import { SimClock } from '../../src/domain/clock.js';
import type { FundingSnapshot, Market, OrderBook } from '../../src/domain/market.js';
import { paperCapital, perpExposures, type CapitalView } from '../../src/engine/capital-view.js';
import { CarryEngine, type EngineOptions } from '../../src/engine/engine.js';
import { freeCapital, notionalFromCapital } from '../../src/engine/paper-wallet.js';
import type { Scanner, ScanResult } from '../../src/engine/scanner.js';
import type { ExecutionPort, OrderRequest, OrderResult } from '../../src/execution/port.js';
import { bookSourceFrom, SimExecution, type BookSource } from '../../src/execution/sim-execution.js';
import { Ledger } from '../../src/store/ledger.js';
import { bookKey } from '../../strategies/spot-perp-carry/rank.js';
import { summariseLedger } from '../support/paper-ledger.js';
import { HOUR, T0, created, funded, linearSpec, tempDir, trade, transition } from '../store/fixtures.js';

const silent = pino({ level: 'silent' });

// ---------------------------------------------------------------------------------------------
// A held position 5% under-hedged: the next scan tick places one rebalance order (as in
// test/integration/paper-rebalance.test.ts).
// ---------------------------------------------------------------------------------------------

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

function fixedScanner(clock: SimClock): Scanner {
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

/** Rebalance orders as another connection to the file sees them: what is committed, nothing else. */
function committedOrders(db: string): { client_order_id: string; status: string }[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare(`SELECT client_order_id, status FROM orders WHERE purpose = 'rebalance' ORDER BY submitted_at, client_order_id`).all() as { client_order_id: string; status: string }[];
  } finally {
    conn.close();
  }
}

/** SimExecution, looking at the database from inside placeIoc before it answers. */
class WatchingExecution implements ExecutionPort {
  readonly seenAtPlace: { clientOrderId: string; rows: { client_order_id: string; status: string }[] }[] = [];

  constructor(
    private readonly inner: SimExecution,
    private readonly db: string,
  ) {}

  async placeIoc(req: OrderRequest): Promise<OrderResult> {
    this.seenAtPlace.push({ clientOrderId: req.clientOrderId, rows: committedOrders(this.db) });
    return this.inner.placeIoc(req);
  }
  fetchOrder(...a: Parameters<ExecutionPort['fetchOrder']>) {
    return this.inner.fetchOrder(...a);
  }
  cancelOrder(...a: Parameters<ExecutionPort['cancelOrder']>) {
    return this.inner.cancelOrder(...a);
  }
  openOrders(...a: Parameters<ExecutionPort['openOrders']>) {
    return this.inner.openOrders(...a);
  }
}

async function rebalanceTick(commit: EngineOptions['commit']) {
  const db = join(tempDir(), 'ledger.db');
  const ledger = Ledger.open(db, { mode: 'paper', carryVersion: 'test' });
  const spec = linearSpec('p1');
  ledger.append([
    funded('binance', 'USDT', 20_000),
    created(spec),
    ...trade({ spec, leg: 'spot', side: 'buy', qty: 0.2, price: 50_000, feeRate: 0.001 }),
    ...trade({ spec, leg: 'perp', side: 'sell', qty: 0.19, price: 50_010, feeRate: 0.0005, purpose: 'hedge' }),
    transition('p1', 'pending_open', 'open', T0 + 1),
  ]);
  const clock = new SimClock(NOW);
  const config = validateConfig({}, 'test');
  const source: BookSource = (_venue, symbol) => Promise.resolve(BOOKS.get(bookKey('binance', symbol)) as OrderBook);
  const execution = new WatchingExecution(new SimExecution(source, clock, { latencyMs: 100, bookDepth: 50 }), db);
  const engine = new CarryEngine({
    clock,
    scanner: fixedScanner(clock),
    execution,
    ledger,
    params: rankParamsFromConfig(config.scan, config.strategy),
    config,
    log: silent,
    ...(commit ? { commit } : {}),
  });
  try {
    await engine.start();
    const summary = await engine.scanTick();
    return { summary, seen: execution.seenAtPlace, after: committedOrders(db), position: ledger.position('p1') };
  } finally {
    ledger.close();
  }
}

describe("EngineOptions.commit: 'per_event' writes each order through before it is sent", () => {
  it("per_event: the order.submitted row is in the database while placeIoc runs; the tick's commit adds nothing it already wrote", async () => {
    const r = await rebalanceTick('per_event');
    expect(r.seen).toEqual([{ clientOrderId: 'p1:rebalance:perp:1', rows: [{ client_order_id: 'p1:rebalance:perp:1', status: 'submitted' }] }]);
    expect(r.after).toEqual([{ client_order_id: 'p1:rebalance:perp:1', status: 'filled' }]);
    expect(r.position).toMatchObject({ state: 'open', flag: null });
    expect(r.position?.perpContracts).toBeCloseTo(-0.2, 12);
  });

  it('per_tick (the default): nothing of the tick is in the database until it commits, then the same rows', async () => {
    const perTick = await rebalanceTick(undefined);
    const perEvent = await rebalanceTick('per_event');
    expect(perTick.seen).toEqual([{ clientOrderId: 'p1:rebalance:perp:1', rows: [] }]);
    expect(perTick.after).toEqual(perEvent.after);
    expect(perTick.summary.events).toBe(perEvent.summary.events);
    expect(perTick.position).toEqual(perEvent.position);
  });
});

// ---------------------------------------------------------------------------------------------
// The sim market, driven tick by tick.
// ---------------------------------------------------------------------------------------------

const SIM_START = Date.UTC(2026, 0, 5);
const MIN = 60_000;

async function simRun(db: string, over: (reads: { ledger: Ledger }) => Partial<Pick<EngineOptions, 'capital' | 'commit'>>, hours: number) {
  const config = loadConfig({ overrides: { log: { level: 'silent' }, jobs: { scan: '*/10 * * * *', monitor: '*/5 * * * *' } } });
  const source = openMarketSource(config, { kind: 'sim', seed: 42 }, { replayAt: 'ready', log: silent });
  const ledger = Ledger.open(db, { mode: 'paper', carryVersion: 'test' });
  try {
    const engine = new CarryEngine({
      clock: source.clock,
      scanner: scannerFor(config, source),
      execution: new SimExecution(bookSourceFrom(source.venues.adapters), source.clock, { latencyMs: config.paper.latencyMs, bookDepth: config.scan.bookDepth }),
      ledger,
      params: rankParamsFromConfig(config.scan, config.strategy),
      config,
      log: silent,
      ...over({ ledger }),
    });
    await engine.start();
    const sim = source.simClock as SimClock;
    for (let t = SIM_START; t <= SIM_START + hours * 60 * MIN; t += 5 * MIN) {
      sim.set(t);
      if (t % (10 * MIN) === 0) await engine.scanTick();
      else await engine.monitorTick();
    }
    return { decisions: ledger.decisions({ limit: 10_000 }) };
  } finally {
    ledger.close();
    source.close();
  }
}

describe('the two seams on the sim market', () => {
  it("per_event and per_tick leave the same ledger: same events, positions and totals", async () => {
    const dir = tempDir();
    await simRun(join(dir, 'tick.db'), () => ({}), 12);
    await simRun(join(dir, 'event.db'), () => ({ commit: 'per_event' }), 12);
    const a = summariseLedger(join(dir, 'tick.db'));
    const b = summariseLedger(join(dir, 'event.db'));
    expect(a.fills).toBeGreaterThan(0); // not vacuous: it traded
    expect(b).toEqual(a);
  }, 60_000);

  it('a capital view that knows no capital: nothing opens, and decide() says why', async () => {
    const dir = tempDir();
    const none: CapitalView = { perpLeverage: 3, balance: () => 0, freeFor: () => 0, free: () => undefined, openable: () => 0 };
    const r = await simRun(join(dir, 'none.db'), () => ({ capital: none }), 2);
    const s = summariseLedger(join(dir, 'none.db'));
    expect(s.positions).toEqual([]);
    expect(r.decisions.filter((d) => d.action === 'skip' && d.reason.startsWith('free capital unknown on venue')).length).toBeGreaterThan(0);
    expect(r.decisions.filter((d) => d.action === 'open')).toEqual([]);
  }, 60_000);
});

describe('paperCapital: the paper wallet numbers', () => {
  const markets = (venue: string): Market[] => (venue === 'binance' ? [SPOT, PERP] : []);
  const wallet = (venue: string) => (venue === 'binance' ? [{ venue, currency: 'USDT', amount: 10_000 }, { venue, currency: 'BTC', amount: 0.2 }] : []);
  const exposures = perpExposures(
    [
      { venue: 'binance', settlement: 'linear' as const, quote: 'USDT', perpContracts: -0.2, contractSize: 1 },
      { venue: 'binance', settlement: 'inverse' as const, quote: 'USD', perpContracts: -100, contractSize: 10 },
    ],
    () => 50_000,
  );
  const view = paperCapital({ wallet, markets, exposures: () => exposures, perpLeverage: 3 });

  it('free: the stable balance less the margin open linear perps tie up; openable: notionalFromCapital of it', () => {
    const free = freeCapital(10_000, exposures, 3);
    expect(free).toBeCloseTo(10_000 - 10_000 / 3, 9);
    expect(view.free('binance')).toBe(free);
    expect(view.openable('binance', 'linear')).toBe(notionalFromCapital(free, 'linear', 3));
    expect(view.openable('binance', 'inverse')).toBe(free);
    expect(view.free('okx')).toBe(0);
  });

  it('freeFor: both legs draw on the one stable pool; a coin is its balance (an inverse perp’s collateral); balance is the wallet’s', () => {
    const free = freeCapital(10_000, exposures, 3);
    expect(view.freeFor('binance', 'spot', 'USDT')).toBe(free);
    expect(view.freeFor('binance', 'perp', 'USDT')).toBe(free);
    expect(view.freeFor('binance', 'perp', 'BTC')).toBe(0.2);
    expect(view.balance('binance', 'USDT')).toBe(10_000);
    expect(view.balance('binance', 'ETH')).toBe(0);
    expect(view.perpLeverage).toBe(3);
  });
});
