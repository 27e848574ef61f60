/**
 * Runs `carry <args>` in a child process, from the TypeScript sources through Vite's SSR loader
 * (installed with vitest), so the child runs exactly the code under test. Exits with carry's
 * exit code.
 *
 *   node test/support/carry-child.mjs paper --market sim:42 --db FILE ...
 *
 * CARRY_TEST_KILL (JSON) makes the process SIGKILL itself at a chosen point, to test what a
 * crash there leaves behind. Nothing in carry knows about it: the hook wraps the ledger's
 * prototypes from outside.
 *   {"event": "order.submitted", "where": {"purpose": "hedge"}, "nth": 1}
 *       inside the ledger transaction, right after the nth matching event (this process) was
 *       projected: the events before it in the batch are written but not committed.
 *   {"job": "settlement", "nth": 1}
 *       when the nth tick of that job is about to commit (its events and checkpoint): the
 *       tick's work is done in memory and lost.
 * CARRY_TEST_ROOT: load the code from a built tree instead (a dist/ folder holding src/), for
 * quick experiments outside vitest.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = process.env.CARRY_TEST_ROOT;

let server = null;
let load;
if (built) {
  load = (p) => import(pathToFileURL(join(built, p.replace(/\.ts$/, '.js'))).href);
} else {
  const { createServer } = await import(pathToFileURL(join(root, 'node_modules', 'vite', 'dist', 'node', 'index.js')).href);
  server = await createServer({
    root,
    configFile: false,
    logLevel: 'silent',
    appType: 'custom',
    server: { middlewareMode: true, hmr: false, ws: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  load = (p) => server.ssrLoadModule('/' + p);
}

function die() {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is not deliverable later than this, but make sure no JS runs after it.
  for (;;);
}

const kill = process.env.CARRY_TEST_KILL ? JSON.parse(process.env.CARRY_TEST_KILL) : null;
if (kill) {
  const nth = kill.nth ?? 1;
  let seen = 0;
  if (kill.event) {
    const { Projector } = await load('src/store/project.ts');
    const apply = Projector.prototype.apply;
    Projector.prototype.apply = function (e, ...rest) {
      const r = apply.call(this, e, ...rest);
      const where = kill.where ?? {};
      if (e.type === kill.event && Object.entries(where).every(([k, v]) => e[k] === v) && ++seen === nth) die();
      return r;
    };
  } else if (kill.job) {
    const { Ledger } = await load('src/store/ledger.ts');
    const append = Ledger.prototype.append;
    Ledger.prototype.append = function (events, opts = {}) {
      // The engine commits each tick with its checkpoint, whose lastRun[job] is that tick's time:
      // a change from the stored checkpoint means this commit is a tick of that job. The
      // checkpoint is an object, or a function the ledger calls inside the transaction after the
      // tick's events: then the check runs there, just before the commit.
      const check = (cp) => {
        const at = cp?.value?.lastRun?.[kill.job];
        if (at !== undefined && at !== this.checkpoint(cp.key)?.value?.lastRun?.[kill.job] && ++seen === nth) die();
        return cp;
      };
      const cp = opts.checkpoint;
      if (typeof cp === 'function') return append.call(this, events, { ...opts, checkpoint: () => check(cp()) });
      check(cp);
      return append.call(this, events, opts);
    };
  }
}

const { main } = await load('src/cli/main.ts');
const code = await main(process.argv.slice(2));
await server?.close();
process.exit(code);
