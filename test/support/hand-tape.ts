/**
 * Tapes written by hand for engine tests: records in ccxt's unified shapes (as the venue's ccxt
 * class returns them) built from a compact description, so a test can choose every price, size,
 * rate and time and compute the expected P&L by hand. Format: docs/tape-format.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { BYBIT_TAPE } from './shared-data.js';

export interface HandRecord {
  readonly ts: number;
  readonly venue: string;
  readonly method: string;
  readonly args: readonly unknown[];
  readonly result: unknown;
}

/** [price, amount] levels, best first, in the market's ccxt amount unit. */
export type Levels = readonly (readonly [number, number])[];

export function writeTape(file: string, records: readonly HandRecord[]): void {
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

const iso = (ts: number): string => new Date(ts).toISOString();

/** A ccxt OrderBook as every venue's ccxt class returns it. */
export function bookRecord(venue: string, ts: number, symbol: string, limit: number, bids: Levels, asks: Levels): HandRecord {
  return {
    ts,
    venue,
    method: 'fetchOrderBook',
    args: [symbol, limit],
    result: { symbol, bids, asks, timestamp: ts, datetime: iso(ts) },
  };
}

// ---------------------------------------------------------------------------------------------
// Bybit (linear)
// ---------------------------------------------------------------------------------------------

/** The real loadMarkets entries of `symbols` from the recorded Bybit tape (shapes as ccxt made them). */
export function realBybitMarkets(symbols: readonly string[]): Record<string, unknown> {
  const first = readFileSync(BYBIT_TAPE, 'utf8').split('\n').find((l) => l.includes('"method":"loadMarkets"'));
  if (first === undefined) throw new Error(`${BYBIT_TAPE}: no loadMarkets record`);
  const all = (JSON.parse(first) as { result: Record<string, unknown> }).result;
  const out: Record<string, unknown> = {};
  for (const s of symbols) {
    if (all[s] === undefined) throw new Error(`${BYBIT_TAPE}: loadMarkets has no ${s}`);
    out[s] = all[s];
  }
  return out;
}

export interface LinearFunding {
  readonly rate: number;
  readonly nextFundingTime: number;
  readonly mark: number;
  readonly index: number;
}

/** bybit.js parseFundingRate of a /v5/market/tickers row (the fields carry reads, and the raw row). */
export function bybitFundingRate(symbol: string, id: string, ts: number, f: LinearFunding): Record<string, unknown> {
  return {
    info: {
      symbol: id,
      markPrice: String(f.mark),
      indexPrice: String(f.index),
      fundingIntervalHour: '8',
      nextFundingTime: String(f.nextFundingTime),
      fundingRate: String(f.rate),
    },
    symbol,
    markPrice: f.mark,
    indexPrice: f.index,
    timestamp: ts,
    datetime: iso(ts),
    fundingRate: f.rate,
    fundingTimestamp: f.nextFundingTime,
    fundingDatetime: iso(f.nextFundingTime),
    interval: '8h',
  };
}

/** bybit.js parseTicker: top of book, last and 24h volumes. */
export function bybitTicker(symbol: string, ts: number, t: { bid: number; ask: number; quoteVolume: number; mark?: number; index?: number }): Record<string, unknown> {
  const last = t.ask;
  return {
    symbol,
    timestamp: ts,
    datetime: iso(ts),
    bid: t.bid,
    ask: t.ask,
    last,
    close: last,
    baseVolume: t.quoteVolume / last,
    quoteVolume: t.quoteVolume,
    ...(t.mark === undefined ? {} : { markPrice: t.mark }),
    ...(t.index === undefined ? {} : { indexPrice: t.index }),
    info: {},
  };
}

// ---------------------------------------------------------------------------------------------
// Deribit (inverse perp + USDC spot)
// ---------------------------------------------------------------------------------------------

/** Deribit's "perpetual" expiration, 3000-01-01T08:00Z. */
const DERIBIT_NEVER = 32503708800000;

export interface DeribitInstrument {
  /** get_instruments record (numbers as the API sends them). */
  readonly tick_size: number;
  readonly min_trade_amount: number;
  readonly contract_size: number;
  readonly taker_commission: number;
  readonly maker_commission: number;
  readonly kind: 'spot' | 'future';
  readonly instrument_name: string;
  readonly base_currency: string;
  readonly counter_currency: string;
  readonly quote_currency: string;
  readonly settlement_currency?: string;
  readonly settlement_period?: 'perpetual';
  readonly creation_timestamp: number;
}

/** deribit.js fetchMarkets for one /public/get_instruments record (ccxt 4.5.84). */
export function deribitMarket(m: DeribitInstrument): Record<string, unknown> {
  const spot = m.kind === 'spot';
  const swap = m.settlement_period === 'perpetual';
  const base = m.base_currency;
  const quote = m.counter_currency;
  const settle = m.settlement_currency;
  const expiry = DERIBIT_NEVER;
  return {
    id: m.instrument_name,
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
    active: true,
    contract: !spot,
    linear: spot ? undefined : settle === quote,
    inverse: spot ? undefined : quote !== settle,
    taker: m.taker_commission,
    maker: m.maker_commission,
    contractSize: m.contract_size,
    expiry,
    expiryDatetime: iso(expiry),
    precision: { amount: m.min_trade_amount, price: m.tick_size },
    limits: {
      leverage: {},
      amount: { min: m.min_trade_amount },
      price: { min: m.tick_size },
      cost: {},
    },
    created: m.creation_timestamp,
    info: { ...m, is_active: true, expiration_timestamp: expiry, instrument_type: spot ? 'linear' : quote !== settle ? 'reversed' : 'linear' },
  };
}

/**
 * deribit.js parseTicker of a /public/get_book_summary_by_currency row. Perps carry funding_8h
 * (the trailing realised 8h rate) and mark_price in `info`; ccxt copies mark_price to markPrice.
 */
export function deribitSummary(
  symbol: string,
  id: string,
  ts: number,
  s: { bid: number; ask: number; mark: number; volumeUsd: number; funding8h?: number; index?: number },
): Record<string, unknown> {
  const last = s.ask;
  const info: Record<string, unknown> = {
    volume_usd: s.volumeUsd,
    mid_price: (s.bid + s.ask) / 2,
    mark_price: s.mark,
    last,
    instrument_name: id,
    creation_timestamp: ts,
    bid_price: s.bid,
    ask_price: s.ask,
  };
  if (s.funding8h !== undefined) info['funding_8h'] = s.funding8h;
  if (s.index !== undefined) info['estimated_delivery_price'] = s.index;
  return {
    symbol,
    timestamp: ts,
    datetime: iso(ts),
    bid: s.bid,
    ask: s.ask,
    close: last,
    last,
    quoteVolume: s.volumeUsd,
    markPrice: s.mark,
    info,
  };
}
