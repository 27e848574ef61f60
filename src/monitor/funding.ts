/**
 * Funding checks on a held perp, from its latest FundingSnapshot:
 * - funding_flip: the rate is against the position (a carry's short pays when the rate is
 *   negative, a reverse carry's long pays when it is positive), by more than the tolerance;
 * - funding_below_exit: the rate's APR in the position's favour is under the exit threshold
 *   (by default the strategy's exitRateBelow: the level at which decide() closes);
 * - interval_change: the venue's interval for the symbol differs from the baseline (the
 *   interval at entry, PositionSpec.intervalHours, unless the caller passes the last one the
 *   user was told about). The baseline is never "the previous tick": these are firing states,
 *   and a comparison with the previous tick would resolve the alert one tick after it fired.
 *
 * Rates are compared as APR in the position's favour, rate × 24/interval × 365 (sign flipped
 * for reverse): never raw across intervals (hummingbot #7603). A flipped rate is also under the
 * exit threshold; both alerts fire, each true and each resolving on its own condition.
 *
 * Severity: flip warning; below exit info; interval change warning when shorter (more
 * settlements, and the rate per interval means something else), info when longer.
 */
import type { Alert } from '../domain/alert.js';
import type { FundingSnapshot } from '../domain/market.js';
import { grossApr } from '../pricing/funding.js';
import { eachInput, firingAlert, positionLabel, reportClear, type CheckContext, type MonitoredPosition } from './alert-build.js';
import { capitalise, formatNumber, formatPct, formatPrice, formatUtc } from './format.js';

export interface FundingThresholds {
  /** A rate counts as flipped when its APR in the position's favour is below −this (0: any rate against). */
  readonly flipToleranceApr: number;
  /** funding_below_exit when the APR in the position's favour is below this. */
  readonly exitApr: number;
}

/** Thresholds from config: monitor.funding, its exitApr null meaning the strategy's exitRateBelow. */
export function fundingThresholds(monitor: { readonly flipToleranceApr: number; readonly exitApr: number | null }, strategyExitRateBelow: number): FundingThresholds {
  return { flipToleranceApr: monitor.flipToleranceApr, exitApr: monitor.exitApr ?? strategyExitRateBelow };
}

export interface FundingInput {
  readonly position: MonitoredPosition;
  /** The perp's latest snapshot; null = none this round (stale data alerts cover that). */
  readonly snapshot: FundingSnapshot | null;
  /** Interval the current one is compared with; absent = the interval at entry. */
  readonly baselineIntervalHours?: number;
}

/** APR of `rate` in the position's favour: positive when the position receives. */
export function aprInFavour(p: Pick<MonitoredPosition, 'direction'>, rate: number, intervalHours: number): number {
  const apr = grossApr(rate, intervalHours);
  return p.direction === 'carry' ? apr : -apr;
}

/**
 * What the position receives at one settlement (or per interval of continuous funding) at this
 * rate, in the quote (USD-like) currency: accounting.md "Funding", −q × cs × M × r linear,
 * −q × cs × r inverse. null when a linear perp has no mark.
 */
export function paymentPerInterval(p: MonitoredPosition, rate: number, mark: number | null): number | null {
  if (p.settlement === 'inverse') return -p.perpContracts * p.contractSize * rate;
  return mark === null ? null : -p.perpContracts * p.contractSize * mark * rate;
}

function rateText(s: FundingSnapshot): string {
  const kind = s.rateKind === 'trailing_realised' ? 'trailing' : s.rateKind === 'last_settled' ? 'last settled' : 'predicted';
  return `${kind} rate ${formatNumber(s.rate * 100, 4)}% per ${formatNumber(s.intervalHours, 2)}h`;
}

function whenText(s: FundingSnapshot): string {
  if (s.continuous) return `every ${formatNumber(s.intervalHours, 2)}h of accrual`;
  return s.nextFundingTime !== null ? `at ${formatUtc(s.nextFundingTime)}` : 'at the next settlement';
}

