/**
 * Venue quirks as data (freqtrade `_ft_has` style). Everything that differs between venues and
 * that the adapter or the normaliser branches on lives here, so a new venue is a new entry,
 * not a new `if`. Facts and their sources: docs/venues.md (ccxt 4.5.84).
 */
import type { AmountUnit, RateKind } from '../domain/market.js';
import type { CcxtParams } from './ccxt-calls.js';

/** ccxt precision modes (ccxt base/functions/number.js): how `market.precision` is expressed. */
export const PRECISION_MODE = {
  DECIMAL_PLACES: 2,
  SIGNIFICANT_DIGITS: 3,
  TICK_SIZE: 4,
} as const;

export type VenueStatus =
  | { readonly kind: 'open' }
  | { readonly kind: 'closed'; readonly since: string; readonly note: string };

/**
 * One request of the per-scan call plan. The plan is the contract between this adapter, the
 * sim market and tapes: a scan makes exactly these calls, at most 3, in this order.
 */
export type ScanCall =
  | {
      readonly method: 'fetchFundingRates';
      readonly params?: CcxtParams;
      /** Only made when ccxt says the venue has it (generic profile). */
      readonly onlyIfHas?: 'fetchFundingRates';
    }
  | { readonly method: 'fetchFundingIntervals'; readonly params?: CcxtParams }
  | {
      readonly method: 'fetchTickers';
      readonly params: CcxtParams;
      /** Deribit: the ticker's `info` carries the funding rate, so this call is a funding source. */
      readonly fundingFromTicker?: boolean;
    };

/**
 * Where a funding row's interval comes from.
 * - rate: ccxt's FundingRate.interval (OKX computes it from nextFundingTime - fundingTime)
 * - marketInfo: the loaded market's info (Bybit `fundingInterval`, minutes); ccxt's own string is
 *   integer hours only (parseToInt(minutes / 60)), which would turn a 30 min interval into '0h'
 * - fundingIntervals: a separate fetchFundingIntervals call (Binance fundingInfo, which lists only
 *   symbols moved off the default 8h)
 * - fixed: the venue quotes every rate over a fixed interval (Deribit: 8h)
 */
export type IntervalSource = 'rate' | 'marketInfo' | 'fundingIntervals' | 'fixed';

export interface VenueProfile {
  /** Profile key: the ccxt id for known venues and generic ones. */
  readonly id: string;
  /** ccxt class to instantiate; null when the installed ccxt has no class (BitMEX, removed in 4.5.84). */
  readonly ccxtClass: string | null;
  /** ccxt constructor config carry needs (deep-merged under the user's `venues.<name>.options`). */
  readonly ccxtConfig: Readonly<Record<string, unknown>>;
  /** How `market.precision` is expressed; null = read it from the ccxt instance (generic profile). */
  readonly precisionMode: number | null;
  readonly scanCalls: readonly ScanCall[];
  readonly rateKind: RateKind;
  /** Funding accrues continuously (Deribit) instead of at discrete settlements. */
  readonly continuousFunding: boolean;
  readonly intervalSource: IntervalSource;
  /** Interval assumed when the venue does not state one for a symbol. */
  readonly defaultIntervalHours: number;
  /** Market `info` field holding the funding interval in minutes (Bybit), else null. */
  readonly fundingIntervalInfoMinutes: string | null;
  /** ccxt can borrow and short this venue's spot on margin (venues.md §2). */
  readonly spotMarginBorrow: boolean;
  /** Unit of ccxt `amount` for perpetual swaps (venues.md §1). Spot is always 'base'. */
  readonly swapAmountUnit: { readonly linear: AmountUnit; readonly inverse: AmountUnit };
  /**
   * How 24h quote volume of a perp is read. 'ccxt': Ticker.quoteVolume.
   * 'infoBaseTimesLast': OKX derivatives, where ccxt leaves quoteVolume undefined and puts
   * contracts in baseVolume; `info.volCcy24h` is the base-currency volume.
   */
  readonly swapQuoteVolume: 'ccxt' | 'infoBaseTimesLast';
  /** Order-book depths the venue accepts: the adapter asks for the smallest allowed >= wanted. */
  readonly bookLimits: { readonly allowed?: readonly number[]; readonly max?: number };
  readonly status: VenueStatus;
  /**
   * How `--testnet` reaches the venue's test environment (venues.md §2). 'demo': ccxt
   * enableDemoTrading(true) (Binance: setSandboxMode throws NotSupported on private futures calls,
   * so its demo hosts are the only working test environment); 'sandbox': ccxt setSandboxMode(true)
   * (Bybit api-testnet, OKX's x-simulated-trading header, Deribit test.deribit.com); null: none.
   */
  readonly testnet: 'demo' | 'sandbox' | null;
}

