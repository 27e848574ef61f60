/**
 * The seeded sim market: determinism, real-venue shapes, venue facts, dynamics over 30
 * simulated days, books, settlement consistency and faults.
 */
import { readFileSync } from 'node:fs';
import ccxt from 'ccxt';
import { beforeAll, describe, expect, it } from 'vitest';
import { SimClock } from '../../src/domain/clock.js';
import { CarryError } from '../../src/domain/errors.js';
import {
  createSimMarket,
  DEFAULT_SIM_ORIGIN,
  DEFAULT_SIM_START,
  SimExchange,
  SimWorld,
  type SimVenueId,
} from '../../src/venues/sim/index.js';

type Obj = Record<string, unknown>;
const H = 3_600_000;
const DAY = 24 * H;
const DATA = '/work/shared/data';

/** Every call of the scan plan plus books, history and fees, for one venue at the clock's time. */
async function everything(ex: SimExchange): Promise<Obj> {
  const out: Obj = { markets: await ex.loadMarkets() };
  const call = async (name: string, f: () => Promise<unknown>): Promise<void> => {
    try {
      out[name] = await f();
    } catch (e) {
      out[name] = `${(e as Error).constructor.name}: ${(e as Error).message}`;
    }
  };
  await call('funding', () => ex.fetchFundingRates());
  await call('intervals', () => ex.fetchFundingIntervals());
  const params: Record<SimVenueId, Obj[]> = {
    binance: [{ type: 'swap', subType: 'linear' }, {}],
    bybit: [{ type: 'swap', subType: 'linear' }, { type: 'spot' }],
    okx: [{ type: 'swap' }, {}],
    deribit: [{ code: 'BTC' }, { code: 'ETH' }, { code: 'USDC' }],
  };
  for (const [i, p] of params[ex.id].entries()) await call(`tickers${i}`, () => ex.fetchTickers(undefined, p));
  const symbols = Object.keys(out['markets'] as Obj);
  for (const s of symbols.slice(0, 3).concat(symbols.slice(-3))) await call(`book:${s}`, () => ex.fetchOrderBook(s, 20));
  const perp = symbols.find((s) => s.includes(':'));
  await call('history', () => ex.fetchFundingRateHistory(perp, undefined, 5));
  await call('fees', () => ex.fetchTradingFees());
  return out;
}

async function snapshot(seed: number, times: number[]): Promise<string[]> {
  const clock = new SimClock(times[0] as number);
  const { exchanges } = createSimMarket({ seed }, clock);
  const out: string[] = [];
  for (const t of times) {
    clock.set(t);
    for (const ex of Object.values(exchanges)) out.push(JSON.stringify(await everything(ex)));
  }
  return out;
}

describe('determinism', () => {
  const t1 = DEFAULT_SIM_START + 5 * H + 123;
  const t2 = DEFAULT_SIM_START + 9 * DAY + 7 * H + 59_999;

  it('two worlds with the same seed give byte-identical results at the same clock times', async () => {
    const a = await snapshot(42, [t1, t2]);
    const b = await snapshot(42, [t1, t2]);
    expect(a).toEqual(b);
    expect(a.join('').length).toBeGreaterThan(100_000);
  });

  it('results do not depend on the order of calls (t2 then t1 equals t1 then t2)', async () => {
    const forward = await snapshot(9, [t1, t2]);
    const clock = new SimClock(t2);
    const { world, exchanges } = createSimMarket({ seed: 9 }, clock);
    const atT2: string[] = [];
    for (const ex of Object.values(exchanges)) atT2.push(JSON.stringify(await everything(ex)));
    // Back in time: a fresh clock on the same world (a SimClock cannot go back).
    const back = new SimClock(t1);
    const atT1: string[] = [];
    for (const id of ['binance', 'bybit', 'okx', 'deribit'] as const) {
      const ex = new SimExchange(world, id, back);
      atT1.push(JSON.stringify(await everything(ex)));
    }
    expect([...atT1, ...atT2]).toEqual(forward);
  });

  it('different seeds give different markets data', async () => {
    const [a] = await snapshot(1, [t1]);
    const [b] = await snapshot(2, [t1]);
    expect(a).not.toEqual(b);
  });

  it('the state at a step does not depend on the checkpoint spacing', () => {
    const a = new SimWorld({ seed: 5, checkpointSteps: 7 });
    const b = new SimWorld({ seed: 5, checkpointSteps: 5000 });
    for (const [venue, symbol] of [['okx', 'SOL/USDT:USDT'], ['deribit', 'BTC/USD:BTC'], ['bybit', 'ETH/USDT']] as const) {
      const ia = a.venue(venue).get(symbol)!;
      const ib = b.venue(venue).get(symbol)!;
      for (const step of [9000, 30, 4321, 9000, 17]) expect(a.instrumentState(ia, step)).toEqual(b.instrumentState(ib, step));
    }
  });
});

