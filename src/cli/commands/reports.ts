/**
 * `carry status`, `carry pnl`, `carry history`: read-only views of a ledger (paper by default,
 * live with --live, or whichever --db FILE is: the file says its mode). They never
 * write and can run while the daemon does (WAL). Open positions are marked at the prices the
 * engine last saw (its checkpoint), and the output says when that was.
 */
import { startApp, carryVersion } from '../../app/context.js';
import { CHECKPOINT_KEY, computePnl, type EngineCheckpoint } from '../../engine/engine.js';
import { InputError } from '../../domain/errors.js';
import { residualDelta } from '../../pricing/pnl.js';
import { Ledger } from '../../store/ledger.js';
import { numberFlag, parseFlags } from '../args.js';
import { EXIT, type CommandIO } from '../exit.js';
import { historyText, pnlReportRows, pnlSummaryText, pnlTable, statusTable, type StatusRow } from '../report-output.js';
import { existsSync } from 'node:fs';
import { ledgerMode } from '../ledger-file.js';

const FLAGS = {
  db: { type: 'string' },
  live: { type: 'boolean', default: false },
  config: { type: 'string' },
  json: { type: 'boolean', default: false },
  limit: { type: 'string' },
  position: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

function openReadOnly(command: string, values: { db?: string | undefined; live?: boolean | undefined; config?: string | undefined }): { ledger: Ledger; cp: EngineCheckpoint | null } {
  const { config } = startApp({ configFile: values.config, command });
  const path = values.db ?? (values.live ? config.store.livePath : config.store.path);
  if (!existsSync(path)) throw new InputError(`carry ${command}: no ledger at ${path}; run carry ${values.live ? 'live' : 'paper'} first (or pass --db FILE)`);
  // --live insists on a live ledger; a bare --db reads whichever mode the file records.
  const mode = values.live ? 'live' : ledgerMode(path);
  const ledger = Ledger.open(path, { mode, readonly: true, carryVersion: carryVersion() });
  return { ledger, cp: ledger.checkpoint<EngineCheckpoint>(CHECKPOINT_KEY)?.value ?? null };
}

export function marksFrom(cp: EngineCheckpoint | null) {
  return (p: { positionId: string }) => {
    const m = cp?.marks?.[p.positionId];
    return { spot: m?.spot ?? null, perp: m?.perp ?? null };
  };
}

export async function statusCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values } = parseFlags(argv, FLAGS, 'status');
  if (values.help) return io.out('carry status [--live] [--db FILE] [--json] — open positions with legs, residual delta, funding so far, next settlement\n'), EXIT.ok;
  const { ledger, cp } = openReadOnly('status', values);
  try {
    const now = cp?.clock ?? ledger.lastEventTs() ?? 0;
    const open = ledger.openPositions();
    const { positions } = computePnl(ledger, marksFrom(cp), now, open);
    const rows: StatusRow[] = open.map((p, i) => {
      const marks = marksFrom(cp)(p);
      const mark = marks.perp ?? marks.spot;
      const obs = cp?.accrual[p.positionId]?.obs ?? [];
      const next = obs.map((o) => o.nextFundingTime).filter((t): t is number => t !== null && t > now);
      return {
        position: p,
        pnl: positions[i] ?? null,
        residualBase: mark ? residualDelta(p, { spotQty: p.spotQty, perpContracts: p.perpContracts }, mark).exposure : null,
        nextSettlement: next.length ? Math.min(...next) : null,
        markedAt: cp?.marks?.[p.positionId]?.at ?? null,
      };
    });
    const trading = ledger.mode === 'live' ? ledger.riskStatus() : null;
    if (values.json) {
      io.out(JSON.stringify({ at: now, ...(trading ? { trading } : {}), positions: rows }, null, 2) + '\n');
    } else {
      io.out(`as of ${new Date(now).toISOString()} (${ledger.path})\n`);
      if (trading) io.out(`live trading ${trading.state.toUpperCase()}${trading.causes.length > 0 ? ` (${trading.causes.join(', ')})` : ''}${trading.state === 'halted' ? ': no orders until carry resume' : ''}\n`);
      io.out(statusTable(rows, now));
    }
    return EXIT.ok;
  } finally {
    ledger.close();
  }
}

/**
 * What `carry pnl` reports, from the ledger and the engine's checkpoint (open positions marked
 * at the prices the engine last saw): `carry backtest` reports the same projection.
 */
export function pnlReport(ledger: Ledger, cp: EngineCheckpoint | null) {
  const now = cp?.clock ?? ledger.lastEventTs() ?? 0;
  const { positions: pnls, totals } = computePnl(ledger, marksFrom(cp), now);
  return { now, totals, positions: pnlReportRows(pnls, ledger.positions()), balances: ledger.walletBalances() };
}

export async function pnlCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values } = parseFlags(argv, FLAGS, 'pnl');
  if (values.help) return io.out('carry pnl [--live] [--db FILE] [--json] — P&L totals and per position (funding, fees, legs, realised, unrealised, net, return over the hold, APR when held >= 24h, why closed)\n'), EXIT.ok;
  const { ledger, cp } = openReadOnly('pnl', values);
  try {
    const { now, totals, positions, balances } = pnlReport(ledger, cp);
    if (values.json) io.out(JSON.stringify({ at: now, totals, positions, balances }, null, 2) + '\n');
    else {
      io.out(`as of ${new Date(now).toISOString()} (${ledger.path})\n`);
      io.out(pnlSummaryText(totals));
      io.out(pnlTable(positions));
      // Sums of fills leave float dust (−1e-12) where a coin was bought and sold back: it prints as 0, not −0.
      const amount = (x: number): string => (Math.abs(x) < 5e-9 ? '0' : x.toFixed(8).replace(/\.?0+$/, ''));
      io.out(balances.map((b) => `${b.venue} ${b.currency} ${amount(b.amount)}`).join('\n') + '\n');
    }
    return EXIT.ok;
  } finally {
    ledger.close();
  }
}

export async function historyCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values } = parseFlags(argv, FLAGS, 'history');
  if (values.help) return io.out('carry history [--live] [--db FILE] [--limit N] [--position ID] [--json] — the ledger, newest first\n'), EXIT.ok;
  const limit = numberFlag(values.limit, '--limit', { min: 1, integer: true }) ?? 50;
  const { ledger } = openReadOnly('history', values);
  try {
    const rows = ledger.history({ limit, ...(values.position ? { positionId: values.position } : {}) });
    io.out(values.json ? JSON.stringify(rows, null, 2) + '\n' : historyText(rows));
    return EXIT.ok;
  } finally {
    ledger.close();
  }
}
