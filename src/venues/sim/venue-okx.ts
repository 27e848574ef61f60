/**
 * OKX v5 (spot + USDT swaps) as ccxt 4.5.84's `okx` class shapes it.
 *
 * Raw records follow /public/instruments (template: /work/shared/data/ccxt-static/markets/okx.json),
 * /public/funding-rate?instId=ANY, /market/tickers and /market/books; unified results mirror
 * okx.js parseMarket, parseFundingRate, parseTicker. Swap amounts are contracts of ctVal
 * (ccxt contractSize); a swap ticker's baseVolume is contracts and its quoteVolume is
 * undefined (ccxt reads volCcy24h for spot only); book levels carry a third element (0).
 * The interval comes from nextFundingTime − fundingTime.
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
  decText,
  decValue,
  fundingRateShape,
  historyRowShape,
  withInfo,
  orderBookShape,
  stepPrecision,
  tickerShape,
} from './ccxt-shapes.js';
import { formatSteps } from './decimal.js';
import { HOUR_MS } from './dynamics.js';
import { nextSettlement } from './funding-model.js';
import { latestSettlements, settlementTimes, sinceLimit } from './history.js';
import type { InstrumentSpec } from './instruments.js';
import { bits, hashString } from './prng.js';
import type { SimVenueApi } from './venue-api.js';
import {
  onLot,
  onTick,
  paramType,
  requireInstrument,
  requireSymbols,
  venueTime,
  type CallContext,
  type Obj,
} from './venue-common.js';
import { SimVenueBase } from './venue-common.js';
import type { SimInstrument, SimWorld } from './world.js';

// ccxt's base describe() adds tierBased/percentage (undefined) ahead of the venue's fees.
const FEES_TRADING: Obj = { tierBased: undefined, percentage: undefined, taker: 0.0015, maker: 0.001 };
const FEES_BY_TYPE: Readonly<Record<string, { taker: number; maker: number }>> = {
  spot: { taker: 0.0015, maker: 0.001 },
  swap: { taker: 0.0005, maker: 0.0002 },
};

function instrumentInfo(spec: InstrumentSpec): Obj {
  const swap = spec.kind === 'perp';
  const lever = swap ? (spec.coin.tier === 1 ? '100' : spec.coin.tier === 2 ? '75' : '50') : spec.marginable ? (spec.coin.tier <= 2 ? '10' : '5') : '';
  const code = String(swap ? 10000 + (hashString(spec.id) % 90000) : 1 + (hashString(spec.id) % 9000));
  const maxMkt = swap
    ? formatSteps(Math.max(1, Math.round(Math.min(5e6, spec.coin.liquidityUsd * 5e-4) / (spec.coin.price * spec.contractSize) / spec.amountStep.value)), spec.amountStep)
    : '1000000';
  return {
    alias: '',
    auctionEndTime: '',
    baseCcy: swap ? '' : spec.base,
    category: '1',
    contTdSwTime: swap ? String(spec.createdMs) : '',
    ctMult: swap ? '1' : '',
    ctType: swap ? 'linear' : '',
    ctVal: swap ? String(spec.contractSize) : '',
    ctValCcy: swap ? spec.base : '',
    expTime: '',
    futureSettlement: false,
    groupId: swap ? '4' : '12',
    instFamily: swap ? `${spec.base}-${spec.quote}` : '',
    instId: spec.id,
    instIdCode: code,
    instType: swap ? 'SWAP' : 'SPOT',
    lever,
    listTime: String(spec.createdMs - 86_400_000),
    longPosRemainingQuota: '',
    lotSz: spec.amountStep.text,
    maxIcebergSz: '100000000.0000000000000000',
    maxLmtAmt: '20000000',
    maxLmtSz: '100000000',
    maxMktAmt: swap ? '' : '1000000',
    maxMktSz: maxMkt,
    maxPlatOILmt: swap ? '10000000000000' : '',
    maxStopSz: maxMkt,
    maxTriggerSz: '100000000.0000000000000000',
    maxTwapSz: '100000000.0000000000000000',
    minSz: formatSteps(spec.minAmountSteps, spec.amountStep),
    openType: swap ? 'call_auction' : 'fix_price',
    optType: '',
    posLmtAmt: swap ? '250000' : '',
    posLmtPct: swap ? '30' : '',
    preMktSwTime: '',
    quoteCcy: swap ? '' : spec.quote,
    ruleType: 'normal',
    settleCcy: swap ? (spec.settle as string) : '',
    shortPosRemainingQuota: '',
    state: 'live',
    stk: '',
    tickSz: spec.priceStep.text,
    tradeQuoteCcyList: swap ? [] : [spec.quote],
    uly: swap ? `${spec.base}-${spec.quote}` : '',
    upcChg: [],
  };
}

const num = (s: unknown): number | undefined => (s === undefined || s === null || s === '' ? undefined : Number(s));

/** okx.js parseMarket for the SPOT and SWAP records above. */
function parseMarket(info: Obj): Obj {
  const type = String(info['instType']).toLowerCase();
  const spot = type === 'spot';
  const swap = type === 'swap';
  const contract = swap;
  let baseId = String(info['baseCcy'] ?? '');
  let quoteId = String(info['quoteCcy'] ?? '');
  const settleId = info['settleCcy'] === '' ? undefined : (info['settleCcy'] as string);
  if (!spot && typeof info['uly'] === 'string') {
    const [b = '', q = ''] = (info['uly'] as string).split('-');
    baseId = b;
    quoteId = q;
  }
  const symbol = contract ? `${baseId}/${quoteId}:${String(settleId)}` : `${baseId}/${quoteId}`;
  const fees = FEES_BY_TYPE[type] ?? FEES_BY_TYPE['spot'];
  const lever = info['lever'] === '' || info['lever'] === undefined ? '1' : String(info['lever']);
  const maxLeverage = Math.max(Number(lever), 1);
  return {
    ...fees,
    id: info['instId'],
    instIdCode: num(info['instIdCode']),
    symbol,
    base: baseId,
    quote: quoteId,
    settle: settleId,
    baseId,
    quoteId,
    settleId,
    type,
    spot,
    margin: spot && maxLeverage > 1,
    swap,
    future: false,
    option: false,
    active: info['state'] === 'live',
    contract,
    linear: contract ? quoteId === settleId : undefined,
    inverse: contract ? baseId === settleId : undefined,
    contractSize: contract ? num(info['ctVal']) : undefined,
    expiry: undefined,
    expiryDatetime: undefined,
    strike: undefined,
    optionType: undefined,
    created: num(info['contTdSwTime']) ?? num(info['listTime']),
    precision: { amount: num(info['lotSz']), price: num(info['tickSz']) },
    limits: {
      leverage: { min: 1, max: maxLeverage },
      amount: { min: num(info['minSz']), max: num(info['maxLmtSz']) },
      price: { min: undefined, max: undefined },
      cost: { min: undefined, max: contract ? undefined : num(info['maxMktSz']) },
    },
    info,
  };
}

