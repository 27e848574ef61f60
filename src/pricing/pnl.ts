/**
 * P&L of a position from what the ledger holds (fills, funding payments) and current marks,
 * per accounting.md "Legs" and "Delta". Pure.
 *
 * Conventions
 * - Every figure is in the position's quote currency. Linear perps settle in USDT/USDC, counted
 *   1:1 with the quote; inverse perps settle in the coin and are converted: realised coin P&L at
 *   the price of the fill that realised it (what it was worth when it was booked, as a funding
 *   payment's amountQuote is at its settlement mark), unrealised at the current perp mark.
 *   The coin figures are also returned, so nothing depends on that choice.
 * - Each leg uses average cost: a fill that grows the open quantity moves the average entry, one
 *   that shrinks it realises (price − average) on the part it closes, one that flips the sign
 *   closes everything and opens the rest at its own price. Inverse perps average 1/price
 *   (contract-weighted harmonic mean), which is what makes q × cs × (1/P0 − 1/P1) additive.
 * - Leg P&L is gross; fees (every fill's feeQuote) and funding (every payment's amountQuote) are
 *   separate lines. Both are cash, so realised = spot realised + perp realised + funding − fees;
 *   unrealised = the open quantities at the marks; net = realised + unrealised.
 * - Missing is null: an open leg without a mark has unrealised (and so net and APR) null.
 *
 * Return over the hold = net / notional: what the position made on its capital base, not
 * annualised. APR achieved = net / notional × 8760 / hours held, simple. Reports show the APR
 * only for positions held at least a day (APR_MIN_HOURS): annualising a few minutes of fees
 * gives figures like −44,783% that say nothing. The capital base `notional` is the
 * peak quote notional at cost of the larger leg (spot |Q| × average cost; linear perp
 * |q| × cs × average entry; inverse perp |q| × cs USD): the same base the ranker's netApr is a
 * fraction of, so predicted and achieved compare directly. It is not total capital: the perp's
 * margin comes on top, so return on all capital posted is lower by notional / (notional + margin).
 * Hours held run from the first fill to the fill that left both legs flat, or to `now`.
 */
import type { FundingPaid, OrderFilled } from '../domain/events.js';
import type { PositionHoldings, PositionSpec } from '../domain/position.js';
import { HOURS_PER_YEAR } from './funding.js';

export interface PositionMarks {
  /** Price to value the spot leg at (mid, or the bid a sale would get); null when unknown. */
  readonly spot: number | null;
  /** Perp mark price (or mid); null when unknown. */
  readonly perp: number | null;
}

export interface LegPnl {
  /** Open quantity, signed: spot in base, perp in contracts. */
  readonly open: number;
  /** Average entry price of the open quantity; null when flat. */
  readonly avgEntry: number | null;
  readonly realised: number;
  /** null when a quantity is open and there is no mark to value it at. */
  readonly unrealised: number | null;
  /** realised + unrealised. */
  readonly pnl: number | null;
}

export interface PerpLegPnl extends LegPnl {
  /** Inverse perps: the same in the coin; null for linear. */
  readonly realisedCoin: number | null;
  readonly unrealisedCoin: number | null;
}

export interface PositionPnl {
  readonly positionId: string;
  readonly spot: LegPnl;
  readonly perp: PerpLegPnl;
  readonly fees: number;
  readonly funding: number;
  readonly realised: number;
  readonly unrealised: number | null;
  readonly net: number | null;
  /** Capital base of the APR (see the module comment); 0 before any fill. */
  readonly notional: number;
  readonly openedAt: number | null;
  /** Time of the fill that left both legs flat; null while anything is open. */
  readonly closedAt: number | null;
  readonly hoursHeld: number | null;
  /** net / notional (fraction), not annualised; null while net is unknown or before any fill. */
  readonly returnOverHold: number | null;
  /** Annualised return, whatever the hold; reports show it from APR_MIN_HOURS on (see the module comment). */
  readonly apr: number | null;
}

/** Reports annualise a position's return only when it was held at least this long. */
export const APR_MIN_HOURS = 24;

export interface PnlTotals {
  readonly positions: number;
  readonly spot: number | null;
  readonly perp: number | null;
  readonly fees: number;
  readonly funding: number;
  readonly realised: number;
  readonly unrealised: number | null;
  readonly net: number | null;
  readonly notional: number;
  /** Σ net / Σ (notional × hours held) × 8760: each position weighted by its notional-hours. */
  readonly apr: number | null;
}

const HOUR_MS = 3_600_000;

function positive(name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`${name} must be a positive number, got ${v}`);
}

function finite(name: string, v: number): void {
  if (!Number.isFinite(v)) throw new RangeError(`${name} must be a finite number, got ${v}`);
}

/**
 * Average-cost book of one leg in "price space" x: the price itself (spot, linear) or 1/price
 * (inverse, where P&L is `units × (x0 − x1)`, hence `dir` −1).
 */
class CostBook {
  open = 0;
  avgX = 0;
  realised = 0;
  constructor(private readonly dir: 1 | -1) {}

