/**
 * Deduplication, cooldown, escalation and resolution of alerts, persisted so a restart neither
 * repeats nor loses one.
 *
 * Each monitor tick hands over the alerts firing now and the (kind, subject) pairs it checked.
 * `planTick` (pure) decides, per dedup key kind + subject:
 *   - not firing before, firing now           → a new episode (new id) and a `new` message;
 *   - firing, severity above the last sent    → `escalated`, at once;
 *   - firing, cooldown since the last message → `reminder`;
 *   - firing, inside the cooldown             → nothing (the episode's last-seen state is kept);
 *   - firing before, checked, not firing now  → `resolved`, once; the next firing is a new episode.
 * A key not checked this tick is left alone: a check that did not run (venue down, position
 * skipped) must not be read as "all clear". A resolved message keeps the title of the episode's
 * first message and says what the check measures now (TickInput.clear), or that the subject is
 * gone; it never repeats the firing text or its actions.
 *
 * Outbox: the decisions and one pending delivery per message per sink are committed in one
 * transaction before anything is sent (`record`); `deliver` / `deliverSink` then send what is
 * due and record each outcome. The process's DeliveryWorker (worker.ts) calls them beside the
 * engine, never in its path. A crash between the two leaves the deliveries pending, and the
 * next start sends them: nothing decided is lost, nothing recorded as sent is sent again. A
 * crash after a sink accepted a message but before its outcome was recorded re-sends that one
 * message on restart (at least once, never zero times).
 *
 * Delivery, per sink (each sink on its own):
 *   - every message gets the whole budget, giveUpAfterMs from its own creation, with the same
 *     backoff (retryBaseMs doubling to retryMaxMs, from its own last attempt);
 *   - messages about one key (kind + subject: an episode's new, reminders, escalations and
 *     resolved, then the next episode's) reach the sink in the order decided: a later one is
 *     not sent before every earlier one is sent or given up. When a later one is due, the sink
 *     is tried with the earliest first; if that fails, the later one's attempt counts as failed
 *     too ("waits for #1 ..."), so it is retried on its own schedule, to its own budget;
 *   - messages about different keys do not wait for each other.
 * All of it on the manager's clock: the delivery clock (the wall clock in the daemon).
 */
import type { Alert, AlertKind, ClearReport, QuietKey, Severity } from '../domain/alert.js';
import type { Clock } from '../domain/clock.js';
import type { AlertChanges, AlertMessage, AlertStore, DeliveryStatus, Episode, Notice, PendingDelivery } from './store.js';

export interface AlertKey {
  readonly kind: AlertKind;
  readonly subject: string;
}

export interface TickInput {
  /** Clock time of the tick. */
  readonly now: number;
  /** Alerts firing now, as the checks built them (id, ts and status are set here). At most one per key. */
  readonly firing: readonly Alert[];
  /** Every (kind, subject) the checks evaluated this tick, firing or not. A firing alert counts as checked. */
  readonly checked: readonly AlertKey[];
  /** Subjects that no longer exist (a position closed): every firing episode of theirs resolves. */
  readonly gone?: readonly string[];
  /** For keys checked and not firing: what the check measured (the resolved message's text and numbers). */
  readonly clear?: readonly (QuietKey | ClearReport)[];
}

export interface AlertSettings {
  /** Minimum time between two messages of one episode, unless its severity rises. */
  readonly cooldownMs: number;
  /** Per-kind cooldown; wins over the per-severity one. */
  readonly cooldownByKind?: Partial<Record<AlertKind, number>>;
  readonly cooldownBySeverity?: Partial<Record<Severity, number>>;
  /**
   * A delivery that failed is tried again after retryBaseMs, doubling per attempt up to
   * retryMaxMs (the dispatcher's own quick retries happen inside one attempt).
   */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** A delivery that fails this long after its own creation (delivery clock) is given up (status failed). */
  readonly giveUpAfterMs: number;
}

