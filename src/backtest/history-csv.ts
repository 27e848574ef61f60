/**
 * The plain CSV `carry backtest --data FILE` reads (docs/backtest.md):
 *
 *   exchange,symbol,timestamp,funding_rate[,mark_price,index_price,spot_price,interval_hours]
 *
 * A header line names the columns (any order; exchange and symbol may be left out when
 * --venue / --symbol give them). `timestamp` is the settlement: ISO 8601 with a zone (Z or
 * ±hh:mm) or epoch milliseconds; a naive time is refused (the whole file: its zone is unknown, so
 * every row would be shifted). `funding_rate` is decimal per interval (0.0001 = 0.01%). A row
 * that cannot be read (wrong field count, a rate or price that is not a number, a symbol that is
 * not BASE/QUOTE:SETTLE, a settlement already given) is reported with its line number and
 * skipped. A missing interval_hours is the gap to the series' previous row (the first row: to
 * its next; a lone row: 8h). Settled-rate rows: no knownAt (known at their settlement only).
 */
import { InputError } from '../domain/errors.js';
import { parsePerpSymbol, type HistoryRow } from './history-source.js';

export interface MalformedRow {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly reason: string;
}

export interface ParsedHistoryCsv {
  readonly rows: readonly HistoryRow[];
  readonly malformed: readonly MalformedRow[];
}

export interface HistoryCsvOptions {
  /** Venue of rows with no exchange column (or an empty cell). */
  readonly venue?: string | undefined;
  /** Unified perp symbol of rows with no symbol column (or an empty cell). */
  readonly symbol?: string | undefined;
  /** Named in messages: the file and the flags that fill missing columns. */
  readonly source?: string | undefined;
}

const REQUIRED = ['timestamp', 'funding_rate'] as const;
const KNOWN = new Set(['exchange', 'symbol', 'timestamp', 'funding_rate', 'mark_price', 'index_price', 'spot_price', 'interval_hours']);
const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;

/** ms UTC of a timestamp cell; 'naive' for a date-time without zone; null when unreadable. */
export function parseTimestamp(cell: string): number | 'naive' | null {
  if (/^\d{10,}$/.test(cell)) return Number(cell);
  if (ZONED.test(cell)) {
    const t = Date.parse(cell.replace(' ', 'T'));
    return Number.isFinite(t) ? t : null;
  }
  return DATE_LIKE.test(cell) ? 'naive' : null;
}

function optionalNumber(cell: string | undefined, name: string, positive: boolean): number | undefined | string {
  if (cell === undefined || cell.trim() === '') return undefined;
  const n = Number(cell);
  if (!Number.isFinite(n) || (positive && !(n > 0))) return `${name} "${cell}" is not a ${positive ? 'positive ' : ''}number`;
  return n;
}

