/**
 * Ranking benchmark: 3,000 perps, each with its spot, 200-level books on both legs, all priced.
 * Data is synthetic but shaped like real books (tick-aligned prices, a few ticks of spread,
 * heavy-tailed level sizes), seeded, and built outside the timed section, books packed into one
 * arena as the scanner packs what it fetched.
 *
 * Timed: rankRows (pairing lookups, both walks of every leg, filters, netting, the sort) and the
 * Opportunity objects of the rows `carry scan` shows by default (its --top, 20). Also reported:
 * the same with every row built (all_rows_*), which is what rankOpportunities / rankWithSkipped
 * and the scanner give (the paper engine's decide() reads every row).
 *
 *   npm run build && node dist/bench/rank.js
 */
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { orderBook } from '../src/domain/book.js';
import { packBooks } from '../src/pricing/book-arena.js';
import type { BookLevel, FundingSnapshot, Market, OrderBook, TickerSnapshot } from '../src/domain/market.js';
import { spotPerpCarryParamsSchema } from '../strategies/spot-perp-carry/params.js';
import { bookKey, rankRows, type RankInput, type VenueBorrow } from '../strategies/spot-perp-carry/rank.js';

const PERPS = 3_000;
const LEVELS = 200;
const VENUES = ['binance', 'bybit', 'okx'] as const;
// Enough runs for a stable median on a shared 2-core machine, where single runs vary by 2x.
const WARMUP = 30;
const RUNS = 200;
/** Fresh processes whose runs are pooled (benchRank). */
const PROCESSES = 10;
const CHILD_FLAG = '--child';
/** Rows built as Opportunity objects per run: what `carry scan` prints by default (--top 20). */
const SHOWN = 20;
const NOW = 1_786_310_821_516;

/** mulberry32: tiny, fast, good enough for reproducible fixtures. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function market(venue: string, base: string, type: 'spot' | 'swap', tick: number): Market {
  return {
    venue,
    symbol: type === 'spot' ? `${base}/USDT` : `${base}/USDT:USDT`,
    id: `${base}USDT`,
    type,
    base,
    quote: 'USDT',
    settle: type === 'spot' ? null : 'USDT',
    settlement: type === 'spot' ? null : 'linear',
    contractSize: 1,
    amountUnit: 'base',
    amountStep: 1e-6,
    priceStep: tick,
    minAmount: null,
    minCost: 5,
    taker: type === 'spot' ? 0.001 : 0.0005,
    maker: type === 'spot' ? 0.001 : 0.0002,
    active: true,
    marginable: true,
    fundingIntervalHours: null,
  };
}

/**
 * How a coin's books look, calibrated on the real Bybit tape (shared/data/tapes, 200 levels):
 * BTC/ETH perps have a tick of 0.015/0.05 bps of price with a level every ~1-2 ticks and
 * ~3-5k USD per level; SOL/DOGE perps a tick of ~1.3-1.4 bps, every tick filled, 16-44k USD per
 * level; spot books are sparser (a level every 2.5-5 ticks) and thinner (0.6-1.5k USD).
 * A 3,000-perp universe is mostly alts: 5% of coins get a major's fine tick, the rest a tick
 * log-uniform in [0.5, 5] bps.
 */
interface Shape {
  readonly tickBps: number;
  /** Mean gap between levels in ticks. */
  readonly gapTicks: number;
  readonly medianLevelUsd: number;
}

function shape(r: () => number, spot: boolean, major: boolean, tickBps: number): Shape {
  const logUniform = (lo: number, hi: number) => Math.exp(Math.log(lo) + r() * (Math.log(hi) - Math.log(lo)));
  if (major) {
    return spot
      ? { tickBps, gapTicks: logUniform(2.5, 5), medianLevelUsd: logUniform(500, 1_500) }
      : { tickBps, gapTicks: logUniform(1, 2), medianLevelUsd: logUniform(3_000, 5_000) };
  }
  return spot
    ? { tickBps, gapTicks: logUniform(1, 2), medianLevelUsd: logUniform(500, 5_000) }
    : { tickBps, gapTicks: 1, medianLevelUsd: logUniform(2_000, 45_000) };
}

/**
 * Tick-aligned book around `mid`: 1-2 tick spread, log-normal level notional. Packed by the same
 * builder the normaliser uses, so the ranker sees the layout a live scan gives it.
 */
