/**
 * fetchCrossBorrowRate on tapes: recorded from the sim market, replayed through the same adapter
 * to the same APR; the currency code is the record's key (args[0]) and params sit at args[1].
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { SimClock } from '../../src/domain/clock.js';
import { CarryError } from '../../src/domain/errors.js';
import { CcxtVenue } from '../../src/venues/ccxt-venue.js';
import { profileFor } from '../../src/venues/profiles.js';
import { DEFAULT_SIM_START, SimExchange, SimWorld } from '../../src/venues/sim/index.js';
import { parseTapeLine } from '../../src/venues/tape/format.js';
import { paramsKey, symbolOf } from '../../src/venues/tape/match-key.js';
import { recordCalls } from '../../src/venues/tape/recorder.js';
import { loadTape } from '../../src/venues/tape/replayer.js';
import { openTapeWriter } from '../../src/venues/tape/writer.js';

const tmpFile = (name: string): string => join(mkdtempSync(join(tmpdir(), 'carry-borrow-tape-')), name);

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'no error',
    (e: unknown) => (e instanceof CarryError ? e.code : `not a CarryError: ${String(e)}`),
  );
}

describe('fetchCrossBorrowRate record → replay', () => {
  it('replays to the same result and the same APR through CcxtVenue; the code keys the record', async () => {
    const file = tmpFile('borrow.ndjson');
    const clock = new SimClock(DEFAULT_SIM_START + 90_000);
    const world = new SimWorld({ seed: 5 });
    const writer = openTapeWriter(file);
    const live = new CcxtVenue(recordCalls(new SimExchange(world, 'bybit', clock), writer, clock), profileFor('bybit'), clock);
    await live.loadMarkets();
    const btc = await live.fetchBorrowApr('BTC');
    const eth = await live.fetchBorrowApr('ETH');
    writer.close();
    expect(btc).toBeGreaterThan(0);

    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const borrowLines = lines.map((l) => JSON.parse(l) as { method: string; args: unknown[]; result: { currency: string; period: number } }).filter((r) => r.method === 'fetchCrossBorrowRate');
    expect(borrowLines.map((r) => r.args)).toEqual([['BTC'], ['ETH']]);
    expect(borrowLines[0]?.result).toMatchObject({ currency: 'BTC', period: 3_600_000 });

    const tape = loadTape(file);
    expect(tape.summary('bybit')?.methods).toContain('fetchCrossBorrowRate');
    const replayClock = new SimClock(tape.end);
    const calls = tape.callsFor('bybit', replayClock);
    expect(calls.has['fetchCrossBorrowRate']).toBe(true);
    const replayed = new CcxtVenue(calls, profileFor('bybit'), replayClock);
    await replayed.loadMarkets();
    expect(await replayed.fetchBorrowApr('BTC')).toBe(btc);
    expect(await replayed.fetchBorrowApr('ETH')).toBe(eth);
    expect(await calls.fetchCrossBorrowRate('BTC')).toEqual(JSON.parse(JSON.stringify(await new SimExchange(world, 'bybit', clock).fetchCrossBorrowRate('BTC'))));
    // BTC's record never answers another currency.
    const miss = await calls.fetchCrossBorrowRate('SOL').catch((e: unknown) => e);
    expect(miss).toMatchObject({ code: 'CARRY_TAPE_MISS' });
    expect((miss as Error).message).toMatch(/no fetchCrossBorrowRate records for SOL \(recorded: BTC, ETH\)/);
  });

  it('a recorded failure replays as the same ccxt error, mapped the same way', async () => {
    const file = tmpFile('borrow-err.ndjson');
    const clock = new SimClock(DEFAULT_SIM_START);
    const world = new SimWorld({ seed: 5 });
    const writer = openTapeWriter(file);
    const deribit = recordCalls(new SimExchange(world, 'deribit', clock), writer, clock);
    await expect(deribit.fetchCrossBorrowRate('BTC')).rejects.toBeInstanceOf(ccxt.NotSupported);
    writer.close();
    const replayed = loadTape(file).callsFor('deribit', clock);
    await expect(replayed.fetchCrossBorrowRate('BTC')).rejects.toBeInstanceOf(ccxt.NotSupported);
  });

  it('matching: args[0] is the key, params at index 1 (a record without params answers any)', () => {
    expect(symbolOf(['BTC'])).toBe('BTC');
    expect(paramsKey('fetchCrossBorrowRate', ['BTC', { vipLevel: 'VIP 1' }])).toBe('{"vipLevel":"VIP 1"}');
    expect(paramsKey('fetchCrossBorrowRate', ['BTC'])).toBe('{}');
    const file = tmpFile('hand.ndjson');
    const rec = (ts: number, args: unknown[], rate: number) =>
      JSON.stringify({ ts, venue: 'okx', method: 'fetchCrossBorrowRate', args, result: { currency: args[0], rate, period: 3_600_000, info: {} } });
    writeFileSync(file, [rec(1000, ['BTC'], 0.00001), rec(2000, ['BTC', { vip: 1 }], 0.00002), rec(1500, ['ETH'], 0.00003)].join('\n') + '\n');
    const tape = loadTape(file);
    expect(tape.lookup('okx', 'fetchCrossBorrowRate', ['BTC'], 2500).result).toMatchObject({ rate: 0.00001 });
    expect(tape.lookup('okx', 'fetchCrossBorrowRate', ['BTC', { vip: 1 }], 2500).result).toMatchObject({ rate: 0.00002 });
    expect(tape.lookup('okx', 'fetchCrossBorrowRate', ['BTC', { other: true }], 2500).result).toMatchObject({ rate: 0.00001 });
    expect(tape.lookup('okx', 'fetchCrossBorrowRate', ['ETH'], 2500).result).toMatchObject({ rate: 0.00003 });
  });

  it('a line without the currency code is refused at load, naming the field', async () => {
    const pos = { file: 'bad.ndjson', line: 3 };
    const line = JSON.stringify({ ts: 1, venue: 'okx', method: 'fetchCrossBorrowRate', args: [], result: { rate: 0.0001 } });
    expect(() => parseTapeLine(line, pos)).toThrow(/bad\.ndjson:3: field "args\[0\]": fetchCrossBorrowRate needs the currency code/);
    expect(await codeOf(Promise.resolve().then(() => parseTapeLine(line, pos)))).toBe('CARRY_TAPE_INVALID');
  });
});
