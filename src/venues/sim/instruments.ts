/**
 * The instruments each sim venue lists: symbols, ids, contract specs, funding intervals.
 *
 * Specs of the twelve major coins follow what the venues publish (tick, lot, contract
 * value); other coins get specs derived from their price. Which coins have a 4h or 1h
 * interval, which perps have no spot market and which spot markets cannot be borrowed is
 * chosen from the seed, so every seed has those awkward cases and tests can find them.
 */
import type { CoinTraits } from './coins.js';
import { parseStep, type DecimalStep } from './decimal.js';
import { hashString, streamKey, uniform } from './prng.js';

export const SIM_VENUES = ['binance', 'bybit', 'okx', 'deribit'] as const;
export type SimVenueId = (typeof SIM_VENUES)[number];

export function isSimVenue(id: string): id is SimVenueId {
  return (SIM_VENUES as readonly string[]).includes(id);
}

export interface InstrumentSpec {
  readonly venue: SimVenueId;
  readonly coin: CoinTraits;
  readonly kind: 'spot' | 'perp';
  /** ccxt unified symbol. */
  readonly symbol: string;
  /** Venue instrument id. */
  readonly id: string;
  readonly base: string;
  readonly quote: string;
  /** Settlement currency, null for spot. */
  readonly settle: string | null;
  readonly inverse: boolean;
  readonly priceStep: DecimalStep;
  /** Step of ccxt's `amount` (base units, contracts or USD, see amountUnit). */
  readonly amountStep: DecimalStep;
  /** Minimum order amount in steps of amountStep. */
  readonly minAmountSteps: number;
  /** ccxt contractSize: base per contract (linear), USD per contract (inverse), 1 for spot. */
  readonly contractSize: number;
  readonly amountUnit: 'base' | 'contracts' | 'quote';
  /** Minimum order value in quote currency where the venue has one. */
  readonly minCost: number | null;
  readonly taker: number;
  readonly maker: number;
  /** Funding interval in hours (perps; Deribit is continuous and quotes 8h). 0 for spot. */
  readonly intervalHours: number;
  /** Largest |rate| per interval the venue allows. */
  readonly fundingCap: number;
  /** Binance only: listed in /fapi/v1/fundingInfo (adjusted interval or caps). */
  readonly inFundingInfo: boolean;
  /** Spot: borrowable on margin at this venue. */
  readonly marginable: boolean;
  /** Listing time (ms), before any sim origin. */
  readonly createdMs: number;
}

type Row = readonly [tick: string, step: string, min: string];

