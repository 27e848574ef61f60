/**
 * `carry close POSITION`: close one live position on both legs (the perp reduce-only), through
 * the same close gate as the strategy's exits (refused while halted: `carry kill` flattens then).
 * Like `carry kill`: through the running daemon's control channel when one holds the ledger,
 * else this process opens the venues on the keys and closes it itself.
 */
import { startApp } from '../../app/context.js';
import { openLive } from '../../app/live-run.js';
import { InputError } from '../../domain/errors.js';
import { numberFlag, parseFlags } from '../args.js';
import { EXIT, type CommandIO } from '../exit.js';
import { askDaemon, CONTROL_FLAGS, liveLedgerPath, openLiveLedger, requester } from '../ledger-file.js';

export const CLOSE_HELP = `carry close POSITION — close one live position (both legs; perp reduce-only)

  --reason TEXT       why, for the record (default: carry close)
  --db FILE           live ledger file (default: store.livePath)
  --config FILE       user config file (the one carry live runs with)
  --wait SECONDS      how long to wait for a running daemon to act (default 60)
  --testnet           no daemon running: reach the venues' test environments

POSITION is the id \`carry status --live\` shows. Through the running daemon when there is one,
else on the keys from the environment or .env. Refused while trading is halted (carry kill
flattens everything then).

Exit: 0 closed; 5 not closed (why is printed); 2 bad input (no live ledger, not an open position);
4 keys missing or rejected (no daemon running).`;

const closedOutcome = (outcome: string): boolean => outcome.startsWith('closed ');

export async function closeCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...CONTROL_FLAGS, testnet: { type: 'boolean', default: false } }, 'close');
  if (values.help) {
    io.out(CLOSE_HELP + '\n');
    return EXIT.ok;
  }
  const positionId = positionals[0];
  if (positionId === undefined || positionals.length > 1) throw new InputError('carry close: expected one POSITION id (see carry status --live)');
  const waitMs = (numberFlag(values.wait, '--wait', { min: 0 }) ?? 60) * 1000;
  const { config } = startApp({ configFile: values.config, command: 'close' });
  const path = liveLedgerPath('close', config, values.db);
  const by = requester('carry close');
  const reason = values.reason ?? 'carry close';
  const report = (outcome: string): number => {
    if (outcome.startsWith('refused')) {
      io.err(`carry close: ${outcome}\n`);
      return EXIT.badInput;
    }
    io.out(`${outcome}\n`);
    return closedOutcome(outcome) ? EXIT.ok : EXIT.halted;
  };

  const ledger = openLiveLedger(path);
  let asked: Awaited<ReturnType<typeof askDaemon>>;
  try {
    asked = await askDaemon(io, 'close', ledger, config, { kind: 'close_position', args: { positionId, reason }, by, what: `to close ${positionId}`, waitMs });
  } finally {
    ledger.close();
  }
  if (asked.kind === 'timeout') return EXIT.failure;
  if (asked.kind === 'outcome') return report(asked.outcome);
  const stack = await openLive({ config, dbPath: path, testnet: values.testnet, actor: by });
  try {
    return report(await stack.closePosition(positionId, `${by}: ${reason}`));
  } finally {
    await stack.close();
  }
}
