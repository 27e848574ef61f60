/**
 * What every parser shares: the parse result, CSV splitting, time zones, rate units and symbol
 * mapping. A parser is pure over text: it returns rows and problems, never writes, never guesses
 * silently (a detection is a note; what cannot be decided is an InputError naming the option).
 */
import { InputError } from '../../domain/errors.js';
import type { IncomingRow } from '../store.js';

export type Format = 'csv' | 'tardis' | 'binance-web' | 'bitmex' | 'ccxt-json' | 'tape' | 'supervik' | 'ohlcv-funding' | 'deribit';
export const FORMATS: readonly Format[] = ['csv', 'tardis', 'binance-web', 'bitmex', 'ccxt-json', 'tape', 'supervik', 'ohlcv-funding', 'deribit'];

export interface ParseOptions {
  /** Shown in messages. */
  readonly file: string;
  readonly venue?: string | undefined;
  readonly symbol?: string | undefined;
  /** Zone of naive timestamps: 'UTC', 'UTC+3', '+03:00', or an IANA name ('Europe/London'). */
  readonly tz?: string | undefined;
  readonly rateUnit?: 'percent' | 'decimal' | undefined;
}

/**
 * skip: the row was not imported (reason is the counted key). note: the row was imported and
 * something about it is reported (a gap, a DST resolution, an interval change).
 */
export interface Problem {
  readonly line: number;
  readonly kind: 'skip' | 'note';
  readonly reason: string;
  readonly message: string;
}

/** A row as parsed: the store's row, with a null interval when the file does not say. */
export type ParsedRow = Omit<IncomingRow, 'intervalHours'> & { intervalHours: number | null };

export interface ParseResult {
  readonly rows: ParsedRow[];
  readonly problems: Problem[];
  /** Data lines read (header and blank lines excluded). */
  readonly read: number;
  /** What was detected and how it was read (rate unit, zone, symbol mapping, rules). */
  readonly notes: string[];
}

export class Collector {
  readonly rows: ParsedRow[] = [];
  readonly problems: Problem[] = [];
  readonly notes: string[] = [];
  read = 0;
  skip(line: number, reason: string, message: string): void {
    this.problems.push({ line, kind: 'skip', reason, message });
  }
  note(line: number, reason: string, message: string): void {
    this.problems.push({ line, kind: 'note', reason, message });
  }
  result(): ParseResult {
    return { rows: this.rows, problems: this.problems, read: this.read, notes: this.notes };
  }
}

/** Splits one CSV line (RFC 4180 quotes; no embedded newlines). */
export function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') q = false;
      else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Lines of a text with their 1-based line numbers, BOM and \r removed, blank lines dropped. */
export function lines(text: string): { n: number; text: string }[] {
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: { n: number; text: string }[] = [];
  src.split('\n').forEach((l, i) => {
    const t = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (t.trim() !== '') out.push({ n: i + 1, text: t });
  });
  return out;
}

/** A CSV's header (first non-blank line) and its data lines. */
export function csvTable(text: string): { header: string[]; headerLine: number; body: { n: number; cells: string[] }[] } {
  const ls = lines(text);
  const first = ls[0];
  if (first === undefined) return { header: [], headerLine: 0, body: [] };
  return {
    header: splitCsv(first.text).map((h) => h.trim()),
    headerLine: first.n,
    body: ls.slice(1).map((l) => ({ n: l.n, cells: splitCsv(l.text).map((c) => c.trim()) })),
  };
}

// ---- time ---------------------------------------------------------------------------------

export type Zone = { kind: 'fixed'; offsetMs: number; name: string } | { kind: 'iana'; name: string };

export function parseZone(tz: string, option = '--tz'): Zone {
  const t = tz.trim();
  if (/^(utc|z|gmt)$/i.test(t)) return { kind: 'fixed', offsetMs: 0, name: 'UTC' };
  const m = /^(?:utc|gmt)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(t);
  if (m) {
    const off = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60_000;
    if (Math.abs(off) <= 14 * 3_600_000) return { kind: 'fixed', offsetMs: off, name: t };
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: t });
    return { kind: 'iana', name: t };
  } catch {
    throw new InputError(`${option}: "${tz}" is not a time zone; expected UTC, UTC+3, +03:00 or an IANA name such as Europe/London`);
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Offset (local - UTC, ms) of an IANA zone at a UTC instant. */
function offsetAt(zone: string, utc: number): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(new Date(utc))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  const asUtc = Date.UTC(p['year']!, p['month']! - 1, p['day']!, p['hour']!, p['minute']!, p['second']!);
  return asUtc - Math.floor(utc / 1000) * 1000;
}

/**
 * A naive local wall time (given as if it were UTC, ms) in a zone → the UTC instant.
 * 'ambiguous': a DST fall-back hour, resolved to the earlier instant (reported by the caller);
 * 'nonexistent': inside a spring-forward gap (the row is skipped).
 */
