/**
 * 4: live trading refused to start over credentials (a key missing or rejected by the venue);
 * 5: live trading halted (reconciliation found a mismatch, or the kill switch is on).
 */
export const EXIT = { ok: 0, failure: 1, badInput: 2, noVenue: 3, credentials: 4, halted: 5 } as const;

/** Where a command writes: injectable so tests run commands in-process. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
}

export const processIO: CommandIO = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};
