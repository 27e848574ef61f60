/**
 * Checks over each parsed series (venue, symbol) after parsing, the same for every format:
 * order, timestamp jitter, duplicates within the file, the interval, gaps. Rules in
 * docs/history-store.md ("Series checks").
 */
import type { IncomingRow } from '../store.js';
import type { Collector, ParsedRow } from './common.js';

const H = 3_600_000;
/** A settlement this close to a whole second is that second (Binance records settlements up to ~50 ms late: 11:00:00.047). */
const JITTER_MS = 100;

export function checkSeries(c: Collector): IncomingRow[] {
  const groups = new Map<string, ParsedRow[]>();
  for (const r of c.rows) {
    const k = `${r.venue}\u0000${r.symbol}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out: IncomingRow[] = [];
  for (const rows0 of groups.values()) {
    const name = `${rows0[0]!.venue} ${rows0[0]!.symbol}`;
    // jitter
    const rows = rows0.map((r) => {
      const rem = ((r.ts % 1000) + 1000) % 1000;
      const off = rem <= JITTER_MS ? -rem : rem >= 1000 - JITTER_MS ? 1000 - rem : 0;
      if (off === 0) return r;
      c.note(r.line, 'timestamp jitter', `${new Date(r.ts).toISOString()} read as the whole second ${new Date(r.ts + off).toISOString()}`);
      return { ...r, ts: r.ts + off };
    });
    // order
    for (let i = 1; i < rows.length; i++) {
      if (rows[i]!.ts < rows[i - 1]!.ts) c.note(rows[i]!.line, 'out of order', `${name}: ${new Date(rows[i]!.ts).toISOString()} comes after ${new Date(rows[i - 1]!.ts).toISOString()} (line ${rows[i - 1]!.line}); sorted`);
    }
    const sorted = [...rows].sort((a, b) => a.ts - b.ts || a.line - b.line);
    // duplicates within the file
    const uniq: ParsedRow[] = [];
    for (const r of sorted) {
      const prev = uniq[uniq.length - 1];
      if (prev !== undefined && prev.ts === r.ts) {
        const same = prev.rate === r.rate && prev.intervalHours === r.intervalHours;
        c.skip(
          r.line,
          same ? 'duplicate timestamp' : 'conflicting duplicate timestamp',
          `${name} ${new Date(r.ts).toISOString()} is also on line ${prev.line}` + (same ? ' with the same values' : ` with rate ${prev.rate} (this line: ${r.rate}); line ${prev.line} kept`),
        );
        continue;
      }
      uniq.push(r);
    }
    // interval: the file's, else the most common spacing
    let inferred: number | null = null;
    if (uniq.some((r) => r.intervalHours === null)) {
      const counts = new Map<number, number>();
      for (let i = 1; i < uniq.length; i++) {
        const d = Math.round((uniq[i]!.ts - uniq[i - 1]!.ts) / 60_000) / 60;
        counts.set(d, (counts.get(d) ?? 0) + 1);
      }
      const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
      if (best === undefined) {
        inferred = 8;
        c.notes.push(`${name}: a single row and no interval in the file: 8h assumed (give interval_hours to say otherwise)`);
      } else {
        inferred = best[0];
        c.notes.push(`${name}: interval ${inferred}h inferred from the spacing (${best[1]} of ${uniq.length - 1} steps)`);
      }
    }
    let prev: IncomingRow | undefined;
    for (const r of uniq) {
      const row: IncomingRow = { ...r, intervalHours: r.intervalHours ?? inferred! };
      if (prev !== undefined) {
        const step = row.ts - prev.ts;
        const iv = row.intervalHours * H;
        if (row.intervalHours !== prev.intervalHours) {
          c.note(row.line, 'interval change', `${name}: interval ${prev.intervalHours}h → ${row.intervalHours}h at ${new Date(row.ts).toISOString()}`);
        } else if (step > iv && step % iv === 0) {
          c.note(row.line, 'gap', `${name}: ${step / iv - 1} settlement(s) missing between ${new Date(prev.ts).toISOString()} and ${new Date(row.ts).toISOString()}`);
        } else if (step !== iv) {
          c.note(row.line, 'irregular spacing', `${name}: ${step / H}h after the previous settlement where the interval is ${row.intervalHours}h (mixed intervals?)`);
        }
      }
      out.push(row);
      prev = row;
    }
  }
  return out;
}
