/**
 * Progress while venues load, on stderr so it never mixes with `--json` on stdout. On a
 * terminal it redraws one status line; elsewhere it stays quiet (the logs say what failed).
 */
import type { ScanProgress } from '../engine/scanner.js';

export interface ProgressReporter {
  readonly onProgress: (p: ScanProgress) => void;
  done(): void;
}

export function scanProgress(stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (!stream.isTTY) return { onProgress: () => undefined, done: () => undefined };
  const state = new Map<string, string>();
  let books = '';
  const draw = () => {
    const parts = [...state.entries()].map(([v, s]) => `${v}: ${s}`);
    if (books) parts.push(books);
    const line = parts.join('  |  ');
    const width = stream.columns ?? 120;
    stream.write(`\r\x1b[2K${line.length > width - 1 ? line.slice(0, width - 2) + '…' : line}`);
  };
  return {
    onProgress: (p) => {
      if (p.kind === 'venue') {
        const label =
          p.phase === 'markets' ? 'loading markets…' : p.phase === 'snapshot' ? 'funding…' : p.phase === 'done' ? 'ok' : p.phase === 'closed' ? 'closed' : 'unavailable';
        state.set(p.venue, label);
      } else books = `books ${p.done}/${p.requested}`;
      draw();
    },
    done: () => stream.write('\r\x1b[2K'),
  };
}
