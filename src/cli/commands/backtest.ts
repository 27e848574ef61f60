/**
 * `carry backtest --data FILE`: the same scanner, strategy, engine and SimExecution as paper,
 * over a funding history read from a plain CSV (src/backtest/history-csv.ts) under a simulated
 * clock (src/app/backtest-run.ts). Results are the `carry pnl` projection of the backtest's
 * ledger (pnlReport), plus what only a run has: the equity curve's drawdown, time in market,
 * trades. docs/backtest.md.
 */
import { readFileSync, existsSync } from 'node:fs';
import { startApp, carryVersion } from '../../app/context.js';
import { startBacktest } from '../../app/backtest-run.js';
import { parseHistoryCsv, parseTimestamp } from '../../backtest/history-csv.js';
import type { HistoryRow } from '../../backtest/history-source.js';
import { detectFormat, parseHistory } from '../../history/import/index.js';
import { InMemoryHistory } from '../../backtest/history-source.js';
import { InputError } from '../../domain/errors.js';
import { CHECKPOINT_KEY, type EngineCheckpoint } from '../../engine/engine.js';
import { Ledger } from '../../store/ledger.js';
import type { EquitySnapshotRow, WalletEntryRow } from '../../store/rows.js';
import { parseFlags } from '../args.js';
import { EXIT, type CommandIO } from '../exit.js';
import { pnlSummaryText, pnlTable } from '../report-output.js';
import { pnlReport } from './reports.js';

export const BACKTEST_HELP = `carry backtest — run the strategy over a funding history (docs/backtest.md)

  --data FILE          CSV: exchange,symbol,timestamp,funding_rate[,mark_price,index_price,spot_price,interval_hours]
                       (timestamps ISO 8601 with a zone, or epoch ms; rates decimal per interval),
                       or any file carry data import reads (BitMEX /funding, Tardis, Binance export, ccxt JSON)
  --from ISO           clock start (default: the first settlement in the file)
  --to ISO             clock end (default: the last settlement in the file)
  --venue V            venue of a file without an exchange column
  --symbol S           unified perp symbol of a file without a symbol column (e.g. BTC/USDT:USDT)
  --tz ZONE            zone of naive timestamps, for the formats carry data import reads
  --db FILE            the backtest's ledger (default: a new file in a temp directory); carry pnl --db reads it
  --json               results as JSON
  --config FILE        user config file (strategy, scan, backtest.depth / backtest.market)

Progress goes to stderr, one line per simulated week (month for runs over half a year).`;

