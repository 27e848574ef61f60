/**
 * The sim's fetchCrossBorrowRate against real ccxt 4.5.84: the sim's raw record (`info`) served
 * to a real ccxt instance through its `fetch` seam must parse into exactly what the sim returned
 * (keys, key order, undefined keys, values), for a lent coin and for one the venue does not lend.
 * Plus the rate model: deterministic, in its band, majors cheaper; Deribit not supported.
 */
import ccxt from 'ccxt';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimClock } from '../../src/domain/clock.js';
import { CcxtVenue } from '../../src/venues/ccxt-venue.js';
import { profileFor } from '../../src/venues/profiles.js';
import { createSimMarket, DEFAULT_SIM_START, SimExchange, SimWorld } from '../../src/venues/sim/index.js';
import { SimBorrowRates } from '../../src/venues/sim/borrow.js';

type Obj = Record<string, unknown>;
type Ex = Obj & Record<string, (...a: unknown[]) => Promise<unknown>>;

const SEED = 7;
const AT = DEFAULT_SIM_START + 5 * 3_600_000 + 1_234;

/** Same value, same keys in the same order (undefined-valued keys included), recursively. */
function expectSameShape(actual: unknown, expected: unknown): void {
  expect(actual).toStrictEqual(expected);
  const walk = (a: unknown, e: unknown, path: string): void => {
    if (e === null || typeof e !== 'object' || a === null || typeof a !== 'object') return;
    expect(Object.keys(a as Obj), `key order at ${path}`).toEqual(Object.keys(e as Obj));
    for (const k of Object.keys(e as Obj)) walk((a as Obj)[k], (e as Obj)[k], `${path}.${k}`);
  };
  walk(actual, expected, '$');
}

/** A real ccxt instance with the sim's markets, (fake) keys for private endpoints, and HTTP from `route`. */
async function realCcxt(id: 'binance' | 'bybit' | 'okx', markets: Record<string, Obj>, route: (url: URL) => unknown): Promise<Ex> {
  const Ctor = (ccxt as unknown as Record<string, new (o: Obj) => Ex>)[id]!;
  const ex = new Ctor({ enableRateLimit: false, apiKey: 'k', secret: 's', password: 'p', options: { fetchCurrencies: false, fetchMargins: false } });
  // Markets as the sim lists them; ccxt derives its currencies from them (fetchCurrencies off), as carry runs it.
  (ex['setMarkets'] as unknown as (m: unknown) => void)(Object.values(markets));
  ex['fetch'] = async (url: unknown): Promise<unknown> => {
    const r = route(new URL(String(url)));
    if (r === undefined) throw new Error(`unmocked ${String(url)}`);
    return structuredClone(r);
  };
  return ex;
}

/** The venue's HTTP body that carries this sim result's raw record (the inverse of ccxt's parse). */
function rawBody(id: 'binance' | 'bybit' | 'okx', res: Obj): unknown {
  const info = res['info'] as Obj | undefined;
  if (id === 'binance') return info === undefined ? [] : [info];
  if (id === 'okx') return { code: '0', msg: '', data: info === undefined || Object.keys(info).length === 0 ? [] : [info] };
  const { timestamp, ...coin } = info as Obj;
  const list = Object.keys(coin).length === 0 ? [] : [coin];
  return { retCode: 0, retMsg: 'success', result: { vipCoinList: [{ list, vipLevel: 'No VIP' }] }, retExtInfo: '{}', time: timestamp };
}

const PATHS = {
  binance: '/sapi/v1/margin/interestRateHistory',
  bybit: '/v5/spot-margin-trade/data',
  okx: '/api/v5/account/interest-rate',
} as const;

describe.each(['binance', 'bybit', 'okx'] as const)('%s fetchCrossBorrowRate vs real ccxt', (id) => {
  let sim: SimExchange;
  let ex: Ex;
  let body: unknown;
  const urls: URL[] = [];
  let notLent: string;

  beforeAll(async () => {
    const clock = new SimClock(AT);
    const world = new SimWorld({ seed: SEED });
    sim = new SimExchange(world, id, clock);
    const markets = (await sim.loadMarkets()) as unknown as Record<string, Obj>;
    ex = await realCcxt(id, markets, (url) => {
      urls.push(url);
      return url.pathname === PATHS[id] ? body : undefined;
    });
    const spec = [...world.venue(id).values()].map((i) => i.spec).find((s) => s.kind === 'spot' && !s.marginable);
    if (spec === undefined) throw new Error(`seed ${SEED} has no unlent spot on ${id}`);
    notLent = spec.base;
  });

  it.each(['BTC', 'ETH', 'DOGE', 'USDT'])('%s: ccxt parses the sim record into exactly the sim result', async (code) => {
    const ours = (await sim.fetchCrossBorrowRate(code)) as unknown as Obj;
    expect(typeof ours['rate']).toBe('number');
    body = rawBody(id, ours);
    expectSameShape(ours, await ex['fetchCrossBorrowRate']!(code));
    expect(urls.at(-1)?.pathname).toBe(PATHS[id]);
  });

  it('a coin the venue does not lend: the empty answer, which ccxt parses to an undefined rate', async () => {
    const ours = (await sim.fetchCrossBorrowRate(notLent)) as unknown as Obj;
    expect(ours['rate']).toBeUndefined();
    body = rawBody(id, ours);
    expectSameShape(ours, await ex['fetchCrossBorrowRate']!(notLent));
  });

  it('an unknown currency: ccxt ExchangeError, as ccxt.currency() throws', async () => {
    await expect(sim.fetchCrossBorrowRate('NOPE')).rejects.toBeInstanceOf(ccxt.ExchangeError);
    await expect(ex['fetchCrossBorrowRate']!('NOPE')).rejects.toBeInstanceOf(ccxt.ExchangeError);
  });
});

