import { describe, expect, it } from 'vitest';
import type { Market } from '../../src/domain/market.js';
import { bookKey, pairIndex, pairSpotPerp, PAIR_REASONS } from '../../strategies/spot-perp-carry/pairs.js';

function m(symbol: string, over: Partial<Market> = {}): Market {
  const [pair, settle] = symbol.split(':');
  const [base, quote] = (pair as string).split('/') as [string, string];
  const swap = settle !== undefined;
  const inverse = swap && settle === base;
  return {
    venue: 'v',
    symbol,
    id: symbol,
    type: swap ? 'swap' : 'spot',
    base,
    quote,
    settle: swap ? (settle as string) : null,
    settlement: swap ? (inverse ? 'inverse' : 'linear') : null,
    contractSize: inverse ? 10 : 1,
    amountUnit: swap ? 'contracts' : 'base',
    amountStep: 0.001,
    priceStep: 0.1,
    minAmount: null,
    minCost: null,
    taker: swap ? 0.0005 : 0.001,
    maker: 0.0002,
    active: true,
    marginable: !swap,
    fundingIntervalHours: null,
    ...over,
  };
}

function spotOf(markets: Market[], perp: string): string | null {
  return pairSpotPerp(markets).find((p) => p.perp.symbol === perp)?.spot?.symbol ?? null;
}

describe('pairing perps with spot', () => {
  it.each([
    ['USDT perp takes the USDT spot even when a USDC spot exists', ['BTC/USDC', 'BTC/USDT', 'BTC/USDT:USDT'], 'BTC/USDT:USDT', 'BTC/USDT'],
    ['USDC perp takes the USDC spot', ['BTC/USDT', 'BTC/USDC', 'BTC/USDC:USDC'], 'BTC/USDC:USDC', 'BTC/USDC'],
    ['USDC perp is not hedged with a USDT spot', ['BTC/USDT', 'BTC/USDC:USDC'], 'BTC/USDC:USDC', null],
    ['inverse perp falls back to USDT first', ['BTC/USDC', 'BTC/USDT', 'BTC/USD:BTC'], 'BTC/USD:BTC', 'BTC/USDT'],
    ['inverse perp takes USDC when there is no USDT (Deribit)', ['BTC/USDC', 'BTC/USD:BTC'], 'BTC/USD:BTC', 'BTC/USDC'],
    ['inverse perp prefers a USD spot of its own quote', ['BTC/USDT', 'BTC/USD', 'BTC/USD:BTC'], 'BTC/USD:BTC', 'BTC/USD'],
    ['never another base', ['ETH/USDT', 'BTC/USDT:USDT'], 'BTC/USDT:USDT', null],
  ])('%s', (_name, symbols, perp, spot) => {
    expect(spotOf(symbols.map((s) => m(s)), perp)).toBe(spot);
  });

  it('ignores an inactive spot market', () => {
    const markets = [m('BTC/USDT', { active: false }), m('BTC/USDT:USDT')];
    const [pair] = pairSpotPerp(markets);
    expect(pair?.spot).toBeNull();
    expect(pair?.reason).toBe(PAIR_REASONS.noSpot);
  });

  it('reports an inactive perp', () => {
    const [pair] = pairSpotPerp([m('BTC/USDT'), m('BTC/USDT:USDT', { active: false })]);
    expect(pair?.reason).toBe(PAIR_REASONS.perpInactive);
  });

  it('reports a perp whose contract size is unusable rather than throwing later', () => {
    const [pair] = pairSpotPerp([m('BTC/USDT'), m('BTC/USDT:USDT', { contractSize: 0 })]);
    expect(pair?.reason).toBe(PAIR_REASONS.badContractSize);
    expect(pair?.perpModel).toBeNull();
  });

  it('reports a missing (NaN) taker fee instead of pricing with it', () => {
    const [pair] = pairSpotPerp([m('BTC/USDT', { taker: Number.NaN }), m('BTC/USDT:USDT')]);
    expect(pair?.reason).toBe(PAIR_REASONS.feeUnknown);
  });

  it('lists one pair per perp, no pair for spot markets; books are keyed venue|symbol', () => {
    const pairs = pairSpotPerp([m('BTC/USDT'), m('ETH/USDT'), m('BTC/USDT:USDT'), m('SOL/USDT:USDT')]);
    expect(pairs.map((p) => [p.perp.symbol, p.spot?.symbol ?? null, p.reason])).toEqual([
      ['BTC/USDT:USDT', 'BTC/USDT', null],
      ['SOL/USDT:USDT', null, 'no spot market on venue'],
    ]);
    expect(bookKey('bybit', 'BTC/USDT')).toBe('bybit|BTC/USDT');
  });

  it('memoises the index per markets array, and a new array is paired afresh', () => {
    const a = [m('BTC/USDT'), m('BTC/USDT:USDT')];
    expect(pairIndex(a)).toBe(pairIndex(a));
    const b = [m('BTC/USDT:USDT')];
    expect(pairIndex(b).get('BTC/USDT:USDT')?.spot).toBeNull();
  });
});
