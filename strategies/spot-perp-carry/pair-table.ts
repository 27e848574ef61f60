/**
 * The pairs of one venue's markets flattened for ranking: what pricing needs per perp, in one
 * object per pair, memoised on the identity of the (readonly, never mutated) markets array, since
 * markets change about hourly while ranking runs every scan.
 */
import type { Market } from '../../src/domain/market.js';
import { pairIndex } from './pairs.js';
import { pairReasonBit } from './reasons.js';

export interface PairRow {
  /** SpotPerpPair.reason: null when paired. */
  readonly reason: string | null;
  /** Its bit in a row's reason mask (reasons.ts); 0 when paired. */
  readonly reasonBit: number;
  /** Position in its venue's table: where this scan's ticker for the perp is kept. */
  readonly slot: number;
  /** Both markets and amount models usable: the pair can be priced from its books. */
  readonly priceable: boolean;
  readonly spotSymbol: string | null;
  readonly spotMarginable: boolean;
  /** Positions of the two markets in the venue's markets array (how a BookArena finds their books); -1: none. */
  readonly spotMarket: number;
  readonly perpMarket: number;
  readonly spotK: number;
  readonly spotInQuote: boolean;
  readonly spotTaker: number;
  readonly perpSymbol: string;
  readonly perpK: number;
  readonly perpInQuote: boolean;
  readonly perpTaker: number;
}

export interface PairTable {
  readonly bySymbol: ReadonlyMap<string, PairRow>;
  readonly size: number;
}

const pairTables = new WeakMap<readonly Market[], PairTable>();

export function pairTable(markets: readonly Market[]): PairTable {
  let t = pairTables.get(markets);
  if (t === undefined) {
    const position = new Map<Market, number>();
    for (let j = 0; j < markets.length; j++) position.set(markets[j] as Market, j);
    const bySymbol = new Map<string, PairRow>();
    let slot = 0;
    for (const [symbol, pair] of pairIndex(markets)) {
      const { spot, perp, spotModel, perpModel } = pair;
      const priceable = pair.reason === null && spot !== null && spotModel !== null && perpModel !== null;
      bySymbol.set(symbol, {
        reason: pair.reason,
        reasonBit: pair.reason === null ? 0 : pairReasonBit(pair.reason),
        slot: slot++,
        priceable,
        spotSymbol: spot?.symbol ?? null,
        spotMarginable: spot?.marginable ?? true,
        spotMarket: spot === null ? -1 : (position.get(spot) as number),
        perpMarket: position.get(perp) as number,
        spotK: spotModel?.k ?? 0,
        spotInQuote: spotModel?.inQuote ?? false,
        spotTaker: spot?.taker ?? 0,
        perpSymbol: perp.symbol,
        perpK: perpModel?.k ?? 0,
        perpInQuote: perpModel?.inQuote ?? false,
        perpTaker: perp.taker,
      });
    }
    t = { bySymbol, size: slot };
    pairTables.set(markets, t);
  }
  return t;
}
