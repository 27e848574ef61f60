/**
 * Conversions between a market's ccxt `amount`, base quantity and quote notional.
 *
 * Two shapes cover every market carry trades (accounting.md, venues.md §1):
 * - base-denominated: base = amount × k, notional = base × price
 *   (spot k = 1; linear contracts k = contractSize base per contract)
 * - quote-denominated: notional = amount × k, base = notional / price
 *   (inverse contracts k = contractSize USD per contract; Deribit inverse perps, whose ccxt
 *   amount is already USD, k = 1)
 * The depth walk uses the same model per level, so it lives here once.
 */
import type { Market } from '../domain/market.js';

export type AmountMarket = Pick<Market, 'amountUnit' | 'contractSize' | 'settlement' | 'symbol'>;

export interface AmountModel {
  /** Multiplier from one ccxt amount unit to base (base-denominated) or to quote (quote-denominated). */
  readonly k: number;
  /** true: the amount measures quote notional (inverse); false: it measures base quantity. */
  readonly inQuote: boolean;
}

export function amountModel(market: AmountMarket): AmountModel {
  switch (market.amountUnit) {
    case 'base':
      return { k: 1, inQuote: false };
    case 'quote':
      return { k: 1, inQuote: true };
    case 'contracts': {
      const cs = market.contractSize;
      if (!(Number.isFinite(cs) && cs > 0)) {
        throw new RangeError(`${market.symbol}: contract size must be a positive number, got ${cs}`);
      }
      // Inverse contracts are worth a fixed USD amount each; everything else a fixed base amount.
      return { k: cs, inQuote: market.settlement === 'inverse' };
    }
  }
}

function checkPrice(price: number): void {
  if (!(Number.isFinite(price) && price > 0)) throw new RangeError(`price must be a positive number, got ${price}`);
}

/** Base quantity of `amount` market units at `price` (price only matters for inverse). */
export function amountToBase(model: AmountModel, amount: number, price: number): number {
  checkPrice(price);
  return model.inQuote ? (amount * model.k) / price : amount * model.k;
}

/** Quote notional of `amount` market units at `price` (price only matters for base-denominated). */
export function amountToQuote(model: AmountModel, amount: number, price: number): number {
  checkPrice(price);
  return model.inQuote ? amount * model.k : amount * model.k * price;
}

/** Market units for a base quantity at `price`. Unrounded: round to the lot at the venue boundary. */
export function baseToAmount(model: AmountModel, base: number, price: number): number {
  checkPrice(price);
  return model.inQuote ? (base * price) / model.k : base / model.k;
}

/** Market units for a quote notional at `price`. Unrounded: round to the lot at the venue boundary. */
export function quoteToAmount(model: AmountModel, quote: number, price: number): number {
  checkPrice(price);
  return model.inQuote ? quote / model.k : quote / price / model.k;
}
