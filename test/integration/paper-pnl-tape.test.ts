/**
 * The paper engine end to end on hand-written tapes: what `carry paper --market replay:FILE`
 * books must equal a hand computation to 1e-9 relative: fills walked off the books and sized to
 * the lots, taker fees, funding credits (discrete linear settlements, continuous inverse accrual),
 * both legs' P&L realised and unrealised, net, APR and the wallet.
 *
 * Every number on the tapes is chosen here; the comments carry the arithmetic, and the expected
 * values below are that arithmetic on those literals (nothing is copied from the engine).
 * Each tape is run twice on one ledger: first stopped while the position is open (unrealised at
 * the last scan's marks), then resumed from the ledger to the end of the tape, where the strategy
 * has closed it (everything realised, nothing counted twice across the restart).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { carryVersion } from '../../src/app/context.js';
import { startPaperRun, type PaperRunResult } from '../../src/app/paper-run.js';
import { loadConfig } from '../../src/config/load.js';
import { HOURS_PER_YEAR } from '../../src/pricing/funding.js';
import { Ledger } from '../../src/store/ledger.js';
import type { FillRow, FundingPaymentRow, PositionRow, WalletBalance } from '../../src/store/rows.js';
import { tempDir } from '../support/cli.js';
import {
  bookRecord,
  bybitFundingRate,
  bybitTicker,
  deribitMarket,
  deribitSummary,
  realBybitMarkets,
  writeTape,
  type HandRecord,
  type Levels,
} from '../support/hand-tape.js';

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
/** The engine's latency per IOC order (paper.latencyMs): leg one fills at +150 ms, leg two at +300 ms. */
const LATENCY = 150;

/** |actual − expected| ≤ 1e-9 × |expected|; an expected 0 must come out within 1e-12. */
function expectRel(actual: number | null | undefined, expected: number, what: string): void {
  expect(actual, what).not.toBeNull();
  expect(actual, what).not.toBeUndefined();
  const tol = expected === 0 ? 1e-12 : 1e-9 * Math.abs(expected);
  if (!(Math.abs((actual as number) - expected) <= tol)) {
    throw new Error(`${what}: engine ${actual}, hand ${expected} (difference ${(actual as number) - expected})`);
  }
}

/**
 * A strategy that enters after two favourable observations and exits when the rate's APR falls
 * below 2%; everything else as shipped. The ranker prices 5,000 of notional.
 */
function testConfig() {
  return loadConfig({
    overrides: {
      log: { level: 'silent' },
      scan: { notional: 5_000, minQuoteVolume24h: 0, maxSlippageBps: 10, holdHours: 72 },
      strategy: { positiveObservations: 2, noEntryBeforeSettlementMinutes: 10, entryMinNetApr: 0.1, exitRateBelow: 0.02 },
      paper: { latencyMs: LATENCY, startingBalance: 10_000, startingCurrency: 'USDT', perpLeverage: 3 },
      jobs: { scan: '* * * * *', monitor: '*/15 * * * * *' },
    },
  });
}

interface LedgerView {
  readonly fills: readonly FillRow[];
  readonly funding: readonly FundingPaymentRow[];
  readonly wallet: readonly WalletBalance[];
  readonly positions: readonly PositionRow[];
}

function readLedger(db: string): LedgerView {
  const l = Ledger.open(db, { mode: 'paper', readonly: true, carryVersion: carryVersion() });
  try {
    return { fills: l.fills(), funding: l.fundingPayments(), wallet: l.walletBalances(), positions: l.positions() };
  } finally {
    l.close();
  }
}

async function runTape(file: string, db: string, venue: string, until?: number): Promise<{ result: PaperRunResult; ledger: LedgerView }> {
  const run = await startPaperRun({ config: testConfig(), spec: { kind: 'replay', file }, dbPath: db, only: [venue], speed: 'max', until });
  const result = await run.done;
  return { result, ledger: readLedger(db) };
}

function balance(view: LedgerView, currency: string): number {
  return view.wallet.filter((b) => b.currency === currency).reduce((s, b) => s + b.amount, 0);
}

function fillsOf(view: LedgerView, leg: 'spot' | 'perp', side: 'buy' | 'sell'): readonly FillRow[] {
  return view.fills.filter((f) => f.leg === leg && f.side === side);
}

interface Books {
  readonly spot: { readonly bids: Levels; readonly asks: Levels };
  readonly perp: { readonly bids: Levels; readonly asks: Levels };
}

const top = (levels: Levels): number => (levels[0] as readonly [number, number])[0];

// =============================================================================================
// 1. Linear: Bybit BTC/USDT spot + BTC/USDT:USDT perp (real market objects), 8h settlements
// =============================================================================================

