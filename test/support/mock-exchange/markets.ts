/**
 * The markets the mock lists. Each symbol's raw venue row (`info`) is the real one ccxt captured
 * (/work/shared/data/ccxt-static/markets/<venue>.json, via test/support/ccxt-fixtures.ts), so
 * ccxt's own fetchMarkets parser reads real exchangeInfo / instruments-info entries.
 */
import { fixtureMarkets } from '../ccxt-fixtures.js';
import { Book } from './book.js';
import type { MockMarketSpec, MockVenue } from './types.js';

type Obj = Record<string, unknown>;

export interface MarketDef {
  readonly symbol: string;
  /** Venue id ('BTCUSDT'): Binance and Bybit use the same id for spot and perp, told apart by kind. */
  readonly id: string;
  readonly kind: 'spot' | 'perp';
  readonly base: string;
  readonly quote: string;
  /** The real raw venue row. */
  readonly info: Obj;
  readonly step: number;
  readonly minQty: number;
  readonly book: Book;
  mark: number;
  index: number;
  fundingRate: number;
  nextFundingTime: number;
  readonly intervalHours: number;
}

const DEFAULT_SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'BTC/USDT:USDT', 'ETH/USDT:USDT'];

/** Rough 2023-24 levels; only a starting mark, tests set their own. */
const DEFAULT_MARK: Record<string, number> = { BTC: 60000, ETH: 3000 };

export function buildMarkets(venue: MockVenue, specs: readonly MockMarketSpec[] | undefined, now: number): Map<string, MarketDef> {
  const fixtures = fixtureMarkets(venue);
  const out = new Map<string, MarketDef>();
  const list: readonly MockMarketSpec[] = specs ?? DEFAULT_SYMBOLS.map((symbol) => ({ symbol }));
  for (const spec of list) {
    const fx = fixtures[spec.symbol];
    const perp = spec.symbol.includes(':');
    const [pair] = spec.symbol.split(':') as [string];
    const [base, quote] = pair.split('/') as [string, string];
    if (perp && !spec.symbol.endsWith(':USDT')) throw new Error(`mock exchange: only USDT-margined perpetuals are served, not ${spec.symbol}`);
    const info = fx?.['info'] as Obj | undefined;
    if (info === undefined || info === null) {
      throw new Error(`mock exchange: no real ${venue} market row for ${spec.symbol} in ccxt-static/markets/${venue}.json`);
    }
    const { step, minQty } = lot(venue, perp, info);
    const intervalHours = spec.fundingIntervalHours ?? (venue === 'bybit' && perp ? Number(info['fundingInterval'] ?? 480) / 60 : 8);
    const mark = spec.mark ?? DEFAULT_MARK[base] ?? 1;
    out.set(spec.symbol, {
      symbol: spec.symbol,
      id: String(info['symbol']),
      kind: perp ? 'perp' : 'spot',
      base,
      quote,
      info,
      step,
      minQty,
      book: new Book(),
      mark,
      index: spec.index ?? mark,
      fundingRate: spec.fundingRate ?? 0.0001,
      nextFundingTime: nextBoundary(now, intervalHours),
      intervalHours,
    });
  }
  return out;
}

export function nextBoundary(now: number, hours: number): number {
  const ms = hours * 3_600_000;
  return Math.floor(now / ms) * ms + ms;
}

function lot(venue: MockVenue, perp: boolean, info: Obj): { step: number; minQty: number } {
  if (venue === 'binance') {
    const filters = (info['filters'] as Obj[] | undefined) ?? [];
    const f = filters.find((x) => x['filterType'] === 'LOT_SIZE') ?? {};
    return { step: Number(f['stepSize'] ?? 0.00001), minQty: Number(f['minQty'] ?? 0) };
  }
  const f = (info['lotSizeFilter'] as Obj | undefined) ?? {};
  return { step: Number((perp ? f['qtyStep'] : f['basePrecision']) ?? 0.000001), minQty: Number(f['minOrderQty'] ?? 0) };
}
