/**
 * Delta drift of an inverse perp (Deribit BTC-PERPETUAL, 10 USD contracts) through the paper
 * engine, as the price moves from the hedge price 40,000 to 44,000 (accounting.md Example 2: 1 BTC
 * spot, short 4,000 contracts at 40,020).
 *
 * monitor.drift.inverseExposure decides what "hedged" means (docs/alerts.md "Inverse perps"):
 * - 'coin' (default): the coin the position holds, including the perp's coin P&L, which lands in
 *   the same BTC. The matched hedge stays flat as the price moves; a hedge short 10% too little
 *   stays 10% off in coin, and the corrective order in contracts grows with the price.
 * - 'legs': spot against the contracts' base equivalent, as in Example 2: at 44,000 the hedge has
 *   drifted 9.1% and the fix is to sell 400 more contracts.
 * Both through the engine: the delta_drift alert its monitor tick sends (the alert manager with a
 * recording sender), and the order auto-rebalance places at the next scan tick.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AlertManager, type AlertSender } from '../../src/alerts/manager.js';
import { AlertStore } from '../../src/alerts/store.js';
import { validateConfig } from '../../src/config/load.js';
import type { Alert } from '../../src/domain/alert.js';
import { orderBook } from '../../src/domain/book.js';
import { SimClock } from '../../src/domain/clock.js';
import type { FundingSnapshot, OrderBook } from '../../src/domain/market.js';
import { CarryEngine } from '../../src/engine/engine.js';
import type { Scanner, ScanResult } from '../../src/engine/scanner.js';
import { SimExecution, type BookSource } from '../../src/execution/sim-execution.js';
import { rankParamsFromConfig } from '../../src/app/strategy-params.js';
import { bookKey } from '../../strategies/spot-perp-carry/rank.js';
import { deribitPerp, deribitSpot } from '../monitor/fixtures.js';
import { HOUR, T0, created, funded, inverseSpec, memoryLedger, trade, transition } from '../store/fixtures.js';

// Deribit's own lots: spot 0.0001 BTC; BTC-PERPETUAL 10 USD contracts whose ccxt amount is USD.
const SPOT = deribitSpot;
const PERP = deribitPerp;
const spec = inverseSpec('d1');
const NOW = T0 + HOUR; // a whole minute: the monitor tick there runs the alert checks

function marketAt(price: number, at: number) {
  const book = (symbol: string, amount: number): OrderBook =>
    orderBook({ venue: 'deribit', symbol, bids: [[price - 0.5, amount]], asks: [[price + 0.5, amount]], eventTime: null, receivedAt: at });
  const books = new Map([
    [bookKey('deribit', SPOT.symbol), book(SPOT.symbol, 5)],
    [bookKey('deribit', PERP.symbol), book(PERP.symbol, 500_000)], // USD
  ]);
  const funding: FundingSnapshot = {
    venue: 'deribit',
    symbol: PERP.symbol,
    base: 'BTC',
    quote: 'USD',
    settle: 'BTC',
    settlement: 'inverse',
    contractSize: 10,
    rate: 0.0001,
    intervalHours: 8,
    intervalSource: 'venue',
    continuous: true,
    rateKind: 'predicted',
    nextFundingTime: T0 + 8 * HOUR,
    markPrice: price,
    indexPrice: price,
    eventTime: null,
    receivedAt: at,
  };
  return { books, funding };
}

async function setup(held: { perpContracts: number; perpPrice: number }, monitor: Record<string, unknown>) {
  const ledger = memoryLedger();
  ledger.append([
    funded('deribit', 'USDC', 50_000),
    funded('deribit', 'BTC', 0.5), // coin the user already held: not the position's, never hedged
    created(spec, T0, 40_000),
    ...trade({ spec, leg: 'spot', side: 'buy', qty: 1, price: 40_000, feeRate: 0 }),
    ...trade({ spec, leg: 'perp', side: 'sell', qty: held.perpContracts, price: held.perpPrice, feeRate: 0, purpose: 'hedge' }),
    transition('d1', 'pending_open', 'open', T0 + 1),
  ]);
  const clock = new SimClock(NOW);
  let price = 40_000;
  const markets = new Map([['deribit', [SPOT, PERP]]]);
  const scanner = {
    loadMarkets: () => Promise.resolve(markets),
    scan: (): Promise<ScanResult> => {
      const m = marketAt(price, clock.now());
      return Promise.resolve({
        at: clock.now(),
        venues: [{ venue: 'deribit', status: 'ok', perps: 1, books: 2, bookErrors: 0, skipped: [], elapsedMs: 0 }],
        opportunities: [],
        markets,
        funding: [m.funding],
        tickers: [],
        books: m.books,
      } as ScanResult);
    },
    adapters: () => [],
  } as unknown as Scanner;
  const source: BookSource = (_venue, symbol) => Promise.resolve(marketAt(price, clock.now()).books.get(bookKey('deribit', symbol)) as OrderBook);

  const sent: Alert[] = [];
  const sender: AlertSender = (alert, sinks) => {
    sent.push(alert);
    return Promise.resolve(sinks.map((sink) => ({ sink, ok: true })));
  };
  const store = AlertStore.open(':memory:', { mode: 'paper', carryVersion: 'test' });
  const manager = new AlertManager({ store, sender, sinks: ['log'], clock });
  const config = validateConfig({ monitor, jobs: { monitor: '0 * * * * *' } }, 'test');
  const engine = new CarryEngine({
    clock,
    scanner,
    execution: new SimExecution(source, clock, { latencyMs: 100, bookDepth: 50 }),
    ledger,
    params: rankParamsFromConfig(config.scan, config.strategy),
    config,
    log: pino({ level: 'silent' }),
    // Delivery beside the engine, reduced to its essence: woken, not awaited.
    alerts: { manager, delivery: { wake: () => void manager.deliver() }, firing: () => store.firing().map((e) => e.alert) },
  });
  await engine.start();
  /** Price moves to `to`; a scan tick (auto-rebalance) then the next minute's monitor tick (alerts). */
  const moveTo = async (to: number) => {
    price = to;
    await engine.scanTick();
    clock.set(clock.now() + 60_000);
    await engine.monitorTick();
  };
  const driftAlerts = () => sent.filter((a) => a.kind === 'delta_drift');
  const rebalanceOrders = () => ledger.orders('d1').filter((o) => o.purpose === 'rebalance');
  return { ledger, moveTo, driftAlerts, rebalanceOrders };
}

