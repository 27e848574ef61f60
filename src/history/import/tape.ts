/**
 * (f) carry's tapes (docs/tape-format.md). A tape holds what venues answered: fetchFundingRates
 * snapshots carry the *predicted* rate for the next settlement (fundingTimestamp), and
 * fetchFundingRateHistory answers carry settled rates. Settled history is imported as is; from
 * snapshots, the rate imported for settlement F is the last predicted rate recorded before F,
 * and only when the tape has a record at or after F (else F is not yet settled on the tape:
 * reported, not imported). Line numbers are the tape's lines.
 */
import { Collector, lines, symbolOf, type ParseOptions, type ParseResult, type ParsedRow } from './common.js';

export function parseTape(text: string, opts: ParseOptions): ParseResult {
  const c = new Collector();
  c.notes.push('tape: fetchFundingRateHistory rows as settled; fetchFundingRates: the last predicted rate before each settlement the tape covers');
  const seen = new Map<string, string>();
  const predicted = new Map<string, ParsedRow>();
  let lastTs = Number.NEGATIVE_INFINITY;
  const toRow = (venue: string, n: number, o: Record<string, unknown>, ts: unknown, mark: boolean): ParsedRow | null => {
    const rate = o['fundingRate'];
    if (typeof ts !== 'number' || typeof rate !== 'number' || !Number.isFinite(rate)) return null;
    const symbol = symbolOf(c, n, String(o['symbol'] ?? ''), opts, seen);
    if (symbol === null) return null;
    const iv = typeof o['interval'] === 'string' ? Number(/^(\d+(?:\.\d+)?)h$/.exec(o['interval'])?.[1]) : Number.NaN;
    const price = (k: string) => (mark && typeof o[k] === 'number' && (o[k] as number) > 0 ? (o[k] as number) : null);
    return { venue: opts.venue ?? venue, symbol, ts, rate, intervalHours: Number.isFinite(iv) && iv > 0 ? iv : null, markPrice: price('markPrice'), indexPrice: price('indexPrice'), spotPrice: null, source: 'tape', line: n };
  };
  for (const { n, text: l } of lines(text)) {
    let rec: { ts?: unknown; venue?: unknown; method?: unknown; result?: unknown };
    try {
      rec = JSON.parse(l) as typeof rec;
    } catch {
      c.read++;
      c.skip(n, 'bad tape record', 'not JSON');
      continue;
    }
    if (typeof rec.ts === 'number') lastTs = Math.max(lastTs, rec.ts);
    const venue = String(rec.venue ?? '');
    if (rec.method === 'fetchFundingRateHistory' && Array.isArray(rec.result)) {
      for (const o of rec.result as Record<string, unknown>[]) {
        c.read++;
        const r = toRow(venue, n, o, o['timestamp'], false);
        if (r === null) c.skip(n, 'bad funding record', 'a fetchFundingRateHistory entry without timestamp/fundingRate');
        else c.rows.push(r);
      }
    } else if (rec.method === 'fetchFundingRates' && rec.result !== null && typeof rec.result === 'object') {
      for (const o of Object.values(rec.result as Record<string, Record<string, unknown>>)) {
        c.read++;
        const r = toRow(venue, n, o, o['fundingTimestamp'], true);
        if (r === null || typeof rec.ts !== 'number' || rec.ts >= r.ts) continue; // no next settlement, or recorded after it
        const key = `${r.venue}\u0000${r.symbol}\u0000${r.ts}`;
        const prev = predicted.get(key);
        if (prev !== undefined) c.skip(prev.line, 'superseded prediction', 'a later snapshot before the same settlement follows');
        predicted.set(key, r);
      }
    }
  }
  for (const p of predicted.values()) {
    if (lastTs >= p.ts) c.rows.push(p);
    else c.skip(p.line, 'not yet settled', `${p.venue} ${p.symbol}: the tape ends before ${new Date(p.ts).toISOString()} settles`);
  }
  return c.result();
}
