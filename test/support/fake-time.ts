/**
 * A clock and timers the test moves by hand: `advance(ms)` runs every timer due on the way, in
 * time order, moving the clock to each one, and lets the work each one starts (promises, the
 * real event loop for SQLite and friends) settle before the next. Nothing waits for real time.
 */
import type { Clock } from '../../src/domain/clock.js';
import type { Timers } from '../../src/alerts/sinks/timers.js';

interface Pending {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** Lets promise chains and I/O callbacks started so far run (a few turns of the real event loop). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

export class FakeTime implements Clock, Timers {
  private t: number;
  private seq = 0;
  private queue: Pending[] = [];

  constructor(start: number) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const p = { id: ++this.seq, at: this.t + Math.max(0, ms), fn };
    this.queue.push(p);
    return p.id;
  }

  clearTimeout(handle: unknown): void {
    this.queue = this.queue.filter((p) => p.id !== handle);
  }

  /** Timers armed and not yet run. */
  get pending(): number {
    return this.queue.length;
  }

  /** Moves the clock by `ms`, running each timer due on the way at its own time. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const next = this.queue.filter((p) => p.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (next === undefined) break;
      this.queue = this.queue.filter((p) => p !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
      await settle();
    }
    this.t = end;
  }
}
