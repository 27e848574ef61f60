/**
 * Liquidation price of a perp leg and what restores a distance to it. Pure math.
 *
 * Model (one position, one margin balance, flat maintenance rate), derived from accounting.md
 * "Legs" (P&L formulas) and the venues' common rule "liquidated when equity falls to the
 * maintenance margin". `E` is the margin balance at the mark M, unrealised P&L included, in the
 * settle currency; `mmr` the maintenance margin rate on the position's value.
 *
 * Linear (settle USDT; B = q × cs base, signed):
 *   E(P) = E + B (P − M),  maintenance(P) = mmr |B| P
 *   E(P) = maintenance(P)  ⇒  P_liq = (B M − E) / (B − mmr |B|)
 *   short: (|B| M + E) / (|B| (1 + mmr)); with E = initial margin |B| P0 / lev at entry this is
 *   P0 (1 + 1/lev) / (1 + mmr) ≈ P0 (1 + 1/lev − mmr), the usual isolated-margin formula.
 *   long:  (B M − E) / (B (1 − mmr)); ≤ 0 means a fully funded long: no liquidation.
 * Inverse (settle the coin; U = q × cs USD, signed):
 *   E(P) = E + U (1/M − 1/P),  maintenance(P) = mmr |U| / P   (coin)
 *   ⇒  P_liq = (U + mmr |U|) / (E + U / M)
 *   short: |U| (1 − mmr) / (|U|/M − E), and none when E ≥ |U|/M: a short covered by at least its
 *   base equivalent in coin (the carry hedge with the spot as margin) is never liquidated.
 *   long:  |U| (1 + mmr) / (E + |U|/M).
 *
 * Approximations, said plainly: venues tier `mmr` by position size, charge a liquidation fee,
 * use cross margin over several positions and haircut collateral; none of that is modelled.
 * In live trading the venue's own liquidation price is used instead (margin.ts) and only the
 * correction is computed with this model, from the equity that price implies.
 *
 * Distance: how far the mark can move against the position before liquidation, as a share of
 * the mark: short (P_liq − M) / M, long (M − P_liq) / M; Infinity when there is no P_liq.
 */
import type { Settlement } from '../domain/market.js';

export interface PerpLeg {
  readonly settlement: Settlement;
  /** Signed contracts (short < 0). */
  readonly contracts: number;
  /** Base per contract (linear) or USD per contract (inverse). */
  readonly contractSize: number;
}

function positive(name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`${name} must be a positive number, got ${v}`);
}

function finite(name: string, v: number): void {
  if (!Number.isFinite(v)) throw new RangeError(`${name} must be a finite number, got ${v}`);
}

function checkLeg(leg: PerpLeg): void {
  finite('perp contracts', leg.contracts);
  if (leg.contracts === 0) throw new RangeError('a flat perp has no liquidation price');
  positive('contract size', leg.contractSize);
}

function checkMmr(mmr: number): void {
  if (!(Number.isFinite(mmr) && mmr >= 0 && mmr < 1)) throw new RangeError(`maintenance margin rate must be in [0, 1), got ${mmr}`);
}

/** Signed size: base (linear) or USD (inverse). */
function size(leg: PerpLeg): number {
  return leg.contracts * leg.contractSize;
}

/** Unrealised P&L from `entry` to `mark` in the settle currency (accounting.md "Legs"). */
export function unrealisedPnl(leg: PerpLeg, entry: number, mark: number): number {
  checkLeg(leg);
  positive('entry price', entry);
  positive('mark price', mark);
  return leg.settlement === 'linear' ? size(leg) * (mark - entry) : size(leg) * (1 / entry - 1 / mark);
}

/** Initial margin at `entry` and `leverage`, in the settle currency: |B| P0 / lev or |U| / P0 / lev. */
export function initialMargin(leg: PerpLeg, entry: number, leverage: number): number {
  checkLeg(leg);
  positive('entry price', entry);
  positive('leverage', leverage);
  const s = Math.abs(size(leg));
  return leg.settlement === 'linear' ? (s * entry) / leverage : s / entry / leverage;
}