  /** Applies a signed fill of `qty` units at x; returns the P&L it realised, in P&L units. */
  fill(qty: number, x: number): number {
    const before = this.open;
    if (before === 0 || Math.sign(before) === Math.sign(qty)) {
      const size = Math.abs(before) + Math.abs(qty);
      this.avgX = (this.avgX * Math.abs(before) + x * Math.abs(qty)) / size;
      this.open = before + qty;
      return 0;
    }
    const closing = Math.min(Math.abs(qty), Math.abs(before));
    const pnl = this.dir * Math.sign(before) * closing * (x - this.avgX);
    const after = before + qty;
    // A close summing to a float residue (0.1 + 0.2 − 0.3) is flat, not 5e-17 open.
    this.open = Math.abs(after) <= 1e-9 * Math.max(Math.abs(before), Math.abs(qty)) ? 0 : after;
    if (this.open === 0) this.avgX = 0;
    else if (Math.sign(this.open) !== Math.sign(before)) this.avgX = x;
    this.realised += pnl;
    return pnl;
  }
}

/** −0 (−1 × (100 − 100)) would print as "-0" in reports: zero is 0. */
function z(x: number): number {
  return x === 0 ? 0 : x;
}

function signed(f: OrderFilled, qty: number): number {
  return f.side === 'buy' ? qty : -qty;
}

/** P&L of one position (see the module comment for every convention). */
export function positionPnl(
  spec: PositionSpec,
  fills: readonly OrderFilled[],
  funding: readonly FundingPaid[],
  marks: PositionMarks,
  now: number,
): PositionPnl {
  positive('contract size', spec.contractSize);
  finite('now', now);
  const inverse = spec.settlement === 'inverse';
  const cs = spec.contractSize;
  const spot = new CostBook(1);
  // Perp book in contracts; cs is applied when valuing.
  const perp = new CostBook(inverse ? -1 : 1);
  let perpRealisedQuote = 0;
  let fees = 0;
  let peak = 0;

  const ordered = fills.map((f, i) => ({ f, i })).sort((a, b) => a.f.ts - b.f.ts || a.i - b.i);
  for (const { f } of ordered) {
    if (f.positionId !== spec.positionId) {
      throw new RangeError(`fill ${f.fillId} belongs to position ${f.positionId}, not ${spec.positionId}`);
    }
    positive(`fill ${f.fillId} price`, f.price);
    finite(`fill ${f.fillId} feeQuote`, f.feeQuote);
    fees += f.feeQuote;
    if (f.leg === 'spot') {
      positive(`fill ${f.fillId} baseQty`, f.baseQty);
      spot.fill(signed(f, f.baseQty), f.price);
    } else {
      if (f.contracts === null) throw new RangeError(`perp fill ${f.fillId} has no contract count`);
      positive(`fill ${f.fillId} contracts`, f.contracts);
      const q = signed(f, f.contracts);
      if (inverse) perpRealisedQuote += perp.fill(q, 1 / f.price) * cs * f.price;
      else perpRealisedQuote += perp.fill(q, f.price) * cs;
    }
    const spotCost = Math.abs(spot.open) * spot.avgX;
    const perpCost = inverse ? Math.abs(perp.open) * cs : Math.abs(perp.open) * cs * perp.avgX;
    peak = Math.max(peak, spotCost, perpCost);
  }

  let fundingQuote = 0;
  for (const p of funding) {
    if (p.positionId !== spec.positionId) {
      throw new RangeError(`funding payment at ${p.settlementTime} belongs to position ${p.positionId}, not ${spec.positionId}`);
    }
    finite('funding amountQuote', p.amountQuote);
    fundingQuote += p.amountQuote;
  }

  let spotUnrealised: number | null = 0;
  if (spot.open !== 0) {
    if (marks.spot === null) spotUnrealised = null;
    else {
      positive('spot mark', marks.spot);
      spotUnrealised = z(spot.open * (marks.spot - spot.avgX));
    }
  }

  let perpUnrealised: number | null = 0;
  let perpUnrealisedCoin: number | null = inverse ? 0 : null;
  if (perp.open !== 0) {
    if (marks.perp === null) {
      perpUnrealised = null;
      perpUnrealisedCoin = null;
    } else {
      positive('perp mark', marks.perp);
      if (inverse) {
        perpUnrealisedCoin = z(perp.open * cs * (perp.avgX - 1 / marks.perp));
        perpUnrealised = z(perpUnrealisedCoin * marks.perp);
      } else {
        perpUnrealised = z(perp.open * cs * (marks.perp - perp.avgX));
      }
    }
  }

  const spotLeg: LegPnl = {
    open: spot.open,
    avgEntry: spot.open === 0 ? null : spot.avgX,
    realised: spot.realised,
    unrealised: spotUnrealised,
    pnl: spotUnrealised === null ? null : spot.realised + spotUnrealised,
  };
  const perpLeg: PerpLegPnl = {
    open: perp.open,
    avgEntry: perp.open === 0 ? null : inverse ? 1 / perp.avgX : perp.avgX,
    realised: perpRealisedQuote,
    unrealised: perpUnrealised,
    pnl: perpUnrealised === null ? null : perpRealisedQuote + perpUnrealised,
    realisedCoin: inverse ? perp.realised * cs : null,
    unrealisedCoin: perpUnrealisedCoin,
  };

  const realised = spot.realised + perpRealisedQuote + fundingQuote - fees;
  const unrealised = spotUnrealised === null || perpUnrealised === null ? null : spotUnrealised + perpUnrealised;
  const net = unrealised === null ? null : realised + unrealised;
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  const openedAt = first === undefined ? null : first.f.ts;
  const closedAt = last !== undefined && spot.open === 0 && perp.open === 0 ? last.f.ts : null;
  const hoursHeld = openedAt === null ? null : ((closedAt ?? now) - openedAt) / HOUR_MS;
  const apr = net !== null && peak > 0 && hoursHeld !== null && hoursHeld > 0 ? ((net / peak) * HOURS_PER_YEAR) / hoursHeld : null;

  return {
    positionId: spec.positionId,
    spot: spotLeg,
    perp: perpLeg,
    fees,
    funding: fundingQuote,
    realised,
    unrealised,
    net,
    notional: peak,
    openedAt,
    closedAt,
    hoursHeld,
    returnOverHold: net !== null && peak > 0 ? net / peak : null,
    apr,
  };
}

