export const EXIT = { ok: 0, failure: 1, badInput: 2, noVenue: 3 } as const;

/** Where a command writes: injectable so tests run commands in-process. */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
}

export const processIO: CommandIO = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};
