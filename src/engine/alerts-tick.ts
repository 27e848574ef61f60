/**
 * The monitor tick's alerts: when the checks run, the checks themselves over the engine's state
 * (monitor-job.ts), their decision by the alert manager, and the nudge to the delivery worker.
 * Nothing here ever stops funding accrual or trading: a failure is logged loudly instead.
 */
import { cronPeriodMs } from '../monitor/health.js';
import { parseCron, type CronSchedule } from '../scheduler/cron-next.js';
import type { CapitalView } from './capital-view.js';
import { errorMessage, type EngineContext } from './engine-context.js';
import { JobWatch, runMonitorChecks } from './monitor-job.js';

/** Alert checks run at most once per this period (see AlertChecks.due). */
const ALERT_CHECK_MS = 60_000;

export class AlertChecks {
  /** Nominal period of a scheduled job (cron jobs), null for the pre-settlement check. */
  private readonly schedules = new Map<string, CronSchedule | null>();
  private jobWatch: JobWatch | null = null;

  constructor(
    private readonly ctx: EngineContext,
    private readonly capital: CapitalView,
  ) {}

  /**
   * Alert checks run on the first monitor tick of each minute (every tick when the monitor runs
   * once a minute or less often): market data only changes at scans, so checking every 15 s
   * would cost four times the work for the same answers. A pure function of the tick time, so a
   * restarted run checks at exactly the same instants.
   */
  due(at: number): boolean {
    const period = this.jobPeriodMs('monitor', at) ?? ALERT_CHECK_MS;
    return period >= ALERT_CHECK_MS || at % ALERT_CHECK_MS < period;
  }

  /** The monitor's checks over the open positions and the last scan, decided by the alert manager. Returns the messages decided. */
  recordAlerts(now: number): number {
    const { ctx, capital } = this;
    const alerts = ctx.o.alerts;
    if (!alerts) return 0;
    try {
      const stats = alerts.jobStats?.() ?? [];
      this.jobWatch ??= new JobWatch((name, t) => this.jobPeriodMs(name, t), now);
      const result = runMonitorChecks(
        {
          now,
          positions: ctx.reads.openPositions(),
          markets: ctx.markets,
          scan: ctx.last,
          walletBalance: (venue, currency) => capital.balance(venue, currency),
          receivedAt: (p) => ctx.accrual.get(p.positionId)?.obs.reduce<number | null>((m, o) => (m === null || o.receivedAt > m ? o.receivedAt : m), null) ?? null,
          previousFiring: alerts.firing(),
          jobs: this.jobWatch.health(stats, now),
          perpLeverage: capital.perpLeverage,
          ...(capital.liquidationPrice ? { venueLiquidation: capital.liquidationPrice } : {}),
        },
        ctx.thresholds,
        ctx.basis,
        (subject, e) => ctx.log.warn({ subject, err: errorMessage(e) }, 'monitor: input skipped'),
      );
      const plan = alerts.manager.record({ now, firing: result.firing, checked: result.checked, gone: result.gone, clear: result.clear });
      if (plan.messages.length > 0) ctx.log.info({ messages: plan.messages.map((m) => `${m.notice} ${m.alert.kind} ${m.alert.subject}`) }, 'alerts decided');
      return plan.messages.length;
    } catch (e) {
      // The monitor must not stop funding accrual or trading; the failure is loud instead.
      ctx.log.error({ err: errorMessage(e) }, 'monitor checks failed this tick');
      return 0;
    }
  }

  /**
   * Tells the delivery worker the outbox has new messages, and returns at once: sending runs
   * beside the engine, never in its path (a dead sink costs a tick nothing). Never throws.
   */
  deliver(): void {
    try {
      this.ctx.o.alerts?.delivery?.wake();
    } catch (e) {
      this.ctx.log.error({ err: errorMessage(e) }, 'alert delivery could not be woken');
    }
  }

  private jobPeriodMs(name: string, at: number): number | null {
    let schedule = this.schedules.get(name);
    if (schedule === undefined) {
      const cfg = this.ctx.o.config.jobs;
      const cron = name === 'scan' ? cfg.scan : name === 'monitor' ? cfg.monitor : name === 'daily' ? cfg.dailySummary : null;
      schedule = cron === null ? null : parseCron(cron, `jobs.${name}`);
      this.schedules.set(name, schedule);
    }
    return schedule === null ? null : cronPeriodMs(schedule, at);
  }
}