/** The manager's settings from the config's `alerts` section (minutes, seconds, hours → ms). */
export function alertSettingsFromConfig(c: {
  readonly cooldownMinutes: number;
  readonly cooldownMinutesByKind: Partial<Record<AlertKind, number>>;
  readonly retryBaseSeconds: number;
  readonly retryMaxSeconds: number;
  readonly giveUpAfterHours: number;
}): AlertSettings {
  const byKind: Partial<Record<AlertKind, number>> = {};
  for (const [k, v] of Object.entries(c.cooldownMinutesByKind) as [AlertKind, number][]) byKind[k] = v * 60_000;
  return {
    cooldownMs: c.cooldownMinutes * 60_000,
    cooldownByKind: byKind,
    retryBaseMs: c.retryBaseSeconds * 1_000,
    retryMaxMs: c.retryMaxSeconds * 1_000,
    giveUpAfterMs: c.giveUpAfterHours * 3_600_000,
  };
}

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  cooldownMs: 30 * 60_000,
  retryBaseMs: 30_000,
  retryMaxMs: 15 * 60_000,
  giveUpAfterMs: 24 * 3_600_000,
};

/** When a pending delivery that has failed `attempts` times, last at `lastTs`, may be tried again. */
export function retryAt(settings: AlertSettings, attempts: number, lastTs: number): number {
  if (attempts === 0) return Number.NEGATIVE_INFINITY; // never tried: due now
  return lastTs + Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (attempts - 1));
}

export interface TickPlan extends AlertChanges {
  /** Keys that fired and were held back by the cooldown (for logs and tests). */
  readonly suppressed: readonly AlertKey[];
}

const RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, critical: 2 };

export function keyOf(k: AlertKey): string {
  return `${k.kind}\u0000${k.subject}`;
}

export function cooldownFor(settings: AlertSettings, kind: AlertKind, severity: Severity): number {
  return settings.cooldownByKind?.[kind] ?? settings.cooldownBySeverity?.[severity] ?? settings.cooldownMs;
}

/** Alert.id: stable per episode, from kind, subject and the time the condition started. */
export function episodeId(kind: AlertKind, subject: string, firstTs: number, taken: (id: string) => boolean): string {
  const base = `${kind}:${subject}:${firstTs}`;
  let id = base;
  // Only when an episode resolved and the key fired again at the same clock millisecond.
  for (let n = 2; taken(id); n++) id = `${base}#${n}`;
  return id;
}

/**
 * Decides one tick. `open` = the episodes firing before it; `taken` tells whether an id is
 * already used (by any episode, resolved ones included). Pure: same input, same plan.
 */
