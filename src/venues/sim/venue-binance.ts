/**
 * Binance (spot + USDT-M) as ccxt 4.5.84's `binance` class shapes it.
 *
 * Raw records follow /api/v3/exchangeInfo, /fapi/v1/exchangeInfo, /fapi/v1/premiumIndex,
 * /fapi/v1/fundingInfo, /fapi/v1/ticker/24hr, /api/v3/ticker/24hr and the depth endpoints;
 * unified results mirror binance.js parseMarket, parseFundingRate, parseTicker.
 * premiumIndex carries no interval: a symbol whose interval is not 8h is visible only in
 * fetchFundingIntervals (fundingInfo), which lists adjusted symbols only (some keep 8h).
 */
import ccxt from 'ccxt';
import type { OrderBook as CcxtOrderBook } from 'ccxt';
import type {
  CcxtFundingIntervals,
  CcxtFundingRateHistoryRow,
  CcxtFundingRates,
  CcxtParams,
  CcxtTickers,
  CcxtTradingFees,
} from '../ccxt-calls.js';
import { generateBook, topOfBook } from './books.js';
import {
  decOf,
  decOfSig,
  decSub,
  decText,
  decValue,
  fundingRateShape,
  historyRowShape,
  withInfo,
  orderBookShape,
  safeMarketStructure,
  tickerShape,
} from './ccxt-shapes.js';
import { formatSteps } from './decimal.js';
import { nextSettlement } from './funding-model.js';
import { latestSettlements, settlementTimes, sinceLimit } from './history.js';
import type { InstrumentSpec } from './instruments.js';
import { bits } from './prng.js';
import type { SimVenueApi } from './venue-api.js';
import {
  onLot,
  onTick,
  paramSubType,
  paramType,
  requireInstrument,
  requireSymbols,
  updateId,
  venueTime,
  type CallContext,
  type Obj,
} from './venue-common.js';
import { SimVenueBase } from './venue-common.js';
import type { SimInstrument, SimWorld } from './world.js';

const FEES_TRADING: Obj = { tierBased: false, percentage: true, taker: 0.001, maker: 0.001, feeSide: 'get' };
const LINEAR_DEPTH_LIMITS = [5, 10, 20, 50, 100, 500, 1000];
const PERPETUAL_DELIVERY = 4133404800000;

/** Binance prints spot numbers with 8 decimals ("0.01000000"). */
const b8 = (text: string): string => {
  const [i, f = ''] = text.split('.');
  return `${i}.${f.padEnd(8, '0')}`;
};

function maxQty(spec: InstrumentSpec, usd: number): string {
  const lots = Math.max(spec.minAmountSteps, Math.round(usd / spec.coin.price / spec.amountStep.value));
  return formatSteps(lots, spec.amountStep);
}

function linearInfo(spec: InstrumentSpec): Obj {
  const minQty = formatSteps(spec.minAmountSteps, spec.amountStep);
  return {
    symbol: spec.id,
    pair: spec.id,
    contractType: 'PERPETUAL',
    deliveryDate: PERPETUAL_DELIVERY,
    onboardDate: spec.createdMs,
    status: 'TRADING',
    maintMarginPercent: '2.5000',
    requiredMarginPercent: '5.0000',
    baseAsset: spec.base,
    quoteAsset: spec.quote,
    marginAsset: spec.settle,
    pricePrecision: spec.priceStep.exp,
    quantityPrecision: spec.amountStep.exp,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: 'COIN',
    underlyingSubType: [],
    settlePlan: 0,
    triggerProtect: '0.0500',
    liquidationFee: '0.012500',
    marketTakeBound: '0.05',
    maxMoveOrderLimit: 10000,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        maxPrice: formatSteps(Math.round((spec.coin.price * 50) / spec.priceStep.value), spec.priceStep),
        minPrice: formatSteps(Math.max(1, Math.round((spec.coin.price * 0.005) / spec.priceStep.value)), spec.priceStep),
        tickSize: spec.priceStep.text,
      },
      { filterType: 'LOT_SIZE', maxQty: maxQty(spec, Math.min(1e8, spec.coin.liquidityUsd * 0.007)), minQty, stepSize: spec.amountStep.text },
      { filterType: 'MARKET_LOT_SIZE', maxQty: maxQty(spec, Math.min(1e7, spec.coin.liquidityUsd * 0.0007)), minQty, stepSize: spec.amountStep.text },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
      { filterType: 'MIN_NOTIONAL', notional: String(spec.minCost ?? 5) },
      { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
    ],
    orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
    permissionSets: ['GRID', 'COPY'],
  };
}

