import { describe, expect, it } from 'vitest';
import { CLIENT_ID_RULES, clientIdRule, GENERIC_RULE, isCarryClientId, venueClientId } from '../../src/execution/client-id.js';
import { clientOrderId } from '../../src/engine/leg-executor.js';

// Venue formats as documented (rules quoted in client-id.ts), independent of the table itself.
const DOCUMENTED: readonly { readonly venue: string; readonly max: number; readonly re: RegExp }[] = [
  { venue: 'binance', max: 36, re: /^[.A-Z:/a-z0-9_-]{1,36}$/ },
  { venue: 'binanceusdm', max: 36, re: /^[.A-Z:/a-z0-9_-]{1,36}$/ },
  { venue: 'bybit', max: 36, re: /^[A-Za-z0-9_-]{1,36}$/ },
  { venue: 'okx', max: 32, re: /^[A-Za-z0-9]{1,32}$/ },
  { venue: 'deribit', max: 64, re: /^.{1,64}$/ },
  { venue: 'kraken', max: 32, re: /^[A-Za-z0-9]{1,32}$/ }, // not in the table: generic default
];

const LOGICAL = [
  clientOrderId('p1', 'open', 'spot', 1),
  clientOrderId('3f2a9c1e-7b4d-4e1a-9f00-1234567890ab', 'unwind', 'perp', 12),
  clientOrderId('binance-BTC-1700000000000', 'rebalance', 'perp', 3),
  'x'.repeat(500),
  ':::', // no alphanumerics at all
  'ünïcødé:close:spot:1',
];

describe('venueClientId', () => {
  for (const { venue, max, re } of DOCUMENTED) {
    it(`${venue}: within ${max} chars, matches the venue's format, deterministic, recognised`, () => {
      for (const logical of LOGICAL) {
        const id = venueClientId(venue, logical);
        expect(id.length).toBeLessThanOrEqual(max);
        expect(id).toMatch(re);
        expect(venueClientId(venue, logical)).toBe(id);
        expect(isCarryClientId(id)).toBe(true);
      }
    });
  }

  it('keeps a readable short form: purpose, leg, attempt, then the position id', () => {
    expect(venueClientId('binance', 'p1:open:spot:1').startsWith('cyos1p1')).toBe(true);
    expect(venueClientId('okx', 'abc:unwind:perp:12').startsWith('cyup12abc')).toBe(true);
  });

  it('uses the longer caps for more readable text, never for less hash', () => {
    const logical = clientOrderId('3f2a9c1e-7b4d-4e1a-9f00-1234567890ab', 'close', 'perp', 2);
    expect(venueClientId('deribit', logical).length).toBeGreaterThan(venueClientId('binance', logical).length);
    expect(venueClientId('binance', logical).length).toBe(36);
    expect(venueClientId('okx', logical).length).toBe(32);
  });

  it('different logical ids do not collide (200k ids of one position, all venues)', () => {
    for (const venue of ['okx', 'binance']) {
      const seen = new Set<string>();
      for (let attempt = 1; attempt <= 20_000; attempt++) {
        for (const purpose of ['open', 'hedge', 'unwind', 'close', 'rebalance'] as const) {
          for (const leg of ['spot', 'perp'] as const) seen.add(venueClientId(venue, clientOrderId('pos-1', purpose, leg, attempt)));
        }
      }
      expect(seen.size).toBe(200_000);
    }
  });

  it('ids differing only in characters the short form drops still differ (the hash sees all)', () => {
    expect(venueClientId('okx', 'a-b:open:spot:1')).not.toBe(venueClientId('okx', 'ab:open:spot:1'));
    expect(venueClientId('okx', 'A:open:spot:1')).not.toBe(venueClientId('okx', 'a:open:spot:1'));
  });

  it('refuses an empty logical id', () => {
    expect(() => venueClientId('binance', '')).toThrow(RangeError);
  });

  it('unknown venues get the generic rule', () => {
    expect(clientIdRule('kraken')).toBe(GENERIC_RULE);
    expect(clientIdRule('okx')).toBe(CLIENT_ID_RULES['okx']);
  });
});

describe('isCarryClientId', () => {
  it.each([
    ['x-xcKtGhcu4c5b6f0a8e2d4a7b9c1d3e', 'ccxt binance broker id'],
    ['1609920528444036608', 'bybit numeric orderLinkId (fixture)'],
    ['', 'empty'],
    ['cy', 'prefix only'],
    ['cyos1p1aaaaaaaaaaaaaaaaaa', 'right shape, wrong check'],
    ['CYOS1P1ABCDEFGHIJKLMNOPQR', 'upper case'],
    ['cycle-order-42-manual-entry-by-user', 'human id starting with cy'],
  ])('%s (%s) is not carry\'s', (id) => {
    expect(isCarryClientId(id)).toBe(false);
  });

  it('null and undefined are not carry ids', () => {
    expect(isCarryClientId(null)).toBe(false);
    expect(isCarryClientId(undefined)).toBe(false);
  });

  it('a one-character change breaks recognition', () => {
    const id = venueClientId('bybit', 'p1:open:spot:1');
    const flipped = id.slice(0, 10) + (id[10] === 'a' ? 'b' : 'a') + id.slice(11);
    expect(isCarryClientId(flipped)).toBe(false);
  });
});
