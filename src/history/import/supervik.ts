/**
 * supervik/historical-funding-rates-fetcher CSV: Symbol,Date,Funding Rate (decimal per interval).
 * The venue is not in the file (--venue); Date is naive, its zone depends on the venue (the
 * shared data README: UTC+3 for binance/bybit/kucoin, UTC for gate/dydx): --tz.
 */
import { Collector, csvTable, rateCell, rateUnit, requireColumns, symbolOf, timeCell, venueOf, wrongWidth, zoneOf, type ParseOptions, type ParseResult } from './common.js';

export function parseSupervik(text: string, opts: ParseOptions): ParseResult {
  const c = new Collector();
  const { header, body } = csvTable(text);
  const idx = requireColumns(header, ['Symbol', 'Date', 'Funding Rate'], opts, 'Symbol,Date,Funding Rate');
  const venue = venueOf(opts, undefined, 'supervik (Symbol,Date,Funding Rate)');
  const zone = zoneOf(opts, c);
  const col = (cells: string[], k: string) => cells[idx.get(k)!];
  const unit = rateUnit(body.map((b) => col(b.cells, 'Funding Rate') ?? ''), opts, c, 'decimal', 'Funding Rate');
  const seen = new Map<string, string>();
  for (const { n, cells } of body) {
    c.read++;
    if (wrongWidth(c, n, cells, header.length)) continue;
    const ts = timeCell(c, n, col(cells, 'Date') ?? '', zone, opts, 'Date');
    if (ts === null) continue;
    const rate = rateCell(c, n, col(cells, 'Funding Rate'), unit, 'Funding Rate');
    if (rate === null) continue;
    const symbol = symbolOf(c, n, col(cells, 'Symbol') ?? '', opts, seen);
    if (symbol === null) continue;
    c.rows.push({ venue, symbol, ts, rate, intervalHours: null, markPrice: null, indexPrice: null, spotPrice: null, source: 'supervik', line: n });
  }
  return c.result();
}
