import { describe, expect, it } from 'vitest';
import type { Market } from '../../src/domain/market.js';
import {
  amountModel,
  amountToBase,
  amountToQuote,
  baseToAmount,
  quoteToAmount,
  type AmountMarket,
} from '../../src/pricing/units.js';

const spot: AmountMarket = { symbol: 'BTC/USDT', amountUnit: 'base', contractSize: 1, settlement: null };
// OKX BTC-USDT-SWAP: 0.01 BTC per contract
const okxLinear: AmountMarket = { symbol: 'BTC/USDT:USDT', amountUnit: 'contracts', contractSize: 0.01, settlement: 'linear' };
// Bybit/Binance linear: contract size 1 base
const linear1: AmountMarket = { symbol: 'ETH/USDT:USDT', amountUnit: 'contracts', contractSize: 1, settlement: 'linear' };
// Inverse coin-M style: 10 USD per contract
const inverse10: AmountMarket = { symbol: 'BTC/USD:BTC', amountUnit: 'contracts', contractSize: 10, settlement: 'inverse' };
// Deribit BTC-PERPETUAL: ccxt amount is already USD (contract size 10 is only the lot)
const deribit: AmountMarket = { symbol: 'BTC/USD:BTC', amountUnit: 'quote', contractSize: 10, settlement: 'inverse' };

describe('amount ↔ base ↔ quote', () => {
  const rows = [
    // 0.5 BTC at 40,000 = 20,000 USDT
    { name: 'spot', m: spot, amount: 0.5, price: 40_000, base: 0.5, quote: 20_000 },
    // 100 contracts × 0.01 = 1 BTC; × 50,000 = 50,000 USDT
    { name: 'okx linear cs 0.01', m: okxLinear, amount: 100, price: 50_000, base: 1, quote: 50_000 },
    // 3 contracts × 1 = 3 ETH; × 2,000 = 6,000 USDT
    { name: 'linear cs 1', m: linear1, amount: 3, price: 2_000, base: 3, quote: 6_000 },
    // accounting.md example 2: 4,000 contracts × 10 USD = 40,000 USD; / 40,000 = 1 BTC
    { name: 'inverse cs 10 USD', m: inverse10, amount: 4_000, price: 40_000, base: 1, quote: 40_000 },
    // Deribit: amount 40,000 is 40,000 USD; / 40,000 = 1 BTC
    { name: 'deribit amount in USD', m: deribit, amount: 40_000, price: 40_000, base: 1, quote: 40_000 },
    // inverse at another price: 4,000 × 10 = 40,000 USD; / 44,000 = 0.909090... BTC
    { name: 'inverse at 44,000', m: inverse10, amount: 4_000, price: 44_000, base: 40_000 / 44_000, quote: 40_000 },
  ];
  it.each(rows)('$name', ({ m, amount, price, base, quote }) => {
    const model = amountModel(m);
    expect(amountToBase(model, amount, price)).toBeCloseTo(base, 12);
    expect(amountToQuote(model, amount, price)).toBeCloseTo(quote, 9);
    expect(baseToAmount(model, base, price)).toBeCloseTo(amount, 9);
    expect(quoteToAmount(model, quote, price)).toBeCloseTo(amount, 9);
  });

  it('inverse notional does not move with price, base does; linear the other way round', () => {
    const inv = amountModel(inverse10);
    expect(amountToQuote(inv, 100, 30_000)).toBe(amountToQuote(inv, 100, 60_000));
    expect(amountToBase(inv, 100, 30_000)).toBeCloseTo(2 * amountToBase(inv, 100, 60_000), 15);
    const lin = amountModel(okxLinear);
    expect(amountToBase(lin, 100, 30_000)).toBe(amountToBase(lin, 100, 60_000));
  });

  it.each([0, -1, Number.NaN])('rejects contract size %s for contract markets', (cs) => {
    const m: Pick<Market, 'amountUnit' | 'contractSize' | 'settlement' | 'symbol'> = { ...okxLinear, contractSize: cs };
    expect(() => amountModel(m)).toThrow(/contract size/);
  });

  it.each([0, -5, Number.NaN])('rejects price %s', (price) => {
    expect(() => amountToQuote(amountModel(spot), 1, price)).toThrow(RangeError);
  });
});
