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
 * skipped) must not be read as "all clear".
 *
 * Outbox: the decisions and one pending delivery per message per sink are committed in one
 * transaction before anything is sent (`record`); `deliver` then sends what is pending and
 * records each sink's outcome. A crash between the two leaves the deliveries pending, and the
 * next `deliver` (call it at start-up) sends them: nothing decided is lost, nothing recorded as
 * sent is sent again. A crash after a sink accepted a message but before its outcome was
 * recorded re-sends that one message on restart (at least once, never zero times).
 */
import type { Alert, AlertKind, Severity } from '../domain/alert.js';
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
  /** A failed delivery whose message is older than this is given up (status failed). */
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
  for (const prev of open) {
    const k = keyOf(prev);
    if (firing.has(k) || !(checked.has(k) || gone.has(prev.subject))) continue;
    // The corrective actions no longer apply; the numbers are those last seen firing.
    const alert: Alert = { ...prev.alert, ts: now, status: 'resolved', actions: [] };
    emit({ ...prev, status: 'resolved', resolvedTs: now, lastNotifiedTs: now, notifyCount: prev.notifyCount + 1, alert }, 'resolved', alert);
  }
  return { episodes, messages, suppressed };
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

/** What the sender is told besides the alert: which message of the episode this is. */
export interface SendContext {
  readonly notice: Notice;
  readonly seq: number;
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
}

export interface DeliveryReport {
  /** Accepted by their sink (or skipped by its severity filter). */
  readonly sent: number;
  /** Failed attempts (tried again later, or given up: see each attempt's status). */
  readonly failed: number;
  readonly attempts: readonly DeliveryAttempt[];
}

export interface AlertManagerOptions {
  readonly store: AlertStore;
  readonly sender: AlertSender;
  /** Names of the configured sinks: each new message gets one delivery per sink. */
  readonly sinks: readonly string[];
  readonly settings?: Partial<AlertSettings>;
  /** Time of delivery attempts and retries. */
  readonly clock: Clock;
}

export class AlertManager {
  private readonly store: AlertStore;
  private readonly sender: AlertSender;
  private readonly sinks: readonly string[];
  private readonly settings: AlertSettings;
  private readonly clock: Clock;
  /** Sinks whose delivery loop is running: a second deliver() leaves them to it (it re-reads its queue). */
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
    return this.store.transaction(() => {
      const plan = planTick(this.store.firing(), input, this.settings, (id) => this.store.hasAlert(id));
      this.store.write(plan, this.sinks);
      return plan;
    });
  }

  /** record() then deliver(): the monitor tick's one call. */
  async tick(input: TickInput): Promise<{ readonly plan: TickPlan; readonly delivery: DeliveryReport }> {
    const plan = this.record(input);
    return { plan, delivery: await this.deliver() };
  }

  /**
   * Sends every pending delivery that is due, this tick's and any a crash left behind (call it
   * once at start-up). Each sink works through its queue in order, independently of the others:
   * a slow or failing sink holds back only itself. A failure, or a head still waiting for its
   * retry time, stops that sink's queue until a later call, so its messages keep their order.
   */
  async deliver(): Promise<DeliveryReport> {
    const attempts: DeliveryAttempt[] = [];
    const configured = new Set(this.sinks);
    const runs: Promise<void>[] = [];
    for (const sink of this.store.pendingSinks()) {
      if (!configured.has(sink)) {
        for (let d = this.store.nextPending(sink); d !== null; d = this.store.nextPending(sink)) {
          this.store.abandon(d, `sink "${sink}" is no longer configured`, this.clock.now());
        }
        continue;
      }
      if (this.busy.has(sink)) continue;
      this.busy.add(sink);
      runs.push(this.drain(sink, attempts));
    }
    await Promise.all(runs);
    const sent = attempts.filter((a) => a.ok).length;
    return { sent, failed: attempts.length - sent, attempts };
  }

  private async drain(sink: string, out: DeliveryAttempt[]): Promise<void> {
    try {
      for (let d = this.store.nextPending(sink); d !== null; d = this.store.nextPending(sink)) {
        if (this.clock.now() < retryAt(this.settings, d.attempts, d.ts)) return;
        const outcome = await this.sendOne(d);
        // Closed while the sink was answering (shutdown): the row stays pending, sent at the next start.
        if (!this.store.isOpen) return;
        const now = this.clock.now();
        const status: DeliveryStatus = outcome.ok
          ? outcome.skipped
            ? 'skipped'
            : 'sent'
          : now - d.messageTs >= this.settings.giveUpAfterMs
            ? 'failed'
            : 'pending';
        this.store.recordAttempt(d, status, outcome.ok ? null : outcome.error, now);
        out.push({ alertId: d.alertId, seq: d.seq, sink, ok: outcome.ok, error: outcome.ok ? null : outcome.error, status });
        // A head still to retry holds the queue (order); one given up lets the next message go.
        if (status === 'pending') return;
      }
    } finally {
      // In the same synchronous step as the last (empty) read, so a deliver() that skipped this
      // sink as busy cannot miss a delivery recorded after that read.
      this.busy.delete(sink);
    }
  }

  private async sendOne(d: PendingDelivery): Promise<{ readonly ok: true; readonly skipped: boolean } | { readonly ok: false; readonly error: string }> {
    try {
      const results = await this.sender(d.alert, [d.sink], { notice: d.notice, seq: d.seq });
      const r = results.find((x) => x.sink === d.sink);
      if (r === undefined) return { ok: false, error: `the sender returned no result for sink "${d.sink}"` };
      return r.ok ? { ok: true, skipped: r.outcome === 'skipped' } : { ok: false, error: r.error ?? 'failed (no reason given)' };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }
}
