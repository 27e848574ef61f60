/**
 * SimExchange: one sim venue behind the CcxtCalls interface, indistinguishable (by shape)
 * from a real ccxt instance of that venue. Every answer is a function of the world, the
 * clock's current time and the call's arguments; faults are injected per the venue's plan.
 */
import ccxt from 'ccxt';
import type { OrderBook as CcxtOrderBook } from 'ccxt';
import type { Clock } from '../../domain/clock.js';
import { CarryError } from '../../domain/errors.js';
import type {
  CcxtCalls,
  CcxtCrossBorrowRate,
  CcxtFundingIntervals,
  CcxtFundingRateHistoryRow,
  CcxtFundingRates,
  CcxtMarkets,
  CcxtParams,
  CcxtTickers,
  CcxtTradingFees,
} from '../ccxt-calls.js';
import { garbleBorrowRate, isBorrowVenue, SimBorrowRates } from './borrow.js';
import { FaultPlan, type SimVenueFaults } from './faults.js';
import { garbleBook, garbleFundingRates, garbleHistory, garbleIntervals, garbleMarkets, garbleTickers } from './garbage.js';
import { isSimVenue, SIM_VENUES, type SimVenueId } from './instruments.js';
import { BinanceSim } from './venue-binance.js';
import { BybitSim } from './venue-bybit.js';
import type { CallContext } from './venue-common.js';
import { DeribitSim } from './venue-deribit.js';
import { OkxSim } from './venue-okx.js';
import type { SimVenueApi } from './venue-api.js';
import type { SimWorld } from './world.js';

type Obj = Record<string, unknown>;
type Has = Readonly<Record<string, boolean | 'emulated' | undefined>>;

const hasCache = new Map<SimVenueId, Has>();

/** ccxt's own `has` map for the venue (read once from a ccxt instance; nothing is fetched). */
function ccxtHas(id: SimVenueId): Has {
  let has = hasCache.get(id);
  if (!has) {
    const Ctor = (ccxt as unknown as Record<string, new () => { has: Record<string, boolean | 'emulated' | undefined> }>)[id];
    if (!Ctor) throw new Error(`ccxt has no exchange class ${id}`);
    has = Object.freeze({ ...new Ctor().has });
    hasCache.set(id, has);
  }
  return has;
}

function venueApi(world: SimWorld, id: SimVenueId): SimVenueApi {
  switch (id) {
    case 'binance':
      return new BinanceSim(world);
    case 'bybit':
      return new BybitSim(world);
    case 'okx':
      return new OkxSim(world);
    case 'deribit':
      return new DeribitSim(world);
  }
}

const argsKey = (...args: unknown[]): string => JSON.stringify(args, (_k, v: unknown) => (v === undefined ? null : v));

export class SimExchange implements CcxtCalls {
  readonly id: SimVenueId;
  readonly has: Has;
  private readonly api: SimVenueApi;
  private readonly faults: FaultPlan | undefined;
  /** null on Deribit: ccxt has no borrow there. */
  private readonly borrow: SimBorrowRates | null;
  private loaded = false;

  constructor(
    private readonly world: SimWorld,
    venueId: string,
    private readonly clock: Clock,
    faults?: SimVenueFaults,
  ) {
    if (!isSimVenue(venueId)) {
      throw new CarryError(
        'CARRY_VENUE_UNKNOWN',
        'stop',
        `the sim market has no venue "${venueId}"; it simulates ${SIM_VENUES.join(', ')}`,
        { venue: venueId },
      );
    }
    this.id = venueId;
    this.has = ccxtHas(venueId);
    this.api = venueApi(world, venueId);
    this.borrow = isBorrowVenue(venueId) ? new SimBorrowRates(world, venueId) : null;
    this.faults = faults ? new FaultPlan(world.seed, venueId, faults) : undefined;
  }

  private ctx(method: string, ...args: unknown[]): CallContext {
    const t = this.clock.now();
    let step: number;
    try {
      step = this.world.stepAt(t);
    } catch (e) {
      throw new CarryError('CARRY_INPUT_INVALID', 'stop', (e as Error).message, { venue: this.id, cause: e });
    }
    this.faults?.beforeCall(method, argsKey(...args), t);
    return { t, step };
  }

