/**
 * (c) Binance's funding-history website export: Time,Contracts,Funding Interval,Funding Rate
 * with percent strings ("0.010000%") and naive times (the site shows the browser's zone: --tz).
 */
import { Collector, csvTable, numCell, rateCell, rateUnit, requireColumns, symbolOf, timeCell, wrongWidth, zoneOf, type ParseOptions, type ParseResult } from './common.js';

export function parseBinanceWeb(text: string, opts: ParseOptions): ParseResult {
  const c = new Collector();
  const { header, body } = csvTable(text);
  const idx = requireColumns(header, ['Time', 'Contracts', 'Funding Rate'], opts, 'Binance website export');
  const col = (cells: string[], k: string) => cells[idx.get(k) ?? -1];
  const zone = zoneOf(opts, c);
  const unit = rateUnit(body.map((b) => col(b.cells, 'Funding Rate') ?? ''), opts, c, 'percent', 'Funding Rate');
  const venue = opts.venue ?? 'binance';
  const seen = new Map<string, string>();
  for (const { n, cells } of body) {
    c.read++;
    if (wrongWidth(c, n, cells, header.length)) continue;
    const ts = timeCell(c, n, col(cells, 'Time') ?? '', zone, opts, 'Time');
    if (ts === null) continue;
    const rate = rateCell(c, n, col(cells, 'Funding Rate'), unit, 'Funding Rate');
    if (rate === null) continue;
    let interval: number | null = null;
    if (idx.has('Funding Interval')) {
      interval = numCell(c, n, (col(cells, 'Funding Interval') ?? '').replace(/\s*h(ours?)?$/i, ''), 'Funding Interval');
      if (interval === null) continue;
    }
    const symbol = symbolOf(c, n, col(cells, 'Contracts') ?? '', opts, seen);
    if (symbol === null) continue;
    c.rows.push({ venue, symbol, ts, rate, intervalHours: interval, markPrice: null, indexPrice: null, spotPrice: null, source: 'binance-web', line: n });
  }
  return c.result();
}