describe('paper P&L on a hand-written linear tape (Bybit BTC/USDT + BTC/USDT:USDT)', () => {
  const SPOT = 'BTC/USDT';
  const PERP = 'BTC/USDT:USDT';
  const T1 = Date.UTC(2026, 7, 10); // 2026-08-10 00:00 UTC, a settlement
  const T2 = T1 + 8 * HOUR; // 08:00, the next one
  const T3 = T2 + 8 * HOUR;
  const START = T1 - HOUR; // 23:00, the tape's loadMarkets: the run starts here
  const OPEN = START + MIN; // 23:01, the second scan (positiveObservations 2) opens
  const EXIT = T2 + 30 * MIN; // 08:30, the rate turns below the exit APR
  const STOP = EXIT - MIN; // run one stops at 08:29 with the position open

  // Markets from the real tape (taker: spot 0.1%, perp 0.06%; lots 0.000001 / 0.001 BTC; tick 0.1).
  const markets = realBybitMarkets([SPOT, PERP]);
  const SPOT_TAKER = 0.001;
  const PERP_TAKER = 0.0006;

  // Books, [price, BTC]. Entry: spot 59,990 / 60,000 (mid 59,995), perp 60,030 / 60,040 (mid 60,035).
  const entryBooks: Books = {
    spot: { bids: [[59_990, 1]], asks: [[60_000, 0.05], [60_010, 1]] },
    perp: { bids: [[60_030, 0.03], [60_020, 1]], asks: [[60_040, 1]] },
  };
  // From 04:00 the price is up about 500.
  const movedBooks: Books = {
    spot: { bids: [[60_490, 1]], asks: [[60_500, 1]] },
    perp: { bids: [[60_520, 1]], asks: [[60_530, 1]] },
  };
  // At 08:30, 200 more, with two levels on the sides the exit takes.
  const exitBooks: Books = {
    spot: { bids: [[60_700, 0.05], [60_690, 1]], asks: [[60_710, 1]] },
    perp: { bids: [[60_720, 1]], asks: [[60_730, 0.04], [60_740, 1]] },
  };

  interface State {
    readonly at: number;
    readonly rate: number;
    readonly next: number;
    readonly mark: number;
    readonly books: Books;
  }
  /** One scan's worth of answers, as carry's Bybit call plan asks them (venues.md §5). */
  function scanRecords(s: State): HandRecord[] {
    const funding = bybitFundingRate(PERP, 'BTCUSDT', s.at, { rate: s.rate, nextFundingTime: s.next, mark: s.mark, index: s.mark });
    const ticker = bybitTicker(PERP, s.at, { bid: top(s.books.perp.bids), ask: top(s.books.perp.asks), quoteVolume: 1e9, mark: s.mark, index: s.mark });
    return [
      { ts: s.at, venue: 'bybit', method: 'fetchFundingRates', args: [], result: { [PERP]: funding } },
      { ts: s.at, venue: 'bybit', method: 'fetchTickers', args: [null, { subType: 'linear', type: 'swap' }], result: { [PERP]: ticker } },
      bookRecord('bybit', s.at, SPOT, 50, s.books.spot.bids, s.books.spot.asks),
      bookRecord('bybit', s.at, PERP, 50, s.books.perp.bids, s.books.perp.asks),
    ];
  }

  // The tape: a record only where something changes (a replayed call gets the latest record).
  const tape: HandRecord[] = [
    { ts: START, venue: 'bybit', method: 'loadMarkets', args: [], result: markets },
    // 0.08% per 8h for T1: 87.6% gross APR, enough for the 10% entry threshold after fees.
    ...scanRecords({ at: START, rate: 0.0008, next: T1, mark: 60_030, books: entryBooks }),
    // The mark moves to 60,100 and stays there through T1: M1.
    ...scanRecords({ at: START + 30 * MIN, rate: 0.0008, next: T1, mark: 60_100, books: entryBooks }),
    // T1 rolls over: the rate quoted for T2 is 0.06% (T1 itself was quoted 0.08% until now).
    ...scanRecords({ at: T1, rate: 0.0006, next: T2, mark: 60_100, books: entryBooks }),
    // 04:00: price move; the mark 60,500 holds through T2: M2.
    ...scanRecords({ at: T1 + 4 * HOUR, rate: 0.0006, next: T2, mark: 60_500, books: movedBooks }),
    ...scanRecords({ at: T2, rate: 0.0004, next: T3, mark: 60_500, books: movedBooks }),
    // 08:30: 0.001% per 8h is 1.095% APR < 2%: the strategy closes on these books.
    ...scanRecords({ at: EXIT, rate: 0.00001, next: T3, mark: 60_725, books: exitBooks }),
    // The tape (and the run) ends at 08:35.
    ...scanRecords({ at: EXIT + 5 * MIN, rate: 0.00001, next: T3, mark: 60_725, books: exitBooks }),
  ];

  // ---- Hand computation ---------------------------------------------------------------------
  // Entry at 23:01. Target 5,000 USDT (scan.notional; free capital 10,000 / (1 + 1/3) = 7,500).
  // Limits 10 bps from mid, rounded away from the touch: spot buy 59,995 × 1.001 = 60,054.995 →
  // 60,055.0; perp sell 60,035 × 0.999 = 59,974.965 → 59,974.9. Within them, for 5,000:
  //   spot asks: 0.05 × 60,000 = 3,000, then 2,000 / 60,010 = 0.0333278 → 0.0833278 BTC
  //   perp bids: 0.03 × 60,030 = 1,800.9, then 3,199.1 / 60,020 = 0.0533006 → 0.0833006 BTC
  // Size 0.0833006 BTC: the perp floors to its 0.001 lot, 0.083; the spot matches it, 0.083.
  // The perp (coarser lot) goes first and takes both bid levels; the spot hedges what filled.
  const perpOpen = [
    { price: 60_030, qty: 0.03 },
    { price: 60_020, qty: 0.053 },
  ];
  const spotOpen = [
    { price: 60_000, qty: 0.05 },
    { price: 60_010, qty: 0.033 },
  ];
  const Q = 0.083; // BTC long spot, and contracts short (cs 1)
  const spotCost = 0.05 * 60_000 + 0.033 * 60_010; // 3,000 + 1,980.33 = 4,980.33
  const perpProceeds = 0.03 * 60_030 + 0.053 * 60_020; // 1,800.9 + 3,181.06 = 4,981.96
  const entryFees = PERP_TAKER * perpProceeds + SPOT_TAKER * spotCost; // 2.989176 + 4.98033 = 7.969506

  // Funding to the short, −q × cs × M × r with q = −0.083, cs = 1: the rate last quoted for each
  // settlement before it, the last mark at or before it.
  const F1 = Q * 60_100 * 0.0008; // T1: 0.083 × 60,100 × 0.0008 = 3.99064
  const F2 = Q * 60_500 * 0.0006; // T2: 0.083 × 60,500 × 0.0006 = 3.0129
  const funding = F1 + F2; // 7.00354

  // Open at 08:29, marked at that scan: spot mid (60,490 + 60,500) / 2 = 60,495, perp mark 60,500.
  const openSpotUnrealised = Q * 60_495 - spotCost; // 5,021.085 − 4,980.33 = 40.755
  const openPerpUnrealised = perpProceeds - Q * 60_500; // 4,981.96 − 5,021.5 = −39.54
  const openRealised = funding - entryFees; // −0.965966
  const openNet = openSpotUnrealised + openPerpUnrealised + openRealised; // 0.249034

  // Exit at 08:30. Perp first, buy 0.083 within 60,725 × 1.001 = 60,785.725 → 60,785.8:
  // 0.04 @ 60,730 and 0.043 @ 60,740. Spot sells 0.083 within 60,705 × 0.999 → 60,644.2:
  // 0.05 @ 60,700 and 0.033 @ 60,690.
  const perpClose = [
    { price: 60_730, qty: 0.04 },
    { price: 60_740, qty: 0.043 },
  ];
  const spotClose = [
    { price: 60_700, qty: 0.05 },
    { price: 60_690, qty: 0.033 },
  ];
  const perpBuyback = 0.04 * 60_730 + 0.043 * 60_740; // 2,429.2 + 2,611.82 = 5,041.02
  const spotProceeds = 0.05 * 60_700 + 0.033 * 60_690; // 3,035 + 2,002.77 = 5,037.77
  const spotPnl = spotProceeds - spotCost; // 57.44
  const perpPnl = perpProceeds - perpBuyback; // −59.06
  const exitFees = PERP_TAKER * perpBuyback + SPOT_TAKER * spotProceeds; // 3.024612 + 5.03777 = 8.062382
  const fees = entryFees + exitFees; // 16.031888
  const net = spotPnl + perpPnl + funding - fees; // −10.648348
  // APR on the larger leg at cost (the perp, 4,981.96) over first fill → last fill:
  // 23:01:00.150 → 08:30:00.300 = 9 h 29 min 0.15 s.
  const hoursHeld = (EXIT + 2 * LATENCY - (OPEN + LATENCY)) / HOUR;
  const apr = ((net / perpProceeds) * HOURS_PER_YEAR) / hoursHeld;

  let open: { result: PaperRunResult; ledger: LedgerView };
  let closed: { result: PaperRunResult; ledger: LedgerView };

  beforeAll(async () => {
    const dir = tempDir('carry-pnl-linear-');
    const file = join(dir, 'bybit-hand.ndjson');
    const db = join(dir, 'paper.db');
    writeTape(file, tape);
    open = await runTape(file, db, 'bybit', STOP);
    closed = await runTape(file, db, 'bybit');
  });

  it('opens on the books: perp first, both legs 0.083 BTC at the walked levels, taker fees from the markets', () => {
    const { ledger } = open;
    expect(ledger.positions).toHaveLength(1);
    const p = ledger.positions[0] as PositionRow;
    expect(p.state).toBe('open');
    expect([p.spotSymbol, p.perpSymbol, p.quote, p.settle, p.direction]).toEqual([SPOT, PERP, 'USDT', 'USDT', 'carry']);
    expectRel(p.spotQty, Q, 'spot held');
    expectRel(p.perpContracts, -Q, 'perp contracts held');

    const perp = fillsOf(ledger, 'perp', 'sell');
    const spot = fillsOf(ledger, 'spot', 'buy');
    expect(perp.map((f) => [f.price, f.ts])).toEqual(perpOpen.map((x) => [x.price, OPEN + LATENCY]));
    expect(spot.map((f) => [f.price, f.ts])).toEqual(spotOpen.map((x) => [x.price, OPEN + 2 * LATENCY]));
    perpOpen.forEach((x, i) => {
      const f = perp[i] as FillRow;
      expectRel(f.contracts, x.qty, `perp open fill ${i + 1} contracts`);
      expectRel(f.fee, PERP_TAKER * x.qty * x.price, `perp open fill ${i + 1} fee`);
      expect(f.feeCurrency).toBe('USDT');
    });
    spotOpen.forEach((x, i) => {
      const f = spot[i] as FillRow;
      expectRel(f.baseQty, x.qty, `spot open fill ${i + 1} qty`);
      expectRel(f.fee, SPOT_TAKER * x.qty * x.price, `spot open fill ${i + 1} fee`);
      expect(f.feeCurrency).toBe('USDT');
    });
  });

  it('pays T1 and T2 at the rate quoted for each before it and the last mark before it', () => {
    const rows = open.ledger.funding;
    expect(rows.map((r) => r.settlementTime)).toEqual([T1, T2]);
    expect(rows.map((r) => [r.rate, r.markPrice, r.currency, r.periodStart])).toEqual([
      [0.0008, 60_100, 'USDT', null],
      [0.0006, 60_500, 'USDT', null],
    ]);
    rows.forEach((r) => expectRel(r.contracts, -Q, 'contracts paid on'));
    expectRel(rows[0]?.amount, F1, 'T1 payment');
    expectRel(rows[1]?.amount, F2, 'T2 payment');
    expectRel(rows[1]?.amountQuote, F2, 'T2 payment in quote');
  });

  it('marks the open position at the last scan: unrealised spot and perp, realised funding − fees, net', () => {
    const t = open.result.totals;
    expect(t?.positions).toBe(1);
    expectRel(t?.spot, openSpotUnrealised, 'spot P&L (unrealised)');
    expectRel(t?.perp, openPerpUnrealised, 'perp P&L (unrealised)');
    expectRel(t?.unrealised, openSpotUnrealised + openPerpUnrealised, 'unrealised');
    expectRel(t?.funding, funding, 'funding');
    expectRel(t?.fees, entryFees, 'fees');
    expectRel(t?.realised, openRealised, 'realised');
    expectRel(t?.net, openNet, 'net');
    // The wallet: 10,000 − spot cost − fees + funding in USDT, and the 0.083 BTC bought.
    expectRel(balance(open.ledger, 'USDT'), 10_000 - spotCost - entryFees + funding, 'USDT wallet');
    expectRel(balance(open.ledger, 'BTC'), Q, 'BTC wallet');
    // Equity = wallets (BTC at the spot mark) + the perp's unrealised = start + net.
    expectRel(open.result.equity?.equity, 10_000 + openNet, 'equity');
  });

  it('resumes from the ledger, closes when the rate falls below the exit APR and realises both legs', () => {
    const { ledger } = closed;
    const p = ledger.positions[0] as PositionRow;
    expect(ledger.positions).toHaveLength(1);
    expect([p.state, p.spotQty, p.perpContracts]).toEqual(['closed', 0, 0]);
    // Nothing booked twice across the restart.
    expect(ledger.fills).toHaveLength(8);
    expect(ledger.funding.map((r) => r.settlementTime)).toEqual([T1, T2]);

    const perp = fillsOf(ledger, 'perp', 'buy');
    const spot = fillsOf(ledger, 'spot', 'sell');
    expect(perp.map((f) => [f.price, f.ts])).toEqual(perpClose.map((x) => [x.price, EXIT + LATENCY]));
    expect(spot.map((f) => [f.price, f.ts])).toEqual(spotClose.map((x) => [x.price, EXIT + 2 * LATENCY]));
    perpClose.forEach((x, i) => expectRel(perp[i]?.fee, PERP_TAKER * x.qty * x.price, `perp close fill ${i + 1} fee`));
    spotClose.forEach((x, i) => expectRel(spot[i]?.fee, SPOT_TAKER * x.qty * x.price, `spot close fill ${i + 1} fee`));

    const t = closed.result.totals;
    expectRel(t?.spot, spotPnl, 'spot P&L');
    expectRel(t?.perp, perpPnl, 'perp P&L');
    expectRel(t?.funding, funding, 'funding');
    expectRel(t?.fees, fees, 'fees');
    expectRel(t?.unrealised, 0, 'unrealised');
    expectRel(t?.realised, net, 'realised');
    expectRel(t?.net, net, 'net');
    expectRel(t?.notional, perpProceeds, 'APR capital base');
    expectRel(t?.apr, apr, 'APR achieved');
    // Cash: every cent of the P&L is in the USDT wallet; no BTC left.
    expectRel(balance(ledger, 'USDT'), 10_000 + net, 'USDT wallet');
    expectRel(balance(ledger, 'BTC'), 0, 'BTC wallet');
  });
});

