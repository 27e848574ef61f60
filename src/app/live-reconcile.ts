/**
 * Start-of-day for live trading: first settle every order the ledger sent without hearing how
 * it ended (asked by client id, never resent), then grade the ledger's holdings against what
 * each venue says the account holds. Settlement comes first because an order that filled while
 * carry was down is a holding the ledger must know before it is compared.
 */
import type { Clock } from '../domain/clock.js';
import { isCarryError } from '../domain/errors.js';
import type { LedgerEvent } from '../domain/events.js';
import type { Market, VenueId } from '../domain/market.js';
import type { AccountPort } from '../execution/account-port.js';
import type { ExecutionPort } from '../execution/port.js';
import { settleUnknownOrders, type SettlementReport } from '../engine/order-settlement.js';
import { reconcile, type LedgerHolding, type Reconciliation, type VenueView } from '../engine/reconcile.js';
import type { Ledger } from '../store/ledger.js';
import type { OrderRow, PositionRow } from '../store/rows.js';

export interface StartCheckDeps {
  readonly ledger: Ledger;
  readonly execution: ExecutionPort;
  readonly accounts: ReadonlyMap<VenueId, AccountPort>;
  readonly clock: Clock;
  readonly marketOf: (venue: VenueId, symbol: string) => Market | null;
  readonly neverSeenAfterMs: number;
}

export interface StartCheck {
  readonly settlement: SettlementReport;
  readonly reconciliation: Reconciliation;
}

/** Orders sent and never finished, across every position the ledger knows. */
export function unsettledOrders(ledger: Ledger): readonly OrderRow[] {
  return ledger.positions().flatMap((p) => ledger.orders(p.positionId).filter((o) => o.status === 'submitted'));
}

/** A perp's lot in contracts, whatever ccxt's amount unit for the market. */
export function perpLotContracts(m: Market): number {
  return m.amountUnit === 'contracts' ? m.amountStep : m.amountStep / m.contractSize;
}

export function holdingsOf(ledger: Ledger, marketOf: StartCheckDeps['marketOf']): readonly LedgerHolding[] {
  return ledger.openPositions().map((p: PositionRow) => {
    const spot = p.spotSymbol === null ? null : marketOf(p.venue, p.spotSymbol);
    const perp = marketOf(p.venue, p.perpSymbol);
    return {
      positionId: p.positionId,
      venue: p.venue,
      base: p.base,
      spotSymbol: p.spotSymbol ?? '',
      spotQty: p.spotQty,
      // Unknown markets (delisted, not loaded) compare exactly: a mismatch is reported, not hidden.
      spotLot: spot?.amountStep ?? 0,
      perpSymbol: p.perpSymbol,
      perpContracts: p.perpContracts,
      perpLot: perp ? perpLotContracts(perp) : 0,
    };
  });
}

export async function venueView(venue: VenueId, account: AccountPort, execution: ExecutionPort, symbols: readonly string[]): Promise<VenueView> {
  try {
    const [balances, positions, openOrders] = await Promise.all([account.balances(), account.positions(), execution.openOrders(venue, symbols.length > 0 ? symbols : undefined)]);
    return { venue, kind: 'ok', balances, positions, openOrders };
  } catch (e) {
    if (!isCarryError(e)) throw e;
    return { venue, kind: 'unreachable', error: `${e.code}: ${e.message}` };
  }
}

export async function checkAtStart(deps: StartCheckDeps): Promise<StartCheck> {
  const { ledger } = deps;
  // Each settled order is written as it is learnt: a crash here loses nothing already asked.
  const sink = (events: readonly LedgerEvent[]) => ledger.append(events);
  const settlement = await settleUnknownOrders({ execution: deps.execution, clock: deps.clock, sink, marketOf: deps.marketOf, neverSeenAfterMs: deps.neverSeenAfterMs }, unsettledOrders(ledger));
  const holdings = holdingsOf(ledger, deps.marketOf);
  const views: VenueView[] = [];
  for (const [venue, account] of deps.accounts) {
    const symbols = holdings.filter((h) => h.venue === venue).flatMap((h) => [h.spotSymbol, h.perpSymbol].filter((s) => s !== ''));
    views.push(await venueView(venue, account, deps.execution, symbols));
  }
  const reconciliation = reconcile({
    holdings,
    venues: views,
    unsettled: settlement.pending.map((p) => ({ venue: p.order.venue, symbol: p.order.symbol, clientOrderId: p.order.clientOrderId, why: p.why })),
  });
  return { settlement, reconciliation };
}
