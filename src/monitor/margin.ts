/**
 * Margin: the perp leg's distance to liquidation (liquidation.ts for the formulas), and below
 * the floor the collateral transfer that restores the target distance, or the reduction that does.
 *
 * Sources of the liquidation price:
 * - live: the venue's position (`{ kind: 'venue', liquidationPrice }`), used as is. The
 *   correction still needs a model: the margin balance that price implies under the flat
 *   maintenance rate (equityForLiquidationAt), so the transfer is (model equity at the target
 *   price) − (model equity at the venue's price), whatever the venue's balance bookkeeping.
 * - paper: computed (`{ kind: 'model', collateral, entryPrice }`): balance = collateral posted
 *   for the perp + its unrealised P&L at the mark. Paper posts notional / leverage at entry
 *   (paper-wallet.ts; liquidation.ts `initialMargin`) for linear perps, and the coin for inverse
 *   ones (the spot coin plus the coin P&L and funding booked into it).
 *
 * The correction:
 * - transfer: amount = equity needed at the target − equity now, rounded UP to the currency's
 *   step (transfer-route.ts), so applying it leaves the distance at or above the target;
 *   from → to are the venue's ccxt account names (transfer-route.ts).
 * - reduction (linear perps): the largest size whose liquidation is at the target with the same
 *   balance (a trade at the mark leaves the balance as it is, fees aside); the perp is reduced
 *   by the difference rounded UP to its lot, and the spot by the same base quantity rounded to
 *   its lot, so the hedge stays flat. Not offered for inverse perps: their margin is the coin,
 *   and for the carry hedge the coin is the spot leg itself, so selling it takes the margin away.
 * The alert's action is the transfer, unless the free balance in the source account is known
 * (`transferable`) and short of it; then the reduction, when there is one. The message names both.
 *
 * Severity: critical when at or beyond liquidation or under half the floor; warning below the floor.
 */
import type { Alert, CorrectiveAction, Severity } from '../domain/alert.js';
import type { Market } from '../domain/market.js';
import { roundToStep } from '../pricing/lots.js';
import { eachInput, firingAlert, positionLabel, reportClear, type CheckContext, type MonitoredPosition } from './alert-build.js';
import { orderAction, orderTooSmall, roundOrder, type RoundedOrder } from './corrective-order.js';
import { capitalise, formatPct, formatPrice, formatQty, formatUtc } from './format.js';
import {
  equityForLiquidationAt,
  liquidation,
  liquidationDistance,
  maxContractsForLiquidationAt,
  priceAtDistance,
  unrealisedPnl,
  type Liquidation,
  type PerpLeg,
} from './liquidation.js';
import { marginTransferRoute, transferStep, type TransferRoute } from './transfer-route.js';

export interface MarginThresholds {
  /** Alert when the distance to liquidation is below this share of the mark (monitor.margin.floor). */
  readonly floor: number;
  /** The distance the suggested correction restores (monitor.margin.target), above the floor. */
  readonly target: number;
  /** Maintenance margin rate of the model (monitor.margin.maintenanceMarginRate). */
  readonly maintenanceMarginRate: number;
  /** Per-venue overrides of the rate (monitor.margin.maintenanceMarginRateByVenue). */
  readonly maintenanceMarginRateByVenue?: Readonly<Record<string, number>>;
}

export type MarginSource =
  /** Live: the venue's liquidation price of the position; null or 0 = the venue reports none. */
  | { readonly kind: 'venue'; readonly liquidationPrice: number | null }
  /** Paper: collateral posted for the perp (settle currency, unrealised P&L excluded) and its average entry. */
  | { readonly kind: 'model'; readonly collateral: number; readonly entryPrice: number };

