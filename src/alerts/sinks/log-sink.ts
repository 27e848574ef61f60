/** The log sink: one log line per alert, at warn for a warning and error for a critical alert. */
import type { Alert } from '../../domain/alert.js';
import type { Logger } from '../../util/log.js';
import { headline } from '../message.js';
import type { LogSinkConfig } from '../../config/schema.js';
import type { SendOptions, Sink, SinkResult } from './sink.js';

export function createLogSink(name: string, cfg: LogSinkConfig, log: Logger): Sink {
  const out = log.child({ sink: name });
  return {
    name,
    type: 'log',
    minSeverity: cfg.minSeverity,
    budgetMs: 1_000,
    send(alert: Alert, opts: SendOptions = {}): Promise<SinkResult> {
      const fields = {
        alert: {
          id: alert.id,
          seq: opts.seq ?? null,
          notice: opts.notice ?? null,
          kind: alert.kind,
          severity: alert.severity,
          status: alert.status,
          subject: alert.subject,
          positionId: alert.positionId,
          venue: alert.venue,
          symbol: alert.symbol,
          message: alert.message,
          actions: alert.actions.map((a) => a.text),
          nextFundingTime: alert.nextFundingTime,
          data: alert.data,
        },
      };
      const msg = headline(alert, opts.notice);
      if (alert.status === 'resolved' || alert.severity === 'info') out.info(fields, msg);
      else if (alert.severity === 'warning') out.warn(fields, msg);
      else out.error(fields, msg);
      return Promise.resolve({ ok: true, attempts: 1, httpStatus: null, error: null });
    },
  };
}