describe('shapes against real venue data', () => {
  const tape = readFileSync(`${DATA}/tapes/bybit-2026-08-09.ndjson`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { method: string; args: unknown[]; result: Obj });
  const tapeOf = (method: string): Obj => tape.find((r) => r.method === method)!.result;
  const typesOf = (o: Obj): Record<string, string> =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v]));
  /** JSON round trip: what a tape keeps of a ccxt result (undefined keys dropped). */
  const json = (o: unknown): Obj => JSON.parse(JSON.stringify(o)) as Obj;

  let sim: Record<SimVenueId, SimExchange>;
  beforeAll(() => {
    sim = createSimMarket({ seed: 3 }, new SimClock(DEFAULT_SIM_START)).exchanges;
  });

  it('bybit markets: unified keys and raw instrument fields match the real tape, types included', async () => {
    const ours = json(await sim.bybit.loadMarkets());
    const real = tapeOf('loadMarkets');
    for (const kind of ['BTC/USDT:USDT', 'BTC/USDT']) {
      const r = real[kind] as Obj;
      const o = ours[kind] as Obj;
      expect(typesOf(o)).toEqual(typesOf(r));
      expect(typesOf(o['info'] as Obj)).toEqual(typesOf(r['info'] as Obj));
      expect(Object.keys(o['limits'] as Obj)).toEqual(Object.keys(r['limits'] as Obj));
    }
  });

  it('bybit funding rates, tickers and books have the tape\u2019s keys and types', async () => {
    const fr = json(await sim.bybit.fetchFundingRates())['BTC/USDT:USDT'] as Obj;
    const realFr = tapeOf('fetchFundingRates')['BTC/USDT:USDT'] as Obj;
    expect(typesOf(fr)).toEqual(typesOf(realFr));
    const realInfo = realFr['info'] as Obj;
    for (const k of Object.keys(realInfo)) expect(typeof (fr['info'] as Obj)[k], k).toBe(typeof realInfo[k]);

    const tk = json(await sim.bybit.fetchTickers(undefined, { type: 'swap', subType: 'linear' }))['ETH/USDT:USDT'] as Obj;
    const realTk = tapeOf('fetchTickers')['ETH/USDT:USDT'] as Obj;
    expect(typesOf(tk)).toEqual(typesOf(realTk));
    const spot = json(await sim.bybit.fetchTickers(undefined, { type: 'spot' }))['ETH/USDT'] as Obj;
    const realSpot = tapeOf('fetchTickers')['ETH/USDT'] as Obj;
    // The tape's spot tickers came from a stream without top of book; REST adds bid/ask.
    for (const k of Object.keys(realSpot)) expect(typeof spot[k], k).toBe(typeof realSpot[k]);
    for (const k of Object.keys(realSpot['info'] as Obj)) expect(typeof (spot['info'] as Obj)[k], k).toBe('string');

    const book = json(await sim.bybit.fetchOrderBook('BTC/USDT:USDT', 200));
    const realBook = tape.find((r) => r.method === 'fetchOrderBook')!.result;
    expect(typesOf(book)).toEqual(typesOf(realBook));
    expect((book['bids'] as unknown[]).length).toBe(200);
  });

  it('binance, okx and deribit raw instruments carry every field of the ccxt fixtures', async () => {
    const fixture = (v: string): Record<string, Obj> =>
      JSON.parse(readFileSync(`${DATA}/ccxt-static/markets/${v}.json`, 'utf8')) as Record<string, Obj>;
    const pairs: Array<[SimVenueId, string, string]> = [
      ['binance', 'BTC/USDT:USDT', 'BTC/USDT:USDT'],
      ['binance', 'BTC/USDT', 'BTC/USDT'],
      ['okx', 'BTC/USDT:USDT', 'BTC/USDT:USDT'],
      ['okx', 'BTC/USDT', 'BTC/USDT'],
      ['deribit', 'BTC/USDC:USDC', 'BTC/USDT:USDT'],
    ];
    for (const [venue, ours, theirs] of pairs) {
      const info = ((await sim[venue].loadMarkets()) as unknown as Record<string, Obj>)[ours]!['info'] as Obj;
      const real = fixture(venue)[theirs]!['info'] as Obj;
      const missing = Object.keys(real).filter((k) => !(k in info));
      expect(missing, `${venue} ${ours}`).toEqual([]);
    }
  });
});

