/**
 * The account edge: what a venue says the user holds. Live reads it from the venue with the
 * user's keys (ccxt fetchBalance, fetchPositions, fetchFundingHistory, transfer); the engine uses
 * it for free capital, reconciliation at start and funding actually paid. Paper keeps its wallet
 * in the ledger and has no account port.
 */
import type { VenueId } from '../domain/market.js';

/**
 * Which wallet a balance sits in. Binance keeps spot and USDT-M futures apart ('spot',
 * 'futures'); Bybit's unified account (and OKX's trading account) is one wallet for both legs
 * ('unified').
 */
export type WalletKind = 'spot' | 'futures' | 'unified' | 'funding';

export interface VenueBalance {
  readonly venue: VenueId;
  readonly wallet: WalletKind;
  /** Unified currency code, e.g. 'USDT', 'BTC'. */
  readonly currency: string;
  /** Available for new orders or withdrawal. */
  readonly free: number;
  /** Tied up (open orders, margin). */
  readonly used: number;
  readonly total: number;
}

export interface VenuePosition {
  readonly venue: VenueId;
  /** ccxt unified perp symbol, e.g. 'BTC/USDT:USDT'. */
  readonly symbol: string;
  /** Signed contracts (short < 0), in contracts as the ledger counts them. */
  readonly contracts: number;
  readonly entryPrice: number | null;
  readonly markPrice: number | null;
  readonly liquidationPrice: number | null;
  /** The venue's leverage setting for the symbol, when it reports one. */
  readonly leverage: number | null;
  readonly marginMode: 'cross' | 'isolated' | null;
  readonly unrealisedPnl: number | null;
}

/** One funding payment as the venue booked it (Binance income FUNDING_FEE, Bybit SETTLEMENT). */
export interface VenueFundingPayment {
  readonly venue: VenueId;
  readonly symbol: string;
  /** When the venue booked it (the settlement instant). */
  readonly ts: number;
  /** Received by the account (negative = paid), in `currency`. */
  readonly amount: number;
  readonly currency: string;
  /** The venue's id for the entry, when it has one. */
  readonly id: string | null;
}

export interface TransferResult {
  readonly id: string | null;
  readonly status: 'ok' | 'pending' | 'failed';
}

export interface AccountPort {
  readonly venue: VenueId;
  /** Wallets this venue has (Binance: spot + futures; Bybit: unified). */
  readonly wallets: readonly WalletKind[];
  /** Every non-zero balance in every wallet. Throws CarryError (CARRY_AUTH…) on a rejected key. */
  balances(): Promise<readonly VenueBalance[]>;
  /** Open perp positions (non-zero contracts), all symbols or only `symbols`. */
  positions(symbols?: readonly string[]): Promise<readonly VenuePosition[]>;
  /** Funding the account received or paid on `symbol` since `since` (ms), oldest first. */
  fundingPayments(symbol: string, since: number): Promise<readonly VenueFundingPayment[]>;
  /** Moves `amount` of `currency` between two of this venue's wallets. */
  transfer(currency: string, amount: number, from: WalletKind, to: WalletKind): Promise<TransferResult>;
}
