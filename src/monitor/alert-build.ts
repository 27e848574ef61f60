/**
 * What every monitor check shares: the alert's identity, the start of its episode and the one
 * place an Alert object is assembled.
 *
 * The checks are pure and stateless: each returns the alerts FIRING now for its subjects. The
 * dedup/cooldown layer compares that set with the previous one (new / repeated / resolved). An
 * alert's id names its episode, `${kind}:${subject}:${since}`, so the same condition seen on
 * every tick keeps one id; `since` is the time the condition was first seen, which only the
 * previous firing set knows. The checks read it through `CheckContext.since` and also write it
 * into `data.since`, so the previous set alone is enough to rebuild the lookup (sinceFromFiring),
 * also after a restart that reloads stored alerts.
 */
import type { Alert, AlertKind, ClearReport, CorrectiveAction, QuietKey, Severity } from '../domain/alert.js';
import type { VenueId } from '../domain/market.js';
import type { Direction } from '../domain/opportunity.js';
import type { PositionHoldings, PositionSpec, PositionState } from '../domain/position.js';

/** A position as the checks read it; the ledger's PositionRow is one. */
export type MonitoredPosition = PositionSpec & PositionHoldings & { readonly state: PositionState };

/** When the currently firing episode of (kind, subject) started; undefined = not firing before. */
export type SinceLookup = (kind: AlertKind, subject: string) => number | undefined;

export interface CheckContext {
  /** Clock time of this evaluation (ms epoch): the checks read no clock. */
  readonly now: number;
  /** Episode starts of the alerts firing at the previous evaluation; absent = none were. */
  readonly since?: SinceLookup;
  /**
   * Called with an input the check cannot evaluate (a non-positive price, a contract size of
   * 0: data that should not have passed the venue boundary); that input is skipped and the
   * others are still checked. Absent: the error is thrown.
   */
  readonly onInputError?: (subject: string, error: unknown) => void;
  /**
   * Told, for each (kind, subject) the check evaluated and found NOT firing, what it measured:
   * the text of the "resolved" message should an alert of that key have been firing (the alert
   * manager uses it only then). Absent: not reported.
   */
  readonly onClear?: (quiet: QuietKey) => void;
}

/** Reports a quiet key to ctx.onClear (see CheckContext). */
export function reportClear(ctx: CheckContext, kind: AlertKind, subject: string, report: () => ClearReport): void {
  ctx.onClear?.({ kind, subject, report });
}

/**
 * Runs `fn` over each input; an input that throws is reported to ctx.onInputError and skipped
 * (or, without it, the error propagates), so one bad position never hides the alerts of others.
 */
export function eachInput<I>(inputs: readonly I[], subjectOf: (input: I) => string, ctx: CheckContext, fn: (input: I) => void): void {
  for (const input of inputs) {
    try {
      fn(input);
    } catch (e) {
      if (!ctx.onInputError) throw e;
      ctx.onInputError(subjectOf(input), e);
    }
  }
}

export function alertId(kind: AlertKind, subject: string, since: number): string {
  return `${kind}:${subject}:${since}`;
}

function episodeKey(kind: AlertKind, subject: string): string {
  return `${kind}\u0000${subject}`;
}

/**
 * The lookup from the previous evaluation's alerts: each firing alert's `data.since` (every
 * alert built here carries it). Resolved alerts end their episode, so they are not read.
 */
export function sinceFromFiring(previous: readonly Alert[]): SinceLookup {
  const starts = new Map<string, number>();
  for (const a of previous) {
    if (a.status !== 'firing') continue;
    const since = a.data['since'];
    if (typeof since === 'number' && Number.isFinite(since)) starts.set(episodeKey(a.kind, a.subject), since);
  }
  return (kind, subject) => starts.get(episodeKey(kind, subject));
}

export interface AlertParts {
  readonly kind: AlertKind;
  readonly severity: Severity;
  readonly subject: string;
  readonly positionId: string | null;
  readonly venue: VenueId | null;
  readonly symbol: string | null;
  readonly title: string;
  readonly message: string;
  readonly actions?: readonly CorrectiveAction[];
  readonly data: Readonly<Record<string, number | string | boolean | null>>;
  readonly nextFundingTime?: number | null;
}

/** A firing alert for `parts` at ctx.now, its episode start taken from ctx.since (or now). */
export function firingAlert(parts: AlertParts, ctx: CheckContext): Alert {
  const earlier = ctx.since?.(parts.kind, parts.subject);
  // An episode cannot start after the evaluation that sees it (a clock set back, a bad store).
  const since = earlier !== undefined && earlier <= ctx.now ? earlier : ctx.now;
  return {
    id: alertId(parts.kind, parts.subject, since),
    kind: parts.kind,
    severity: parts.severity,
    subject: parts.subject,
    positionId: parts.positionId,
    venue: parts.venue,
    symbol: parts.symbol,
    ts: ctx.now,
    status: 'firing',
    title: parts.title,
    message: parts.message,
    actions: parts.actions ?? [],
    data: { ...parts.data, since },
    nextFundingTime: parts.nextFundingTime ?? null,
  };
}

/** "BTC carry on deribit": how a person names a position in one glance. */
export function positionLabel(p: { readonly base: string; readonly direction: Direction; readonly venue: VenueId }): string {
  return `${p.base} ${p.direction} on ${p.venue}`;
}