export function planTick(open: readonly Episode[], input: TickInput, settings: AlertSettings, taken: (id: string) => boolean): TickPlan {
  const { now } = input;
  const episodes: Episode[] = [];
  const messages: AlertMessage[] = [];
  const suppressed: AlertKey[] = [];
  const byKey = new Map(open.map((e) => [keyOf(e), e]));
  const newIds = new Set<string>();

  // One alert per key: should a check report a key twice, the most severe one stands (first on ties).
  const firing = new Map<string, Alert>();
  for (const a of input.firing) {
    const k = keyOf(a);
    const seen = firing.get(k);
    if (seen === undefined || RANK[a.severity] > RANK[seen.severity]) firing.set(k, a);
  }

  const emit = (e: Episode, notice: Notice, alert: Alert): void => {
    episodes.push(e);
    messages.push({ alertId: e.id, seq: e.notifyCount, notice, ts: now, alert });
  };

  for (const [k, a] of firing) {
    const prev = byKey.get(k);
    if (prev === undefined) {
      const id = episodeId(a.kind, a.subject, now, (x) => newIds.has(x) || taken(x));
      newIds.add(id);
      const alert: Alert = { ...a, id, ts: now, status: 'firing' };
      const e: Episode = {
        id,
        title: alert.title,
        kind: a.kind,
        subject: a.subject,
        severity: a.severity,
        notifiedSeverity: a.severity,
        status: 'firing',
        firstTs: now,
        lastTs: now,
        resolvedTs: null,
        lastNotifiedTs: now,
        notifyCount: 1,
        alert,
      };
      emit(e, 'new', alert);
      continue;
    }
    const alert: Alert = { ...a, id: prev.id, ts: now, status: 'firing' };
    const seen: Episode = { ...prev, severity: a.severity, lastTs: now, alert };
    const notice: Notice | null =
      RANK[a.severity] > RANK[prev.notifiedSeverity]
        ? 'escalated'
        : now - prev.lastNotifiedTs >= cooldownFor(settings, a.kind, a.severity)
          ? 'reminder'
          : null;
    if (notice === null) {
      episodes.push(seen);
      suppressed.push({ kind: a.kind, subject: a.subject });
      continue;
    }
    emit({ ...seen, notifiedSeverity: a.severity, lastNotifiedTs: now, notifyCount: prev.notifyCount + 1 }, notice, alert);
  }

  const checked = new Set(input.checked.map(keyOf));
  const gone = new Set(input.gone ?? []);
  const clear = new Map((input.clear ?? []).map((c) => [keyOf(c), c]));
  for (const prev of open) {
    const k = keyOf(prev);
    if (firing.has(k) || !(checked.has(k) || gone.has(prev.subject))) continue;
    const q = checked.has(k) ? clear.get(k) : undefined;
    const alert = resolvedAlert(prev, now, q === undefined ? undefined : 'report' in q ? q.report() : q, gone.has(prev.subject));
    emit({ ...prev, status: 'resolved', resolvedTs: now, lastNotifiedTs: now, notifyCount: prev.notifyCount + 1, alert }, 'resolved', alert);
  }
  return { episodes, messages, suppressed };
}

/**
 * The resolved message of `prev`: the title of its first message (what the user was told), and
 * what the check measures now; for a subject that is gone, that it is gone. No actions: nothing
 * is left to do. `data` holds the current numbers when the check reported them, else the last
 * ones seen firing; `data.since` is the episode's start either way.
 */
export function resolvedAlert(prev: Episode, now: number, clear: ClearReport | undefined, gone: boolean): Alert {
  const since = prev.alert.data['since'] ?? prev.firstTs;
  const what = prev.alert.positionId !== null ? `Position ${prev.alert.positionId}` : prev.subject;
  const message =
    clear !== undefined
      ? clear.message
      : gone
        ? `${what} is no longer held: nothing left to watch or correct.`
        : 'No longer firing at the latest check.';
  return {
    ...prev.alert,
    title: prev.title,
    ts: now,
    status: 'resolved',
    message,
    actions: [],
    data: clear !== undefined ? { ...clear.data, since } : { ...prev.alert.data, since },
    nextFundingTime: clear?.nextFundingTime ?? null,
  };
}

/** One sink's answer to one message (the dispatcher's DeliveryResult has these fields). */
export interface SinkResult {
  readonly sink: string;
  readonly ok: boolean;
  /** Why it failed (status code, timeout, ...); null when ok. */
  readonly error?: string | null;
  /** 'skipped': ok, but the sink filtered the alert out (below its minSeverity). */
  readonly outcome?: string;
}

/** What the sender is told besides the alert: which message of the episode this is, and when to stop. */
export interface SendContext {
  readonly notice: Notice;
  readonly seq: number;
  /** Aborted when the attempt is abandoned (shutdown grace over): abort the request, the result is not used. */
  readonly signal?: AbortSignal;
  /** Aborted at shutdown: finish the request in flight but make no further retry. */
  readonly stopRetrying?: AbortSignal;
}

/**
 * Sends one alert to the named sinks and reports each sink's result (the dispatcher). Must not
 * throw for a sink's failure; a throw counts as a failure of every sink asked.
 */
export type AlertSender = (alert: Alert, sinks: readonly string[], context: SendContext) => Promise<readonly SinkResult[]>;