/** Binance USDT-M: tickSize, stepSize, minQty (MIN_NOTIONAL 100 BTC, 20 ETH, 5 else). */
const BINANCE_LINEAR: Record<string, Row> = {
  BTC: ['0.10', '0.001', '0.001'], ETH: ['0.01', '0.001', '0.001'], SOL: ['0.01', '1', '1'],
  XRP: ['0.0001', '0.1', '0.1'], DOGE: ['0.00001', '1', '1'], BNB: ['0.01', '0.01', '0.01'],
  ADA: ['0.0001', '1', '1'], AVAX: ['0.001', '1', '1'], LINK: ['0.001', '0.01', '0.01'],
  LTC: ['0.01', '0.001', '0.001'], DOT: ['0.001', '0.1', '0.1'], TRX: ['0.00001', '1', '1'],
};
const BINANCE_SPOT: Record<string, Row> = {
  BTC: ['0.01', '0.00001', '0.00001'], ETH: ['0.01', '0.0001', '0.0001'], SOL: ['0.01', '0.001', '0.001'],
  XRP: ['0.0001', '0.1', '0.1'], DOGE: ['0.00001', '1', '1'], BNB: ['0.01', '0.001', '0.001'],
  ADA: ['0.0001', '0.1', '0.1'], AVAX: ['0.01', '0.01', '0.01'], LINK: ['0.01', '0.01', '0.01'],
  LTC: ['0.01', '0.001', '0.001'], DOT: ['0.001', '0.01', '0.01'], TRX: ['0.0001', '0.1', '0.1'],
};
/** Bybit linear: tickSize, qtyStep, minOrderQty. */
const BYBIT_LINEAR: Record<string, Row> = {
  BTC: ['0.10', '0.001', '0.001'], ETH: ['0.01', '0.01', '0.01'], SOL: ['0.010', '0.1', '0.1'],
  XRP: ['0.0001', '1', '1'], DOGE: ['0.00001', '1', '1'], BNB: ['0.01', '0.01', '0.01'],
  ADA: ['0.0001', '1', '1'], AVAX: ['0.001', '0.1', '0.1'], LINK: ['0.001', '0.1', '0.1'],
  LTC: ['0.01', '0.1', '0.1'], DOT: ['0.001', '0.1', '0.1'], TRX: ['0.00001', '1', '1'],
};
/** Bybit spot: tickSize, basePrecision, minOrderQty. */
const BYBIT_SPOT: Record<string, Row> = {
  BTC: ['0.1', '0.000001', '0.000001'], ETH: ['0.01', '0.00001', '0.00001'], SOL: ['0.01', '0.001', '0.001'],
  XRP: ['0.0001', '0.01', '0.01'], DOGE: ['0.00001', '0.1', '0.1'], BNB: ['0.1', '0.001', '0.001'],
  ADA: ['0.0001', '0.01', '0.01'], AVAX: ['0.01', '0.001', '0.001'], LINK: ['0.001', '0.001', '0.001'],
  LTC: ['0.01', '0.001', '0.001'], DOT: ['0.001', '0.01', '0.01'], TRX: ['0.00001', '0.1', '0.1'],
};
/** OKX USDT swaps: tickSz, lotSz (= minSz), ctVal. */
const OKX_SWAP: Record<string, Row> = {
  BTC: ['0.1', '0.01', '0.01'], ETH: ['0.01', '0.01', '0.1'], SOL: ['0.01', '0.01', '1'],
  XRP: ['0.0001', '0.01', '100'], DOGE: ['0.00001', '0.01', '1000'], BNB: ['0.01', '1', '0.01'],
  ADA: ['0.0001', '0.1', '100'], AVAX: ['0.001', '1', '1'], LINK: ['0.001', '1', '1'],
  LTC: ['0.01', '1', '1'], DOT: ['0.001', '1', '1'], TRX: ['0.00001', '1', '1000'],
};
/** OKX spot: tickSz, lotSz, minSz. */
const OKX_SPOT: Record<string, Row> = {
  BTC: ['0.1', '0.00000001', '0.00001'], ETH: ['0.01', '0.000001', '0.0001'], SOL: ['0.01', '0.000001', '0.001'],
  XRP: ['0.0001', '0.000001', '0.1'], DOGE: ['0.00001', '0.000001', '10'], BNB: ['0.1', '0.000001', '0.001'],
  ADA: ['0.0001', '0.000001', '1'], AVAX: ['0.001', '0.000001', '0.1'], LINK: ['0.001', '0.000001', '0.1'],
  LTC: ['0.01', '0.000001', '0.01'], DOT: ['0.001', '0.000001', '0.1'], TRX: ['0.00001', '0.000001', '10'],
};

/** Power of ten as venue text: 1e-3 → "0.001", 100 → "100". */
function tenPow(e: number): string {
  return e >= 0 ? String(10 ** e) : `0.${'0'.repeat(-e - 1)}1`;
}

/** A tick with about five significant digits, the way venues size them. */
function genericTick(price: number): string {
  return tenPow(Math.floor(Math.log10(price)) - 4);
}

/** A lot worth roughly 1-20 USD, clamped to [1e-3, 1]. */
function genericLot(price: number): string {
  return tenPow(Math.max(-3, Math.min(0, Math.floor(Math.log10(20 / price)))));
}

function row(table: Record<string, Row>, coin: CoinTraits, fallback: () => Row): Row {
  return table[coin.base] ?? fallback();
}

/** Which awkward role (if any) a coin plays: ranks mid/small caps by a seeded hash. */
interface Roles {
  readonly interval: Map<string, { binance: number; bybit: number; okx: number; inFundingInfo: boolean }>;
  readonly noSpot: Map<SimVenueId, Set<string>>;
  readonly noPerp: Map<SimVenueId, Set<string>>;
  readonly noMargin: Map<SimVenueId, Set<string>>;
}

