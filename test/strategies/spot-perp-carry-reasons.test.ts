/**
 * Reason masks read back as texts in the order the ranker's checks run, whatever order the bits
 * were set in: the same list collecting the texts one by one gave.
 */
import { describe, expect, it } from 'vitest';
import { BOOK_PROBLEMS } from '../../src/pricing/depth.js';
import { PAIR_REASONS } from '../../strategies/spot-perp-carry/pairs.js';
import { pairReasonBit, problemCode, problemText, RANK_REASONS, REASON, reasonTexts } from '../../strategies/spot-perp-carry/reasons.js';

const R = RANK_REASONS;

describe('reasonTexts', () => {
  it.each([
    { name: 'none', mask: 0, texts: [] },
    { name: 'one', mask: REASON.lowNetApr, texts: [R.lowNetApr] },
    { name: 'check order, not bit-setting order', mask: REASON.thin | REASON.closedVenue | REASON.lowVolume, texts: [R.closedVenue, R.lowVolume, R.thin] },
    { name: 'stale from funding and ticker', mask: REASON.stale | REASON.missingPerpBook, texts: [R.stale, R.missingPerpBook] },
    { name: 'stale once the books are counted: after the book reasons', mask: REASON.staleBooks | REASON.missingPerpBook | REASON.thinExit, texts: [R.missingPerpBook, R.stale, R.thinExit] },
    { name: 'pairing reason between market and direction checks', mask: pairReasonBit(PAIR_REASONS.noSpot) | REASON.perpUnknown | REASON.reverseDisabled, texts: [R.perpUnknown, R.noSpot, R.reverseDisabled] },
    { name: 'borrow then volume', mask: REASON.volumeUnknown | REASON.notBorrowable, texts: [R.notBorrowable, R.volumeUnknown] },
    {
      name: 'unusable books name their problem, spot before perp',
      mask: REASON.perpUnusable | REASON.spotUnusable,
      spot: problemCode(BOOK_PROBLEMS.crossed),
      perp: problemCode(BOOK_PROBLEMS.unsorted),
      texts: [`spot book unusable: ${BOOK_PROBLEMS.crossed}`, `perp book unusable: ${BOOK_PROBLEMS.unsorted}`],
    },
  ])('$name', ({ mask, spot, perp, texts }) => {
    expect(reasonTexts(mask, spot ?? 0, perp ?? 0)).toEqual(texts);
  });

  it('every reason has its own bit, within 31 bits', () => {
    const bits = [...Object.values(REASON), ...Object.values(PAIR_REASONS).map(pairReasonBit)];
    expect(new Set(bits).size).toBe(bits.length);
    for (const b of bits) expect(b > 0 && b < 2 ** 31 && (b & (b - 1)) === 0).toBe(true);
  });

  it('every pairing reason reads back as itself', () => {
    for (const text of Object.values(PAIR_REASONS)) expect(reasonTexts(pairReasonBit(text), 0, 0)).toEqual([text]);
    expect(() => pairReasonBit('no such reason')).toThrow();
  });

  it('book problems round-trip through their codes; 0 is none', () => {
    for (const text of Object.values(BOOK_PROBLEMS)) {
      expect(problemCode(text)).toBeGreaterThan(0);
      expect(problemText(problemCode(text))).toBe(text);
    }
    expect(() => problemText(0)).toThrow(RangeError);
    expect(() => problemCode('no such problem')).toThrow();
  });
});
