/**
 * The market a backtest trades in: one VenueMarketData per venue of a FundingHistory, answering
 * the scanner and SimExecution at the SimClock's time from rows it could have known then, and
 * nothing else (docs/backtest.md).
 *
 * At clock t, per perp (rows sorted by settlement ts):
 * - settled rows are those with ts <= t; L is the latest of them.
 * - "the rate now": the first row N with ts > t when the source says it was known already
 *   (N.knownAt <= t, e.g. BitMEX, whose rates were fixed one interval ahead): N.rate, next
 *   settlement N.ts. Otherwise the last settled rate L.rate is served as the prediction for
 *   the next settlement, L.ts + k × L.intervalHours (smallest k putting it after t): the
 *   schedule is extrapolated from L, never read from a later row. That snapshot says rateKind
 *   'last_settled', so the engine books the next settlement only once it has happened, at the
 *   rate fetchFundingHistory then returns for it (the row's own rate). Before any row: no funding.
 * - prices: the latest row with ts <= t that has the price. Perp mark: markPrice, else
 *   indexPrice, else spotPrice; spot: spotPrice, else indexPrice, else markPrice; before any
 *   row with a price: backtest.market.defaultPrice.
 * - books: backtest.depth around the price (see bookAt); tickers are the books' tops with
 *   backtest.market.quoteVolume24h as volume.
 * - fetchFundingHistory: settled rows only (ts <= t), each with its rate and the mark in force at it.
 *
 * Markets are synthesised once per symbol (perp + a spot BASE/spotQuote per base) with the lots,
 * ticks and fees of backtest.market. The tick is derived from the series' first price (the only
 * thing read from the whole series, with the symbol list). No live endpoint is ever called: the
 * venue profiles (BitMEX's 'closed' status among them) are not consulted.
 */
import type { BacktestConfig } from '../config/schema.js';
import { orderBook } from '../domain/book.js';
import type { SimClock } from '../domain/clock.js';
import { CarryError } from '../domain/errors.js';
import type { BookLevel, FundingSnapshot, Market, OrderBook, TickerSnapshot, VenueSnapshot } from '../domain/market.js';
import type { VenueSet } from '../engine/venue-set.js';
import type { SettledFunding, VenueMarketData } from '../venues/port.js';
import { parsePerpSymbol, upperBound, type FundingHistory, type HistoryRow } from './history-source.js';

const HOUR_MS = 3_600_000;

interface Series {
  readonly perp: Market;
  readonly spot: Market;
  readonly rows: readonly HistoryRow[];
  /** Per row: the mark and spot prices in force from that row on (carried forward). */
  readonly mark: Float64Array;
  readonly spotPx: Float64Array;
}

function tickFor(price: number, fraction: number): number {
  return 10 ** Math.floor(Math.log10(price * fraction));
}

/** Rounds to the step's grid without float dust (0.1 + 0.2 style residues). */
function onGrid(x: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number((Math.round(x / step) * step).toFixed(Math.min(decimals, 15)));
}

export class HistoryVenue implements VenueMarketData {
  private readonly series = new Map<string, Series>();
  private readonly list: Market[] = [];

