import { describe, expect, it } from 'vitest';
import { CarryError } from '../../src/domain/errors.js';
import { canonicalJson, formatTapeLine, parseTapeLine, serializeArgs, type TapeRecord } from '../../src/venues/tape/format.js';
import { paramsKey, symbolOf } from '../../src/venues/tape/match-key.js';

const pos = { file: 'x.ndjson', line: 7 };

function invalidMessage(line: string): string {
  try {
    parseTapeLine(line, pos);
  } catch (e) {
    expect(e).toBeInstanceOf(CarryError);
    expect((e as CarryError).code).toBe('CARRY_TAPE_INVALID');
    return (e as Error).message;
  }
  throw new Error(`expected ${line} to be refused`);
}

describe('tape args serialisation', () => {
  it.each([
    ['no args', [], '[]'],
    ['only undefined args', [undefined, undefined], '[]'],
    ['trailing undefined dropped, inner undefined → null', ['BTC/USDT', undefined, { a: 1 }, undefined], '["BTC/USDT",null,{"a":1}]'],
    ['object keys sorted at every depth', [null, { type: 'swap', subType: 'linear', z: { b: 1, a: 2 } }], '[null,{"subType":"linear","type":"swap","z":{"a":2,"b":1}}]'],
    ['undefined object values dropped', [null, { code: 'BTC', extra: undefined }], '[null,{"code":"BTC"}]'],
    ['non-finite numbers → null, as JSON writes them', ['X', Number.NaN, Infinity], '["X",null,null]'],
    ['an explicit trailing null is kept', ['X', null], '["X",null]'],
  ] as const)('%s', (_name, args, json) => {
    expect(JSON.stringify(serializeArgs(args))).toBe(json);
  });

  it('the same call always serialises the same way, whatever the key order or arity', () => {
    const a = JSON.stringify(serializeArgs([undefined, { type: 'swap', subType: 'linear' }]));
    const b = JSON.stringify(serializeArgs([undefined, { subType: 'linear', type: 'swap' }, undefined]));
    expect(a).toBe(b);
    expect(JSON.stringify(serializeArgs([]))).toBe(JSON.stringify(serializeArgs([undefined])));
  });

  it('serialised args survive a JSON round trip unchanged (recorder and replayer build the same key)', () => {
    const args = serializeArgs(['BTC/USDT:USDT', undefined, { b: [1, undefined, 3], a: 'x' }]);
    expect(serializeArgs(JSON.parse(JSON.stringify(args)) as unknown[])).toEqual(args);
  });

  it('canonicalJson ignores key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
  });
});

describe('tape matching key', () => {
  it('the symbol is args[0] only when it is a string', () => {
    expect(symbolOf(['BTC/USDT:USDT', 50])).toBe('BTC/USDT:USDT');
    expect(symbolOf([null, { code: 'BTC' }])).toBeNull();
    expect(symbolOf([['BTC/USDT']])).toBeNull();
    expect(symbolOf([])).toBeNull();
  });

  it('params discriminate deribit currencies; absent, null and {} params are one key', () => {
    expect(paramsKey('fetchTickers', [null, { code: 'BTC' }])).not.toBe(paramsKey('fetchTickers', [null, { code: 'ETH' }]));
    expect(paramsKey('fetchTickers', [])).toBe('{}');
    expect(paramsKey('fetchTickers', [null, null])).toBe('{}');
    expect(paramsKey('fetchTickers', [null, {}])).toBe('{}');
  });

  it('the params argument is read at each method’s own position', () => {
    // fetchOrderBook(symbol, limit, params): the limit is not params.
    expect(paramsKey('fetchOrderBook', ['BTC/USDT', 50])).toBe('{}');
    expect(paramsKey('fetchOrderBook', ['BTC/USDT', 50, { depth: 1 }])).toBe('{"depth":1}');
    expect(paramsKey('fetchTradingFees', [{ type: 'swap' }])).toBe('{"type":"swap"}');
    expect(paramsKey('fetchFundingRateHistory', ['BTC/USDT:USDT', 1, 100, { paginate: true }])).toBe('{"paginate":true}');
  });
});

describe('tape line parser', () => {
  const good = '{"ts":1786310821516,"venue":"bybit","method":"fetchOrderBook","args":["BTC/USDT",200],"result":{"bids":[],"asks":[]}}';

  it('accepts a valid record and ignores unknown top-level fields', () => {
    const r = parseTapeLine(good.replace('{"ts"', '{"note":"later versions may add fields","ts"'), pos);
    expect(r).toEqual({ ts: 1786310821516, venue: 'bybit', method: 'fetchOrderBook', args: ['BTC/USDT', 200], result: { bids: [], asks: [] } });
  });

  it('accepts an error record instead of a result', () => {
    const r = parseTapeLine('{"ts":1,"venue":"okx","method":"fetchTickers","args":[],"error":{"name":"RequestTimeout","message":"okx timed out"}}', pos);
    expect(r.error).toEqual({ name: 'RequestTimeout', message: 'okx timed out' });
  });

  it.each([
    ['not JSON', '{"ts":1,', /^x\.ndjson:7: not valid JSON/],
    ['ts as a string', good.replace('1786310821516', '"1786310821516"'), /^x\.ndjson:7: field "ts": .*number/],
    ['negative ts', good.replace('1786310821516', '-5'), /^x\.ndjson:7: field "ts"/],
    ['empty venue', good.replace('"bybit"', '""'), /^x\.ndjson:7: field "venue"/],
    ['unknown method, listing the known ones', good.replace('fetchOrderBook', 'fetchTicker'), /^x\.ndjson:7: field "method".*fetchTickers/],
    ['args not an array', good.replace('["BTC/USDT",200]', '"BTC/USDT"'), /^x\.ndjson:7: field "args"/],
    ['neither result nor error', good.replace(',"result":{"bids":[],"asks":[]}', ''), /^x\.ndjson:7: field "result": missing/],
    ['both result and error', good.replace('"result"', '"error":{"name":"X","message":"m"},"result"'), /^x\.ndjson:7: field "error": .*both/],
    ['error without a name', good.replace('"result":{"bids":[],"asks":[]}', '"error":{"message":"m"}'), /^x\.ndjson:7: field "error\.name"/],
    ['fetchOrderBook without a symbol', good.replace('["BTC/USDT",200]', '[null,200]'), /^x\.ndjson:7: field "args\[0\]"/],
    ['a JSON array instead of an object', '[1,2]', /^x\.ndjson:7: field "\(record\)"/],
  ])('refuses %s, naming file, line and field', (_name, line, re) => {
    expect(invalidMessage(line)).toMatch(re);
  });

  it('formatTapeLine writes fixed key order and parses back to the same record', () => {
    const r: TapeRecord = { ts: 5, venue: 'bybit', method: 'fetchTickers', args: [null, { type: 'swap' }], result: { 'BTC/USDT:USDT': { last: 1, vwap: undefined, pct: Number.NaN } } };
    const line = formatTapeLine(r);
    expect(line).toBe('{"ts":5,"venue":"bybit","method":"fetchTickers","args":[null,{"type":"swap"}],"result":{"BTC/USDT:USDT":{"last":1,"pct":null}}}');
    expect(parseTapeLine(line, pos).result).toEqual({ 'BTC/USDT:USDT': { last: 1, pct: null } });
  });

  it('formatTapeLine refuses a ts that is not a ms epoch', () => {
    expect(() => formatTapeLine({ ts: Number.NaN, venue: 'v', method: 'fetchTickers', args: [], result: {} })).toThrow(/ts must be a ms epoch/);
  });
});
