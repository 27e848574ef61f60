/**
 * Startup reconciliation, pure: the ledger's open positions against what the venues say the
 * account holds. Each finding is graded by what the bot must do:
 * - 'ok': the venue agrees (the position is adopted as it stands);
 * - 'warn': something carry does not own and will not touch (a perp position or an order on a
 *   symbol carry holds nothing on, spot coins beyond carry's): reported, trading goes on;
 * - 'halt': the ledger and the venue disagree about something carry owns, or carry cannot see the
 *   venue: the bot stays halted until they agree or the user decides (`carry resume` after checking the venue, or `carry kill`).
 *
 * Tolerances are half a lot of the market in question: both sides count whole lots, so anything
 * smaller is float noise, anything larger is a real difference.
 *
 * Spot is compared as "the venue holds at least what carry holds": the user may keep coins of
 * their own in the same wallet. What carry holds is its fills net of fees the venue took in the
 * coin itself (Binance takes a spot buy's fee from the base received).
 */
import type { VenueId } from '../domain/market.js';
import type { VenueBalance, VenuePosition } from '../execution/account-port.js';
import type { VenueOpenOrder } from '../execution/port.js';

export interface LedgerHolding {
  readonly positionId: string;
  readonly venue: VenueId;
  readonly base: string;
  readonly spotSymbol: string;
  /** Spot held by the ledger's fills, in base, net of fees the venue took in the coin (as the wallet holds it). */
  readonly spotQty: number;
  readonly spotLot: number;
  readonly perpSymbol: string;
  /** Signed perp contracts held by the ledger's fills. */
  readonly perpContracts: number;
  /** One lot in contracts. */
  readonly perpLot: number;
}

export type VenueView =
  | {
      readonly venue: VenueId;
      readonly kind: 'ok';
      readonly balances: readonly VenueBalance[];
      readonly positions: readonly VenuePosition[];
      readonly openOrders: readonly VenueOpenOrder[];
    }
  | { readonly venue: VenueId; readonly kind: 'unreachable'; readonly error: string };

export type FindingKind =
  | 'venue_unreachable'
  | 'perp_matches'
  | 'perp_mismatch'
  | 'perp_foreign'
  | 'spot_matches'
  | 'spot_short'
  | 'spot_extra'
  | 'order_carry_open'
  | 'order_foreign'
  | 'order_unsettled';

export type Severity = 'ok' | 'warn' | 'halt';

export interface Finding {
  readonly severity: Severity;
  readonly kind: FindingKind;
  readonly venue: VenueId;
  readonly symbol: string | null;
  /** What the ledger says (contracts or coins), null when it has no view. */
  readonly ledger: number | null;
  /** What the venue says, null when it has no view. */
  readonly onVenue: number | null;
  readonly message: string;
}

export interface Reconciliation {
  /** No 'halt' finding. */
  readonly consistent: boolean;
  readonly findings: readonly Finding[];
}

export interface ReconcileInput {
  readonly holdings: readonly LedgerHolding[];
  readonly venues: readonly VenueView[];
  /** Ledger orders still without a final state after settlement was tried. */
  readonly unsettled: readonly { readonly venue: VenueId; readonly symbol: string; readonly clientOrderId: string; readonly why: string }[];
}

export function reconcile(input: ReconcileInput): Reconciliation {
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);
  for (const view of input.venues) {
    const mine = input.holdings.filter((h) => h.venue === view.venue);
    if (view.kind === 'unreachable') {
      add({ severity: 'halt', kind: 'venue_unreachable', venue: view.venue, symbol: null, ledger: null, onVenue: null, message: `${view.venue}: cannot read the account (${view.error}); nothing can be verified there` });
      continue;
    }
    reconcilePerps(view.venue, mine, view.positions, add);
    reconcileSpot(view.venue, mine, view.balances, add);
    const symbols = new Set(mine.flatMap((h) => [h.spotSymbol, h.perpSymbol]));
    for (const o of view.openOrders) {
      if (o.clientOrderId !== null) {
        add({ severity: 'halt', kind: 'order_carry_open', venue: view.venue, symbol: o.symbol, ledger: null, onVenue: o.amount - o.filledAmount, message: `${view.venue} ${o.symbol}: carry's order ${o.clientOrderId} is still open (${o.filledAmount} of ${o.amount} filled); it must be settled before trading` });
      } else {
        const ours = symbols.has(o.symbol);
        add({ severity: 'warn', kind: 'order_foreign', venue: view.venue, symbol: o.symbol, ledger: null, onVenue: o.amount - o.filledAmount, message: `${view.venue} ${o.symbol}: an open ${o.side} order ${o.orderId} carry did not place${ours ? ', on a market carry trades: it may fill against carry’s hedge' : ''}; carry leaves it alone` });
      }
    }
  }
  for (const u of input.unsettled) {
    add({ severity: 'halt', kind: 'order_unsettled', venue: u.venue, symbol: u.symbol, ledger: null, onVenue: null, message: `${u.venue} ${u.symbol}: the outcome of order ${u.clientOrderId} is still unknown (${u.why})` });
  }
  return { consistent: !findings.some((f) => f.severity === 'halt'), findings };
}

