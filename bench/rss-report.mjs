// Preloaded with `node --import` by the cold-start benchmark: reports the process's peak RSS.
process.on('exit', () => {
  process.stderr.write(`\nCARRY_BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
});