function book(venue: string, symbol: string, mid: number, s: Shape, r: () => number): OrderBook {
  const tick = (mid * s.tickBps) / 1e4;
  const bids: BookLevel[] = [];
  const asks: BookLevel[] = [];
  const spreadTicks = 1 + Math.floor(r() * 2);
  const bestBid = Math.floor(mid / tick - spreadTicks / 2) * tick;
  const sizeUsd = () => s.medianLevelUsd * Math.exp(0.8 * (r() + r() + r() - 1.5) * 2);
  // Geometric gaps with the shape's mean, at least one tick.
  const gap = () => 1 + Math.floor(-Math.log(1 - r()) * (s.gapTicks - 1));
  let p = bestBid;
  for (let i = 0; i < LEVELS; i++) {
    bids.push([p, sizeUsd() / p]);
    p -= gap() * tick;
  }
  p = bestBid + spreadTicks * tick;
  for (let i = 0; i < LEVELS; i++) {
    asks.push([p, sizeUsd() / p]);
    p += gap() * tick;
  }
  return orderBook({ venue, symbol, bids, asks, eventTime: NOW - 200, receivedAt: NOW - 100 });
}

/** The bench's market: rank input with its books still as the normaliser's OrderBook objects. */
export function buildRankData(seed = 42): { readonly input: Omit<RankInput, 'books'>; readonly books: ReadonlyMap<string, OrderBook> } {
  const r = rng(seed);
  const markets = new Map<string, Market[]>();
  const funding: FundingSnapshot[] = [];
  const tickers: TickerSnapshot[] = [];
  const books = new Map<string, OrderBook>();
  const borrow = new Map<string, VenueBorrow>();
  for (let i = 0; i < PERPS; i++) {
    const venue = VENUES[i % VENUES.length] as string;
    const base = `C${i}`;
    const mid = Math.exp(Math.log(0.001) + r() * (Math.log(100_000) - Math.log(0.001)));
    const major = r() < 0.05;
    const tickBps = major ? 0.015 + r() * 0.045 : Math.exp(Math.log(0.5) + r() * Math.log(10));
    const spot = market(venue, base, 'spot', (mid * tickBps) / 1e4);
    const perp = market(venue, base, 'swap', (mid * tickBps) / 1e4);
    let list = markets.get(venue);
    if (list === undefined) {
      list = [];
      markets.set(venue, list);
    }
    list.push(spot, perp);
    const interval = [1, 4, 8][Math.floor(r() * 3)] as number;
    const rate = (r() - 0.3) * 0.001 * (interval / 8);
    funding.push({
      venue,
      symbol: perp.symbol,
      base,
      quote: 'USDT',
      settle: 'USDT',
      settlement: 'linear',
      contractSize: 1,
      rate,
      intervalHours: interval,
      intervalSource: 'venue',
      continuous: false,
      rateKind: 'predicted',
      nextFundingTime: NOW + 3_600_000,
      markPrice: mid,
      indexPrice: mid,
      eventTime: NOW - 500,
      receivedAt: NOW - 400,
    });
    tickers.push({
      venue,
      symbol: perp.symbol,
      bid: null,
      ask: null,
      last: mid,
      quoteVolume24h: 1e5 + r() * 1e9,
      eventTime: NOW - 500,
      receivedAt: NOW - 400,
    });
    // Spot a few bps off the perp, as on the tape (BTC spot ~4 bps above the perp).
    const spotMid = mid * (1 + (r() - 0.5) * 1e-3);
    books.set(bookKey(venue, spot.symbol), book(venue, spot.symbol, spotMid, shape(r, true, major, tickBps), r));
    books.set(bookKey(venue, perp.symbol), book(venue, perp.symbol, mid, shape(r, false, major, tickBps), r));
  }
  for (const v of VENUES) {
    const aprByBase = new Map<string, number>();
    for (let i = 0; i < PERPS; i++) aprByBase.set(`C${i}`, 0.02 + r() * 0.2);
    borrow.set(v, { canBorrow: true, aprByBase });
  }
  return {
    input: {
      now: NOW,
      markets,
      funding,
      tickers,
      borrow,
      closedVenues: new Set(['bitmex']),
      params: spotPerpCarryParamsSchema.parse({ depthCandidates: 500 }),
    },
    books,
  };
}

export function buildRankInput(seed = 42): RankInput {
  const { input, books } = buildRankData(seed);
  // Packed as the scanner packs what it fetched, outside ranking (timed on its own: pack_*).
  return { ...input, books: packBooks(input.markets, books.values()) };
}

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] as number;
}

interface Timing {
  readonly median_ms: number;
  readonly p25_ms: number;
  readonly p75_ms: number;
  readonly p95_ms: number;
  readonly min_ms: number;
  /** Runs that overlapped a garbage collection, and the median of the others. */
  readonly gc_runs: number;
  readonly median_no_gc_ms: number | null;
}

