import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../src/domain/clock.js';
import { CarryError } from '../../src/domain/errors.js';
import type { CcxtCalls, CcxtTickers } from '../../src/venues/ccxt-calls.js';
import type { TapeRecord } from '../../src/venues/tape/format.js';
import { recordCalls } from '../../src/venues/tape/recorder.js';
import { loadTape, TapeReplayer } from '../../src/venues/tape/replayer.js';
import { openTapeWriter } from '../../src/venues/tape/writer.js';

import { BYBIT_TAPE } from '../support/shared-data.js';
/** The real tape's lines, parsed independently of the code under test. */
const raw = readFileSync(BYBIT_TAPE, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { ts: number; method: string; args: unknown[]; result: Record<string, any> });
const rawAt = (ts: number, method: string, symbol?: string) => {
  const r = raw.find((x) => x.ts === ts && x.method === method && (symbol === undefined || x.args[0] === symbol));
  if (r === undefined) throw new Error(`test setup: no ${method} ${symbol ?? ''} at ${ts}`);
  return r.result;
};

// Snapshots every 5 s from 21:27:01.516Z.
const T0 = 1786310821516;
const T1 = T0 + 5000;
const T4 = T0 + 20000;

function tmpFile(name: string, content?: string): string {
  const f = join(mkdtempSync(join(tmpdir(), 'carry-tape-')), name);
  if (content !== undefined) writeFileSync(f, content);
  return f;
}

function ndjson(records: readonly object[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

async function missOf(p: Promise<unknown>): Promise<CarryError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CarryError);
    expect((e as CarryError).code).toBe('CARRY_TAPE_MISS');
    expect((e as CarryError).action).toBe('skip');
    return e as CarryError;
  }
  throw new Error('expected a tape miss');
}

