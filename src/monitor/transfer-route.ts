/**
 * Where collateral for a perp comes from and goes to on each venue, as ccxt `transfer()` account
 * names (venues.md §2 "Transfer", checked against ccxt 4.5.84 `options.accountsByType`):
 * - binance: 'spot' (MAIN) → 'swap' (UMFUTURE) for USDT-M, → 'inverse' (CMFUTURE) for coin-M;
 * - bybit (unified trading account, spot and perps share one wallet): 'funding' (FUND) → 'unified';
 * - okx (one trading account): 'funding' (6) → 'trading' (18);
 * - deribit: no internal transfer in ccxt (only to a user or subaccount): the perp is margined by
 *   the account's own balance, so adding collateral is a deposit, 'external' → 'main';
 * - any other venue: ccxt's common names 'spot' → 'swap', to be checked against that venue.
 */
import type { Settlement, VenueId } from '../domain/market.js';

export interface TransferRoute {
  readonly from: string;
  readonly to: string;
  /** true when ccxt `transfer(currency, amount, from, to)` does it; false: a deposit by hand. */
  readonly ccxt: boolean;
}

/** `ccxtId` is the venue's ccxt class when the configured name differs ("binance-2" → "binance"). */
export function marginTransferRoute(venue: VenueId, settlement: Settlement, ccxtId: string = venue): TransferRoute {
  switch (ccxtId) {
    case 'binance':
      return { from: 'spot', to: settlement === 'inverse' ? 'inverse' : 'swap', ccxt: true };
    case 'bybit':
      return { from: 'funding', to: 'unified', ccxt: true };
    case 'okx':
      return { from: 'funding', to: 'trading', ccxt: true };
    case 'deribit':
      return { from: 'external', to: 'main', ccxt: false };
    default:
      return { from: 'spot', to: 'swap', ccxt: true };
  }
}

const STABLE = new Set(['USDT', 'USDC', 'USD', 'FDUSD', 'BUSD', 'DAI', 'TUSD', 'USDE']);

/**
 * Step transfers are rounded UP to (never short of what restores the target): cents for dollar
 * stablecoins, 1e-8 (a satoshi) for coins. An assumption, not venue data: carry's Market holds no
 * currency precision, and a coarser venue step applied by ccxt at the call could truncate; the
 * alert's `data` keeps the unrounded amount needed.
 */
export function transferStep(currency: string): number {
  return STABLE.has(currency.toUpperCase()) ? 0.01 : 1e-8;
}
