/** Command dispatch and the one place errors become exit codes and messages. */
import { ConfigError } from '../config/load.js';
import { InputError, isCarryError, type ErrorCode } from '../domain/errors.js';
import { carryVersion } from '../app/context.js';
import { alertsCommand } from './commands/alerts.js';
import { configCommand } from './commands/config.js';
import { dataCommand } from './commands/data.js';
import { recordCommand } from './commands/record.js';
import { scanCommand } from './commands/scan.js';
import { paperCommand } from './commands/paper.js';
import { liveCommand } from './commands/live.js';
import { closeCommand } from './commands/close.js';
import { killCommand } from './commands/kill.js';
import { resumeCommand } from './commands/resume.js';
import { historyCommand, pnlCommand, statusCommand } from './commands/reports.js';
import { backtestCommand } from './commands/backtest.js';
import { EXIT, processIO, type CommandIO } from './exit.js';

type Command = (argv: readonly string[], io: CommandIO) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  scan: { run: scanCommand, summary: 'rank funding carry trades across venues (table or --json)' },
  paper: { run: paperCommand, summary: 'paper trading daemon: scan, open, collect funding, account in SQLite (npm start)' },
  live: { run: liveCommand, summary: 'live trading daemon: real orders on your keys (needs mode: live and --live)' },
  kill: { run: killCommand, summary: 'halt live trading and flatten every position (daemon running or not)' },
  close: { run: closeCommand, summary: 'close one live position, both legs (daemon running or not)' },
  resume: { run: resumeCommand, summary: 'trade again after a halt (kill, reconciliation mismatch)' },
  status: { run: statusCommand, summary: 'open positions: legs, residual delta, funding so far, next settlement' },
  pnl: { run: pnlCommand, summary: 'P&L totals and per position' },
  history: { run: historyCommand, summary: 'the ledger, newest first' },
  backtest: { run: backtestCommand, summary: 'run the strategy over a funding-history CSV on the same engine (docs/backtest.md)' },
  record: { run: recordCommand, summary: 'record venue answers into a tape for replay' },
  alerts: { run: alertsCommand, summary: 'alerts stored in the ledger with their delivery per sink; alerts test: try every sink' },
  data: { run: dataCommand, summary: 'data import FILE...: funding histories (CSV, Tardis, Binance, BitMEX, ccxt, tapes) into the history store' },
  config: { run: configCommand, summary: 'config check: validate and print the effective config' },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([k, v]) => `  ${k.padEnd(8)} ${v.summary}`);
  return `carry ${carryVersion()} — delta-neutral funding-rate carry\n\nusage: carry <command> [flags]   (carry <command> --help)\n\n${lines.join('\n')}\n`;
}

export async function main(argv: readonly string[], io: CommandIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(usage());
    return name === undefined ? EXIT.badInput : EXIT.ok;
  }
  if (name === '--version' || name === 'version') {
    io.out(`${carryVersion()}\n`);
    return EXIT.ok;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    io.err(`carry: unknown command "${name}"; expected one of ${Object.keys(COMMANDS).join(', ')}\n`);
    return EXIT.badInput;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    const code = refusalExit(e);
    const message = e instanceof Error ? e.message : String(e);
    // Commands may already name themselves ("carry kill: ..."): said once.
    const text = (m: string) => (m.startsWith(`carry ${name}: `) ? m : `carry ${name}: ${m}`);
    if (code !== null) {
      io.err(text(message) + '\n');
      return code;
    }
    io.err(text(e instanceof Error ? (e.stack ?? e.message) : String(e)) + '\n');
    return EXIT.failure;
  }
}

/**
 * Refusals whose message says what to do (a stack adds nothing), by what the user does next:
 * fix the input (2: flags, config, a ledger carry refuses, a missing live opt-in), the keys (4),
 * or wait / look at the venue or the other daemon (1).
 */
const REFUSAL_EXIT: Partial<Record<ErrorCode, number>> = {
  CARRY_CONFIG_INVALID: EXIT.badInput,
  CARRY_VENUE_UNKNOWN: EXIT.badInput,
  CARRY_STORE_INVALID: EXIT.badInput,
  CARRY_LIVE_REFUSED: EXIT.badInput,
  CARRY_CREDENTIALS_MISSING: EXIT.credentials,
  CARRY_VENUE_AUTH: EXIT.credentials,
  CARRY_VENUE_UNAVAILABLE: EXIT.failure,
  CARRY_LEASE_HELD: EXIT.failure,
};

function refusalExit(e: unknown): number | null {
  if (e instanceof ConfigError || e instanceof InputError) return EXIT.badInput;
  return isCarryError(e) ? (REFUSAL_EXIT[e.code] ?? null) : null;
}

