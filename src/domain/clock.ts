/** The one seam between wall time and simulated time: every component asks the clock. */
export interface Clock {
  now(): number;
  /** Resolves when the clock reaches `ms` (immediately for a simulated clock that is advanced by its driver). */
  sleep(ms: number): Promise<void>;
}

export class WallClock implements Clock {
  now(): number {
    return Date.now();
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}

/** Simulated clock: time only moves when the driver (replay/backtest/sim) sets or advances it. */
export class SimClock implements Clock {
  private t: number;
  constructor(start: number) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  set(ms: number): void {
    if (ms < this.t) throw new Error(`SimClock cannot go back in time: ${ms} < ${this.t}`);
    this.t = ms;
  }
  advance(ms: number): void {
    this.set(this.t + ms);
  }
  sleep(ms: number): Promise<void> {
    this.advance(Math.max(0, ms));
    return Promise.resolve();
  }
}
