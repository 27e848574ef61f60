/**
 * `carry record`: run the real adapters (or the sim) on the scan schedule and append every
 * ccxt call's result to a tape (docs/tape-format.md), for replay under a simulated clock.
 */
import { openMarketSource } from '../../app/market-source.js';
import { parseMarketSpec } from '../../app/market-spec.js';
import { startApp } from '../../app/context.js';
import { scannerFor } from '../../app/scanner.js';
import { InputError } from '../../domain/errors.js';
import { parseDuration } from '../../util/duration.js';
import { moduleLogger } from '../../util/log.js';
import { listFlag, parseFlags } from '../args.js';
import { EXIT, type CommandIO } from '../exit.js';

export const RECORD_HELP = `carry record — record what the venues answer into a tape

  --out FILE                             tape to append to (NDJSON, docs/tape-format.md)
  --for DURATION                         how long to record, e.g. 90s, 10m, 2h
  --market live|sim[:SEED]               source (default: config, live)
  --venues a,b                           only these configured venues
  --every DURATION                       time between scans (default: scan.periodSeconds)
  --config FILE                          user config file`;

export async function recordCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      out: { type: 'string' },
      for: { type: 'string' },
      every: { type: 'string' },
      market: { type: 'string' },
      venues: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    'record',
  );
  if (values.help) {
    io.out(RECORD_HELP + '\n');
    return EXIT.ok;
  }
  if (!values.out) throw new InputError('carry record: --out FILE is required (the tape to write)');
  if (!values.for) throw new InputError('carry record: --for DURATION is required (e.g. --for 10m)');
  const duration = parseDuration(values.for, '--for');
  const overrides = values.market ? { market: values.market } : {};
  const { config } = startApp({ configFile: values.config, overrides, command: 'record' });
  const every = values.every ? parseDuration(values.every, '--every') : config.scan.periodSeconds * 1000;
  const spec = parseMarketSpec(config.market, values.market ? '--market' : 'market (config)');
  if (spec.kind === 'replay') throw new InputError('--market: record reads live or sim markets; a replay is already a tape');
  const log = moduleLogger('record');
  const source = openMarketSource(config, spec, { only: listFlag(values.venues), recordTo: values.out, log: moduleLogger('venues') });
  const scanner = scannerFor(config, source);
  let stop = false;
  const onSignal = () => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const start = source.clock.now();
  let scans = 0;
  let reachable = 0;
  try {
    while (!stop) {
      const t0 = source.clock.now();
      const result = await scanner.scan();
      scans++;
      if (result.venues.some((v) => v.status === 'ok')) reachable++;
      const summary = result.venues.map((v) => `${v.venue}:${v.status}`).join(' ');
      io.err(`record: scan ${scans} at ${new Date(result.at).toISOString()} ${summary}\n`);
      const next = t0 + every;
      if (next - start >= duration) break;
      // A slow scan never makes the next one start early; it just starts at once.
      if (source.simClock) source.simClock.set(Math.max(source.clock.now(), next));
      else await source.clock.sleep(next - source.clock.now());
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    source.close();
  }
  log.info({ scans, file: values.out }, 'recording finished');
  io.err(`record: ${scans} scans written to ${values.out}\n`);
  if (reachable === 0) {
    io.err('record: no venue answered. Hint: try --market sim for the offline sim market.\n');
    return EXIT.noVenue;
  }
  return EXIT.ok;
}