function sumOrNull(values: readonly (number | null)[]): number | null {
  let s = 0;
  for (const v of values) {
    if (v === null) return null;
    s += v;
  }
  return s;
}

/** Totals over positions; a null in any position makes that total null. */
export function totalPnl(positions: readonly PositionPnl[]): PnlTotals {
  let notionalHours = 0;
  for (const p of positions) if (p.hoursHeld !== null) notionalHours += p.notional * p.hoursHeld;
  const net = sumOrNull(positions.map((p) => p.net));
  return {
    positions: positions.length,
    spot: sumOrNull(positions.map((p) => p.spot.pnl)),
    perp: sumOrNull(positions.map((p) => p.perp.pnl)),
    fees: positions.reduce((s, p) => s + p.fees, 0),
    funding: positions.reduce((s, p) => s + p.funding, 0),
    realised: positions.reduce((s, p) => s + p.realised, 0),
    unrealised: sumOrNull(positions.map((p) => p.unrealised)),
    net,
    notional: positions.reduce((s, p) => s + p.notional, 0),
    apr: net !== null && notionalHours > 0 ? (net * HOURS_PER_YEAR) / notionalHours : null,
  };
}

export interface CoinCollateral {
  /** Coin balance posted as margin for the perp (P&L and funding credited in the coin included). */
  readonly coin: number;
  /**
   * true when the spot coin itself is posted as that margin (Deribit: the bought BTC sits in the
   * wallet that margins BTC-PERPETUAL), so `coin` already contains the spot quantity and it is
   * not counted twice.
   */
  readonly includesSpot: boolean;
}

export interface ResidualDelta {
  /** Net base exposure (base units): spot + coin collateral + the perp's base equivalent. */
  readonly exposure: number;
  /** exposure × mark, in quote. */
  readonly exposureQuote: number;
  /** exposure / |spot qty|; null when the spot leg is flat. */
  readonly drift: number | null;
  /** Perp contracts that would make the exposure zero; unrounded (round to the lot to trade). */
  readonly targetContracts: number;
  /** targetContracts − held contracts: the corrective order, signed (sell < 0). Unrounded. */
  readonly correctionContracts: number;
}

/**
 * Residual base exposure of a position at `mark` (accounting.md "Delta"). Linear:
 * Q + q × cs; inverse: Q + q × cs / M, because an inverse contract is worth a fixed USD amount,
 * so a spot-long inverse-short hedge drifts as the price moves even when nothing trades. Coin
 * held as collateral is long exposure too (`collateral`).
 */
export function residualDelta(
  spec: Pick<PositionSpec, 'settlement' | 'contractSize'>,
  holdings: PositionHoldings,
  mark: number,
  collateral: CoinCollateral | null = null,
): ResidualDelta {
  positive('contract size', spec.contractSize);
  positive('mark price', mark);
  finite('spot quantity', holdings.spotQty);
  finite('perp contracts', holdings.perpContracts);
  if (collateral !== null) finite('collateral coin', collateral.coin);
  const cs = spec.contractSize;
  const coinHeld =
    collateral === null ? holdings.spotQty : collateral.includesSpot ? collateral.coin : holdings.spotQty + collateral.coin;
  const perBaseContracts = spec.settlement === 'inverse' ? mark / cs : 1 / cs;
  const perpBase = spec.settlement === 'inverse' ? (holdings.perpContracts * cs) / mark : holdings.perpContracts * cs;
  const exposure = z(coinHeld + perpBase);
  const targetContracts = z(-coinHeld * perBaseContracts);
  return {
    exposure,
    exposureQuote: z(exposure * mark),
    drift: holdings.spotQty === 0 ? null : z(exposure / Math.abs(holdings.spotQty)),
    targetContracts,
    correctionContracts: z(targetContracts - holdings.perpContracts),
  };
}
