/**
 * SimWorld: the seeded synthetic market behind every sim venue.
 *
 * The whole world is one Float64Array state advanced in fixed steps (default 60 s) from a
 * fixed origin. Step k's state is a pure function of (seed, options, k): the transition
 * draws its noise from counter-based hashes of (stream, k), so it does not matter which
 * calls came before or in which order. A cursor keeps the latest computed step (scans move
 * forward, so each call costs at most the steps since the previous one) and a checkpoint is
 * kept every `checkpointSteps` so that going back in time replays at most one interval.
 */
import { selectCoins, type CoinTraits } from './coins.js';
import {
  COIN_F,
  COIN_LOGP,
  COIN_R,
  COIN_V,
  DAY_MS,
  HOUR_MS,
  PERP_BASIS,
  PERP_G,
  PERP_INDEX,
  coinParams,
  drawRegime,
  perpParams,
  spotParams,
  stepCoin,
  stepPerp,
  stepSpot,
  type CoinParams,
  type PerpParams,
  type SpotParams,
} from './dynamics.js';
import { deribitDeadBand, quotedRate, type FundingStyle } from './funding-model.js';
import { buildInstruments, SIM_VENUES, type InstrumentSpec, type SimVenueId, type VenueInstruments } from './instruments.js';
import { gauss, streamKey } from './prng.js';

/** Default start of a sim run: Monday 2026-01-05 00:00 UTC. `carry scan --market sim:42` starts here. */
export const DEFAULT_SIM_START = Date.UTC(2026, 0, 5);
/** Default origin: 30 days before the start, so funding history exists from the first scan. */
export const DEFAULT_SIM_ORIGIN = DEFAULT_SIM_START - 30 * DAY_MS;

export interface SimWorldOptions {
  readonly seed: number;
  /** Number of coins (first N of the built-in list, default 12, up to ~100) or explicit tickers. */
  readonly bases?: number | readonly string[];
  /** First instant of the world (ms, whole UTC hour). Nothing can be asked about earlier times. */
  readonly originMs?: number;
  /** State step in ms; must divide one hour. Default 60 000. */
  readonly stepMs?: number;
  /** Steps between checkpoints. Default: one day of steps. */
  readonly checkpointSteps?: number;
}

const COIN_HOURS = 24;
/** Coin slots: 4 scalars then an hourly ring of log prices for the 24h statistics. */
const COIN_SLOTS = 4 + COIN_HOURS;
const COIN_HOUR0 = 4;
const PERP_SLOTS = 3;

/** Share of a coin's deepest-venue perp volume traded on each venue/market. */
const VOLUME_SHARE: Readonly<Record<SimVenueId, number>> = { binance: 1, bybit: 0.55, okx: 0.4, deribit: 0.05 };
const SPOT_VOLUME_SHARE = 0.25;

export interface SimInstrument {
  readonly spec: InstrumentSpec;
  /** Position of its coin in the world. */
  readonly coinIndex: number;
  /** Offset of its own slots in the state. */
  readonly offset: number;
  /** Deribit perps: offset of the trailing-8h ring (length ringLength) and its running sum. */
  readonly ringOffset: number;
  readonly fundingStyle: FundingStyle;
  readonly volumeShare: number;
  /** Stream key for per-step noise that is not state (books, last trade). */
  readonly noiseKey: number;
  /** Position among all the world's instruments (for per-step caches). */
  readonly index: number;
  /** Position among the world's perps (for settled-rate memos); -1 for spot. */
  readonly perpIndex: number;
}

/** Everything about one instrument at one step, before venue rounding. */
export interface InstrumentState {
  readonly price: number;
  readonly mid: number;
  /** Perps only (NaN for spot). */
  readonly mark: number;
  readonly index: number;
  readonly premium8h: number;
  /** Rate per interval as the venue quotes it now (Deribit: trailing 8h realised). */
  readonly rate: number;
  /** Deribit: instantaneous 8h-equivalent rate. NaN elsewhere. */
  readonly currentFunding: number;
  readonly open24h: number;
  /** Price at the last whole hour (Bybit prevPrice1h). */
  readonly prev1h: number;
  readonly high24h: number;
  readonly low24h: number;
  readonly quoteVolume24h: number;
  readonly baseVolume24h: number;
}