function assignRoles(coins: readonly CoinTraits[], seed: number): Roles {
  const key = streamKey(seed, 'roles');
  const candidates = coins
    .filter((c) => c.tier >= 3)
    .map((c) => ({ base: c.base, rank: uniform(key, hashString(c.base)) }))
    .sort((a, b) => a.rank - b.rank || (a.base < b.base ? -1 : 1))
    .map((c) => c.base);
  const interval = new Map<string, { binance: number; bybit: number; okx: number; inFundingInfo: boolean }>();
  const noSpot = new Map<SimVenueId, Set<string>>(SIM_VENUES.map((v) => [v, new Set<string>()]));
  const noPerp = new Map<SimVenueId, Set<string>>(SIM_VENUES.map((v) => [v, new Set<string>()]));
  const noMargin = new Map<SimVenueId, Set<string>>(SIM_VENUES.map((v) => [v, new Set<string>()]));
  // The first few candidates get fixed roles so a 12-coin world always has each case.
  const fixed: Array<(b: string) => void> = [
    (b) => interval.set(b, { binance: 1, bybit: 1, okx: 4, inFundingInfo: true }),
    (b) => interval.set(b, { binance: 4, bybit: 4, okx: 4, inFundingInfo: true }),
    (b) => {
      interval.set(b, { binance: 4, bybit: 8, okx: 8, inFundingInfo: true });
      noMargin.get('okx')?.add(b);
    },
    (b) => {
      interval.set(b, { binance: 8, bybit: 4, okx: 8, inFundingInfo: false });
      noSpot.get('okx')?.add(b);
    },
    (b) => {
      // Listed in Binance fundingInfo with adjusted caps but the default 8h interval.
      interval.set(b, { binance: 8, bybit: 8, okx: 8, inFundingInfo: true });
      noPerp.get('okx')?.add(b);
      noMargin.get('bybit')?.add(b);
    },
    (b) => {
      noSpot.get('bybit')?.add(b);
      noMargin.get('binance')?.add(b);
    },
  ];
  candidates.forEach((b, i) => {
    const role = fixed[i];
    if (role) {
      role(b);
      return;
    }
    const u = uniform(key, hashString(b), 1);
    if (u < 0.05) interval.set(b, { binance: 1, bybit: 1, okx: 8, inFundingInfo: true });
    else if (u < 0.3) interval.set(b, { binance: 4, bybit: u < 0.22 ? 4 : 8, okx: u < 0.15 ? 4 : 8, inFundingInfo: true });
    const v = uniform(key, hashString(b), 2);
    if (v < 0.1) noSpot.get('bybit')?.add(b);
    else if (v < 0.15) noSpot.get('okx')?.add(b);
    else if (v < 0.2) noPerp.get('okx')?.add(b);
    if (uniform(key, hashString(b), 3) < 0.3) noMargin.get('binance')?.add(b);
  });
  return { interval, noSpot, noPerp, noMargin };
}

function createdMs(venue: SimVenueId, symbol: string): number {
  // Some instant in 2019-2024, fixed per (venue, symbol): listings predate every sim origin.
  const u = uniform(hashString(venue), hashString(symbol));
  return Date.UTC(2019, 8, 1) + Math.floor(u * 5 * 365) * 86_400_000;
}

interface SpecInput {
  readonly venue: SimVenueId;
  readonly coin: CoinTraits;
  readonly kind: 'spot' | 'perp';
  readonly symbol: string;
  readonly id: string;
  readonly quote: string;
  readonly settle: string | null;
  readonly inverse?: boolean;
  readonly tick: string;
  readonly step: string;
  readonly min: string;
  readonly contractSize: number;
  readonly amountUnit: InstrumentSpec['amountUnit'];
  readonly minCost: number | null;
  readonly taker: number;
  readonly maker: number;
  readonly intervalHours?: number;
  readonly fundingCap?: number;
  readonly inFundingInfo?: boolean;
  readonly marginable?: boolean;
}

