/**
 * AccountPort over ccxt with the user's keys: balances per wallet, open perp positions, funding
 * actually paid, transfers between the venue's wallets. What differs between venues (which
 * fetchBalance calls cover which wallet, ccxt's account names for transfer, the sign of a
 * funding row) is the ACCOUNT_QUIRKS table; the code does not branch on venue names.
 *
 * Errors are ccxt errors mapped by mapCcxtError (message "<venue> <operation>: …"), so a rejected
 * key is a CARRY_VENUE_AUTH / stop naming the venue; the caller adds which env variable holds it.
 * Reads are retried on transient errors (same policy and Clock as CcxtVenue); a transfer is not
 * (it moves money: a lost answer is checked through balances, not by sending it again).
 */
import type { Balances, Exchange, FundingHistory, Position } from 'ccxt';
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { CarryError } from '../domain/errors.js';
import type { VenueId } from '../domain/market.js';
import type { AccountPort, TransferResult, VenueBalance, VenueFundingPayment, VenuePosition, WalletKind } from '../execution/account-port.js';
import { mapCcxtError } from './ccxt-errors.js';
import { ccxtCall, DEFAULT_RETRY } from './retry.js';

export interface AccountQuirks {
  /** One fetchBalance call per wallet, with the params that select it. */
  readonly balances: readonly { readonly wallet: WalletKind; readonly params: Readonly<Record<string, unknown>> }[];
  /** ccxt account names for transfer() (the instance's options.accountsByType keys); absent = cannot transfer there. */
  readonly transferAccounts: Partial<Record<WalletKind, string>>;
  /**
   * Multiplier turning ccxt's FundingHistory.amount into "received by the account".
   * binance: income (positive = received) → 1. bybit: ccxt passes execution `execFee`, which is
   * what the account PAID (the real fixture's long LTC row at feeRate -0.000881 has execFee
   * -0.00708126, i.e. received) → -1. okx: bill balance change (positive = received) → 1.
   */
  readonly fundingSign: 1 | -1;
}

export const ACCOUNT_QUIRKS: Readonly<Record<string, AccountQuirks>> = {
  // Spot and USDT-M futures are separate wallets; ccxt type 'future' = USDT-M (fapi /v2/account).
  binance: {
    balances: [
      { wallet: 'spot', params: { type: 'spot' } },
      { wallet: 'futures', params: { type: 'future' } },
    ],
    // accountsByType: spot → MAIN, future → UMFUTURE, funding → FUNDING (binance.js describe).
    transferAccounts: { spot: 'spot', futures: 'future', funding: 'funding' },
    fundingSign: 1,
  },
  // Unified trading account: spot and perps share one wallet (accountType UNIFIED); FUND is apart.
  bybit: {
    balances: [
      { wallet: 'unified', params: {} },
      { wallet: 'funding', params: { type: 'funding' } },
    ],
    transferAccounts: { unified: 'unified', funding: 'funding' }, // UNIFIED / FUND (bybit.js describe)
    fundingSign: -1,
  },
  // One trading account (18) for spot and swaps; funding account 6.
  okx: {
    balances: [
      { wallet: 'unified', params: {} },
      { wallet: 'funding', params: { type: 'funding' } },
    ],
    transferAccounts: { unified: 'trading', funding: 'funding' },
    fundingSign: 1,
  },
  // Deribit: one account per currency holding futures margin; transfer only to other users/subaccounts.
  deribit: { balances: [{ wallet: 'futures', params: {} }], transferAccounts: {}, fundingSign: 1 },
};

/** Anything else: one fetchBalance, read as a unified wallet; no transfers. */
export const GENERIC_ACCOUNT_QUIRKS: AccountQuirks = { balances: [{ wallet: 'unified', params: {} }], transferAccounts: {}, fundingSign: 1 };

export interface CcxtAccountOptions {
  readonly venue: VenueId;
  readonly exchange: Exchange;
  readonly clock: Clock;
  readonly log?: Logger;
  readonly retry?: { readonly attempts: number; readonly baseMs: number; readonly maxMs: number };
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

export class CcxtAccount implements AccountPort {
  readonly venue: VenueId;
  readonly wallets: readonly WalletKind[];
  private readonly q: AccountQuirks;

  constructor(private readonly opts: CcxtAccountOptions) {
    this.venue = opts.venue;
    this.q = ACCOUNT_QUIRKS[opts.exchange.id] ?? GENERIC_ACCOUNT_QUIRKS;
    this.wallets = [...new Set([...this.q.balances.map((b) => b.wallet), ...(Object.keys(this.q.transferAccounts) as WalletKind[])])];
  }

  async balances(): Promise<readonly VenueBalance[]> {
    const out: VenueBalance[] = [];
    for (const { wallet, params } of this.q.balances) {
      const raw = await this.read('fetchBalance', () => this.opts.exchange.fetchBalance({ ...params }));
      out.push(...balancesOf(raw, this.venue, wallet));
    }
    return out;
  }

  async positions(symbols?: readonly string[]): Promise<readonly VenuePosition[]> {
    const raw = await this.read('fetchPositions', () => this.opts.exchange.fetchPositions(symbols === undefined ? undefined : [...symbols]));
    const want = symbols === undefined ? null : new Set(symbols);
    const out: VenuePosition[] = [];
    for (const p of raw) {
      const pos = positionOf(p, this.venue);
      if (pos !== null && (want === null || want.has(pos.symbol))) out.push(pos);
    }
    return out;
  }

