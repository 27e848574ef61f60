/**
 * The ranker's result as columns, with Opportunity objects built on demand.
 *
 * Why: a full Opportunity is three objects with ~22 boxed numbers (the row and two LegQuotes),
 * ~900 bytes; for 3,000 rows that was 2.7 MB of garbage per rank, most of it for rows nobody
 * reads. It is the scan's OpportunityList (src/engine/scanner.ts): `carry scan` builds the rows
 * it prints (--top), the ledger the top 5; the paper strategy's decide() still reads them all.
 * Ranking writes each row's numbers into typed arrays instead, one buffer per call, and at()
 * builds the Opportunity of a rank when it is asked for, from the same numbers with the same
 * arithmetic, so it is equal, field for field and bit for bit, whenever it is built.
 *
 * Immutable once returned by the ranker (which fills it), and holds no scratch state shared with
 * other calls: a RankedRows stays valid after later ranks.
 */
import type { FundingSnapshot, SkippedItem } from '../../src/domain/market.js';
import type { LegQuote, Opportunity, OpportunityStatus } from '../../src/domain/opportunity.js';
import { BOOK_PROBLEMS, slippageBps } from '../../src/pricing/depth.js';
import { grossApr } from './assess.js';
import type { PairRow } from './pair-table.js';
import { reasonTexts } from './reasons.js';

/** Row flags: which of the row's nullable numbers are known. */
export const ROW = {
  reverse: 1 << 0,
  /** The leg was priced: its LegQuote exists. */
  spotQuote: 1 << 1,
  perpQuote: 1 << 2,
  maxNotional: 1 << 3,
  roundTrip: 1 << 4,
  borrowCost: 1 << 5,
  /** netReturnHold and netApr. */
  net: 1 << 6,
  breakEven: 1 << 7,
  volume: 1 << 8,
} as const;

/**
 * Leg flags. A leg of a priceable pair is missing (no `book`), unusable (`book` and a problem
 * code, reasons.ts problemCode, above the flags) or priced (`book`, no problem).
 */
export const LEG = {
  book: 1 << 0,
  entryComplete: 1 << 1,
  exitComplete: 1 << 2,
  bookLimited: 1 << 3,
  problemShift: 4,
} as const;

// A leg's flags are one byte: the problem codes must fit above LEG.problemShift.
if (Object.keys(BOOK_PROBLEMS).length >= 1 << (8 - LEG.problemShift)) throw new Error('too many book problems for a leg flag byte');

export const STATUS_CODE: Readonly<Record<OpportunityStatus, number>> = { ok: 0, needs_borrow: 1, filtered: 2 };
const STATUS_OF: readonly OpportunityStatus[] = ['ok', 'needs_borrow', 'filtered'];

/**
 * Entry + exit fees and slippage of one leg as a fraction of notional, from its VWAPs: shared by
 * ranking (for the net APR it sorts on) and at() (for the LegQuote), so both give the same bits.
 */
export function legCost(takerFee: number, buy: boolean, entryVwap: number, exitVwap: number, mid: number): number {
  return 2 * takerFee + (slippageBps(buy ? 'buy' : 'sell', entryVwap, mid) + slippageBps(buy ? 'sell' : 'buy', exitVwap, mid)) / 1e4;
}

/** Float64 columns per row, then per leg (two legs per row). */
const ROW_F64 = 9;
const LEG_F64 = 4;

/** Columns filled by rankRows (rank.ts) before it returns them; read with at(), slice(), status(). */
export class RankedRows {
  /** Ranked rows (the valid funding rows), best first: order[r] is the funding row at rank r. */
  length = 0;
  readonly order: Int32Array;

  // Per funding row i.
  /** Sort group: status code × 2 + (net APR unknown ? 1 : 0); status first, known net APRs first. */
  readonly group: Uint8Array;
  readonly flags: Uint16Array;
  /** Reason mask (reasons.ts). */
  readonly reasons: Uint32Array;
  /** Net APR; 0 when unknown (ROW.net), so rows without one tie on it and sort on gross. */
  readonly netApr: Float64Array;
  /** |gross APR|, the second sort key. */
  readonly absGrossApr: Float64Array;
  readonly roundTrip: Float64Array;
  readonly netReturn: Float64Array;
  readonly breakEven: Float64Array;
  readonly maxNotional: Float64Array;
  readonly borrowCost: Float64Array;
  readonly volume: Float64Array;
  readonly dataAge: Float64Array;
  readonly pair: (PairRow | null)[];

  // Per leg, 2i (spot) and 2i + 1 (perp), for priced legs (ROW.spotQuote / ROW.perpQuote).
  readonly legFlags: Uint8Array;
  readonly mid: Float64Array;
  readonly entryVwap: Float64Array;
  readonly exitVwap: Float64Array;
  readonly legMax: Float64Array;

  readonly funding: readonly FundingSnapshot[];