export interface MarginInput {
  readonly position: MonitoredPosition;
  readonly markets: { readonly spot: Market; readonly perp: Market };
  /** Perp mark price; null = unknown, and the position is not checked (stale data alerts say so). */
  readonly mark: number | null;
  /** Price a spot order of the reduction would trade at; null or absent = the mark. */
  readonly spotPrice?: number | null;
  readonly margin: MarginSource;
  /** Free balance of the transfer's currency in the source account; null or absent = unknown. */
  readonly transferable?: number | null;
  /** The venue's ccxt id when the configured name differs (for the transfer's account names). */
  readonly ccxtId?: string;
  readonly nextFundingTime?: number | null;
}

export interface MarginTransfer {
  /** Rounded up to the currency's step. */
  readonly amount: number;
  /** Exact amount the model needs. */
  readonly needed: number;
  readonly currency: string;
  readonly route: TransferRoute;
}

export interface MarginReduction {
  readonly perp: RoundedOrder;
  /** The spot order keeping the hedge; null when the spot lot rounds it away. */
  readonly spot: RoundedOrder | null;
  /** Perp contracts held after the reduction (signed). */
  readonly contractsAfter: number;
}

export interface MarginAssessment {
  readonly mmr: number;
  /** Margin balance at the mark, settle currency (model, or implied by the venue's price). */
  readonly equity: number | null;
  readonly liquidation: Liquidation;
  readonly below: boolean;
  /** Liquidation price at the target distance. */
  readonly targetPrice: number;
  readonly transfer: MarginTransfer | null;
  readonly reduction: MarginReduction | null;
  /** Why there is no reduction (inverse perp, below the venue's minimum), when below. */
  readonly reductionProblem: string | null;
}

function checkThresholds(t: MarginThresholds): void {
  if (!(Number.isFinite(t.floor) && t.floor > 0)) throw new RangeError(`liquidation floor must be a positive share, got ${t.floor}`);
  if (!(Number.isFinite(t.target) && t.target > t.floor)) throw new RangeError(`liquidation target ${t.target} must be above the floor ${t.floor}`);
}

/** The maintenance margin rate for `venue`: its override, else the default. */
export function maintenanceMarginRateFor(t: MarginThresholds, venue: string): number {
  return t.maintenanceMarginRateByVenue?.[venue] ?? t.maintenanceMarginRate;
}

function perpLeg(p: MonitoredPosition): PerpLeg {
  return { settlement: p.settlement, contracts: p.perpContracts, contractSize: p.contractSize };
}

