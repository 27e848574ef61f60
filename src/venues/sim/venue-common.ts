/**
 * Pieces every sim venue shares: call context, symbol checks with ccxt's errors,
 * rounding to an instrument's grid.
 */
import ccxt from 'ccxt';
import type { CcxtMarkets, CcxtParams } from '../ccxt-calls.js';
import { dec, finalizeMarket, type Dec } from './ccxt-shapes.js';
import type { InstrumentSpec } from './instruments.js';
import type { SimVenueId } from './instruments.js';
import { bits, streamKey } from './prng.js';
import type { SimInstrument, SimWorld } from './world.js';

/** One call: the clock time and the world step in force. */
export interface CallContext {
  readonly t: number;
  readonly step: number;
}

export type Obj = Record<string, unknown>;

/** Same check and message as ccxt's `market(symbol)` / `marketSymbols`. */
export function requireSymbols(
  venueId: string,
  known: ReadonlyMap<string, SimInstrument>,
  symbols: readonly string[] | undefined,
): string[] | undefined {
  if (symbols === undefined) return undefined;
  if (!Array.isArray(symbols)) throw new ccxt.ArgumentsRequired(`${venueId} symbols must be an array of strings`);
  for (const s of symbols) {
    if (typeof s !== 'string' || !known.has(s)) throw new ccxt.BadSymbol(`${venueId} does not have market symbol ${String(s)}`);
  }
  return [...symbols];
}

export function requireInstrument(venueId: string, known: ReadonlyMap<string, SimInstrument>, symbol: unknown): SimInstrument {
  if (typeof symbol !== 'string') throw new ccxt.ArgumentsRequired(`${venueId} requires a symbol argument`);
  const inst = known.get(symbol);
  if (!inst) throw new ccxt.BadSymbol(`${venueId} does not have market symbol ${symbol}`);
  return inst;
}

/** params.type / params.defaultType as ccxt's handleMarketTypeAndParams reads it. */
export function paramType(params: CcxtParams | undefined): string | undefined {
  const v = params?.['defaultType'] ?? params?.['type'];
  return typeof v === 'string' ? v : undefined;
}

export function paramSubType(params: CcxtParams | undefined): string | undefined {
  const v = params?.['subType'] ?? params?.['defaultSubType'];
  return v === 'linear' || v === 'inverse' ? v : undefined;
}

/** "0.00010000" → "0.0001", "5.000" → "5" (how some venues print rates and sizes). */
export function trimZeros(text: string): string {
  if (!text.includes('.')) return text;
  const t = text.replace(/0+$/, '');
  return t.endsWith('.') ? t.slice(0, -1) : t;
}

/** A price rounded to the instrument's tick, as a Dec with the tick's decimals. */
export function onTick(spec: InstrumentSpec, x: number): Dec {
  const n = Math.round(x / spec.priceStep.value);
  return dec(n * spec.priceStep.mantissa, spec.priceStep.exp);
}

/** An amount rounded to the instrument's lot (at least one lot). */
export function onLot(spec: InstrumentSpec, x: number): Dec {
  const n = Math.max(1, Math.round(x / spec.amountStep.value));
  return dec(n * spec.amountStep.mantissa, spec.amountStep.exp);
}


/** Venue server time a few ms behind the local clock, fixed per (venue, t, what). */
export function venueTime(t: number, key: number, lane: number): number {
  return t - (bits(key, t, lane) % 150);
}

/** A monotonic update id for books (lastUpdateId, change_id): grows with the step. */
export function updateId(step: number, key: number): number {
  return 1_000_000_000 + step * 1000 + (bits(key, step, 7) % 1000);
}

/**
 * What every simulated venue shares: its instruments from the world, a seeded stream key, the
 * markets once built, and its spot and perp lists.
 */
export abstract class SimVenueBase {
  protected readonly insts: ReadonlyMap<string, SimInstrument>;
  private markets: CcxtMarkets | undefined;
  protected readonly key: number;
  private readonly lists = new Map<'spot' | 'perp', SimInstrument[]>();

  constructor(
    protected readonly world: SimWorld,
    venueId: SimVenueId,
  ) {
    this.insts = world.venue(venueId);
    this.key = streamKey(world.seed, `venue:${venueId}`);
  }

  /** The instrument's state at a world step and its last/open/high/low on the price tick (24h bar). */
  protected dayBar(inst: SimInstrument, step: number) {
    const spec = inst.spec;
    const q = this.world.instrumentState(inst, step);
    return { q, last: onTick(spec, q.mid), open: onTick(spec, q.open24h), high: onTick(spec, q.high24h), low: onTick(spec, q.low24h) };
  }

  /** The venue's trading-fee defaults, as ccxt's describe() gives them (finalizeMarket). */
  protected abstract readonly feesTrading: Obj;

  /**
   * One market as the venue's ccxt parser returns it, before finalizeMarket. `n` counts the
   * markets from 1 in loadMarkets' order (ids that venues number sequentially).
   */
  protected abstract parseMarket(spec: InstrumentSpec, n: number): Obj;

  /** Built once: spot markets first, then perps, as ccxt's setMarkets orders them. */
  loadMarkets(): CcxtMarkets {
    if (!this.markets) {
      const out: Obj = {};
      let n = 0;
      for (const inst of [...this.list('spot'), ...this.list('perp')]) {
        out[inst.spec.symbol] = finalizeMarket(this.parseMarket(inst.spec, ++n), this.feesTrading);
      }
      this.markets = out as unknown as CcxtMarkets;
    }
    return this.markets;
  }

  protected list(kind: 'spot' | 'perp'): SimInstrument[] {
    let l = this.lists.get(kind);
    if (!l) {
      l = [...this.insts.values()].filter((i) => i.spec.kind === kind);
      this.lists.set(kind, l);
    }
    return l;
  }
}