// =============================================================================================
// 2. Inverse: Deribit BTC/USDC spot + BTC/USD:BTC (BTC-PERPETUAL), continuous funding
// =============================================================================================

describe('paper P&L on a hand-written inverse tape (Deribit BTC/USDC + BTC-PERPETUAL)', () => {
  const SPOT = 'BTC/USDC';
  const PERP = 'BTC/USD:BTC';
  const START = Date.UTC(2026, 7, 10, 10); // 10:00 UTC
  const OPEN = START + MIN; // 10:01
  const RATE_CHANGE = START + HOUR; // 11:00
  const MOVE = START + 2 * HOUR; // 12:00
  const STOP = START + 2 * HOUR + 30 * MIN; // run one stops at 12:30, the position open
  // 19:00: past the strategy's minimum hold (Deribit's continuous funding counts its quoted 8h).
  const EXIT = START + 9 * HOUR;
  const H8 = 8 * HOUR;

  // As deribit.js fetchMarkets parses /public/get_instruments. The perp's ccxt amount is USD in
  // steps of 10 (one contract of 10 USD); the spot trades BTC in steps of 0.0001.
  const SPOT_TAKER = 0.0005;
  const PERP_TAKER = 0.0005;
  const CS = 10;
  const markets = {
    [SPOT]: deribitMarket({
      tick_size: 0.01, min_trade_amount: 0.0001, contract_size: 0.0001, taker_commission: SPOT_TAKER, maker_commission: 0,
      kind: 'spot', instrument_name: 'BTC_USDC', base_currency: 'BTC', counter_currency: 'USDC', quote_currency: 'USDC',
      creation_timestamp: 1_682_000_000_000,
    }),
    [PERP]: deribitMarket({
      tick_size: 0.5, min_trade_amount: 10, contract_size: CS, taker_commission: PERP_TAKER, maker_commission: 0,
      kind: 'future', instrument_name: 'BTC-PERPETUAL', base_currency: 'BTC', counter_currency: 'USD', quote_currency: 'USD',
      settlement_currency: 'BTC', settlement_period: 'perpetual', creation_timestamp: 1_534_242_287_000,
    }),
  };

  // Books: spot [price, BTC], perp [price, USD].
  const entryBooks: Books = {
    spot: { bids: [[59_990, 1]], asks: [[60_000, 0.05], [60_010, 1]] },
    perp: { bids: [[60_030, 2_000], [60_020, 100_000]], asks: [[60_040, 100_000]] },
  };
  const movedBooks: Books = {
    spot: { bids: [[60_990, 1]], asks: [[61_000, 1]] },
    perp: { bids: [[61_020, 100_000]], asks: [[61_030, 100_000]] },
  };
  const exitBooks: Books = {
    spot: { bids: [[61_500, 0.05], [61_490, 1]], asks: [[61_510, 1]] },
    perp: { bids: [[61_520, 100_000]], asks: [[61_530, 3_000], [61_540, 100_000]] },
  };

  interface State {
    readonly at: number;
    /** funding_8h: Deribit's trailing realised 8h rate, which carry accrues at pro rata. */
    readonly rate: number;
    readonly mark: number;
    readonly books: Books;
  }
  /** The deribit call plan: one book summary per currency (BTC, ETH, USDC), then the books. */
  function scanRecords(s: State): HandRecord[] {
    const btc = {
      [PERP]: deribitSummary(PERP, 'BTC-PERPETUAL', s.at, {
        bid: top(s.books.perp.bids), ask: top(s.books.perp.asks), mark: s.mark, index: s.mark, volumeUsd: 1e9, funding8h: s.rate,
      }),
      [SPOT]: deribitSummary(SPOT, 'BTC_USDC', s.at, {
        bid: top(s.books.spot.bids), ask: top(s.books.spot.asks), mark: (top(s.books.spot.bids) + top(s.books.spot.asks)) / 2, volumeUsd: 1e8,
      }),
    };
    return [
      { ts: s.at, venue: 'deribit', method: 'fetchTickers', args: [null, { code: 'BTC' }], result: btc },
      // Neither ETH nor USDC-settled instruments are listed on this tape's venue.
      { ts: s.at, venue: 'deribit', method: 'fetchTickers', args: [null, { code: 'ETH' }], result: {} },
      { ts: s.at, venue: 'deribit', method: 'fetchTickers', args: [null, { code: 'USDC' }], result: {} },
      bookRecord('deribit', s.at, SPOT, 50, s.books.spot.bids, s.books.spot.asks),
      bookRecord('deribit', s.at, PERP, 50, s.books.perp.bids, s.books.perp.asks),
    ];
  }

  const tape: HandRecord[] = [
    { ts: START, venue: 'deribit', method: 'loadMarkets', args: [], result: markets },
    // 0.06% per 8h (65.7% APR), mark 60,035.
    ...scanRecords({ at: START, rate: 0.0006, mark: 60_035, books: entryBooks }),
    // 11:00: the rate halves to 0.03%, mark 60,100.
    ...scanRecords({ at: RATE_CHANGE, rate: 0.0003, mark: 60_100, books: entryBooks }),
    // 12:00: price move, mark 61,000.
    ...scanRecords({ at: MOVE, rate: 0.0003, mark: 61_000, books: movedBooks }),
    // 19:00: funding turns against the short (−0.02%, −21.9% APR < 2%): the strategy closes (it
    // has held 9 h, past the 8 h minimum hold; the funding left, −0.02% × 63 h / 8 h, is below
    // any exit cost). From 12:02 the 12:00 data is stale: the rate exit is not evaluated on it.
    ...scanRecords({ at: EXIT, rate: -0.0002, mark: 61_525, books: exitBooks }),
    ...scanRecords({ at: EXIT + 5 * MIN, rate: -0.0002, mark: 61_525, books: exitBooks }),
  ];

  // ---- Hand computation ---------------------------------------------------------------------
  // Entry at 10:01. Target 5,000 (free capital: 10,000 USDC; the inverse perp's margin is the
  // coin itself). Limits: spot buy 59,995 × 1.001 = 60,054.995 → 60,055.00; perp sell
  // 60,035 × 0.999 = 59,974.965 → 59,974.5 (tick 0.5). Within them, for 5,000:
  //   spot asks: 0.05 × 60,000 = 3,000, then 2,000 / 60,010 → 0.0833278 BTC
  //   perp bids: 2,000 USD @ 60,030 + 3,000 USD @ 60,020 = 0.0333167 + 0.0499833 = 0.0833000 BTC
  // The perp's 10 USD lot (0.000167 BTC) is coarser than the spot's 0.0001 BTC, so: perp 5,000
  // USD = 500 contracts; spot 0.0833 (0.0834 would exceed 0.0833000). Perp first: 200 contracts
  // @ 60,030 and 300 @ 60,020; the spot hedges 5,000 USD at the perp's VWAP, 0.0833000 BTC →
  // 0.0833 on its lot: 0.05 @ 60,000 and 0.0333 @ 60,010.
  const q = -500; // contracts of 10 USD
  const perpOpen = [
    { price: 60_030, usd: 2_000 },
    { price: 60_020, usd: 3_000 },
  ];
  const Q = 0.0833;
  const spotCost = 0.05 * 60_000 + 0.0333 * 60_010; // 3,000 + 1,998.333 = 4,998.333
  // Short 5,000 USD; its coin value at entry, Σ usd / P, and the contract-weighted mean of 1/P.
  const perpEntryCoin = 2_000 / 60_030 + 3_000 / 60_020; // 0.0833000139 BTC
  // Inverse fees are charged in BTC on the coin value: rate × usd / P; worth rate × usd in USD at P.
  const perpOpenFeesBtc = PERP_TAKER * perpEntryCoin;
  const entryFees = PERP_TAKER * 5_000 + SPOT_TAKER * spotCost; // 2.5 + 2.4991665 = 4.9991665

  // Continuous funding to the short: −q × cs / M × r8h × dt / 8h in BTC (= 5,000 × r8h × dt / 8h
  // USD), from the perp fill (10:01:00.150) to the closing perp fill (19:00:00.150). Each stretch
  // runs at the rate and mark of the last scan before it.
  const stretches = [
    { from: OPEN + LATENCY, to: RATE_CHANGE, rate: 0.0006, mark: 60_035 }, // 3,539.85 s
    { from: RATE_CHANGE, to: MOVE, rate: 0.0003, mark: 60_100 }, // 1 h
    { from: MOVE, to: STOP, rate: 0.0003, mark: 61_000 }, // 30 min (run one stops here)
    { from: STOP, to: EXIT, rate: 0.0003, mark: 61_000 }, // 6 h 30 min
    { from: EXIT, to: EXIT + LATENCY, rate: -0.0002, mark: 61_525 }, // the 150 ms the close takes
  ];
  const fundingUsd = (s: (typeof stretches)[number]) => -q * CS * s.rate * ((s.to - s.from) / H8);
  const fundingBtc = (s: (typeof stretches)[number]) => fundingUsd(s) / s.mark;
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  // 0.368734375 + 0.1875 + 0.09375 (+ 1.21875 − 0.0000052083) USD
  const openFundingUsd = sum(stretches.slice(0, 3).map(fundingUsd)); // 0.649984375
  const openFundingBtc = sum(stretches.slice(0, 3).map(fundingBtc));
  const fundingUsdAll = sum(stretches.map(fundingUsd)); // 1.8687291667
  const fundingBtcAll = sum(stretches.map(fundingBtc));

  // Open at 12:30, marked at that scan: spot mid 60,995, perp mark 61,000.
  const openSpotUnrealised = Q * 60_995 - spotCost; // 5,080.8835 − 4,998.333 = 82.5505
  // q × cs × (1/P0 − 1/M) = −(0.0833000139 − 5,000 / 61,000) = −0.0013328 BTC, × 61,000 USD
  const openPerpUnrealisedBtc = -(perpEntryCoin - 5_000 / 61_000);
  const openPerpUnrealised = openPerpUnrealisedBtc * 61_000; // −81.30085
  const openNet = openSpotUnrealised + openPerpUnrealised + openFundingUsd - entryFees;

  // Exit at 19:00. Perp first: buy 5,000 USD within 61,525 × 1.001 = 61,586.525 → 61,587.0:
  // 3,000 @ 61,530 and 2,000 @ 61,540. Spot sells 0.0833 within 61,505 × 0.999 → 61,443.49:
  // 0.05 @ 61,500 and 0.0333 @ 61,490.
  const perpClose = [
    { price: 61_530, usd: 3_000 },
    { price: 61_540, usd: 2_000 },
  ];
  const spotProceeds = 0.05 * 61_500 + 0.0333 * 61_490; // 3,075 + 2,047.617 = 5,122.617
  const spotPnl = spotProceeds - spotCost; // 124.284
  // Each closing fill realises usd × (1/P − mean 1/P0) in BTC, converted at its own price.
  const meanInvEntry = perpEntryCoin / 5_000;
  const perpRealisedBtc = perpClose.map((c) => c.usd * (1 / c.price - meanInvEntry));
  const perpPnl = sum(perpClose.map((c, i) => (perpRealisedBtc[i] as number) * c.price)); // −125.78305
  const perpCloseFeesBtc = sum(perpClose.map((c) => (PERP_TAKER * c.usd) / c.price));
  const exitFees = PERP_TAKER * 5_000 + SPOT_TAKER * spotProceeds; // 2.5 + 2.5613085
  const fees = entryFees + exitFees; // 10.060475
  const net = spotPnl + perpPnl + fundingUsdAll - fees;
  const hoursHeld = (EXIT + 2 * LATENCY - (OPEN + LATENCY)) / HOUR; // 8 h 59 min 0.15 s
  const apr = ((net / 5_000) * HOURS_PER_YEAR) / hoursHeld; // base: the perp's 5,000 USD

  let open: { result: PaperRunResult; ledger: LedgerView };
  let closed: { result: PaperRunResult; ledger: LedgerView };

  beforeAll(async () => {
    const dir = tempDir('carry-pnl-inverse-');
    const file = join(dir, 'deribit-hand.ndjson');
    const db = join(dir, 'paper.db');
    writeTape(file, tape);
    open = await runTape(file, db, 'deribit', STOP);
    closed = await runTape(file, db, 'deribit');
  });

  it('opens 500 contracts short and 0.0833 BTC long, fees in BTC on the perp and USDC on the spot', () => {
    const { ledger } = open;
    const p = ledger.positions[0] as PositionRow;
    expect(ledger.positions).toHaveLength(1);
    expect(p.state).toBe('open');
    // The position's quote is the spot's: the wallet pays for the spot in USDC.
    expect([p.spotSymbol, p.perpSymbol, p.quote, p.settle, p.settlement, p.continuousFunding]).toEqual([SPOT, PERP, 'USDC', 'BTC', 'inverse', true]);
    expectRel(p.spotQty, Q, 'spot held');
    expect(p.perpContracts).toBe(q);

    const perp = fillsOf(ledger, 'perp', 'sell');
    const spot = fillsOf(ledger, 'spot', 'buy');
    expect(perp.map((f) => [f.price, f.amount, f.contracts, f.feeCurrency, f.ts])).toEqual(
      perpOpen.map((x) => [x.price, x.usd, x.usd / CS, 'BTC', OPEN + LATENCY]),
    );
    expect(spot.map((f) => [f.price, f.baseQty, f.feeCurrency, f.ts])).toEqual([
      [60_000, 0.05, 'USDC', OPEN + 2 * LATENCY],
      [60_010, 0.0333, 'USDC', OPEN + 2 * LATENCY],
    ]);
    perpOpen.forEach((x, i) => {
      expectRel(perp[i]?.baseQty, x.usd / x.price, `perp open fill ${i + 1} BTC`);
      expectRel(perp[i]?.fee, (PERP_TAKER * x.usd) / x.price, `perp open fill ${i + 1} fee (BTC)`);
      expectRel(perp[i]?.feeQuote, PERP_TAKER * x.usd, `perp open fill ${i + 1} fee (USD)`);
    });
    expectRel(spot[0]?.fee, SPOT_TAKER * 3_000, 'spot open fill 1 fee');
    expectRel(spot[1]?.fee, SPOT_TAKER * 0.0333 * 60_010, 'spot open fill 2 fee');
  });

  it('accrues funding pro rata in BTC, stretch by stretch, at the last observed rate and mark', () => {
    const rows = open.ledger.funding;
    // Booked as it accrues: back-to-back periods from the perp fill to the last tick, no gap.
    expect(rows[0]?.periodStart).toBe(OPEN + LATENCY);
    rows.slice(1).forEach((r, i) => expect(r.periodStart, `period ${i + 2}`).toBe(rows[i]?.settlementTime));
    expect(rows[rows.length - 1]?.settlementTime).toBe(STOP);
    for (const r of rows) expect([r.contracts, r.contractSize, r.currency, r.settlement]).toEqual([q, CS, 'BTC', 'inverse']);
    // Grouped by (rate, mark), the periods add up to the hand stretches.
    for (const s of stretches.slice(0, 3)) {
      const group = rows.filter((r) => r.rate === s.rate && r.markPrice === s.mark && (r.periodStart as number) >= s.from && r.settlementTime <= s.to);
      expect(sum(group.map((r) => r.settlementTime - (r.periodStart as number))), `${s.rate} @ ${s.mark}`).toBe(s.to - s.from);
      expectRel(sum(group.map((r) => r.amount)), fundingBtc(s), `BTC accrued at ${s.rate} @ ${s.mark}`);
      expectRel(sum(group.map((r) => r.amountQuote)), fundingUsd(s), `USD accrued at ${s.rate} @ ${s.mark}`);
    }
    expect(rows.every((r) => stretches.slice(0, 3).some((s) => r.rate === s.rate && r.markPrice === s.mark))).toBe(true);
  });

  it('marks the open position: spot at mid, the inverse perp at 1/P in BTC converted at the mark', () => {
    const t = open.result.totals;
    expectRel(t?.spot, openSpotUnrealised, 'spot P&L (unrealised)');
    expectRel(t?.perp, openPerpUnrealised, 'perp P&L (unrealised, USD)');
    expectRel(t?.funding, openFundingUsd, 'funding (USD)');
    expectRel(t?.fees, entryFees, 'fees (USD)');
    expectRel(t?.realised, openFundingUsd - entryFees, 'realised');
    expectRel(t?.net, openNet, 'net');
    // USDC paid the spot and its fees; BTC holds the spot bought, less the perp fees, plus funding.
    expectRel(balance(open.ledger, 'USDC'), 10_000 - spotCost - SPOT_TAKER * spotCost, 'USDC wallet');
    expectRel(balance(open.ledger, 'BTC'), Q - perpOpenFeesBtc + openFundingBtc, 'BTC wallet');
    expect(open.ledger.wallet.map((b) => b.currency).sort()).toEqual(['BTC', 'USDC']);
  });

  it('resumes, closes on funding turned negative, and books funding up to the closing fill', () => {
    const { ledger } = closed;
    const p = ledger.positions[0] as PositionRow;
    expect([p.state, p.spotQty, p.perpContracts]).toEqual(['closed', 0, 0]);
    expect(ledger.fills).toHaveLength(8);

    const perp = fillsOf(ledger, 'perp', 'buy');
    const spot = fillsOf(ledger, 'spot', 'sell');
    expect(perp.map((f) => [f.price, f.amount, f.ts])).toEqual(perpClose.map((x) => [x.price, x.usd, EXIT + LATENCY]));
    expect(spot.map((f) => [f.price, f.baseQty, f.ts])).toEqual([
      [61_500, 0.05, EXIT + 2 * LATENCY],
      [61_490, 0.0333, EXIT + 2 * LATENCY],
    ]);
    perpClose.forEach((x, i) => {
      expectRel(perp[i]?.realisedPnl, perpRealisedBtc[i] as number, `perp close fill ${i + 1} realised (BTC)`);
      expectRel(perp[i]?.realisedPnlQuote, (perpRealisedBtc[i] as number) * x.price, `perp close fill ${i + 1} realised (USD)`);
    });

    // Funding: back to back from the opening perp fill to the closing one, nothing twice.
    const rows = ledger.funding;
    expect(rows[0]?.periodStart).toBe(OPEN + LATENCY);
    rows.slice(1).forEach((r, i) => expect(r.periodStart, `period ${i + 2}`).toBe(rows[i]?.settlementTime));
    expect(rows[rows.length - 1]?.settlementTime).toBe(EXIT + LATENCY);
    expectRel(sum(rows.map((r) => r.amount)), fundingBtcAll, 'funding (BTC)');

    const t = closed.result.totals;
    expectRel(t?.spot, spotPnl, 'spot P&L');
    expectRel(t?.perp, perpPnl, 'perp P&L (USD at the closing fills)');
    expectRel(t?.funding, fundingUsdAll, 'funding (USD)');
    expectRel(t?.fees, fees, 'fees (USD)');
    expectRel(t?.unrealised, 0, 'unrealised');
    expectRel(t?.net, net, 'net');
    expectRel(t?.notional, 5_000, 'APR capital base');
    expectRel(t?.apr, apr, 'APR achieved');
    // USDC: spot P&L less spot fees. BTC: the spot is sold back; perp fees, funding and the
    // perp's realised P&L stay in the coin.
    expectRel(balance(ledger, 'USDC'), 10_000 + spotPnl - SPOT_TAKER * (spotCost + spotProceeds), 'USDC wallet');
    expectRel(
      balance(ledger, 'BTC'),
      fundingBtcAll - perpOpenFeesBtc - perpCloseFeesBtc + sum(perpRealisedBtc),
      'BTC wallet',
    );
  });
});
