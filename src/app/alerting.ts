/**
 * The alert side of a daemon (paper or live): the alert store in the ledger file through its own
 * connection, the configured sinks, the manager (decide, dedup, outbox) and the delivery worker
 * beside the engine. One composition for both modes, so a live user's phone gets exactly what a
 * paper run proved.
 */
import { createDispatcher } from '../alerts/dispatcher.js';
import { alertSettingsFromConfig, AlertManager } from '../alerts/manager.js';
import { createSinks } from '../alerts/sinks/from-config.js';
import { AlertStore } from '../alerts/store.js';
import { DeliveryWorker } from '../alerts/worker.js';
import type { Config } from '../config/schema.js';
import { WallClock } from '../domain/clock.js';
import type { EngineAlerts } from '../engine/engine.js';
import type { JobStats } from '../scheduler/job.js';
import type { StoreMode } from '../store/open.js';
import { moduleLogger, type Logger } from '../util/log.js';
import { carryVersion } from './context.js';

export interface Alerting {
  readonly store: AlertStore;
  readonly manager: AlertManager;
  readonly delivery: DeliveryWorker;
  /** Configured sinks that cannot send (a secret not set), one line each; also logged. */
  readonly sinkProblems: readonly string[];
  /** What the engine is handed; `jobStats` is read when the scheduler exists. */
  engineAlerts(jobStats: () => readonly JobStats[]): EngineAlerts;
  close(): Promise<void>;
}

export function openAlerting(config: Config, ledgerPath: string, mode: StoreMode, log: Logger, opts: { readonly deliveryGraceMs?: number | undefined } = {}): Alerting {
  const store = AlertStore.open(ledgerPath, { mode, carryVersion: carryVersion() });
  const alertLog = moduleLogger('alerts');
  const { sinks, problems: sinkProblems } = createSinks(config.alerts.sinks, { env: process.env, log: alertLog });
  for (const problem of sinkProblems) log.warn({ problem }, 'alert sink cannot send');
  const dispatcher = createDispatcher(sinks, { log: alertLog });
  // Delivery runs on the wall clock whatever the market's clock: the sinks are real endpoints
  // (src/alerts/worker.ts). Messages keep the run's clock.
  const deliveryClock = new WallClock();
  const manager = new AlertManager({
    store,
    sender: (alert, names, ctx) => dispatcher.send(alert, names, ctx),
    sinks: sinks.map((s) => s.name),
    clock: deliveryClock,
    settings: alertSettingsFromConfig(config.alerts),
  });
  const delivery = new DeliveryWorker({ manager, clock: deliveryClock, log: alertLog, ...(opts.deliveryGraceMs === undefined ? {} : { graceMs: opts.deliveryGraceMs }) });
  return {
    store,
    manager,
    delivery,
    sinkProblems,
    engineAlerts: (jobStats) => ({ manager, delivery, firing: () => store.firing().map((e) => e.alert), jobStats }),
    close: async () => {
      // Bounded: attempts in flight get the grace, everything else stays pending for the next start.
      await delivery.stop().catch(() => undefined);
      store.close();
    },
  };
}
