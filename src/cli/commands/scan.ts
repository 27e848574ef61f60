/** `carry scan`: where funding pays right now, after costs, and how much fits in the books. */
import { openMarketSource } from '../../app/market-source.js';
import { describeMarketSpec, parseMarketSpec } from '../../app/market-spec.js';
import { startApp } from '../../app/context.js';
import { scannerFor } from '../../app/scanner.js';
import type { ScanResult } from '../../engine/scanner.js';
import { moduleLogger } from '../../util/log.js';
import { listFlag, numberFlag, parseFlags } from '../args.js';
import { scanProgress } from '../progress.js';
import { scanJson, scanTable } from '../scan-output.js';
import { EXIT, type CommandIO } from '../exit.js';

export const SCAN_HELP = `carry scan — rank funding-rate carry trades across venues

  --market live|sim[:SEED]|replay:FILE   market data source (default: config, live)
  --venues a,b                           only these configured venues
  --notional N                           price each trade at N USD (default 10000)
  --hold H                               planned hold in hours (default 72)
  --top N                                rows to show (default 20)
  --json                                 machine-readable output (docs/scan-json.md)
  --record FILE                          also append every venue answer to a tape
  --config FILE                          user config file over config/default.json

exit codes: 0 ok, 2 bad input, 3 no venue reachable`;

export function noVenueReachable(result: ScanResult): boolean {
  return !result.venues.some((v) => v.status === 'ok');
}

export async function scanCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      market: { type: 'string' },
      venues: { type: 'string' },
      notional: { type: 'string' },
      hold: { type: 'string' },
      top: { type: 'string' },
      json: { type: 'boolean', default: false },
      record: { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    'scan',
  );
  if (values.help) {
    io.out(SCAN_HELP + '\n');
    return EXIT.ok;
  }
  const notional = numberFlag(values.notional, '--notional', { min: 1 });
  const holdHours = numberFlag(values.hold, '--hold', { min: 1 });
  const top = numberFlag(values.top, '--top', { min: 1, integer: true });
  const scanOverrides = {
    ...(notional !== undefined ? { notional } : {}),
    ...(holdHours !== undefined ? { holdHours } : {}),
    ...(top !== undefined ? { top } : {}),
  };
  const overrides = {
    ...(values.market ? { market: values.market } : {}),
    ...(Object.keys(scanOverrides).length > 0 ? { scan: scanOverrides } : {}),
  };
  const { config } = startApp({ configFile: values.config, overrides, command: 'scan' });
  const log = moduleLogger('scan');
  const spec = parseMarketSpec(config.market, values.market ? '--market' : 'market (config)');
  const source = openMarketSource(config, spec, { only: listFlag(values.venues), recordTo: values.record, log: moduleLogger('venues') });
  const progress = scanProgress();
  try {
    const scanner = scannerFor(config, source, progress.onProgress);
    const result = await scanner.scan();
    progress.done();
    const view = { notional: config.scan.notional, holdHours: config.scan.holdHours, maxSlippageBps: config.scan.maxSlippageBps, top: config.scan.top };
    if (noVenueReachable(result)) {
      const why = result.venues.map((v) => `${v.venue}: ${v.status === 'error' ? v.error.message : v.status}`).join('; ');
      io.err(`carry scan: no venue reachable with --market ${describeMarketSpec(spec)} (${why || 'no venues configured'}).\nHint: try --market sim for the offline sim market.\n`);
      if (values.json) io.out(scanJson(result, view));
      return EXIT.noVenue;
    }
    io.out(values.json ? scanJson(result, view) : scanTable(result, view));
    log.info({ venues: result.venues.length, opportunities: result.opportunities.length }, 'scan done');
    return EXIT.ok;
  } finally {
    progress.done();
    source.close();
  }
}