describe('replaying the real Bybit tape', () => {
  const tape = loadTape(BYBIT_TAPE);

  it('knows its range, venues and where a replay clock starts', () => {
    expect(tape.records).toBe(41);
    expect(tape.venues).toEqual(['bybit']);
    expect(tape.start).toBe(T0);
    expect(tape.end).toBe(T4);
    expect(tape.firstLoadMarketsTs).toBe(T0);
    expect(tape.readyAt).toBe(T0);
  });

  it('between two snapshots answers with the earlier one', async () => {
    // The two snapshots really differ, so picking the wrong one would fail.
    expect(rawAt(T0, 'fetchFundingRates')['BTC/USDT:USDT'].markPrice).toBe(65118);
    expect(rawAt(T1, 'fetchFundingRates')['BTC/USDT:USDT'].markPrice).toBe(65118.24);

    const clock = new SimClock(T0 + 2500);
    const bybit = tape.callsFor('bybit', clock);
    const rates = await bybit.fetchFundingRates();
    expect(rates['BTC/USDT:USDT']?.markPrice).toBe(65118);
    expect(rates).toEqual(rawAt(T0, 'fetchFundingRates'));
    const book = await bybit.fetchOrderBook('BTC/USDT:USDT', 200);
    expect(book).toEqual(rawAt(T0, 'fetchOrderBook', 'BTC/USDT:USDT'));

    // ts ≤ t is inclusive: at exactly the next snapshot's ts, that snapshot answers.
    clock.set(T1);
    expect((await bybit.fetchFundingRates())['BTC/USDT:USDT']?.markPrice).toBe(65118.24);
    expect((await bybit.fetchOrderBook('BTC/USDT:USDT', 200)).bids[0]).toEqual([65114.2, 7.863]);
  });

  it('loads markets at the tape start', async () => {
    const markets = await tape.callsFor('bybit', new SimClock(tape.readyAt)).loadMarkets();
    expect(Object.keys(markets)).toHaveLength(45);
    expect(markets['BTC/USDT:USDT']?.taker).toBe(0.0006);
  });

  it('a call before the first record is a miss naming the call, the time and the earliest record', async () => {
    const bybit = tape.callsFor('bybit', new SimClock(T0 - 1));
    const e = await missOf(bybit.fetchFundingRates());
    expect(e.venue).toBe('bybit');
    expect(e.message).toContain('bybit fetchFundingRates()');
    expect(e.message).toContain('2026-08-09T21:27:01.515Z');
    expect(e.message).toContain('earliest fetchFundingRates record is at 2026-08-09T21:27:01.516Z');
    expect(e.message).toContain('bybit-2026-08-09.ndjson');

    const b = await missOf(bybit.fetchOrderBook('ETH/USDT', 50));
    expect(b.message).toContain('bybit fetchOrderBook("ETH/USDT",50)');
    expect(b.message).toContain('earliest fetchOrderBook ETH/USDT record is at 2026-08-09T21:27:01.516Z');
  });

  it('a symbol or method the tape never recorded is a miss saying what it has', async () => {
    const bybit = tape.callsFor('bybit', new SimClock(T4));
    const sym = await missOf(bybit.fetchOrderBook('SOL/USDT', 20));
    expect(sym.message).toMatch(/no fetchOrderBook records for SOL\/USDT \(recorded: .*BTC\/USDT:USDT/);
    const method = await missOf(bybit.fetchTradingFees());
    expect(method.message).toContain('no fetchTradingFees records for bybit (it has: loadMarkets, fetchFundingRates, fetchTickers, fetchOrderBook)');
  });

  it('a venue absent from the tape has no methods and every call misses, listing the tape venues', async () => {
    const okx = tape.callsFor('okx', new SimClock(T4));
    expect(okx.has.fetchFundingRates).toBe(false);
    const e = await missOf(okx.fetchFundingRates());
    expect(e.message).toContain('no records for venue okx (venues in the tape: bybit)');
  });

  it('has flags are true exactly for the methods the tape holds for the venue', () => {
    const has = tape.callsFor('bybit', new SimClock(T0)).has;
    expect(has).toMatchObject({ loadMarkets: true, fetchFundingRates: true, fetchTickers: true, fetchOrderBook: true });
    expect(has).toMatchObject({ fetchFundingIntervals: false, fetchTradingFees: false, fetchFundingRateHistory: false });
  });

  it('answers the adapter’s fetchTickers(undefined, {type:swap, subType:linear}) from the merged record recorded without params', async () => {
    const bybit = tape.callsFor('bybit', new SimClock(T0 + 2500));
    const tickers = await bybit.fetchTickers(undefined, { type: 'swap', subType: 'linear' });
    expect(tickers).toEqual(rawAt(T0, 'fetchTickers'));
    expect(tickers['BTC/USDT:USDT']?.quoteVolume).toBe(1142258278.4178);
  });

  it('a symbols list narrows a bulk answer, as ccxt would', async () => {
    const bybit = tape.callsFor('bybit', new SimClock(T0));
    const tickers = await bybit.fetchTickers(['BTC/USDT', 'XRP/USDT']);
    expect(Object.keys(tickers)).toEqual(['BTC/USDT']);
  });

  it('order books: a smaller limit is cut to that many levels; a larger one gets all that was recorded', async () => {
    const bybit = tape.callsFor('bybit', new SimClock(T0));
    const recorded = rawAt(T0, 'fetchOrderBook', 'ETH/USDT:USDT');
    const five = await bybit.fetchOrderBook('ETH/USDT:USDT', 5);
    expect(five.bids).toEqual(recorded.bids.slice(0, 5));
    expect(five.asks).toEqual(recorded.asks.slice(0, 5));
    expect(five.timestamp).toBe(recorded.timestamp);
    const all = await bybit.fetchOrderBook('ETH/USDT:USDT', 1000);
    expect(all.bids).toHaveLength(200);
    expect((await bybit.fetchOrderBook('ETH/USDT:USDT')).asks).toHaveLength(200);
  });

  it('callers cannot change the tape: results are frozen', async () => {
    const bybit = tape.callsFor('bybit', new SimClock(T0));
    const rates = await bybit.fetchFundingRates();
    const btc = rates['BTC/USDT:USDT'] as { fundingRate: number };
    expect(() => {
      btc.fundingRate = 1;
    }).toThrow(TypeError);
    const book = await bybit.fetchOrderBook('BTC/USDT', 3);
    expect(() => (book.bids as unknown as number[][]).push([1, 1])).toThrow(TypeError);
    expect((await bybit.fetchFundingRates())['BTC/USDT:USDT']?.fundingRate).toBe(0.0001);
  });

  it('maxAgeMs turns a stale answer after the tape ends into a miss', async () => {
    const clock = new SimClock(T4 + 3_600_000);
    expect((await tape.callsFor('bybit', clock).fetchFundingRates())['BTC/USDT:USDT']).toEqual(rawAt(T4, 'fetchFundingRates')['BTC/USDT:USDT']);
    const e = await missOf(tape.callsFor('bybit', clock, { maxAgeMs: 60_000 }).fetchFundingRates());
    expect(e.message).toContain('latest fetchFundingRates record, at 2026-08-09T21:27:21.516Z, is older than 60000 ms');
  });

  it('loads the same tape gzipped', () => {
    const gz = tmpFile('bybit.ndjson.gz');
    writeFileSync(gz, gzipSync(readFileSync(BYBIT_TAPE)));
    const t = loadTape(gz);
    expect(t.records).toBe(41);
    expect(t.lookup('bybit', 'fetchTickers', [], T1).ts).toBe(T1);
  });

  it('loads a 300 KB tape in milliseconds and answers 10^5 calls with binary search', () => {
    const t0 = performance.now();
    loadTape(BYBIT_TAPE);
    expect(performance.now() - t0).toBeLessThan(250);

    // 50k records on one key: a linear scan per lookup would be ~5·10^9 steps.
    const n = 50_000;
    const recs: TapeRecord[] = [];
    for (let i = 0; i < n; i++) recs.push({ ts: T0 + i * 1000, venue: 'x', method: 'fetchOrderBook', args: ['A/B', 5], result: { i } });
    const big = new TapeReplayer(recs);
    const t1 = performance.now();
    for (let k = 0; k < 100_000; k++) {
      const i = (k * 7919) % n;
      const r = big.lookup('x', 'fetchOrderBook', ['A/B', 5], T0 + i * 1000 + 999);
      if ((r.result as { i: number }).i !== i) throw new Error(`wrong record for ${i}`);
    }
    expect(performance.now() - t1).toBeLessThan(2000);
  });
});

describe('params discrimination (deribit-style fetchTickers per currency)', () => {
  const S = T0;
  const tick = (symbol: string, last: number) => ({ [symbol]: { symbol, last, info: {} } });
  const file = tmpFile(
    'deribit.ndjson',
    ndjson([
      { ts: S, venue: 'deribit', method: 'fetchTickers', args: [null, { code: 'BTC' }], result: tick('BTC/USD:BTC', 60000) },
      { ts: S + 10_000, venue: 'deribit', method: 'fetchTickers', args: [null, { code: 'ETH' }], result: tick('ETH/USD:ETH', 3000) },
      { ts: S + 20_000, venue: 'deribit', method: 'fetchTickers', args: [null, { code: 'BTC' }], result: tick('BTC/USD:BTC', 61000) },
    ]),
  );
  const tape = loadTape(file);

  it('each currency is answered by its own records only', async () => {
    const d = tape.callsFor('deribit', new SimClock(S + 25_000));
    expect(await d.fetchTickers(undefined, { code: 'BTC' })).toEqual(tick('BTC/USD:BTC', 61000));
    expect(await d.fetchTickers(undefined, { code: 'ETH' })).toEqual(tick('ETH/USD:ETH', 3000));
  });

  it('a currency recorded later is a miss before its first record, never another currency’s answer', async () => {
    const d = tape.callsFor('deribit', new SimClock(S + 5_000));
    const e = await missOf(d.fetchTickers(undefined, { code: 'ETH' }));
    expect(e.message).toContain('deribit fetchTickers(null,{"code":"ETH"})');
    expect(e.message).toContain('earliest fetchTickers {"code":"ETH"} record is at 2026-08-09T21:27:11.516Z');
  });

  it('a currency never recorded is a miss listing the recorded params', async () => {
    const d = tape.callsFor('deribit', new SimClock(S + 25_000));
    const e = await missOf(d.fetchTickers(undefined, { code: 'USDC' }));
    expect(e.message).toContain('no fetchTickers record has these params or a subset of them');
    expect(e.message).toContain('{"code":"BTC"}, {"code":"ETH"}');
    await missOf(d.fetchTickers());
  });

  it('without exact params, the most specific recorded subset of the params answers', async () => {
    const t = new TapeReplayer([
      { ts: S, venue: 'binance', method: 'fetchTickers', args: [null, { type: 'swap' }], result: { which: 'swap' } },
      { ts: S + 1000, venue: 'binance', method: 'fetchTickers', args: [], result: { which: 'all' } },
      { ts: S, venue: 'binance', method: 'fetchTickers', args: [null, { type: 'spot' }], result: { which: 'spot' } },
    ]);
    const at = S + 2000;
    expect(t.lookup('binance', 'fetchTickers', [undefined, { type: 'swap', subType: 'linear' }], at).result).toEqual({ which: 'swap' });
    expect(t.lookup('binance', 'fetchTickers', [undefined, { type: 'future' }], at).result).toEqual({ which: 'all' });
    expect(t.lookup('binance', 'fetchTickers', [undefined, { type: 'spot' }], at).result).toEqual({ which: 'spot' });
  });
});

describe('record → replay round trip', () => {
  const S = T0;
  const tickers = {
    'BTC/USDT:USDT': { symbol: 'BTC/USDT:USDT', last: 65000.5, quoteVolume: 1.5e9, vwap: undefined, percentage: Number.NaN, info: { a: '1' } },
  } as unknown as CcxtTickers;
  const book = { symbol: 'BTC/USDT:USDT', bids: [[65000, 1.2], [64999.5, 3]], asks: [[65001, 0.4]], timestamp: S, datetime: new Date(S).toISOString(), nonce: undefined };

  function fakeVenue(clock: SimClock): CcxtCalls {
    const latency = async <T>(v: () => T): Promise<T> => {
      clock.advance(250); // the call returns 250 ms after it was made
      return v();
    };
    const no = () => Promise.reject(new Error('not used in this test'));
    return {
      id: 'fakex',
      has: { fetchFundingRates: true },
      loadMarkets: no,
      fetchFundingIntervals: no,
      fetchTradingFees: no,
      fetchFundingRateHistory: no,
      fetchCrossBorrowRate: no,
      fetchTickers: (symbols, params) => latency(() => (params?.['type'] === 'swap' && symbols === undefined ? tickers : {})),
      fetchOrderBook: () => latency(() => book as never),
      fetchFundingRates: () =>
        latency(() => {
          throw new ccxt.RequestTimeout('fakex GET https://fakex/funding request timed out (10000 ms)');
        }),
    };
  }

  it('replays results and failures as recorded, the ccxt error class included', async () => {
    const file = tmpFile('rec.ndjson');
    const clock = new SimClock(S);
    const writer = openTapeWriter(file);
    const rec = recordCalls(fakeVenue(clock), writer, clock);
    expect(rec.id).toBe('fakex');
    expect(rec.has.fetchFundingRates).toBe(true);

    const liveTickers = await rec.fetchTickers(undefined, { type: 'swap', subType: 'linear' }); // returns at S+250
    expect(liveTickers).toBe(tickers); // forwarded untouched
    const liveErr = await rec.fetchFundingRates().catch((e: unknown) => e); // S+500
    expect(liveErr).toBeInstanceOf(ccxt.RequestTimeout); // rethrown as is
    await rec.fetchOrderBook('BTC/USDT:USDT', 50); // S+750
    writer.close();
    expect(writer.written).toBe(3);

    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toContain('"ts":1786310821766,"venue":"fakex","method":"fetchTickers","args":[null,{"subType":"linear","type":"swap"}]');
    expect(lines[1]).toContain('"error":{"name":"RequestTimeout","message":"fakex GET https://fakex/funding request timed out (10000 ms)"}');
    expect(lines[2]).toContain('"method":"fetchOrderBook","args":["BTC/USDT:USDT",50]');

    const tape = loadTape(file);
    const replayClock = new SimClock(S + 250);
    const rep = tape.callsFor('fakex', replayClock);
    const again = await rep.fetchTickers(undefined, { type: 'swap', subType: 'linear' });
    expect(again['BTC/USDT:USDT']).toMatchObject({ symbol: 'BTC/USDT:USDT', last: 65000.5, quoteVolume: 1.5e9, info: { a: '1' } });
    // JSON rules: undefined keys are dropped, NaN becomes null.
    expect('vwap' in (again['BTC/USDT:USDT'] as object)).toBe(false);
    expect(again['BTC/USDT:USDT']?.percentage).toBeNull();

    // Before the failure was recorded there is nothing to answer with.
    await missOf(rep.fetchFundingRates());
    replayClock.set(S + 500);
    const replayedErr = await rep.fetchFundingRates().catch((e: unknown) => e);
    expect(replayedErr).toBeInstanceOf(ccxt.RequestTimeout);
    expect(replayedErr).toBeInstanceOf(ccxt.NetworkError);
    expect((replayedErr as Error).message).toBe((liveErr as Error).message);

    replayClock.set(S + 750);
    const b = await rep.fetchOrderBook('BTC/USDT:USDT', 50);
    expect(b).toEqual({ symbol: 'BTC/USDT:USDT', bids: [[65000, 1.2], [64999.5, 3]], asks: [[65001, 0.4]], timestamp: S, datetime: book.datetime });
  });

  it('a non-ccxt error replays as an Error with the recorded name and message', async () => {
    const file = tmpFile('err.ndjson');
    const clock = new SimClock(S);
    const w = openTapeWriter(file);
    const inner = { ...fakeVenue(clock), fetchTickers: () => Promise.reject(new TypeError('boom')) } as CcxtCalls;
    await expect(recordCalls(inner, w, clock).fetchTickers()).rejects.toThrow(TypeError);
    w.close();
    const e = await loadTape(file).callsFor('fakex', clock).fetchTickers().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).name).toBe('TypeError');
    expect((e as Error).message).toBe('boom');
  });

  it('reopening a tape appends to it', async () => {
    const file = tmpFile('append.ndjson');
    for (const at of [S, S + 60_000]) {
      const clock = new SimClock(at);
      const w = openTapeWriter(file);
      await recordCalls(fakeVenue(clock), w, clock).fetchOrderBook('BTC/USDT:USDT', 10);
      w.close();
    }
    const tape = loadTape(file);
    expect(tape.records).toBe(2);
    expect([tape.start, tape.end]).toEqual([S + 250, S + 60_250]);
  });

  it('a closed writer refuses more records', () => {
    const w = openTapeWriter(tmpFile('closed.ndjson'));
    w.close();
    expect(() => w.append({ ts: S, venue: 'v', method: 'fetchTickers', args: [], result: {} })).toThrow(/already closed/);
  });
});