export function localToUtc(naive: number, zone: Zone): { ts: number; ambiguous: boolean } | 'nonexistent' {
  if (zone.kind === 'fixed') return { ts: naive - zone.offsetMs, ambiguous: false };
  const cands = new Set<number>();
  for (const probe of [naive - 86_400_000, naive + 86_400_000]) {
    const c = naive - offsetAt(zone.name, probe);
    if (offsetAt(zone.name, c) === naive - c) cands.add(c);
  }
  if (cands.size === 0) return 'nonexistent';
  const sorted = [...cands].sort((a, b) => a - b);
  return { ts: sorted[0]!, ambiguous: sorted.length > 1 };
}

const NAIVE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;
const ZONED = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})$/i;

export type TimeParse = { ts: number; ambiguous: boolean } | { error: string } | { naive: true };

/**
 * A timestamp cell: epoch (s, ms, µs by magnitude), ISO with a zone, or a naive wall time read
 * in `zone` (without a zone the caller refuses the file: { naive: true }).
 */
export function parseTime(cell: string, zone: Zone | null): TimeParse {
  const s = cell.trim();
  if (/^\d{9,17}(\.\d+)?$/.test(s)) {
    const n = Number(s);
    const ms = n >= 1e15 ? n / 1000 : n >= 1e11 ? n : n * 1000;
    return { ts: Math.round(ms), ambiguous: false };
  }
  if (ZONED.test(s)) {
    const t = Date.parse(s.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    return Number.isFinite(t) ? { ts: t, ambiguous: false } : { error: `"${cell}" is not a valid time` };
  }
  const m = NAIVE.exec(s);
  if (!m) return { error: `"${cell}" is not a timestamp (expected epoch ms, ISO 8601, or YYYY-MM-DD HH:MM:SS)` };
  if (zone === null) return { naive: true };
  const frac = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
  const naive = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), frac);
  const d = new Date(naive);
  if (d.getUTCDate() !== Number(m[3]) || d.getUTCMonth() !== Number(m[2]) - 1) return { error: `"${cell}" is not a valid date` };
  const r = localToUtc(naive, zone);
  return r === 'nonexistent' ? { error: `"${cell}" does not exist in ${zone.name} (skipped by a daylight-saving change)` } : r;
}

/**
 * Reads a time cell into the collector's rules: returns the ms instant, or null after recording
 * a skip. Naive times without --tz refuse the whole file (InputError).
 */
export function timeCell(c: Collector, line: number, cell: string, zone: Zone | null, opts: ParseOptions, column: string): number | null {
  const t = parseTime(cell, zone);
  if ('naive' in t) {
    throw new InputError(
      `${opts.file}: line ${line}: ${column} "${cell}" has no time zone; carry does not guess one. ` +
        `Give --tz (e.g. --tz UTC, --tz UTC+3, --tz Europe/London); the file's origin says which.`,
    );
  }
  if ('error' in t) {
    c.skip(line, 'bad timestamp', `${column}: ${t.error}`);
    return null;
  }
  if (t.ambiguous) c.note(line, 'ambiguous local time', `${column} "${cell}" occurs twice in ${zone?.name} (DST fall-back): read as the earlier instant ${new Date(t.ts).toISOString()}`);
  return t.ts;
}

export function zoneOf(opts: ParseOptions, c: Collector): Zone | null {
  if (opts.tz === undefined) return null;
  const z = parseZone(opts.tz);
  c.notes.push(`naive timestamps read in ${z.name} (--tz)`);
  return z;
}

// ---- rates and numbers --------------------------------------------------------------------

/**
 * Decides the rate unit of a column: --rate-unit when given; else percent when any value carries
 * '%'; else the format's documented unit. Always noted.
 */
export function rateUnit(values: readonly string[], opts: ParseOptions, c: Collector, formatDefault: 'percent' | 'decimal', column: string): 'percent' | 'decimal' {
  if (opts.rateUnit !== undefined) {
    c.notes.push(`${column} read as ${opts.rateUnit} (--rate-unit)`);
    return opts.rateUnit;
  }
  if (values.some((v) => v.includes('%'))) {
    c.notes.push(`${column} read as percent: values carry '%' (detected; --rate-unit decimal to override)`);
    return 'percent';
  }
  c.notes.push(`${column} read as ${formatDefault} per interval (no '%' in the column: the format's unit; --rate-unit to override)`);
  return formatDefault;
}

/** A finite number cell, or null after a skip. */
export function numCell(c: Collector, line: number, cell: string | undefined, column: string): number | null {
  const s = (cell ?? '').trim();
  const n = s === '' ? Number.NaN : Number(s);
  if (!Number.isFinite(n)) {
    c.skip(line, s === '' ? `missing ${column}` : `bad ${column}`, `${column}: "${cell ?? ''}" is not a number`);
    return null;
  }
  return n;
}

/** An optional positive price: blank → null; garbage → skip (returns undefined). */
export function priceCell(c: Collector, line: number, cell: string | undefined, column: string): number | null | undefined {
  const s = (cell ?? '').trim();
  if (s === '') return null;
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) {
    c.skip(line, `bad ${column}`, `${column}: "${cell}" is not a positive price`);
    return undefined;
  }
  return n;
}