/** Funding alerts firing now (module comment): up to three per held perp. */
export function checkFunding(inputs: readonly FundingInput[], t: FundingThresholds, ctx: CheckContext): Alert[] {
  if (!(Number.isFinite(t.flipToleranceApr) && t.flipToleranceApr >= 0)) throw new RangeError(`flip tolerance must be >= 0, got ${t.flipToleranceApr}`);
  if (!Number.isFinite(t.exitApr)) throw new RangeError(`exit APR must be a finite number, got ${t.exitApr}`);
  const out: Alert[] = [];
  eachInput(inputs, (i) => i.position.positionId, ctx, ({ position: p, snapshot: s, baselineIntervalHours }) => {
    if (s === null || p.perpContracts === 0 || p.state === 'closed' || p.state === 'failed') return;
    const apr = aprInFavour(p, s.rate, s.intervalHours);
    const pay = paymentPerInterval(p, s.rate, s.markPrice);
    const label = positionLabel(p);
    const base = {
      subject: p.positionId,
      positionId: p.positionId,
      venue: p.venue,
      symbol: p.perpSymbol,
      nextFundingTime: s.nextFundingTime,
    };
    const data = {
      rate: s.rate,
      intervalHours: s.intervalHours,
      intervalSource: s.intervalSource,
      rateKind: s.rateKind,
      aprInFavour: apr,
      paymentPerInterval: pay,
      mark: s.markPrice,
      receivedAt: s.receivedAt,
    };
    const payText = pay === null ? '' : `; the position ${pay < 0 ? 'pays' : 'receives'} about ${formatPrice(Math.abs(pay))} ${p.quote} ${whenText(s)}`;

    if (apr < -t.flipToleranceApr) {
      out.push(
        firingAlert(
          {
            ...base,
            kind: 'funding_flip',
            severity: 'warning',
            title: `${label}: funding turned against the position`,
            message: `${capitalise(rateText(s))} = ${formatPct(apr, 2)} APR in the position's favour${payText}. Close it if this persists; the strategy's exit rules count settlements against.`,
            data: { ...data, flipToleranceApr: t.flipToleranceApr },
          },
          ctx,
        ),
      );
    } else {
      const within = apr < 0 ? ` (within the ${formatPct(t.flipToleranceApr, 2)} APR flip tolerance)` : '';
      reportClear(ctx, 'funding_flip', base.subject, () => ({
        ...base,
        kind: 'funding_flip',
        message: `Funding no longer against the position: ${rateText(s)} = ${formatPct(apr, 2)} APR in the position's favour${within}.`,
        data: { ...data, flipToleranceApr: t.flipToleranceApr },
      }));
    }
    if (apr < t.exitApr) {
      out.push(
        firingAlert(
          {
            ...base,
            kind: 'funding_below_exit',
            severity: 'info',
            title: `${label}: funding ${formatPct(apr, 2)} APR, under the exit threshold ${formatPct(t.exitApr, 2)}`,
            message: `${capitalise(rateText(s))} = ${formatPct(apr, 2)} APR in the position's favour, under ${formatPct(t.exitApr, 2)}${payText}. The strategy closes positions under this rate; close it if you run alert-only.`,
            data: { ...data, exitApr: t.exitApr },
          },
          ctx,
        ),
      );
    } else {
      reportClear(ctx, 'funding_below_exit', base.subject, () => ({
        ...base,
        kind: 'funding_below_exit',
        message: `Funding back at or above the exit threshold ${formatPct(t.exitApr, 2)}: ${rateText(s)} = ${formatPct(apr, 2)} APR in the position's favour.`,
        data: { ...data, exitApr: t.exitApr },
      }));
    }
    const baseline = baselineIntervalHours ?? p.intervalHours;
    if (Math.abs(s.intervalHours - baseline) > 1e-9 * baseline) {
      const shorter = s.intervalHours < baseline;
      out.push(
        firingAlert(
          {
            ...base,
            kind: 'interval_change',
            severity: shorter ? 'warning' : 'info',
            title: `${label}: funding interval ${formatNumber(baseline, 2)}h → ${formatNumber(s.intervalHours, 2)}h`,
            message: `${p.venue} now settles ${p.perpSymbol} every ${formatNumber(s.intervalHours, 2)}h (was ${formatNumber(baseline, 2)}h${s.intervalSource === 'default' ? '; the venue lists no interval, the default is assumed' : ''}). ${capitalise(rateText(s))} = ${formatPct(apr, 2)} APR in the position's favour${payText}. Check the rate per settlement and its caps before holding on.`,
            data: { ...data, baselineIntervalHours: baseline },
          },
          ctx,
        ),
      );
    } else {
      reportClear(ctx, 'interval_change', base.subject, () => ({
        ...base,
        kind: 'interval_change',
        message: `Funding interval back to ${formatNumber(baseline, 2)}h: ${p.venue} settles ${p.perpSymbol} every ${formatNumber(s.intervalHours, 2)}h.`,
        data: { ...data, baselineIntervalHours: baseline },
      }));
    }
  });
  return out;
}