describe('venue facts the adapter depends on', () => {
  let sim: Record<SimVenueId, SimExchange>;
  let clock: SimClock;
  beforeAll(() => {
    clock = new SimClock(DEFAULT_SIM_START + 2 * H + 30 * 60_000);
    sim = createSimMarket({ seed: 11 }, clock).exchanges;
  });

  it('binance: premiumIndex has no interval; fundingInfo lists exactly the adjusted symbols, all non-8h among them', async () => {
    const rates = await sim.binance.fetchFundingRates();
    const intervals = await sim.binance.fetchFundingIntervals();
    expect(Object.values(rates).every((r) => r.interval === undefined)).toBe(true);
    const listed = Object.values(intervals).map((i) => i.interval);
    expect(listed).toContain('8h'); // adjusted caps, default interval: still listed
    expect(listed.some((i) => i === '4h' || i === '1h')).toBe(true);
    expect(Object.keys(intervals).length).toBeLessThan(Object.keys(rates).length);
    for (const [s, r] of Object.entries(rates)) {
      const hours = intervals[s]?.interval ?? '8h';
      // The next funding time must sit on that interval's UTC grid.
      expect((r.fundingTimestamp as number) % (Number.parseInt(hours, 10) * H), s).toBe(0);
      expect(r.fundingTimestamp as number).toBeGreaterThan(clock.now());
    }
  });

  it('bybit: interval comes from market info.fundingInterval in minutes', async () => {
    const markets = await sim.bybit.loadMarkets();
    const rates = await sim.bybit.fetchFundingRates();
    const seen = new Set<string>();
    for (const [s, r] of Object.entries(rates)) {
      const minutes = (markets[s]!.info as Obj)['fundingInterval'];
      expect(typeof minutes).toBe('number');
      expect(r.interval).toBe(`${(minutes as number) / 60}h`);
      seen.add(r.interval as string);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('okx: interval equals nextFundingTimestamp - fundingTimestamp, both on the UTC grid', async () => {
    const rates = await sim.okx.fetchFundingRates();
    for (const r of Object.values(rates)) {
      const ms = Number.parseInt(r.interval as string, 10) * H;
      expect((r.nextFundingTimestamp as number) - (r.fundingTimestamp as number)).toBe(ms);
      expect((r.fundingTimestamp as number) % ms).toBe(0);
      expect(r.fundingTimestamp as number).toBeGreaterThan(clock.now());
      expect(r.markPrice).toBeUndefined();
    }
  });

  it('deribit: {code} returns that currency\u2019s instruments with funding_8h, current_funding and the index', async () => {
    const btc = await sim.deribit.fetchTickers(undefined, { code: 'BTC' });
    const usdc = await sim.deribit.fetchTickers(undefined, { code: 'USDC' });
    expect(Object.keys(btc).sort()).toEqual(['BTC/USD:BTC', 'BTC/USDC']);
    expect(Object.keys(usdc).every((s) => s.endsWith('/USDC:USDC'))).toBe(true);
    const info = btc['BTC/USD:BTC']!.info as Obj;
    for (const k of ['funding_8h', 'current_funding', 'mark_price', 'estimated_delivery_price']) expect(typeof info[k], k).toBe('number');
    expect(info['instrument_name']).toBe('BTC-PERPETUAL');
    expect(btc['BTC/USD:BTC']!.indexPrice).toBeUndefined(); // book summaries carry no index_price
    expect(await sim.deribit.fetchTickers(undefined, { code: 'USDT' })).toEqual({});
    await expect(sim.deribit.fetchTickers()).rejects.toBeInstanceOf(ccxt.ArgumentsRequired);
    await expect(sim.deribit.fetchFundingRates()).rejects.toBeInstanceOf(ccxt.NotSupported);
  });

  it('contract specs: deribit inverse (USD amounts), okx contracts of ctVal, linear contractSize 1', async () => {
    const d = await sim.deribit.loadMarkets();
    expect(d['BTC/USD:BTC']).toMatchObject({ id: 'BTC-PERPETUAL', inverse: true, contractSize: 10, precision: { amount: 10 } });
    expect(d['ETH/USD:ETH']).toMatchObject({ id: 'ETH-PERPETUAL', inverse: true, contractSize: 1 });
    expect(d['BTC/USDC:USDC']).toMatchObject({ linear: true, settle: 'USDC' });
    expect(d['BTC/USDC']).toMatchObject({ spot: true, margin: false });
    const book = await sim.deribit.fetchOrderBook('BTC/USD:BTC', 50);
    for (const [, amount] of [...book.bids, ...book.asks]) expect((amount as number) % 10).toBe(0);
    const o = await sim.okx.loadMarkets();
    expect(o['BTC/USDT:USDT']).toMatchObject({ id: 'BTC-USDT-SWAP', contractSize: 0.01, precision: { amount: 0.01 } });
    expect(o['DOGE/USDT:USDT']).toMatchObject({ contractSize: 1000 });
    const b = await sim.binance.loadMarkets();
    expect(b['BTC/USDT:USDT']).toMatchObject({ contractSize: 1, precision: { amount: 0.001 }, limits: { amount: { min: 0.001 } } });
    expect(b['ETH/USDT:USDT']!.precision.amount).toBe(0.001);
    expect((await sim.bybit.loadMarkets())['ETH/USDT:USDT']!.precision.amount).toBe(0.01);
  });

  it('fees are each venue\u2019s ccxt defaults', async () => {
    const b = await sim.binance.loadMarkets();
    expect([b['BTC/USDT']!.taker, b['BTC/USDT']!.maker, b['BTC/USDT:USDT']!.taker, b['BTC/USDT:USDT']!.maker]).toEqual([0.001, 0.001, 0.0005, 0.0002]);
    const y = await sim.bybit.loadMarkets();
    expect([y['BTC/USDT']!.taker, y['BTC/USDT:USDT']!.taker, y['BTC/USDT:USDT']!.maker]).toEqual([0.001, 0.0006, 0.0001]);
    const o = await sim.okx.loadMarkets();
    expect([o['BTC/USDT']!.taker, o['BTC/USDT']!.maker, o['BTC/USDT:USDT']!.taker, o['BTC/USDT:USDT']!.maker]).toEqual([0.0015, 0.001, 0.0005, 0.0002]);
    await expect(sim.okx.fetchTradingFees()).rejects.toBeInstanceOf(ccxt.NotSupported);
  });

  it('not every coin everywhere: perps without spot, spot without borrow, minimum sizes', async () => {
    const m = { bybit: await sim.bybit.loadMarkets(), okx: await sim.okx.loadMarkets(), binance: await sim.binance.loadMarkets() };
    const perpOnly = (v: keyof typeof m): string[] =>
      Object.values(m[v]).filter((x) => x.swap && !m[v][`${x.base}/${x.quote}`]).map((x) => x.symbol);
    expect(perpOnly('bybit').length + perpOnly('okx').length).toBeGreaterThan(0);
    expect(Object.values(m.binance).some((x) => x.spot && x.margin === false)).toBe(true);
    expect(Object.values(m.binance).some((x) => x.spot && x.margin === true)).toBe(true);
    for (const x of Object.values(m.binance)) expect(x.limits.amount?.min).toBeGreaterThan(0);
  });

  it('fetchTickers honours the plan\u2019s params', async () => {
    const spot = Object.keys(await sim.binance.fetchTickers());
    const swap = Object.keys(await sim.binance.fetchTickers(undefined, { type: 'swap', subType: 'linear' }));
    expect(spot.every((s) => !s.includes(':')) && swap.every((s) => s.endsWith(':USDT'))).toBe(true);
    const bySpot = Object.keys(await sim.bybit.fetchTickers(undefined, { type: 'spot' }));
    const byLin = Object.keys(await sim.bybit.fetchTickers(undefined, { type: 'swap', subType: 'linear' }));
    expect(bySpot.every((s) => !s.includes(':')) && byLin.every((s) => s.endsWith(':USDT'))).toBe(true);
    expect(Object.keys(await sim.bybit.fetchTickers())).toEqual(byLin); // bybit defaults to linear swaps
    const okSwap = await sim.okx.fetchTickers(undefined, { type: 'swap' });
    expect(Object.values(okSwap).every((t) => t.quoteVolume === undefined)).toBe(true); // ccxt reads volCcy24h for spot only
    await expect(sim.binance.fetchOrderBook('NOPE/USDT:USDT', 5)).rejects.toBeInstanceOf(ccxt.BadSymbol);
    await expect(sim.binance.fetchOrderBook('BTC/USDT:USDT', 200)).rejects.toBeInstanceOf(ccxt.BadRequest); // fapi depth limits
  });
});

describe('dynamics over 30 simulated days', () => {
  const world = new SimWorld({ seed: 2024 });
  const perps = (['binance', 'bybit', 'okx', 'deribit'] as const).flatMap((v) =>
    [...world.venue(v).values()].filter((i) => i.spec.kind === 'perp'),
  );
  /** Hourly samples of the 8h-equivalent rate and the basis for every perp. */
  const series = perps.map((inst) => {
    const rate: number[] = [];
    const basisBps: number[] = [];
    for (let t = DEFAULT_SIM_START; t < DEFAULT_SIM_START + 30 * DAY; t += H) {
      const q = world.instrumentState(inst, world.stepAt(t));
      rate.push((q.rate * 8) / inst.spec.intervalHours);
      basisBps.push((q.mark / q.index - 1) * 1e4);
    }
    return { inst, rate, basisBps };
  });

  it('funding flips sign, has negative stretches and spikes, typical magnitude ~0.01%/8h', () => {
    const flips = series.map(({ rate }) => rate.slice(1).filter((r, i) => r < 0 !== (rate[i] as number) < 0).length);
    expect(flips.filter((f) => f > 0).length).toBeGreaterThan(perps.length / 3);
    const all = series.flatMap((s) => s.rate);
    const sorted = [...all].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] as number;
    expect(median).toBeGreaterThan(0);
    expect(median).toBeLessThan(0.0005);
    expect(all.filter((r) => r < 0).length / all.length).toBeGreaterThan(0.03);
    expect(Math.max(...all.map(Math.abs))).toBeGreaterThan(0.001);
    // Binance/Bybit stick at the 0.01% interest rate a good part of the time on BTC.
    const btc = series.find((s) => s.inst.spec.venue === 'binance' && s.inst.spec.base === 'BTC')!.rate;
    expect(btc.filter((r) => Math.abs(r - 0.0001) < 1e-12).length / btc.length).toBeGreaterThan(0.2);
  });

  it('funding mean-reverts: strongly persistent hour to hour, much less after five days', () => {
    const autocorr = (lag: number): number => {
      let num = 0;
      let den = 0;
      for (const { rate } of series) {
        const mean = rate.reduce((a, b) => a + b, 0) / rate.length;
        for (let i = 0; i < rate.length; i++) {
          const d = (rate[i] as number) - mean;
          den += d * d;
          if (i + lag < rate.length) num += d * ((rate[i + lag] as number) - mean);
        }
      }
      return num / den;
    };
    expect(autocorr(1)).toBeGreaterThan(0.9);
    expect(autocorr(5 * 24)).toBeLessThan(0.5);
  });

  it('mark and index stay within a few tens of bps of each other; spot tracks the perp', () => {
    const allBasis = series.flatMap((s) => s.basisBps.map(Math.abs));
    expect(Math.max(...allBasis)).toBeLessThan(100);
    const sorted = [...allBasis].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length * 0.9)]).toBeLessThan(30);
    const btcPerp = world.venue('binance').get('BTC/USDT:USDT')!;
    const btcSpot = world.venue('binance').get('BTC/USDT')!;
    for (let t = DEFAULT_SIM_START; t < DEFAULT_SIM_START + 30 * DAY; t += 7 * H) {
      const s = world.instrumentState(btcSpot, world.stepAt(t));
      const p = world.instrumentState(btcPerp, world.stepAt(t));
      expect(Math.abs(p.mid / s.mid - 1)).toBeLessThan(0.005);
    }
  });

  it('prices move like crypto: BTC daily log-returns with a realistic volatility', () => {
    const btc = world.venue('binance').get('BTC/USDT')!;
    const daily: number[] = [];
    let prev = world.instrumentState(btc, world.stepAt(DEFAULT_SIM_START)).price;
    for (let d = 1; d <= 30; d++) {
      const p = world.instrumentState(btc, world.stepAt(DEFAULT_SIM_START + d * DAY)).price;
      daily.push(Math.log(p / prev));
      prev = p;
    }
    const sd = Math.sqrt(daily.reduce((a, r) => a + r * r, 0) / daily.length) * Math.sqrt(365);
    expect(sd).toBeGreaterThan(0.2);
    expect(sd).toBeLessThan(1.2);
  });
});

