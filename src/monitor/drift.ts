/**
 * Delta drift: how far a position's net base exposure is from flat, and the order that puts it
 * back (accounting.md "Delta"; the exposure itself is pnl.ts `residualDelta`).
 *
 *   drift = |exposure| / |spot quantity|, exposure = coin held + perp base-equivalent
 *   linear: perp base = q × cs; inverse: q × cs / M, so an inverse hedge drifts as M moves.
 *
 * Coin held, for an inverse perp (`collateral`): pass the coin the position holds, INCLUDING the
 * perp's realised and unrealised coin P&L and the coin funding, with `includesSpot: true` when
 * that count starts from the spot (config monitor.drift.inverseExposure 'coin', the default: the
 * perp's coin P&L lands in the same coin as the spot on Deribit, on coin-M and in carry's paper
 * wallet). Then a 1 BTC + short 40,000 USD hedge stays flat as the price moves, as it really
 * does: its coin loss is exactly the drop in the contracts' base equivalent, and what drifts it is
 * coin funding and fees accruing, or legs that did not match. With `collateral` null ('legs') the
 * coin held is the spot quantity alone, i.e. the perp's coin P&L is assumed to be swapped to
 * quote as it accrues; that is accounting.md Example 2 (9.1% at 44,000, sell 400 more
 * contracts). 'legs' for a position whose coin P&L stays in the coin recommends a trade that
 * leaves it net short; that is why it is not the default (docs/alerts.md "Inverse perps").
 *
 * Which leg corrects (documented choice):
 * 1. the perp, rounded to the nearest lot, when the order is placeable (non-zero, above the
 *    venue's minimums) and leaves the drift within the threshold. The perp is the cheaper leg
 *    (lower taker fee, no spot spread), and in either direction the order only resizes the
 *    hedge: it never needs reduce-only and never spends quote on spot.
 * 2. otherwise the spot, rounded to its (usually much finer) lot, when that fits the same test:
 *    a perp lot coarser than the drift (OKX 0.01 BTC, Deribit 10 USD) cannot fix a small one.
 * 3. otherwise whichever placeable order leaves the smaller residual, the perp on a tie;
 *    none placeable → the alert still fires (severity info), saying why no order can fix it.
 *
 * Only positions in state 'open' are checked: while legs are being placed, closed or unwound
 * the imbalance is the protocol at work, and the leg executor owns it.
 */
import type { Alert, Severity } from '../domain/alert.js';
import type { Market } from '../domain/market.js';
import { residualDelta, type CoinCollateral, type ResidualDelta } from '../pricing/pnl.js';
import { eachInput, firingAlert, positionLabel, reportClear, type CheckContext, type MonitoredPosition } from './alert-build.js';
import { orderAction, orderTooSmall, roundOrder, type OrderAction, type RoundedOrder } from './corrective-order.js';
import { capitalise, formatPct, formatPrice, formatQty, formatUtc } from './format.js';

/**
 * How an inverse perp's exposure is counted (config monitor.drift.inverseExposure, module
 * comment): 'coin' passes the coin the position holds as `collateral`, 'legs' passes none.
 */
export type InverseExposure = 'coin' | 'legs';

export interface DriftThresholds {
  /** Alert when drift exceeds this share of the spot quantity (config monitor.drift.threshold). */
  readonly threshold: number;
  /** From this share on the alert is critical (config monitor.drift.critical). */
  readonly critical: number;
}

export interface DriftInput {
  readonly position: MonitoredPosition;
  readonly markets: { readonly spot: Market; readonly perp: Market };
  /** Perp mark price; null = unknown, and the position is not checked (stale data alerts say so). */
  readonly mark: number | null;
  /** Price a spot correction would trade at (spot mid); null or absent = the mark. */
  readonly spotPrice?: number | null;
  /** Coin held besides (or including) the spot, see the module comment; null = the spot alone. */
  readonly collateral?: CoinCollateral | null;
  readonly nextFundingTime?: number | null;
}

export interface DriftCorrection {
  readonly leg: 'spot' | 'perp';
  readonly order: RoundedOrder;
  readonly action: OrderAction;
  /** Exposure (base) after the order. */
  readonly residual: number;
  /** |residual| / |spot quantity after the order|. */
  readonly driftAfter: number;
}