const FLAGS = {
  data: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  venue: { type: 'string' },
  symbol: { type: 'string' },
  tz: { type: 'string' },
  db: { type: 'string' },
  json: { type: 'boolean', default: false },
  config: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;

const DAY_MS = 86_400_000;

function timeFlag(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const t = parseTimestamp(v.trim());
  if (t === 'naive') throw new InputError(`${flag}: "${v}" has no time zone; write it with one, e.g. ${v.trim().replace(' ', 'T')}Z`);
  if (t === null) {
    // A bare date (2023-08-01) is a UTC day.
    if (/^\d{4}-\d{2}-\d{2}$/.test(v.trim())) return Date.parse(`${v.trim()}T00:00:00Z`);
    throw new InputError(`${flag}: found "${v}"; expected ISO 8601 with a zone (2023-08-01T00:00:00Z), a date (UTC) or epoch ms`);
  }
  return t;
}

/** Largest fall of equity from a running peak, in quote and as a fraction of that peak. */
export function maxDrawdown(equity: readonly Pick<EquitySnapshotRow, 'ts' | 'equity'>[]): { readonly amount: number; readonly fraction: number | null; readonly peakAt: number | null; readonly troughAt: number | null } {
  let peak = -Infinity;
  let peakAt: number | null = null;
  let best = { amount: 0, fraction: (equity.length > 0 ? 0 : null) as number | null, peakAt: null as number | null, troughAt: null as number | null };
  for (const s of equity) {
    if (s.equity > peak) {
      peak = s.equity;
      peakAt = s.ts;
    }
    const dd = peak - s.equity;
    if (dd > best.amount) best = { amount: dd, fraction: peak > 0 ? dd / peak : null, peakAt, troughAt: s.ts };
  }
  return best;
}

/** Share of [from, to] with at least one position holding a leg (union of first fill .. flat). */
export function timeInMarket(spans: readonly { readonly openedAt: number | null; readonly closedAt: number | null }[], from: number, to: number): number {
  const iv = spans
    .filter((s): s is { openedAt: number; closedAt: number | null } => s.openedAt !== null)
    .map((s) => [Math.max(from, s.openedAt), Math.min(to, s.closedAt ?? to)] as const)
    .filter(([a, b]) => b > a)
    .sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let end = -Infinity;
  for (const [a, b] of iv) {
    if (a > end) {
      covered += b - a;
      end = b;
    } else if (b > end) {
      covered += b - end;
      end = b;
    }
  }
  return to > from ? covered / (to - from) : 0;
}

function startingCapital(entries: readonly WalletEntryRow[]): number {
  // Paper wallets start in a stable quote (paper.startingCurrency): counted 1:1, as in equity.
  return entries.filter((e) => e.reason === 'deposit' && ['USDT', 'USDC', 'USD'].includes(e.currency)).reduce((s, e) => s + e.amount, 0);
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);
const money = (x: number | null) => (x === null ? '—' : x.toFixed(2));

/**
 * The plain backtest CSV as it is; any other format `carry data import` reads (BitMEX's own
 * funding file, Tardis, Binance's export, ccxt JSON, ...) through the same importer, with its
 * detection said on stderr. BitMEX fixed each rate one interval before it settled: its rows are
 * read as announced then (docs/backtest.md), every other source as settled-only.
 */
function loadHistory(
  text: string,
  file: string,
  flags: { readonly venue?: string | undefined; readonly symbol?: string | undefined; readonly tz?: string | undefined },
  io: CommandIO,
): { readonly rows: readonly HistoryRow[]; readonly malformed: readonly { readonly line: number; readonly reason: string }[]; readonly announced: boolean } {
  const format = detectFormat(text);
  if (format === null || format.format === 'csv') {
    return { ...parseHistoryCsv(text, { venue: flags.venue, symbol: flags.symbol, source: `--data ${file}` }), announced: false };
  }
  const p = parseHistory(text, 'auto', { file, venue: flags.venue, symbol: flags.symbol, tz: flags.tz });
  io.err(`carry backtest: --data ${file}: ${p.format} (${p.chosen})\n`);
  for (const n of p.notes) io.err(`carry backtest: note: ${n}\n`);
  const rows: HistoryRow[] = p.rows.map((r) => ({
    venue: r.venue,
    symbol: r.symbol,
    ts: r.ts,
    rate: r.rate,
    intervalHours: r.intervalHours,
    ...(r.markPrice === null ? {} : { markPrice: r.markPrice }),
    ...(r.indexPrice === null ? {} : { indexPrice: r.indexPrice }),
    ...(r.spotPrice === null ? {} : { spotPrice: r.spotPrice }),
  }));
  const malformed = p.problems.filter((x) => x.kind === 'skip').map((x) => ({ line: x.line, reason: x.message }));
  return { rows, malformed, announced: p.format === 'bitmex' };
}

export async function backtestCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { values } = parseFlags(argv, FLAGS, 'backtest');
  if (values.help) return io.out(BACKTEST_HELP + '\n'), EXIT.ok;
  if (values.data === undefined) throw new InputError('carry backtest: --data FILE is required (a funding-history CSV). Try: carry backtest --help');
  if (!existsSync(values.data)) throw new InputError(`carry backtest: --data ${values.data}: no such file`);
  if (values.db !== undefined && existsSync(values.db)) {
    throw new InputError(`carry backtest: --db ${values.db} exists; a backtest writes a new ledger (remove it or pick another path)`);
  }
  const { config } = startApp({ configFile: values.config, command: 'backtest' });
  const parsed = loadHistory(readFileSync(values.data, 'utf8'), values.data, values, io);
  for (const m of parsed.malformed) io.err(`carry backtest: --data ${values.data} line ${m.line}: ${m.reason}; skipped\n`);
  if (parsed.rows.length === 0) throw new InputError(`carry backtest: --data ${values.data}: no usable row${parsed.malformed.length ? ` (${parsed.malformed.length} malformed)` : ''}`);
  // A reduce, not Math.min(...rows): years of hourly rows overflow a spread's argument list.
  const first = parsed.rows.reduce((m, r) => Math.min(m, r.ts), Infinity);
  const last = parsed.rows.reduce((m, r) => Math.max(m, r.ts), -Infinity);
  const from = timeFlag(values.from, '--from') ?? first;
  const to = timeFlag(values.to, '--to') ?? last;
  if (!(from < to)) throw new InputError(`carry backtest: --from ${iso(from)} must be before --to ${iso(to)}`);
  const history = new InMemoryHistory(parsed.rows, { announcedOneIntervalAhead: parsed.announced });

  const step = to - from > 183 * DAY_MS ? 'month' : 'week';
  const nextMark = (t: number): number => {
    if (step === 'week') return from + (Math.floor((t - from) / (7 * DAY_MS)) + 1) * 7 * DAY_MS;
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  };
  let mark = to - from > 7 * DAY_MS ? nextMark(from) : Infinity;
  const bt = await startBacktest({
    config,
    history,
    from,
    to,
    dbPath: values.db,
    onProgress: ({ at, fraction }) => {
      if (at < mark) return;
      io.err(`carry backtest: ${iso(at)} ${(fraction * 100).toFixed(0).padStart(3)}%\n`);
      mark = nextMark(at);
    },
  });
  const result = await bt.done;

  const ledger = Ledger.open(result.dbPath, { mode: 'paper', readonly: true, carryVersion: carryVersion() });
  try {
    const cp = ledger.checkpoint<EngineCheckpoint>(CHECKPOINT_KEY)?.value ?? null;
    const { now, totals, positions, balances } = pnlReport(ledger, cp);
    const capital = startingCapital(ledger.walletEntries());
    const equity = ledger.equitySnapshots();
    const dd = maxDrawdown(equity);
    const trades = ledger.fills().length;
    const inMarket = timeInMarket(positions, from, to);
    const summary = {
      data: values.data,
      rows: parsed.rows.length,
      malformed: parsed.malformed.length,
      from,
      to,
      at: now,
      db: result.dbPath,
      startingCapital: capital,
      totalReturn: totals.net !== null && capital > 0 ? totals.net / capital : null,
      net: totals.net,
      funding: totals.funding,
      fees: totals.fees,
      trades,
      positions: totals.positions,
      timeInMarket: inMarket,
      maxDrawdown: dd,
      finalEquity: equity.length > 0 ? (equity[equity.length - 1] as EquitySnapshotRow).equity : null,
    };
    if (values.json) {
      io.out(JSON.stringify({ ...summary, totals, positions: positions, balances }, null, 2) + '\n');
    } else {
      io.out(`backtest ${iso(from)} .. ${iso(to)} on ${values.data} (${parsed.rows.length} rows${parsed.malformed.length ? `, ${parsed.malformed.length} malformed skipped` : ''})\n`);
      io.out(`ledger ${result.dbPath} (carry pnl --db ${result.dbPath})\n`);
      io.out(
        `total return ${pct(summary.totalReturn)} on ${money(capital)}   funding ${money(totals.funding)}   fees ${money(-totals.fees)}   trades ${trades} (${totals.positions} positions)   time in market ${pct(inMarket)}   max drawdown ${money(-dd.amount)} (${pct(dd.fraction === null ? null : -dd.fraction)})\n`,
      );
      io.out(pnlSummaryText(totals));
      io.out(pnlTable(positions));
    }
    return EXIT.ok;
  } finally {
    ledger.close();
  }
}