export function parseHistoryCsv(text: string, opts: HistoryCsvOptions = {}): ParsedHistoryCsv {
  const src = opts.source ?? 'history CSV';
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) throw new InputError(`${src}: empty file; expected a header line exchange,symbol,timestamp,funding_rate[,mark_price,index_price,spot_price,interval_hours]`);
  const header = (lines[headerAt] as string).split(',').map((h) => h.trim().toLowerCase());
  const unknown = header.filter((h) => !KNOWN.has(h));
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (unknown.length > 0 || missing.length > 0) {
    throw new InputError(
      `${src} line ${headerAt + 1}: the header must name the columns exchange,symbol,timestamp,funding_rate[,mark_price,index_price,spot_price,interval_hours]` +
        `${missing.length ? `; missing ${missing.join(', ')}` : ''}${unknown.length ? `; unknown ${unknown.join(', ')}` : ''}`,
    );
  }
  if (!header.includes('exchange') && opts.venue === undefined) throw new InputError(`${src}: no exchange column; pass --venue V`);
  if (!header.includes('symbol') && opts.symbol === undefined) throw new InputError(`${src}: no symbol column; pass --symbol S (a unified perp symbol, e.g. BTC/USDT:USDT)`);
  const col = (name: string) => header.indexOf(name);
  const malformed: MalformedRow[] = [];
  type Raw = Omit<HistoryRow, 'intervalHours'> & { intervalHours?: number; line: number };
  const raw: Raw[] = [];
  const seen = new Map<string, number>();
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const n = i + 1;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== header.length) {
      malformed.push({ line: n, reason: `${cells.length} fields, the header has ${header.length}` });
      continue;
    }
    const cell = (name: string): string | undefined => (col(name) >= 0 ? cells[col(name)] : undefined);
    const venue = cell('exchange') || opts.venue;
    const symbol = cell('symbol') || opts.symbol;
    if (!venue) {
      malformed.push({ line: n, reason: 'no exchange (empty cell; --venue fills it)' });
      continue;
    }
    if (!symbol || parsePerpSymbol(symbol) === null) {
      malformed.push({ line: n, reason: `symbol "${symbol ?? ''}" is not a unified perp symbol BASE/QUOTE:SETTLE (e.g. BTC/USDT:USDT)` });
      continue;
    }
    const tsCell = cell('timestamp') ?? '';
    const ts = parseTimestamp(tsCell);
    if (ts === 'naive') {
      throw new InputError(
        `${src} line ${n}: timestamp "${tsCell}" has no time zone; carry will not guess one. Write it with a zone (e.g. ${tsCell.replace(' ', 'T')}Z, or +01:00) or as epoch milliseconds`,
      );
    }
    if (ts === null) {
      malformed.push({ line: n, reason: `timestamp "${tsCell}" is neither ISO 8601 with a zone nor epoch ms` });
      continue;
    }
    const rateCell = cell('funding_rate') ?? '';
    const rate = rateCell === '' ? Number.NaN : Number(rateCell);
    if (!Number.isFinite(rate)) {
      malformed.push({ line: n, reason: `funding_rate "${rateCell}" is not a number` });
      continue;
    }
    const mark = optionalNumber(cell('mark_price'), 'mark_price', true);
    const index = optionalNumber(cell('index_price'), 'index_price', true);
    const spot = optionalNumber(cell('spot_price'), 'spot_price', true);
    const interval = optionalNumber(cell('interval_hours'), 'interval_hours', true);
    const bad = [mark, index, spot, interval].find((x): x is string => typeof x === 'string');
    if (bad !== undefined) {
      malformed.push({ line: n, reason: bad });
      continue;
    }
    const k = `${venue}\u0000${symbol}\u0000${ts}`;
    const dup = seen.get(k);
    if (dup !== undefined) {
      malformed.push({ line: n, reason: `${venue} ${symbol} settlement ${new Date(ts).toISOString()} already given on line ${dup}` });
      continue;
    }
    seen.set(k, n);
    raw.push({
      venue,
      symbol,
      ts,
      rate,
      markPrice: mark as number | undefined,
      indexPrice: index as number | undefined,
      spotPrice: spot as number | undefined,
      ...(interval !== undefined ? { intervalHours: interval as number } : {}),
      line: n,
    });
  }
  // Missing intervals: the gap to the series' previous settlement (first: to its next).
  const bySeries = new Map<string, Raw[]>();
  for (const r of raw) {
    const k = `${r.venue}\u0000${r.symbol}`;
    bySeries.set(k, [...(bySeries.get(k) ?? []), r]);
  }
  const rows: HistoryRow[] = [];
  for (const s of bySeries.values()) {
    s.sort((a, b) => a.ts - b.ts);
    s.forEach((r, i) => {
      const gap = i > 0 ? r.ts - (s[i - 1] as Raw).ts : i + 1 < s.length ? (s[i + 1] as Raw).ts - r.ts : 8 * 3_600_000;
      const { line: _line, intervalHours, ...row } = r;
      rows.push({ ...row, intervalHours: intervalHours ?? gap / 3_600_000 });
    });
  }
  malformed.sort((a, b) => a.line - b.line);
  return { rows, malformed };
}
