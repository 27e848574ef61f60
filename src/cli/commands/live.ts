/**
 * `carry live`: the live trading daemon. Refuses unless the config says `mode: live` AND the
 * `--live` flag is given AND (on a terminal) the user types the confirmation word, or `--yes`.
 * Keys come from the environment (or .env), never the config; a missing or rejected key stops
 * it before the ledger is touched, naming the venue and the variable. It never falls back to
 * paper.
 *
 * Startup reconciles the ledger with the venues; a mismatch halts trading, but the daemon keeps
 * running so `carry kill` and `carry resume` (the control channel) still reach it.
 * SIGINT/SIGTERM finish the job in flight, release the ledger and exit 0.
 */
import { createInterface } from 'node:readline';
import { startApp } from '../../app/context.js';
import { checkOptIn, CONFIRM_WORD, confirmationPrompt, selectLiveVenues } from '../../app/live-preflight.js';
import { openLive, startLiveDaemon } from '../../app/live-run.js';
import { reconciliationText } from '../../engine/reconcile.js';
import { parseDuration } from '../../util/duration.js';
import { moduleLogger } from '../../util/log.js';
import { listFlag, parseFlags } from '../args.js';
import { EXIT, type CommandIO } from '../exit.js';

export const LIVE_HELP = `carry live — live trading daemon: real orders with your API keys

  --live              required, together with mode: live in the config: both or nothing trades
  --yes               skip the typed confirmation (services, scripts; required without a terminal)
  --testnet           each venue's test environment (Binance demo, Bybit/Deribit sandbox, OKX simulated)
  --venues a,b        only these configured venues
  --db FILE           live ledger file (default: store.livePath, ./data/carry-live.db)
  --for DURATION      stop after this much wall time, e.g. 12h, 30m
  --config FILE       user config file

Keys come from the environment or ./.env (see .env.example), never from the config:
CARRY_<VENUE>_API_KEY, CARRY_<VENUE>_SECRET (and CARRY_OKX_PASSWORD). A missing or rejected key
stops carry live before anything is traded (exit 4).

Before the first order the ledger is reconciled with the venues; a mismatch HALTS trading
(no orders) while the daemon keeps running. Then: check the venue, and \`carry resume\` to trade
again, or \`carry kill\` to flatten everything. Stop with Ctrl-C (SIGINT) or SIGTERM.
Docs: docs/live-trading.md`;

export interface LiveCommandDeps {
  /** Whether stdin is a terminal a person can answer on (default process.stdin.isTTY). */
  readonly interactive?: boolean;
  /** Reads the confirmation line (default: one line of stdin). */
  readonly readLine?: () => Promise<string>;
}

function readStdinLine(): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}

export function liveCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  return liveCommandWith(argv, io, {});
}

export async function liveCommandWith(argv: readonly string[], io: CommandIO, deps: LiveCommandDeps): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      live: { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      testnet: { type: 'boolean', default: false },
      venues: { type: 'string' },
      db: { type: 'string' },
      for: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    'live',
  );
  if (values.help) {
    io.out(LIVE_HELP + '\n');
    return EXIT.ok;
  }
  const forMs = values.for ? parseDuration(values.for, '--for') : undefined;
  const { config } = startApp({ configFile: values.config, command: 'live' });
  const only = listFlag(values.venues);
  const testnet = values.testnet;
  const { needsConfirmation } = checkOptIn(config, { flag: values.live, yes: values.yes, interactive: deps.interactive ?? process.stdin.isTTY === true });
  if (needsConfirmation) {
    const { venues } = selectLiveVenues(config, only);
    io.err(confirmationPrompt(venues, testnet));
    const answer = (await (deps.readLine ?? readStdinLine)()).trim();
    if (answer !== CONFIRM_WORD) {
      io.err(`carry live: aborted: nothing was traded (expected "${CONFIRM_WORD}", got ${answer === '' ? 'nothing' : JSON.stringify(answer)})\n`);
      return EXIT.badInput;
    }
  }

  const log = moduleLogger('live');
  const stack = await openLive({ config, only, testnet, dbPath: values.db });
  io.err(`live: trading ${stack.venues.join(', ')}${testnet ? ' (TESTNET)' : ''}; ledger ${stack.ledger.path}\n`);
  for (const c of stack.closed) io.err(`live: ${c.venue} is closed (since ${c.since}): not traded\n`);
  for (const problem of stack.alerting.sinkProblems) io.err(`live: alert ${problem}\n`);
  io.err(reconciliationText(stack.startCheck.reconciliation) + '\n');
  const status = stack.ledger.riskStatus();
  if (status.state === 'halted') {
    const last = stack.ledger.riskHistory({ limit: 1 })[0];
    io.err(
      `live: trading is HALTED${last ? ` (${last.trigger}: ${last.reason.split('\n')[0]})` : ''}: no orders will be placed.\n` +
        `  Check the venue against the ledger (carry status --live), then \`carry resume\` to trade again,\n` +
        `  or \`carry kill\` to flatten every position. This daemon keeps running and answers both.\n`,
    );
  } else if (status.state === 'reducing') {
    io.err(`live: trading is reducing (${status.causes.join(', ')}): no new positions until that clears\n`);
  }

  const daemon = startLiveDaemon(stack, { log });
  const onSignal = (sig: string) => {
    log.info({ signal: sig }, 'stopping: finishing the job in flight');
    io.err(`live: ${sig}: stopping after the job in flight\n`);
    daemon.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const timer = forMs === undefined ? undefined : setTimeout(() => daemon.stop(), forMs);
  try {
    await daemon.done;
    io.err(`live: stopped; ledger ${stack.ledger.path}\n`);
    return EXIT.ok;
  } finally {
    if (timer) clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

