/** Event builders for ledger tests: positions and IOC trades as the engine would record them. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FundingPaid, LedgerEvent, OrderFilled } from '../../src/domain/events.js';
import type { LegKind, OrderPurpose, OrderSide, PositionSpec, PositionState } from '../../src/domain/position.js';
import type Database from 'better-sqlite3';
import { Ledger } from '../../src/store/ledger.js';
import type { StoreMode } from '../../src/store/open.js';

export const T0 = Date.UTC(2026, 7, 9, 0, 0, 0);
export const HOUR = 3_600_000;

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'carry-store-'));
}

export function memoryLedger(mode: StoreMode = 'paper'): Ledger {
  return Ledger.open(':memory:', { mode, carryVersion: 'test' });
}

/** Binance BTC/USDT spot + BTC/USDT:USDT linear perp (contract size 1), accounting.md Example 1. */
export function linearSpec(positionId = 'p1', over: Partial<PositionSpec> = {}): PositionSpec {
  return {
    positionId,
    venue: 'binance',
    base: 'BTC',
    quote: 'USDT',
    direction: 'carry',
    spotSymbol: 'BTC/USDT',
    perpSymbol: 'BTC/USDT:USDT',
    settlement: 'linear',
    contractSize: 1,
    settle: 'USDT',
    intervalHours: 8,
    continuousFunding: false,
    ...over,
  };
}

/** Deribit BTC spot + BTC-PERPETUAL inverse (10 USD per contract), accounting.md Example 2. */
export function inverseSpec(positionId = 'd1', over: Partial<PositionSpec> = {}): PositionSpec {
  return {
    positionId,
    venue: 'deribit',
    base: 'BTC',
    quote: 'USDC',
    direction: 'carry',
    spotSymbol: 'BTC/USDC',
    perpSymbol: 'BTC/USD:BTC',
    settlement: 'inverse',
    contractSize: 10,
    settle: 'BTC',
    intervalHours: 8,
    continuousFunding: true,
    ...over,
  };
}

export function funded(venue: string, currency: string, amount: number, ts = T0): LedgerEvent {
  return { type: 'wallet.funded', ts, venue, currency, amount, reason: 'initial' };
}

export function created(spec: PositionSpec, ts = T0, targetNotional = 10_000): LedgerEvent {
  return { type: 'position.created', ts, spec, targetNotional, reason: 'test', entryRate: 0.0001 };
}

export function transition(positionId: string, from: PositionState, to: PositionState, ts = T0): LedgerEvent {
  return { type: 'position.transition', ts, positionId, from, to, reason: 'test' };
}

let seq = 0;
/** Unique ids, also across processes writing one file (the crash test). */
export function nextId(prefix: string): string {
  seq += 1;
  return `${prefix}-${process.pid}-${seq}`;
}

export interface TradeArgs {
  readonly spec: PositionSpec;
  readonly leg: LegKind;
  readonly side: OrderSide;
  /** Spot: base quantity; perp: contracts. */
  readonly qty: number;
  readonly price: number;
  /** Taker fee rate on the notional (accounting.md "Fees"). */
  readonly feeRate: number;
  readonly ts?: number;
  readonly purpose?: OrderPurpose;
  /** Fill only part of the order: filled = qty, ordered = orderQty. */
  readonly orderQty?: number;
  readonly orderId?: string;
}

/** The fill event of a trade, with base/quote/fee computed from accounting.md's formulas. */
export function fillOf(a: TradeArgs, orderId: string): OrderFilled {
  const { spec, leg, side, qty, price, feeRate } = a;
  const ts = a.ts ?? T0;
  let baseQty: number;
  let quoteNotional: number;
  let fee: number;
  let feeCurrency: string;
  let feeQuote: number;
  if (leg === 'spot') {
    baseQty = qty;
    quoteNotional = qty * price;
    fee = quoteNotional * feeRate;
    feeCurrency = spec.quote;
    feeQuote = fee;
  } else if (spec.settlement === 'linear') {
    baseQty = qty * spec.contractSize;
    quoteNotional = baseQty * price;
    fee = quoteNotional * feeRate;
    feeCurrency = spec.settle;
    feeQuote = fee;
  } else {
    quoteNotional = qty * spec.contractSize;
    baseQty = quoteNotional / price;
    fee = baseQty * feeRate; // in the coin
    feeCurrency = spec.settle;
    feeQuote = fee * price;
  }
  return {
    type: 'order.fill',
    ts,
    fillId: nextId('fill'),
    orderId,
    positionId: spec.positionId,
    venue: spec.venue,
    leg,
    symbol: leg === 'spot' ? spec.spotSymbol : spec.perpSymbol,
    side,
    price,
    amount: qty,
    baseQty,
    contracts: leg === 'perp' ? qty : null,
    quoteNotional,
    fee,
    feeCurrency,
    feeQuote,
  };
}

/** order.submitted, order.fill, order.done for one IOC order. */
export function trade(a: TradeArgs): LedgerEvent[] {
  const ts = a.ts ?? T0;
  const orderId = a.orderId ?? nextId('ord');
  const ordered = a.orderQty ?? a.qty;
  return [
    {
      type: 'order.submitted',
      ts,
      orderId,
      clientOrderId: `c-${orderId}`,
      positionId: a.spec.positionId,
      venue: a.spec.venue,
      leg: a.leg,
      symbol: a.leg === 'spot' ? a.spec.spotSymbol : a.spec.perpSymbol,
      side: a.side,
      purpose: a.purpose ?? 'open',
      amount: ordered,
      limitPrice: a.price,
      reduceOnly: false,
    },
    fillOf(a, orderId),
    {
      type: 'order.done',
      ts,
      orderId,
      positionId: a.spec.positionId,
      status: ordered === a.qty ? 'filled' : 'partial',
      filledAmount: a.qty,
      reason: null,
    },
  ];
}

/** A discrete (linear) settlement: payment = −q × cs × mark × rate (accounting.md). */
export function linearFunding(spec: PositionSpec, contracts: number, settlementTime: number, rate: number, mark: number, amount: number): FundingPaid {
  return {
    type: 'funding.payment',
    ts: settlementTime,
    positionId: spec.positionId,
    venue: spec.venue,
    symbol: spec.perpSymbol,
    settlementTime,
    periodStart: null,
    rate,
    markPrice: mark,
    contracts,
    contractSize: spec.contractSize,
    settlement: 'linear',
    amount,
    currency: spec.settle,
    amountQuote: amount,
  };
}

export function balance(l: Ledger, venue: string, currency: string): number {
  return l.walletBalances(venue).find((b) => b.currency === currency)?.amount ?? 0;
}

/**
 * Takes migration 6's objects off a ledger file built with today's code, leaving what a schema-5
 * carry wrote (the log itself is the same: its new event fields are all optional).
 */
export function dropMigration6(raw: Database.Database): void {
  raw.exec(`ALTER TABLE orders DROP COLUMN venue_order_id;
    ALTER TABLE decisions DROP COLUMN deny_code;
    ALTER TABLE decisions DROP COLUMN deny_limit;
    ALTER TABLE decisions DROP COLUMN deny_value;
    DROP TABLE risk_states;
    DROP TABLE control_requests;
    DROP TABLE daemon_lease;`);
}
