/**
 * `carry kill`: halt live trading and flatten every position (both legs, the perp reduce-only).
 * With a daemon on the ledger the request goes through the control channel and the daemon does
 * it (between jobs, never racing a tick); with none, this process opens the live stack on the
 * keys itself, flattens and halts. It only reduces risk: no --live flag, no confirmation, and it
 * works whatever `mode` the config says, so a user can always stop a bot.
 */
import { startApp } from '../../app/context.js';
import { openLive } from '../../app/live-run.js';
import { numberFlag, parseFlags } from '../args.js';
import { EXIT, type CommandIO } from '../exit.js';
import { askDaemon, CONTROL_FLAGS, liveLedgerPath, openLiveLedger, requester } from '../ledger-file.js';

export const KILL_HELP = `carry kill — halt live trading and flatten every position (both legs; perp reduce-only)

  --reason TEXT       why, for the risk record (default: carry kill)
  --db FILE           live ledger file (default: store.livePath)
  --config FILE       user config file (the one carry live runs with)
  --wait SECONDS      how long to wait for a running daemon to act (default 60)
  --testnet           no daemon running: reach the venues' test environments (as carry live --testnet)
  --yes               accepted for scripts; kill never asks

With a carry live daemon on the ledger, the request goes through the ledger's control channel
and the daemon flattens between jobs. With none, carry kill opens the venues itself on the keys
from the environment or .env (CARRY_<VENUE>_API_KEY / _SECRET, see .env.example).
Needs no --live flag and works whatever mode the config says. Trading stays HALTED until
\`carry resume\`.

Exit: 0 halted and flat; 5 halted but something is still held (listed); 4 keys missing or
rejected (no daemon running); 2 bad input (no live ledger).`;

const flatOutcome = (outcome: string): boolean => outcome.startsWith('halted; flat');

export async function killCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values } = parseFlags(argv, { ...CONTROL_FLAGS, testnet: { type: 'boolean', default: false }, yes: { type: 'boolean', default: false } }, 'kill');
  if (values.help) {
    io.out(KILL_HELP + '\n');
    return EXIT.ok;
  }
  const waitMs = (numberFlag(values.wait, '--wait', { min: 0 }) ?? 60) * 1000;
  const { config } = startApp({ configFile: values.config, command: 'kill' });
  const path = liveLedgerPath('kill', config, values.db);
  const by = requester('carry kill');
  const reason = values.reason ?? 'carry kill';

  const ledger = openLiveLedger(path);
  let asked: Awaited<ReturnType<typeof askDaemon>>;
  try {
    asked = await askDaemon(io, 'kill', ledger, config, { kind: 'kill', args: { reason }, by, what: 'to halt and flatten', waitMs });
  } finally {
    ledger.close();
  }
  if (asked.kind === 'timeout') return EXIT.failure;
  if (asked.kind === 'outcome') {
    io.out(`${asked.outcome}\n`);
    return flatOutcome(asked.outcome) ? EXIT.ok : EXIT.halted;
  }

  // No daemon: this process trades the ledger for as long as it takes to flatten.
  io.err(`kill: no carry live daemon on ${path}; opening the venues to flatten\n`);
  const stack = await openLive({ config, dbPath: path, testnet: values.testnet, actor: by });
  try {
    const r = await stack.kill(`${by}: ${reason}`);
    const state = stack.ledger.riskState();
    if (r.left.length === 0) {
      io.out(`${state}; flat: ${r.flat.join(', ') || 'nothing was held'}\n`);
      return EXIT.ok;
    }
    io.out(`${state}; NOT flat: ${r.left.map((l) => `${l.positionId} (${l.why})`).join('; ')}\n`);
    return EXIT.halted;
  } finally {
    await stack.close();
  }
}