describe('bad tapes', () => {
  const ok = { ts: T0, venue: 'bybit', method: 'fetchTickers', args: [], result: {} };

  it('a malformed line is an error naming the file and the line', () => {
    const file = tmpFile('bad.ndjson', `${JSON.stringify(ok)}\n\n${JSON.stringify({ ...ok, ts: 'soon' })}\n`);
    try {
      loadTape(file);
      throw new Error('expected a CARRY_TAPE_INVALID');
    } catch (e) {
      expect(e).toBeInstanceOf(CarryError);
      expect((e as CarryError).code).toBe('CARRY_TAPE_INVALID');
      expect((e as Error).message).toBe(`${file}:3: field "ts": Invalid input: expected number, received string (found "soon")`);
    }
  });

  it('a line that is not JSON names its line; CRLF line ends are fine', () => {
    const crlf = tmpFile('crlf.ndjson', `${JSON.stringify(ok)}\r\n${JSON.stringify({ ...ok, ts: T1 })}\r\n`);
    expect(loadTape(crlf).records).toBe(2);
    const file = tmpFile('trunc.ndjson', `${JSON.stringify(ok)}\n{"ts":${T1},"venue":"by`);
    expect(() => loadTape(file)).toThrow(/trunc\.ndjson:2: not valid JSON/);
  });

  it('several files load as one tape; a bad line names its own file', () => {
    const a = tmpFile('day1.ndjson', ndjson([ok]));
    const b = tmpFile('day2.ndjson', ndjson([{ ...ok, ts: T1, result: { day: 2 } }]));
    const t = loadTape([a, b]);
    expect([t.start, t.end, t.records]).toEqual([T0, T1, 2]);
    expect(t.lookup('bybit', 'fetchTickers', [], T1 + 1).result).toEqual({ day: 2 });
    const bad = tmpFile('day3.ndjson', `${JSON.stringify(ok)}\n${JSON.stringify({ ...ok, method: 'fetchTicker' })}\n`);
    expect(() => loadTape([a, bad])).toThrow(/day3\.ndjson:2: field "method"/);
  });

  it('an empty tape or a missing file is refused', () => {
    expect(() => loadTape(tmpFile('empty.ndjson', '\n'))).toThrow(/has no records/);
    expect(() => loadTape('/nonexistent/tape.ndjson')).toThrow(/cannot read tape \/nonexistent\/tape\.ndjson/);
  });
});
