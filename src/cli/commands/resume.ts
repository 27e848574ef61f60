/**
 * `carry resume`: a human's decision to trade again, the only way out of halted (and out of
 * reducing before its causes clear; a limit still exceeded is raised again at the next check).
 * With a daemon on the ledger it goes through the control channel; with none, the risk step is
 * appended to the ledger directly (holding the daemon lease meanwhile, so no daemon starts
 * halfway) and the next `carry live` starts active.
 */
import { startApp } from '../../app/context.js';
import { openAlerting } from '../../app/alerting.js';
import { riskStateEvent, riskTransition } from '../../engine/risk-state.js';
import { moduleLogger } from '../../util/log.js';
import { numberFlag, parseFlags } from '../args.js';
import { EXIT, type CommandIO } from '../exit.js';
import { askDaemon, CONTROL_FLAGS, liveLedgerPath, openLiveLedger, requester } from '../ledger-file.js';

export const RESUME_HELP = `carry resume — trade again after a halt (kill switch, reconciliation mismatch) or a reducing state

  --reason TEXT       why, for the risk record (default: carry resume)
  --db FILE           live ledger file (default: store.livePath)
  --config FILE       user config file (the one carry live runs with)
  --wait SECONDS      how long to wait for a running daemon to act (default 60)

Check the venue against the ledger first (carry status --live): resume clears every cause, and
a limit still exceeded is raised again at the next check. With a carry live daemon running the
request goes through the ledger's control channel; with none, the ledger records the step and
the next carry live starts active. Touches no venue and needs no keys.

Exit: 0 trading active; 2 refused (trading is already active) or no live ledger.`;

export async function resumeCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values } = parseFlags(argv, CONTROL_FLAGS, 'resume');
  if (values.help) {
    io.out(RESUME_HELP + '\n');
    return EXIT.ok;
  }
  const waitMs = (numberFlag(values.wait, '--wait', { min: 0 }) ?? 60) * 1000;
  const { config } = startApp({ configFile: values.config, command: 'resume' });
  const path = liveLedgerPath('resume', config, values.db);
  const by = requester('carry resume');
  const reason = values.reason ?? 'carry resume';

  const ledger = openLiveLedger(path);
  try {
    const asked = await askDaemon(io, 'resume', ledger, config, { kind: 'resume', args: { reason }, by, what: 'to resume trading', waitMs });
    if (asked.kind === 'timeout') return EXIT.failure;
    if (asked.kind === 'outcome') {
      if (asked.outcome.startsWith('refused')) {
        io.err(`carry resume: ${asked.outcome}\n`);
        return EXIT.badInput;
      }
      io.out(`${asked.outcome}\n`);
      return asked.outcome.startsWith('failed') ? EXIT.failure : EXIT.ok;
    }

    // No daemon: the step goes straight into the ledger, under the lease.
    ledger.acquireLease(process.pid, Date.now(), config.live.leaseStaleMs);
    try {
      const step = riskTransition(ledger.riskStatus(), 'user_resume');
      if (step.kind === 'illegal') {
        io.err(`carry resume: refused: ${step.reason}\n`);
        return EXIT.badInput;
      }
      const now = Date.now();
      const ev = riskStateEvent(step, now, `${by}: ${reason}`);
      if (ev) ledger.append([ev]);
      // The HALTED / reducing alert resolves with the move (delivered by the next daemon).
      const alerting = openAlerting(config, ledger.path, 'live', moduleLogger('resume'));
      try {
        alerting.manager.record({ now, firing: [], checked: [{ kind: 'trading_state', subject: 'trading' }] });
      } finally {
        await alerting.close();
      }
      io.out(`trading ${step.status.state}${step.kind === 'moved' ? ` (was ${step.from})` : ''}\n`);
      return EXIT.ok;
    } finally {
      ledger.releaseLease(process.pid);
    }
  } finally {
    ledger.close();
  }
}
