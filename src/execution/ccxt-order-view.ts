/**
 * Pure: what a ccxt Order and its Trades say, as carry's OrderResult. Quantities are the venue's
 * fills, never what was asked for; fees are booked per fill in the currency the venue charged
 * (Binance and Bybit take a spot buy's fee in the base coin: it stays in the base coin here).
 */
import type { Fee, Order, Trade } from 'ccxt';
import type { Market } from '../domain/market.js';
import { isOnStep, roundToStep } from '../pricing/lots.js';
import { amountModel, amountToBase, amountToQuote } from '../pricing/units.js';
import type { ExecutedFill, FinalOrderStatus, OrderResult } from './port.js';

/** ccxt fills `fees` on every parsed order and trade; its typings only declare `fee`. */
type WithFees<T> = T & { readonly fees?: readonly Fee[] };

/** ccxt statuses after which nothing more fills. 'open' (and undefined) is still live. */
const FINAL = new Set(['closed', 'canceled', 'cancelled', 'expired', 'rejected']);

export function isFinalOrder(o: Pick<Order, 'status'>): boolean {
  return typeof o.status === 'string' && FINAL.has(o.status);
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** One ExecutedFill per venue trade; the first fee (ccxt `fee`, else `fees[0]`) as the venue gave it. */
export function fillsFromTrades(trades: readonly Trade[], market: Market, fallbackTs: number): ExecutedFill[] {
  const out: ExecutedFill[] = [];
  for (const t of trades) {
    const price = num(t.price);
    const amount = num(t.amount);
    if (price === null || amount === null || amount <= 0) continue;
    const fee = t.fee ?? (t as WithFees<Trade>).fees?.[0];
    const cost = num(fee?.cost) ?? 0;
    const currency = typeof fee?.currency === 'string' ? fee.currency : defaultFeeCurrency(market);
    out.push({
      price,
      amount,
      fee: cost,
      feeCurrency: currency,
      ts: num(t.timestamp) ?? fallbackTs,
      ...(typeof t.id === 'string' && t.id.length > 0 ? { tradeId: t.id } : {}),
    });
  }
  return out;
}

/** Where a fee is charged when the venue does not say: quote for spot, settle for contracts. */
function defaultFeeCurrency(m: Market): string {
  return m.type === 'spot' ? m.quote : (m.settle ?? m.quote);
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** `x` cleaned of float noise when it is a whole number of lots. */
function onLot(x: number, step: number): number {
  return isOnStep(x, step) ? roundToStep(x, step, 'nearest') : x;
}

/**
 * The trades that make up the order's fill, or one fill built from the order's summary when the
 * trade list does not add up to `order.filled` (a lagging or truncated list): the order's own
 * filled/average/fee are the venue's numbers too, only without trade ids.
 */
export function fillsFor(order: Order, trades: readonly Trade[], market: Market, ts: number): { fills: ExecutedFill[]; note: string | null } {
  const filled = num(order.filled) ?? 0;
  const mine = trades.filter((t) => t.order === undefined || t.order === null || t.order === order.id);
  const fills = fillsFromTrades(mine, market, ts);
  const total = sum(fills.map((f) => f.amount));
  if (filled <= 0 && fills.length === 0) return { fills: [], note: null };
  if (Math.abs(total - filled) <= Math.max(1e-12, market.amountStep * 1e-6)) return { fills, note: null };
  const avg = num(order.average) ?? num(order.price);
  if (filled > 0 && avg !== null) {
    const fee = order.fee ?? (order as WithFees<Order>).fees?.[0];
    const cost = num(fee?.cost);
    // No fee on the order (binance fapi orders carry none): estimated at the taker rate, as
    // SimExecution charges it, rather than booked as a free trade.
    const model = amountModel(market);
    const notional = market.settlement === 'inverse' ? amountToBase(model, filled, avg) : amountToQuote(model, filled, avg);
    const summary: ExecutedFill = {
      price: avg,
      amount: filled,
      fee: cost ?? market.taker * notional,
      feeCurrency: cost !== null && typeof fee?.currency === 'string' ? fee.currency : defaultFeeCurrency(market),
      ts: num(order.lastTradeTimestamp) ?? num(order.timestamp) ?? ts,
    };
    const feeNote = cost === null ? `, fee estimated at the taker rate ${market.taker}` : '';
    return { fills: [summary], note: `fills from the order summary: the venue's trades add up to ${total}, the order to ${filled}${feeNote}` };
  }
  return { fills, note: `the venue's trades add up to ${total} but the order says ${filled}` };
}

export interface ResultContext {
  readonly clientOrderId: string;
  readonly market: Market;
  readonly venue: string;
  /** Clock time the venue's answer arrived. */
  readonly ts: number;
}

/** A final ccxt order (and its trades) as carry's OrderResult. */
export function resultFromOrder(order: Order, trades: readonly Trade[], ctx: ResultContext): OrderResult {
  const { market } = ctx;
  const { fills, note } = fillsFor(order, trades, market, ctx.ts);
  const model = amountModel(market);
  const filledAmount = onLot(sum(fills.map((f) => f.amount)), market.amountStep);
  const base = sum(fills.map((f) => amountToBase(model, f.amount, f.price)));
  const quote = sum(fills.map((f) => amountToQuote(model, f.amount, f.price)));
  const asked = num(order.amount);
  const status = statusOf(order.status, filledAmount, asked, market.amountStep);
  const info = (order.info ?? {}) as Record<string, unknown>;
  const venueWhy = [info['rejectReason'], info['cancelType'], info['status']].find((x) => typeof x === 'string' && x.length > 0 && x !== 'EC_NoError' && x !== 'UNKNOWN');
  const reason =
    status === 'filled'
      ? note
      : [
          `${ctx.venue} ${order.status ?? 'unknown status'}: ${filledAmount} of ${asked ?? '?'} filled${status === 'rejected' ? '' : ' (IOC: the rest was cancelled by the venue)'}`,
          typeof venueWhy === 'string' ? `venue says ${venueWhy}` : null,
          note,
        ]
          .filter((x): x is string => x !== null)
          .join('; ');
  return {
    clientOrderId: ctx.clientOrderId,
    orderId: String(order.id),
    status,
    filledAmount,
    // quote / base: the VWAP for base-denominated markets, the harmonic one for inverse (as SimExecution).
    avgPrice: base > 0 ? quote / base : null,
    fills,
    reason,
    ts: ctx.ts,
  };
}

export function statusOf(status: string | undefined, filled: number, asked: number | null, step: number): FinalOrderStatus {
  if (filled <= 0) return status === 'rejected' ? 'rejected' : 'unfilled';
  if (asked !== null && filled + step * 1e-6 >= asked) return 'filled';
  return 'partial';
}
