/** Typed, camelCase rows the ledger's queries return, and their mapping from SQLite rows. */
import type { ExitKind, RiskRule } from '../domain/action.js';
import type { LedgerEvent, LedgerEventType } from '../domain/events.js';
import type { Direction } from '../domain/opportunity.js';
import type { GateCode, ReducingCause, RiskTrigger, TradingState } from '../domain/risk.js';
import type { LegKind, OrderPurpose, OrderSide, PositionHoldings, PositionSpec, PositionState } from '../domain/position.js';

export interface PositionRow extends PositionSpec, PositionHoldings {
  readonly state: PositionState;
  readonly targetNotional: number;
  readonly entryRate: number;
  readonly reason: string;
  readonly createdAt: number;
  readonly openedAt: number | null;
  readonly closedAt: number | null;
  /** ts of the last event that changed this row. */
  readonly updatedAt: number;
  /** Set while something needs a human (e.g. a venue stopped answering mid-position). */
  readonly flag: string | null;
  readonly flagMessage: string | null;
  /** Average entry of the spot held (quote per base); null when flat. */
  readonly spotEntryPrice: number | null;
  /** Average entry of the perp held (linear: weighted mean; inverse: harmonic mean); null when flat. */
  readonly perpEntryPrice: number | null;
  /** Spot P&L realised by reducing fills, in quote (already inside the wallet's cash flows). */
  readonly realisedSpot: number;
  /** Perp P&L realised by reducing fills, in the settle currency (booked as wallet entries). */
  readonly realisedPerp: number;
  /** realisedPerp converted at each closing fill's price. */
  readonly realisedPerpQuote: number;
  /** Sum of fills' feeQuote. */
  readonly feesQuote: number;
  /** Sum of funding payments in the settle currency. */
  readonly funding: number;
  /** Sum of funding payments' amountQuote. */
  readonly fundingQuote: number;
  /** The strategy's net APR over its planned hold at entry; null when not recorded (older ledgers). */
  readonly entryNetApr: number | null;
  /** Why it was closed (set at the transition to closing); null while not closing, or unknown. */
  readonly exitKind: ExitKind | null;
  /** The risk rule of an exit 'risk'; null otherwise. */
  readonly exitRule: RiskRule | null;
  /** The strategy's reason for the close, in words. */
  readonly closeReason: string | null;
}

export type OrderStatus = 'submitted' | 'filled' | 'partial' | 'unfilled' | 'rejected';

export interface OrderRow {
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly positionId: string;
  readonly venue: string;
  readonly leg: LegKind;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly purpose: OrderPurpose;
  readonly amount: number;
  readonly limitPrice: number;
  readonly reduceOnly: boolean;
  /** 'submitted' until its order.done. */
  readonly status: OrderStatus;
  readonly filledAmount: number;
  readonly reason: string | null;
  readonly submittedAt: number;
  readonly doneAt: number | null;
  /** The venue's id for the order, once it answered with one; null before, in paper and in older ledgers. */
  readonly venueOrderId: string | null;
}

export interface FillRow {
  readonly fillId: string;
  readonly eventSeq: number;
  readonly orderId: string;
  readonly positionId: string;
  readonly venue: string;
  readonly leg: LegKind;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly price: number;
  readonly amount: number;
  readonly baseQty: number;
  readonly contracts: number | null;
  readonly quoteNotional: number;
  readonly fee: number;
  readonly feeCurrency: string;
  readonly feeQuote: number;
  /** P&L this fill realised against the leg's average entry; null when it did not reduce the leg. */
  readonly realisedPnl: number | null;
  readonly realisedPnlCurrency: string | null;
  readonly realisedPnlQuote: number | null;
  readonly ts: number;
}

export interface FundingPaymentRow {
  readonly paymentId: number;
  readonly eventSeq: number;
  readonly positionId: string;
  readonly venue: string;
  readonly symbol: string;
  readonly settlementTime: number;
  readonly periodStart: number | null;
  readonly rate: number;
  readonly markPrice: number;
  readonly contracts: number;
  readonly contractSize: number;
  readonly settlement: 'linear' | 'inverse';
  readonly amount: number;
  readonly currency: string;
  readonly amountQuote: number;
  readonly ts: number;
}

export interface WalletBalance {
  readonly venue: string;
  readonly currency: string;
  readonly amount: number;
}

