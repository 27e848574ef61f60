/**
 * Normalised, readonly market-data types shared by live, paper, replay and sim.
 * "Missing" is always `null`, never 0: a 0 funding rate is a real value.
 */

export type VenueId = string;
export type MarketType = 'spot' | 'swap';
export type Settlement = 'linear' | 'inverse';

/**
 * Unit of ccxt's `amount` for a market (order sizes and book levels).
 * - base: spot, and linear contracts quoted in base by the venue
 * - contracts: most derivatives (ccxt amount = number of contracts)
 * - quote: Deribit inverse perps, where ccxt sends and books USD raw (venues.md §1)
 */
export type AmountUnit = 'base' | 'contracts' | 'quote';

export interface Market {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly id: string;
  readonly type: MarketType;
  readonly base: string;
  readonly quote: string;
  /** Settlement currency of a contract; null for spot. */
  readonly settle: string | null;
  /** null for spot. */
  readonly settlement: Settlement | null;
  /** Spot: 1. Linear: base units per contract. Inverse: quote (USD) per contract. */
  readonly contractSize: number;
  readonly amountUnit: AmountUnit;
  /** Smallest amount increment, in amount units (ccxt TICK_SIZE precision). */
  readonly amountStep: number;
  readonly priceStep: number;
  readonly minAmount: number | null;
  /** Minimum order value in quote currency, where the venue has one. */
  readonly minCost: number | null;
  readonly taker: number;
  readonly maker: number;
  readonly active: boolean;
  /** Spot market can be borrowed/shorted on margin at this venue (for reverse carry). */
  readonly marginable: boolean;
  /** Funding interval known from market metadata (Bybit instruments-info), else null. */
  readonly fundingIntervalHours: number | null;
}

/** What a quoted funding rate is, per venue (venues.md §3-4). */
export type RateKind =
  | 'predicted' // the live rate for the coming settlement (Binance, Bybit, OKX current period)
  | 'last_settled' // the rate of the settlement that just happened
  | 'trailing_realised'; // Deribit: realised over the trailing 8h, accrues continuously

export interface FundingSnapshot {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly settle: string;
  readonly settlement: Settlement;
  readonly contractSize: number;
  /** Decimal rate for one interval as the venue quotes it (0.0001 = 0.01%). */
  readonly rate: number;
  /** Length of one funding interval in hours, per symbol. */
  readonly intervalHours: number;
  /** Where intervalHours came from: the venue said so, or carry assumed a documented default. */
  readonly intervalSource: 'venue' | 'default';
  /** Deribit-style: accrues every instant pro rata rather than at discrete settlements. */
  readonly continuous: boolean;
  readonly rateKind: RateKind;
  /** Next settlement (ms epoch); null when the venue does not say or funding is continuous. */
  readonly nextFundingTime: number | null;
  readonly markPrice: number | null;
  readonly indexPrice: number | null;
  /** Venue's timestamp for the data, null if the venue gave none. */
  readonly eventTime: number | null;
  /** Local clock when carry received it. */
  readonly receivedAt: number;
}

export interface TickerSnapshot {
  readonly venue: VenueId;
  readonly symbol: string;
  readonly bid: number | null;
  readonly ask: number | null;
  readonly last: number | null;
  /** 24h traded value in quote currency (USD-like), null if unknown. */
  readonly quoteVolume24h: number | null;
  readonly eventTime: number | null;
  readonly receivedAt: number;
}

/** [price, amount] with amount in the market's AmountUnit. */
export type BookLevel = readonly [price: number, amount: number];

export interface OrderBook {
  readonly venue: VenueId;
  readonly symbol: string;
  /** Best first (descending price). */
  readonly bids: readonly BookLevel[];
  /** Best first (ascending price). */
  readonly asks: readonly BookLevel[];
  readonly eventTime: number | null;
  readonly receivedAt: number;
}

/** A row the adapter could not normalise: skipped and logged, never fatal. */
export interface SkippedItem {
  readonly venue: VenueId;
  readonly symbol: string | null;
  readonly reason: string;
}

/** One venue's scan result: funding and tickers from at most 3 requests. */
export interface VenueSnapshot {
  readonly venue: VenueId;
  readonly funding: readonly FundingSnapshot[];
  readonly tickers: readonly TickerSnapshot[];
  readonly skipped: readonly SkippedItem[];
  readonly receivedAt: number;
}