describe('order books', () => {
  const clock = new SimClock(DEFAULT_SIM_START + 13 * H);
  const { exchanges } = createSimMarket({ seed: 77 }, clock);

  it('are sorted, uncrossed, on the tick and lot grid, with size growing away from the mid', async () => {
    for (const ex of Object.values(exchanges)) {
      const markets = await ex.loadMarkets();
      for (const m of Object.values(markets)) {
        const limit = ex.id === 'binance' && m.swap ? 500 : 200;
        const b = await ex.fetchOrderBook(m.symbol, limit);
        expect(b.bids.length, m.symbol).toBe(limit);
        expect((b.bids[0]![0] as number) < (b.asks[0]![0] as number), m.symbol).toBe(true);
        const tick = m.precision.price as number;
        const lot = m.precision.amount as number;
        for (let i = 1; i < b.bids.length; i++) expect(b.bids[i]![0]! < b.bids[i - 1]![0]!).toBe(true);
        for (let i = 1; i < b.asks.length; i++) expect(b.asks[i]![0]! > b.asks[i - 1]![0]!).toBe(true);
        const onGrid = (x: number, step: number): boolean => Math.abs(x / step - Math.round(x / step)) <= 1e-9 * Math.max(1, x / step);
        for (const [p, a] of [...b.bids, ...b.asks]) {
          expect(onGrid(p as number, tick), `${m.symbol} price ${p}`).toBe(true);
          expect(onGrid(a as number, lot), `${m.symbol} amount ${a}`).toBe(true);
          expect(a as number).toBeGreaterThanOrEqual(m.limits.amount?.min as number);
        }
        // Depth grows away from the mid: the outer half of the levels holds more than the inner half.
        const size = (ls: typeof b.bids): number => ls.reduce((s, l) => s + (l[0] as number) * (l[1] as number), 0);
        const half = Math.floor(b.bids.length / 2);
        expect(size(b.bids.slice(half)), m.symbol).toBeGreaterThan(size(b.bids.slice(1, half)));
      }
    }
  });

  it('are deep on BTC and thin on small caps; spreads are a tick or a few bps', async () => {
    const depth10 = async (ex: SimExchange, s: string): Promise<number> => {
      const b = await ex.fetchOrderBook(s, 500);
      const mid = ((b.bids[0]![0] as number) + (b.asks[0]![0] as number)) / 2;
      return b.bids.filter((l) => (l[0] as number) >= mid * 0.999).reduce((a, l) => a + (l[0] as number) * (l[1] as number), 0);
    };
    const btc = await depth10(exchanges.bybit, 'BTC/USDT:USDT');
    const trx = await depth10(exchanges.bybit, 'TRX/USDT:USDT');
    expect(btc).toBeGreaterThan(1_000_000);
    expect(trx).toBeLessThan(btc / 20);
    const b = await exchanges.binance.fetchOrderBook('BTC/USDT:USDT', 5);
    expect((b.asks[0]![0] as number) - (b.bids[0]![0] as number)).toBeLessThan(0.35);
  });

  it('tickers show the same top of book as the book at that step', async () => {
    const t = await exchanges.okx.fetchTickers(undefined, { type: 'swap' });
    const b = await exchanges.okx.fetchOrderBook('ETH/USDT:USDT', 5);
    expect(t['ETH/USDT:USDT']!.bid).toBe(b.bids[0]![0]);
    expect(t['ETH/USDT:USDT']!.ask).toBe(b.asks[0]![0]);
  });
});