const OPEN: VenueStatus = { kind: 'open' };

const binance: VenueProfile = {
  id: 'binance',
  ccxtClass: 'binance',
  ccxtConfig: {
    options: {
      // spot for the hedge leg, linear for USDT-M perps; inverse (dapi) is not scanned.
      fetchMarkets: { types: ['spot', 'linear'] },
      fetchCurrencies: false,
      defaultType: 'spot',
    },
  },
  precisionMode: PRECISION_MODE.TICK_SIZE,
  scanCalls: [
    { method: 'fetchFundingRates' }, // GET /fapi/v1/premiumIndex (all symbols)
    { method: 'fetchFundingIntervals' }, // GET /fapi/v1/fundingInfo (only non-default intervals)
    // GET /fapi/v1/ticker/24hr: type+subType route ccxt to fapi (checked against 4.5.84 with a stub).
    { method: 'fetchTickers', params: { type: 'swap', subType: 'linear' } },
  ],
  rateKind: 'predicted',
  continuousFunding: false,
  intervalSource: 'fundingIntervals',
  defaultIntervalHours: 8,
  fundingIntervalInfoMinutes: null,
  spotMarginBorrow: true,
  swapAmountUnit: { linear: 'contracts', inverse: 'contracts' },
  swapQuoteVolume: 'ccxt',
  // USDT-M /fapi/v1/depth accepts only these limits (spot accepts more; the smaller set is safe for both).
  bookLimits: { allowed: [5, 10, 20, 50, 100, 500, 1000] },
  testnet: 'demo',
  status: OPEN,
};

const bybit: VenueProfile = {
  id: 'bybit',
  ccxtClass: 'bybit',
  ccxtConfig: {
    options: {
      // ccxt's default also loads inverse and options for 6 bases: several extra requests per load.
      fetchMarkets: { types: ['spot', 'linear'] },
      fetchCurrencies: false,
      defaultType: 'swap',
    },
  },
  precisionMode: PRECISION_MODE.TICK_SIZE,
  scanCalls: [
    { method: 'fetchFundingRates' }, // GET /v5/market/tickers?category=linear
    { method: 'fetchTickers', params: { type: 'swap', subType: 'linear' } }, // same endpoint, volumes
  ],
  rateKind: 'predicted',
  continuousFunding: false,
  intervalSource: 'marketInfo',
  defaultIntervalHours: 8,
  fundingIntervalInfoMinutes: 'fundingInterval',
  spotMarginBorrow: true,
  swapAmountUnit: { linear: 'contracts', inverse: 'contracts' },
  swapQuoteVolume: 'ccxt',
  // /v5/market/orderbook: linear 1-500; spot 1-200 in current docs (ccxt 4.5.84's comment still
  // says 1-50). 200 is accepted for both in current docs.
  bookLimits: { max: 200 },
  testnet: 'sandbox',
  status: OPEN,
};

const okx: VenueProfile = {
  id: 'okx',
  ccxtClass: 'okx',
  ccxtConfig: {
    options: {
      fetchMarkets: { types: ['spot', 'swap'] },
      fetchCurrencies: false,
    },
  },
  precisionMode: PRECISION_MODE.TICK_SIZE,
  scanCalls: [
    { method: 'fetchFundingRates' }, // GET /api/v5/public/funding-rate?instId=ANY
    { method: 'fetchTickers', params: { type: 'swap' } }, // GET /api/v5/market/tickers?instType=SWAP
  ],
  rateKind: 'predicted',
  continuousFunding: false,
  intervalSource: 'rate',
  defaultIntervalHours: 8,
  fundingIntervalInfoMinutes: null,
  spotMarginBorrow: true,
  swapAmountUnit: { linear: 'contracts', inverse: 'contracts' },
  swapQuoteVolume: 'infoBaseTimesLast',
  bookLimits: { max: 400 },
  testnet: 'sandbox',
  status: OPEN,
};

