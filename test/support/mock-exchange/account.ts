/**
 * Venue-neutral account engine: wallets, orders, taker matching against the mock book, linear
 * perpetual positions, funding settlement and an income ledger. Venue modules translate requests
 * into these calls and render results and rejections in their venue's words.
 */
import { clean, type BookLevelFill } from './book.js';
import type { MarketDef } from './markets.js';
import type { MockFill, MockFundingRow, MockOrder, MockPosition, MockState, MockVenue, OrderSide } from './types.js';

export type Reject =
  | 'insufficientBalance'
  | 'insufficientMargin'
  | 'reduceOnlyRejected'
  | 'duplicateClientId'
  | 'badQuantity'
  | 'postOnlyWouldTake';

export interface PlaceRequest {
  readonly market: MarketDef;
  readonly side: OrderSide;
  readonly type: 'limit' | 'market';
  readonly timeInForce: MockOrder['timeInForce'];
  readonly price: number | null;
  readonly amount: number;
  readonly reduceOnly: boolean;
  readonly clientId: string;
  /** 'partial' fault: only this fraction of the fillable quantity fills. */
  readonly fillRatio?: number;
}

export type PlaceResult = { readonly ok: true; readonly order: MockOrder; readonly fills: MockFill[] } | { readonly ok: false; readonly reason: Reject };

/** One row of the venue's income / transaction log (Binance /fapi/v1/income incomeType names). */
export interface IncomeRow {
  readonly id: string;
  readonly symbol: string;
  readonly type: 'FUNDING_FEE' | 'COMMISSION' | 'REALIZED_PNL' | 'TRANSFER';
  readonly amount: number;
  readonly asset: string;
  readonly time: number;
  readonly tradeId: string;
  /** For Bybit transaction-log rows (SETTLEMENT / TRADE): what the row is about. */
  readonly fill?: MockFill;
  readonly funding?: MockFundingRow;
}

interface Position {
  contracts: number;
  entryPrice: number;
  realised: number;
  updatedAt: number;
}

export interface EngineConfig {
  readonly venue: MockVenue;
  readonly markets: Map<string, MarketDef>;
  readonly balances: Record<string, Record<string, number>>;
  readonly now: () => number;
  readonly feeRate: { spot: number; perp: number };
  /** Binance: a client id must be unique among open orders; Bybit: among all orders. */
  readonly clientIdScope: 'open' | 'all';
  readonly defaultLeverage: number;
}

export class Engine {
  readonly markets: Map<string, MarketDef>;
  readonly wallets: Record<string, Record<string, number>> = {};
  readonly locked: Record<string, Record<string, number>> = {};
  readonly orders: MockOrder[] = [];
  readonly fills: MockFill[] = [];
  readonly income: IncomeRow[] = [];
  readonly funding: MockFundingRow[] = [];
  readonly positions = new Map<string, Position>();
  readonly leverage = new Map<string, number>();
  marginMode: 'cross' | 'isolated' = 'cross';
  private nextOrderId = 8_389_765_500_000;
  private nextTradeId = 5_100_000_000;
  private nextIncomeId = 9_900_000_000;

  constructor(private readonly cfg: EngineConfig) {
    this.markets = cfg.markets;
    for (const [w, assets] of Object.entries(cfg.balances)) this.wallets[w] = { ...assets };
  }

  get now(): number {
    return this.cfg.now();
  }

  /** Spot and perp wallets: Binance keeps two, Bybit's unified account one for both. */
  walletOf(kind: 'spot' | 'perp'): string {
    if (this.cfg.venue === 'bybit') return 'unified';
    return kind === 'spot' ? 'spot' : 'futures';
  }

  balance(wallet: string, asset: string): number {
    return this.wallets[wallet]?.[asset] ?? 0;
  }

  lockedOf(wallet: string, asset: string): number {
    return this.locked[wallet]?.[asset] ?? 0;
  }

  private add(book: Record<string, Record<string, number>>, wallet: string, asset: string, delta: number): void {
    const w = (book[wallet] ??= {});
    w[asset] = clean((w[asset] ?? 0) + delta);
  }

  credit(wallet: string, asset: string, delta: number): void {
    this.add(this.wallets, wallet, asset, delta);
  }

