import * as ccxtModule from 'ccxt';
import { describe, expect, it } from 'vitest';
import { CarryError } from '../../src/domain/errors.js';
import { CCXT_ERROR_RULES, mapCcxtError } from '../../src/venues/ccxt-errors.js';

const E = ccxtModule as unknown as Record<string, new (message: string) => Error>;

describe('mapCcxtError', () => {
  it('no rule is shadowed by an earlier, more general one', () => {
    CCXT_ERROR_RULES.forEach((later, j) => {
      for (const earlier of CCXT_ERROR_RULES.slice(0, j)) {
        expect(later.cls.prototype instanceof earlier.cls, `${later.cls.name} is unreachable behind ${earlier.cls.name}`).toBe(false);
      }
    });
  });

  // The contract callers rely on: what each ccxt class means for carry (most specific first).
  it.each([
    ['RateLimitExceeded', 'CARRY_VENUE_RATE_LIMITED', 'retry'],
    ['DDoSProtection', 'CARRY_VENUE_RATE_LIMITED', 'retry'],
    ['RequestTimeout', 'CARRY_VENUE_TIMEOUT', 'retry'],
    ['ExchangeNotAvailable', 'CARRY_VENUE_UNAVAILABLE', 'retry'],
    ['OnMaintenance', 'CARRY_VENUE_UNAVAILABLE', 'skip'],
    ['InvalidNonce', 'CARRY_VENUE_AUTH', 'retry'],
    ['ChecksumError', 'CARRY_VENUE_AUTH', 'retry'],
    ['NetworkError', 'CARRY_VENUE_UNAVAILABLE', 'retry'],
    ['NullResponse', 'CARRY_VENUE_BAD_RESPONSE', 'skip'],
    ['BadResponse', 'CARRY_VENUE_BAD_RESPONSE', 'skip'],
    ['CancelPending', 'CARRY_VENUE_UNAVAILABLE', 'retry'],
    ['AuthenticationError', 'CARRY_VENUE_AUTH', 'stop'],
    ['PermissionDenied', 'CARRY_VENUE_AUTH', 'stop'],
    ['AccountNotEnabled', 'CARRY_VENUE_AUTH', 'stop'],
    ['AccountSuspended', 'CARRY_VENUE_AUTH', 'stop'],
    ['RestrictedLocation', 'CARRY_VENUE_AUTH', 'stop'],
    ['InvalidProxySettings', 'CARRY_CONFIG_INVALID', 'stop'],
    ['BadSymbol', 'CARRY_VENUE_BAD_SYMBOL', 'skip'],
    ['MarketClosed', 'CARRY_VENUE_BAD_SYMBOL', 'skip'],
    ['InsufficientFunds', 'CARRY_VENUE_INSUFFICIENT_FUNDS', 'skip'],
    ['OrderNotFound', 'CARRY_VENUE_ORDER_REJECTED', 'skip'],
    ['InvalidOrder', 'CARRY_VENUE_ORDER_REJECTED', 'skip'],
    ['DuplicateOrderId', 'CARRY_VENUE_ORDER_REJECTED', 'skip'],
    ['NotSupported', 'CARRY_VENUE_NOT_SUPPORTED', 'skip'],
    ['ArgumentsRequired', 'CARRY_INTERNAL', 'stop'],
    ['BadRequest', 'CARRY_VENUE_BAD_RESPONSE', 'skip'],
    ['ExchangeError', 'CARRY_VENUE_BAD_RESPONSE', 'skip'],
    ['BaseError', 'CARRY_VENUE_BAD_RESPONSE', 'skip'],
  ])('%s → %s / %s', (name, code, action) => {
    const cls = E[name];
    if (cls === undefined) throw new Error(`ccxt exports no ${name}`);
    const err = mapCcxtError(new cls('binance {"code":-1003,"msg":"x"}'), 'binance', 'fetchFundingRates');
    expect([err.code, err.action]).toEqual([code, action]);
    expect(err.venue).toBe('binance');
    expect(err.message).toContain(`binance fetchFundingRates: ${name}: binance {"code":-1003,"msg":"x"}`);
    expect(err.cause).toBeInstanceOf(cls);
  });

  it('a CarryError (tape replayer, sim market) passes through untouched', () => {
    const original = new CarryError('CARRY_TAPE_MISS', 'stop', 'no record');
    expect(mapCcxtError(original, 'bybit')).toBe(original);
  });

  it('a non-ccxt error inside a ccxt call is a bad response, message kept', () => {
    const err = mapCcxtError(new TypeError("Cannot use 'in' operator to search for 'time' in n"), 'binance', 'fetchTickers');
    expect([err.code, err.action]).toEqual(['CARRY_VENUE_BAD_RESPONSE', 'skip']);
    expect(err.message).toContain("TypeError: Cannot use 'in' operator");
  });

  it('a thrown non-error is internal, skip', () => {
    const err = mapCcxtError('boom', 'okx');
    expect([err.code, err.action]).toEqual(['CARRY_INTERNAL', 'skip']);
    expect(err.message).toContain('boom');
  });
});