const deribit: VenueProfile = {
  id: 'deribit',
  ccxtClass: 'deribit',
  // One get_instruments call loads every kind; options and dated futures are filtered by the adapter.
  ccxtConfig: {},
  precisionMode: PRECISION_MODE.TICK_SIZE,
  // No bulk funding method: one book summary per currency carries funding_8h for its perps.
  scanCalls: [
    { method: 'fetchTickers', params: { code: 'BTC' }, fundingFromTicker: true },
    { method: 'fetchTickers', params: { code: 'ETH' }, fundingFromTicker: true },
    { method: 'fetchTickers', params: { code: 'USDC' }, fundingFromTicker: true },
  ],
  rateKind: 'trailing_realised',
  continuousFunding: true,
  intervalSource: 'fixed',
  defaultIntervalHours: 8,
  fundingIntervalInfoMinutes: null,
  spotMarginBorrow: false,
  // Inverse perps (BTC-PERPETUAL): ccxt sends amount raw in USD. Linear perps (BTC_USDC-PERPETUAL):
  // amount in the base coin (deribit.js createOrder doc).
  swapAmountUnit: { linear: 'base', inverse: 'quote' },
  swapQuoteVolume: 'ccxt',
  bookLimits: { allowed: [1, 5, 10, 20, 50, 100, 1000, 10000] },
  testnet: 'sandbox',
  status: OPEN,
};

const bitmex: VenueProfile = {
  id: 'bitmex',
  ccxtClass: null,
  ccxtConfig: {},
  precisionMode: PRECISION_MODE.TICK_SIZE,
  // Kept so historical BitMEX tapes replay through the same adapter; never called live.
  scanCalls: [{ method: 'fetchFundingRates' }, { method: 'fetchTickers', params: { type: 'swap' } }],
  rateKind: 'predicted',
  continuousFunding: false,
  intervalSource: 'rate',
  defaultIntervalHours: 8,
  fundingIntervalInfoMinutes: null,
  spotMarginBorrow: false,
  swapAmountUnit: { linear: 'contracts', inverse: 'contracts' },
  swapQuoteVolume: 'ccxt',
  bookLimits: {},
  testnet: null,
  status: {
    kind: 'closed',
    since: '2026-09-23',
    note: 'BitMEX is closed since 2026-09-23 and ccxt 4.5.84 no longer ships its class; only historical data (tapes, CSVs) can be used.',
  },
};

export const KNOWN_VENUES: Readonly<Record<string, VenueProfile>> = Object.freeze({
  binance,
  bybit,
  okx,
  deribit,
  bitmex,
});

/**
 * Any other ccxt id. Conservative defaults: funding only if ccxt has a bulk method, rate treated
 * as the predicted one, 8h assumed (and marked 'default') unless ccxt states the interval, no
 * spot borrow (carry cannot know the venue supports it).
 */
export function genericProfile(id: string, precisionMode: number | null = null): VenueProfile {
  return {
    id,
    ccxtClass: id,
    ccxtConfig: { options: { fetchCurrencies: false } },
    precisionMode,
    scanCalls: [
      { method: 'fetchFundingRates', onlyIfHas: 'fetchFundingRates' },
      { method: 'fetchTickers', params: { type: 'swap' } },
    ],
    rateKind: 'predicted',
    continuousFunding: false,
    intervalSource: 'rate',
    defaultIntervalHours: 8,
    fundingIntervalInfoMinutes: null,
    spotMarginBorrow: false,
    swapAmountUnit: { linear: 'contracts', inverse: 'contracts' },
    swapQuoteVolume: 'ccxt',
    bookLimits: {},
    // Whether ccxt knows a test host for it is only known from the instance (urls.test).
    testnet: 'sandbox',
    status: OPEN,
  };
}

export function isKnownVenue(id: string): boolean {
  return Object.prototype.hasOwnProperty.call(KNOWN_VENUES, id);
}

export function profileFor(id: string): VenueProfile {
  return isKnownVenue(id) ? (KNOWN_VENUES[id] as VenueProfile) : genericProfile(id);
}

/** The order-book limit to request for `depth` levels: smallest allowed >= depth, capped by max. */
export function bookLimitFor(profile: VenueProfile, depth: number): number {
  const { allowed, max } = profile.bookLimits;
  let limit = depth;
  if (allowed !== undefined && allowed.length > 0) {
    const sorted = [...allowed].sort((a, b) => a - b);
    limit = sorted.find((l) => l >= depth) ?? (sorted[sorted.length - 1] as number);
  }
  return max !== undefined ? Math.min(limit, max) : limit;
}
