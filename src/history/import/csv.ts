/** (a) carry's plain CSV: exchange,symbol,timestamp,funding_rate[,mark_price,index_price,spot_price,interval_hours]. */
import { InputError } from '../../domain/errors.js';
import { Collector, csvTable, numCell, priceCell, rateCell, rateUnit, symbolOf, timeCell, venueId, wrongWidth, zoneOf, type ParseOptions, type ParseResult } from './common.js';

export const PLAIN_COLUMNS = ['exchange', 'symbol', 'timestamp', 'funding_rate', 'mark_price', 'index_price', 'spot_price', 'interval_hours'] as const;

export function parsePlainCsv(text: string, opts: ParseOptions): ParseResult {
  const c = new Collector();
  const { header, body } = csvTable(text);
  const unknown = header.filter((h) => !(PLAIN_COLUMNS as readonly string[]).includes(h));
  if (unknown.length > 0) throw new InputError(`${opts.file}: line 1: unknown column(s) ${unknown.join(', ')}; the plain CSV has ${PLAIN_COLUMNS.join(', ')}`);
  const missing = PLAIN_COLUMNS.slice(0, 4).filter((h) => !header.includes(h));
  if (missing.length > 0) throw new InputError(`${opts.file}: line 1: the plain CSV header lacks ${missing.join(', ')}`);
  const at = (cells: string[], k: string) => {
    const i = header.indexOf(k);
    return i < 0 ? undefined : cells[i];
  };
  const zone = zoneOf(opts, c);
  const unit = rateUnit(body.map((b) => at(b.cells, 'funding_rate') ?? ''), opts, c, 'decimal', 'funding_rate');
  const seen = new Map<string, string>();
  for (const { n, cells } of body) {
    c.read++;
    if (wrongWidth(c, n, cells, header.length)) continue;
    const ts = timeCell(c, n, at(cells, 'timestamp')!, zone, opts, 'timestamp');
    if (ts === null) continue;
    const rate = rateCell(c, n, at(cells, 'funding_rate'), unit, 'funding_rate');
    if (rate === null) continue;
    const mark = priceCell(c, n, at(cells, 'mark_price'), 'mark_price');
    const index = priceCell(c, n, at(cells, 'index_price'), 'index_price');
    const spot = priceCell(c, n, at(cells, 'spot_price'), 'spot_price');
    if (mark === undefined || index === undefined || spot === undefined) continue;
    let interval: number | null = null;
    const iv = at(cells, 'interval_hours');
    if (iv !== undefined && iv !== '') {
      interval = numCell(c, n, iv, 'interval_hours');
      if (interval === null) continue;
      if (interval <= 0) {
        c.skip(n, 'bad interval_hours', `interval_hours: ${iv} is not positive`);
        continue;
      }
    }
    const symbol = symbolOf(c, n, at(cells, 'symbol')!, opts, seen);
    if (symbol === null) continue;
    const venue = opts.venue ?? venueId(at(cells, 'exchange')!);
    if (venue === '') {
      c.skip(n, 'missing exchange', 'exchange is blank');
      continue;
    }
    c.rows.push({ venue, symbol, ts, rate, intervalHours: interval, markPrice: mark, indexPrice: index, spotPrice: spot, source: 'csv', line: n });
  }
  return c.result();
}
