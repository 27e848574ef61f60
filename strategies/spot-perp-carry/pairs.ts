/**
 * Pairs every perp with the spot market that hedges it on the same venue.
 *
 * Same base always. Prefer the spot whose quote is the perp's quote (BTC/USDT:USDT ↔ BTC/USDT).
 * Inverse and USD-quoted perps have no stablecoin quote of their own, so they fall back to
 * the first stable spot in STABLE_QUOTES order. A linear perp settled in one stablecoin is not
 * paired with a spot in another (its P&L and margin would live in a different currency).
 */
import type { Market, VenueId } from '../../src/domain/market.js';
import { amountModel, type AmountModel } from '../../src/pricing/units.js';

export const STABLE_QUOTES: readonly string[] = ['USDT', 'USDC', 'USD'];

export const PAIR_REASONS = {
  noSpot: 'no spot market on venue',
  perpInactive: 'perp market inactive',
  badContractSize: 'invalid contract size',
  feeUnknown: 'taker fee unknown',
} as const;

export interface SpotPerpPair {
  readonly venue: VenueId;
  readonly perp: Market;
  readonly spot: Market | null;
  /** null when paired; otherwise why this perp cannot be carried. */
  readonly reason: string | null;
  /** How each market's ccxt amount maps to base/quote; null when the market data is unusable. */
  readonly perpModel: AmountModel | null;
  readonly spotModel: AmountModel | null;
}

/** Key of an order book in a scan's book map (ScanResult.books), as the engine and monitor look books up. */
export function bookKey(venue: VenueId, symbol: string): string {
  return `${venue}|${symbol}`;
}

function spotKey(base: string, quote: string): string {
  return `${base}/${quote}`;
}

function safeModel(m: Market): AmountModel | null {
  try {
    return amountModel(m);
  } catch {
    return null;
  }
}

/** One pair per perp (type 'swap') in `markets`, in input order. */
export function pairSpotPerp(markets: readonly Market[]): readonly SpotPerpPair[] {
  const spots = new Map<string, Market>();
  for (const m of markets) {
    if (m.type === 'spot' && m.active) spots.set(spotKey(m.base, m.quote), m);
  }
  const out: SpotPerpPair[] = [];
  for (const perp of markets) {
    if (perp.type !== 'swap') continue;
    let spot = spots.get(spotKey(perp.base, perp.quote)) ?? null;
    if (spot === null && (perp.settlement === 'inverse' || perp.quote === 'USD')) {
      for (const q of STABLE_QUOTES) {
        spot = spots.get(spotKey(perp.base, q)) ?? null;
        if (spot !== null) break;
      }
    }
    const perpModel = safeModel(perp);
    const spotModel = spot === null ? null : safeModel(spot);
    const reason = !perp.active
      ? PAIR_REASONS.perpInactive
      : spot === null
        ? PAIR_REASONS.noSpot
        : perpModel === null || spotModel === null
          ? PAIR_REASONS.badContractSize
          : !Number.isFinite(perp.taker) || !Number.isFinite(spot.taker)
            ? PAIR_REASONS.feeUnknown
            : null;
    out.push({
      venue: perp.venue,
      perp,
      spot,
      reason,
      perpModel,
      spotModel,
    });
  }
  return out;
}

// Markets are reloaded about hourly but ranked every scan: pairing is memoised on the identity
// of the (readonly, never mutated) markets array, which keeps rankOpportunities pure.
const pairIndexCache = new WeakMap<readonly Market[], ReadonlyMap<string, SpotPerpPair>>();

/** Pairs keyed by perp symbol, memoised per markets array. */
export function pairIndex(markets: readonly Market[]): ReadonlyMap<string, SpotPerpPair> {
  let index = pairIndexCache.get(markets);
  if (index === undefined) {
    const m = new Map<string, SpotPerpPair>();
    for (const pair of pairSpotPerp(markets)) m.set(pair.perp.symbol, pair);
    index = m;
    pairIndexCache.set(markets, index);
  }
  return index;
}
