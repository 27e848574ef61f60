/**
 * (d) BitMEX /api/v1/funding output, CSV or JSON: timestamp (UTC), symbol, fundingInterval as a
 * time after 2000-01-01T00:00Z ("2000-01-01T08:00:00.000Z" = 8h), fundingRate (decimal),
 * fundingRateDaily (ignored). XBTUSD → BTC/USD:BTC (inverse).
 */
import { Collector, csvTable, numCell, rateCell, rateUnit, requireColumns, symbolOf, timeCell, wrongWidth, type ParseOptions, type ParseResult } from './common.js';

const EPOCH_2000 = Date.UTC(2000, 0, 1);

function intervalHours(c: Collector, n: number, cell: string): number | null {
  const t = Date.parse(cell);
  const h = (t - EPOCH_2000) / 3_600_000;
  if (!Number.isFinite(h) || h <= 0) {
    c.skip(n, 'bad fundingInterval', `fundingInterval "${cell}" is not a time after 2000-01-01T00:00Z`);
    return null;
  }
  return h;
}

export function parseBitmex(text: string, opts: ParseOptions): ParseResult {
  const c = new Collector();
  const venue = opts.venue ?? 'bitmex';
  const seen = new Map<string, string>();
  const trimmed = text.trimStart();
  type Rec = { n: number; timestamp: string; symbol: string; fundingInterval: string; fundingRate: string };
  const recs: Rec[] = [];
  if (trimmed.startsWith('[')) {
    const arr = JSON.parse(trimmed) as unknown[];
    arr.forEach((o, i) => {
      const r = (o ?? {}) as Record<string, unknown>;
      const s = (v: unknown) => (v === undefined || v === null ? '' : String(v));
      recs.push({ n: i + 1, timestamp: s(r['timestamp']), symbol: s(r['symbol']), fundingInterval: s(r['fundingInterval']), fundingRate: s(r['fundingRate']) });
    });
    c.notes.push('JSON array: "line" numbers are 1-based element indexes');
  } else {
    const { header, body } = csvTable(text);
    const idx = requireColumns(header, ['timestamp', 'symbol', 'fundingInterval', 'fundingRate'], opts, 'BitMEX funding');
    for (const { n, cells } of body) {
      if (wrongWidth(c, n, cells, header.length)) {
        c.read++;
        continue;
      }
      const g = (k: string) => cells[idx.get(k)!] ?? '';
      recs.push({ n, timestamp: g('timestamp'), symbol: g('symbol'), fundingInterval: g('fundingInterval'), fundingRate: g('fundingRate') });
    }
  }
  const unit = rateUnit(recs.map((r) => r.fundingRate), opts, c, 'decimal', 'fundingRate');
  for (const r of recs) {
    c.read++;
    const ts = timeCell(c, r.n, r.timestamp, null, opts, 'timestamp');
    if (ts === null) continue;
    const rate = rateCell(c, r.n, r.fundingRate, unit, 'fundingRate');
    if (rate === null) continue;
    const iv = intervalHours(c, r.n, r.fundingInterval);
    if (iv === null) continue;
    const symbol = symbolOf(c, r.n, r.symbol, opts, seen);
    if (symbol === null) continue;
    c.rows.push({ venue, symbol, ts, rate, intervalHours: iv, markPrice: null, indexPrice: null, spotPrice: null, source: 'bitmex', line: r.n });
  }
  void numCell;
  return c.result();
}