function spotInfo(spec: InstrumentSpec): Obj {
  return {
    symbol: spec.id,
    status: 'TRADING',
    baseAsset: spec.base,
    baseAssetPrecision: 8,
    quoteAsset: spec.quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    amendAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: spec.marginable,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: b8(spec.priceStep.text), maxPrice: '1000000.00000000', tickSize: b8(spec.priceStep.text) },
      {
        filterType: 'LOT_SIZE',
        minQty: b8(formatSteps(spec.minAmountSteps, spec.amountStep)),
        maxQty: b8(maxQty(spec, Math.min(9e8, spec.coin.liquidityUsd * 0.05))),
        stepSize: b8(spec.amountStep.text),
      },
      { filterType: 'ICEBERG_PARTS', limit: 10 },
      { filterType: 'MARKET_LOT_SIZE', minQty: '0.00000000', maxQty: b8(maxQty(spec, Math.min(1e7, spec.coin.liquidityUsd * 0.001))), stepSize: '0.00000000' },
      { filterType: 'TRAILING_DELTA', minTrailingAboveDelta: 10, maxTrailingAboveDelta: 2000, minTrailingBelowDelta: 10, maxTrailingBelowDelta: 2000 },
      { filterType: 'PERCENT_PRICE_BY_SIDE', bidMultiplierUp: '5', bidMultiplierDown: '0.2', askMultiplierUp: '5', askMultiplierDown: '0.2', avgPriceMins: 5 },
      { filterType: 'NOTIONAL', minNotional: '5.00000000', applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
      { filterType: 'MAX_NUM_ORDERS', maxNumOrders: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', maxNumAlgoOrders: 5 },
    ],
    permissions: [],
    permissionSets: [['SPOT', 'MARGIN']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

const num = (s: unknown): number | undefined => (s === undefined || s === null || s === '' ? undefined : Number(s));

function filter(info: Obj, type: string): Obj {
  return ((info['filters'] as Obj[]).find((f) => f['filterType'] === type) ?? {}) as Obj;
}

/** binance.js parseMarket, for the spot and USDT-M perpetual records above. */
function parseMarket(info: Obj): Obj {
  const id = info['symbol'] as string;
  const contract = 'contractType' in info;
  const base = info['baseAsset'] as string;
  const quote = info['quoteAsset'] as string;
  const settle = contract ? (info['marginAsset'] as string) : undefined;
  const spot = !contract;
  const qp = info['quantityPrecision'];
  const pp = info['pricePrecision'];
  // ccxt: parseNumber(parsePrecision(p)), i.e. the decimal 10^-p read back by parseFloat.
  const prec = (p: unknown): number | undefined => (p === undefined ? undefined : Number(`1e-${String(p)}`));
  const price = filter(info, 'PRICE_FILTER');
  const lot = filter(info, 'LOT_SIZE');
  const mkt = filter(info, 'MARKET_LOT_SIZE');
  const notional = contract ? filter(info, 'MIN_NOTIONAL') : filter(info, 'NOTIONAL');
  const entry: Obj = {
    id,
    lowercaseId: id.toLowerCase(),
    symbol: contract ? `${base}/${quote}:${settle}` : `${base}/${quote}`,
    base,
    quote,
    settle,
    baseId: base,
    quoteId: quote,
    settleId: settle,
    type: spot ? 'spot' : 'swap',
    spot,
    margin: spot && info['isMarginTradingAllowed'] === true,
    marginModes: spot ? { cross: false, isolated: false } : { cross: true, isolated: true },
    swap: contract,
    future: false,
    option: false,
    stock: false,
    active: info['status'] === 'TRADING',
    contract,
    linear: contract ? true : undefined,
    inverse: contract ? false : undefined,
    taker: contract ? 0.0005 : 0.001,
    maker: contract ? 0.0002 : 0.001,
    contractSize: contract ? 1 : undefined,
    expiry: undefined,
    expiryDatetime: undefined,
    strike: undefined,
    optionType: undefined,
    precision: {
      amount: num(lot['stepSize']) ?? prec(qp),
      price: num(price['tickSize']) ?? prec(pp),
      base: prec(info['baseAssetPrecision']),
      quote: prec(info['quotePrecision']),
    },
    limits: {
      leverage: { min: undefined, max: undefined },
      amount: { min: num(lot['minQty']), max: num(lot['maxQty']) },
      price: { min: num(price['minPrice']), max: num(price['maxPrice']) },
      cost: { min: num(notional['minNotional'] ?? notional['notional']), max: num(notional['maxNotional']) },
      market: { min: num(mkt['minQty']), max: num(mkt['maxQty']) },
    },
    info,
    created: num(info['onboardDate']),
  };
  return safeMarketStructure(entry);
}

export class BinanceSim extends SimVenueBase implements SimVenueApi {
  readonly id = 'binance' as const;

  constructor(world: SimWorld) {
    super(world, 'binance');
  }

  protected readonly feesTrading = FEES_TRADING;

  protected parseMarket(spec: InstrumentSpec): Obj {
    return parseMarket(spec.kind === 'perp' ? linearInfo(spec) : spotInfo(spec));
  }

  fetchFundingRates(ctx: CallContext, symbols: string[] | undefined, params: CcxtParams): CcxtFundingRates {
    const wanted = requireSymbols(this.id, this.insts, symbols);
    // ccxt: type defaults to 'future' and subType to 'linear'; either one selects premiumIndex.
    const subType = paramSubType(params) ?? 'linear';
    const linear = subType === 'linear';
    const out: Obj = {};
    if (!linear) return out as unknown as CcxtFundingRates; // no coin-M markets in the sim
    const time = venueTime(ctx.t, this.key, 2);
    for (const inst of this.list('perp')) {
      if (wanted && !wanted.includes(inst.spec.symbol)) continue;
      const q = this.world.instrumentState(inst, ctx.step);
      const mark = decOf(q.mark, 8);
      const index = decOf(q.index, 8);
      const settle = decOf(q.index * (1 + 0.00002 * Math.sin(ctx.step)), 8);
      const rate = decOf(q.rate, 8);
      const next = nextSettlement(this.world.timeOfStep(ctx.step), inst.spec.intervalHours);
      const info = (): Obj => ({
        symbol: inst.spec.id,
        markPrice: decText(mark),
        indexPrice: decText(index),
        estimatedSettlePrice: decText(settle),
        lastFundingRate: decText(rate),
        interestRate: '0.00010000',
        nextFundingTime: next,
        time,
      });
      out[inst.spec.symbol] = withInfo(fundingRateShape({
        info: undefined,
        symbol: inst.spec.symbol,
        markPrice: decValue(mark),
        indexPrice: decValue(index),
        interestRate: 0.0001,
        estimatedSettlePrice: decValue(settle),
        timestamp: time,
        fundingRate: decValue(rate),
        fundingTimestamp: next,
        interval: undefined,
      }), info);
    }
    return out as unknown as CcxtFundingRates;
  }

  fetchFundingIntervals(_ctx: CallContext, symbols: string[] | undefined, params: CcxtParams): CcxtFundingIntervals {
    const wanted = requireSymbols(this.id, this.insts, symbols);
    const subType = paramSubType(params) ?? 'linear';
    const out: Obj = {};
    if (subType !== 'linear') return out as unknown as CcxtFundingIntervals;
    for (const inst of this.list('perp')) {
      const spec = inst.spec;
      if (!spec.inFundingInfo) continue;
      if (wanted && !wanted.includes(spec.symbol)) continue;
      const cap = spec.fundingCap.toFixed(8);
      const info: Obj = {
        symbol: spec.id,
        adjustedFundingRateCap: cap,
        adjustedFundingRateFloor: `-${cap}`,
        fundingIntervalHours: spec.intervalHours,
        disclaimer: false,
      };
      out[spec.symbol] = fundingRateShape({ info, symbol: spec.symbol, fundingRate: undefined, interval: `${spec.intervalHours}h` });
    }
    return out as unknown as CcxtFundingIntervals;
  }

  fetchTickers(ctx: CallContext, symbols: string[] | undefined, params: CcxtParams): CcxtTickers {
    const wanted = requireSymbols(this.id, this.insts, symbols);
    const first = wanted?.[0] === undefined ? undefined : this.insts.get(wanted[0]);
    const type = paramType(params) ?? (first ? (first.spec.kind === 'perp' ? 'swap' : 'spot') : 'spot');
    const subType = paramSubType(params) ?? (first?.spec.kind === 'perp' ? 'linear' : undefined);
    const linear = subType === undefined ? type === 'future' || type === 'swap' : subType === 'linear';
    const inverse = subType === undefined ? type === 'delivery' : subType === 'inverse';
    let kind: 'spot' | 'perp';
    if (linear) kind = 'perp';
    else if (inverse) return {} as CcxtTickers; // no coin-M markets in the sim
    else if (type === 'spot' || type === 'margin') kind = 'spot';
    else if (type === 'option') return {} as CcxtTickers;
    else throw new ccxt.NotSupported(`binance fetchTickers() does not support ${type} markets yet`);
    const out: Obj = {};
    const closeTime = venueTime(ctx.t, this.key, 3);
    for (const inst of this.list(kind)) {
      if (wanted && !wanted.includes(inst.spec.symbol)) continue;
      out[inst.spec.symbol] = this.ticker(inst, ctx, closeTime);
    }
    return out as unknown as CcxtTickers;
  }

  private ticker(inst: SimInstrument, ctx: CallContext, closeTime: number): Obj {
    const spec = inst.spec;
    const spot = spec.kind === 'spot';
    const { q, last, open, high, low } = this.dayBar(inst, ctx.step);
    const change = decSub(last, open);
    const pct = decOf((decValue(change) / decValue(open)) * 100, 3);
    const volume = decOfSig(q.baseVolume24h, spec.amountStep.exp);
    const quoteVolume = decOfSig(q.quoteVolume24h, spot ? 8 : 2);
    const vwapD = spot ? 8 : spec.priceStep.exp + 2;
    const vwap = decOf((decValue(open) + decValue(last) + decValue(high) + decValue(low)) / 4, vwapD);
    const text = (x: Parameters<typeof decText>[0]): string => (spot ? b8(decText(x)) : decText(x));
    const lastQty = onLot(spec, q.baseVolume24h * 1e-6 * (1 + (bits(inst.noiseKey, ctx.step, 11) % 9)));
    const openTime = closeTime - 86_400_000;
    const count = Math.round(q.quoteVolume24h / (spot ? 2_000 : 5_000)) + 1;
    const lastId = Math.floor(q.quoteVolume24h / 1000) + ctx.step * 17;
    const firstId = lastId - count + 1;
    if (spot) {
      const top = topOfBook(inst, ctx.step, q.mid, q.quoteVolume24h);
      const bid = onTick(spec, top.bid[0]);
      const ask = onTick(spec, top.ask[0]);
      const bidQty = onLot(spec, top.bid[1]);
      const askQty = onLot(spec, top.ask[1]);
      const prevClose = onTick(spec, q.open24h * (1 + 0.0001 * Math.cos(ctx.step)));
      const ticker = tickerShape({
        symbol: spec.symbol, timestamp: closeTime, high, low, bid, bidVolume: bidQty, ask, askVolume: askQty, vwap,
        open, last, previousClose: prevClose, change, percentage: pct, baseVolume: volume, quoteVolume,
        info: undefined, averagePrecision: 18,
      });
      return withInfo(ticker, () => ({
        symbol: spec.id,
        priceChange: text(change),
        priceChangePercent: decText(pct),
        weightedAvgPrice: decText(vwap),
        prevClosePrice: text(prevClose),
        lastPrice: text(last),
        lastQty: text(lastQty),
        bidPrice: text(bid),
        bidQty: text(bidQty),
        askPrice: text(ask),
        askQty: text(askQty),
        openPrice: text(open),
        highPrice: text(high),
        lowPrice: text(low),
        volume: text(volume),
        quoteVolume: decText(quoteVolume),
        openTime,
        closeTime,
        firstId,
        lastId,
        count,
      }));
    }
    const ticker = tickerShape({
      symbol: spec.symbol, timestamp: closeTime, high, low, vwap, open, last, change, percentage: pct,
      baseVolume: volume, quoteVolume, info: undefined, averagePrecision: 18,
    });
    return withInfo(ticker, () => ({
      symbol: spec.id,
      priceChange: text(change),
      priceChangePercent: decText(pct),
      weightedAvgPrice: decText(vwap),
      lastPrice: text(last),
      lastQty: text(lastQty),
      openPrice: text(open),
      highPrice: text(high),
      lowPrice: text(low),
      volume: text(volume),
      quoteVolume: decText(quoteVolume),
      openTime,
      closeTime,
      firstId,
      lastId,
      count,
    }));
  }

  fetchOrderBook(ctx: CallContext, symbol: string, limit: number | undefined, _params: CcxtParams): CcxtOrderBook {
    const inst = requireInstrument(this.id, this.insts, symbol);
    const perp = inst.spec.kind === 'perp';
    if (limit !== undefined && perp && !LINEAR_DEPTH_LIMITS.includes(limit)) {
      // /fapi/v1/depth accepts only these limits; ccxt maps -1130 to BadRequest.
      throw new ccxt.BadRequest(`binance {"code":-1130,"msg":"Data sent for parameter 'limit' is not valid."}`);
    }
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
      throw new ccxt.BadRequest(`binance {"code":-1100,"msg":"Illegal characters found in parameter 'limit'."}`);
    }
    const depth = Math.min(limit ?? (perp ? 500 : 100), 5000);
    const q = this.world.instrumentState(inst, ctx.step);
    const book = generateBook(inst, ctx.step, q.mid, q.quoteVolume24h, depth);
    // Spot depth has no transaction time: ccxt's timestamp is undefined there.
    const ts = perp ? venueTime(ctx.t, this.key, 4) : undefined;
    return orderBookShape(symbol, book.bids, book.asks, ts, updateId(ctx.step, inst.noiseKey)) as unknown as CcxtOrderBook;
  }

  fetchTradingFees(_ctx: CallContext, params: CcxtParams): CcxtTradingFees {
    const type = paramType(params) ?? 'spot';
    const subType = paramSubType(params) ?? 'linear';
    const out: Obj = {};
    if (type === 'spot' || type === 'margin') {
      for (const inst of this.list('spot')) {
        out[inst.spec.symbol] = {
          info: { symbol: inst.spec.id, makerCommission: '0.001', takerCommission: '0.001' },
          symbol: inst.spec.symbol,
          maker: 0.001,
          taker: 0.001,
          percentage: undefined,
          tierBased: undefined,
        };
      }
      return out as unknown as CcxtTradingFees;
    }
    const linear = subType === 'linear';
    if (!linear) {
      if (subType === 'inverse') return out as unknown as CcxtTradingFees;
      throw new ccxt.NotSupported(`binance fetchTradingFees() is not supported for ${type} markets`);
    }
    for (const inst of this.list('perp')) {
      out[inst.spec.symbol] = { info: { feeTier: 0 }, symbol: inst.spec.symbol, maker: 0.0002, taker: 0.0004 };
    }
    return out as unknown as CcxtTradingFees;
  }

  fetchFundingRateHistory(
    ctx: CallContext,
    symbol: string | undefined,
    since: number | undefined,
    limit: number | undefined,
    params: CcxtParams,
  ): CcxtFundingRateHistoryRow[] {
    const perps = this.list('perp').filter((i) => symbol === undefined || i.spec.symbol === symbol);
    if (symbol !== undefined) requireInstrument(this.id, this.insts, symbol);
    if (symbol !== undefined && perps.length === 0) return [];
    const until = typeof params['until'] === 'number' ? (params['until'] as number) : undefined;
    const end = Math.min(ctx.t, until ?? ctx.t);
    // /fapi/v1/fundingRate: default 100 rows, max 1000; from startTime, or the latest ones.
    const lim = Math.min(limit ?? 100, 1000);
    const rows: Array<CcxtFundingRateHistoryRow & { timestamp: number }> = [];
    for (const inst of perps) {
      const hours = inst.spec.intervalHours;
      const times =
        since === undefined
          ? latestSettlements(hours, end, lim, this.world.originMs)
          : settlementTimes(hours, since, end, this.world.originMs).slice(0, lim);
      for (const ts of times) {
        const rate = decOf(this.world.settledRate(inst, ts), 8);
        const mark = decOf(this.world.historicalState(inst, this.world.stepAt(ts - 1)).mark, 8);
        const info = { symbol: inst.spec.id, fundingTime: ts, fundingRate: decText(rate), markPrice: decText(mark) };
        rows.push(historyRowShape(info, inst.spec.symbol, decValue(rate), ts) as unknown as CcxtFundingRateHistoryRow & { timestamp: number });
      }
    }
    rows.sort((a, b) => a.timestamp - b.timestamp);
    return sinceLimit(rows, since, limit);
  }
}