/** OKX prints rates with 16 decimals ("0.0000792386885340"). */
const RATE_DECIMALS = 16;

export class OkxSim extends SimVenueBase implements SimVenueApi {
  readonly id = 'okx' as const;

  constructor(world: SimWorld) {
    super(world, 'okx');
  }

  protected readonly feesTrading = FEES_TRADING;

  protected parseMarket(spec: InstrumentSpec): Obj {
    return parseMarket(instrumentInfo(spec));
  }

  fetchFundingRates(ctx: CallContext, symbols: string[] | undefined, _params: CcxtParams): CcxtFundingRates {
    const wanted = requireSymbols(this.id, this.insts, symbols);
    for (const s of wanted ?? []) {
      if (this.insts.get(s)?.spec.kind !== 'perp') {
        throw new ccxt.BadRequest(`okx fetchFundingRates() symbols must be swap markets or XPERP futures, ${s} is not`);
      }
    }
    const ts = venueTime(ctx.t, this.key, 2);
    const out: Obj = {};
    for (const inst of this.list('perp')) {
      if (wanted && !wanted.includes(inst.spec.symbol)) continue;
      const spec = inst.spec;
      const q = this.world.instrumentState(inst, ctx.step);
      const now = this.world.timeOfStep(ctx.step);
      const fundingTime = nextSettlement(now, spec.intervalHours);
      const nextFundingTime = fundingTime + spec.intervalHours * HOUR_MS;
      const rate = decOf(q.rate, RATE_DECIMALS);
      const premium = decOf(q.premium8h * (spec.intervalHours / 8), RATE_DECIMALS);
      const lastSettle = fundingTime - spec.intervalHours * HOUR_MS;
      const settled = (): number => (lastSettle > this.world.originMs ? this.world.settledRate(inst, lastSettle) : q.rate);
      const info = (): Obj => ({
        formulaType: 'withRate',
        fundingRate: decText(rate),
        fundingTime: String(fundingTime),
        impactValue: '',
        instId: spec.id,
        instType: 'SWAP',
        interestRate: '0.0001',
        maxFundingRate: String(spec.fundingCap),
        method: 'current_period',
        minFundingRate: String(-spec.fundingCap),
        nextFundingRate: '',
        nextFundingTime: String(nextFundingTime),
        premium: decText(premium),
        settFundingRate: decText(decOf(settled(), RATE_DECIMALS)),
        settState: 'settled',
        ts: String(ts),
      });
      out[spec.symbol] = withInfo(fundingRateShape({
        info: undefined,
        symbol: spec.symbol,
        interestRate: 0,
        fundingRate: decValue(rate),
        fundingTimestamp: fundingTime,
        nextFundingRate: undefined,
        nextFundingTimestamp: nextFundingTime,
        interval: `${spec.intervalHours}h`,
      }), info);
    }
    return out as unknown as CcxtFundingRates;
  }

