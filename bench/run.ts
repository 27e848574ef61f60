/**
 * `npm run bench`: every benchmark in turn, one JSON object per line on stdout.
 * Not part of `npm test`; figures and method in docs/benchmarks.md.
 */
import { benchColdStart } from './cold-start.js';
import { benchPaperProfile } from './paper-profile.js';
import { benchPaperSim } from './paper-sim.js';
import { benchPaperSinks } from './paper-sinks.js';
import { benchRank } from './rank.js';

const BENCHES: Record<string, () => Promise<Record<string, unknown>>> = {
  rank: benchRank,
  'cold-start': benchColdStart,
  'paper-sim': benchPaperSim,
  'paper-profile': benchPaperProfile,
  'paper-sinks': benchPaperSinks,
  // Imported when run: it loads the mock exchange (dist/test/support), which needs the shared
  // market fixtures (../shared/data or CARRY_SHARED_DATA); the other benches do not.
  'live-orders': async () => (await import('./live-orders.js')).benchLiveOrders(),
};

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  for (const [name, run] of Object.entries(BENCHES)) {
    if (only.length > 0 && !only.includes(name)) continue;
    process.stderr.write(`bench: ${name}…\n`);
    console.log(JSON.stringify(await run()));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
