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
import { describeDaemon, liveLedgerPath, openLiveLedger, requester, runningDaemon, waitForOutcome } from '../ledger-file.js';

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
  const { values, positionals } = parseFlags(
    argv,
    {
      reason: { type: 'string' },
      db: { type: 'string' },
      config: { type: 'string' },
      wait: { type: 'string' },
      testnet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    'close',
  );
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
  try {
    const daemon = runningDaemon(ledger, config);
    if (daemon !== null) {
      const id = ledger.requestControl('close_position', { positionId, reason }, { by });
      io.err(`close: asked the daemon (${describeDaemon(daemon)}) to close ${positionId} (request ${id}); waiting up to ${waitMs / 1000} s\n`);
      const w = await waitForOutcome(ledger, config, id, waitMs);
      if (w.kind === 'timeout') {
        io.err(`close: the daemon did not handle request ${id} within ${waitMs / 1000} s; it stays queued.\n`);
        return EXIT.failure;
      }
      if (w.kind === 'handled') return report(w.request.outcome ?? '');
      io.err(`close: the daemon stopped before handling request ${id} (withdrawn); closing from here\n`);
    }
  } finally {
    ledger.close();
  }
  const stack = await openLive({ config, dbPath: path, testnet: values.testnet, actor: by });
  try {
    return report(await stack.closePosition(positionId, `${by}: ${reason}`));
  } finally {
    await stack.close();
  }
}
