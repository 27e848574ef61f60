/**
 * Bybit v5 as ccxt 4.5.84's `bybit` class shapes it (spot + linear).
 *
 * Raw records follow /v5/market/instruments-info, /v5/market/tickers and /v5/market/orderbook
 * (field sets as in the real tape /work/shared/data/tapes/bybit-2026-08-09.ndjson); unified
 * results mirror bybit.js fetchSpotMarkets/fetchFutureMarkets, parseTicker, parseFundingRate.
 * The funding interval is only in the market: `info.fundingInterval` in minutes (a number,
 * as the API sends it), which ccxt turns into FundingRate.interval.
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
  dec,
  decOf,
  decOfSig,
  decSub,
  decText,
  decValue,
  fundingRateShape,
  historyRowShape,
  orderBookShape,
  safeMarketStructure,
  stepPrecision,
  tickerShape,
  withInfo,
  type Dec,
  type TickerInput,
} from './ccxt-shapes.js';
import { decimalsOf, formatSteps, formatUnits } from './decimal.js';
import { nextSettlement } from './funding-model.js';
import { latestSettlements, settlementTimes, sinceLimit } from './history.js';
import type { InstrumentSpec } from './instruments.js';
import { pick } from './prng.js';
import type { SimVenueApi } from './venue-api.js';
import {
  onLot,
  onTick,
  paramSubType,
  paramType,
  requireInstrument,
  requireSymbols,
  trimZeros,
  venueTime,
  type CallContext,
  type Obj,
} from './venue-common.js';
import { SimVenueBase } from './venue-common.js';
import type { SimInstrument, SimWorld } from './world.js';

const FEES_TRADING: Obj = { tierBased: true, percentage: true, taker: 0.00075, maker: 0.0001, feeSide: 'get' };
const TICK_DIRECTIONS = ['PlusTick', 'ZeroPlusTick', 'MinusTick', 'ZeroMinusTick'] as const;

function maxOrderQty(spec: InstrumentSpec, usd: number): string {
  const lots = Math.max(spec.minAmountSteps, Math.round(usd / spec.coin.price / spec.amountStep.value));
  return formatSteps(lots, spec.amountStep);
}

function perpInfo(spec: InstrumentSpec, symbolId: number): Obj {
  const pd = decimalsOf(spec.priceStep.text);
  const maxTicks = Math.round((spec.coin.price * 25) / spec.priceStep.value);
  const maxUsd = Math.min(1.5e8, spec.coin.liquidityUsd * 0.01);
  const maxQty = maxOrderQty(spec, maxUsd);
  return {
    symbol: spec.id,
    contractType: 'LinearPerpetual',
    status: 'Trading',
    baseCoin: spec.base,
    quoteCoin: spec.quote,
    launchTime: String(spec.createdMs),
    deliveryTime: '0',
    deliveryFeeRate: '',
    priceScale: String(pd),
    leverageFilter: {
      minLeverage: '1',
      maxLeverage: spec.coin.tier === 1 ? '100.00' : spec.coin.tier === 2 ? '75.00' : '50.00',
      leverageStep: '0.01',
    },
    priceFilter: { minPrice: spec.priceStep.text, maxPrice: formatSteps(maxTicks, spec.priceStep), tickSize: spec.priceStep.text },
    lotSizeFilter: {
      maxOrderQty: maxQty,
      minOrderQty: formatSteps(spec.minAmountSteps, spec.amountStep),
      qtyStep: spec.amountStep.text,
      postOnlyMaxOrderQty: maxQty,
      maxMktOrderQty: maxOrderQty(spec, maxUsd / 10),
      minNotionalValue: String(spec.minCost ?? 5),
    },
    unifiedMarginTrade: true,
    fundingInterval: spec.intervalHours * 60,
    settleCoin: spec.settle,
    copyTrading: 'both',
    upperFundingRate: String(spec.fundingCap),
    lowerFundingRate: String(-spec.fundingCap),
    isPreListing: false,
    preListingInfo: null,
    riskParameters: { priceLimitRatioX: '0.01', priceLimitRatioY: '0.02' },
    displayName: '',
    symbolType: '',
    forbidUplWithdrawal: false,
    symbolId,
  };
}

function spotInfo(spec: InstrumentSpec, symbolId: number): Obj {
  const maxQty = maxOrderQty(spec, Math.min(2e7, spec.coin.liquidityUsd * 0.002));
  return {
    symbolId,
    symbol: spec.id,
    baseCoin: spec.base,
    quoteCoin: spec.quote,
    innovation: '0',
    status: 'Trading',
    marginTrading: spec.marginable ? 'utaOnly' : 'none',
    stTag: '0',
    lotSizeFilter: {
      basePrecision: spec.amountStep.text,
      quotePrecision: '0.0000001',
      minOrderQty: formatSteps(spec.minAmountSteps, spec.amountStep),
      maxOrderQty: maxQty,
      minOrderAmt: String(spec.minCost ?? 5),
      maxOrderAmt: '8000000',
      maxLimitOrderQty: maxQty,
      maxMarketOrderQty: maxOrderQty(spec, Math.min(1e7, spec.coin.liquidityUsd * 0.001)),
      postOnlyMaxLimitOrderSize: maxQty,
    },
    priceFilter: { tickSize: spec.priceStep.text },
    riskParameters: { priceLimitRatioX: '0.005', priceLimitRatioY: '0.01' },
    symbolType: '',
    xstockMultiplier: '1',
  };
}

const n = (s: unknown): number | undefined => (s === undefined || s === '' || s === null ? undefined : Number(s));

/** bybit.js fetchFutureMarkets for one linear instrument. */
function parsePerp(info: Obj): Obj {
  const lot = info['lotSizeFilter'] as Obj;
  const price = info['priceFilter'] as Obj;
  const lev = info['leverageFilter'] as Obj;
  return safeMarketStructure({
    id: info['symbol'],
    symbol: `${String(info['baseCoin'])}/${String(info['quoteCoin'])}:${String(info['settleCoin'])}`,
    base: info['baseCoin'],
    quote: info['quoteCoin'],
    settle: info['settleCoin'],
    baseId: info['baseCoin'],
    quoteId: info['quoteCoin'],
    settleId: info['settleCoin'],
    type: 'swap',
    spot: false,
    margin: undefined,
    swap: true,
    future: false,
    option: false,
    active: info['status'] === 'Trading',
    contract: true,
    linear: true,
    inverse: false,
    taker: 0.0006,
    maker: 0.0001,
    contractSize: 1,
    expiry: undefined,
    expiryDatetime: undefined,
    strike: undefined,
    optionType: undefined,
    precision: { amount: n(lot['qtyStep']), price: n(price['tickSize']) },
    limits: {
      leverage: { min: n(lev['minLeverage']), max: n(lev['maxLeverage']) },
      amount: { min: n(lot['minOrderQty']), max: n(lot['maxOrderQty']) },
      price: { min: n(price['minPrice']), max: n(price['maxPrice']) },
      cost: { min: n(lot['minNotionalValue']), max: undefined },
    },
    created: n(info['launchTime']),
    info,
  });
}