export interface DeliveryAttempt {
  readonly alertId: string;
  readonly seq: number;
  readonly sink: string;
  readonly ok: boolean;
  readonly error: string | null;
  /** The delivery's status after this attempt. */
  readonly status: DeliveryStatus;
  /** False when the message itself was not sent: an earlier message of its key failed first. */
  readonly sent: boolean;
}

export interface DeliveryReport {
  /** Accepted by their sink (or skipped by its severity filter). */
  readonly sent: number;
  /** Failed attempts (tried again later, or given up: see each attempt's status). */
  readonly failed: number;
  readonly attempts: readonly DeliveryAttempt[];
}

export interface DeliverOptions {
  /** Aborted at shutdown: no attempt starts after it, and the one in flight makes no further retry. */
  readonly stopping?: AbortSignal;
  /** Aborted when the shutdown grace is over: the attempt in flight is abandoned, its delivery left as it was (pending). */
  readonly abort?: AbortSignal;
  /**
   * A process's first pass: every pending delivery is due once, whatever its backoff, so what a
   * previous process left (a sink fixed meanwhile) goes out at start; the schedule resumes after.
   */
  readonly startup?: boolean;
}

export interface AlertManagerOptions {
  readonly store: AlertStore;
  readonly sender: AlertSender;
  /** Names of the configured sinks: each new message gets one delivery per sink. */
  readonly sinks: readonly string[];
  readonly settings?: Partial<AlertSettings>;
  /**
   * The delivery clock: stamps outbox rows and times attempts, retries and give-ups. The wall
   * clock in the daemon, whatever the market's clock (docs/alerts.md "Which clock"); a fake in tests.
   */
  readonly clock: Clock;
}

type SendOutcome =
  | { readonly ok: true; readonly skipped: boolean }
  | { readonly ok: false; readonly error: string }
  | { readonly abandoned: true };

export class AlertManager {
  private readonly store: AlertStore;
  private readonly sender: AlertSender;
  private readonly sinks: readonly string[];
  private readonly settings: AlertSettings;
  private readonly clock: Clock;
  /** Sinks whose delivery loop is running: a second call leaves them to it (it re-reads its queue). */
  private readonly busy = new Set<string>();

  constructor(opts: AlertManagerOptions) {
    this.store = opts.store;
    this.sender = opts.sender;
    this.sinks = [...new Set(opts.sinks)];
    this.settings = { ...DEFAULT_ALERT_SETTINGS, ...opts.settings };
    this.clock = opts.clock;
    const s = this.settings;
    const durations = Object.entries({
      cooldownMs: s.cooldownMs,
      retryBaseMs: s.retryBaseMs,
      retryMaxMs: s.retryMaxMs,
      giveUpAfterMs: s.giveUpAfterMs,
      ...s.cooldownByKind,
      ...s.cooldownBySeverity,
    }).filter(([, v]) => v !== undefined && !(Number.isFinite(v) && v >= 0));
    if (durations.length > 0) throw new Error(`alert settings: durations must be finite and >= 0 ms: ${durations.map(([k, v]) => `${k}=${String(v)}`).join(', ')}`);
  }

  /** Decides the tick and commits decisions and pending deliveries in one transaction; sends nothing. */
  record(input: TickInput): TickPlan {
    // Decided before the transaction: this process is the only writer of episodes, and nothing
    // runs between the decision and its write. A tick that changes nothing (no alert firing or
    // resolving, the common minute) then costs no write transaction at all.
    const plan = planTick(this.store.firing(), input, this.settings, (id) => this.store.hasAlert(id));
    if (plan.episodes.length === 0 && plan.messages.length === 0) return plan;
    return this.store.transaction(() => {
      this.store.write(plan, this.sinks, this.clock.now());
      return plan;
    });
  }