export type WalletReason = 'deposit' | 'transfer' | 'spot_buy' | 'spot_sell' | 'fee' | 'funding' | 'realised_pnl';

export interface WalletEntryRow {
  readonly entryId: number;
  readonly eventSeq: number;
  readonly venue: string;
  readonly currency: string;
  readonly amount: number;
  readonly reason: WalletReason;
  readonly positionId: string | null;
  readonly ts: number;
}

export interface EquitySnapshotRow {
  readonly ts: number;
  readonly equity: number;
  readonly realised: number;
  readonly unrealised: number;
  readonly funding: number;
  readonly fees: number;
  readonly openPositions: number;
}

export interface ScanTopRow {
  readonly scanSeq: number;
  readonly scanTs: number;
  readonly rank: number;
  readonly venue: string;
  readonly perpSymbol: string;
  readonly spotSymbol: string | null;
  readonly rate: number;
  readonly intervalHours: number;
  readonly netApr: number | null;
  readonly maxNotional: number | null;
  readonly status: string;
}

export interface DecisionRow {
  readonly ts: number;
  readonly venue: string;
  readonly symbol: string;
  readonly action: 'open' | 'close' | 'rebalance' | 'skip' | 'deny';
  readonly reason: string;
  /** A deny: the check that refused (null otherwise, and for denials recorded before codes). */
  readonly code: GateCode | null;
  /** A deny: the configured limit and the value that broke it; null when not a number. */
  readonly limit: number | null;
  readonly value: number | null;
}

export interface RiskStateRow {
  readonly eventSeq: number;
  readonly ts: number;
  readonly from: TradingState;
  readonly to: TradingState;
  readonly trigger: RiskTrigger;
  readonly reason: string;
  readonly causes: readonly ReducingCause[];
}

export interface HistoryRow {
  readonly seq: number;
  readonly ts: number;
  readonly type: LedgerEventType;
  readonly positionId: string | null;
  readonly event: LedgerEvent;
}

type Raw = Record<string, unknown>;

const num = (v: unknown): number => v as number;
const numOrNull = (v: unknown): number | null => (v === null ? null : (v as number));
const str = (v: unknown): string => v as string;
const strOrNull = (v: unknown): string | null => (v === null ? null : (v as string));

export function toPosition(r: Raw): PositionRow {
  return {
    positionId: str(r['position_id']),
    venue: str(r['venue']),
    base: str(r['base']),
    quote: str(r['quote']),
    direction: r['direction'] as Direction,
    spotSymbol: str(r['spot_symbol']),
    perpSymbol: str(r['perp_symbol']),
    settlement: r['settlement'] as 'linear' | 'inverse',
    contractSize: num(r['contract_size']),
    settle: str(r['settle']),
    intervalHours: num(r['interval_hours']),
    continuousFunding: r['continuous_funding'] === 1,
    state: r['state'] as PositionState,
    targetNotional: num(r['target_notional']),
    entryRate: num(r['entry_rate']),
    reason: str(r['reason']),
    createdAt: num(r['created_at']),
    openedAt: numOrNull(r['opened_at']),
    closedAt: numOrNull(r['closed_at']),
    updatedAt: num(r['updated_at']),
    flag: strOrNull(r['flag']),
    flagMessage: strOrNull(r['flag_message']),
    spotQty: num(r['spot_qty']),
    spotEntryPrice: numOrNull(r['spot_entry_price']),
    perpContracts: num(r['perp_contracts']),
    perpEntryPrice: numOrNull(r['perp_entry_price']),
    realisedSpot: num(r['realised_spot']),
    realisedPerp: num(r['realised_perp']),
    realisedPerpQuote: num(r['realised_perp_quote']),
    feesQuote: num(r['fees_quote']),
    funding: num(r['funding']),
    fundingQuote: num(r['funding_quote']),
    entryNetApr: numOrNull(r['entry_net_apr']),
    exitKind: strOrNull(r['exit_kind']) as ExitKind | null,
    exitRule: strOrNull(r['exit_rule']) as RiskRule | null,
    closeReason: strOrNull(r['close_reason']),
  };
}

