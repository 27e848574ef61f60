/**
 * What a backtest reads: funding histories per venue and perp. The history store (src/history/,
 * built separately) implements FundingHistory; InMemoryHistory is the same interface over arrays,
 * for tests, the bench and `carry backtest --data FILE` until the store lands.
 *
 * Symbols are ccxt unified perp symbols: BASE/QUOTE:SETTLE, inverse when SETTLE is BASE
 * (BitMEX XBTUSD is BTC/USD:BTC, Binance BTCUSDT is BTC/USDT:USDT).
 */

export interface HistoryRow {
  readonly venue: string;
  readonly symbol: string;
  /** Settlement time, ms UTC. */
  readonly ts: number;
  /** Decimal rate for one interval (0.0001 = 0.01%), as the venue charged it at `ts`. */
  readonly rate: number;
  readonly intervalHours: number;
  readonly markPrice?: number | undefined;
  readonly indexPrice?: number | undefined;
  readonly spotPrice?: number | undefined;
  /**
   * When the rate was first known (ms UTC), if the source says it was known before it settled
   * (BitMEX fixed each rate one interval ahead). Absent: known at `ts` only (a settled-rate history).
   */
  readonly knownAt?: number | undefined;
}

export interface HistorySymbol {
  readonly venue: string;
  readonly symbol: string;
}

export interface FundingHistory {
  /** Rows of one perp with from <= ts <= to, oldest first. */
  series(venue: string, symbol: string, from: number, to: number): readonly HistoryRow[];
  /** Every (venue, symbol) the history holds. */
  symbols(): readonly HistorySymbol[];
}

export interface ParsedPerp {
  readonly base: string;
  readonly quote: string;
  readonly settle: string;
  readonly settlement: 'linear' | 'inverse';
}

/** BASE/QUOTE:SETTLE → its parts; null when the symbol is not a unified perp symbol. */
export function parsePerpSymbol(symbol: string): ParsedPerp | null {
  const m = /^([A-Z0-9]+)\/([A-Z0-9]+):([A-Z0-9]+)$/.exec(symbol);
  if (!m) return null;
  const [, base, quote, settle] = m as unknown as [string, string, string, string];
  return { base, quote, settle, settlement: settle === base ? 'inverse' : 'linear' };
}

const key = (venue: string, symbol: string): string => `${venue}\u0000${symbol}`;

/** Index of the first row with ts >= t (rows sorted by ts). */
export function lowerBound(rows: readonly HistoryRow[], t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((rows[mid] as HistoryRow).ts < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first row with ts > t. */
export function upperBound(rows: readonly HistoryRow[], t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((rows[mid] as HistoryRow).ts <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface InMemoryOptions {
  /**
   * The source states that each rate was fixed one interval before it settled (BitMEX): every
   * row's knownAt becomes the previous row's ts (the first row's: ts − intervalHours). Rows that
   * already have knownAt keep it.
   */
  readonly announcedOneIntervalAhead?: boolean;
}

export class InMemoryHistory implements FundingHistory {
  private readonly bySeries = new Map<string, HistoryRow[]>();
  private readonly list: HistorySymbol[] = [];

  /** Throws on a symbol that is not BASE/QUOTE:SETTLE, a non-finite rate, or a duplicated settlement. */
  constructor(rows: Iterable<HistoryRow>, opts: InMemoryOptions = {}) {
    for (const r of rows) {
      if (parsePerpSymbol(r.symbol) === null) throw new RangeError(`history row ${r.venue} ${r.symbol}: not a unified perp symbol BASE/QUOTE:SETTLE`);
      if (!Number.isFinite(r.rate) || !Number.isFinite(r.ts) || !(r.intervalHours > 0)) {
        throw new RangeError(`history row ${r.venue} ${r.symbol} ${r.ts}: rate, ts and intervalHours must be finite (interval > 0)`);
      }
      const k = key(r.venue, r.symbol);
      let s = this.bySeries.get(k);
      if (!s) {
        s = [];
        this.bySeries.set(k, s);
        this.list.push({ venue: r.venue, symbol: r.symbol });
      }
      s.push(r);
    }
    for (const [k, s] of this.bySeries) {
      s.sort((a, b) => a.ts - b.ts);
      for (let i = 1; i < s.length; i++) {
        if ((s[i] as HistoryRow).ts === (s[i - 1] as HistoryRow).ts) throw new RangeError(`history ${k.replace('\u0000', ' ')}: two rows settle at ${new Date((s[i] as HistoryRow).ts).toISOString()}`);
      }
      if (opts.announcedOneIntervalAhead) {
        for (let i = 0; i < s.length; i++) {
          const r = s[i] as HistoryRow;
          if (r.knownAt !== undefined) continue;
          const prev = i > 0 ? (s[i - 1] as HistoryRow).ts : r.ts - r.intervalHours * 3_600_000;
          s[i] = { ...r, knownAt: prev };
        }
      }
    }
    this.list.sort((a, b) => (a.venue === b.venue ? (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0) : a.venue < b.venue ? -1 : 1));
  }

  series(venue: string, symbol: string, from: number, to: number): readonly HistoryRow[] {
    const s = this.bySeries.get(key(venue, symbol));
    if (!s) return [];
    return s.slice(lowerBound(s, from), upperBound(s, to));
  }

  symbols(): readonly HistorySymbol[] {
    return this.list;
  }
}
