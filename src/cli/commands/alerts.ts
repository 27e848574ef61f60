/**
 * `carry alerts`: the alerts stored in a ledger, newest first, with each sink's delivery status.
 * Read-only (it can run while the daemon does). `carry alerts test`: sends a test alert to every
 * configured sink and says, per sink, whether it got through.
 */
import { existsSync } from 'node:fs';
import { carryVersion, startApp } from '../../app/context.js';
import type { Config } from '../../config/schema.js';
import type { Alert } from '../../domain/alert.js';
import { InputError } from '../../domain/errors.js';
import { createDispatcher } from '../../alerts/dispatcher.js';
import type { SinkResult } from '../../alerts/manager.js';
import { createSinks } from '../../alerts/sinks/from-config.js';
import { AlertStore, type AlertRecord, type AlertStatus, type Delivery } from '../../alerts/store.js';
import { numberFlag, parseFlags } from '../args.js';
import { EXIT, type CommandIO } from '../exit.js';
import { ledgerMode } from '../ledger-file.js';
import { renderTable } from '../table.js';

export const ALERTS_HELP = `carry alerts [--db FILE] [--live] [--limit N] [--status firing|resolved] [--json]
  the alerts in the ledger, newest first, with each sink's delivery status (read-only)
carry alerts test [--config FILE] [--json]
  sends a test alert to every configured sink (alerts.sinks) and prints each one's result;
  exit 0 when every sink accepted it, 1 otherwise

  --db FILE       ledger file (default: store.path, or store.livePath with --live)
  --live          read the live ledger instead of the paper one
  --limit N       at most N alerts (default 50)
  --status S      only firing or only resolved alerts
  --json          machine-readable output
  --config FILE   user config file over config/default.json`;

/** The configured sinks and a sender for them: the alert dispatcher, built from the config. */
export interface SinkSet {
  readonly sinks: readonly string[];
  /** No notice/seq: a test alert is not a message of a stored episode (payload seq and notice are null). */
  readonly send: (alert: Alert, sinks: readonly string[]) => Promise<readonly SinkResult[]>;
}

export interface AlertsCommandDeps {
  readonly sinksFor: (config: Config) => SinkSet | Promise<SinkSet>;
  readonly now: () => number;
}

/** The enabled sinks of `alerts.sinks` and the dispatcher over them. */
export const defaultAlertsDeps: AlertsCommandDeps = {
  sinksFor: (config) => {
    const { sinks } = createSinks(config.alerts.sinks);
    const dispatcher = createDispatcher(sinks);
    return { sinks: sinks.map((s) => s.name), send: (alert, names) => dispatcher.dispatch(alert, { sinks: names }) };
  },
  now: () => Date.now(),
};

