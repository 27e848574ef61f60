/**
 * Cross-margin borrow rates of the sim venues (`fetchCrossBorrowRate`), in ccxt 4.5.84's unified
 * CrossBorrowRate shape for each venue, with the venue's raw record in `info`:
 * - binance: one row of sapi margin/interestRateHistory, `dailyInterestRate` (period 1 day)
 * - bybit: the coin row of v5/spot-margin-trade/data ("No VIP"), `hourlyBorrowRate` (period 1 h),
 *   `timestamp` = the response's `time` (ccxt writes it into the row)
 * - okx: one row of account/interest-rate, `interestRate` hourly (period 1 h), no time
 * (binance.js / bybit.js / okx.js fetchCrossBorrowRate + parseBorrowRate.) Deribit has no borrow
 * in ccxt: SimExchange throws NotSupported there.
 *
 * The APR is a pure function of (seed, venue, currency, UTC hour of the world step): a level per
 * venue and coin in its tier's band (majors cheapest: 3-6 % a year for BTC/ETH, up to 12-25 % for
 * small caps, 4-9 % for stablecoins), moved ±10 % each hour, always within 3-25 %. A coin whose
 * spot the venue does not lend (the seed's "no margin" role) gets the venue's empty answer, which
 * ccxt parses to an undefined rate.
 */
import ccxt from 'ccxt';
import type { CcxtCrossBorrowRate } from '../ccxt-calls.js';
import { iso } from './ccxt-shapes.js';
import { formatUnits, roundTo } from './decimal.js';
import type { FaultPlan } from './faults.js';
import type { SimVenueId } from './instruments.js';
import { streamKey, uniform } from './prng.js';
import { trimZeros, venueTime, type CallContext } from './venue-common.js';
import type { SimWorld } from './world.js';

type Obj = Record<string, unknown>;
export type BorrowVenueId = Exclude<SimVenueId, 'deribit'>;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const HOURS_PER_YEAR = 8760;
const MIN_APR = 0.03;
const MAX_APR = 0.25;
/** APR band per coin tier (1 = BTC/ETH … 4 = small caps); stablecoins have their own. */
const TIER_BAND: Readonly<Record<1 | 2 | 3 | 4, readonly [number, number]>> = {
  1: [0.03, 0.06],
  2: [0.05, 0.1],
  3: [0.08, 0.16],
  4: [0.12, 0.25],
};
const STABLE_BAND: readonly [number, number] = [0.04, 0.09];

export function isBorrowVenue(id: SimVenueId): id is BorrowVenueId {
  return id !== 'deribit';
}

interface Currency {
  readonly band: readonly [number, number];
  /** The venue lends it (spot marginable there; quote currencies always). */
  readonly lendable: boolean;
  readonly tier: 1 | 2 | 3 | 4 | null;
}

export class SimBorrowRates {
  private readonly currencies = new Map<string, Currency>();
  /** The venue's stream key (as SimVenueBase's), for its server time. */
  private readonly venueKey: number;

  constructor(
    private readonly world: SimWorld,
    private readonly venue: BorrowVenueId,
  ) {
    this.venueKey = streamKey(world.seed, `venue:${venue}`);
    for (const inst of world.venue(venue).values()) {
      const { spec } = inst;
      // ccxt builds currencies from the loaded markets' bases and quotes (fetchCurrencies off).
      if (!this.currencies.has(spec.quote)) this.currencies.set(spec.quote, { band: STABLE_BAND, lendable: true, tier: null });
      const prev = this.currencies.get(spec.base);
      const lendable = (prev?.lendable ?? false) || (spec.kind === 'spot' && spec.marginable);
      this.currencies.set(spec.base, { band: TIER_BAND[spec.coin.tier], lendable, tier: spec.coin.tier });
    }
  }