  /** record() then deliver() (tests and one-shot use; the daemon's worker delivers beside the engine). */
  async tick(input: TickInput): Promise<{ readonly plan: TickPlan; readonly delivery: DeliveryReport }> {
    const plan = this.record(input);
    return { plan, delivery: await this.deliver() };
  }

  /**
   * One pass: sends every pending delivery that is due on every sink, this run's and any a
   * previous process left behind. Sinks work in parallel, each through its own queue.
   */
  async deliver(opts: DeliverOptions = {}): Promise<DeliveryReport> {
    const runs = this.sinksToDeliver().map((sink) => this.deliverSink(sink, opts));
    const attempts = (await Promise.all(runs)).flat();
    const sent = attempts.filter((a) => a.ok).length;
    return { sent, failed: attempts.length - sent, attempts };
  }

  /**
   * Configured sinks with pending deliveries whose loop is not running. Pending deliveries to a
   * sink no longer configured are given up here, untried.
   */
  sinksToDeliver(): readonly string[] {
    const configured = new Set(this.sinks);
    const out: string[] = [];
    for (const sink of this.store.pendingSinks()) {
      if (!configured.has(sink)) {
        for (let d = this.store.nextPending(sink); d !== null; d = this.store.nextPending(sink)) {
          this.store.abandon(d, `sink "${sink}" is no longer configured`, this.clock.now());
        }
        continue;
      }
      if (!this.busy.has(sink)) out.push(sink);
    }
    return out;
  }

  /**
   * Earliest delivery-clock time at which a pending delivery of a configured sink whose loop is
   * not running falls due (a running loop re-reads its queue, and its caller asks again after).
   * -Infinity: something is due now; null: nothing pending.
   */
  nextDueAt(): number | null {
    const configured = new Set(this.sinks);
    let at: number | null = null;
    for (const d of this.store.pendingSchedule()) {
      if (!configured.has(d.sink) || this.busy.has(d.sink)) continue;
      const due = retryAt(this.settings, d.attempts, d.ts);
      if (at === null || due < at) at = due;
    }
    return at;
  }

  /** Pending deliveries in the outbox (all sinks). */
  pendingCount(): number {
    return this.store.isOpen ? this.store.countPending() : 0;
  }

  /**
   * Works through one sink's due deliveries (module comment: per key in order, each key on its
   * own) and returns the attempts made. Does nothing when that sink's loop is already running.
   */
  async deliverSink(sink: string, opts: DeliverOptions = {}): Promise<readonly DeliveryAttempt[]> {
    if (this.busy.has(sink)) return [];
    this.busy.add(sink);
    const out: DeliveryAttempt[] = [];
    try {
      const done = new Set<string>();
      for (;;) {
        if (opts.stopping?.aborted || opts.abort?.aborted || !this.store.isOpen) break;
        const chain = this.nextDueChain(sink, done, opts.startup === true);
        if (chain === null) break;
        done.add(chain.key);
        await this.sendChain(chain.items, out, opts);
      }
    } finally {
      // In the same synchronous step as the last read, so a call that skipped this sink as busy
      // and then asks nextDueAt() sees what this loop left.
      this.busy.delete(sink);
    }
    return out;
  }

  /** The first key of `sink` (in the order decided) not yet handled this pass with a delivery due now. */
  private nextDueChain(sink: string, done: ReadonlySet<string>, all: boolean): { readonly key: string; readonly items: readonly PendingDelivery[] } | null {
    const now = this.clock.now();
    const chains = new Map<string, PendingDelivery[]>();
    for (const d of this.store.pendingOf(sink)) {
      const key = keyOf(d.alert);
      if (done.has(key)) continue;
      const list = chains.get(key);
      if (list === undefined) chains.set(key, [d]);
      else list.push(d);
    }
    for (const [key, items] of chains) {
      if (all || items.some((d) => now >= retryAt(this.settings, d.attempts, d.ts))) return { key, items };
    }
    return null;
  }