/** bybit.js fetchSpotMarkets for one instrument. */
function parseSpot(info: Obj): Obj {
  const lot = info['lotSizeFilter'] as Obj;
  const price = info['priceFilter'] as Obj;
  return safeMarketStructure({
    id: info['symbol'],
    symbol: `${String(info['baseCoin'])}/${String(info['quoteCoin'])}`,
    base: info['baseCoin'],
    quote: info['quoteCoin'],
    settle: undefined,
    baseId: info['baseCoin'],
    quoteId: info['quoteCoin'],
    settleId: undefined,
    type: 'spot',
    spot: true,
    margin: info['marginTrading'] !== 'none',
    swap: false,
    future: false,
    option: false,
    active: info['status'] === 'Trading',
    contract: false,
    linear: undefined,
    inverse: undefined,
    taker: 0.001,
    maker: 0.001,
    contractSize: undefined,
    expiry: undefined,
    expiryDatetime: undefined,
    strike: undefined,
    optionType: undefined,
    precision: { amount: n(lot['basePrecision']), price: n(price['tickSize'] ?? lot['quotePrecision']) },
    limits: {
      leverage: { min: 1, max: undefined },
      amount: { min: n(lot['minOrderQty']), max: n(lot['maxOrderQty']) },
      price: { min: undefined, max: undefined },
      cost: { min: n(lot['minOrderAmt']), max: n(lot['maxOrderAmt']) },
    },
    created: undefined,
    info,
  });
}