export interface Liquidation {
  /** Liquidation price; null when no price liquidates the position, or every price does. */
  readonly price: number | null;
  /**
   * Share of the mark the price can move against the position before liquidation (module
   * comment): Infinity when nothing liquidates it, ≤ 0 when it is liquidatable at the mark,
   * −Infinity when the balance is so negative that every price does (`price` null).
   */
  readonly distance: number;
}

/** Liquidation of the leg with margin balance `equity` at `mark` (module comment for the formulas). */
export function liquidation(leg: PerpLeg, equity: number, mark: number, mmr: number): Liquidation {
  checkLeg(leg);
  finite('equity', equity);
  positive('mark price', mark);
  checkMmr(mmr);
  const s = size(leg);
  const short = s < 0;
  if (leg.settlement === 'linear') {
    const p = (s * mark - equity) / (s - mmr * Math.abs(s));
    if (p > 0) return { price: p, distance: liquidationDistance(leg, p, mark) };
    // long: balance ≥ the position's value, a fully funded long; short: balance ≤ −value, bankrupt.
    return short ? { price: null, distance: -Infinity } : { price: null, distance: Infinity };
  }
  const denominator = equity + s / mark;
  // short: coin balance ≥ the contracts' base equivalent, never liquidated; long: balance ≤ −that, bankrupt.
  if (short ? denominator >= 0 : denominator <= 0) return short ? { price: null, distance: Infinity } : { price: null, distance: -Infinity };
  const p = (s + mmr * Math.abs(s)) / denominator;
  return { price: p, distance: liquidationDistance(leg, p, mark) };
}

/** Share of the mark the price can move against the position before `liq`; Infinity for none. */
export function liquidationDistance(leg: Pick<PerpLeg, 'contracts'>, liq: number | null, mark: number): number {
  positive('mark price', mark);
  if (liq === null) return Infinity;
  positive('liquidation price', liq);
  return leg.contracts < 0 ? (liq - mark) / mark : (mark - liq) / mark;
}

/** The price at `distance` from the mark on the losing side: M (1 + d) short, M (1 − d) long. */
export function priceAtDistance(leg: Pick<PerpLeg, 'contracts'>, mark: number, distance: number): number {
  positive('mark price', mark);
  if (!(Number.isFinite(distance) && distance > 0)) throw new RangeError(`distance must be a positive share, got ${distance}`);
  if (leg.contracts > 0 && distance >= 1) throw new RangeError(`a long cannot be ${distance * 100}% from liquidation: the price cannot fall below 0`);
  return leg.contracts < 0 ? mark * (1 + distance) : mark * (1 - distance);
}

/**
 * Margin balance at `mark` whose liquidation price is `liq`: the inverse of liquidation().
 * With the venue's liquidation price it is the equity the model reads into it; with a target
 * price it is the equity the position needs.
 */
export function equityForLiquidationAt(leg: PerpLeg, liq: number, mark: number, mmr: number): number {
  checkLeg(leg);
  positive('liquidation price', liq);
  positive('mark price', mark);
  checkMmr(mmr);
  const s = size(leg);
  return leg.settlement === 'linear' ? s * mark - liq * (s - mmr * Math.abs(s)) : (s + mmr * Math.abs(s)) / liq - s / mark;
}

/**
 * Largest |contracts| whose liquidation price is `liq` or further, keeping margin balance
 * `equity` (a reduction trades at the mark, which moves unrealised P&L into realised and leaves
 * the balance as it is, fees aside). Unrounded; 0 when even a minimal position is too close.
 */
export function maxContractsForLiquidationAt(leg: PerpLeg, equity: number, liq: number, mark: number, mmr: number): number {
  checkLeg(leg);
  finite('equity', equity);
  positive('liquidation price', liq);
  positive('mark price', mark);
  checkMmr(mmr);
  if (equity <= 0) return 0;
  const short = leg.contracts < 0;
  // Per unit of |size| (base linear, USD inverse): the equity the position needs at that liq price.
  const perUnit =
    leg.settlement === 'linear'
      ? short
        ? liq * (1 + mmr) - mark
        : mark - liq * (1 - mmr)
      : short
        ? 1 / mark - (1 - mmr) / liq
        : (1 + mmr) / liq - 1 / mark;
  // perUnit ≤ 0: the liq price is on the safe side of any size (no equity needed).
  if (!(perUnit > 0)) return Math.abs(leg.contracts);
  return equity / perUnit / leg.contractSize;
}
