/**
 * What the engine knows of the capital it trades with, to size and gate an open and to measure
 * the margin of what it holds. Paper derives it from the ledger's wallet entries and
 * config.paper.perpLeverage (paperCapital, the default); live will pass a view backed by the
 * venues' own balances. A view only answers questions: the accounting stays in the ledger
 * (the paper wallet still books every entry).
 *
 * Every figure is in the currency named (a venue's funding currency where none is), as of the
 * tick's view: the engine asks during a tick and decides on the answers.
 */
import type { Market, VenueId } from '../domain/market.js';
import type { WalletBalance } from '../store/rows.js';
import { freeCapital, notionalFromCapital, type OpenExposure } from './paper-wallet.js';

export type CapitalLeg = 'spot' | 'perp';

export interface CapitalView {
  /** The leverage perp legs are margined at: a linear perp ties up notional / perpLeverage. */
  readonly perpLeverage: number;
  /** What `venue` holds of `currency`, free or not (0 when none): an inverse perp's collateral in the margin checks. */
  balance(venue: VenueId, currency: string): number;
  /**
   * What one leg of a new position can draw on `venue` in `currency`: quote available for a spot
   * buy ('spot'), margin available for a perp leg at perpLeverage ('perp').
   */
  freeFor(venue: VenueId, leg: CapitalLeg, currency: string): number;
  /**
   * Capital free on `venue` for a new position, in its funding currency: the strategy's bound on
   * what an open there may commit (decide()'s freeCapital). Undefined: not known, so nothing is
   * opened there.
   */
  free(venue: VenueId): number | undefined;
  /** The largest notional a new position of `settlement` can take on `venue`: its spot paid in full and its perp's margin, from what is free. */
  openable(venue: VenueId, settlement: 'linear' | 'inverse'): number;
  /**
   * Live: the venue's own liquidation price of the perp held on `venue` (null when it reports
   * none), which the margin alert and the liquidation risk exit then use instead of the model.
   * Paper has none.
   */
  readonly liquidationPrice?: (venue: VenueId, symbol: string) => number | null;
}

export interface PaperCapitalSource {
  /** The venue's paper wallet: the ledger's balances (the engine passes its cached read). */
  readonly wallet: (venue: VenueId) => readonly WalletBalance[];
  /** The venue's markets: its spot quotes are the currencies capital is counted in. */
  readonly markets: (venue: VenueId) => readonly Market[];
  /** Open positions' perp exposure as the tick sees them, marked at the last scan. */
  readonly exposures: () => readonly OpenExposure[];
  /** config.paper.perpLeverage. */
  readonly perpLeverage: number;
}

/** Stable currencies a paper wallet's capital is counted in (when the venue's spot quotes in them). */
const STABLE = ['USDT', 'USDC', 'USD'];

/**
 * The paper view. One pool per venue, as the paper wallet keeps it: spot buys and linear perps'
 * margin draw on the same stable-quote balance, and an inverse perp's margin is the coin its
 * spot leg bought (posted as collateral), so it ties up no quote. Free capital is the largest
 * stable balance the venue's spot quotes in, less the margin its open linear perps tie up at
 * perpLeverage (paper-wallet.ts freeCapital); an open can take notionalFromCapital of it.
 */
export function paperCapital(src: PaperCapitalSource): CapitalView {
  const lev = src.perpLeverage;
  const pool = (venue: VenueId): Set<string> => new Set(src.markets(venue).filter((m) => m.type === 'spot' && STABLE.includes(m.quote)).map((m) => m.quote));
  const balance = (venue: VenueId, currency: string): number => src.wallet(venue).find((b) => b.currency === currency)?.amount ?? 0;
  const exposuresOn = (venue: VenueId): OpenExposure[] => src.exposures().filter((e) => e.venue === venue);
  const free = (venue: VenueId): number => {
    const quotes = pool(venue);
    const bal = src
      .wallet(venue)
      .filter((b) => quotes.has(b.currency))
      .reduce((s, b) => Math.max(s, b.amount), 0);
    return freeCapital(bal, exposuresOn(venue), lev);
  };
  return {
    perpLeverage: lev,
    balance,
    freeFor: (venue, _leg, currency) => (pool(venue).has(currency) ? freeCapital(balance(venue, currency), exposuresOn(venue), lev) : balance(venue, currency)),
    free,
    openable: (venue, settlement) => notionalFromCapital(free(venue), settlement, lev),
  };
}

/** Perp exposure of open positions: notional at `perpMark` (linear), or in contracts' face value (inverse). */
export function perpExposures<P extends { readonly venue: VenueId; readonly settlement: 'linear' | 'inverse'; readonly quote: string; readonly perpContracts: number; readonly contractSize: number }>(
  positions: readonly P[],
  perpMark: (p: P) => number,
): OpenExposure[] {
  return positions.map((p) => {
    const perpNotional = p.settlement === 'linear' ? Math.abs(p.perpContracts) * p.contractSize * perpMark(p) : Math.abs(p.perpContracts) * p.contractSize;
    return { venue: p.venue, settlement: p.settlement, quote: p.quote, perpNotional };
  });
}
