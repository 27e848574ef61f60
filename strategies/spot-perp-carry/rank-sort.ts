/**
 * The rank order: ok first, then needs_borrow, then filtered; within each, known net APRs
 * first, by net APR descending, then by |gross APR| descending, then by venue and perp symbol;
 * rows equal on all of these keep their funding order (stable).
 */
import type { FundingSnapshot } from '../../src/domain/market.js';
import type { RankedRows } from './ranked-rows.js';

/** Whether funding row i goes after row j. */
function after(rows: RankedRows, i: number, j: number): boolean {
  const { group, netApr, absGrossApr } = rows;
  const gi = group[i] as number;
  const gj = group[j] as number;
  if (gi !== gj) return gi > gj;
  const ni = netApr[i] as number;
  const nj = netApr[j] as number;
  if (ni !== nj) return !(ni > nj);
  const ai = absGrossApr[i] as number;
  const aj = absGrossApr[j] as number;
  if (ai !== aj) return !(ai > aj);
  const fi = rows.funding[i] as FundingSnapshot;
  const fj = rows.funding[j] as FundingSnapshot;
  if (fi.venue !== fj.venue) return fi.venue > fj.venue;
  return fi.symbol > fj.symbol;
}

// Merge buffer, reused: sorting is synchronous and the buffer never leaves this module.
let tmp = new Int32Array(0);

/**
 * Sorts rows.order[0, rows.length) (funding row indices, ascending on entry) into rank order:
 * a stable bottom-up merge sort, runs of 8 by insertion first. Hand-written over the typed key
 * columns because comparator calls from Array#sort cost more than the rest of the sort.
 */
export function sortRows(rows: RankedRows): void {
  const n = rows.length;
  if (tmp.length < n) tmp = new Int32Array(n);
  let src: Int32Array = rows.order;
  let dst: Int32Array = tmp;
  const RUN = 8;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const x = src[i] as number;
      let j = i - 1;
      while (j >= lo && after(rows, src[j] as number, x)) {
        src[j + 1] = src[j] as number;
        j--;
      }
      src[j + 1] = x;
    }
  }
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let a = lo;
      let b = mid;
      let k = lo;
      while (a < mid && b < hi) {
        // Left wins ties: stable.
        if (after(rows, src[a] as number, src[b] as number)) dst[k++] = src[b++] as number;
        else dst[k++] = src[a++] as number;
      }
      while (a < mid) dst[k++] = src[a++] as number;
      while (b < hi) dst[k++] = src[b++] as number;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== rows.order) rows.order.set(src.subarray(0, n));
}
