/**
 * Why a ranked row is not ok: the texts, and the compact form rows keep them in while ranking.
 *
 * A row's reasons are bits of one integer (see REASON), read back as texts in REASON_ORDER,
 * which is the order the ranker's checks run in (venue and pairing, direction and borrow,
 * volume, staleness, books, economics). Each check sets at most one bit of its own, so the texts
 * come out in the order they were found, as when they were collected one by one; only the rows
 * a caller reads pay for the array of strings.
 */
import { BOOK_PROBLEMS } from '../../src/pricing/depth.js';
import { PAIR_REASONS } from './pairs.js';

export const RANK_REASONS = {
  closedVenue: 'venue closed',
  noMarkets: 'markets not loaded for venue',
  perpUnknown: 'perp market not loaded',
  perpInactive: PAIR_REASONS.perpInactive,
  noSpot: PAIR_REASONS.noSpot,
  badContractSize: PAIR_REASONS.badContractSize,
  feeUnknown: PAIR_REASONS.feeUnknown,
  stale: 'stale data',
  volumeUnknown: '24h volume unknown',
  lowVolume: '24h volume below minimum',
  reverseDisabled: 'reverse carry disabled',
  notBorrowable: 'spot cannot be borrowed on venue',
  borrowUnknown: 'borrow rate unknown',
  missingSpotBook: 'missing spot book',
  missingPerpBook: 'missing perp book',
  thin: 'book too thin for notional',
  thinExit: 'book too thin to estimate exit',
  lowNetApr: 'net APR below minimum',
} as const;

/** Stands for `spot book unusable: <problem>` / `perp book unusable: <problem>` (text per leg). */
const SPOT_UNUSABLE = Symbol('spot book unusable');
const PERP_UNUSABLE = Symbol('perp book unusable');

type Slot = string | typeof SPOT_UNUSABLE | typeof PERP_UNUSABLE;

/** Reason texts in the order checks find them; bit i of a reason mask is entry i. */
const REASON_ORDER: readonly Slot[] = [
  RANK_REASONS.closedVenue,
  RANK_REASONS.noMarkets,
  RANK_REASONS.perpUnknown,
  ...Object.values(PAIR_REASONS),
  RANK_REASONS.reverseDisabled,
  RANK_REASONS.notBorrowable,
  RANK_REASONS.borrowUnknown,
  RANK_REASONS.volumeUnknown,
  RANK_REASONS.lowVolume,
  // Staleness is found twice over: from funding and ticker first, then with the books included
  // (never both: the second is only checked when the first did not fire).
  RANK_REASONS.stale,
  RANK_REASONS.missingSpotBook,
  SPOT_UNUSABLE,
  RANK_REASONS.missingPerpBook,
  PERP_UNUSABLE,
  RANK_REASONS.stale,
  RANK_REASONS.thin,
  RANK_REASONS.thinExit,
  RANK_REASONS.lowNetApr,
];

// Masks are 32-bit integers (Uint32Array columns); bit 31 would make `1 << i` negative.
if (REASON_ORDER.length > 31) throw new Error('too many rank reasons for a 31-bit mask');

function bitOf(slot: Slot, nth = 0): number {
  let seen = 0;
  for (let i = 0; i < REASON_ORDER.length; i++) {
    if (REASON_ORDER[i] === slot && seen++ === nth) return 1 << i;
  }
  throw new Error(`no reason slot ${String(slot)}`);
}

/** Bit of each check's reason in a row's reason mask. */
export const REASON = {
  closedVenue: bitOf(RANK_REASONS.closedVenue),
  noMarkets: bitOf(RANK_REASONS.noMarkets),
  perpUnknown: bitOf(RANK_REASONS.perpUnknown),
  reverseDisabled: bitOf(RANK_REASONS.reverseDisabled),
  notBorrowable: bitOf(RANK_REASONS.notBorrowable),
  borrowUnknown: bitOf(RANK_REASONS.borrowUnknown),
  volumeUnknown: bitOf(RANK_REASONS.volumeUnknown),
  lowVolume: bitOf(RANK_REASONS.lowVolume),
  stale: bitOf(RANK_REASONS.stale, 0),
  missingSpotBook: bitOf(RANK_REASONS.missingSpotBook),
  spotUnusable: bitOf(SPOT_UNUSABLE),
  missingPerpBook: bitOf(RANK_REASONS.missingPerpBook),
  perpUnusable: bitOf(PERP_UNUSABLE),
  staleBooks: bitOf(RANK_REASONS.stale, 1),
  thin: bitOf(RANK_REASONS.thin),
  thinExit: bitOf(RANK_REASONS.thinExit),
  lowNetApr: bitOf(RANK_REASONS.lowNetApr),
} as const;

/** Bit of a pairing reason (SpotPerpPair.reason, one of PAIR_REASONS). */
export function pairReasonBit(reason: string): number {
  return bitOf(reason);
}

const PROBLEMS: readonly string[] = Object.values(BOOK_PROBLEMS);

/** A book problem (one of BOOK_PROBLEMS) as a small code, 1-based: 0 is no problem. */
export function problemCode(problem: string): number {
  const i = PROBLEMS.indexOf(problem);
  if (i < 0) throw new Error(`unknown book problem: ${problem}`);
  return i + 1;
}

export function problemText(code: number): string {
  const p = PROBLEMS[code - 1];
  if (p === undefined) throw new RangeError(`no book problem ${code}`);
  return p;
}

const NO_REASONS: readonly string[] = Object.freeze([]);

/**
 * The texts of `mask`, in check order. `spotProblem` / `perpProblem`: problemCode of each leg's
 * book, read only when its unusable bit is set.
 */
export function reasonTexts(mask: number, spotProblem: number, perpProblem: number): readonly string[] {
  if (mask === 0) return NO_REASONS;
  const out: string[] = [];
  for (let i = 0; i < REASON_ORDER.length; i++) {
    if ((mask & (1 << i)) === 0) continue;
    const slot = REASON_ORDER[i] as Slot;
    if (slot === SPOT_UNUSABLE) out.push(`spot book unusable: ${problemText(spotProblem)}`);
    else if (slot === PERP_UNUSABLE) out.push(`perp book unusable: ${problemText(perpProblem)}`);
    else out.push(slot);
  }
  return out;
}
