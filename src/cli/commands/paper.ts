/**
 * `carry paper`, the main job (`npm start`): scans on a schedule, opens the best carry trades
 * with simulated money on real (or simulated, or replayed) books, collects funding, and
 * accounts everything in the SQLite ledger. SIGINT/SIGTERM finish the current tick and close
 * the store.
 */
import { startApp } from '../../app/context.js';
import { parseMarketSpec } from '../../app/market-spec.js';
import { startPaperRun } from '../../app/paper-run.js';
import { InputError } from '../../domain/errors.js';
import type { Speed } from '../../scheduler/sim-scheduler.js';
import { parseDuration } from '../../util/duration.js';
import { moduleLogger } from '../../util/log.js';
import { listFlag, numberFlag, parseFlags } from '../args.js';
import { EXIT, type CommandIO } from '../exit.js';
import { pnlSummaryText } from '../report-output.js';

export const PAPER_HELP = `carry paper — paper trading daemon (what npm start runs)

  --market live|sim[:SEED]|replay:FILE   market data (default: config, live: public data, no keys)
  --speed max|N                          sim/replay: run N× real time, or as fast as possible
  --until TIME                           stop at this clock time (ISO 8601, UTC)
  --for DURATION                         stop after this much clock time, e.g. 30d, 12h
  --db FILE                              ledger file (default: store.path, ./data/carry.db)
  --venues a,b                           only these configured venues
  --config FILE                          user config file

The ledger resumes where it stopped: run the same command again to continue.`;

function parseSpeed(v: string | undefined): Speed | undefined {
  if (v === undefined) return undefined;
  if (v === 'max') return 'max';
  const n = numberFlag(v, '--speed', { min: 0.001 });
  return n;
}

function parseUntil(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new InputError(`--until: found "${v}"; expected an ISO 8601 time like 2026-02-01T00:00:00Z`);
  return t;
}

export async function paperCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      market: { type: 'string' },
      speed: { type: 'string' },
      until: { type: 'string' },
      for: { type: 'string' },
      db: { type: 'string' },
      venues: { type: 'string' },
      config: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    'paper',
  );
  if (values.help) {
    io.out(PAPER_HELP + '\n');
    return EXIT.ok;
  }
  const speed = parseSpeed(values.speed);
  const until = parseUntil(values.until);
  const forMs = values.for ? parseDuration(values.for, '--for') : undefined;
  const { config } = startApp({ configFile: values.config, overrides: values.market ? { market: values.market } : {}, command: 'paper' });
  const spec = parseMarketSpec(config.market, values.market ? '--market' : 'market (config)');
  if (spec.kind === 'live' && speed !== undefined) throw new InputError('--speed: only sim and replay markets run on a simulated clock');
  const log = moduleLogger('paper');
  let lastDay = -1;
  const run = await startPaperRun({
    config,
    spec,
    dbPath: values.db,
    only: listFlag(values.venues),
    speed,
    until,
    forMs,
    onTick: values.quiet
      ? undefined
      : (job, at) => {
          // Progress for long simulated runs: one line per simulated day.
          const day = Math.floor(at / 86_400_000);
          if (day !== lastDay && job === 'scan') {
            lastDay = day;
            const eq = run.engine.equity();
            io.err(`paper ${new Date(at).toISOString().slice(0, 16)}Z  equity ${eq.equity.toFixed(2)}  funding ${eq.funding.toFixed(2)}  fees ${eq.fees.toFixed(2)}  open ${eq.openPositions}\n`);
          }
        },
  });
  for (const problem of run.sinkProblems) io.err(`paper: alert ${problem}\n`);
  const onSignal = (sig: string) => {
    log.info({ signal: sig }, 'stopping: finishing the current tick');
    run.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { ticks, totals, equity } = await run.done;
    io.err(`paper: ${ticks} ticks; ledger ${run.ledger.path}\n`);
    if (totals) io.out(pnlSummaryText(totals, equity));
    return EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