export interface DriftAssessment {
  readonly delta: ResidualDelta;
  /** |exposure| / |spot|; Infinity when the spot leg is flat and the perp is not. */
  readonly drift: number;
  readonly beyond: boolean;
  /** The order that fixes it; null when not beyond, or when no order can be placed (`problem`). */
  readonly correction: DriftCorrection | null;
  readonly problem: string | null;
}

function checkThresholds(t: DriftThresholds): void {
  if (!(Number.isFinite(t.threshold) && t.threshold > 0)) throw new RangeError(`drift threshold must be a positive share, got ${t.threshold}`);
  if (!(Number.isFinite(t.critical) && t.critical >= t.threshold)) {
    throw new RangeError(`critical drift ${t.critical} must be at least the threshold ${t.threshold}`);
  }
}

interface Candidate {
  readonly leg: 'spot' | 'perp';
  readonly order: RoundedOrder;
  readonly residual: number;
  readonly driftAfter: number;
  readonly problem: string | null;
}

/** Drift of one position at `mark` and, beyond the threshold, its correction (module comment). */
export function assessDrift(input: DriftInput, t: DriftThresholds): DriftAssessment {
  checkThresholds(t);
  const { position: p, markets, mark } = input;
  if (mark === null) throw new RangeError(`${p.positionId}: drift needs a mark price`);
  const collateral = input.collateral ?? null;
  const delta = residualDelta(p, p, mark, collateral);
  const drift = delta.drift === null ? (delta.exposure === 0 ? 0 : Infinity) : Math.abs(delta.drift);
  const beyond = drift > t.threshold;
  if (!beyond) return { delta, drift, beyond, correction: null, problem: null };

  const spotPrice = input.spotPrice ?? mark;
  const shareAfter = (residual: number, spotQty: number): number =>
    residual === 0 ? 0 : spotQty === 0 ? Infinity : Math.abs(residual) / Math.abs(spotQty);

  const perpOrder = roundOrder(markets.perp, 'perp', delta.correctionContracts, mark);
  const perpResidual = delta.exposure + perpOrder.baseQty;
  const perp: Candidate = {
    leg: 'perp',
    order: perpOrder,
    residual: perpResidual,
    driftAfter: shareAfter(perpResidual, p.spotQty),
    problem: orderTooSmall(markets.perp, perpOrder, mark),
  };
  const spotOrder = roundOrder(markets.spot, 'spot', -delta.exposure, spotPrice);
  const spotResidual = delta.exposure + spotOrder.baseQty;
  const spot: Candidate = {
    leg: 'spot',
    order: spotOrder,
    residual: spotResidual,
    driftAfter: shareAfter(spotResidual, p.spotQty + spotOrder.baseQty),
    problem: orderTooSmall(markets.spot, spotOrder, spotPrice),
  };

  const fixes = (c: Candidate) => c.problem === null && c.driftAfter <= t.threshold;
  const placeable = [perp, spot].filter((c) => c.problem === null && Math.abs(c.residual) < Math.abs(delta.exposure));
  const chosen = fixes(perp)
    ? perp
    : fixes(spot)
      ? spot
      : placeable.reduce<Candidate | null>((best, c) => (best === null || Math.abs(c.residual) < Math.abs(best.residual) ? c : best), null);
  if (chosen === null) {
    return { delta, drift, beyond, correction: null, problem: `${perp.problem ?? 'the perp order would not reduce it'}; ${spot.problem ?? 'the spot order would not reduce it'}` };
  }
  const market = chosen.leg === 'perp' ? markets.perp : markets.spot;
  return {
    delta,
    drift,
    beyond,
    correction: {
      leg: chosen.leg,
      order: chosen.order,
      action: orderAction(p.venue, market, chosen.leg, chosen.order),
      residual: chosen.residual,
      driftAfter: chosen.driftAfter,
    },
    problem: null,
  };
}

/**
 * Severity: critical from `critical` on; warning beyond `threshold`; info when no placeable
 * order can reduce it (the lots or minimums are coarser than the drift: nothing to do but know).
 */
