/** Format detection and the one entry point: text → checked rows and a report. */
import { InputError } from '../../domain/errors.js';
import type { IncomingRow } from '../store.js';
import { parseBinanceWeb } from './binance-web.js';
import { parseBitmex } from './bitmex.js';
import { parseCcxtJson } from './ccxt-json.js';
import { Collector, FORMATS, lines, splitCsv, type Format, type ParseOptions, type ParseResult, type Problem } from './common.js';
import { parsePlainCsv } from './csv.js';
import { parseDeribit } from './deribit.js';
import { parseOhlcvFunding } from './ohlcv-funding.js';
import { checkSeries } from './series.js';
import { parseSupervik } from './supervik.js';
import { parseTape } from './tape.js';
import { parseTardis } from './tardis.js';

export { FORMATS, type Format, type ParseOptions, type Problem } from './common.js';

const PARSERS: Record<Format, (text: string, opts: ParseOptions) => ParseResult> = {
  csv: parsePlainCsv,
  tardis: parseTardis,
  'binance-web': parseBinanceWeb,
  bitmex: parseBitmex,
  'ccxt-json': parseCcxtJson,
  tape: parseTape,
  supervik: parseSupervik,
  'ohlcv-funding': parseOhlcvFunding,
  deribit: parseDeribit,
};

/** The format of a text from its first line / first JSON element, with the reason; null when unknown. */
export function detectFormat(text: string): { format: Format; why: string } | null {
  const first = lines(text)[0]?.text.trim() ?? '';
  if (first.startsWith('{') && /"method"\s*:/.test(first)) return { format: 'tape', why: 'NDJSON records with "method" (a carry tape)' };
  if (text.trimStart().startsWith('[')) {
    let arr: unknown;
    try {
      arr = JSON.parse(text);
    } catch {
      return null;
    }
    const o = Array.isArray(arr) ? (arr[0] as Record<string, unknown> | undefined) : undefined;
    if (o && 'fundingInterval' in o) return { format: 'bitmex', why: 'JSON array with fundingInterval (BitMEX /funding)' };
    if (o && 'fundingRate' in o && 'timestamp' in o) return { format: 'ccxt-json', why: 'JSON array with fundingRate and timestamp (ccxt fetchFundingRateHistory)' };
    return null;
  }
  const h = new Set(splitCsv(first.replace(/^\ufeff/, '')).map((x) => x.trim()));
  const all = (...k: string[]) => k.every((x) => h.has(x));
  if (all('funding_timestamp', 'local_timestamp', 'funding_rate')) return { format: 'tardis', why: 'header has local_timestamp and funding_timestamp (Tardis derivative_ticker)' };
  if (all('fundingInterval', 'fundingRate', 'timestamp')) return { format: 'bitmex', why: 'header has fundingInterval and fundingRate (BitMEX /funding)' };
  if (all('Time', 'Contracts', 'Funding Rate')) return { format: 'binance-web', why: 'header Time,Contracts,...,Funding Rate (Binance website export)' };
  if (all('exchange', 'symbol', 'timestamp', 'funding_rate')) return { format: 'csv', why: 'header exchange,symbol,timestamp,funding_rate (plain CSV)' };
  if (all('Symbol', 'Date', 'Funding Rate')) return { format: 'supervik', why: 'header Symbol,Date,Funding Rate' };
  if (all('timestamp', 'interest_1h')) return { format: 'deribit', why: 'header has interest_1h (Deribit funding history)' };
  if (all('time', 'exchange', 'contract', 'funding rate')) return { format: 'ohlcv-funding', why: 'header time,exchange,...,contract,...,funding rate (OHLCV + funding)' };
  return null;
}

export interface Parsed {
  readonly format: Format;
  /** How the format was chosen. */
  readonly chosen: string;
  readonly rows: IncomingRow[];
  readonly read: number;
  readonly problems: Problem[];
  readonly notes: string[];
}

/** Parses one file's text in `format` ('auto' detects) and checks each series. Throws InputError on refusal. */
export function parseHistory(text: string, format: Format | 'auto', opts: ParseOptions): Parsed {
  let chosen: string;
  let f: Format;
  if (format === 'auto') {
    const d = detectFormat(text);
    if (d === null) throw new InputError(`${opts.file}: cannot tell the format from its first line; give --format (${FORMATS.join('|')})`);
    f = d.format;
    chosen = `detected: ${d.why}`;
  } else {
    f = format;
    chosen = '--format';
  }
  const r = PARSERS[f](text, opts);
  const c = new Collector();
  c.rows.push(...r.rows);
  c.problems.push(...r.problems);
  const rows = checkSeries(c);
  const problems = c.problems.sort((a, b) => a.line - b.line);
  return { format: f, chosen, rows, read: r.read, problems, notes: [...r.notes, ...c.notes] };
}
