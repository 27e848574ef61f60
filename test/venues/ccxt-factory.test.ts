import { readFileSync } from 'node:fs';
import ccxt from 'ccxt';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/domain/errors.js';
import { ccxtVersionInfo, createCcxtExchange, resolveVenue } from '../../src/venues/ccxt-factory.js';
import { deepMerge } from '../../src/util/merge.js';
import { KNOWN_VENUES, profileFor } from '../../src/venues/profiles.js';

const cfg = (over: Record<string, unknown> = {}) => ({ enabled: true, timeoutMs: 7_000, options: {}, ...over });

describe('profiles', () => {
  it('known venues and their spot-borrow capability (venues.md §2)', () => {
    expect(Object.keys(KNOWN_VENUES).sort()).toEqual(['binance', 'bitmex', 'bybit', 'deribit', 'okx']);
    expect(Object.fromEntries(Object.values(KNOWN_VENUES).map((p) => [p.id, p.spotMarginBorrow]))).toEqual({ binance: true, bybit: true, okx: true, deribit: false, bitmex: false });
  });

  it('BitMEX is closed since 2026-09-23; the others are open', () => {
    expect(KNOWN_VENUES['bitmex']?.status).toMatchObject({ kind: 'closed', since: '2026-09-23' });
    for (const id of ['binance', 'bybit', 'okx', 'deribit']) expect(KNOWN_VENUES[id]?.status.kind).toBe('open');
  });

  it('other ids get the generic profile', () => {
    expect(profileFor('kraken')).toMatchObject({ id: 'kraken', ccxtClass: 'kraken', rateKind: 'predicted', intervalSource: 'rate', spotMarginBorrow: false });
  });
});

