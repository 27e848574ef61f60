/** (e) ccxt fetchFundingRateHistory JSON: an array of {info, symbol, fundingRate, timestamp, datetime}. */
import { InputError } from '../../domain/errors.js';
import { Collector, symbolOf, venueOf, type ParseOptions, type ParseResult } from './common.js';

export function parseCcxtJson(text: string, opts: ParseOptions): ParseResult {
  const c = new Collector();
  let arr: unknown;
  try {
    arr = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${opts.file}: not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(arr)) throw new InputError(`${opts.file}: ccxt fetchFundingRateHistory output is a JSON array; found ${typeof arr}`);
  const venue = venueOf(opts, undefined, 'ccxt-json');
  c.notes.push('fundingRate read as decimal per interval (ccxt unified); "line" numbers are 1-based element indexes');
  const seen = new Map<string, string>();
  arr.forEach((o, i) => {
    const n = i + 1;
    c.read++;
    const r = (o ?? {}) as Record<string, unknown>;
    const ts = r['timestamp'];
    const rate = r['fundingRate'];
    if (typeof ts !== 'number' || !Number.isInteger(ts)) return c.skip(n, 'bad timestamp', `timestamp ${JSON.stringify(ts)} is not ms`);
    if (typeof rate !== 'number' || !Number.isFinite(rate)) return c.skip(n, 'bad fundingRate', `fundingRate ${JSON.stringify(rate)} is not a number`);
    if (Math.abs(rate) > 0.1) return c.skip(n, 'implausible fundingRate', `fundingRate ${rate} is over 10 % per interval`);
    const symbol = symbolOf(c, n, typeof r['symbol'] === 'string' ? r['symbol'] : '', opts, seen);
    if (symbol === null) return;
    c.rows.push({ venue, symbol, ts, rate, intervalHours: null, markPrice: null, indexPrice: null, spotPrice: null, source: 'ccxt-json', line: n });
  });
  return c.result();
}