function reconcilePerps(venue: VenueId, mine: readonly LedgerHolding[], positions: readonly VenuePosition[], add: (f: Finding) => void): void {
  const bySymbol = new Map<string, { contracts: number; lot: number }>();
  for (const h of mine) {
    const e = bySymbol.get(h.perpSymbol) ?? { contracts: 0, lot: h.perpLot };
    e.contracts += h.perpContracts;
    bySymbol.set(h.perpSymbol, e);
  }
  const onVenue = new Map<string, number>();
  for (const p of positions) onVenue.set(p.symbol, (onVenue.get(p.symbol) ?? 0) + p.contracts);
  for (const [symbol, e] of bySymbol) {
    const v = onVenue.get(symbol) ?? 0;
    const same = Math.abs(v - e.contracts) <= e.lot / 2;
    if (same && e.contracts === 0 && v === 0) continue;
    add(
      same
        ? { severity: 'ok', kind: 'perp_matches', venue, symbol, ledger: e.contracts, onVenue: v, message: `${venue} ${symbol}: ${v} contracts, as the ledger holds` }
        : { severity: 'halt', kind: 'perp_mismatch', venue, symbol, ledger: e.contracts, onVenue: v, message: `${venue} ${symbol}: the venue holds ${v} contracts, the ledger ${e.contracts}` },
    );
  }
  for (const [symbol, v] of onVenue) {
    if (bySymbol.has(symbol) || v === 0) continue;
    add({ severity: 'warn', kind: 'perp_foreign', venue, symbol, ledger: 0, onVenue: v, message: `${venue} ${symbol}: a position of ${v} contracts carry did not open; carry leaves it alone, but it uses the same margin` });
  }
}

function reconcileSpot(venue: VenueId, mine: readonly LedgerHolding[], balances: readonly VenueBalance[], add: (f: Finding) => void): void {
  const byCoin = new Map<string, { qty: number; lot: number; symbol: string }>();
  for (const h of mine) {
    const e = byCoin.get(h.base) ?? { qty: 0, lot: h.spotLot, symbol: h.spotSymbol };
    e.qty += h.spotQty;
    e.lot = Math.max(e.lot, h.spotLot);
    byCoin.set(h.base, e);
  }
  for (const [coin, e] of byCoin) {
    if (Math.abs(e.qty) <= e.lot / 2) continue;
    // Spot held in any wallet that can trade spot counts (Binance spot, a unified account).
    const held = balances.filter((b) => b.currency === coin && b.wallet !== 'futures' && b.wallet !== 'funding').reduce((s, b) => s + b.total, 0);
    if (held + e.lot / 2 < e.qty) {
      add({ severity: 'halt', kind: 'spot_short', venue, symbol: e.symbol, ledger: e.qty, onVenue: held, message: `${venue} ${coin}: the venue holds ${held}, less than the ${e.qty} carry's positions hold` });
    } else if (held - e.qty > e.lot / 2) {
      add({ severity: 'ok', kind: 'spot_extra', venue, symbol: e.symbol, ledger: e.qty, onVenue: held, message: `${venue} ${coin}: ${held} held, of which ${e.qty} is carry's; the rest is the user's own and is not touched` });
    } else {
      add({ severity: 'ok', kind: 'spot_matches', venue, symbol: e.symbol, ledger: e.qty, onVenue: held, message: `${venue} ${coin}: ${held}, as the ledger holds` });
    }
  }
}

/** One line per finding that is not 'ok', for the terminal and the alert. */
export function reconciliationText(r: Reconciliation): string {
  const bad = r.findings.filter((f) => f.severity !== 'ok');
  if (bad.length === 0) return `reconciled: the venues agree with the ledger (${r.findings.length} holdings checked)`;
  return [`reconciliation: ${r.consistent ? 'consistent, with warnings' : 'MISMATCH — trading halted until resolved'}`, ...bad.map((f) => `  ${f.severity.toUpperCase().padEnd(4)} ${f.message}`)].join('\n');
}
