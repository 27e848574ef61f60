/**
 * Deribit as ccxt 4.5.84's `deribit` class shapes it.
 *
 * Raw records follow /public/get_instruments, /public/get_book_summary_by_currency,
 * /public/get_order_book and /public/get_funding_rate_history (JSON numbers, not strings);
 * unified results mirror deribit.js fetchMarkets, parseTicker, parseFundingRate.
 * There is no fetchFundingRates: funding is read from the ticker's info — funding_8h is the
 * trailing 8h realised rate (what carry quotes), current_funding the instantaneous 8h rate.
 * A book summary has mark_price and estimated_delivery_price (the index for a perpetual) but,
 * unlike /public/ticker, no index_price, so ccxt's indexPrice is undefined.
 * The inverse perps' amount is USD (contract_size 10 for BTC, 1 for ETH); USDC perps and
 * spot trade in the base coin.
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
import { decOf, decOfSig, decValue, fundingRateShape, orderBookShape, tickerShape, type Dec } from './ccxt-shapes.js';
import { HOUR_MS } from './dynamics.js';
import { hashString } from './prng.js';
import type { SimVenueApi } from './venue-api.js';
import { onTick, requireInstrument, updateId, venueTime, type CallContext, type Obj } from './venue-common.js';
import { SimVenueBase } from './venue-common.js';
import type { InstrumentSpec } from './instruments.js';
import type { SimInstrument, SimWorld } from './world.js';

/** Deribit's "perpetual" expiration: 3000-01-01. */
const NEVER = 32503708800000;
/** ccxt's base describe() fees; Deribit sets none of its own. */
const FEES_TRADING: Obj = { tierBased: undefined, percentage: undefined, taker: undefined, maker: undefined };
/** Currencies Deribit's API accepts. */
const CURRENCIES = ['BTC', 'ETH', 'USDC', 'USDT', 'EURR'] as const;

/** Which `currency` a book summary lists an instrument under. */
function currencyOf(spec: InstrumentSpec): string {
  if (spec.kind === 'perp') return spec.inverse ? spec.base : 'USDC';
  // Spot pairs are listed under their base coin (not verified against the live API).
  return spec.base;
}

function instrumentInfo(spec: InstrumentSpec): Obj {
  const perp = spec.kind === 'perp';
  const common: Obj = {
    tick_size: spec.priceStep.value,
    tick_size_steps: [],
    taker_commission: spec.taker,
    rfq: false,
    quote_currency: spec.quote,
    price_index: `${spec.base.toLowerCase()}_${spec.inverse ? 'usd' : 'usdc'}`,
    min_trade_amount: spec.amountStep.value * spec.minAmountSteps,
    maker_commission: spec.maker,
    kind: perp ? 'future' : 'spot',
    is_active: true,
    instrument_name: spec.id,
    instrument_id: 100000 + (hashString(spec.id) % 400000),
    instrument_type: spec.inverse ? 'reversed' : 'linear',
    expiration_timestamp: NEVER,
    creation_timestamp: spec.createdMs,
    counter_currency: spec.quote,
    contract_size: spec.contractSize,
    block_trade_tick_size: spec.priceStep.value,
    block_trade_min_trade_amount: spec.inverse ? 200000 : 25,
    block_trade_commission: 0.00025,
    base_currency: spec.base,
  };
  if (!perp) return common;
  return {
    ...common,
    settlement_period: 'perpetual',
    settlement_currency: spec.settle,
    future_type: spec.inverse ? 'reversed' : 'linear',
    max_leverage: 50,
    max_liquidation_commission: 0.0075,
  };
}

/** deribit.js fetchMarkets for one instrument record. */
function parseMarket(m: Obj): Obj {
  const spot = m['kind'] === 'spot';
  const swap = m['settlement_period'] === 'perpetual';
  const base = m['base_currency'] as string;
  const quote = m['counter_currency'] as string;
  const settle = m['settlement_currency'] as string | undefined;
  const tick = m['tick_size'] as number;
  const min = m['min_trade_amount'] as number;
  const expiry = m['expiration_timestamp'] as number;
  return {
    id: m['instrument_name'],
    symbol: spot ? `${base}/${quote}` : `${base}/${quote}:${String(settle)}`,
    base,
    quote,
    settle,
    baseId: base,
    quoteId: quote,
    settleId: settle,
    type: spot ? 'spot' : 'swap',
    spot,
    margin: false,
    swap,
    future: false,
    option: false,
    active: m['is_active'],
    contract: !spot,
    linear: spot ? undefined : settle === quote,
    inverse: spot ? undefined : quote !== settle,
    taker: m['taker_commission'],
    maker: m['maker_commission'],
    contractSize: m['contract_size'],
    expiry,
    expiryDatetime: new Date(expiry).toISOString(),
    strike: undefined,
    optionType: undefined,
    precision: { amount: min, price: tick },
    limits: {
      leverage: { min: undefined, max: undefined },
      amount: { min, max: undefined },
      price: { min: tick, max: undefined },
      cost: { min: undefined, max: undefined },
    },
    created: m['creation_timestamp'],
    info: m,
  };
}