  constructor(
    readonly venue: string,
    history: FundingHistory,
    private readonly clock: SimClock,
    private readonly cfg: BacktestConfig,
    bounds: { readonly from: number; readonly to: number },
  ) {
    const m = cfg.market;
    const spots = new Map<string, Market>();
    for (const s of history.symbols()) {
      if (s.venue !== venue) continue;
      const parsed = parsePerpSymbol(s.symbol);
      if (parsed === null) continue;
      const rows = history.series(venue, s.symbol, -8.64e15, bounds.to);
      const firstPrice = rows.find((r) => r.markPrice ?? r.spotPrice ?? r.indexPrice);
      const p0 = firstPrice?.markPrice ?? firstPrice?.spotPrice ?? firstPrice?.indexPrice ?? m.defaultPrice;
      const tick = tickFor(p0, m.tickFraction);
      const inverse = parsed.settlement === 'inverse';
      const perp: Market = {
        venue,
        symbol: s.symbol,
        id: s.symbol,
        type: 'swap',
        base: parsed.base,
        quote: parsed.quote,
        settle: parsed.settle,
        settlement: parsed.settlement,
        contractSize: inverse ? m.inverseContractSize : m.linearContractSize,
        amountUnit: 'contracts',
        amountStep: 1,
        priceStep: tick,
        minAmount: 1,
        minCost: null,
        taker: m.perpTaker,
        maker: m.perpMaker,
        active: true,
        marginable: false,
        fundingIntervalHours: null,
      };
      let spot = spots.get(parsed.base);
      if (!spot) {
        spot = {
          venue,
          symbol: `${parsed.base}/${m.spotQuote}`,
          id: `${parsed.base}/${m.spotQuote}`,
          type: 'spot',
          base: parsed.base,
          quote: m.spotQuote,
          settle: null,
          settlement: null,
          contractSize: 1,
          amountUnit: 'base',
          amountStep: m.spotAmountStep,
          priceStep: tick,
          minAmount: m.spotAmountStep,
          minCost: null,
          taker: m.spotTaker,
          maker: m.spotMaker,
          active: true,
          marginable: false,
          fundingIntervalHours: null,
        };
        spots.set(parsed.base, spot);
        this.list.push(spot);
      }
      this.list.push(perp);
      const mark = new Float64Array(rows.length);
      const spotPx = new Float64Array(rows.length);
      let lm = Number.NaN;
      let ls = Number.NaN;
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i] as HistoryRow;
        const mk = r.markPrice ?? r.indexPrice ?? r.spotPrice;
        const sp = r.spotPrice ?? r.indexPrice ?? r.markPrice;
        if (mk !== undefined && mk > 0) lm = mk;
        if (sp !== undefined && sp > 0) ls = sp;
        mark[i] = lm;
        spotPx[i] = ls;
      }
      this.series.set(s.symbol, { perp, spot, rows, mark, spotPx });
    }
  }

  async loadMarkets(): Promise<readonly Market[]> {
    return this.list;
  }

  markets(): readonly Market[] {
    return this.list;
  }

  market(symbol: string): Market | undefined {
    return this.list.find((m) => m.symbol === symbol);
  }

  /** Perp mark and spot price at t (see the module comment). */
  pricesAt(symbolOrSpot: string, t: number): { readonly mark: number; readonly spot: number } {
    const s = this.series.get(symbolOrSpot) ?? [...this.series.values()].find((x) => x.spot.symbol === symbolOrSpot);
    if (!s) throw new CarryError('CARRY_VENUE_BAD_SYMBOL', 'skip', `${this.venue}: no history for ${symbolOrSpot}`, { venue: this.venue });
    const i = upperBound(s.rows, t) - 1;
    const dflt = this.cfg.market.defaultPrice;
    const mark = i >= 0 && Number.isFinite(s.mark[i] as number) ? (s.mark[i] as number) : dflt;
    const spot = i >= 0 && Number.isFinite(s.spotPx[i] as number) ? (s.spotPx[i] as number) : dflt;
    return { mark, spot };
  }

  /** The funding row served at t, or null before the series' first settlement (and first announcement). */
  fundingAt(s: Series, t: number): FundingSnapshot | null {
    const i = upperBound(s.rows, t);
    const last = i > 0 ? (s.rows[i - 1] as HistoryRow) : null;
    const next = i < s.rows.length ? (s.rows[i] as HistoryRow) : null;
    let rate: number;
    let nextFundingTime: number;
    let intervalHours: number;
    let rateKind: FundingSnapshot['rateKind'];
    if (next !== null && next.knownAt !== undefined && next.knownAt <= t) {
      rate = next.rate;
      nextFundingTime = next.ts;
      intervalHours = next.intervalHours;
      rateKind = 'predicted';
    } else if (last !== null) {
      rate = last.rate;
      rateKind = 'last_settled';
      intervalHours = last.intervalHours;
      const step = intervalHours * HOUR_MS;
      nextFundingTime = last.ts + (Math.floor((t - last.ts) / step) + 1) * step;
    } else return null;
    const { mark } = this.pricesAt(s.perp.symbol, t);
    const p = parsePerpSymbol(s.perp.symbol) as NonNullable<ReturnType<typeof parsePerpSymbol>>;
    return {
      venue: this.venue,
      symbol: s.perp.symbol,
      base: p.base,
      quote: p.quote,
      settle: p.settle,
      settlement: p.settlement,
      contractSize: s.perp.contractSize,
      rate,
      intervalHours,
      intervalSource: 'venue',
      continuous: false,
      rateKind,
      nextFundingTime,
      markPrice: mark,
      indexPrice: last?.indexPrice ?? null,
      eventTime: last?.ts ?? null,
      receivedAt: t,
    };
  }

  async fetchSnapshot(): Promise<VenueSnapshot> {
    const t = this.clock.now();
    const funding: FundingSnapshot[] = [];
    const tickers: TickerSnapshot[] = [];
    const spotsDone = new Set<string>();
    for (const s of this.series.values()) {
      const f = this.fundingAt(s, t);
      if (f !== null) funding.push(f);
      const { mark, spot } = this.pricesAt(s.perp.symbol, t);
      for (const [m, px] of [[s.perp, mark], ...(spotsDone.has(s.spot.symbol) ? [] : [[s.spot, spot]])] as [Market, number][]) {
        const top = this.levels(m, px, 1);
        tickers.push({
          venue: this.venue,
          symbol: m.symbol,
          bid: top.bids[0]?.[0] ?? null,
          ask: top.asks[0]?.[0] ?? null,
          last: px,
          quoteVolume24h: this.cfg.market.quoteVolume24h,
          eventTime: t,
          receivedAt: t,
        });
      }
      spotsDone.add(s.spot.symbol);
    }
    return { venue: this.venue, funding, tickers, skipped: [], receivedAt: t };
  }

  /**
   * The depth model: level k (0 = best) of the bids at price × (1 − spreadBps/2e4 − k × levelGapBps/1e4)
   * rounded down to the tick, asks mirrored and rounded up, each a distinct tick; quote value
   * levelNotional × growth^k converted to the market's amount unit and floored to its lot
   * (at least one lot).
   */
  levels(m: Market, price: number, depth: number): { bids: BookLevel[]; asks: BookLevel[] } {
    const d = this.cfg.depth;
    const n = Math.min(depth, d.levels);
    const tick = m.priceStep;
    const bids: BookLevel[] = [];
    const asks: BookLevel[] = [];
    let lastBid = Infinity;
    let lastAsk = 0;
    for (let k = 0; k < n; k++) {
      const off = d.spreadBps / 2e4 + (k * d.levelGapBps) / 1e4;
      let bid = onGrid(Math.floor((price * (1 - off)) / tick + 1e-9) * tick, tick);
      if (bid >= lastBid) bid = onGrid(lastBid - tick, tick);
      let ask = onGrid(Math.ceil((price * (1 + off)) / tick - 1e-9) * tick, tick);
      if (ask <= lastAsk || (k === 0 && ask <= bid)) ask = onGrid(Math.max(lastAsk, bid) + tick, tick);
      lastBid = bid;
      lastAsk = ask;
      const usd = d.levelNotional * d.growth ** k;
      if (bid > 0) bids.push([bid, this.amount(m, usd, bid)]);
      asks.push([ask, this.amount(m, usd, ask)]);
    }
    return { bids, asks };
  }

  private amount(m: Market, usd: number, price: number): number {
    const units = m.type === 'spot' ? usd / price : m.settlement === 'inverse' ? usd / m.contractSize : usd / (price * m.contractSize);
    return onGrid(Math.max(1, Math.floor(units / m.amountStep + 1e-9)) * m.amountStep, m.amountStep);
  }

  async fetchOrderBook(symbol: string, depth: number): Promise<OrderBook> {
    const t = this.clock.now();
    const m = this.market(symbol);
    if (!m) throw new CarryError('CARRY_VENUE_BAD_SYMBOL', 'skip', `${this.venue}: ${symbol} is not a backtest market`, { venue: this.venue });
    const { mark, spot } = this.pricesAt(symbol, t);
    const { bids, asks } = this.levels(m, m.type === 'spot' ? spot : mark, depth);
    return orderBook({ venue: this.venue, symbol, bids, asks, eventTime: t, receivedAt: t });
  }

  async fetchFundingHistory(symbol: string, since: number): Promise<readonly SettledFunding[]> {
    const s = this.series.get(symbol);
    if (!s) throw new CarryError('CARRY_VENUE_BAD_SYMBOL', 'skip', `${this.venue}: ${symbol} is not a backtest perp`, { venue: this.venue });
    const t = this.clock.now();
    const out: SettledFunding[] = [];
    for (let i = 0; i < upperBound(s.rows, t); i++) {
      const r = s.rows[i] as HistoryRow;
      if (r.ts < since) continue;
      const mark = s.mark[i] as number;
      out.push({ symbol, settlementTime: r.ts, rate: r.rate, ...(Number.isFinite(mark) ? { markPrice: mark } : {}) });
    }
    return out;
  }

  async fetchBorrowApr(code: string): Promise<number> {
    throw new CarryError('CARRY_VENUE_NOT_SUPPORTED', 'skip', `${this.venue}: histories carry no borrow rates (${code}); reverse carry is not backtested`, { venue: this.venue });
  }
}

export interface HistoryMarket {
  readonly clock: SimClock;
  readonly venues: VenueSet;
  readonly adapters: readonly HistoryVenue[];
}

/** One HistoryVenue per venue of the history, over one SimClock. */
export function openHistoryMarket(history: FundingHistory, clock: SimClock, cfg: BacktestConfig, bounds: { from: number; to: number }, only?: readonly string[]): HistoryMarket {
  const names = [...new Set(history.symbols().map((s) => s.venue))].filter((v) => !only || only.includes(v)).sort();
  const adapters = names.map((v) => new HistoryVenue(v, history, clock, cfg, bounds));
  return { clock, adapters, venues: { adapters, closed: [], unavailable: [], canBorrowSpot: () => false } };
}