function severityOf(a: DriftAssessment, t: DriftThresholds): Severity {
  if (a.correction === null) return 'info';
  return a.drift >= t.critical ? 'critical' : 'warning';
}

/** `delta_drift` alerts firing now, one per open position beyond the threshold. */
export function checkDrift(inputs: readonly DriftInput[], t: DriftThresholds, ctx: CheckContext): Alert[] {
  checkThresholds(t);
  const out: Alert[] = [];
  eachInput(inputs, (i) => i.position.positionId, ctx, (input) => {
    const p = input.position;
    if (p.state !== 'open' || input.mark === null) return;
    if (p.spotQty === 0 && p.perpContracts === 0) {
      reportClear(ctx, 'delta_drift', p.positionId, () => ({ kind: 'delta_drift', subject: p.positionId, message: 'Both legs are flat: nothing left to hedge.', data: { spotQty: 0, perpContracts: 0, threshold: t.threshold } }));
      return;
    }
    const a = assessDrift(input, t);
    if (!a.beyond) {
      const mark = input.mark;
      reportClear(ctx, 'delta_drift', p.positionId, () => {
        const net = `${a.delta.exposure > 0 ? '+' : ''}${formatQty(a.delta.exposure)} ${p.base}`;
        return {
        kind: 'delta_drift',
        subject: p.positionId,
        message: `Hedge back within ${formatPct(t.threshold)}: drift ${formatPct(a.drift)} of the spot leg (net ${net} at mark ${formatPrice(mark)}).`,
        data: { drift: a.drift, exposure: a.delta.exposure, exposureQuote: a.delta.exposureQuote, mark: input.mark, spotQty: p.spotQty, perpContracts: p.perpContracts, threshold: t.threshold },
        nextFundingTime: input.nextFundingTime ?? null,
        };
      });
      return;
    }
    const long = a.delta.exposure > 0;
    const shown = Number.isFinite(a.drift) ? formatPct(a.drift) : 'unhedged';
    const title = `${positionLabel(p)} drifted ${shown} ${long ? 'long' : 'short'}`;
    const exposureText = `Net ${long ? '+' : ''}${formatQty(a.delta.exposure)} ${p.base} (${long ? '+' : ''}${formatPrice(a.delta.exposureQuote)} ${p.quote}) at mark ${formatPrice(input.mark)}`;
    const c = a.correction;
    const fix = c
      ? `${capitalise(c.action.text)} (${c.leg === 'perp' ? `to ${formatQty(p.perpContracts + (c.order.contracts ?? 0))} contracts, ` : ''}leaves ${formatPct(c.driftAfter)}).`
      : `No order fixes it: ${a.problem}.`;
    const funding = input.nextFundingTime != null ? ` Next funding ${formatUtc(input.nextFundingTime)}.` : '';
    out.push(
      firingAlert(
        {
          kind: 'delta_drift',
          severity: severityOf(a, t),
          subject: p.positionId,
          positionId: p.positionId,
          venue: p.venue,
          symbol: p.perpSymbol,
          title,
          message: `${exposureText}, ${shown} of the spot leg (limit ${formatPct(t.threshold)}). ${fix}${funding}`,
          actions: a.correction ? [a.correction.action] : [],
          data: {
            drift: Number.isFinite(a.drift) ? a.drift : null,
            exposure: a.delta.exposure,
            exposureQuote: a.delta.exposureQuote,
            mark: input.mark,
            spotQty: p.spotQty,
            perpContracts: p.perpContracts,
            coinHeld: input.collateral ? input.collateral.coin : null,
            targetContracts: a.delta.targetContracts,
            correctionContracts: a.delta.correctionContracts,
            correctionLeg: a.correction?.leg ?? null,
            orderAmount: a.correction ? a.correction.order.amount : null,
            orderContracts: a.correction ? a.correction.order.contracts : null,
            residualAfter: a.correction ? a.correction.residual : null,
            driftAfter: a.correction ? a.correction.driftAfter : null,
            threshold: t.threshold,
          },
          nextFundingTime: input.nextFundingTime ?? null,
        },
        ctx,
      ),
    );
  });
  return out;
}
