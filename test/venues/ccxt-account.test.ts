/**
 * CcxtAccount against real ccxt 4.5.84 over the fetchImplementation harness.
 * Payloads: the real ccxt static-response fixtures (response/binance.json, response/bybit.json;
 * case named at each) where one exists, else the venue's documented example (named).
 */
import { describe, expect, it } from 'vitest';
import { CarryError } from '../../src/domain/errors.js';
import { CcxtAccount } from '../../src/venues/ccxt-account.js';
import { responseCase, type Json, type Route } from '../support/ccxt-fixtures.js';
import { privateVenue } from '../support/ccxt-order-venues.js';

const fixture = (venue: string, method: string, description: string): Json => responseCase(venue, method, description).httpResponse as Json;

async function account(id: 'binance' | 'bybit', routes: Route[]) {
  const sv = await privateVenue(id, routes);
  const acct = new CcxtAccount({ venue: id, exchange: sv.exchange, clock: sv.clock, retry: { attempts: 1, baseMs: 1, maxMs: 1 } });
  return { sv, acct };
}

describe('CcxtAccount on binance', () => {
  const routes = (): Route[] => [
    { name: 'spot account (fixture "Spot balance")', path: '/api/v3/account', reply: () => ({ body: fixture('binance', 'fetchBalance', 'Spot balance') }) },
    { name: 'fapi account (fixture "Linear swap balance")', path: '/fapi/v3/account', reply: () => ({ body: fixture('binance', 'fetchBalance', 'Linear swap balance') }) },
    { name: 'fapi account v2', path: '/fapi/v2/account', reply: () => ({ body: fixture('binance', 'fetchBalance', 'Linear swap balance') }) },
    {
      name: 'positionRisk (fixture "Fetch linear positions without symbols" + a reconstructed flat and short row)',
      path: '/positionRisk',
      reply: () => {
        const real = fixture('binance', 'fetchPositions', 'Fetch linear positions without symbols') as Record<string, Json>[];
        const btc = real[0] as Record<string, Json>;
        return { body: [btc, { ...btc, symbol: 'LTCUSDT', positionAmt: '0.000', notional: '0', unRealizedProfit: '0' }, { ...btc, symbol: 'ETHUSDT', positionAmt: '-0.500', entryPrice: '2000', markPrice: '2010', notional: '-1005', unRealizedProfit: '-5', liquidationPrice: '3900' }] };
      },
    },
    {
      name: 'income FUNDING_FEE (fixture "fetch portfolio margin funding history" row, + one received)',
      path: '/fapi/v1/income',
      reply: () => {
        const row = (fixture('binance', 'fetchFundingHistory', 'fetch portfolio margin funding history') as Record<string, Json>[])[0] as Record<string, Json>;
        return { body: [row, { ...row, income: '0.01234567', time: '1707494400000', tranId: '8082457372019390061' }] };
      },
    },
    {
      // ccxt loads leverage brackets before parsing positions. Shape of the documented example of
      // GET /fapi/v1/leverageBracket (developers.binance.com "Notional and Leverage Brackets").
      name: 'leverageBracket',
      path: '/fapi/v1/leverageBracket',
      reply: () => ({
        body: ['BTCUSDT', 'ETHUSDT', 'LTCUSDT'].map((symbol) => ({ symbol, notionalCoef: 1.5, brackets: [{ bracket: 1, initialLeverage: 75, notionalCap: 10000, notionalFloor: 0, maintMarginRatio: 0.0065, cum: 0 }] })),
      }),
    },
    // Documented response of POST /sapi/v1/asset/transfer (developers.binance.com, "User Universal Transfer").
    { name: 'universal transfer', path: '/sapi/v1/asset/transfer', reply: () => ({ body: { tranId: 13526853623 } }) },
  ];

  it('balances: spot and futures wallets apart, non-zero only', async () => {
    const { acct, sv } = await account('binance', routes());
    expect(acct.wallets).toEqual(['spot', 'futures', 'funding']);
    const b = await acct.balances();
    expect(b).toEqual([
      { venue: 'binance', wallet: 'spot', currency: 'ETH', free: 0.02229833, used: 0, total: 0.02229833 },
      { venue: 'binance', wallet: 'spot', currency: 'LTC', free: 0.919741, used: 0, total: 0.919741 },
      { venue: 'binance', wallet: 'futures', currency: 'USDT', free: 31.022612, used: 0, total: 31.022612 },
    ]);
    expect(sv.stub.unmatched).toEqual([]);
  });

  it('positions: signed contracts, flat rows dropped', async () => {
    const { acct } = await account('binance', routes());
    const p = await acct.positions();
    expect(p.map((x) => [x.symbol, x.contracts, x.entryPrice, x.liquidationPrice])).toEqual([
      ['BTC/USDT:USDT', 0.009, 67445.9, 64846.9875379],
      ['ETH/USDT:USDT', -0.5, 2000, 3900],
    ]);
    expect(await acct.positions(['ETH/USDT:USDT'])).toHaveLength(1);
  });

  it('funding payments: income sign as received (negative = paid), oldest first', async () => {
    const { acct, sv } = await account('binance', routes());
    const f = await acct.fundingPayments('BTC/USDT:USDT', 1707400000000);
    expect(f).toEqual([
      { venue: 'binance', symbol: 'BTC/USDT:USDT', ts: 1707465600000, amount: -0.04618913, currency: 'USDT', id: '8082457372019390060' },
      { venue: 'binance', symbol: 'BTC/USDT:USDT', ts: 1707494400000, amount: 0.01234567, currency: 'USDT', id: '8082457372019390061' },
    ]);
    const q = sv.stub.requests.find((u) => u.pathname.endsWith('/fapi/v1/income'))?.searchParams;
    expect(q?.get('incomeType')).toBe('FUNDING_FEE');
    expect(q?.get('startTime')).toBe('1707400000000');
  });

  it('transfer spot → futures uses MAIN_UMFUTURE', async () => {
    const { acct, sv } = await account('binance', routes());
    const r = await acct.transfer('USDT', 25, 'spot', 'futures');
    expect(r.id).toBe('13526853623');
    const call = sv.stub.calls.find((c) => c.url.pathname.endsWith('/sapi/v1/asset/transfer'));
    const sent = new URLSearchParams(call?.body || call?.url.search || '');
    expect(sent.get('type')).toBe('MAIN_UMFUTURE');
    expect(sent.get('amount')).toBe('25');
  });

  it('transfer between wallets carry cannot move refuses by name', async () => {
    const { acct } = await account('binance', routes());
    await expect(acct.transfer('USDT', 1, 'spot', 'unified')).rejects.toThrow(/cannot transfer spot → unified/);
  });

  it('a rejected key: CARRY_VENUE_AUTH, stop, naming the venue', async () => {
    const { acct } = await account('binance', [
      { name: 'bad key', path: '/api/v3/account', reply: () => ({ status: 401, body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' } }) },
    ]);
    const err = await acct.balances().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CarryError);
    expect(err).toMatchObject({ code: 'CARRY_VENUE_AUTH', action: 'stop', venue: 'binance' });
    expect((err as CarryError).message).toMatch(/^binance fetchBalance: AuthenticationError/);
  });
});

describe('CcxtAccount on bybit (unified account)', () => {
  const routes = (): Route[] => [
    { name: 'wallet-balance UNIFIED (fixture)', path: '/v5/account/wallet-balance', reply: () => ({ body: fixture('bybit', 'fetchBalance', 'balance after availableToWithdraw update') }) },
    {
      // Documented example of GET /v5/asset/transfer/query-account-coins-balance (bybit-exchange.github.io/docs/v5/asset/balance/all-balance).
      name: 'FUND balance',
      path: '/v5/asset/transfer/query-account-coins-balance',
      reply: () => ({ body: { retCode: 0, retMsg: 'success', result: { memberId: '602055', accountType: 'FUND', balance: [{ coin: 'USDT', transferBalance: '100', walletBalance: '100', bonus: '' }, { coin: 'BTC', transferBalance: '0', walletBalance: '0', bonus: '' }] }, retExtInfo: {}, time: 1722866135254 } }),
    },
    {
      name: 'position list (fixture "Fetch linear position" + a reconstructed short)',
      path: '/v5/position/list',
      reply: () => {
        const real = fixture('bybit', 'fetchPositions', 'Fetch linear position') as { result: { list: Record<string, Json>[] } } & Record<string, Json>;
        const ltc = real.result.list[0] as Record<string, Json>;
        const short = { ...ltc, symbol: 'BTCUSDT', side: 'Sell', size: '0.005', avgPrice: '36600', markPrice: '36650', unrealisedPnl: '-0.25', liqPrice: '52000', positionValue: '183' };
        const flat = { ...ltc, symbol: 'ETHUSDT', side: '', size: '0', avgPrice: '0', positionValue: '0' };
        return { body: { ...real, result: { ...real.result, list: [ltc, short, flat] } } as Json };
      },
    },
    { name: 'execution list Funding (fixture "linear funding history")', path: '/v5/execution/list', reply: () => ({ body: fixture('bybit', 'fetchFundingHistory', 'linear funding history') }) },
    // Documented example of POST /v5/asset/transfer/inter-transfer (bybit-exchange.github.io/docs/v5/asset/transfer/create-inter-transfer).
    { name: 'inter-transfer', path: '/v5/asset/transfer/inter-transfer', reply: () => ({ body: { retCode: 0, retMsg: 'success', result: { transferId: '42c0cfb0-6bca-c242-bc76-4e6df6cbcb16', status: 'SUCCESS' }, retExtInfo: {}, time: 1670986690302 } }) },
  ];

  it('balances: the unified wallet and the funding wallet', async () => {
    const { acct, sv } = await account('bybit', routes());
    expect(acct.wallets).toEqual(['unified', 'funding']);
    const b = await acct.balances();
    const unified = b.filter((x) => x.wallet === 'unified');
    expect(unified.map((x) => x.currency)).toContain('USDC');
    const btc = unified.find((x) => x.currency === 'BTC');
    expect(btc?.total).toBe(0.85581394);
    for (const x of b) expect(x.total).not.toBe(0);
    expect(b.filter((x) => x.wallet === 'funding')).toEqual([{ venue: 'bybit', wallet: 'funding', currency: 'USDT', free: 100, used: 0, total: 100 }]);
    expect(sv.stub.unmatched).toEqual([]);
  });

  it('positions: long +, short −, flat dropped', async () => {
    const { acct } = await account('bybit', routes());
    const p = await acct.positions();
    expect(p.map((x) => [x.symbol, x.contracts, x.leverage])).toEqual([
      ['LTC/USDT:USDT', 1.2, 6],
      ['BTC/USDT:USDT', -0.005, 6],
    ]);
  });

  it('funding payments: bybit execFee is what the account paid, so it is negated to "received"', async () => {
    const { acct, sv } = await account('bybit', routes());
    const f = await acct.fundingPayments('LTC/USDT:USDT', 1710800000000);
    // Fixture rows (5, newest first on the wire): long LTC at feeRate -0.000881 → execFee
    // -0.00708126 (the long was paid: +0.00708126 received); feeRate 0.0001 → execFee 0.0007797 (paid).
    expect(f).toHaveLength(5);
    expect(f.map((x) => x.ts)).toEqual([...f.map((x) => x.ts)].sort((a, b) => a - b));
    expect(f.find((x) => x.ts === 1710921600000)).toEqual({ venue: 'bybit', symbol: 'LTC/USDT:USDT', ts: 1710921600000, amount: 0.00708126, currency: 'USDT', id: '89102b18-96c4-42d2-bc26-131699036635' });
    expect(f.find((x) => x.ts === 1710892800000)?.amount).toBe(-0.0007797);
    expect(sv.stub.requests.find((u) => u.pathname.endsWith('/v5/execution/list'))?.searchParams.get('execType')).toBe('Funding');
  });

  it('transfer unified → funding uses UNIFIED → FUND', async () => {
    const { acct, sv } = await account('bybit', routes());
    const r = await acct.transfer('USDT', 10, 'unified', 'funding');
    expect(r.status).toBe('ok');
    const body = JSON.parse(sv.stub.calls.find((c) => c.url.pathname.endsWith('/inter-transfer'))?.body ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({ fromAccountType: 'UNIFIED', toAccountType: 'FUND', coin: 'USDT', amount: '10' });
  });

  it('a rejected key (10003) names the venue', async () => {
    const { acct } = await account('bybit', [{ name: 'bad key', path: '/v5/position/list', reply: () => ({ body: { retCode: 10003, retMsg: 'API key is invalid.', result: {}, retExtInfo: {}, time: 1 } }) }]);
    await expect(acct.positions()).rejects.toMatchObject({ code: 'CARRY_VENUE_AUTH', venue: 'bybit' });
  });
});