/** One process's timed runs: each run's duration and whether it overlapped a collection. */
interface RunSet {
  readonly ms: readonly number[];
  readonly gc: readonly boolean[];
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** `rank` `warmup` times, then `runs` timed runs, with V8's collections observed over the timed ones. */
async function time(rank: () => number, expected: number, warmup = WARMUP, runs = RUNS): Promise<RunSet> {
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += rank();
  // V8's collections, to tell runs that paid for one apart (entries arrive after the loop).
  const gcs: { start: number; end: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  const timed: { start: number; ms: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const n = rank();
    timed.push({ start: t0, ms: performance.now() - t0 });
    sink += n;
  }
  await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();
  if (sink !== (warmup + runs) * expected) throw new Error(`bench: expected ${expected} per run`);
  return { ms: timed.map((r) => r.ms), gc: timed.map((r) => gcs.some((g) => g.start < r.start + r.ms && g.end > r.start)) };
}

function summarise(sets: readonly RunSet[]): Timing {
  const times = sets.flatMap((s) => s.ms).sort((a, b) => a - b);
  const noGc = sets.flatMap((s) => s.ms.filter((_, i) => !s.gc[i])).sort((a, b) => a - b);
  return {
    median_ms: round(percentile(times, 0.5)),
    p25_ms: round(percentile(times, 0.25)),
    p75_ms: round(percentile(times, 0.75)),
    p95_ms: round(percentile(times, 0.95)),
    min_ms: round(times[0] as number),
    gc_runs: times.length - noGc.length,
    median_no_gc_ms: noGc.length > 0 ? round(percentile(noGc, 0.5)) : null,
  };
}

/** One process's runs: the shown-rows timing, the all-rows one, then packing the books. */
async function measure(): Promise<{ readonly shown: RunSet; readonly all: RunSet; readonly pack: RunSet }> {
  const data = buildRankData();
  const input: RankInput = { ...data.input, books: packBooks(data.input.markets, data.books.values()) };
  // Every row is ranked either way; the difference is how many become Opportunity objects.
  const shown = await time(() => {
    const rows = rankRows(input);
    if (rows.length !== PERPS) throw new Error(`bench: expected ${PERPS} ranked rows`);
    return rows.slice(0, SHOWN).length;
  }, SHOWN);
  const all = await time(() => rankRows(input).slice().length, PERPS);
  // Packing copies every level of every book (and checks each once): the scanner does it after
  // fetching, for the books it fetched; here for all 6,000, to show what ranking was spared.
  const pack = await time(() => packBooks(data.input.markets, data.books.values()).count, 2 * PERPS, 3, 20);
  return { shown, all, pack };
}

/**
 * PROCESSES fresh processes, run one after the other, each WARMUP + RUNS: the figures pool all
 * their runs. On this VM a process's median depends on where its memory landed (the same
 * process, input and heap layout gives 2.5 ms in one process and 6 ms in the next, while a CPU
 * loop and random reads of a plain array are steady), so one process is a sample of one.
 */
export async function benchRank(): Promise<Record<string, unknown>> {
  const load1 = loadavg()[0] as number;
  const results: { shown: RunSet; all: RunSet; pack: RunSet }[] = [];
  for (let p = 0; p < PROCESSES; p++) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), CHILD_FLAG], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`bench: rank process failed (${r.status}): ${r.stderr}`);
    results.push(JSON.parse(r.stdout) as { shown: RunSet; all: RunSet; pack: RunSet });
  }
  const shown = summarise(results.map((r) => r.shown));
  const all = summarise(results.map((r) => r.all));
  const pack = summarise(results.map((r) => r.pack));
  return {
    name: 'rank',
    perps: PERPS,
    levels: LEVELS,
    processes: PROCESSES,
    warmup: WARMUP,
    runs: PROCESSES * RUNS,
    built: SHOWN,
    ...shown,
    process_medians_ms: results.map((r) => summarise([r.shown]).median_ms),
    all_rows_median_ms: all.median_ms,
    all_rows_p25_ms: all.p25_ms,
    all_rows_p75_ms: all.p75_ms,
    all_rows_p95_ms: all.p95_ms,
    all_rows_min_ms: all.min_ms,
    all_rows_gc_runs: all.gc_runs,
    pack_median_ms: pack.median_ms,
    pack_p95_ms: pack.p95_ms,
    load1: Math.round(load1 * 100) / 100,
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === CHILD_FLAG) {
  measure().then(
    (r) => process.stdout.write(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
} else if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchRank().then(
    (r) => console.log(JSON.stringify(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
