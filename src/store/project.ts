/**
 * Projection rules: how one event changes the derived tables. Used for live appends and, on a
 * fresh database, to replay the whole log (verify), so both paths run the same code.
 * The caller owns the transaction; every check reads the database, never a cache, so the
 * projection is whatever the log implies, even with several connections on one file.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { FundingPaid, LedgerEvent, OrderDone, OrderFilled, OrderSubmitted, RiskStateChanged } from '../domain/events.js';
import type { TradingState } from '../domain/risk.js';
import type { PositionState } from '../domain/position.js';
import { applyTrade, shrink, type Leg, type PnlModel } from './average-entry.js';
import { LedgerRejectedError } from './errors.js';
import { eventPositionId } from './event-schema.js';
import { exitOfTransition } from './exit-record.js';
import type { WalletReason } from './rows.js';

const FINAL: readonly PositionState[] = ['closed', 'failed'];
// Fills are sums of venue lots: a mismatch this small relative to the order is float dust.
const DUST = 1e-9;

interface PositionRecord {
  readonly position_id: string;
  readonly venue: string;
  readonly base: string;
  readonly quote: string;
  readonly spot_symbol: string;
  readonly perp_symbol: string;
  readonly settlement: PnlModel;
  readonly contract_size: number;
  readonly settle: string;
  readonly continuous_funding: number;
  readonly state: PositionState;
  readonly spot_qty: number;
  readonly spot_entry_price: number | null;
  readonly perp_contracts: number;
  readonly perp_entry_price: number | null;
}

interface OrderRecord {
  readonly order_id: string;
  readonly position_id: string;
  readonly venue: string;
  readonly leg: string;
  readonly symbol: string;
  readonly side: string;
  readonly amount: number;
  readonly status: string;
  readonly filled_amount: number;
}

export class Projector {
  private readonly s: Record<string, Statement>;

  constructor(db: Database) {
    const p = (sql: string): Statement => db.prepare(sql);
    this.s = {
      insertEvent: p(`INSERT INTO events (seq, ts, type, position_id, payload) VALUES (?, ?, ?, ?, ?)`),
      position: p(`SELECT * FROM positions WHERE position_id = ?`),
      insertPosition: p(`INSERT INTO positions (position_id, venue, base, quote, direction, spot_symbol, perp_symbol,
          settlement, contract_size, settle, interval_hours, continuous_funding, state, target_notional, entry_rate,
          reason, created_at, updated_at, entry_net_apr)
        VALUES (@positionId, @venue, @base, @quote, @direction, @spotSymbol, @perpSymbol, @settlement, @contractSize,
          @settle, @intervalHours, @continuous, 'pending_open', @targetNotional, @entryRate, @reason, @ts, @ts, @entryNetApr)`),
      transition: p(`UPDATE positions SET state = @to, updated_at = @ts,
          opened_at = CASE WHEN @to = 'open' AND opened_at IS NULL THEN @ts ELSE opened_at END,
          closed_at = CASE WHEN @to IN ('closed', 'failed') THEN @ts ELSE closed_at END
        WHERE position_id = @positionId`),
      flag: p(`UPDATE positions SET flag = ?, flag_message = ?, updated_at = ? WHERE position_id = ?`),
      exit: p(`UPDATE positions SET exit_kind = ?, exit_rule = ?, close_reason = ? WHERE position_id = ?`),
      order: p(`SELECT * FROM orders WHERE order_id = ?`),
      orderByClient: p(`SELECT order_id FROM orders WHERE client_order_id = ?`),
      insertOrder: p(`INSERT INTO orders (order_id, client_order_id, position_id, venue, leg, symbol, side, purpose,
          amount, limit_price, reduce_only, status, submitted_at)
        VALUES (@orderId, @clientOrderId, @positionId, @venue, @leg, @symbol, @side, @purpose, @amount, @limitPrice,
          @reduceOnly, 'submitted', @ts)`),
      fillExists: p(`SELECT 1 FROM fills WHERE fill_id = ?`),
      insertFill: p(`INSERT INTO fills (fill_id, event_seq, order_id, position_id, venue, leg, symbol, side, price, amount,
          base_qty, contracts, quote_notional, fee, fee_currency, fee_quote, realised_pnl, realised_pnl_currency,
          realised_pnl_quote, ts)
        VALUES (@fillId, @seq, @orderId, @positionId, @venue, @leg, @symbol, @side, @price, @amount, @baseQty,
          @contracts, @quoteNotional, @fee, @feeCurrency, @feeQuote, @realised, @realisedCurrency, @realisedQuote, @ts)`),
      orderFilled: p(`UPDATE orders SET filled_amount = filled_amount + ? WHERE order_id = ?`),
      spotLeg: p(`UPDATE positions SET spot_qty = @qty, spot_entry_price = @entry, realised_spot = realised_spot + @realised,
          fees_quote = fees_quote + @feeQuote, updated_at = @ts WHERE position_id = @positionId`),
      perpLeg: p(`UPDATE positions SET perp_contracts = @qty, perp_entry_price = @entry,
          realised_perp = realised_perp + @realised, realised_perp_quote = realised_perp_quote + @realisedQuote,
          fees_quote = fees_quote + @feeQuote, updated_at = @ts WHERE position_id = @positionId`),
      orderDone: p(`UPDATE orders SET status = ?, reason = ?, done_at = ?, venue_order_id = ? WHERE order_id = ?`),
      fundingAt: p(`SELECT amount FROM funding_payments WHERE position_id = ? AND settlement_time = ?`),
      fundingOverlap: p(`SELECT period_start, settlement_time FROM funding_payments
        WHERE position_id = ? AND period_start IS NOT NULL AND period_start < ? AND settlement_time > ? LIMIT 1`),
      insertFunding: p(`INSERT INTO funding_payments (event_seq, position_id, venue, symbol, settlement_time, period_start,
          rate, mark_price, contracts, contract_size, settlement, amount, currency, amount_quote, ts)
        VALUES (@seq, @positionId, @venue, @symbol, @settlementTime, @periodStart, @rate, @markPrice, @contracts,
          @contractSize, @settlement, @amount, @currency, @amountQuote, @ts)`),
      positionFunding: p(`UPDATE positions SET funding = funding + ?, funding_quote = funding_quote + ?, updated_at = ?
        WHERE position_id = ?`),
      wallet: p(`INSERT INTO wallet_entries (event_seq, venue, currency, amount, reason, position_id, ts)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
      equity: p(`INSERT INTO equity_snapshots (event_seq, ts, equity, realised, unrealised, funding, fees, open_positions)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      scanTop: p(`INSERT INTO scan_top (scan_seq, rank, scan_ts, venue, perp_symbol, spot_symbol, rate, interval_hours,
          net_apr, max_notional, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      decision: p(`INSERT INTO decisions (event_seq, ts, venue, symbol, action, reason, deny_code, deny_limit, deny_value)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      riskLatest: p(`SELECT to_state, causes FROM risk_states ORDER BY state_id DESC LIMIT 1`),
      riskState: p(`INSERT INTO risk_states (event_seq, ts, from_state, to_state, risk_trigger, reason, causes) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    };
  }

  private st(name: string): Statement {
    const s = this.s[name];
    if (s === undefined) throw new Error(`internal: no statement ${name}`);
    return s;
  }

  /**
   * Writes the event row and applies its projection. Call inside a transaction. `seq` is given
   * only when replaying a log (so rows reference the same event numbers); otherwise SQLite assigns it.
   * `payload` is the event's JSON as stored.
   */
  apply(e: LedgerEvent, payload: string, seq?: number): number {
    const info = this.st('insertEvent').run(seq ?? null, e.ts, e.type, eventPositionId(e), payload);
    const at = Number(info.lastInsertRowid);
    switch (e.type) {
      case 'wallet.funded':
        this.wallet(at, e.venue, e.currency, e.amount, e.reason === 'initial' ? 'deposit' : 'transfer', null, e.ts);
        break;
      case 'position.created': {
        const sp = e.spec;
        if (this.position(sp.positionId, false) !== undefined) {
          throw new LedgerRejectedError('duplicate_position', `position ${sp.positionId} already exists`);
        }
        this.st('insertPosition').run({
          ...sp,
          continuous: sp.continuousFunding ? 1 : 0,
          targetNotional: e.targetNotional,
          entryRate: e.entryRate,
          reason: e.reason,
          ts: e.ts,
          entryNetApr: e.entryNetApr ?? null,
        });
        break;
      }
      case 'position.transition': {
        const pos = this.position(e.positionId);
        if (pos.state !== e.from) {
          throw new LedgerRejectedError(
            'stale_transition',
            `position ${e.positionId}: transition ${e.from} → ${e.to} refused, the ledger has it in state ${pos.state}`,
          );
        }
        if (e.from === e.to || FINAL.includes(e.from)) {
          throw new LedgerRejectedError('invalid_transition', `position ${e.positionId}: transition ${e.from} → ${e.to} is not allowed`);
        }
        this.st('transition').run({ to: e.to, ts: e.ts, positionId: e.positionId });
        const exit = exitOfTransition(e);
        if (exit !== null) this.st('exit').run(exit.kind, exit.rule, exit.reason, e.positionId);
        break;
      }
      case 'position.flagged':
        this.position(e.positionId);
        this.st('flag').run(e.flag, e.message, e.ts, e.positionId);
        break;
      case 'order.submitted':
        this.orderSubmitted(e);
        break;
      case 'order.fill':
        this.orderFill(e, at);
        break;
      case 'order.done':
        this.orderDone(e);
        break;
      case 'funding.payment':
        this.funding(e, at);
        break;
      case 'equity.snapshot':
        this.st('equity').run(at, e.ts, e.equity, e.realised, e.unrealised, e.funding, e.fees, e.openPositions);
        break;
      case 'scan.recorded':
        e.top.forEach((t, i) => {
          this.st('scanTop').run(at, i + 1, e.ts, t.venue, t.perpSymbol, t.spotSymbol, t.rate, t.intervalHours, t.netApr, t.maxNotional, t.status);
        });
        break;
      case 'decision':
        this.st('decision').run(at, e.ts, e.venue, e.symbol, e.action, e.reason, e.code ?? null, e.limit ?? null, e.value ?? null);
        break;
      case 'risk.state':
        this.riskState(e, at);
        break;
    }
    return at;
  }

  private position(id: string): PositionRecord;
  private position(id: string, required: false): PositionRecord | undefined;
  private position(id: string, required = true): PositionRecord | undefined {
    const row = this.st('position').get(id) as PositionRecord | undefined;
    if (row === undefined && required) throw new LedgerRejectedError('unknown_position', `no position ${id}`);
    return row;
  }

  private order(e: { readonly orderId: string; readonly positionId: string }): OrderRecord {
    const o = this.st('order').get(e.orderId) as OrderRecord | undefined;
    if (o === undefined) throw new LedgerRejectedError('unknown_order', `no order ${e.orderId}`);
    if (o.position_id !== e.positionId) {
      throw new LedgerRejectedError('mismatch', `order ${e.orderId} belongs to position ${o.position_id}, not ${e.positionId}`);
    }
    return o;
  }

  private wallet(seq: number, venue: string, currency: string, amount: number, reason: WalletReason, positionId: string | null, ts: number): void {
    // A zero movement is not a movement: keep the table to real cash flows.
    if (amount !== 0) this.st('wallet').run(seq, venue, currency, amount, reason, positionId, ts);
  }

  private orderSubmitted(e: OrderSubmitted): void {
    const pos = this.position(e.positionId);
    const symbol = e.leg === 'spot' ? pos.spot_symbol : pos.perp_symbol;
    if (e.venue !== pos.venue || e.symbol !== symbol) {
      throw new LedgerRejectedError(
        'mismatch',
        `order ${e.orderId}: ${e.venue} ${e.symbol} is not the ${e.leg} leg of position ${e.positionId} (${pos.venue} ${symbol})`,
      );
    }
    if (FINAL.includes(pos.state)) {
      throw new LedgerRejectedError('position_final', `order ${e.orderId}: position ${e.positionId} is ${pos.state}`);
    }
    if (this.st('order').get(e.orderId) !== undefined) {
      throw new LedgerRejectedError('duplicate_order', `order ${e.orderId} already recorded`);
    }
    const other = this.st('orderByClient').get(e.clientOrderId) as { order_id: string } | undefined;
    if (other !== undefined) {
      throw new LedgerRejectedError('duplicate_order', `client order id ${e.clientOrderId} already used by order ${other.order_id}`);
    }
    this.st('insertOrder').run({
      orderId: e.orderId,
      clientOrderId: e.clientOrderId,
      positionId: e.positionId,
      venue: e.venue,
      leg: e.leg,
      symbol: e.symbol,
      side: e.side,
      purpose: e.purpose,
      amount: e.amount,
      limitPrice: e.limitPrice,
      reduceOnly: e.reduceOnly ? 1 : 0,
      ts: e.ts,
    });
  }

  private orderFill(e: OrderFilled, seq: number): void {
    const o = this.order(e);
    if (o.venue !== e.venue || o.leg !== e.leg || o.symbol !== e.symbol || o.side !== e.side) {
      throw new LedgerRejectedError(
        'mismatch',
        `fill ${e.fillId}: ${e.venue} ${e.leg} ${e.symbol} ${e.side} does not match order ${o.order_id} (${o.venue} ${o.leg} ${o.symbol} ${o.side})`,
      );
    }
    if (this.st('fillExists').get(e.fillId) !== undefined) {
      throw new LedgerRejectedError('duplicate_fill', `fill ${e.fillId} already recorded`);
    }
    if (o.filled_amount + e.amount > o.amount * (1 + DUST)) {
      throw new LedgerRejectedError(
        'overfill',
        `fill ${e.fillId}: ${e.amount} more on order ${o.order_id} would fill ${o.filled_amount + e.amount} of ${o.amount}`,
      );
    }
    const pos = this.position(e.positionId);
    const buy = e.side === 'buy';
    let realised: number | null;
    let realisedCurrency: string | null = null;
    let realisedQuote: number | null = null;

    if (e.leg === 'spot') {
      const traded = applyTrade({ qty: pos.spot_qty, entry: pos.spot_entry_price }, buy ? e.baseQty : -e.baseQty, e.price, 'linear', 1);
      // A fee taken in the coin leaves less coin on the leg; it is a cost (feeQuote), not a trade.
      const after: Leg = e.feeCurrency === pos.base ? shrink(traded, e.fee) : traded;
      realised = traded.realised;
      if (realised !== null) {
        realisedCurrency = pos.quote;
        realisedQuote = realised;
      }
      this.st('spotLeg').run({ qty: after.qty, entry: after.entry, realised: realised ?? 0, feeQuote: e.feeQuote, ts: e.ts, positionId: pos.position_id });
      this.wallet(seq, e.venue, pos.quote, buy ? -e.quoteNotional : e.quoteNotional, buy ? 'spot_buy' : 'spot_sell', pos.position_id, e.ts);
      this.wallet(seq, e.venue, pos.base, buy ? e.baseQty : -e.baseQty, buy ? 'spot_buy' : 'spot_sell', pos.position_id, e.ts);
    } else {
      const contracts = e.contracts ?? 0; // validated non-null for perp fills
      const traded = applyTrade(
        { qty: pos.perp_contracts, entry: pos.perp_entry_price },
        buy ? contracts : -contracts,
        e.price,
        pos.settlement,
        pos.contract_size,
      );
      realised = traded.realised;
      if (realised !== null) {
        realisedCurrency = pos.settle;
        // Inverse P&L is in the coin: worth realised × price in quote at the moment it is realised.
        realisedQuote = pos.settlement === 'inverse' ? realised * e.price : realised;
      }
      this.st('perpLeg').run({
        qty: traded.qty,
        entry: traded.entry,
        realised: realised ?? 0,
        realisedQuote: realisedQuote ?? 0,
        feeQuote: e.feeQuote,
        ts: e.ts,
        positionId: pos.position_id,
      });
      // Perp trades move no cash: margin is not spent. Only realised P&L settles into the wallet.
      if (realised !== null) this.wallet(seq, e.venue, pos.settle, realised, 'realised_pnl', pos.position_id, e.ts);
    }
    this.wallet(seq, e.venue, e.feeCurrency, -e.fee, 'fee', pos.position_id, e.ts);
    this.st('insertFill').run({
      fillId: e.fillId,
      seq,
      orderId: e.orderId,
      positionId: e.positionId,
      venue: e.venue,
      leg: e.leg,
      symbol: e.symbol,
      side: e.side,
      price: e.price,
      amount: e.amount,
      baseQty: e.baseQty,
      contracts: e.contracts,
      quoteNotional: e.quoteNotional,
      fee: e.fee,
      feeCurrency: e.feeCurrency,
      feeQuote: e.feeQuote,
      realised,
      realisedCurrency,
      realisedQuote,
      ts: e.ts,
    });
    this.st('orderFilled').run(e.amount, e.orderId);
  }

  private orderDone(e: OrderDone): void {
    const o = this.order(e);
    if (o.status !== 'submitted') {
      throw new LedgerRejectedError('order_done', `order ${e.orderId} is already done (${o.status})`);
    }
    if (Math.abs(e.filledAmount - o.filled_amount) > DUST * o.amount) {
      throw new LedgerRejectedError(
        'order_done',
        `order ${e.orderId}: done says ${e.filledAmount} filled but its recorded fills sum to ${o.filled_amount}`,
      );
    }
    this.st('orderDone').run(e.status, e.reason, e.ts, e.venueOrderId ?? null, e.orderId);
  }

  private riskState(e: RiskStateChanged, seq: number): void {
    // Like a position transition: a move from a state the ledger is not in is a stale view.
    const latest = this.st('riskLatest').get() as { to_state: TradingState; causes: string } | undefined;
    const current = latest?.to_state ?? 'active';
    if (e.from !== current) {
      throw new LedgerRejectedError('stale_transition', `trading state ${e.from} → ${e.to} refused, the ledger has trading ${current}`);
    }
    // As for positions: a record must change something, or the history fills with repeats.
    if (e.from === e.to && JSON.stringify(e.causes) === (latest?.causes ?? '[]')) {
      throw new LedgerRejectedError('invalid_transition', `trading state ${e.from} → ${e.to} with causes [${e.causes.join(', ')}] changes nothing`);
    }
    this.st('riskState').run(seq, e.ts, e.from, e.to, e.trigger, e.reason, JSON.stringify(e.causes));
  }

  private funding(e: FundingPaid, seq: number): void {
    const pos = this.position(e.positionId);
    if (e.venue !== pos.venue || e.symbol !== pos.perp_symbol || e.settlement !== pos.settlement || e.currency !== pos.settle) {
      throw new LedgerRejectedError(
        'mismatch',
        `funding for ${e.venue} ${e.symbol} (${e.settlement}, ${e.currency}) does not match position ${pos.position_id} ` +
          `(${pos.venue} ${pos.perp_symbol}, ${pos.settlement}, ${pos.settle})`,
      );
    }
    const continuous = pos.continuous_funding === 1;
    if (continuous !== (e.periodStart !== null)) {
      throw new LedgerRejectedError(
        'mismatch',
        `funding for position ${pos.position_id}: ${continuous ? 'continuous funding needs periodStart' : 'a discrete settlement has no periodStart'}`,
      );
    }
    const prior = this.st('fundingAt').get(e.positionId, e.settlementTime) as { amount: number } | undefined;
    if (prior !== undefined) {
      throw new LedgerRejectedError(
        'duplicate_funding',
        `position ${e.positionId} already has the funding payment for settlement ${new Date(e.settlementTime).toISOString()} ` +
          `(${prior.amount} ${e.currency}); this one (${e.amount}) was not booked`,
      );
    }
    if (e.periodStart !== null) {
      const overlap = this.st('fundingOverlap').get(e.positionId, e.settlementTime, e.periodStart) as
        | { period_start: number; settlement_time: number }
        | undefined;
      if (overlap !== undefined) {
        throw new LedgerRejectedError(
          'duplicate_funding',
          `position ${e.positionId}: accrual ${iso(e.periodStart)}–${iso(e.settlementTime)} overlaps the booked ` +
            `${iso(overlap.period_start)}–${iso(overlap.settlement_time)}`,
        );
      }
    }
    this.st('insertFunding').run({
      seq,
      positionId: e.positionId,
      venue: e.venue,
      symbol: e.symbol,
      settlementTime: e.settlementTime,
      periodStart: e.periodStart,
      rate: e.rate,
      markPrice: e.markPrice,
      contracts: e.contracts,
      contractSize: e.contractSize,
      settlement: e.settlement,
      amount: e.amount,
      currency: e.currency,
      amountQuote: e.amountQuote,
      ts: e.ts,
    });
    this.st('positionFunding').run(e.amount, e.amountQuote, e.ts, e.positionId);
    this.wallet(seq, e.venue, e.currency, e.amount, 'funding', e.positionId, e.ts);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