describe('sim borrow rate model', () => {
  const world = new SimWorld({ seed: SEED });
  const step = (t: number): number => world.stepAt(t);

  it('is a pure function of seed, venue, coin and hour', async () => {
    const a = createSimMarket({ seed: SEED }, new SimClock(AT)).exchanges;
    const b = createSimMarket({ seed: SEED }, new SimClock(AT)).exchanges;
    for (const v of ['binance', 'bybit', 'okx'] as const) {
      expect(JSON.stringify(await a[v]!.fetchCrossBorrowRate('ETH'))).toBe(JSON.stringify(await b[v]!.fetchCrossBorrowRate('ETH')));
    }
    const rates = new SimBorrowRates(world, 'binance');
    const hour = Math.floor(AT / 3_600_000) * 3_600_000;
    expect(rates.apr('SOL', step(hour))).toBe(rates.apr('SOL', step(hour + 3_599_000)));
    const other = createSimMarket({ seed: SEED + 1 }, new SimClock(AT)).exchanges;
    expect((await other['binance']!.fetchCrossBorrowRate('SOL')).rate).not.toBe((await a['binance']!.fetchCrossBorrowRate('SOL')).rate);
  });

  it('stays within 3-25 % a year, moves from hour to hour, majors cheaper than small caps', () => {
    for (const v of ['binance', 'bybit', 'okx'] as const) {
      const rates = new SimBorrowRates(world, v);
      const btc: number[] = [];
      const dot: number[] = [];
      for (let h = 0; h < 48; h++) {
        const s = step(DEFAULT_SIM_START + h * 3_600_000);
        btc.push(rates.apr('BTC', s));
        dot.push(rates.apr('DOT', s));
      }
      for (const x of [...btc, ...dot]) expect(x >= 0.03 && x <= 0.25).toBe(true);
      expect(new Set(btc).size).toBeGreaterThan(40);
      expect(Math.max(...btc)).toBeLessThan(0.0661); // tier 1 band 3-6 %, ±10 %
      expect(Math.min(...dot)).toBeGreaterThan(0.108); // tier 4 band 12-25 %, −10 %
    }
  });

  it('deribit: ccxt.NotSupported, as real ccxt (no borrow on Deribit); the adapter refuses before calling', async () => {
    const clock = new SimClock(AT);
    const sim = new SimExchange(world, 'deribit', clock);
    await expect(sim.fetchCrossBorrowRate('BTC')).rejects.toBeInstanceOf(ccxt.NotSupported);
    const Ctor = (ccxt as unknown as Record<string, new () => Ex>)['deribit']!;
    expect((new Ctor() as unknown as { has: Obj }).has['fetchCrossBorrowRate']).toBe(false);
    await expect(new CcxtVenue(sim, profileFor('deribit'), clock).fetchBorrowApr('BTC')).rejects.toMatchObject({ code: 'CARRY_VENUE_NOT_SUPPORTED' });
  });

  it('garbage faults reach the adapter as skip errors, never as a 0 % rate', async () => {
    const clock = new SimClock(AT);
    const sim = new SimExchange(world, 'bybit', clock, { garbageRate: 1 });
    const venue = new CcxtVenue(sim, profileFor('bybit'), clock);
    await venue.loadMarkets();
    const outcomes = new Set<string>();
    for (const code of ['BTC', 'ETH', 'SOL', 'XRP', 'DOGE', 'BNB', 'LTC', 'DOT']) {
      const r = await venue.fetchBorrowApr(code).then(
        (apr) => `apr ${apr}`,
        (e: { code?: string }) => e.code ?? 'unknown',
      );
      outcomes.add(r);
    }
    expect([...outcomes]).toEqual(['CARRY_VENUE_BAD_RESPONSE']);
  });

  it('through the adapter: the APR is the venue rate × periods per year', async () => {
    const clock = new SimClock(AT);
    for (const [v, perYear] of [['binance', 365], ['bybit', 8760], ['okx', 8760]] as const) {
      const sim = new SimExchange(world, v, clock);
      const venue = new CcxtVenue(sim, profileFor(v), clock);
      await venue.loadMarkets();
      const raw = (await sim.fetchCrossBorrowRate('ETH')).info as Obj;
      const text = (v === 'binance' ? raw['dailyInterestRate'] : v === 'bybit' ? raw['hourlyBorrowRate'] : raw['interestRate']) as string;
      expect(await venue.fetchBorrowApr('ETH')).toBeCloseTo(Number(text) * perYear, 14);
    }
  });
});
