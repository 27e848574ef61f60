/**
 * The ledger's append-only events (readonly discriminated union, tardis-node style). Every
 * number that reaches the ledger is what the venue (or the simulated venue) did: filled
 * quantities and prices, fees charged, funding paid, never what was requested.
 * `ts` is the engine clock when it happened (simulated under sim/replay).
 */
import type { ExitRecord } from './action.js';
import type { LegKind, OrderPurpose, OrderSide, PositionSpec, PositionState } from './position.js';
import type { VenueId } from './market.js';
import type { GateCode, ReducingCause, RiskTrigger, TradingState } from './risk.js';

interface Base {
  readonly ts: number;
}

export interface WalletFunded extends Base {
  readonly type: 'wallet.funded';
  readonly venue: VenueId;
  readonly currency: string;
  readonly amount: number;
  readonly reason: 'initial' | 'transfer';
}

export interface PositionCreated extends Base {
  readonly type: 'position.created';
  readonly spec: PositionSpec;
  /** Notional (quote) the strategy aimed for after sizing. */
  readonly targetNotional: number;
  /** Why the strategy opened it (for audit), e.g. "net APR 31.2% over 72h". */
  readonly reason: string;
  /** Funding rate and kind at entry, for reports. */
  readonly entryRate: number;
  /**
   * The strategy's net APR over its planned hold at entry: what the exit rules weigh a position
   * against after a restart. Absent in ledgers written before it was recorded.
   */
  readonly entryNetApr?: number | null;
}

export interface PositionTransition extends Base {
  readonly type: 'position.transition';
  readonly positionId: string;
  readonly from: PositionState;
  readonly to: PositionState;
  readonly reason: string;
  /** On the transition to closing: why the position is closed, as codes (absent in older ledgers). */
  readonly exit?: ExitRecord;
}

export interface PositionFlagged extends Base {
  readonly type: 'position.flagged';
  readonly positionId: string;
  /** null clears the flag. */
  readonly flag: string | null;
  readonly message: string;
}

export interface OrderSubmitted extends Base {
  readonly type: 'order.submitted';
  readonly orderId: string;
  /** Idempotent client id: the same logical order is never placed twice. */
  readonly clientOrderId: string;
  readonly positionId: string;
  readonly venue: VenueId;
  readonly leg: LegKind;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly purpose: OrderPurpose;
  /** Requested amount in the market's ccxt amount unit, already rounded to the lot. */
  readonly amount: number;
  /** IOC limit price, rounded to the tick. */
  readonly limitPrice: number;
  readonly reduceOnly: boolean;
}

export interface OrderFilled extends Base {
  readonly type: 'order.fill';
  readonly fillId: string;
  readonly orderId: string;
  readonly positionId: string;
  readonly venue: VenueId;
  readonly leg: LegKind;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly price: number;
  /** Filled amount in the market's ccxt amount unit. */
  readonly amount: number;
  /** Filled base quantity (spot: amount; linear: contracts × cs; inverse: contracts × cs / price). */
  readonly baseQty: number;
  /** Perp only: filled contracts; null for spot. */
  readonly contracts: number | null;
  /** Quote value of the fill: spot qty × price, linear contracts × cs × price, inverse contracts × cs (USD). */
  readonly quoteNotional: number;
  readonly fee: number;
  readonly feeCurrency: string;
  /** The fee in quote currency at the fill price (equal to `fee` unless the fee is in the coin). */
  readonly feeQuote: number;
}

export interface OrderDone extends Base {
  readonly type: 'order.done';
  readonly orderId: string;
  readonly positionId: string;
  readonly status: 'filled' | 'partial' | 'unfilled' | 'rejected';
  readonly filledAmount: number;
  readonly reason: string | null;
  /** The venue's own id for the order, when it answered with one (absent in older ledgers and in paper). */
  readonly venueOrderId?: string | null;
}

export interface FundingPaid extends Base {
  readonly type: 'funding.payment';
  readonly positionId: string;
  readonly venue: VenueId;
  readonly symbol: string;
  /** Settlement instant; for continuous funding, the end of the accrual period. */
  readonly settlementTime: number;
  /** Continuous funding: start of the accrual period; null for discrete settlements. */
  readonly periodStart: number | null;
  readonly rate: number;
  readonly markPrice: number;
  /** Signed contracts held over the settlement (short < 0). */
  readonly contracts: number;
  readonly contractSize: number;
  readonly settlement: 'linear' | 'inverse';
  /** Received by the holder (negative = paid), in `currency`. */
  readonly amount: number;
  readonly currency: string;
  /** The same in quote currency at `markPrice`. */
  readonly amountQuote: number;
}

export interface EquitySnapshot extends Base {
  readonly type: 'equity.snapshot';
  /** Total equity in quote currency (wallets + open positions marked). */
  readonly equity: number;
  readonly realised: number;
  readonly unrealised: number;
  readonly funding: number;
  readonly fees: number;
  readonly openPositions: number;
}

export interface ScanRecorded extends Base {
  readonly type: 'scan.recorded';
  /** The top opportunities of the scan, compact, for audit. */
  readonly top: readonly {
    readonly venue: VenueId;
    readonly perpSymbol: string;
    readonly spotSymbol: string | null;
    readonly rate: number;
    readonly intervalHours: number;
    readonly netApr: number | null;
    readonly maxNotional: number | null;
    readonly status: string;
  }[];
}

export interface DecisionRecorded extends Base {
  readonly type: 'decision';
  readonly venue: VenueId;
  readonly symbol: string;
  readonly action: 'open' | 'close' | 'rebalance' | 'skip' | 'deny';
  readonly reason: string;
  /** A deny only: which check refused it (absent in older ledgers). */
  readonly code?: GateCode;
  /** A deny only: the configured limit and the value that broke it, in the check's unit; null when not a number (a trading state). */
  readonly limit?: number | null;
  readonly value?: number | null;
}

/** The trading state machine moved (or its set of causes changed): src/engine/risk-state.ts. */
export interface RiskStateChanged extends Base {
  readonly type: 'risk.state';
  readonly from: TradingState;
  readonly to: TradingState;
  readonly trigger: RiskTrigger;
  /** What was measured or who asked, e.g. "daily loss 512.30 over risk.dailyLossLimit 500". */
  readonly reason: string;
  /** The reducing causes that hold after this change, so a restart resumes with them. */
  readonly causes: readonly ReducingCause[];
}

export type LedgerEvent =
  | WalletFunded
  | PositionCreated
  | PositionTransition
  | PositionFlagged
  | OrderSubmitted
  | OrderFilled
  | OrderDone
  | FundingPaid
  | EquitySnapshot
  | ScanRecorded
  | DecisionRecorded
  | RiskStateChanged;

export type LedgerEventType = LedgerEvent['type'];