  fetchFundingIntervals(): CcxtFundingIntervals {
    throw new ccxt.NotSupported('okx fetchFundingIntervals() is not supported yet');
  }

  fetchTickers(ctx: CallContext, symbols: string[] | undefined, params: CcxtParams): CcxtTickers {
    const wanted = requireSymbols(this.id, this.insts, symbols);
    const first = wanted?.[0] === undefined ? undefined : this.insts.get(wanted[0]);
    const type = paramType(params) ?? (first ? (first.spec.kind === 'perp' ? 'swap' : 'spot') : 'spot');
    const out: Obj = {};
    if (type !== 'spot' && type !== 'swap') return out as unknown as CcxtTickers;
    const kind = type === 'swap' ? 'perp' : 'spot';
    const ts = venueTime(ctx.t, this.key, 3);
    for (const inst of this.list(kind)) {
      if (wanted && !wanted.includes(inst.spec.symbol)) continue;
      out[inst.spec.symbol] = this.ticker(inst, ctx, ts);
    }
    return out as unknown as CcxtTickers;
  }

  private ticker(inst: SimInstrument, ctx: CallContext, ts: number): Obj {
    const spec = inst.spec;
    const swap = spec.kind === 'perp';
    const { q, last, open, high, low } = this.dayBar(inst, ctx.step);
    const top = topOfBook(inst, ctx.step, q.mid, q.quoteVolume24h);
    const bid = onTick(spec, top.bid[0]);
    const ask = onTick(spec, top.ask[0]);
    const bidSz = onLot(spec, top.bid[1]);
    const askSz = onLot(spec, top.ask[1]);
    // Swap: vol24h in contracts, volCcy24h in base. Spot: vol24h in base, volCcy24h in quote.
    const vol24h = swap ? decOfSig(q.baseVolume24h / spec.contractSize, spec.amountStep.exp) : decOfSig(q.baseVolume24h, 8);
    const volCcy24h = swap ? decOfSig(q.baseVolume24h, 4) : decOfSig(q.quoteVolume24h, 4);
    const lastSz = onLot(spec, (q.baseVolume24h / (swap ? spec.contractSize : 1)) * 1e-6 * (1 + (bits(inst.noiseKey, ctx.step, 11) % 9)));
    const sod = onTick(spec, q.open24h * (1 + 0.0005 * Math.sin(ctx.step / 97)));
    const info = (): Obj => ({
      instType: swap ? 'SWAP' : 'SPOT',
      instId: spec.id,
      last: decText(last),
      lastSz: decText(lastSz),
      askPx: decText(ask),
      askSz: decText(askSz),
      bidPx: decText(bid),
      bidSz: decText(bidSz),
      open24h: decText(open),
      high24h: decText(high),
      low24h: decText(low),
      volCcy24h: decText(volCcy24h),
      vol24h: decText(vol24h),
      ts: String(ts),
      sodUtc0: decText(sod),
      sodUtc8: decText(onTick(spec, q.open24h)),
    });
    const ticker = tickerShape({
      symbol: spec.symbol, timestamp: ts, high, low, bid, bidVolume: bidSz, ask, askVolume: askSz,
      open, last, baseVolume: vol24h, quoteVolume: swap ? undefined : volCcy24h,
      info: undefined, averagePrecision: stepPrecision(spec.priceStep.value),
    });
    return withInfo(ticker, info);
  }