/** One /v5/market/tickers row: the decimals ccxt's parsers read, and the raw record on demand. */
interface TickerRow {
  readonly inst: SimInstrument;
  readonly input: Omit<TickerInput, 'info'>;
  /** The raw record, built once when first needed. */
  readonly raw: () => Obj;
  /** Perps: the pieces parseFundingRate reads. */
  readonly mark?: Dec;
  readonly index?: Dec;
  readonly rate?: Dec;
  readonly next?: number;
}

function once(build: () => Obj): () => Obj {
  let v: Obj | undefined;
  return () => (v ??= build());
}

export class BybitSim extends SimVenueBase implements SimVenueApi {
  readonly id = 'bybit' as const;
  /** /v5/market/tickers rows of the last step asked, shared by fetchTickers and fetchFundingRates. */
  private cache: { step: number; rows: Map<string, TickerRow> } | undefined;

  constructor(world: SimWorld) {
    super(world, 'bybit');
  }

  protected readonly feesTrading = FEES_TRADING;

  protected parseMarket(spec: InstrumentSpec, n: number): Obj {
    return spec.kind === 'perp' ? parsePerp(perpInfo(spec, n)) : parseSpot(spotInfo(spec, 1000 + n));
  }

  private row(inst: SimInstrument, step: number): TickerRow {
    if (this.cache?.step !== step) this.cache = { step, rows: new Map() };
    let row = this.cache.rows.get(inst.spec.symbol);
    if (!row) {
      row = this.tickerRow(inst, step);
      this.cache.rows.set(inst.spec.symbol, row);
    }
    return row;
  }

  /** A fresh unified ticker (its info a fresh copy of the row's raw record). */
  private ticker(row: TickerRow): Obj {
    return withInfo(tickerShape({ ...row.input, info: undefined }), () => ({ ...row.raw() }));
  }

