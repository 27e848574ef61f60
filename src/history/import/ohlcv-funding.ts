/**
 * 8h OHLCV + funding CSV (AHA-HH/optimising-funding-rate-arbitrage):
 * time,exchange,crypto,pair,contract,open,high,low,close,volume,funding rate. `time` is naive
 * (Europe/London in the shared data: --tz). Perpetual rows give funding (pair BTCUSDT →
 * BTC/USDT:USDT, BTCUSDCM coin-margined → BTC/USD:BTC); spot rows give no funding: their close
 * becomes spot_price of the same exchange's perps on that crypto at that time (counted as
 * "spot price rows", not imported as funding). The perp close is a last-trade close, not a mark:
 * not stored.
 */
import { Collector, csvTable, priceCell, rateCell, rateUnit, requireColumns, symbolOf, timeCell, wrongWidth, zoneOf, type ParseOptions, type ParseResult, type ParsedRow } from './common.js';

export function parseOhlcvFunding(text: string, opts: ParseOptions): ParseResult {
  const c = new Collector();
  const { header, body } = csvTable(text);
  const idx = requireColumns(header, ['time', 'exchange', 'crypto', 'pair', 'contract', 'close', 'funding rate'], opts, 'OHLCV + funding');
  const zone = zoneOf(opts, c);
  const col = (cells: string[], k: string) => cells[idx.get(k)!];
  const perps = body.filter((b) => col(b.cells, 'contract') === 'perpetual');
  const unit = rateUnit(perps.map((b) => col(b.cells, 'funding rate') ?? ''), opts, c, 'decimal', 'funding rate');
  c.notes.push('spot rows: close → spot_price of the same exchange/crypto perps at that time');
  const seen = new Map<string, string>();
  const spot = new Map<string, number>();
  const perpRows: { row: ParsedRow; key: string }[] = [];
  for (const { n, cells } of body) {
    c.read++;
    if (wrongWidth(c, n, cells, header.length)) continue;
    const ts = timeCell(c, n, col(cells, 'time') ?? '', zone, opts, 'time');
    if (ts === null) continue;
    const venue = opts.venue ?? (col(cells, 'exchange') ?? '').toLowerCase();
    const key = `${venue}\u0000${col(cells, 'crypto')}\u0000${ts}`;
    const contract = col(cells, 'contract');
    if (contract === 'spot') {
      const p = priceCell(c, n, col(cells, 'close'), 'close');
      if (p === undefined) continue;
      if (p !== null) spot.set(key, p);
      c.skip(n, 'spot price rows', 'spot candle: no funding; its close is the spot_price of the perps');
      continue;
    }
    if (contract !== 'perpetual') {
      c.skip(n, 'unknown contract', `contract "${contract}" is neither spot nor perpetual`);
      continue;
    }
    const rate = rateCell(c, n, col(cells, 'funding rate'), unit, 'funding rate');
    if (rate === null) continue;
    const symbol = symbolOf(c, n, col(cells, 'pair') ?? '', opts, seen);
    if (symbol === null) continue;
    perpRows.push({ key, row: { venue, symbol, ts, rate, intervalHours: null, markPrice: null, indexPrice: null, spotPrice: null, source: 'ohlcv-funding', line: n } });
  }
  for (const { key, row } of perpRows) c.rows.push({ ...row, spotPrice: spot.get(key) ?? null });
  return c.result();
}