  /** The APR the venue charges for `code` during the hour of `step`: what the sim quotes. */
  apr(code: string, step: number): number {
    const c = this.currencies.get(code);
    if (c === undefined) throw new RangeError(`sim ${this.venue} has no currency ${code}`);
    const key = streamKey(this.world.seed, `borrow:${this.venue}:${code}`);
    const [lo, hi] = c.band;
    const level = lo + (hi - lo) * uniform(key, 0, 0);
    const hour = Math.floor(this.world.timeOfStep(step) / HOUR_MS);
    const apr = level * (0.9 + 0.2 * uniform(key, hour, 1));
    return Math.min(MAX_APR, Math.max(MIN_APR, apr));
  }

  fetchCrossBorrowRate(ctx: CallContext, code: string): CcxtCrossBorrowRate {
    const c = typeof code === 'string' ? this.currencies.get(code) : undefined;
    // ccxt's currency(code), before any request.
    if (c === undefined) throw new ccxt.ExchangeError(`${this.venue} does not have currency code ${String(code)}`);
    const apr = c.lendable ? this.apr(code, ctx.step) : null;
    const hourStart = Math.floor(this.world.timeOfStep(ctx.step) / HOUR_MS) * HOUR_MS;
    switch (this.venue) {
      case 'binance': {
        if (apr === null) {
          // An empty history list: ccxt parses `undefined`.
          return { currency: undefined, rate: undefined, period: DAY_MS, timestamp: undefined, datetime: undefined, info: undefined } as CcxtCrossBorrowRate;
        }
        const daily = roundTo(apr / 365, 8);
        const info: Obj = { asset: code, timestamp: hourStart, dailyInterestRate: daily.text, vipLevel: 0 };
        return { currency: code, rate: daily.value, period: DAY_MS, timestamp: hourStart, datetime: iso(hourStart), info };
      }
      case 'bybit': {
        const time = venueTime(ctx.t, this.venueKey, 5);
        if (apr === null) {
          // vipCoinList[0].list is empty: ccxt parses `{}` plus the response time; no hourly rate, so period 1 day.
          const info: Obj = { timestamp: time };
          return { currency: code, rate: undefined, period: DAY_MS, timestamp: time, datetime: iso(time), info } as CcxtCrossBorrowRate;
        }
        const hourly = roundTo(apr / HOURS_PER_YEAR, 12);
        const tier = c.tier ?? 1;
        const info: Obj = {
          borrowable: true,
          collateralRatio: tier === 1 ? '0.95' : tier === 2 ? '0.9' : tier === 3 ? '0.8' : '0.7',
          currency: code,
          // Bybit prints 16 decimals.
          hourlyBorrowRate: formatUnits(hourly.units, 12, 16),
          liquidationOrder: String(tier),
          marginCollateral: true,
          maxBorrowingAmount: tier === 1 ? '300' : tier === 2 ? '50000' : '200000',
          timestamp: time,
        };
        return { currency: code, rate: hourly.value, period: HOUR_MS, timestamp: time, datetime: iso(time), info };
      }
      case 'okx': {
        if (apr === null) {
          // `data: []`: ccxt parses `{}`.
          return { currency: undefined, rate: undefined, period: HOUR_MS, timestamp: undefined, datetime: undefined, info: {} } as CcxtCrossBorrowRate;
        }
        const hourly = roundTo(apr / HOURS_PER_YEAR, 10);
        const info: Obj = { ccy: code, interestRate: trimZeros(hourly.text) };
        return { currency: code, rate: hourly.value, period: HOUR_MS, timestamp: undefined, datetime: undefined, info } as CcxtCrossBorrowRate;
      }
    }
  }
}

/** Malformed borrow rates: NaN, a string, a missing rate, a missing period. */
export function garbleBorrowRate(plan: FaultPlan, t: number, code: string, res: CcxtCrossBorrowRate): CcxtCrossBorrowRate {
  const kind = plan.garbage('fetchCrossBorrowRate', code, t, 4);
  if (kind === undefined) return res;
  const g: Obj = { ...res };
  if (kind === 0) g['rate'] = NaN;
  else if (kind === 1) g['rate'] = String(res.rate);
  else if (kind === 2) g['rate'] = undefined;
  else g['period'] = undefined;
  return g as unknown as CcxtCrossBorrowRate;
}
