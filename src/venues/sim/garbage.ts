/**
 * Malformed-data faults: copies of good results with one field broken the way venues break
 * them. Never mutates the input (markets and tickers may be cached and shared).
 */
import type { FaultPlan } from './faults.js';

type Obj = Record<string, unknown>;

function clone(o: unknown): Obj {
  return { ...(o as Obj) };
}

function mapEntries(res: Obj, fn: (key: string, entry: Obj) => Obj | undefined): Obj {
  const out: Obj = {};
  for (const key of Object.keys(res)) {
    const v = fn(key, res[key] as Obj);
    out[key] = v ?? res[key];
  }
  return out;
}

/** Funding rates: NaN rate, a string rate, a missing mark, a missing rate. */
export function garbleFundingRates(plan: FaultPlan, method: string, t: number, res: Obj): Obj {
  return mapEntries(res, (sym, e) => {
    const kind = plan.garbage(method, sym, t, 4);
    if (kind === undefined) return undefined;
    const g = clone(e);
    if (kind === 0) g['fundingRate'] = NaN;
    else if (kind === 1) g['fundingRate'] = String(e['fundingRate'] ?? '0.0001');
    else if (kind === 2) {
      g['markPrice'] = undefined;
      g['fundingTimestamp'] = undefined;
      g['fundingDatetime'] = undefined;
    } else g['fundingRate'] = undefined;
    return g;
  });
}

/** Intervals: an unparseable or missing interval. */
export function garbleIntervals(plan: FaultPlan, t: number, res: Obj): Obj {
  return mapEntries(res, (sym, e) => {
    const kind = plan.garbage('fetchFundingIntervals', sym, t, 2);
    if (kind === undefined) return undefined;
    const g = clone(e);
    g['interval'] = kind === 0 ? 'NaNh' : undefined;
    return g;
  });
}

/** Tickers: NaN or string volume, missing last, Deribit funding_8h null or a string, missing mark. */
export function garbleTickers(plan: FaultPlan, t: number, res: Obj): Obj {
  return mapEntries(res, (sym, e) => {
    const kind = plan.garbage('fetchTickers', sym, t, 5);
    if (kind === undefined) return undefined;
    const g = clone(e);
    const info = clone(e['info']);
    g['info'] = info;
    if (kind === 0) g['quoteVolume'] = NaN;
    else if (kind === 1) {
      g['last'] = undefined;
      g['close'] = undefined;
    } else if (kind === 2) g['quoteVolume'] = String(e['quoteVolume']);
    else if (kind === 3) {
      if ('funding_8h' in info) info['funding_8h'] = null;
      else g['baseVolume'] = -1;
    } else {
      g['markPrice'] = undefined;
      delete info['mark_price'];
      delete info['markPrice'];
      if ('funding_8h' in info) info['funding_8h'] = 'n/a';
    }
    return g;
  });
}

/** Books: crossed, empty, a NaN amount, a negative amount. */
export function garbleBook(plan: FaultPlan, t: number, symbol: string, book: Obj): Obj {
  const kind = plan.garbage('fetchOrderBook', symbol, t, 4);
  if (kind === undefined) return book;
  const g = clone(book);
  const bids = (book['bids'] as number[][]).map((l) => [...l]);
  const asks = (book['asks'] as number[][]).map((l) => [...l]);
  if (kind === 0 && bids[0] && asks[0]) {
    // Crossed: the best bid is above the best ask.
    const ask = asks[0][0] as number;
    bids[0][0] = ask * 1.001;
  } else if (kind === 1) {
    bids.length = 0;
    asks.length = 0;
  } else if (kind === 2 && bids[0]) bids[0][1] = NaN;
  else if (asks[0]) asks[0][1] = -(asks[0][1] as number);
  g['bids'] = bids;
  g['asks'] = asks;
  return g;
}

/** Markets: a missing amount precision, a missing contract size. */
export function garbleMarkets(plan: FaultPlan, t: number, res: Obj): Obj {
  return mapEntries(res, (sym, e) => {
    const kind = plan.garbage('loadMarkets', sym, t, 2);
    if (kind === undefined) return undefined;
    const g = clone(e);
    if (kind === 0) g['precision'] = { ...(e['precision'] as Obj), amount: undefined };
    else g['contractSize'] = undefined;
    return g;
  });
}

/** History rows: a NaN rate. */
export function garbleHistory(plan: FaultPlan, t: number, symbol: string, rows: Obj[]): Obj[] {
  return rows.map((r, i) => {
    if (plan.garbage('fetchFundingRateHistory', `${symbol}#${i}`, t, 1) === undefined) return r;
    return { ...r, fundingRate: NaN };
  });
}