/** Distance to liquidation of one position and, below the floor, its corrections (module comment). */
export function assessMargin(input: MarginInput, t: MarginThresholds): MarginAssessment {
  checkThresholds(t);
  const p = input.position;
  const mark = input.mark;
  if (mark === null) throw new RangeError(`${p.positionId}: margin needs a mark price`);
  const leg = perpLeg(p);
  const mmr = maintenanceMarginRateFor(t, p.venue);
  const targetPrice = priceAtDistance(leg, mark, t.target);

  let equity: number | null;
  let liq: Liquidation;
  if (input.margin.kind === 'model') {
    equity = input.margin.collateral + unrealisedPnl(leg, input.margin.entryPrice, mark);
    liq = liquidation(leg, equity, mark, mmr);
  } else if (input.margin.liquidationPrice === null || input.margin.liquidationPrice === 0) {
    // ccxt gives null when the venue has no price; a raw "0" (Binance positionRisk) means the same.
    equity = null;
    liq = { price: null, distance: Infinity };
  } else {
    const price = input.margin.liquidationPrice;
    equity = equityForLiquidationAt(leg, price, mark, mmr);
    liq = { price, distance: liquidationDistance(leg, price, mark) };
  }
  const below = liq.distance < t.floor;
  if (!below || equity === null) return { mmr, equity, liquidation: liq, below, targetPrice, transfer: null, reduction: null, reductionProblem: null };

  const needed = equityForLiquidationAt(leg, targetPrice, mark, mmr) - equity;
  const currency = p.settle;
  const transfer: MarginTransfer | null =
    needed > 0
      ? { amount: roundToStep(needed, transferStep(currency), 'up'), needed, currency, route: marginTransferRoute(p.venue, p.settlement, input.ccxtId) }
      : null;

  let reduction: MarginReduction | null = null;
  let reductionProblem: string | null = null;
  if (p.settlement === 'inverse') {
    reductionProblem = 'not computed for an inverse perp, whose margin is its coin (for a carry hedge, the spot leg itself): add collateral';
  } else {
    const keep = maxContractsForLiquidationAt(leg, equity, targetPrice, mark, mmr);
    const held = Math.abs(p.perpContracts);
    const cut = Math.max(0, held - keep);
    const side = p.perpContracts < 0 ? 1 : -1;
    let perp = roundOrder(input.markets.perp, 'perp', side * cut, mark, 'up');
    // Rounding up past the position closes it: the whole holding, which is on the lot.
    if (Math.abs(perp.contracts ?? 0) >= held) perp = roundOrder(input.markets.perp, 'perp', side * held, mark, 'nearest');
    const tooSmall = orderTooSmall(input.markets.perp, perp, mark);
    if (tooSmall !== null && Math.abs(perp.contracts ?? 0) < held) {
      reductionProblem = tooSmall;
    } else {
      const spotPrice = input.spotPrice ?? mark;
      const spotQty = Math.min(Math.abs(perp.baseQty), Math.abs(p.spotQty)) * (p.spotQty > 0 ? -1 : 1);
      const spot = roundOrder(input.markets.spot, 'spot', spotQty, spotPrice, 'nearest');
      reduction = {
        perp,
        spot: orderTooSmall(input.markets.spot, spot, spotPrice) === null ? spot : null,
        contractsAfter: p.perpContracts + (perp.contracts ?? 0),
      };
    }
  }
  return { mmr, equity, liquidation: liq, below, targetPrice, transfer, reduction, reductionProblem };
}

function transferAction(p: MonitoredPosition, tr: MarginTransfer): CorrectiveAction {
  const amount = formatQty(tr.amount);
  const text = tr.route.ccxt
    ? `transfer ${amount} ${tr.currency} from ${tr.route.from} to ${tr.route.to} on ${p.venue}`
    : `deposit ${amount} ${tr.currency} into the ${p.venue} account`;
  return { kind: 'transfer', venue: p.venue, currency: tr.currency, amount: tr.amount, from: tr.route.from, to: tr.route.to, text };
}

function reductionActions(input: MarginInput, r: MarginReduction): CorrectiveAction[] {
  const v = input.position.venue;
  const out: CorrectiveAction[] = [orderAction(v, input.markets.perp, 'perp', r.perp)];
  if (r.spot) out.push(orderAction(v, input.markets.spot, 'spot', r.spot));
  return out;
}

function severityOf(distance: number, t: MarginThresholds): Severity {
  return distance <= 0 || distance < t.floor / 2 ? 'critical' : 'warning';
}

