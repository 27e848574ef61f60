/**
 * Deribit public/get_funding_rate_history CSV: timestamp (ms UTC), prev_index_price,
 * interest_8h, interest_1h, index_price (time_dt columns, local text, are ignored). Deribit
 * funds continuously; the row's interest_1h is the funding of the hour ending at timestamp:
 * rate = interest_1h, interval 1h, index_price stored. The instrument is not in the file:
 * --symbol (e.g. BTC-PERPETUAL).
 */
import { InputError } from '../../domain/errors.js';
import { Collector, csvTable, priceCell, rateCell, rateUnit, requireColumns, timeCell, unifiedSymbol, wrongWidth, type ParseOptions, type ParseResult } from './common.js';

export function parseDeribit(text: string, opts: ParseOptions): ParseResult {
  const c = new Collector();
  const { header, body } = csvTable(text);
  const idx = requireColumns(header, ['timestamp', 'interest_1h'], opts, 'Deribit funding history');
  if (opts.symbol === undefined) throw new InputError(`${opts.file}: the Deribit funding history does not name its instrument; give --symbol (e.g. --symbol BTC-PERPETUAL)`);
  const symbol = unifiedSymbol(opts.symbol) ?? opts.symbol;
  if (symbol !== opts.symbol) c.notes.push(`symbol ${opts.symbol} read as ${symbol}`);
  c.notes.push('rate = interest_1h (funding of the hour ending at timestamp), interval 1h; time_dt ignored, timestamp (ms UTC) used');
  const venue = opts.venue ?? 'deribit';
  const col = (cells: string[], k: string) => cells[idx.get(k) ?? -1];
  const unit = rateUnit(body.map((b) => col(b.cells, 'interest_1h') ?? ''), opts, c, 'decimal', 'interest_1h');
  for (const { n, cells } of body) {
    c.read++;
    if (wrongWidth(c, n, cells, header.length)) continue;
    const ts = timeCell(c, n, col(cells, 'timestamp') ?? '', null, opts, 'timestamp');
    if (ts === null) continue;
    const rate = rateCell(c, n, col(cells, 'interest_1h'), unit, 'interest_1h');
    if (rate === null) continue;
    const index = idx.has('index_price') ? priceCell(c, n, col(cells, 'index_price'), 'index_price') : null;
    if (index === undefined) continue;
    c.rows.push({ venue, symbol, ts, rate, intervalHours: 1, markPrice: null, indexPrice: index, spotPrice: null, source: 'deribit', line: n });
  }
  return c.result();
}