describe('funding settles what was quoted just before', () => {
  it.each(['binance', 'bybit', 'okx'] as const)('%s: the last quote before each settlement equals the history row', async (venue) => {
    const clock = new SimClock(DEFAULT_SIM_START);
    const { exchanges } = createSimMarket({ seed: 31 }, clock);
    const ex = exchanges[venue];
    const quotes = new Map<string, Map<number, number>>();
    for (let i = 0; i < 48; i++) {
      clock.set(DEFAULT_SIM_START + (i + 1) * H - 60_000); // last minute before each hour
      for (const [s, r] of Object.entries(await ex.fetchFundingRates())) {
        if (!quotes.has(s)) quotes.set(s, new Map());
        quotes.get(s)!.set(r.fundingTimestamp as number, r.fundingRate as number);
      }
    }
    clock.set(DEFAULT_SIM_START + 48 * H + 1);
    let compared = 0;
    for (const [s, byTime] of quotes) {
      const rows = await ex.fetchFundingRateHistory(s, DEFAULT_SIM_START, 100);
      for (const row of rows) {
        if (!byTime.has(row.timestamp) || row.timestamp > clock.now()) continue;
        // OKX realizedRate is printed with 8 decimals, the quote with 16.
        expect(row.fundingRate, `${s} ${new Date(row.timestamp).toISOString()}`).toBeCloseTo(byTime.get(row.timestamp)!, 8);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20);
  });

  it('deribit: hourly history rows agree with the trailing funding_8h of the ticker', async () => {
    const clock = new SimClock(DEFAULT_SIM_START + 20 * H - 1);
    const { exchanges } = createSimMarket({ seed: 31 }, clock);
    const live = (await exchanges.deribit.fetchTickers(undefined, { code: 'BTC' }))['BTC/USD:BTC']!.info as Obj;
    clock.set(DEFAULT_SIM_START + 20 * H);
    const rows = await exchanges.deribit.fetchFundingRateHistory('BTC/USD:BTC', DEFAULT_SIM_START + 10 * H);
    const last = rows.at(-1)!;
    expect(last.timestamp).toBe(DEFAULT_SIM_START + 20 * H);
    expect(last.fundingRate).toBeCloseTo(live['funding_8h'] as number, 7);
    const i1 = rows.slice(-8).reduce((s, r) => s + ((r.info as Obj)['interest_1h'] as number), 0);
    expect(i1).toBeCloseTo(last.fundingRate, 9);
  });
});

describe('faults', () => {
  const t0 = DEFAULT_SIM_START + 3 * H;

  it('throws ccxt\u2019s own error classes', async () => {
    const clock = new SimClock(t0);
    const { exchanges } = createSimMarket({ seed: 1 }, clock, {
      binance: { timeoutRate: 1 },
      bybit: { rateLimitRate: 1 },
      okx: { unavailableRate: 1 },
      deribit: { maintenance: { everyHours: 24, durationMinutes: 60, offsetHours: 3 } },
    });
    await expect(exchanges.binance.fetchFundingRates()).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    await expect(exchanges.bybit.fetchFundingRates()).rejects.toBeInstanceOf(ccxt.RateLimitExceeded);
    await expect(exchanges.okx.fetchFundingRates()).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    await expect(exchanges.deribit.fetchTickers(undefined, { code: 'BTC' })).rejects.toBeInstanceOf(ccxt.OnMaintenance);
    clock.set(t0 + 61 * 60_000);
    await expect(exchanges.deribit.fetchTickers(undefined, { code: 'BTC' })).resolves.toBeDefined();
  });

  it('fail at the configured rate, identically for the same seed, and differently after a backoff', async () => {
    const run = async (seed: number): Promise<boolean[]> => {
      const clock = new SimClock(t0);
      const { exchanges } = createSimMarket({ seed }, clock, { bybit: { timeoutRate: 0.2, rateLimitRate: 0.1 } });
      const out: boolean[] = [];
      for (let i = 0; i < 400; i++) {
        clock.advance(1_000);
        out.push(await exchanges.bybit.fetchTickers(undefined, { type: 'swap' }).then(() => true, () => false));
      }
      return out;
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
    const failed = a.filter((ok) => !ok).length / a.length;
    expect(failed).toBeGreaterThan(0.2);
    expect(failed).toBeLessThan(0.4);
  });

  it('garbage is malformed data, never a thrown error, and never leaks into clean results', async () => {
    const clock = new SimClock(t0);
    const world = new SimWorld({ seed: 8 });
    const dirty = new SimExchange(world, 'binance', clock, { garbageRate: 1 });
    const clean = new SimExchange(world, 'binance', clock);
    const bad = Object.values(await dirty.fetchFundingRates());
    expect(bad.every((r) => typeof r.fundingRate !== 'number' || Number.isNaN(r.fundingRate) || r.markPrice === undefined)).toBe(true);
    const good = Object.values(await clean.fetchFundingRates());
    expect(good.every((r) => typeof r.fundingRate === 'number' && Number.isFinite(r.fundingRate) && (r.markPrice as number) > 0)).toBe(true);
    const book = await dirty.fetchOrderBook('BTC/USDT:USDT', 20);
    const crossed = book.bids.length > 0 && book.asks.length > 0 && (book.bids[0]![0] as number) >= (book.asks[0]![0] as number);
    const broken = book.bids.length === 0 || crossed || [...book.bids, ...book.asks].some((l) => !((l[1] as number) > 0));
    expect(broken).toBe(true);
    const m = await dirty.loadMarkets();
    expect(Object.values(m).some((x) => x.precision.amount === undefined || x.contractSize === undefined)).toBe(true);
    const cm = await clean.loadMarkets();
    expect(Object.values(cm).every((x) => x.precision.amount !== undefined)).toBe(true);
  });
});

describe('options and errors', () => {
  it('builds a 100-coin world for benchmarks', () => {
    const w = new SimWorld({ seed: 1, bases: 100 });
    expect(w.coins.length).toBe(100);
    expect(w.venue('binance').size).toBeGreaterThan(180);
  });
  it('rejects bad options and clock times before the origin with clear errors', async () => {
    expect(() => new SimWorld({ seed: -1 })).toThrow(/seed/);
    expect(() => new SimWorld({ seed: 1, bases: 0 })).toThrow(/bases/);
    expect(() => new SimWorld({ seed: 1, stepMs: 7_000 })).toThrow(/stepMs/);
    expect(() => new SimExchange(new SimWorld({ seed: 1 }), 'kraken', new SimClock(DEFAULT_SIM_START))).toThrow(CarryError);
    const early = new SimExchange(new SimWorld({ seed: 1 }), 'okx', new SimClock(DEFAULT_SIM_ORIGIN - 1));
    await expect(early.fetchFundingRates()).rejects.toMatchObject({ code: 'CARRY_INPUT_INVALID', message: expect.stringMatching(/before the sim origin/) });
  });
});