function spec(s: SpecInput): InstrumentSpec {
  const amountStep = parseStep(s.step);
  const minAmountSteps = Math.round(parseStep(s.min).value / amountStep.value);
  return {
    venue: s.venue,
    coin: s.coin,
    kind: s.kind,
    symbol: s.symbol,
    id: s.id,
    base: s.coin.base,
    quote: s.quote,
    settle: s.settle,
    inverse: s.inverse ?? false,
    priceStep: parseStep(s.tick),
    amountStep,
    minAmountSteps: Math.max(1, minAmountSteps),
    contractSize: s.contractSize,
    amountUnit: s.amountUnit,
    minCost: s.minCost,
    taker: s.taker,
    maker: s.maker,
    intervalHours: s.intervalHours ?? 0,
    fundingCap: s.fundingCap ?? 0,
    inFundingInfo: s.inFundingInfo ?? false,
    marginable: s.marginable ?? false,
    createdMs: createdMs(s.venue, s.symbol),
  };
}

export type VenueInstruments = Readonly<Record<SimVenueId, readonly InstrumentSpec[]>>;

/** Every venue's instruments for these coins, perps first then spot, in coin order. */
export function buildInstruments(coins: readonly CoinTraits[], seed: number): VenueInstruments {
  const roles = assignRoles(coins, seed);
  const out: Record<SimVenueId, InstrumentSpec[]> = { binance: [], bybit: [], okx: [], deribit: [] };
  const has = (set: Map<SimVenueId, Set<string>>, v: SimVenueId, b: string): boolean => set.get(v)?.has(b) ?? false;

  for (const coin of coins) {
    const b = coin.base;
    const iv = roles.interval.get(b);
    const small = coin.tier >= 3;
    // Binance USDT-M perp and spot.
    {
      const [tick, step, min] = row(BINANCE_LINEAR, coin, () => [genericTick(coin.price), genericLot(coin.price), genericLot(coin.price)]);
      const hours = iv?.binance ?? 8;
      out.binance.push(
        spec({
          venue: 'binance', coin, kind: 'perp', symbol: `${b}/USDT:USDT`, id: `${b}USDT`, quote: 'USDT', settle: 'USDT',
          tick, step, min, contractSize: 1, amountUnit: 'base',
          minCost: b === 'BTC' ? 100 : b === 'ETH' ? 20 : 5, taker: 0.0005, maker: 0.0002,
          intervalHours: hours, inFundingInfo: iv?.inFundingInfo ?? false,
          fundingCap: iv?.inFundingInfo ? (hours === 8 ? 0.01 : 0.02) : small ? 0.0075 : 0.003,
        }),
      );
    }
    // Bybit linear perp.
    if (!has(roles.noPerp, 'bybit', b)) {
      const [tick, step, min] = row(BYBIT_LINEAR, coin, () => [genericTick(coin.price), genericLot(coin.price), genericLot(coin.price)]);
      const hours = iv?.bybit ?? 8;
      out.bybit.push(
        spec({
          venue: 'bybit', coin, kind: 'perp', symbol: `${b}/USDT:USDT`, id: `${b}USDT`, quote: 'USDT', settle: 'USDT',
          tick, step, min, contractSize: 1, amountUnit: 'base', minCost: 5, taker: 0.0006, maker: 0.0001,
          intervalHours: hours, fundingCap: hours === 8 ? (small ? 0.01 : 0.005) : 0.02,
        }),
      );
    }
    // OKX USDT swap: amount in contracts of ctVal.
    if (!has(roles.noPerp, 'okx', b)) {
      const [tick, lot, ctVal] = row(OKX_SWAP, coin, () => [genericTick(coin.price), '1', genericLot(coin.price)]);
      out.okx.push(
        spec({
          venue: 'okx', coin, kind: 'perp', symbol: `${b}/USDT:USDT`, id: `${b}-USDT-SWAP`, quote: 'USDT', settle: 'USDT',
          tick, step: lot, min: lot, contractSize: Number(ctVal), amountUnit: 'contracts', minCost: null,
          taker: 0.0005, maker: 0.0002, intervalHours: iv?.okx ?? 8, fundingCap: coin.tier === 1 ? 0.00375 : 0.0075,
        }),
      );
    }
  }
  // Deribit: inverse BTC/ETH perps and a few USDC-margined linear perps (amount in base).
  const deribitPerps: ReadonlyArray<readonly [string, string, string, string, number, boolean]> = [
    // base, id, tick, min/step, contract_size, inverse
    ['BTC', 'BTC-PERPETUAL', '0.5', '10', 10, true],
    ['ETH', 'ETH-PERPETUAL', '0.05', '1', 1, true],
    ['BTC', 'BTC_USDC-PERPETUAL', '1', '0.001', 0.001, false],
    ['ETH', 'ETH_USDC-PERPETUAL', '0.1', '0.01', 0.01, false],
    ['SOL', 'SOL_USDC-PERPETUAL', '0.01', '0.1', 0.1, false],
    ['XRP', 'XRP_USDC-PERPETUAL', '0.0001', '1', 1, false],
  ];
  for (const [b, id, tick, step, cs, inverse] of deribitPerps) {
    const coin = coins.find((c) => c.base === b);
    if (!coin) continue;
    out.deribit.push(
      spec({
        venue: 'deribit', coin, kind: 'perp', id, symbol: inverse ? `${b}/USD:${b}` : `${b}/USDC:USDC`,
        quote: inverse ? 'USD' : 'USDC', settle: inverse ? b : 'USDC', inverse,
        tick, step, min: step, contractSize: cs, amountUnit: inverse ? 'quote' : 'base', minCost: null,
        taker: 0.0005, maker: 0, intervalHours: 8, fundingCap: 0.005,
      }),
    );
  }

  for (const coin of coins) {
    const b = coin.base;
    {
      const [tick, step, min] = row(BINANCE_SPOT, coin, () => [genericTick(coin.price), genericLot(coin.price), genericLot(coin.price)]);
      out.binance.push(
        spec({
          venue: 'binance', coin, kind: 'spot', symbol: `${b}/USDT`, id: `${b}USDT`, quote: 'USDT', settle: null,
          tick, step, min, contractSize: 1, amountUnit: 'base', minCost: 5, taker: 0.001, maker: 0.001,
          marginable: !has(roles.noMargin, 'binance', b),
        }),
      );
    }
    if (!has(roles.noSpot, 'bybit', b)) {
      const [tick, step, min] = row(BYBIT_SPOT, coin, () => [genericTick(coin.price), '0.001', '0.001']);
      out.bybit.push(
        spec({
          venue: 'bybit', coin, kind: 'spot', symbol: `${b}/USDT`, id: `${b}USDT`, quote: 'USDT', settle: null,
          tick, step, min, contractSize: 1, amountUnit: 'base', minCost: 5, taker: 0.001, maker: 0.001,
          marginable: !has(roles.noMargin, 'bybit', b),
        }),
      );
    }
    if (!has(roles.noSpot, 'okx', b)) {
      const [tick, step, min] = row(OKX_SPOT, coin, () => [genericTick(coin.price), '0.000001', genericLot(coin.price)]);
      out.okx.push(
        spec({
          venue: 'okx', coin, kind: 'spot', symbol: `${b}/USDT`, id: `${b}-USDT`, quote: 'USDT', settle: null,
          tick, step, min, contractSize: 1, amountUnit: 'base', minCost: null, taker: 0.0015, maker: 0.001,
          marginable: !has(roles.noMargin, 'okx', b),
        }),
      );
    }
  }
  const deribitSpot: ReadonlyArray<readonly [string, string, string]> = [
    ['BTC', '0.01', '0.0001'],
    ['ETH', '0.01', '0.001'],
  ];
  for (const [b, tick, step] of deribitSpot) {
    const coin = coins.find((c) => c.base === b);
    if (!coin) continue;
    out.deribit.push(
      spec({
        venue: 'deribit', coin, kind: 'spot', symbol: `${b}/USDC`, id: `${b}_USDC`, quote: 'USDC', settle: null,
        tick, step, min: step, contractSize: Number(step), amountUnit: 'base', minCost: null, taker: 0.0005, maker: 0,
      }),
    );
  }
  return out;
}