  /** Like ccxt, data methods load markets first when they were never loaded. */
  private ensureLoaded(): void {
    if (!this.loaded) {
      this.api.loadMarkets();
      this.loaded = true;
    }
  }

  async loadMarkets(reload?: boolean, params?: CcxtParams): Promise<CcxtMarkets> {
    const ctx = this.ctx('loadMarkets', reload ?? false, params ?? {});
    const markets = this.api.loadMarkets();
    this.loaded = true;
    if (this.faults && this.faults.garbageRate > 0) {
      return garbleMarkets(this.faults, ctx.t, markets as unknown as Obj) as unknown as CcxtMarkets;
    }
    return markets;
  }

  async fetchFundingRates(symbols?: string[], params?: CcxtParams): Promise<CcxtFundingRates> {
    this.ensureLoaded();
    const ctx = this.ctx('fetchFundingRates', symbols, params ?? {});
    const res = this.api.fetchFundingRates(ctx, symbols, params ?? {});
    if (this.faults && this.faults.garbageRate > 0) {
      return garbleFundingRates(this.faults, 'fetchFundingRates', ctx.t, res as unknown as Obj) as unknown as CcxtFundingRates;
    }
    return res;
  }

  async fetchFundingIntervals(symbols?: string[], params?: CcxtParams): Promise<CcxtFundingIntervals> {
    this.ensureLoaded();
    const ctx = this.ctx('fetchFundingIntervals', symbols, params ?? {});
    const res = this.api.fetchFundingIntervals(ctx, symbols, params ?? {});
    if (this.faults && this.faults.garbageRate > 0) {
      return garbleIntervals(this.faults, ctx.t, res as unknown as Obj) as unknown as CcxtFundingIntervals;
    }
    return res;
  }

  async fetchTickers(symbols?: string[], params?: CcxtParams): Promise<CcxtTickers> {
    this.ensureLoaded();
    const ctx = this.ctx('fetchTickers', symbols, params ?? {});
    const res = this.api.fetchTickers(ctx, symbols, params ?? {});
    if (this.faults && this.faults.garbageRate > 0) {
      return garbleTickers(this.faults, ctx.t, res as unknown as Obj) as unknown as CcxtTickers;
    }
    return res;
  }

  async fetchOrderBook(symbol: string, limit?: number, params?: CcxtParams): Promise<CcxtOrderBook> {
    this.ensureLoaded();
    const ctx = this.ctx('fetchOrderBook', symbol, limit, params ?? {});
    const res = this.api.fetchOrderBook(ctx, symbol, limit, params ?? {});
    if (this.faults && this.faults.garbageRate > 0) {
      return garbleBook(this.faults, ctx.t, symbol, res as unknown as Obj) as unknown as CcxtOrderBook;
    }
    return res;
  }

  async fetchTradingFees(params?: CcxtParams): Promise<CcxtTradingFees> {
    this.ensureLoaded();
    const ctx = this.ctx('fetchTradingFees', params ?? {});
    return this.api.fetchTradingFees(ctx, params ?? {});
  }

  async fetchFundingRateHistory(
    symbol?: string,
    since?: number,
    limit?: number,
    params?: CcxtParams,
  ): Promise<CcxtFundingRateHistoryRow[]> {
    this.ensureLoaded();
    const ctx = this.ctx('fetchFundingRateHistory', symbol, since, limit, params ?? {});
    const rows = this.api.fetchFundingRateHistory(ctx, symbol, since, limit, params ?? {});
    if (this.faults && this.faults.garbageRate > 0) {
      return garbleHistory(this.faults, ctx.t, symbol ?? '', rows as unknown as Obj[]) as unknown as CcxtFundingRateHistoryRow[];
    }
    return rows;
  }

  async fetchCrossBorrowRate(code: string, params?: CcxtParams): Promise<CcxtCrossBorrowRate> {
    this.ensureLoaded();
    if (this.borrow === null) {
      // ccxt's base Exchange, after loading markets and before any request.
      throw new ccxt.NotSupported(`${this.id} fetchCrossBorrowRate() is not supported yet`);
    }
    const ctx = this.ctx('fetchCrossBorrowRate', code, params ?? {});
    const res = this.borrow.fetchCrossBorrowRate(ctx, code);
    if (this.faults && this.faults.garbageRate > 0) return garbleBorrowRate(this.faults, ctx.t, code, res);
    return res;
  }
}
