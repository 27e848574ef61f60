/**
 * `carry data import FILE...`: funding histories into the history store (docs/history-store.md).
 * Exit 0 when every file was imported (skips and conflicts are reported), 2 when a file was
 * refused (bad flags, an undecidable file, --strict with any problem or conflict); files after a
 * refused one are still tried, each in its own transaction.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { startApp } from '../../app/context.js';
import { InputError } from '../../domain/errors.js';
import { FORMATS, parseHistory, type Format, type ParseOptions, type Problem } from '../../history/import/index.js';
import { parseZone } from '../../history/import/common.js';
import { HistoryStore } from '../../history/store.js';
import { parseFlags } from '../args.js';
import { EXIT, type CommandIO } from '../exit.js';

export const DATA_HELP = `carry data import FILE... — import funding histories into the history store

  --format auto|${FORMATS.join('|')}
                       file format (default auto: detected from the header/content and said)
  --venue V            venue id for every row (required where the file does not say)
  --symbol S           symbol for every row (ccxt unified, or the venue's id: XBTUSD, BTC-PERPETUAL)
  --tz ZONE            zone of naive timestamps: UTC, UTC+3, +03:00, Europe/London (required when naive)
  --rate-unit percent|decimal   unit of the rate column (default: '%' in the values → percent, else the format's)
  --strict             refuse a file with any skipped row, reported row or conflict (nothing written)
  --db FILE            history store (default: history.path, ./data/history.db)
  --json               per-file summaries as JSON
  --config FILE        user config file`;

const FIRST_LINES = 5;

interface Summary {
  file: string;
  status: 'imported' | 'refused';
  format?: string;
  chosen?: string;
  series?: { venue: string; symbol: string; rows: number; from: string; to: string }[];
  read?: number;
  imported?: number;
  alreadyStored?: number;
  conflicts?: { count: number; lines: number[] };
  skipped?: Record<string, { count: number; lines: number[]; example: string }>;
  reported?: Record<string, { count: number; lines: number[]; example: string }>;
  notes?: string[];
  error?: string;
}

function group(ps: readonly Problem[]): Record<string, { count: number; lines: number[]; example: string }> {
  const out: Record<string, { count: number; lines: number[]; example: string }> = {};
  for (const p of ps) {
    const g = (out[p.reason] ??= { count: 0, lines: [], example: p.message });
    g.count++;
    if (g.lines.length < FIRST_LINES) g.lines.push(p.line);
  }
  return out;
}

function text(s: Summary): string {
  if (s.status === 'refused') return `${s.file}: REFUSED: ${s.error}\n`;
  const out: string[] = [`${s.file}: ${s.format} (${s.chosen})`];
  for (const x of s.series ?? []) out.push(`  ${x.venue} ${x.symbol}: ${x.rows} rows ${x.from} .. ${x.to}`);
  const skippedN = Object.values(s.skipped ?? {}).reduce((a, g) => a + g.count, 0);
  out.push(`  read ${s.read}, imported ${s.imported}, already stored ${s.alreadyStored}, conflicts ${s.conflicts?.count ?? 0}, skipped ${skippedN}`);
  if ((s.conflicts?.count ?? 0) > 0) out.push(`  conflicts (stored rows kept, see import_conflicts): lines ${s.conflicts!.lines.join(', ')}${s.conflicts!.count > FIRST_LINES ? ', ...' : ''}`);
  const show = (title: string, g: Summary['skipped']) => {
    for (const [reason, v] of Object.entries(g ?? {})) out.push(`  ${title} ${reason}: ${v.count} (lines ${v.lines.join(', ')}${v.count > v.lines.length ? ', ...' : ''}) e.g. ${v.example}`);
  };
  show('skipped', s.skipped);
  show('reported', s.reported);
  for (const n of s.notes ?? []) out.push(`  note: ${n}`);
  return out.join('\n') + '\n';
}

export async function dataCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === 'help') {
    io.out(DATA_HELP + '\n');
    return sub === undefined ? EXIT.badInput : EXIT.ok;
  }
  if (sub !== 'import') throw new InputError(`carry data: unknown subcommand "${sub}"; expected import. Try: carry data --help`);
  const { values, positionals } = parseFlags(
    rest,
    {
      format: { type: 'string', default: 'auto' },
      venue: { type: 'string' },
      symbol: { type: 'string' },
      tz: { type: 'string' },
      'rate-unit': { type: 'string' },
      strict: { type: 'boolean', default: false },
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
      config: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    'data import',
  );
  if (values.help) {
    io.out(DATA_HELP + '\n');
    return EXIT.ok;
  }
  const format = values.format as Format | 'auto';
  if (format !== 'auto' && !FORMATS.includes(format)) throw new InputError(`--format: found "${values.format}"; expected auto|${FORMATS.join('|')}`);
  const unit = values['rate-unit'];
  if (unit !== undefined && unit !== 'percent' && unit !== 'decimal') throw new InputError(`--rate-unit: found "${unit}"; expected percent or decimal`);
  if (values.tz !== undefined) parseZone(values.tz);
  if (positionals.length === 0) throw new InputError('carry data import: give at least one FILE. Try: carry data import --help');
  const { config } = startApp({ configFile: values.config, overrides: {}, command: 'data' });
  const store = HistoryStore.open(values.db ?? config.history.path);
  const summaries: Summary[] = [];
  try {
    for (const file of positionals) {
      const opts: ParseOptions = { file: basename(file), venue: values.venue, symbol: values.symbol, tz: values.tz, rateUnit: unit };
      try {
        let content: string;
        try {
          content = readFileSync(file, 'utf8');
        } catch (e) {
          throw new InputError(`${file}: cannot read: ${(e as Error).message}`);
        }
        const p = parseHistory(content, format, opts);
        const skips = p.problems.filter((x) => x.kind === 'skip');
        const notes = p.problems.filter((x) => x.kind === 'note');
        if (values.strict && p.problems.length > 0) {
          const f = p.problems[0]!;
          throw new InputError(`${opts.file}: --strict: ${p.problems.length} problem(s), first on line ${f.line}: ${f.reason}: ${f.message}. Nothing imported.`);
        }
        const report = { skipped: group(skips), reported: group(notes), notes: p.notes };
        const o = store.insert(
          { file: file, format: p.format, options: { format, venue: values.venue, symbol: values.symbol, tz: values.tz, rateUnit: unit, strict: values.strict }, rowsRead: p.read, report },
          p.rows,
          { refuseConflicts: values.strict },
        );
        if (o.importId === -1) {
          throw new InputError(`${opts.file}: --strict: ${o.conflicts.length} row(s) conflict with the store, first on line ${o.conflicts[0]!.line}. Nothing imported.`);
        }
        const series = new Map<string, { venue: string; symbol: string; rows: number; from: number; to: number }>();
        for (const r of p.rows) {
          const k = `${r.venue} ${r.symbol}`;
          const s = series.get(k);
          if (s) {
            s.rows++;
            s.from = Math.min(s.from, r.ts);
            s.to = Math.max(s.to, r.ts);
          } else series.set(k, { venue: r.venue, symbol: r.symbol, rows: 1, from: r.ts, to: r.ts });
        }
        summaries.push({
          file,
          status: 'imported',
          format: p.format,
          chosen: p.chosen,
          series: [...series.values()].map((s) => ({ ...s, from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString() })),
          read: p.read,
          imported: o.imported,
          alreadyStored: o.duplicates,
          conflicts: { count: o.conflicts.length, lines: o.conflicts.slice(0, FIRST_LINES).map((x) => x.line) },
          skipped: report.skipped,
          reported: report.reported,
          notes: p.notes,
        });
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        summaries.push({ file, status: 'refused', error: e.message });
      }
    }
  } finally {
    store.close();
  }
  if (values.json) io.out(JSON.stringify({ db: store.path, files: summaries }, null, 2) + '\n');
  else for (const s of summaries) (s.status === 'refused' ? io.err : io.out)(text(s));
  return summaries.some((s) => s.status === 'refused') ? EXIT.badInput : EXIT.ok;
}
