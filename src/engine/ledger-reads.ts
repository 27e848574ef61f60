/**
 * The engine's reads of the ledger, cached between the commits that change them: the ledger only
 * changes when a tick appends events, so a tick reads positions, fills and wallets as its start
 * left them (in both commit modes, see tick-buffer.ts). Also the row → event and row → spec
 * conversions the engine's parts share.
 */
import type { FundingPaid, LedgerEvent, OrderFilled } from '../domain/events.js';
import type { VenueId } from '../domain/market.js';
import type { PositionSpec } from '../domain/position.js';
import type { Ledger } from '../store/ledger.js';
import type { FillRow, FundingPaymentRow, PositionRow, WalletBalance } from '../store/rows.js';
import { heldFromFills } from './funding-accrual.js';

export function fillEventOf(r: FillRow): OrderFilled {
  return {
    type: 'order.fill',
    ts: r.ts,
    fillId: r.fillId,
    orderId: r.orderId,
    positionId: r.positionId,
    venue: r.venue,
    leg: r.leg,
    symbol: r.symbol,
    side: r.side,
    price: r.price,
    amount: r.amount,
    baseQty: r.baseQty,
    contracts: r.contracts,
    quoteNotional: r.quoteNotional,
    fee: r.fee,
    feeCurrency: r.feeCurrency,
    feeQuote: r.feeQuote,
  };
}

export function fundingEventOf(r: FundingPaymentRow): FundingPaid {
  return {
    type: 'funding.payment',
    ts: r.ts,
    positionId: r.positionId,
    venue: r.venue,
    symbol: r.symbol,
    settlementTime: r.settlementTime,
    periodStart: r.periodStart,
    rate: r.rate,
    markPrice: r.markPrice,
    contracts: r.contracts,
    contractSize: r.contractSize,
    settlement: r.settlement,
    amount: r.amount,
    currency: r.currency,
    amountQuote: r.amountQuote,
  };
}

export function specOf(p: PositionRow): PositionSpec {
  return {
    positionId: p.positionId,
    venue: p.venue,
    base: p.base,
    quote: p.quote,
    direction: p.direction,
    spotSymbol: p.spotSymbol,
    perpSymbol: p.perpSymbol,
    settlement: p.settlement,
    contractSize: p.contractSize,
    settle: p.settle,
    intervalHours: p.intervalHours,
    continuousFunding: p.continuousFunding,
  };
}

/** Events that change none of the cached reads (open positions, fills, wallet balances). */
const READ_NEUTRAL_EVENTS: ReadonlySet<LedgerEvent['type']> = new Set<LedgerEvent['type']>(['scan.recorded', 'decision', 'equity.snapshot']);

interface ReadCache {
  open?: readonly PositionRow[];
  /** This tick replaced `open` with its own view (a rebalance). */
  patched?: boolean;
  readonly fills: Map<string, readonly OrderFilled[]>;
  /** heldFromFills of each position's fills: the accrual asks for it every monitor tick. */
  readonly held: Map<string, ReturnType<typeof heldFromFills>>;
  readonly wallet: Map<VenueId, readonly WalletBalance[]>;
}

function newReadCache(): ReadCache {
  return { fills: new Map(), held: new Map(), wallet: new Map() };
}

export class LedgerReads {
  private cache: ReadCache = newReadCache();

  constructor(private readonly ledger: Ledger) {}

  openPositions(): readonly PositionRow[] {
    return (this.cache.open ??= this.ledger.openPositions());
  }

  walletOf(venue: VenueId): readonly WalletBalance[] {
    let w = this.cache.wallet.get(venue);
    if (!w) this.cache.wallet.set(venue, (w = this.ledger.walletBalances(venue)));
    return w;
  }

  /** Balance of `currency` in the venue's wallet (0 when none). */
  walletBalance(venue: VenueId, currency: string): number {
    return this.walletOf(venue).find((b) => b.currency === currency)?.amount ?? 0;
  }

  fillsOf(positionId: string): readonly OrderFilled[] {
    let f = this.cache.fills.get(positionId);
    if (!f) this.cache.fills.set(positionId, (f = this.ledger.fills(positionId).map(fillEventOf)));
    return f;
  }

  heldOf(positionId: string): ReturnType<typeof heldFromFills> {
    let h = this.cache.held.get(positionId);
    if (!h) this.cache.held.set(positionId, (h = heldFromFills(this.fillsOf(positionId))));
    return h;
  }

  /** The tick's own view of the open positions (a rebalance moved legs the ledger has not booked yet). */
  patchOpen(open: readonly PositionRow[]): void {
    this.cache.open = open;
    this.cache.patched = true;
  }

  /**
   * Whether committing `events` leaves the cached reads stale. Most scan ticks append only their
   * scan record and a few decisions: those leave positions, fills and wallets as they were, so
   * the cached reads stay valid (re-reading them after every scan was a tenth of a paper run, and
   * grows with the ledger).
   */
  staleAfter(events: readonly LedgerEvent[]): boolean {
    return this.cache.patched === true || events.some((e) => !READ_NEUTRAL_EVENTS.has(e.type));
  }

  invalidate(): void {
    this.cache = newReadCache();
  }
}