export class DeribitSim extends SimVenueBase implements SimVenueApi {
  readonly id = 'deribit' as const;

  constructor(world: SimWorld) {
    super(world, 'deribit');
  }

  protected readonly feesTrading = FEES_TRADING;

  protected parseMarket(spec: InstrumentSpec): Obj {
    return parseMarket(instrumentInfo(spec));
  }

  fetchFundingRates(): CcxtFundingRates {
    throw new ccxt.NotSupported('deribit fetchFundingRates() is not supported yet');
  }

  fetchFundingIntervals(): CcxtFundingIntervals {
    throw new ccxt.NotSupported('deribit fetchFundingIntervals() is not supported yet');
  }

  fetchTickers(ctx: CallContext, symbols: string[] | undefined, params: CcxtParams): CcxtTickers {
    let code = typeof params['code'] === 'string' ? params['code'] : typeof params['currency'] === 'string' ? params['currency'] : undefined;
    let kind: 'spot' | 'perp' | undefined;
    if (symbols !== undefined) {
      for (const s of symbols) {
        const inst = requireInstrument(this.id, this.insts, s);
        if (code !== undefined && code !== inst.spec.base) {
          throw new ccxt.BadRequest(
            'deribit fetchTickers the base currency must be the same for all symbols, this endpoint only supports one base currency at a time. Read more about it here: https://docs.deribit.com/#public-get_book_summary_by_currency',
          );
        }
        if (code === undefined) {
          code = inst.spec.base;
          kind = inst.spec.kind;
        }
      }
    }
    if (code === undefined) {
      throw new ccxt.ArgumentsRequired('deribit fetchTickers requires a currency/code (eg: BTC/ETH/USDT) parameter to fetch tickers for');
    }
    if (!(CURRENCIES as readonly string[]).includes(code)) throw new ccxt.BadSymbol(`deribit does not have currency code ${code}`);
    const ts = venueTime(ctx.t, this.key, 3);
    const out: Obj = {};
    for (const inst of this.insts.values()) {
      if (currencyOf(inst.spec) !== code) continue;
      if (kind !== undefined && inst.spec.kind !== kind) continue;
      if (symbols !== undefined && !symbols.includes(inst.spec.symbol)) continue;
      out[inst.spec.symbol] = this.summary(inst, ctx.step, ts);
    }
    return out as unknown as CcxtTickers;
  }

  private summary(inst: SimInstrument, step: number, ts: number): Obj {
    const spec = inst.spec;
    const q = this.world.instrumentState(inst, step);
    const perp = spec.kind === 'perp';
    const last = onTick(spec, q.mid);
    const high = onTick(spec, q.high24h);
    const low = onTick(spec, q.low24h);
    const top = topOfBook(inst, step, q.mid, q.quoteVolume24h);
    const bid = onTick(spec, top.bid[0]);
    const ask = onTick(spec, top.ask[0]);
    const mid = decOf((decValue(bid) + decValue(ask)) / 2, spec.priceStep.exp + 1);
    const mark = decOf(perp ? q.mark : q.mid, 2 + Math.max(0, spec.priceStep.exp));
    const volume = decOfSig(q.baseVolume24h, 8);
    const volumeUsd = decOfSig(q.quoteVolume24h, 0);
    const priceChange = decOf(((decValue(last) - q.open24h) / q.open24h) * 100, 4);
    const v = (x: Dec): number => decValue(x);
    const raw: Obj = {
      volume_usd: v(volumeUsd),
      volume_notional: v(volumeUsd),
      volume: v(volume),
      quote_currency: spec.quote,
      price_change: v(priceChange),
    };
    if (perp) raw['open_interest'] = spec.inverse ? Math.round((q.quoteVolume24h * 0.6) / 10) * 10 : v(decOf((q.quoteVolume24h * 0.4) / q.price, 4));
    Object.assign(raw, {
      mid_price: v(mid),
      mark_price: v(mark),
      low: v(low),
      last: v(last),
      instrument_name: spec.id,
      high: v(high),
    });
    if (perp) {
      raw['funding_8h'] = v(decOf(q.rate, 8));
      raw['estimated_delivery_price'] = v(decOf(q.index, 2));
      raw['current_funding'] = v(decOf(q.currentFunding, 8));
    } else {
      raw['estimated_delivery_price'] = v(decOf(q.price, 2));
    }
    Object.assign(raw, {
      creation_timestamp: ts,
      bid_price: v(bid),
      base_currency: spec.base,
      ask_price: v(ask),
    });
    return tickerShape({
      symbol: spec.symbol, timestamp: ts, high, low, bid, ask, last, baseVolume: volume, quoteVolume: volumeUsd,
      markPrice: mark, info: raw, averagePrecision: 18,
    });
  }