  async fundingPayments(symbol: string, since: number): Promise<readonly VenueFundingPayment[]> {
    if (this.opts.exchange.has['fetchFundingHistory'] !== true) {
      throw new CarryError('CARRY_VENUE_NOT_SUPPORTED', 'skip', `${this.venue}: ccxt has no fetchFundingHistory for ${this.opts.exchange.id} (venues.md §2)`, { venue: this.venue });
    }
    const rows = await this.read('fetchFundingHistory', () => this.opts.exchange.fetchFundingHistory(symbol, since));
    const out: VenueFundingPayment[] = [];
    for (const r of rows as readonly FundingHistory[]) {
      const amount = num(r.amount);
      const ts = num(r.timestamp);
      // A row without a finite amount and time is skipped: never booked as a zero payment.
      if (amount === null || ts === null || ts < since) continue;
      out.push({ venue: this.venue, symbol: r.symbol ?? symbol, ts, amount: amount * this.q.fundingSign || 0, currency: String(r.code), id: typeof r.id === 'string' && r.id.length > 0 ? r.id : null });
    }
    return out.sort((a, b) => a.ts - b.ts);
  }

  async transfer(currency: string, amount: number, from: WalletKind, to: WalletKind): Promise<TransferResult> {
    if (!(Number.isFinite(amount) && amount > 0)) throw new CarryError('CARRY_INPUT_INVALID', 'stop', `${this.venue} transfer: amount must be > 0, got ${amount}`, { venue: this.venue });
    const f = this.q.transferAccounts[from];
    const t = this.q.transferAccounts[to];
    if (f === undefined || t === undefined || from === to) {
      throw new CarryError('CARRY_VENUE_NOT_SUPPORTED', 'skip', `${this.venue}: carry cannot transfer ${from} → ${to} (wallets it can move between: ${Object.keys(this.q.transferAccounts).join(', ') || 'none'})`, { venue: this.venue });
    }
    let raw: { id?: unknown; status?: unknown };
    try {
      raw = await this.opts.exchange.transfer(currency, amount, f, t);
    } catch (e) {
      throw mapCcxtError(e, this.venue, 'transfer');
    }
    this.opts.log?.info({ venue: this.venue, currency, amount, from, to, id: raw.id, status: raw.status }, 'transfer sent');
    return { id: typeof raw.id === 'string' && raw.id.length > 0 ? raw.id : null, status: transferStatus(raw.status) };
  }

  private read<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return ccxtCall(this.venue, operation, fn, { ...(this.opts.retry ?? DEFAULT_RETRY), sleep: (ms) => this.opts.clock.sleep(ms) });
  }
}

/** Every currency with a non-zero amount in one ccxt Balances object. */
export function balancesOf(raw: Balances, venue: VenueId, wallet: WalletKind): VenueBalance[] {
  const out: VenueBalance[] = [];
  const skip = new Set(['info', 'timestamp', 'datetime', 'free', 'used', 'total', 'debt']);
  for (const [currency, v] of Object.entries(raw as unknown as Record<string, unknown>)) {
    if (skip.has(currency) || typeof v !== 'object' || v === null) continue;
    const b = v as { free?: unknown; used?: unknown; total?: unknown };
    const free = num(b.free);
    const used = num(b.used);
    const total = num(b.total) ?? (free ?? 0) + (used ?? 0);
    if (total === 0 && (free ?? 0) === 0 && (used ?? 0) === 0) continue;
    // A venue that reports only the total (bybit UTA leaves availableToWithdraw empty) gives free = total − used.
    out.push({ venue, wallet, currency, free: free ?? total - (used ?? 0), used: used ?? total - (free ?? total), total });
  }
  return out.sort((a, b) => a.currency.localeCompare(b.currency));
}

/** A ccxt Position as signed contracts (short < 0); null when flat. */
export function positionOf(p: Position, venue: VenueId): VenuePosition | null {
  const contracts = num(p.contracts) ?? 0;
  if (contracts === 0 || typeof p.symbol !== 'string') return null;
  // ccxt gives contracts unsigned with a side; some parsers leave side undefined and sign contracts.
  const signed = p.side === 'short' ? -Math.abs(contracts) : p.side === 'long' ? Math.abs(contracts) : contracts;
  const mm = p.marginMode;
  return {
    venue,
    symbol: p.symbol,
    contracts: signed,
    entryPrice: num(p.entryPrice),
    markPrice: num(p.markPrice),
    liquidationPrice: num(p.liquidationPrice),
    leverage: num(p.leverage),
    marginMode: mm === 'cross' || mm === 'isolated' ? mm : null,
    unrealisedPnl: num(p.unrealizedPnl),
  };
}

function transferStatus(s: unknown): TransferResult['status'] {
  if (s === 'ok' || s === 'success' || s === 'SUCCESS' || s === 'CONFIRMED') return 'ok';
  if (s === 'failed' || s === 'canceled' || s === 'FAILED') return 'failed';
  // No status (binance answers a tranId only): not confirmed yet; balances() tells.
  return 'pending';
}
