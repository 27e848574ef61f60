/**
 * `carry` in a child process (test/support/carry-child.mjs: the TypeScript sources through
 * Vite's SSR loader), for what only a real process shows: exit codes, signals, SIGKILL.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countEventsIfReady } from './paper-ledger.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHILD = join(ROOT, 'test', 'support', 'carry-child.mjs');

export interface ProcessRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
  /** Events in the ledger when the parent sent its signal (killAtEvents / signalWhen), else null. */
  readonly eventsAtSignal: number | null;
  /** Wall time from the parent's signal to the child's exit, or null when no signal was sent. */
  readonly msAfterSignal: number | null;
}

export interface SpawnOptions {
  /** A kill point inside the child (see carry-child.mjs), JSON-encoded into CARRY_TEST_KILL. */
  readonly killInside?: Record<string, unknown>;
  /** Poll this ledger and send `signal` once `when(events)` holds. */
  readonly watch?: {
    readonly db: string;
    readonly when: (events: number) => boolean;
    readonly signal: NodeJS.Signals;
    /** Wait this long after the condition holds before signalling. */
    readonly delayMs?: number;
  };
  readonly timeoutMs?: number;
}

export function runCarryProcess(args: readonly string[], opts: SpawnOptions = {}): Promise<ProcessRun> {
  return new Promise((done, fail) => {
    const env = { ...process.env };
    delete env['CARRY_TEST_ROOT'];
    if (opts.killInside) env['CARRY_TEST_KILL'] = JSON.stringify(opts.killInside);
    else delete env['CARRY_TEST_KILL'];
    const child = spawn(process.execPath, [CHILD, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let eventsAtSignal: number | null = null;
    let signalledAt: number | null = null;
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timers: NodeJS.Timeout[] = [];
    const watch = opts.watch;
    if (watch) {
      const poll = setInterval(() => {
        const n = countEventsIfReady(watch.db);
        if (n === null || !watch.when(n)) return;
        clearInterval(poll);
        timers.push(
          setTimeout(() => {
            eventsAtSignal = countEventsIfReady(watch.db);
            signalledAt = Date.now();
            child.kill(watch.signal);
          }, watch.delayMs ?? 0),
        );
      }, 15);
      timers.push(poll);
    }
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`carry ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 60_000} ms\n${err}`));
    }, opts.timeoutMs ?? 60_000);
    timers.push(limit);
    child.on('error', fail);
    // 'close' comes after the exit and after the child's output has been read to the end.
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      done({ code, signal, out, err, eventsAtSignal, msAfterSignal: signalledAt === null ? null : Date.now() - signalledAt });
    });
  });
}