describe('resolveVenue', () => {
  it.each([
    ['binance', {}, 'binance', 'binance'],
    ['binance-2', { ccxtId: 'binance' }, 'binance', 'binance'],
    ['kraken', {}, 'kraken', 'kraken'],
    ['bitmex', {}, 'bitmex', 'bitmex'],
  ])('%s %j → ccxt id %s, profile %s', (name, c, ccxtId, profileId) => {
    const r = resolveVenue(name, c);
    expect([r.name, r.ccxtId, r.profile.id]).toEqual([name, ccxtId, profileId]);
  });

  it('an unknown id is an input error naming the config field and listing valid ids', () => {
    let err: unknown;
    try {
      resolveVenue('binanse', {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect([e.code, e.action]).toEqual(['CARRY_VENUE_UNKNOWN', 'stop']);
    expect(e.message).toMatch(/^venues\.binanse: "binanse" is not a ccxt exchange id/);
    expect(e.message).toContain('binance, binancecoinm');
    expect(e.message).toContain('bitmex (closed)');
    expect(e.message).toContain('deribit');
  });

  it('a bad ccxtId names venues.<name>.ccxtId', () => {
    expect(() => resolveVenue('main', { ccxtId: 'nope' })).toThrow(/^venues\.main\.ccxtId: "nope"/);
  });
});

describe('createCcxtExchange', () => {
  it('BitMEX yields a closed status, never an instance', () => {
    const c = createCcxtExchange('bitmex', cfg());
    expect(c).toMatchObject({ kind: 'closed', ccxtId: 'bitmex', since: '2026-09-23' });
    expect('exchange' in c).toBe(false);
  });

  it('profile options reach ccxt, deep-merged over ccxt defaults; timeout and rate limiting set', () => {
    const c = createCcxtExchange('bybit', cfg());
    if (c.kind !== 'open') throw new Error('closed');
    const ex = c.exchange as unknown as { options: Record<string, any>; timeout: number; enableRateLimit: boolean; id: string };
    expect(ex.id).toBe('bybit');
    expect(ex.options['fetchMarkets'].types).toEqual(['spot', 'linear']);
    expect(ex.options['fetchMarkets'].options).toEqual(['BTC', 'ETH', 'SOL', 'XRP', 'MNT', 'DOGE']); // ccxt default kept
    expect(ex.options['defaultType']).toBe('swap');
    expect(ex.timeout).toBe(7_000);
    expect(ex.enableRateLimit).toBe(true);
  });

  it("the user's venues.<name>.options override carry's defaults; rate limiting cannot be turned off", () => {
    const c = createCcxtExchange('binance-2', cfg({ ccxtId: 'binance', options: { enableRateLimit: false, options: { fetchMarkets: { types: ['spot', 'linear', 'inverse'] } } } }));
    if (c.kind !== 'open') throw new Error('closed');
    const ex = c.exchange as unknown as { options: Record<string, any>; enableRateLimit: boolean };
    expect(ex.options['fetchMarkets'].types).toEqual(['spot', 'linear', 'inverse']);
    expect(ex.options['fetchCurrencies']).toBe(false); // carry default kept
    expect(ex.enableRateLimit).toBe(true);
    expect(c.name).toBe('binance-2');
  });

  it('secrets are applied; empty ones are ignored', () => {
    const c = createCcxtExchange('okx', cfg(), { secrets: { apiKey: 'k', secret: 's', password: '' } });
    if (c.kind !== 'open') throw new Error('closed');
    const ex = c.exchange as unknown as { apiKey: string; secret: string; password: string };
    expect([ex.apiKey, ex.secret, ex.password]).toEqual(['k', 's', undefined]); // '' was not passed through
  });

  it('a generic venue learns its precision mode from the instance', () => {
    const c = createCcxtExchange('kraken', cfg());
    expect(c.profile.precisionMode).toBe(ccxt.TICK_SIZE);
  });
});

describe('createCcxtExchange --testnet (venues.md §2)', () => {
  const api = (name: string) => {
    const created = createCcxtExchange(name, cfg(), { testnet: true });
    if (created.kind !== 'open') throw new Error('closed');
    return { urls: JSON.stringify(created.exchange.urls['api']), headers: created.exchange.headers as Record<string, string> };
  };

  it.each([
    ['binance', 'demo-fapi.binance.com'],
    ['bybit', 'api-testnet.'],
    ['deribit', 'test.deribit.com'],
  ])('%s is pointed at its test hosts', (name, host) => {
    expect(api(name).urls).toContain(host);
  });

  it('okx trades simulated through its header', () => {
    expect(api('okx').headers['x-simulated-trading']).toBe('1');
  });

  it('without --testnet the real hosts stay', () => {
    const created = createCcxtExchange('binance', cfg());
    if (created.kind !== 'open') throw new Error('closed');
    expect(JSON.stringify(created.exchange.urls['api'])).not.toContain('demo-');
  });

  it('a venue ccxt knows no test host for is refused by name, never left on the real one', () => {
    // kraken has no urls.test in ccxt 4.5.84
    expect(() => createCcxtExchange('kraken', cfg(), { testnet: true })).toThrow(/--testnet: venues\.kraken \(kraken\) has no sandbox/);
  });
});

describe('deepMerge', () => {
  it.each([
    [{ a: { b: 1, c: 2 } }, { a: { c: 3 } }, { a: { b: 1, c: 3 } }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: { b: 1 } }, { a: 5 }, { a: 5 }],
    [{}, { x: { y: 1 } }, { x: { y: 1 } }],
  ])('%j ⊕ %j = %j', (a, b, out) => {
    expect(deepMerge(a, b)).toEqual(out);
  });
});

describe('ccxtVersionInfo', () => {
  it('reports the installed package (the one that runs), checked against the pin', () => {
    const pkg = JSON.parse(readFileSync('node_modules/ccxt/package.json', 'utf8')) as { version: string };
    const ours = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.version).toBe('4.5.84');
    expect(ccxtVersionInfo(ours.dependencies['ccxt'])).toEqual({ ccxt: '4.5.84', pinned: '4.5.84', mismatch: false });
    // ccxt's compiled-in constant lags its package by one patch: why it is not logged.
    expect(ccxt.version).not.toBe(pkg.version);
  });

  it('flags a node_modules that is not the pinned ccxt', () => {
    expect(ccxtVersionInfo('4.5.90')).toEqual({ ccxt: '4.5.84', pinned: '4.5.90', mismatch: true });
    expect(ccxtVersionInfo('^4.5.0').mismatch).toBe(false);
    expect(ccxtVersionInfo(undefined)).toEqual({ ccxt: '4.5.84', pinned: null, mismatch: false });
  });
});