class Cursor {
  step = -1;
  constructor(readonly state: Float64Array) {}
}

export class SimWorld {
  readonly seed: number;
  readonly originMs: number;
  readonly stepMs: number;
  readonly checkpointSteps: number;
  readonly coins: readonly CoinTraits[];
  readonly instruments: VenueInstruments;
  /** Deribit ring length: steps in 8 hours. */
  readonly ringLength: number;

  private readonly coinParams: readonly CoinParams[];
  private readonly perps: ReadonlyArray<{ inst: SimInstrument; params: PerpParams }>;
  private readonly spots: ReadonlyArray<{ inst: SimInstrument; params: SpotParams }>;
  private readonly byVenue: ReadonlyMap<SimVenueId, ReadonlyMap<string, SimInstrument>>;
  private readonly stateSize: number;
  private readonly marketKey: number;
  private readonly checkpoints = new Map<number, Float64Array>();
  /**
   * Settled rates by perp (index in `perps`) and settlement time, recorded as any cursor
   * steps past a settlement: facts that never change, so history needs no replay.
   */
  private readonly settled: Array<Map<number, number>>;
  private readonly main: Cursor;
  /** Instrument states of the main cursor's step: a scan reads each instrument several times. */
  private readonly stepCache: Array<InstrumentState | undefined>;
  private stepCacheStep = -1;
  private readonly history: Cursor;