  constructor(
    funding: readonly FundingSnapshot[],
    /** Target notional the rows were priced at. */
    readonly notional: number,
    readonly skipped: SkippedItem[] = [],
  ) {
    // Rows are built from `funding` when read, maybe long after ranking: keep the rows as ranked
    // even if the caller's array is later reordered or reused.
    this.funding = funding.slice();
    const n = funding.length;
    // One buffer for every column: one allocation per rank instead of one per column.
    const buf = new ArrayBuffer(n * (8 * (ROW_F64 + 2 * LEG_F64) + 4 + 4 + 2 + 1 + 2));
    let at = 0;
    const f64 = (len: number) => {
      const a = new Float64Array(buf, at, len);
      at += 8 * len;
      return a;
    };
    this.netApr = f64(n);
    this.absGrossApr = f64(n);
    this.roundTrip = f64(n);
    this.netReturn = f64(n);
    this.breakEven = f64(n);
    this.maxNotional = f64(n);
    this.borrowCost = f64(n);
    this.volume = f64(n);
    this.dataAge = f64(n);
    this.mid = f64(2 * n);
    this.entryVwap = f64(2 * n);
    this.exitVwap = f64(2 * n);
    this.legMax = f64(2 * n);
    this.order = new Int32Array(buf, at, n);
    at += 4 * n;
    this.reasons = new Uint32Array(buf, at, n);
    at += 4 * n;
    this.flags = new Uint16Array(buf, at, n);
    at += 2 * n;
    this.group = new Uint8Array(buf, at, n);
    at += n;
    this.legFlags = new Uint8Array(buf, at, 2 * n);
    this.pair = new Array<PairRow | null>(n).fill(null);
  }

  /** Status of the row at rank r. */
  status(r: number): OpportunityStatus {
    return STATUS_OF[(this.group[this.row(r)] as number) >> 1] as OpportunityStatus;
  }

  /** The Opportunity at rank r (0-based), built on each call. */
  at(r: number): Opportunity {
    return this.build(this.row(r));
  }

  /** Opportunities of ranks [from, to), as Array#slice gives them from the full list (negative counts from the end). */
  slice(from = 0, to = this.length): Opportunity[] {
    const n = this.length;
    const at = (x: number) => {
      const i = Math.trunc(x) || 0;
      return i < 0 ? Math.max(0, n + i) : Math.min(i, n);
    };
    const lo = at(from);
    const hi = Math.max(lo, at(to));
    const out = new Array<Opportunity>(hi - lo);
    for (let r = lo; r < hi; r++) out[r - lo] = this.build(this.order[r] as number);
    return out;
  }

  private row(r: number): number {
    if (!(Number.isInteger(r) && r >= 0 && r < this.length)) throw new RangeError(`no rank ${r} among ${this.length} rows`);
    return this.order[r] as number;
  }

  private legQuote(leg: number, symbol: string, takerFee: number, buy: boolean): LegQuote {
    const flags = this.legFlags[leg] as number;
    const mid = this.mid[leg] as number;
    const side = buy ? 'buy' : 'sell';
    const exitSide = buy ? 'sell' : 'buy';
    const entryVwap = (flags & LEG.entryComplete) !== 0 ? (this.entryVwap[leg] as number) : null;
    const exitVwap = (flags & LEG.exitComplete) !== 0 ? (this.exitVwap[leg] as number) : null;
    return {
      symbol,
      side,
      entryVwap,
      exitVwap,
      mid,
      entrySlippageBps: entryVwap === null ? null : slippageBps(side, entryVwap, mid),
      exitSlippageBps: exitVwap === null ? null : slippageBps(exitSide, exitVwap, mid),
      takerFee,
      maxNotional: this.legMax[leg] as number,
      maxNotionalBookLimited: (flags & LEG.bookLimited) !== 0,
    };
  }

  private build(i: number): Opportunity {
    const f = this.funding[i] as FundingSnapshot;
    const row = this.pair[i] ?? null;
    const flags = this.flags[i] as number;
    const known = (bit: number, column: Float64Array): number | null => ((flags & bit) !== 0 ? (column[i] as number) : null);
    const reverse = (flags & ROW.reverse) !== 0;
    const spot = row !== null && (flags & ROW.spotQuote) !== 0 ? this.legQuote(2 * i, row.spotSymbol as string, row.spotTaker, !reverse) : null;
    const perp = row !== null && (flags & ROW.perpQuote) !== 0 ? this.legQuote(2 * i + 1, row.perpSymbol, row.perpTaker, reverse) : null;
    const problem = (leg: number) => (this.legFlags[leg] as number) >> LEG.problemShift;
    return {
      venue: f.venue,
      base: f.base,
      quote: f.quote,
      perpSymbol: f.symbol,
      spotSymbol: row?.spotSymbol ?? null,
      direction: reverse ? 'reverse' : 'carry',
      settlement: f.settlement,
      contractSize: f.contractSize,
      rate: f.rate,
      rateKind: f.rateKind,
      intervalHours: f.intervalHours,
      continuous: f.continuous,
      grossApr: grossApr(f),
      notional: this.notional,
      spot,
      perp,
      roundTripCost: known(ROW.roundTrip, this.roundTrip),
      borrowCost: known(ROW.borrowCost, this.borrowCost),
      netReturnHold: known(ROW.net, this.netReturn),
      netApr: known(ROW.net, this.netApr),
      breakEvenHours: known(ROW.breakEven, this.breakEven),
      maxNotional: known(ROW.maxNotional, this.maxNotional),
      nextFundingTime: f.nextFundingTime,
      quoteVolume24h: known(ROW.volume, this.volume),
      dataAgeMs: this.dataAge[i] as number,
      status: STATUS_OF[(this.group[i] as number) >> 1] as OpportunityStatus,
      reasons: reasonTexts(this.reasons[i] as number, problem(2 * i), problem(2 * i + 1)),
    };
  }
}