  leverageOf(symbol: string): number {
    return this.leverage.get(symbol) ?? this.cfg.defaultLeverage;
  }

  position(symbol: string): Position {
    let p = this.positions.get(symbol);
    if (p === undefined) {
      p = { contracts: 0, entryPrice: 0, realised: 0, updatedAt: 0 };
      this.positions.set(symbol, p);
    }
    return p;
  }

  unrealised(symbol: string): number {
    const p = this.positions.get(symbol);
    const m = this.markets.get(symbol);
    if (p === undefined || m === undefined || p.contracts === 0) return 0;
    return clean(p.contracts * (m.mark - p.entryPrice));
  }

  /** Initial margin held by open positions in `settle` (cross margin, mark-priced). */
  positionMargin(): number {
    let sum = 0;
    for (const [symbol, p] of this.positions) {
      const m = this.markets.get(symbol);
      if (m !== undefined && p.contracts !== 0) sum += (Math.abs(p.contracts) * m.mark) / this.leverageOf(symbol);
    }
    return clean(sum);
  }

  totalUnrealised(): number {
    let sum = 0;
    for (const symbol of this.positions.keys()) sum += this.unrealised(symbol);
    return clean(sum);
  }

  /** USDT the perp wallet can still commit: wallet + uPnL - position margin - locked. */
  availableMargin(): number {
    const w = this.walletOf('perp');
    return clean(this.balance(w, 'USDT') + this.totalUnrealised() - this.positionMargin() - this.lockedOf(w, 'USDT'));
  }

  /** Free amount of a spot asset (Bybit unified: USDT also backs perp margin). */
  freeSpot(asset: string): number {
    const w = this.walletOf('spot');
    if (this.cfg.venue === 'bybit' && asset === 'USDT') return this.availableMargin();
    return clean(this.balance(w, asset) - this.lockedOf(w, asset));
  }

  findOrder(symbol: string | undefined, by: { id?: string; clientId?: string }): MockOrder | undefined {
    // The latest order with a client id is the one the venue answers for (ids can be reused on Binance).
    for (let i = this.orders.length - 1; i >= 0; i--) {
      const o = this.orders[i] as MockOrder;
      if (symbol !== undefined && o.symbol !== symbol) continue;
      if (by.id !== undefined && o.id === by.id) return o;
      if (by.clientId !== undefined && by.id === undefined && o.clientId === by.clientId) return o;
    }
    return undefined;
  }

  isOpen(o: MockOrder): boolean {
    return o.status === 'new' || o.status === 'partiallyFilled';
  }

