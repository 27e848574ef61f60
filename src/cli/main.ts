/** Command dispatch and the one place errors become exit codes and messages. */
import { ConfigError } from '../config/load.js';
import { InputError, isCarryError } from '../domain/errors.js';
import { carryVersion } from '../app/context.js';
import { alertsCommand } from './commands/alerts.js';
import { configCommand } from './commands/config.js';
import { recordCommand } from './commands/record.js';
import { scanCommand } from './commands/scan.js';
import { paperCommand } from './commands/paper.js';
import { liveCommand } from './commands/live.js';
import { killCommand } from './commands/kill.js';
import { resumeCommand } from './commands/resume.js';
import { historyCommand, pnlCommand, statusCommand } from './commands/reports.js';
import { EXIT, processIO, type CommandIO } from './exit.js';

type Command = (argv: readonly string[], io: CommandIO) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  scan: { run: scanCommand, summary: 'rank funding carry trades across venues (table or --json)' },
  paper: { run: paperCommand, summary: 'paper trading daemon: scan, open, collect funding, account in SQLite (npm start)' },
  live: { run: liveCommand, summary: 'live trading daemon: real orders on your keys (needs mode: live and --live)' },
  kill: { run: killCommand, summary: 'halt live trading and flatten every position (daemon running or not)' },
  resume: { run: resumeCommand, summary: 'trade again after a halt (kill, reconciliation mismatch)' },
  status: { run: statusCommand, summary: 'open positions: legs, residual delta, funding so far, next settlement' },
  pnl: { run: pnlCommand, summary: 'P&L totals and per position' },
  history: { run: historyCommand, summary: 'the ledger, newest first' },
  record: { run: recordCommand, summary: 'record venue answers into a tape for replay' },
  alerts: { run: alertsCommand, summary: 'alerts stored in the ledger with their delivery per sink; alerts test: try every sink' },
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
    if (e instanceof ConfigError || e instanceof InputError) {
      io.err(`carry ${name}: ${e.message}\n`);
      return EXIT.badInput;
    }
    // A ledger file carry refuses (garbage, another application's database, the other mode's
    // ledger, a newer schema) is bad input: the user points carry at another file.
    if (isCarryError(e) && (e.code === 'CARRY_VENUE_UNKNOWN' || e.code === 'CARRY_STORE_INVALID')) {
      io.err(`carry ${name}: ${e.message}\n`);
      return EXIT.badInput;
    }
    // Live trading refused to start over its keys: the message names venue and variable; a stack adds nothing.
    if (isCarryError(e) && (e.code === 'CARRY_CREDENTIALS_MISSING' || e.code === 'CARRY_VENUE_AUTH')) {
      io.err(`carry ${name}: ${e.message}\n`);
      return EXIT.credentials;
    }
    // A missing opt-in (mode: live, --live, --yes): the message says which.
    if (isCarryError(e) && e.code === 'CARRY_LIVE_REFUSED') {
      io.err(`carry ${name}: ${e.message}\n`);
      return EXIT.badInput;
    }
    // A venue that did not answer the start-up checks: its message says which and why.
    if (isCarryError(e) && e.code === 'CARRY_VENUE_UNAVAILABLE') {
      io.err(`carry ${name}: ${e.message}\n`);
      return EXIT.failure;
    }
    // Another daemon holds the ledger: the message names it and what to do; a stack adds nothing.
    if (isCarryError(e) && e.code === 'CARRY_LEASE_HELD') {
      io.err(`carry ${name}: ${e.message}\n`);
      return EXIT.failure;
    }
    io.err(`carry ${name}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.failure;
  }
}
