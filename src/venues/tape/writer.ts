/**
 * Append-only NDJSON tape file: one JSON.stringify per line, written synchronously so a
 * record is on disk (in the OS cache) before the recorded call's caller sees the result,
 * and a crash loses at most the call in flight. Opening appends to an existing tape.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { CarryError } from '../../domain/errors.js';
import { formatTapeLine, type TapeRecord } from './format.js';

/** Where a recorder puts its records. */
export interface TapeSink {
  append(record: TapeRecord): void;
}

export interface TapeWriter extends TapeSink {
  readonly file: string;
  /** Records written since open. */
  readonly written: number;
  /** fsync: the records so far survive a power loss, not only a process crash. */
  flush(): void;
  close(): void;
}

function writeFailed(file: string, e: unknown): CarryError {
  return new CarryError('CARRY_INTERNAL', 'stop', `cannot write tape file ${file}: ${(e as Error).message}`, { cause: e });
}

export function openTapeWriter(file: string): TapeWriter {
  let fd: number | null;
  try {
    mkdirSync(dirname(file), { recursive: true });
    fd = openSync(file, 'a');
  } catch (e) {
    throw writeFailed(file, e);
  }
  let written = 0;

  const open = (): number => {
    if (fd === null) throw new CarryError('CARRY_INTERNAL', 'stop', `tape file ${file} is already closed`);
    return fd;
  };

  return {
    file,
    get written() {
      return written;
    },
    append(record) {
      const handle = open();
      // Serialise before touching the file: a record that cannot be serialised writes nothing.
      const buf = Buffer.from(formatTapeLine(record) + '\n', 'utf8');
      try {
        let off = 0;
        while (off < buf.length) off += writeSync(handle, buf, off, buf.length - off);
      } catch (e) {
        throw writeFailed(file, e);
      }
      written++;
    },
    flush() {
      try {
        fsyncSync(open());
      } catch (e) {
        throw writeFailed(file, e);
      }
    },
    close() {
      if (fd === null) return;
      const handle = fd;
      fd = null;
      try {
        fsyncSync(handle);
        closeSync(handle);
      } catch (e) {
        throw writeFailed(file, e);
      }
    },
  };
}