  place(req: PlaceRequest): PlaceResult {
    const { market, side } = req;
    const now = this.now;
    if (!(req.amount > 0)) return { ok: false, reason: 'badQuantity' };
    const dup = req.clientId !== '' && this.orders.some((o) => o.clientId === req.clientId && (this.cfg.clientIdScope === 'all' || this.isOpen(o)));
    if (dup) return { ok: false, reason: 'duplicateClientId' };

    let maxQty = req.amount;
    if (market.kind === 'perp' && req.reduceOnly) {
      const pos = this.position(market.symbol).contracts;
      const reduces = (side === 'sell' && pos > 0) || (side === 'buy' && pos < 0);
      if (!reduces) return { ok: false, reason: 'reduceOnlyRejected' };
      maxQty = Math.min(maxQty, Math.abs(pos));
    }
    let levels = market.book.preview(side, maxQty, req.type === 'limit' ? req.price : null);
    if (req.timeInForce === 'PostOnly' && levels.length > 0) return { ok: false, reason: 'postOnlyWouldTake' };
    if (req.timeInForce === 'FOK' && clean(sumQty(levels)) < req.amount) levels = [];
    if (req.fillRatio !== undefined) levels = market.book.preview(side, floorTo(sumQty(levels) * req.fillRatio, market.step), req.type === 'limit' ? req.price : null);

    const fillQty = clean(sumQty(levels));
    const fillCost = clean(levels.reduce((s, l) => s + l.price * l.qty, 0));
    const rests = req.type === 'limit' && req.timeInForce === 'GTC' && fillQty < req.amount;
    const restQty = rests ? clean(req.amount - fillQty) : 0;
    const fee = market.kind === 'spot' ? this.cfg.feeRate.spot : this.cfg.feeRate.perp;

    // Funds check before anything moves, as the venue's matching engine does at order entry.
    if (market.kind === 'spot') {
      if (side === 'buy') {
        const need = req.type === 'limit' && req.price !== null ? req.price * req.amount : fillCost;
        if (need > this.freeSpot(market.quote) + 1e-9) return { ok: false, reason: 'insufficientBalance' };
      } else if (req.amount > this.freeSpot(market.base) + 1e-9) {
        return { ok: false, reason: 'insufficientBalance' };
      }
    } else if (!req.reduceOnly) {
      const pos = this.position(market.symbol).contracts;
      const opening = side === 'buy' ? Math.max(0, req.amount - Math.max(0, -pos)) : Math.max(0, req.amount - Math.max(0, pos));
      const px = req.price ?? (fillQty > 0 ? fillCost / fillQty : market.mark);
      const need = (opening * Math.max(px, side === 'buy' ? 0 : market.mark)) / this.leverageOf(market.symbol) + fillCost * fee;
      if (opening > 0 && need > this.availableMargin() + 1e-9) return { ok: false, reason: 'insufficientMargin' };
    }

    const order: MockOrder = {
      id: String(this.nextOrderId++),
      clientId: req.clientId,
      symbol: market.symbol,
      side,
      type: req.type,
      timeInForce: req.timeInForce,
      price: req.price,
      amount: req.amount,
      filled: 0,
      cost: 0,
      status: 'new',
      reduceOnly: req.reduceOnly,
      createdAt: now,
      updatedAt: now,
      fee: 0,
      feeAsset: market.kind === 'spot' ? (side === 'buy' ? market.base : market.quote) : 'USDT',
    };
    this.orders.push(order);
    market.book.consume(side, levels);
    const fills = levels.map((l) => this.applyFill(market, order, l, fee));
    if (fillQty >= req.amount - 1e-12) order.status = 'filled';
    else if (rests) {
      order.status = fillQty > 0 ? 'partiallyFilled' : 'new';
      this.lockFor(market, order, restQty, +1);
    } else order.status = 'expired';
    return { ok: true, order, fills };
  }

  private lockFor(market: MarketDef, order: MockOrder, qty: number, sign: 1 | -1): void {
    if (market.kind === 'spot') {
      const w = this.walletOf('spot');
      if (order.side === 'buy') this.add(this.locked, w, market.quote, sign * qty * (order.price ?? 0));
      else this.add(this.locked, w, market.base, sign * qty);
    } else if (!order.reduceOnly) {
      this.add(this.locked, this.walletOf('perp'), 'USDT', (sign * qty * (order.price ?? 0)) / this.leverageOf(market.symbol));
    }
  }

  cancel(order: MockOrder): void {
    const market = this.markets.get(order.symbol) as MarketDef;
    this.lockFor(market, order, clean(order.amount - order.filled), -1);
    order.status = 'canceled';
    order.updatedAt = this.now;
  }

  private applyFill(market: MarketDef, order: MockOrder, level: BookLevelFill, feeRate: number): MockFill {
    const now = this.now;
    const quoteQty = clean(level.price * level.qty);
    let fee: number;
    let realizedPnl = 0;
    if (market.kind === 'spot') {
      const w = this.walletOf('spot');
      if (order.side === 'buy') {
        // Without a fee-discount coin the venue takes the fee from what is received (base).
        fee = clean(level.qty * feeRate);
        this.credit(w, market.quote, -quoteQty);
        this.credit(w, market.base, level.qty - fee);
      } else {
        fee = clean(quoteQty * feeRate);
        this.credit(w, market.base, -level.qty);
        this.credit(w, market.quote, quoteQty - fee);
      }
    } else {
      fee = clean(quoteQty * feeRate);
      const w = this.walletOf('perp');
      this.credit(w, 'USDT', -fee);
      realizedPnl = this.applyToPosition(market.symbol, order.side === 'buy' ? level.qty : -level.qty, level.price);
      this.credit(w, 'USDT', realizedPnl);
    }
    order.filled = clean(order.filled + level.qty);
    order.cost = clean(order.cost + quoteQty);
    order.fee = clean(order.fee + fee);
    order.updatedAt = now;
    const fill: MockFill = {
      tradeId: String(this.nextTradeId++),
      orderId: order.id,
      clientId: order.clientId,
      symbol: market.symbol,
      side: order.side,
      price: level.price,
      qty: level.qty,
      quoteQty,
      fee,
      feeAsset: order.feeAsset,
      realizedPnl,
      time: now,
    };
    this.fills.push(fill);
    if (market.kind === 'perp') {
      this.addIncome({ symbol: market.id, type: 'COMMISSION', amount: -fee, asset: 'USDT', tradeId: fill.tradeId, fill });
      if (realizedPnl !== 0) this.addIncome({ symbol: market.id, type: 'REALIZED_PNL', amount: realizedPnl, asset: 'USDT', tradeId: fill.tradeId, fill });
    }
    return fill;
  }