const FLAGS = {
  db: { type: 'string' },
  config: { type: 'string' },
  live: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  limit: { type: 'string' },
  status: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

export function alertsCommandWith(deps: AlertsCommandDeps) {
  return async (argv: readonly string[], io: CommandIO): Promise<number> => {
    const { values, positionals } = parseFlags(argv, FLAGS, 'alerts');
    if (values.help) return io.out(ALERTS_HELP + '\n'), EXIT.ok;
    const [sub, ...extra] = positionals;
    if (extra.length > 0 || (sub !== undefined && sub !== 'test')) {
      throw new InputError(`carry alerts: found "${positionals.join(' ')}"; expected no argument or the subcommand test`);
    }
    if (sub === 'test') {
      for (const f of ['db', 'limit', 'status'] as const) {
        if (values[f] !== undefined) throw new InputError(`carry alerts test: --${f} does not apply (the test alert is not stored)`);
      }
      return testSinks(values, io, deps);
    }
    return listAlerts(values, io);
  };
}

export const alertsCommand = alertsCommandWith(defaultAlertsDeps);

// ---- carry alerts ----

interface ListFlags {
  readonly db?: string | undefined;
  readonly config?: string | undefined;
  readonly live?: boolean | undefined;
  readonly json?: boolean | undefined;
  readonly limit?: string | undefined;
  readonly status?: string | undefined;
}

async function listAlerts(values: ListFlags, io: CommandIO): Promise<number> {
  const limit = numberFlag(values.limit, '--limit', { min: 1, integer: true }) ?? 50;
  const status = values.status;
  if (status !== undefined && status !== 'firing' && status !== 'resolved') {
    throw new InputError(`--status: found "${status}"; expected firing or resolved`);
  }
  const { config } = startApp({ configFile: values.config, command: 'alerts' });
  const path = values.db ?? (values.live ? config.store.livePath : config.store.path);
  if (!existsSync(path)) throw new InputError(`carry alerts: no ledger at ${path}; run carry paper first (or pass --db FILE)`);
  const store = AlertStore.open(path, { mode: ledgerMode(path), readonly: true, carryVersion: carryVersion() });
  try {
    const alerts = store.list({ limit, status: status as AlertStatus | undefined });
    io.out(values.json ? JSON.stringify({ db: store.path, alerts }, null, 2) + '\n' : alertsText(store.path, alerts, status));
    return EXIT.ok;
  } finally {
    store.close();
  }
}

const time = (ts: number | null): string => (ts === null ? '-' : new Date(ts).toISOString().replace(/\.\d{3}Z$/, 'Z'));

/**
 * Per sink, how many messages are sent, skipped (below its minSeverity), pending and failed,
 * e.g. "telegram 2 sent; webhook 1 sent, 1 failed".
 */
function deliverySummary(deliveries: readonly Delivery[]): string {
  if (deliveries.length === 0) return 'no sinks';
  const bySink = new Map<string, Record<Delivery['status'], number>>();
  for (const d of deliveries) {
    const c = bySink.get(d.sink) ?? { sent: 0, skipped: 0, pending: 0, failed: 0 };
    c[d.status]++;
    bySink.set(d.sink, c);
  }
  return [...bySink.entries()]
    .map(([sink, c]) => `${sink} ${(['sent', 'skipped', 'pending', 'failed'] as const).filter((s) => c[s] > 0).map((s) => `${c[s]} ${s}`).join(', ')}`)
    .join('; ');
}

export function alertsText(path: string, alerts: readonly AlertRecord[], status: string | undefined): string {
  if (alerts.length === 0) return `no ${status ?? ''}${status ? ' ' : ''}alerts in ${path}\n`;
  const table = renderTable(alerts, [
    { header: 'started', get: (a) => time(a.firstTs), align: 'left' },
    { header: 'kind', get: (a) => a.kind, align: 'left' },
    { header: 'subject', get: (a) => a.subject, align: 'left' },
    { header: 'severity', get: (a) => a.severity, align: 'left' },
    { header: 'status', get: (a) => a.status, align: 'left' },
    { header: 'until', get: (a) => (a.status === 'resolved' ? time(a.resolvedTs) : `seen ${time(a.lastTs)}`), align: 'left' },
    { header: 'msgs', get: (a) => String(a.notifyCount) },
    { header: 'deliveries', get: (a) => deliverySummary(a.deliveries), align: 'left' },
    { header: 'title', get: (a) => a.alert.title, align: 'left' },
  ]).replace(/ +$/gm, '');
  const problems = alerts.flatMap((a) =>
    a.deliveries
      .filter((d) => d.status === 'pending' || d.status === 'failed')
      .map((d) => {
        const what = d.status === 'failed' ? 'failed' : 'pending';
        const tries = d.attempts === 0 ? 'not tried yet' : `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}, last ${time(d.ts)}`;
        return `  ${a.id} #${d.seq} (${d.notice}) → ${d.sink}: ${what} (${tries})${d.lastError ? `: ${d.lastError}` : ''}`;
      }),
  );
  const head = `${alerts.length} alert${alerts.length === 1 ? '' : 's'}, newest first (${path})\n`;
  return head + table + '\n' + (problems.length > 0 ? `\nnot delivered:\n${problems.join('\n')}\n` : '');
}

// ---- carry alerts test ----

export function testAlert(now: number): Alert {
  return {
    id: `test:carry:${now}`,
    kind: 'test',
    severity: 'info',
    subject: 'carry alerts test',
    positionId: null,
    venue: null,
    symbol: null,
    ts: now,
    status: 'firing',
    title: 'carry test alert',
    message: 'This is a test from `carry alerts test`: if you read it, this sink works. No action needed.',
    actions: [],
    data: { test: true },
    nextFundingTime: null,
  };
}

async function testSinks(values: { readonly config?: string | undefined; readonly json?: boolean | undefined }, io: CommandIO, deps: AlertsCommandDeps): Promise<number> {
  const { config } = startApp({ configFile: values.config, command: 'alerts' });
  const { sinks, send } = await deps.sinksFor(config);
  if (sinks.length === 0) {
    if (values.json) io.out(JSON.stringify({ ok: false, results: [] }, null, 2) + '\n');
    io.err('carry alerts test: no enabled sinks; add them under alerts.sinks in the config\n');
    return EXIT.failure;
  }
  const alert = testAlert(deps.now());
  let results: readonly SinkResult[];
  try {
    results = await send(alert, sinks);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    results = sinks.map((sink) => ({ sink, ok: false, error }));
  }
  // Every configured sink gets a line, even one the sender did not answer for.
  const rows = sinks.map((sink) => {
    const r = results.find((x) => x.sink === sink);
    return r === undefined ? { sink, ok: false, error: 'no result from the sender' } : { sink, ok: r.ok, error: r.ok ? null : (r.error ?? 'failed (no reason given)') };
  });
  const ok = rows.every((r) => r.ok);
  if (values.json) io.out(JSON.stringify({ ok, results: rows }, null, 2) + '\n');
  else io.out(rows.map((r) => `${r.sink.padEnd(Math.max(...rows.map((x) => x.sink.length)))}  ${r.ok ? 'ok' : `error: ${r.error}`}`).join('\n') + '\n');
  return ok ? EXIT.ok : EXIT.failure;
}