/** `margin` alerts firing now: one per position whose perp is closer to liquidation than the floor. */
export function checkMargin(inputs: readonly MarginInput[], t: MarginThresholds, ctx: CheckContext): Alert[] {
  checkThresholds(t);
  const out: Alert[] = [];
  eachInput(inputs, (i) => i.position.positionId, ctx, (input) => {
    const p = input.position;
    if (p.perpContracts === 0 || p.state === 'closed' || p.state === 'failed' || input.mark === null) return;
    const a = assessMargin(input, t);
    if (!a.below) {
      const dist = a.liquidation.distance;
      const mark = input.mark;
      reportClear(ctx, 'margin', p.positionId, () => {
        const where = a.liquidation.price === null ? 'no liquidation price' : `liquidates at ${formatPrice(a.liquidation.price)}`;
        const far = Number.isFinite(dist) ? `${formatPct(dist)} from liquidation` : 'out of reach of liquidation';
        return {
        kind: 'margin',
        subject: p.positionId,
        message: `Perp back above the ${formatPct(t.floor)} floor: ${far} (${where}, mark ${formatPrice(mark)}).`,
        data: { distance: Number.isFinite(dist) ? dist : null, liquidationPrice: a.liquidation.price, liquidationSource: input.margin.kind, mark: input.mark, equity: a.equity, floor: t.floor },
        nextFundingTime: input.nextFundingTime ?? null,
        };
      });
      return;
    }
    const d = a.liquidation.distance;
    const where = a.liquidation.price === null ? 'liquidatable at any price' : `liquidates at ${formatPrice(a.liquidation.price)}`;
    const away = d <= 0 ? 'at or beyond liquidation' : `${formatPct(d)} away`;
    const side = p.perpContracts < 0 ? 'short' : 'long';
    const restores = `back to ${formatPct(t.target)} (liquidation at ${formatPrice(a.targetPrice)})`;
    const transferText = a.transfer ? transferAction(p, a.transfer).text : null;
    const reduceActs = a.reduction ? reductionActions(input, a.reduction) : [];
    const reduceText = reduceActs.length > 0 ? reduceActs.map((x) => x.text).join(' and ') : null;
    const short = a.transfer !== null && input.transferable != null && input.transferable < a.transfer.amount;
    let actions: CorrectiveAction[];
    let todo: string;
    if (a.transfer === null) {
      actions = [];
      todo = 'No transfer is needed by the model; check the position on the venue.';
    } else if (short && reduceText !== null) {
      actions = reduceActs;
      todo = `Free ${formatQty(input.transferable ?? 0)} ${a.transfer.currency} in ${a.transfer.route.from} is less than the ${formatQty(a.transfer.amount)} needed: ${reduceText} to get ${restores}.`;
    } else {
      actions = [transferAction(p, a.transfer)];
      const shortNote = short ? ` (free balance there: ${formatQty(input.transferable ?? 0)} ${a.transfer.currency}, short of it)` : '';
      const alt = reduceText !== null ? ` Or reduce: ${reduceText}.` : a.reductionProblem !== null ? ` No reduction: ${a.reductionProblem}.` : '';
      todo = `${capitalise(transferText ?? '')} to get ${restores}${shortNote}.${alt}`;
    }
    const funding = input.nextFundingTime != null ? ` Next funding ${formatUtc(input.nextFundingTime)}.` : '';
    const mark = input.mark;
    out.push(
      firingAlert(
        {
          kind: 'margin',
          severity: severityOf(d, t),
          subject: p.positionId,
          positionId: p.positionId,
          venue: p.venue,
          symbol: p.perpSymbol,
          title: `${positionLabel(p)}: perp ${d <= 0 ? 'at liquidation' : `${formatPct(d)} from liquidation`}`,
          message: `Perp ${side} ${formatQty(Math.abs(p.perpContracts))} contract${Math.abs(p.perpContracts) === 1 ? '' : 's'} ${where} (mark ${formatPrice(mark)}): ${away}, floor ${formatPct(t.floor)}. ${todo}${funding}`,
          actions,
          data: {
            distance: Number.isFinite(d) ? d : null,
            liquidationPrice: a.liquidation.price,
            liquidationSource: input.margin.kind,
            mark,
            equity: a.equity,
            maintenanceMarginRate: a.mmr,
            floor: t.floor,
            target: t.target,
            targetLiquidationPrice: a.targetPrice,
            transferAmount: a.transfer?.amount ?? null,
            transferNeeded: a.transfer?.needed ?? null,
            transferCurrency: a.transfer?.currency ?? null,
            transferFrom: a.transfer?.route.from ?? null,
            transferTo: a.transfer?.route.to ?? null,
            reducePerpContracts: a.reduction?.perp.contracts ?? null,
            reducePerpAmount: a.reduction?.perp.amount ?? null,
            reduceSpotAmount: a.reduction?.spot?.amount ?? null,
            contractsAfterReduction: a.reduction?.contractsAfter ?? null,
          },
          nextFundingTime: input.nextFundingTime ?? null,
        },
        ctx,
      ),
    );
  });
  return out;
}

