/**
 * The paper wallet: starting balances become `wallet.funded` events once, at the first start
 * of a ledger; after that every balance is a sum over the ledger's wallet entries, never a
 * number kept on the side.
 */
import type { PaperConfig } from '../config/schema.js';
import type { WalletFunded } from '../domain/events.js';
import type { Market, VenueId } from '../domain/market.js';

/** Stable quotes a spot hedge can be bought with, in order of preference after the configured one. */
const FALLBACK_QUOTES = ['USDT', 'USDC', 'USD'];

/** The currency a venue's paper wallet starts in: the configured one if the venue quotes spot in it. */
export function fundingCurrency(markets: readonly Market[], preferred: string): string {
  const quotes = new Set(markets.filter((m) => m.type === 'spot').map((m) => m.quote));
  if (quotes.has(preferred)) return preferred;
  return FALLBACK_QUOTES.find((q) => quotes.has(q)) ?? preferred;
}

export function initialFunding(
  cfg: PaperConfig,
  marketsByVenue: ReadonlyMap<VenueId, readonly Market[]>,
  ts: number,
): WalletFunded[] {
  const events: WalletFunded[] = [];
  for (const [venue, markets] of marketsByVenue) {
    const explicit = cfg.balances[venue];
    const entries: [string, number][] = explicit
      ? Object.entries(explicit)
      : [[fundingCurrency(markets, cfg.startingCurrency), cfg.startingBalance]];
    for (const [currency, amount] of entries) {
      if (amount > 0) events.push({ type: 'wallet.funded', ts, venue, currency, amount, reason: 'initial' });
    }
  }
  return events;
}

export interface OpenExposure {
  readonly venue: VenueId;
  readonly settlement: 'linear' | 'inverse';
  /** Quote currency the position's capital is drawn from (its spot quote). */
  readonly quote: string;
  /** Current perp notional in quote (|contracts| × cs × mark linear; |contracts| × cs inverse). */
  readonly perpNotional: number;
}

/**
 * Capital still free on a venue, in its funding currency: the balance less the margin that open
 * linear perps tie up (notional / leverage). An inverse perp's margin is the coin the spot leg
 * bought, posted as collateral, so it ties up no extra quote.
 */
export function freeCapital(balance: number, exposures: readonly OpenExposure[], leverage: number): number {
  let margin = 0;
  for (const e of exposures) if (e.settlement === 'linear') margin += e.perpNotional / leverage;
  return Math.max(0, balance - margin);
}

/** The notional a new position can take from `free` capital: spot paid in full, plus perp margin. */
export function notionalFromCapital(free: number, settlement: 'linear' | 'inverse', leverage: number): number {
  return settlement === 'linear' ? free / (1 + 1 / leverage) : free;
}