  fetchOrderBook(ctx: CallContext, symbol: string, limit: number | undefined, _params: CcxtParams): CcxtOrderBook {
    const inst = requireInstrument(this.id, this.insts, symbol);
    const sz = limit ?? 100;
    if (!Number.isInteger(sz) || sz < 1) throw new ccxt.BadRequest(`okx {"code":"51000","msg":"Parameter sz error"}`);
    // Above 400 ccxt switches to /market/books-full (up to 5000 levels).
    const depth = Math.min(sz, 5000);
    const q = this.world.instrumentState(inst, ctx.step);
    // OKX levels are [px, sz, "0", numOrders]; ccxt keeps the third element as an integer.
    const book = generateBook(inst, ctx.step, q.mid, q.quoteVolume24h, depth, 0);
    return orderBookShape(symbol, book.bids, book.asks, venueTime(ctx.t, this.key, 4)) as unknown as CcxtOrderBook;
  }

  fetchTradingFees(): CcxtTradingFees {
    throw new ccxt.NotSupported('okx fetchTradingFees() is not supported yet');
  }

  fetchFundingRateHistory(
    ctx: CallContext,
    symbol: string | undefined,
    since: number | undefined,
    limit: number | undefined,
    _params: CcxtParams,
  ): CcxtFundingRateHistoryRow[] {
    if (symbol === undefined) throw new ccxt.ArgumentsRequired('okx fetchFundingRateHistory() requires a symbol argument');
    const inst = requireInstrument(this.id, this.insts, symbol);
    if (inst.spec.kind !== 'perp') return [];
    // /public/funding-rate-history: newest first, default and max 100 rows; `before` = since - 1.
    const lim = Math.min(limit ?? 100, 100);
    const hours = inst.spec.intervalHours;
    const times =
      since === undefined
        ? latestSettlements(hours, ctx.t, lim, this.world.originMs)
        : settlementTimes(hours, since, ctx.t, this.world.originMs).slice(-lim);
    const rows = times.map((ts) => {
      const rate = decOf(this.world.settledRate(inst, ts), RATE_DECIMALS);
      const realized = decOf(decValue(rate), 8);
      const info = {
        formulaType: 'withRate',
        fundingRate: decText(rate),
        fundingTime: String(ts),
        instId: inst.spec.id,
        instType: 'SWAP',
        method: 'current_period',
        realizedRate: decText(realized).replace(/0+$/, '').replace(/\.$/, ''),
      };
      return historyRowShape(info, symbol, decValue(realized), ts) as unknown as CcxtFundingRateHistoryRow & { timestamp: number };
    });
    return sinceLimit(rows, since, limit);
  }
}
