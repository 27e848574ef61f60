#!/usr/bin/env -S node --max-old-space-size=256 --max-semi-space-size=8
// Heap flags: carry is a long-running daemon whose live heap is ~50 MB (most of it ccxt). V8's
// defaults on a big machine let garbage pile up to 300 MB before collecting; a 256 MB old space
// and small young generation keep the daemon near 160 MB (docs/benchmarks.md). Run
// `node --max-old-space-size=N dist/src/cli.js` to give it more.
import { main } from './cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`carry: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
