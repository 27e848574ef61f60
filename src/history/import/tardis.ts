/**
 * (b) Tardis derivative_ticker CSV. A ticker row carries the *current* funding_rate for the
 * settlement at funding_timestamp (µs). Rule: the rate of settlement F is the funding_rate of the
 * last row whose funding_timestamp is F, taken once a later row of the same instrument shows a
 * later funding_timestamp (F has then settled). The file's last F per instrument is not seen to
 * settle and is not imported (noted). mark_price and index_price come from that same row.
 */
import { Collector, csvTable, priceCell, rateCell, rateUnit, requireColumns, symbolOf, timeCell, venueId, wrongWidth, type ParseOptions, type ParseResult, type ParsedRow } from './common.js';

export const TARDIS_COLUMNS = ['exchange', 'symbol', 'timestamp', 'local_timestamp', 'funding_timestamp', 'funding_rate', 'predicted_funding_rate', 'open_interest', 'last_price', 'index_price', 'mark_price'];

export function parseTardis(text: string, opts: ParseOptions): ParseResult {
  const c = new Collector();
  const { header, body } = csvTable(text);
  const idx = requireColumns(header, ['exchange', 'symbol', 'funding_timestamp', 'funding_rate'], opts, 'Tardis derivative_ticker');
  const unknown = header.filter((h) => !TARDIS_COLUMNS.includes(h));
  if (unknown.length > 0) c.notes.push(`columns ignored: ${unknown.join(', ')}`);
  const col = (cells: string[], k: string) => cells[idx.get(k) ?? -1];
  const unit = rateUnit(body.map((b) => col(b.cells, 'funding_rate') ?? ''), opts, c, 'decimal', 'funding_rate');
  c.notes.push('one row per settlement: the last ticker before funding_timestamp moves on (docs/history-store.md)');
  const seen = new Map<string, string>();
  const pending = new Map<string, ParsedRow>();
  for (const { n, cells } of body) {
    c.read++;
    if (wrongWidth(c, n, cells, header.length)) continue;
    const ftRaw = col(cells, 'funding_timestamp') ?? '';
    if (ftRaw === '') {
      c.skip(n, 'no funding_timestamp', 'funding_timestamp is blank (no funding on this ticker)');
      continue;
    }
    const ft = timeCell(c, n, ftRaw, null, opts, 'funding_timestamp');
    if (ft === null) continue;
    const rate = rateCell(c, n, col(cells, 'funding_rate'), unit, 'funding_rate');
    if (rate === null) continue;
    const mark = priceCell(c, n, col(cells, 'mark_price'), 'mark_price');
    const index = priceCell(c, n, col(cells, 'index_price'), 'index_price');
    if (mark === undefined || index === undefined) continue;
    const symbol = symbolOf(c, n, col(cells, 'symbol') ?? '', opts, seen);
    if (symbol === null) continue;
    const venue = opts.venue ?? venueId(col(cells, 'exchange') ?? '');
    const key = `${venue}\u0000${symbol}`;
    const prev = pending.get(key);
    if (prev !== undefined && ft < prev.ts) {
      c.skip(n, 'funding_timestamp backwards', `funding_timestamp ${new Date(ft).toISOString()} is before ${new Date(prev.ts).toISOString()} (line ${prev.line})`);
      continue;
    }
    if (prev !== undefined && ft > prev.ts) c.rows.push(prev);
    else if (prev !== undefined) c.skip(prev.line, 'superseded ticker', 'a later ticker for the same settlement follows');
    pending.set(key, { venue, symbol, ts: ft, rate, intervalHours: null, markPrice: mark, indexPrice: index, spotPrice: null, source: 'tardis', line: n });
  }
  for (const p of pending.values()) c.skip(p.line, 'not yet settled', `${p.venue} ${p.symbol}: the file ends before ${new Date(p.ts).toISOString()} settles`);
  return c.result();
}