  private tickerRow(inst: SimInstrument, step: number): TickerRow {
    const spec = inst.spec;
    const { q, last, open, high, low } = this.dayBar(inst, step);
    const top = topOfBook(inst, step, q.mid, q.quoteVolume24h);
    const bid = onTick(spec, top.bid[0]);
    const ask = onTick(spec, top.ask[0]);
    const bidSz = onLot(spec, top.bid[1]);
    const askSz = onLot(spec, top.ask[1]);
    const pd = decimalsOf(spec.priceStep.text);
    const lotD = spec.amountStep.exp;
    const precision = stepPrecision(spec.priceStep.value);
    const change = decSub(last, open);
    if (spec.kind === 'spot') {
      const pcnt = decOf(decValue(change) / decValue(open), 4);
      const turnover = decOfSig(q.quoteVolume24h, 8);
      const volume = decOfSig(q.baseVolume24h, lotD);
      const raw = once(() => ({
        symbol: spec.id,
        bid1Price: decText(bid),
        bid1Size: decText(bidSz),
        ask1Price: decText(ask),
        ask1Size: decText(askSz),
        lastPrice: decText(last),
        prevPrice24h: decText(open),
        price24hPcnt: decText(pcnt),
        highPrice24h: decText(high),
        lowPrice24h: decText(low),
        turnover24h: decText(turnover),
        volume24h: decText(volume),
        usdIndexPrice: decText(decOf(q.price, 6)),
      }));
      const input = {
        symbol: spec.symbol, timestamp: undefined, high, low, bid, bidVolume: bidSz, ask, askVolume: askSz,
        open, last, percentage: dec(pcnt.u, pcnt.d - 2), baseVolume: volume, quoteVolume: turnover,
        averagePrecision: precision,
      };
      return { inst, input, raw };
    }
    const mark = onTick(spec, q.mark);
    const index = decOf(q.index, pd);
    const prev1h = onTick(spec, q.prev1h);
    const pcnt = decOf(decValue(change) / decValue(open), 6);
    const oi = decOf((q.quoteVolume24h * 0.35) / q.price, lotD);
    const turnover = decOfSig(q.quoteVolume24h, 4);
    const volume = decOfSig(q.baseVolume24h, 4);
    const rate = decOf(q.rate, 8);
    const next = nextSettlement(this.world.timeOfStep(step), spec.intervalHours);
    const tickDirection = TICK_DIRECTIONS[pick(inst.noiseKey, step, 4, 9)];
    const raw = once(() => ({
      symbol: spec.id,
      tickDirection,
      price24hPcnt: decText(pcnt),
      lastPrice: decText(last, pd),
      prevPrice24h: decText(open, pd),
      highPrice24h: decText(high, pd),
      lowPrice24h: decText(low, pd),
      prevPrice1h: decText(prev1h, pd),
      markPrice: decText(mark, pd),
      indexPrice: decText(index, pd),
      openInterest: decText(oi),
      openInterestValue: formatUnits(Math.round(decValue(oi) * decValue(mark) * 100), 2),
      turnover24h: decText(turnover),
      volume24h: decText(volume),
      fundingIntervalHour: String(spec.intervalHours),
      fundingCap: String(spec.fundingCap),
      singleOpenInterest: decText(dec(Math.round(oi.u / 2), oi.d)),
      singleOpenInterestValue: formatUnits(Math.round((decValue(oi) / 2) * decValue(mark) * 100), 2),
      nextFundingTime: String(next),
      fundingRate: trimZeros(decText(rate)),
      predictedDeliveryPrice: '',
      basisRate: '',
      deliveryFeeRate: '',
      deliveryTime: '0',
      bid1Price: decText(bid, pd),
      bid1Size: decText(bidSz),
      ask1Price: decText(ask, pd),
      ask1Size: decText(askSz),
      basis: '',
      preOpenPrice: '',
      preQty: '',
      curPreListingPhase: '',
    }));
    const input = {
      symbol: spec.symbol, timestamp: undefined, high, low, bid, bidVolume: bidSz, ask, askVolume: askSz,
      open, last, percentage: dec(pcnt.u, pcnt.d - 2), baseVolume: volume, quoteVolume: turnover,
      markPrice: mark, indexPrice: index, averagePrecision: precision,
    };
    return { inst, input, raw, mark, index, rate, next };
  }

  fetchFundingRates(ctx: CallContext, symbols: string[] | undefined, params: CcxtParams): CcxtFundingRates {
    const wanted = requireSymbols(this.id, this.insts, symbols);
    const first = wanted?.[0] === undefined ? undefined : this.insts.get(wanted[0]);
    const type = paramType(params) ?? (first ? (first.spec.kind === 'perp' ? 'swap' : 'spot') : 'swap');
    if (type !== 'swap') throw new ccxt.NotSupported(`bybit fetchFundingRates() does not support ${type} markets`);
    const out: Obj = {};
    if ((paramSubType(params) ?? 'linear') !== 'linear') return out as unknown as CcxtFundingRates;
    for (const inst of this.insts.values()) {
      if (inst.spec.kind !== 'perp') continue;
      if (wanted && !wanted.includes(inst.spec.symbol)) continue;
      const row = this.row(inst, ctx.step);
      // parseFundingRate's info is the ticker row without the timestamp ccxt injected.
      out[inst.spec.symbol] = withInfo(fundingRateShape({
        info: undefined,
        symbol: inst.spec.symbol,
        markPrice: row.mark && decValue(row.mark),
        indexPrice: row.index && decValue(row.index),
        timestamp: ctx.t,
        fundingRate: row.rate && decValue(row.rate),
        fundingTimestamp: row.next,
        interval: `${row.inst.spec.intervalHours}h`,
      }), () => ({ ...row.raw() }));
    }
    return out as unknown as CcxtFundingRates;
  }

  fetchFundingIntervals(): CcxtFundingIntervals {
    throw new ccxt.NotSupported('bybit fetchFundingIntervals() is not supported yet');
  }

