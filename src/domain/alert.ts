/**
 * Alerts: what the monitor finds and the sinks deliver (issue: monitor and rebalance alerts).
 * An alert is about one subject (a position, a venue, a job) and one kind; the pair is its
 * identity for deduplication, cooldown and the "resolved" message when the condition clears.
 */
import type { VenueId } from './market.js';
import type { OrderSide } from './position.js';

/** Every alert kind, for the config's per-kind settings and the webhook payload's schema. */
export const ALERT_KINDS = [
  'delta_drift', // spot and perp base quantities no longer match
  'margin', // the perp's distance to liquidation is below the threshold
  'funding_flip', // the rate changed sign against the position
  'funding_below_exit', // the predicted rate fell under the strategy's exit threshold
  'interval_change', // the venue changed the symbol's funding interval (8h → 1h)
  'basis', // perp/spot basis or mark/index spread beyond bps or z-score
  'stale_data', // market data older than allowed
  'venue_down', // a venue stopped answering
  'missed_ticks', // scheduler ticks skipped or late
  'funding_mismatch', // live: the venue paid other funding than the ledger expected
  'trading_state', // live: trading moved to reducing or halted (risk limit, reconciliation, kill)
  'test', // `carry alerts test`
] as const;

export type AlertKind = (typeof ALERT_KINDS)[number];

export type Severity = 'info' | 'warning' | 'critical';

/** The exact thing to do, rounded to the venue's lots, with a sentence a person can follow. */
export type CorrectiveAction =
  | {
      readonly kind: 'order';
      readonly venue: VenueId;
      readonly symbol: string;
      readonly leg: 'spot' | 'perp';
      readonly side: OrderSide;
      /** In the market's ccxt amount unit, on the lot. */
      readonly amount: number;
      /** Perp only: the same in contracts. */
      readonly contracts: number | null;
      /** e.g. "sell 0.012 BTC spot on binance", "buy 30 BTC-PERPETUAL contracts on deribit". */
      readonly text: string;
    }
  | {
      readonly kind: 'transfer';
      readonly venue: VenueId;
      readonly currency: string;
      readonly amount: number;
      /** ccxt account names, e.g. 'spot' → 'swap' (Binance), 'funding' → 'unified' (Bybit). */
      readonly from: string;
      readonly to: string;
      readonly text: string;
    };

export interface Alert {
  /** Stable per episode: kind + subject + the time the condition started. */
  readonly id: string;
  readonly kind: AlertKind;
  readonly severity: Severity;
  /** What the alert is about: a position id, a venue id or a job name. With `kind`, the dedup key. */
  readonly subject: string;
  readonly positionId: string | null;
  readonly venue: VenueId | null;
  readonly symbol: string | null;
  /** Clock time of this message. */
  readonly ts: number;
  readonly status: 'firing' | 'resolved';
  /** One short line, e.g. "BTC carry on deribit drifted 9.1% long". */
  readonly title: string;
  /** Short human text: the numbers, the action to take, the next funding. */
  readonly message: string;
  readonly actions: readonly CorrectiveAction[];
  /** The numbers behind it, for machines (webhook payload). */
  readonly data: Readonly<Record<string, number | string | boolean | null>>;
  readonly nextFundingTime: number | null;
}

/**
 * What a check found for a (kind, subject) it evaluated that is NOT firing: the numbers now, in
 * a sentence ("Back within bounds: perp vs spot 3.1 bps (limit 15 bps)."). An alert of that key
 * that was firing resolves with this as its message, so the user reads what came back and where
 * it stands, not the firing text again.
 */
/**
 * A key a check evaluated and found quiet, with what it measured built only when asked: the
 * manager asks only for keys whose episode resolves, and a check runs every minute over every
 * position (building each text eagerly was a tenth of a paper run).
 */
export interface QuietKey {
  readonly kind: AlertKind;
  readonly subject: string;
  readonly report: () => ClearReport;
}

export interface ClearReport {
  readonly kind: AlertKind;
  readonly subject: string;
  readonly message: string;
  /** The current numbers (the resolved message's `data`). */
  readonly data: Readonly<Record<string, number | string | boolean | null>>;
  readonly nextFundingTime?: number | null;
}