export function toOrder(r: Raw): OrderRow {
  return {
    orderId: str(r['order_id']),
    clientOrderId: str(r['client_order_id']),
    positionId: str(r['position_id']),
    venue: str(r['venue']),
    leg: r['leg'] as LegKind,
    symbol: str(r['symbol']),
    side: r['side'] as OrderSide,
    purpose: r['purpose'] as OrderPurpose,
    amount: num(r['amount']),
    limitPrice: num(r['limit_price']),
    reduceOnly: r['reduce_only'] === 1,
    status: r['status'] as OrderStatus,
    filledAmount: num(r['filled_amount']),
    reason: strOrNull(r['reason']),
    submittedAt: num(r['submitted_at']),
    doneAt: numOrNull(r['done_at']),
    venueOrderId: strOrNull(r['venue_order_id']),
  };
}

export function toFill(r: Raw): FillRow {
  return {
    fillId: str(r['fill_id']),
    eventSeq: num(r['event_seq']),
    orderId: str(r['order_id']),
    positionId: str(r['position_id']),
    venue: str(r['venue']),
    leg: r['leg'] as LegKind,
    symbol: str(r['symbol']),
    side: r['side'] as OrderSide,
    price: num(r['price']),
    amount: num(r['amount']),
    baseQty: num(r['base_qty']),
    contracts: numOrNull(r['contracts']),
    quoteNotional: num(r['quote_notional']),
    fee: num(r['fee']),
    feeCurrency: str(r['fee_currency']),
    feeQuote: num(r['fee_quote']),
    realisedPnl: numOrNull(r['realised_pnl']),
    realisedPnlCurrency: strOrNull(r['realised_pnl_currency']),
    realisedPnlQuote: numOrNull(r['realised_pnl_quote']),
    ts: num(r['ts']),
  };
}

export function toFundingPayment(r: Raw): FundingPaymentRow {
  return {
    paymentId: num(r['payment_id']),
    eventSeq: num(r['event_seq']),
    positionId: str(r['position_id']),
    venue: str(r['venue']),
    symbol: str(r['symbol']),
    settlementTime: num(r['settlement_time']),
    periodStart: numOrNull(r['period_start']),
    rate: num(r['rate']),
    markPrice: num(r['mark_price']),
    contracts: num(r['contracts']),
    contractSize: num(r['contract_size']),
    settlement: r['settlement'] as 'linear' | 'inverse',
    amount: num(r['amount']),
    currency: str(r['currency']),
    amountQuote: num(r['amount_quote']),
    ts: num(r['ts']),
  };
}

export function toWalletEntry(r: Raw): WalletEntryRow {
  return {
    entryId: num(r['entry_id']),
    eventSeq: num(r['event_seq']),
    venue: str(r['venue']),
    currency: str(r['currency']),
    amount: num(r['amount']),
    reason: r['reason'] as WalletReason,
    positionId: strOrNull(r['position_id']),
    ts: num(r['ts']),
  };
}

export function toEquitySnapshot(r: Raw): EquitySnapshotRow {
  return {
    ts: num(r['ts']),
    equity: num(r['equity']),
    realised: num(r['realised']),
    unrealised: num(r['unrealised']),
    funding: num(r['funding']),
    fees: num(r['fees']),
    openPositions: num(r['open_positions']),
  };
}

export function toScanTop(r: Raw): ScanTopRow {
  return {
    scanSeq: num(r['scan_seq']),
    scanTs: num(r['scan_ts']),
    rank: num(r['rank']),
    venue: str(r['venue']),
    perpSymbol: str(r['perp_symbol']),
    spotSymbol: strOrNull(r['spot_symbol']),
    rate: num(r['rate']),
    intervalHours: num(r['interval_hours']),
    netApr: numOrNull(r['net_apr']),
    maxNotional: numOrNull(r['max_notional']),
    status: str(r['status']),
  };
}

export function toDecision(r: Raw): DecisionRow {
  return {
    ts: num(r['ts']),
    venue: str(r['venue']),
    symbol: str(r['symbol']),
    action: r['action'] as DecisionRow['action'],
    reason: str(r['reason']),
    code: strOrNull(r['deny_code']) as GateCode | null,
    limit: numOrNull(r['deny_limit']),
    value: numOrNull(r['deny_value']),
  };
}

export function toRiskState(r: Raw): RiskStateRow {
  return {
    eventSeq: num(r['event_seq']),
    ts: num(r['ts']),
    from: r['from_state'] as TradingState,
    to: r['to_state'] as TradingState,
    trigger: r['risk_trigger'] as RiskTrigger,
    reason: str(r['reason']),
    causes: JSON.parse(str(r['causes'])) as ReducingCause[],
  };
}
