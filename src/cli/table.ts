/** Plain-text tables for the terminal: right-aligned numbers, no dependencies. */
export interface Column<T> {
  readonly header: string;
  readonly get: (row: T) => string;
  readonly align?: 'left' | 'right';
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => c.get(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => (row[i] as string).length)));
  const pad = (s: string, i: number) => {
    const w = widths[i] as number;
    return columns[i]?.align === 'left' ? s.padEnd(w) : s.padStart(w);
  };
  const lines = [columns.map((c, i) => pad(c.header, i)).join('  '), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of cells) lines.push(row.map((s, i) => pad(s, i)).join('  '));
  return lines.join('\n');
}
