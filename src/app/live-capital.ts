/**
 * Live capital: what the venues say is free, read once per scan tick (CapitalView answers
 * synchronously during a tick, on the snapshot). Where a venue keeps spot and futures apart
 * (Binance), the spot leg is paid from the spot wallet and the perp's margin from the futures
 * wallet, so an open is bounded by both; a unified account (Bybit, OKX) pays both from one pool,
 * as the paper wallet does. A venue whose balances could not be read has no free capital: nothing
 * opens there until it answers again.
 */
import type { CapitalLeg, CapitalView } from '../engine/capital-view.js';
import { isCarryError } from '../domain/errors.js';
import type { VenueId } from '../domain/market.js';
import type { AccountPort, VenueBalance, VenuePosition, WalletKind } from '../execution/account-port.js';
import { notionalFromCapital } from '../engine/paper-wallet.js';
import type { Logger } from '../util/log.js';

/** Stable currencies capital is counted in, most preferred first. */
const STABLE = ['USDT', 'USDC', 'USD'] as const;

const SPOT_WALLETS: readonly WalletKind[] = ['spot', 'unified'];
const PERP_WALLETS: readonly WalletKind[] = ['futures', 'unified'];

function freeIn(balances: readonly VenueBalance[], wallets: readonly WalletKind[], currency: string): number {
  return balances.filter((b) => wallets.includes(b.wallet) && b.currency === currency).reduce((s, b) => s + b.free, 0);
}

/** The largest notional a linear spot+perp open can take from these balances at `leverage`. */
export function liveOpenable(balances: readonly VenueBalance[], settlement: 'linear' | 'inverse', leverage: number): number {
  const unified = balances.some((b) => b.wallet === 'unified');
  let best = 0;
  for (const c of STABLE) {
    const spot = freeIn(balances, SPOT_WALLETS, c);
    if (unified) {
      best = Math.max(best, notionalFromCapital(freeIn(balances, ['unified'], c), settlement, leverage));
      continue;
    }
    // Separate wallets: the spot wallet pays the spot leg, the futures wallet margins the perp.
    // An inverse perp is margined by the coin the spot leg buys, so only the spot wallet bounds it.
    const perp = freeIn(balances, ['futures'], c);
    best = Math.max(best, settlement === 'linear' ? Math.min(spot, perp * leverage) : spot);
  }
  return best;
}

export class LiveCapital implements CapitalView {
  private readonly snapshot = new Map<VenueId, readonly VenueBalance[]>();
  private readonly positions = new Map<VenueId, readonly VenuePosition[]>();

  constructor(
    private readonly accounts: ReadonlyMap<VenueId, AccountPort>,
    readonly perpLeverage: number,
    private readonly log: Logger,
  ) {}

  /**
   * Reads every venue's balances and perp positions; a venue that fails keeps no snapshot
   * (nothing opens there, and its margin falls back to carry's model).
   */
  async refresh(): Promise<void> {
    await Promise.all(
      [...this.accounts].map(async ([venue, account]) => {
        try {
          const [balances, positions] = await Promise.all([account.balances(), account.positions()]);
          this.snapshot.set(venue, balances);
          this.positions.set(venue, positions);
        } catch (e) {
          if (!isCarryError(e)) throw e;
          this.snapshot.delete(venue);
          this.positions.delete(venue);
          this.log.warn({ venue, code: e.code, err: e.message }, 'account unreadable: no new positions on this venue this tick');
        }
      }),
    );
  }

  /** The venue's liquidation price of the perp; null when it reports none (0, absent) or was not read. */
  readonly liquidationPrice = (venue: VenueId, symbol: string): number | null => {
    const p = this.positions.get(venue)?.find((x) => x.symbol === symbol);
    const liq = p?.liquidationPrice ?? null;
    return liq !== null && Number.isFinite(liq) && liq > 0 ? liq : null;
  };

  /** Sets a venue's balances (the start-up key check already read them). */
  set(venue: VenueId, balances: readonly VenueBalance[]): void {
    this.snapshot.set(venue, balances);
  }

  balances(venue: VenueId): readonly VenueBalance[] | undefined {
    return this.snapshot.get(venue);
  }

  /** What margins the perps: the futures wallet (Binance) or the unified account, not the spot wallet. */
  balance(venue: VenueId, currency: string): number {
    return (this.snapshot.get(venue) ?? []).filter((b) => b.currency === currency && PERP_WALLETS.includes(b.wallet)).reduce((s, b) => s + b.total, 0);
  }

  freeFor(venue: VenueId, leg: CapitalLeg, currency: string): number {
    return freeIn(this.snapshot.get(venue) ?? [], leg === 'spot' ? SPOT_WALLETS : PERP_WALLETS, currency);
  }

  free(venue: VenueId): number | undefined {
    const b = this.snapshot.get(venue);
    if (b === undefined) return undefined;
    // In the strategy's terms (paper: free = notional × (1 + 1/leverage)), so decide() bounds the same way.
    return liveOpenable(b, 'linear', this.perpLeverage) * (1 + 1 / this.perpLeverage);
  }

  openable(venue: VenueId, settlement: 'linear' | 'inverse'): number {
    const b = this.snapshot.get(venue);
    return b === undefined ? 0 : liveOpenable(b, settlement, this.perpLeverage);
  }
}