describe("inverse perp drift, counted by the coin the position holds (monitor.drift.inverseExposure 'coin', the default)", () => {
  it('the matched hedge (1 BTC, short 40,000 USD) stays flat from 40,000 to 44,000 and 36,000: no alert, no order', async () => {
    const h = await setup({ perpContracts: 4_000, perpPrice: 40_020 }, {});
    for (const price of [40_000, 44_000, 36_000]) {
      await h.moveTo(price);
      expect(h.driftAlerts(), `at ${price}`).toEqual([]);
    }
    expect(h.rebalanceOrders()).toEqual([]);
    expect(h.ledger.position('d1')?.perpContracts).toBe(-4_000);
  });

  it('a hedge 10% short of the coin is caught, and its corrective order follows the price: 440 contracts at 44,000', async () => {
    // Short 3,600 contracts at 40,000 against 1 BTC: 0.1 BTC unhedged. At 44,000 the coin held is
    // 1 − 36,000 × (1/40,000 − 1/44,000) = 0.9181818 BTC against −36,000 / 44,000 = −0.8181818:
    // still 0.1 BTC long, i.e. 4,400 USD = 440 contracts to sell (400 at 40,000, 360 at 36,000).
    const h = await setup({ perpContracts: 3_600, perpPrice: 40_000 }, { autoRebalance: false });
    await h.moveTo(44_000);
    const [a, ...more] = h.driftAlerts();
    expect(more).toEqual([]);
    expect(a?.data['exposure']).toBeCloseTo(0.1, 9);
    expect(a?.data['targetContracts']).toBeCloseTo(-4_040, 6);
    expect(a?.actions).toEqual([
      { kind: 'order', venue: 'deribit', symbol: 'BTC/USD:BTC', leg: 'perp', side: 'sell', amount: 4_400, contracts: 440, text: 'sell 440 BTC-PERPETUAL contracts on deribit' },
    ]);
    expect(h.rebalanceOrders()).toEqual([]);
  });

  it('auto-rebalance sells those 440 contracts at 44,000, and the position is then flat in coin', async () => {
    const h = await setup({ perpContracts: 3_600, perpPrice: 40_000 }, {});
    await h.moveTo(44_000);
    expect(h.rebalanceOrders()).toEqual([expect.objectContaining({ side: 'sell', amount: 4_400, status: 'filled', filledAmount: 4_400 })]);
    expect(h.ledger.position('d1')?.perpContracts).toBe(-4_040);
    expect(h.driftAlerts()).toEqual([]);
    // Back at 40,000 it is still hedged: the coin lost on the extra 440 contracts came back.
    await h.moveTo(40_000);
    expect(h.rebalanceOrders()).toHaveLength(1);
    expect(h.driftAlerts()).toEqual([]);
  });
});

describe("inverse perp drift, counted by the legs (monitor.drift.inverseExposure 'legs': accounting.md Example 2)", () => {
  it('at 44,000 the hedge has drifted 9.1% long: the alert says sell 400 contracts, and auto-rebalance does', async () => {
    const alertOnly = await setup({ perpContracts: 4_000, perpPrice: 40_020 }, { autoRebalance: false, drift: { inverseExposure: 'legs' } });
    await alertOnly.moveTo(40_000);
    expect(alertOnly.driftAlerts()).toEqual([]);
    await alertOnly.moveTo(44_000);
    const [a] = alertOnly.driftAlerts();
    expect(a?.title).toBe('BTC carry on deribit drifted 9.1% long');
    expect(a?.data['exposure']).toBeCloseTo(1 / 11, 12);
    expect(a?.actions).toEqual([
      { kind: 'order', venue: 'deribit', symbol: 'BTC/USD:BTC', leg: 'perp', side: 'sell', amount: 4_000, contracts: 400, text: 'sell 400 BTC-PERPETUAL contracts on deribit' },
    ]);

    const auto = await setup({ perpContracts: 4_000, perpPrice: 40_020 }, { drift: { inverseExposure: 'legs' } });
    await auto.moveTo(44_000);
    expect(auto.rebalanceOrders()).toEqual([expect.objectContaining({ side: 'sell', amount: 4_000, filledAmount: 4_000 })]);
    expect(auto.ledger.position('d1')?.perpContracts).toBe(-4_400);
    expect(auto.driftAlerts()).toEqual([]);
  });

  it('at 36,000 it has drifted 11.1% short: buy 400 back, critical', async () => {
    const h = await setup({ perpContracts: 4_000, perpPrice: 40_020 }, { autoRebalance: false, drift: { inverseExposure: 'legs' } });
    await h.moveTo(36_000);
    const [a] = h.driftAlerts();
    expect(a?.severity).toBe('critical');
    expect(a?.actions[0]).toMatchObject({ side: 'buy', contracts: 400 });
  });
});