  fetchOrderBook(ctx: CallContext, symbol: string, limit: number | undefined, _params: CcxtParams): CcxtOrderBook {
    const inst = requireInstrument(this.id, this.insts, symbol);
    const depth = limit ?? 20;
    if (!Number.isInteger(depth) || depth < 1 || depth > 10000) {
      throw new ccxt.BadRequest(`deribit {"code":-32602,"message":"Invalid params","data":{"param":"depth"}}`);
    }
    const q = this.world.instrumentState(inst, ctx.step);
    const book = generateBook(inst, ctx.step, q.mid, q.quoteVolume24h, depth);
    return orderBookShape(
      inst.spec.symbol,
      book.bids,
      book.asks,
      venueTime(ctx.t, this.key, 4),
      updateId(ctx.step, inst.noiseKey),
    ) as unknown as CcxtOrderBook;
  }

  fetchTradingFees(): CcxtTradingFees {
    const markets = this.loadMarkets() as unknown as Record<string, Obj>;
    const perpetualFee = {
      info: { instrument_type: 'perpetual', index_name: 'btc_usd', kind: 'future', maker_fee: 0, taker_fee: 0.0005, fee_type: 'relative' },
      maker: 0,
      taker: 0.0005,
    };
    const out: Obj = {};
    for (const inst of this.insts.values()) {
      const market = markets[inst.spec.symbol] as Obj;
      const fee: Obj = {
        info: market,
        symbol: inst.spec.symbol,
        percentage: true,
        tierBased: true,
        maker: market['maker'],
        taker: market['taker'],
      };
      out[inst.spec.symbol] = inst.spec.kind === 'perp' ? { ...fee, ...perpetualFee } : fee;
    }
    return out as unknown as CcxtTradingFees;
  }

  /**
   * Hourly rows like /public/get_funding_rate_history: interest_1h realised over the hour,
   * interest_8h the sum of the last eight (ccxt's fundingRate). Summing fundingRate over rows
   * overcounts about 8x; interest_1h is the per-hour amount (venues.md §4).
   */
  fetchFundingRateHistory(
    ctx: CallContext,
    symbol: string | undefined,
    since: number | undefined,
    limit: number | undefined,
    params: CcxtParams,
  ): CcxtFundingRateHistoryRow[] {
    const inst = requireInstrument(this.id, this.insts, symbol);
    if (inst.spec.kind !== 'perp') return [];
    const month = 30 * 24 * HOUR_MS;
    const from = since ?? ctx.t - month;
    const until = typeof params['until'] === 'number' ? (params['until'] as number) : from + month;
    const end = Math.min(until, ctx.t);
    const origin = this.world.originMs;
    // Hours whose end lies in (from - 1, end]; the first row needs 8 hours of history before it.
    const firstHour = Math.max(Math.ceil(from / HOUR_MS), Math.floor(origin / HOUR_MS) + 1);
    const lastHour = Math.floor(end / HOUR_MS);
    const hourly: number[] = [];
    const rows: Array<CcxtFundingRateHistoryRow & { timestamp: number }> = [];
    const startHour = Math.max(firstHour - 7, Math.floor(origin / HOUR_MS) + 1);
    // Walk forward only: the history cursor then never has to replay from a checkpoint.
    let prevIdx = this.world.historicalState(inst, this.world.stepAt((startHour - 1) * HOUR_MS - 1 < origin ? origin : (startHour - 1) * HOUR_MS - 1)).index;
    for (let h = startHour; h <= lastHour; h++) {
      const hourEnd = h * HOUR_MS;
      const i1 = this.world.hourlyAverageRate(inst, hourEnd) / 8;
      const idx = this.world.historicalState(inst, this.world.stepAt(hourEnd - 1)).index;
      hourly.push(i1);
      const prev = prevIdx;
      prevIdx = idx;
      if (h < firstHour) continue;
      const window = hourly.slice(-8);
      const i8 = window.reduce((a, b) => a + b, 0) * (8 / window.length);
      const info = {
        timestamp: hourEnd,
        index_price: decValue(decOf(idx, 2)),
        prev_index_price: decValue(decOf(prev, 2)),
        interest_8h: decValue(decOf(i8, 12)),
        interest_1h: decValue(decOf(i1, 12)),
      };
      const rate = fundingRateShape({
        info,
        symbol: inst.spec.symbol,
        indexPrice: info.index_price,
        timestamp: hourEnd,
        fundingRate: info.interest_8h,
        interval: '8h',
      });
      rows.push(rate as unknown as CcxtFundingRateHistoryRow & { timestamp: number });
    }
    const kept = rows.filter((r) => r.timestamp >= from);
    return limit === undefined ? kept : kept.slice(0, limit);
  }
}