  fetchTickers(ctx: CallContext, symbols: string[] | undefined, params: CcxtParams): CcxtTickers {
    const wanted = requireSymbols(this.id, this.insts, symbols);
    const first = wanted?.[0] === undefined ? undefined : this.insts.get(wanted[0]);
    if (wanted && first && wanted.some((s) => this.insts.get(s)?.spec.kind !== first.spec.kind)) {
      throw new ccxt.BadRequest('bybit fetchTickers can only accept a list of symbols of the same type');
    }
    // getBybitType: spot stays spot, contracts become their subType (linear by default).
    const type = paramType(params) ?? (first ? (first.spec.kind === 'perp' ? 'swap' : 'spot') : 'swap');
    const category = type === 'spot' || type === 'option' ? type : (paramSubType(params) ?? 'linear');
    const out: Obj = {};
    for (const inst of this.insts.values()) {
      const kind = inst.spec.kind === 'spot' ? 'spot' : 'linear';
      if (kind !== category) continue;
      if (wanted && !wanted.includes(inst.spec.symbol)) continue;
      out[inst.spec.symbol] = this.ticker(this.row(inst, ctx.step));
    }
    return out as unknown as CcxtTickers;
  }

  fetchOrderBook(ctx: CallContext, symbol: string, limit: number | undefined, _params: CcxtParams): CcxtOrderBook {
    const inst = requireInstrument(this.id, this.insts, symbol);
    const max = inst.spec.kind === 'spot' ? 200 : 500;
    const depth = limit ?? (inst.spec.kind === 'spot' ? 50 : 25);
    if (!Number.isInteger(depth) || depth < 1 || depth > max) {
      throw new ccxt.BadRequest(`bybit {"retCode":10001,"retMsg":"The number of limit must be between 1 and ${max}"}`);
    }
    const q = this.world.instrumentState(inst, ctx.step);
    const book = generateBook(inst, ctx.step, q.mid, q.quoteVolume24h, depth);
    return orderBookShape(symbol, book.bids, book.asks, venueTime(ctx.t, this.key, 1)) as unknown as CcxtOrderBook;
  }

  fetchTradingFees(_ctx: CallContext, params: CcxtParams): CcxtTradingFees {
    const type = paramType(params) ?? 'future';
    if (type === 'spot') throw new ccxt.NotSupported('bybit fetchTradingFees() is not supported for spot market');
    const out: Obj = {};
    for (const inst of this.insts.values()) {
      if (inst.spec.kind !== 'perp') continue;
      out[inst.spec.symbol] = {
        info: { symbol: inst.spec.id, takerFeeRate: '0.00055', makerFeeRate: '0.0002' },
        symbol: inst.spec.symbol,
        maker: 0.0002,
        taker: 0.00055,
        percentage: undefined,
        tierBased: undefined,
      };
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
    if (symbol === undefined) throw new ccxt.ArgumentsRequired('bybit fetchFundingRateHistory() requires a symbol argument');
    const inst = requireInstrument(this.id, this.insts, symbol);
    if (inst.spec.kind !== 'perp') {
      throw new ccxt.NotSupported('bybit fetchFundingRateHistory() only support linear and inverse market');
    }
    const lim = limit ?? 200;
    const hours = inst.spec.intervalHours;
    const until = typeof params['until'] === 'number' ? (params['until'] as number) : undefined;
    const end = Math.min(ctx.t, until ?? (since === undefined ? ctx.t : since + lim * hours * 3_600_000));
    const times =
      since === undefined
        ? latestSettlements(hours, end, lim, this.world.originMs)
        : settlementTimes(hours, since, end, this.world.originMs).slice(-lim);
    const rows = times.map((ts) => {
      const rate = decOf(this.world.settledRate(inst, ts), 8);
      const info = { symbol: inst.spec.id, fundingRate: trimZeros(decText(rate)), fundingRateTimestamp: String(ts) };
      return historyRowShape(info, symbol, decValue(rate), ts) as unknown as CcxtFundingRateHistoryRow & { timestamp: number };
    });
    return sinceLimit(rows, since, limit);
  }
}