export function rateCell(c: Collector, line: number, cell: string | undefined, unit: 'percent' | 'decimal', column: string): number | null {
  const s = (cell ?? '').trim();
  const hasPct = s.endsWith('%');
  if (hasPct && unit === 'decimal') {
    c.skip(line, `bad ${column}`, `${column}: "${s}" is a percent but the column is read as decimal`);
    return null;
  }
  const n = numCell(c, line, hasPct ? s.slice(0, -1) : s, column);
  if (n === null) return null;
  // toPrecision(12) drops the binary noise of /100 (0.01/100 → 0.0001, not 0.00009999999999999999).
  const rate = unit === 'percent' ? Number((n / 100).toPrecision(12)) : n;
  if (Math.abs(rate) > 0.1) {
    c.skip(line, `implausible ${column}`, `${column}: ${s} is ${rate} per interval (over 10 %); wrong --rate-unit?`);
    return null;
  }
  return rate;
}

// ---- symbols ------------------------------------------------------------------------------

const QUOTES = ['USDT', 'USDC', 'BUSD', 'USD'];

/**
 * A venue's instrument id → ccxt unified perp symbol. Already unified ('BTC/USDT:USDT') passes.
 * 'BTCUSDT' / 'BTC-USDT' / 'BTC_USDT' / 'BTC-USDT-SWAP' → linear 'BTC/USDT:USDT'; BitMEX
 * 'XBTUSD' → inverse 'BTC/USD:BTC'; Deribit 'BTC-PERPETUAL' → 'BTC/USD:BTC'; 'BTCUSDCM' /
 * 'BTCUSD' / 'BTC-USD-SWAP' (coin-margined) → 'BTC/USD:BTC'. null when unrecognised.
 */
export function unifiedSymbol(id: string): string | null {
  const s = id.trim().toUpperCase();
  if (/^[A-Z0-9]+\/[A-Z0-9]+:[A-Z0-9]+$/.test(id.trim())) return id.trim();
  const per = /^([A-Z0-9]+)-PERPETUAL$/.exec(s);
  if (per) return `${per[1]}/USD:${per[1]}`;
  const core = s.replace(/[-_]?(SWAP|PERP)$/, '');
  const cm = /^([A-Z0-9]+?)[-_]?USDCM$/.exec(core);
  if (cm) return `${cm[1] === 'XBT' ? 'BTC' : cm[1]}/USD:${cm[1] === 'XBT' ? 'BTC' : cm[1]}`;
  const m = /^([A-Z0-9]+?)[-_/]?(USDT|USDC|BUSD|USD)$/.exec(core);
  if (!m || !QUOTES.includes(m[2]!)) return null;
  const base = m[1] === 'XBT' ? 'BTC' : m[1]!;
  if (m[2] === 'USD') return `${base}/USD:${base}`;
  return `${base}/${m[2]}:${m[2]}`;
}

/** The symbol of a row: --symbol when given, else the file's id mapped (unknown → skip). */
export function symbolOf(c: Collector, line: number, id: string, opts: ParseOptions, seen: Map<string, string>): string | null {
  if (opts.symbol !== undefined) return opts.symbol;
  const hit = seen.get(id);
  if (hit !== undefined) return hit;
  const u = unifiedSymbol(id);
  if (u === null) {
    c.skip(line, 'unknown symbol', `symbol "${id}" is not a perp id carry can map; give --symbol`);
    return null;
  }
  seen.set(id, u);
  if (u !== id) c.notes.push(`symbol ${id} read as ${u}`);
  return u;
}

/** The venue: --venue, else the file's, else refusal naming the option. */
export function venueOf(opts: ParseOptions, fromFile: string | undefined, format: string): string {
  const v = opts.venue ?? fromFile;
  if (v === undefined || v.trim() === '') {
    throw new InputError(`${opts.file}: the ${format} format does not say which venue the rates are from; give --venue (e.g. --venue binance)`);
  }
  return v.trim().toLowerCase();
}

/** Tardis / file exchange names → carry venue ids. */
export function venueId(name: string): string {
  const n = name.trim().toLowerCase();
  const map: Record<string, string> = { 'binance-futures': 'binance', 'binance-delivery': 'binance', binanceusdm: 'binance', binancecoinm: 'binance', 'okex-swap': 'okx', okex: 'okx', 'bybit-spot': 'bybit', 'gate-io-futures': 'gate', 'huobi-dm-swap': 'htx' };
  return map[n] ?? n;
}

export function requireColumns(header: readonly string[], need: readonly string[], opts: ParseOptions, format: string): Map<string, number> {
  const idx = new Map(header.map((h, i) => [h, i]));
  const missing = need.filter((n) => !idx.has(n));
  if (missing.length > 0) {
    throw new InputError(`${opts.file}: line 1: the ${format} header lacks ${missing.join(', ')} (found: ${header.join(', ')})`);
  }
  return idx;
}

export function wrongWidth(c: Collector, line: number, cells: readonly string[], width: number): boolean {
  if (cells.length === width) return false;
  c.skip(line, 'wrong column count', `${cells.length} columns where the header has ${width}`);
  return true;
}