  constructor(options: SimWorldOptions) {
    const seed = options.seed;
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`sim seed must be an integer in 0..4294967295, got ${seed}`);
    }
    const stepMs = options.stepMs ?? 60_000;
    if (!Number.isInteger(stepMs) || stepMs <= 0 || HOUR_MS % stepMs !== 0) {
      throw new RangeError(`sim stepMs must divide one hour, got ${stepMs}`);
    }
    const originMs = options.originMs ?? DEFAULT_SIM_ORIGIN;
    if (!Number.isInteger(originMs) || originMs % HOUR_MS !== 0) {
      throw new RangeError(`sim originMs must be a whole UTC hour, got ${originMs}`);
    }
    const checkpointSteps = options.checkpointSteps ?? DAY_MS / stepMs;
    if (!Number.isInteger(checkpointSteps) || checkpointSteps < 1) {
      throw new RangeError(`sim checkpointSteps must be a positive integer, got ${checkpointSteps}`);
    }
    this.seed = seed;
    this.stepMs = stepMs;
    this.originMs = originMs;
    this.checkpointSteps = checkpointSteps;
    this.coins = selectCoins(options.bases);
    this.instruments = buildInstruments(this.coins, seed);
    this.ringLength = (8 * HOUR_MS) / stepMs;
    this.marketKey = streamKey(seed, 'market');
    this.coinParams = this.coins.map((c) => coinParams(streamKey(seed, `coin:${c.base}`), c.tier, c.vol, c.beta, stepMs));

    let offset = this.coins.length * COIN_SLOTS;
    const perps: Array<{ inst: SimInstrument; params: PerpParams }> = [];
    const spots: Array<{ inst: SimInstrument; params: SpotParams }> = [];
    const byVenue = new Map<SimVenueId, Map<string, SimInstrument>>();
    let count = 0;
    for (const venue of SIM_VENUES) {
      const map = new Map<string, SimInstrument>();
      byVenue.set(venue, map);
      for (const spec of this.instruments[venue]) {
        const coinIndex = this.coins.findIndex((c) => c.base === spec.base);
        const key = streamKey(seed, `${venue}:${spec.symbol}`);
        const isPerp = spec.kind === 'perp';
        const deribitPerp = isPerp && venue === 'deribit';
        const inst: SimInstrument = {
          spec,
          coinIndex,
          offset,
          ringOffset: deribitPerp ? offset + PERP_SLOTS : -1,
          fundingStyle: venue === 'deribit' ? 'dead-band' : venue === 'okx' ? 'premium' : 'interest-clamp',
          volumeShare:
            VOLUME_SHARE[venue] *
            (isPerp ? 1 : SPOT_VOLUME_SHARE) *
            (venue === 'deribit' ? (spec.inverse ? 1 : 0.1) : 1),
          noiseKey: streamKey(seed, `noise:${venue}:${spec.symbol}`),
          index: count++,
          perpIndex: isPerp ? perps.length : -1,
        };
        map.set(spec.symbol, inst);
        if (isPerp) {
          perps.push({ inst, params: perpParams(key, spec.coin.tier, venue, stepMs) });
          offset += PERP_SLOTS + (deribitPerp ? this.ringLength + 1 : 0);
        } else {
          spots.push({ inst, params: spotParams(key, spec.coin.tier, stepMs) });
          offset += 1;
        }
      }
    }
    this.perps = perps;
    this.settled = perps.map(() => new Map<number, number>());
    this.spots = spots;
    this.byVenue = byVenue;
    this.stateSize = offset;
    this.main = new Cursor(new Float64Array(offset));
    this.stepCache = new Array<InstrumentState | undefined>(count);
    this.history = new Cursor(new Float64Array(offset));
    this.checkpoints.set(0, this.initialState());
  }

  /** Instruments of a venue keyed by unified symbol, in listing order. */
  venue(venue: SimVenueId): ReadonlyMap<string, SimInstrument> {
    const m = this.byVenue.get(venue);
    if (!m) throw new Error(`unknown sim venue ${venue}`);
    return m;
  }

  /** The step in force at time t (steps start at the origin). */
  stepAt(t: number): number {
    if (!Number.isFinite(t)) throw new RangeError(`sim time must be finite, got ${t}`);
    if (t < this.originMs) {
      throw new RangeError(
        `sim time ${new Date(t).toISOString()} is before the sim origin ${new Date(this.originMs).toISOString()}`,
      );
    }
    return Math.floor((t - this.originMs) / this.stepMs);
  }

  timeOfStep(step: number): number {
    return this.originMs + step * this.stepMs;
  }

  /** Values of one instrument at a step, as computed by the main cursor. */
  instrumentState(inst: SimInstrument, step: number): InstrumentState {
    if (step !== this.stepCacheStep) {
      this.stepCache.fill(undefined);
      this.stepCacheStep = step;
    }
    let q = this.stepCache[inst.index];
    if (!q) {
      q = this.read(inst, this.seek(this.main, step), step);
      this.stepCache[inst.index] = q;
    }
    return q;
  }

  /** Same, through the history cursor, so a history walk does not disturb the scan cursor. */
  historicalState(inst: SimInstrument, step: number): InstrumentState {
    return this.read(inst, this.seek(this.history, step), step);
  }

  /**
   * Rate settled at `settlementMs` (discrete-interval venues): the rate quoted during the
   * last step before the settlement, so what a scan saw just before is what gets paid.
   */
  settledRate(inst: SimInstrument, settlementMs: number): number {
    const memo = this.settled[inst.perpIndex];
    const known = memo?.get(settlementMs);
    if (known !== undefined) return known;
    const rate = this.historicalState(inst, this.stepAt(settlementMs - 1)).rate;
    memo?.set(settlementMs, rate);
    return rate;
  }

  /** Deribit: the average of the instantaneous rate over the hour ending at `hourEndMs` (8h-equivalent). */
  hourlyAverageRate(inst: SimInstrument, hourEndMs: number): number {
    const stepsPerHour = HOUR_MS / this.stepMs;
    const last = this.stepAt(hourEndMs - 1);
    let sum = 0;
    for (let i = 0; i < stepsPerHour; i++) {
      const s = this.seek(this.history, Math.max(0, last - stepsPerHour + 1 + i));
      sum += this.instantDeribit(inst, s);
    }
    return sum / stepsPerHour;
  }

  // --- internals -------------------------------------------------------------------

  private instantDeribit(inst: SimInstrument, st: Float64Array): number {
    const coinOff = inst.coinIndex * COIN_SLOTS;
    return deribitDeadBand((st[coinOff + COIN_F] as number) + (st[inst.offset + PERP_G] as number));
  }

  private read(inst: SimInstrument, st: Float64Array, step: number): InstrumentState {
    const spec = inst.spec;
    const coinOff = inst.coinIndex * COIN_SLOTS;
    const price = Math.exp(st[coinOff + COIN_LOGP] as number);
    // Hourly ring: the oldest sample is ~24h old; high/low over the day and now.
    const hourIdx = Math.floor(this.timeOfStep(step) / HOUR_MS);
    let hi = -Infinity;
    let lo = Infinity;
    for (let h = 0; h < COIN_HOURS; h++) {
      const v = st[coinOff + COIN_HOUR0 + h] as number;
      if (v > hi) hi = v;
      if (v < lo) lo = v;
    }
    const oldest = st[coinOff + COIN_HOUR0 + ((hourIdx + 1) % COIN_HOURS)] as number;
    const newest = st[coinOff + COIN_HOUR0 + (hourIdx % COIN_HOURS)] as number;
    const volFactor = Math.exp((st[coinOff + COIN_V] as number) - 0.06125);
    const quoteVolume24h = spec.coin.liquidityUsd * inst.volumeShare * volFactor;

    let mid: number;
    let mark = NaN;
    let index = NaN;
    let premium8h = NaN;
    let rate = NaN;
    let currentFunding = NaN;
    if (spec.kind === 'perp') {
      index = price * (1 + (st[inst.offset + PERP_INDEX] as number));
      mark = index * (1 + (st[inst.offset + PERP_BASIS] as number));
      // Last trade wobbles around the mark by a fraction of a basis point.
      mid = mark * (1 + 0.00003 * gauss(inst.noiseKey, step, 0));
      premium8h = (st[coinOff + COIN_F] as number) + (st[inst.offset + PERP_G] as number);
      if (inst.ringOffset >= 0) {
        currentFunding = deribitDeadBand(premium8h);
        rate = (st[inst.ringOffset + this.ringLength] as number) / this.ringLength;
      } else {
        rate = quotedRate(inst.fundingStyle, premium8h, spec.intervalHours, spec.fundingCap);
      }
    } else {
      mid = price * (1 + (st[inst.offset] as number));
    }
    const ratio = mid / price;
    const last = mid;
    return {
      price,
      mid,
      mark,
      index,
      premium8h,
      rate,
      currentFunding,
      open24h: Math.exp(oldest) * ratio,
      prev1h: Math.exp(newest) * ratio,
      high24h: Math.max(Math.exp(hi) * ratio, last),
      low24h: Math.min(Math.exp(lo) * ratio, last),
      quoteVolume24h,
      baseVolume24h: quoteVolume24h / price,
    };
  }

  private initialState(): Float64Array {
    const st = new Float64Array(this.stateSize);
    const initKey = streamKey(this.seed, 'init');
    this.coins.forEach((c, i) => {
      const off = i * COIN_SLOTS;
      const p = this.coinParams[i] as CoinParams;
      // Start within ±~20% of the reference price, differently per seed.
      const logP = Math.log(c.price) + 0.1 * gauss(p.key, 0, 30);
      st[off + COIN_LOGP] = logP;
      const r = drawRegime(p.key, 0, c.tier);
      st[off + COIN_R] = r;
      st[off + COIN_F] = r + p.sentimentSd * gauss(p.key, 0, 32);
      st[off + COIN_V] = p.volumeSd * gauss(p.key, 0, 34);
      // A plausible past day for the 24h statistics: a backward random walk in hourly steps.
      const hourIdx = Math.floor(this.originMs / HOUR_MS);
      const hourlyVol = c.vol * Math.sqrt(1 / (365 * 24));
      let x = logP;
      for (let h = 0; h < COIN_HOURS; h++) {
        st[off + COIN_HOUR0 + ((hourIdx - h + COIN_HOURS * 1000) % COIN_HOURS)] = x;
        x += hourlyVol * gauss(initKey, i * 64 + h, 0);
      }
    });
    for (const { inst, params } of this.perps) {
      st[inst.offset + PERP_G] = params.premiumSd * gauss(params.key, 0, 30);
      const coinOff = inst.coinIndex * COIN_SLOTS;
      const prem = (st[coinOff + COIN_F] as number) + (st[inst.offset + PERP_G] as number);
      st[inst.offset + PERP_BASIS] = prem - 0.0001 + params.basisSd * gauss(params.key, 0, 32);
      st[inst.offset + PERP_INDEX] = params.indexSd * gauss(params.key, 0, 34);
      if (inst.ringOffset >= 0) {
        const cf = deribitDeadBand(prem);
        for (let j = 0; j < this.ringLength; j++) st[inst.ringOffset + j] = cf;
        st[inst.ringOffset + this.ringLength] = cf * this.ringLength;
      }
    }
    for (const { inst, params } of this.spots) {
      st[inst.offset] = params.devSd * gauss(params.key, 0, 30);
    }
    return st;
  }

  /** Advance `st` from step k-1 to step k in place. */
  private transition(st: Float64Array, k: number): void {
    const market = gauss(this.marketKey, k, 0);
    const t = this.timeOfStep(k);
    const onHour = t % HOUR_MS === 0;
    const hourSlot = Math.floor(t / HOUR_MS) % COIN_HOURS;
    for (let i = 0; i < this.coinParams.length; i++) {
      const off = i * COIN_SLOTS;
      stepCoin(st, off, this.coinParams[i] as CoinParams, k, market);
      if (onHour) st[off + COIN_HOUR0 + hourSlot] = st[off + COIN_LOGP] as number;
    }
    const ringSlot = k % this.ringLength;
    for (const { inst, params } of this.perps) {
      const coinOff = inst.coinIndex * COIN_SLOTS;
      stepPerp(st, inst.offset, params, k, st[coinOff + COIN_F] as number);
      if (inst.ringOffset >= 0) {
        const cf = deribitDeadBand((st[coinOff + COIN_F] as number) + (st[inst.offset + PERP_G] as number));
        const sumAt = inst.ringOffset + this.ringLength;
        const old = st[inst.ringOffset + ringSlot] as number;
        st[inst.ringOffset + ringSlot] = cf;
        st[sumAt] = (st[sumAt] as number) + cf - old;
      }
    }
    for (const { inst, params } of this.spots) stepSpot(st, inst.offset, params, k);
    // Every 8h (not every checkpoint, so the checkpoint spacing cannot change a single bit).
    if (k % this.ringLength === 0) this.resumRings(st);
    const next = t + this.stepMs;
    if (next % HOUR_MS === 0) this.recordSettlements(st, next);
  }

  /** Step k is the last before `settlementMs`: its quoted rate is what settles there. */
  private recordSettlements(st: Float64Array, settlementMs: number): void {
    for (let i = 0; i < this.perps.length; i++) {
      const { inst } = this.perps[i] as { inst: SimInstrument };
      if (inst.ringOffset >= 0) continue; // Deribit accrues continuously
      const spec = inst.spec;
      if (settlementMs % (spec.intervalHours * HOUR_MS) !== 0) continue;
      const premium = (st[inst.coinIndex * COIN_SLOTS + COIN_F] as number) + (st[inst.offset + PERP_G] as number);
      (this.settled[i] as Map<number, number>).set(settlementMs, quotedRate(inst.fundingStyle, premium, spec.intervalHours, spec.fundingCap));
    }
  }

  /** Recompute ring sums from scratch now and then so float drift cannot accumulate. */
  private resumRings(st: Float64Array): void {
    for (const { inst } of this.perps) {
      if (inst.ringOffset < 0) continue;
      let s = 0;
      for (let j = 0; j < this.ringLength; j++) s += st[inst.ringOffset + j] as number;
      st[inst.ringOffset + this.ringLength] = s;
    }
  }

  /** Move a cursor to `step` (forward by stepping, backward from the nearest checkpoint). */
  private seek(c: Cursor, step: number): Float64Array {
    if (step === c.step) return c.state;
    if (!Number.isInteger(step) || step < 0) throw new RangeError(`bad sim step ${step}`);
    const cp = Math.floor(step / this.checkpointSteps) * this.checkpointSteps;
    if (step < c.step || c.step < 0) {
      // Every checkpoint up to the furthest step ever reached exists; beyond it, start from the last one.
      let from = cp;
      while (!this.checkpoints.has(from)) from -= this.checkpointSteps;
      c.state.set(this.checkpoints.get(from) as Float64Array);
      c.step = from;
    } else if (cp > c.step && this.checkpoints.has(cp)) {
      // Moving forward past a known checkpoint: start from it instead of stepping all the way.
      c.state.set(this.checkpoints.get(cp) as Float64Array);
      c.step = cp;
    }
    const st = c.state;
    for (let k = c.step + 1; k <= step; k++) {
      this.transition(st, k);
      if (k % this.checkpointSteps === 0 && !this.checkpoints.has(k)) this.checkpoints.set(k, st.slice());
    }
    c.step = step;
    return st;
  }
}