  /**
   * One key's pending deliveries on one sink, oldest first, at least one of them due. Sends them
   * in order up to the last one due, and on while the sink takes them (what queued behind a
   * message goes as soon as it is through); a message given up lets the next one go. At the
   * first failure, the later ones that were due use their turn up waiting behind it.
   */
  private async sendChain(items: readonly PendingDelivery[], out: DeliveryAttempt[], opts: DeliverOptions): Promise<void> {
    const start = this.clock.now();
    const due = (d: PendingDelivery) => opts.startup === true || start >= retryAt(this.settings, d.attempts, d.ts);
    const lastDue = items.reduce((last, d, i) => (due(d) ? i : last), -1);
    let flowing = false;
    for (let i = 0; i < items.length; i++) {
      if (opts.stopping?.aborted || (i > lastDue && !flowing)) return;
      const d = items[i] as PendingDelivery;
      const outcome = await this.sendOne(d, opts);
      // Abandoned at shutdown, or closed while the sink was answering: the row stays pending as
      // it was, and is sent at the next start.
      if ('abandoned' in outcome || !this.store.isOpen) return;
      const now = this.clock.now();
      if (outcome.ok) {
        const status: DeliveryStatus = outcome.skipped ? 'skipped' : 'sent';
        this.store.recordAttempt(d, status, null, now);
        out.push({ alertId: d.alertId, seq: d.seq, sink: d.sink, ok: true, error: null, status, sent: true });
        flowing = true;
        continue;
      }
      flowing = false;
      const status = this.failedStatus(d, now);
      this.store.recordAttempt(d, status, outcome.error, now);
      out.push({ alertId: d.alertId, seq: d.seq, sink: d.sink, ok: false, error: outcome.error, status, sent: true });
      if (status === 'failed') continue;
      for (const later of items.slice(i + 1)) {
        if (!due(later)) continue;
        const error = `not sent: #${d.seq} (${d.notice}) of ${d.alertId === later.alertId ? 'this alert' : `alert ${d.alertId}`} must reach this sink first, and failed: ${outcome.error}`;
        const st = this.failedStatus(later, now);
        this.store.recordAttempt(later, st, error, now);
        out.push({ alertId: later.alertId, seq: later.seq, sink: later.sink, ok: false, error, status: st, sent: false });
      }
      return;
    }
  }

  /** After a failure at `now`: given up once its own budget, counted from its own creation, is spent. */
  private failedStatus(d: PendingDelivery, now: number): DeliveryStatus {
    return now - d.createdAt >= this.settings.giveUpAfterMs ? 'failed' : 'pending';
  }

  private async sendOne(d: PendingDelivery, opts: DeliverOptions): Promise<SendOutcome> {
    const abort = opts.abort;
    if (abort?.aborted) return { abandoned: true };
    let onAbort: () => void = () => undefined;
    // A sender that ignores the signal must not hold a shutdown past its grace.
    const abandoned = new Promise<SendOutcome>((resolve) => {
      onAbort = () => resolve({ abandoned: true });
      abort?.addEventListener('abort', onAbort, { once: true });
    });
    const sending = (async (): Promise<SendOutcome> => {
      try {
        const context: SendContext = {
          notice: d.notice,
          seq: d.seq,
          ...(abort === undefined ? {} : { signal: abort }),
          ...(opts.stopping === undefined ? {} : { stopRetrying: opts.stopping }),
        };
        const results = await this.sender(d.alert, [d.sink], context);
        if (abort?.aborted) return { abandoned: true };
        const r = results.find((x) => x.sink === d.sink);
        if (r === undefined) return { ok: false, error: `the sender returned no result for sink "${d.sink}"` };
        return r.ok ? { ok: true, skipped: r.outcome === 'skipped' } : { ok: false, error: r.error ?? 'failed (no reason given)' };
      } catch (e) {
        if (abort?.aborted) return { abandoned: true };
        return { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
    })();
    try {
      return await (abort === undefined ? sending : Promise.race([sending, abandoned]));
    } finally {
      abort?.removeEventListener('abort', onAbort);
    }
  }
}