  /** Signed contracts in; realised pnl of the part that reduced the position out. */
  private applyToPosition(symbol: string, delta: number, price: number): number {
    const p = this.position(symbol);
    p.updatedAt = this.now;
    const old = p.contracts;
    if (old === 0 || Math.sign(old) === Math.sign(delta)) {
      const next = clean(old + delta);
      p.entryPrice = clean((Math.abs(old) * p.entryPrice + Math.abs(delta) * price) / Math.abs(next));
      p.contracts = next;
      return 0;
    }
    const closed = Math.min(Math.abs(old), Math.abs(delta));
    const pnl = clean(closed * (price - p.entryPrice) * Math.sign(old));
    const next = clean(old + delta);
    p.contracts = next;
    if (next === 0) p.entryPrice = 0;
    else if (Math.sign(next) !== Math.sign(old)) p.entryPrice = price;
    p.realised = clean(p.realised + pnl);
    return pnl;
  }

  addIncome(row: Omit<IncomeRow, 'id' | 'time'> & { time?: number }): IncomeRow {
    const full: IncomeRow = { ...row, id: String(this.nextIncomeId++), time: row.time ?? this.now };
    this.income.push(full);
    return full;
  }

  /** Linear funding: a long pays contracts * mark * rate when the rate is positive. */
  settleFunding(symbol?: string): void {
    const now = this.now;
    for (const market of this.markets.values()) {
      if (market.kind !== 'perp' || (symbol !== undefined && market.symbol !== symbol)) continue;
      const p = this.positions.get(market.symbol);
      if (p !== undefined && p.contracts !== 0) {
        const amount = clean(-p.contracts * market.mark * market.fundingRate);
        this.credit(this.walletOf('perp'), 'USDT', amount);
        const row: MockFundingRow = {
          id: String(this.nextIncomeId),
          symbol: market.symbol,
          time: now,
          amount,
          asset: 'USDT',
          rate: market.fundingRate,
          mark: market.mark,
          contracts: p.contracts,
        };
        this.funding.push(row);
        this.addIncome({ symbol: market.id, type: 'FUNDING_FEE', amount, asset: 'USDT', tradeId: '', funding: row, time: now });
      }
    }
  }

  /** Called as the clock moves: settles every perp whose nextFundingTime has been reached. */
  crossFunding(): void {
    const now = this.now;
    for (const market of this.markets.values()) {
      if (market.kind !== 'perp') continue;
      while (market.nextFundingTime <= now) {
        this.settleFunding(market.symbol);
        market.nextFundingTime += market.intervalHours * 3_600_000;
      }
    }
  }

  state(): MockState {
    const positions: MockPosition[] = [];
    for (const [symbol, p] of this.positions) if (p.contracts !== 0) positions.push({ symbol, contracts: p.contracts, entryPrice: p.entryPrice });
    const copy = (b: Record<string, Record<string, number>>) => Object.fromEntries(Object.entries(b).map(([w, a]) => [w, { ...a }]));
    return {
      balances: copy(this.wallets),
      locked: copy(this.locked),
      positions,
      orders: this.orders.map((o) => ({ ...o })),
      fills: [...this.fills],
      funding: [...this.funding],
    };
  }
}

function sumQty(levels: readonly BookLevelFill[]): number {
  return levels.reduce((s, l) => s + l.qty, 0);
}

function floorTo(x: number, step: number): number {
  return step > 0 ? clean(Math.floor(clean(x / step)) * step) : x;
}
