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

/**
 * [price, amount] with amount in the market's AmountUnit: the shape ccxt uses, and carry's for
 * building, displaying and testing books (src/domain/book.ts converts both ways).
 */
export type BookLevel = readonly [price: number, amount: number];

/** A Float64Array seen through a type that cannot write to it. */
export type ReadonlyFloat64Array = Readonly<Omit<Float64Array, 'copyWithin' | 'fill' | 'reverse' | 'set' | 'sort'>>;

/**
 * One side of a book, packed: level i is price levels[2i] and amount levels[2i + 1], best
 * first, amounts in the market's AmountUnit, every price and amount positive and finite when
 * built by book.ts (bookSide / orderBook, which validate; read with levelAt / sideLevels).
 *
 * Packed because the ranker walks thousands of books per scan: as arrays of [price, amount]
 * arrays, every level was its own heap object (~75 bytes, scattered), so a walk chased a pointer
 * per level and missed cache on most of them, and a 3,000-pair universe of 200-level books kept
 * ~2.4M objects alive for the GC to trace. Interleaved rather than two arrays (prices, amounts)
 * because a walk reads both of a level together: one sequential stream, one cache line per four
 * levels, one array header to reach (measured faster on bench/rank.ts). Laying a book out from
 * the middle (both tops adjacent) and touching lines ahead of the walk measured no better: what
 * remains is the cold first touch of each book per scan.
 */
export interface BookSide {
  readonly levels: ReadonlyFloat64Array;
  /** Number of levels (0 = an empty side); levels holds 2 × length numbers. */
  readonly length: number;
}

export interface OrderBook {
  readonly venue: VenueId;
  readonly symbol: string;
  /** Best first (descending price). */
  readonly bids: BookSide;
  /** Best first (ascending price). */
  readonly asks: BookSide;
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
