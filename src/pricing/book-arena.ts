/**
 * All order books of one scan packed into one Float64Array and addressed by market: the form
 * the ranker reads books in (strategies/spot-perp-carry/rank.ts).
 *
 * Why: ranking thousands of books per scan is bound by memory reads, not arithmetic. As separate
 * OrderBook objects in a Map keyed `${venue}|${symbol}`, each leg first cost a string-keyed
 * lookup and a few objects before its first level, and the levels a scan reads (the top of each
 * side: on bench/rank.ts, 59% of entry walks, to 10k notional and the slippage cap, and 99% of
 * exit walks end within 16 levels) were scattered across all the depth it did not read. Here:
 * - a leg is found with one read of an Int32Array indexed by the market's position in its
 *   venue's markets array, which pairing already knows;
 * - the top `headLevels` levels of both sides of every book sit together at the front of the
 *   buffer, book after book in the order given (the ranker's reading order), so the walks read
 *   one dense, mostly sequential stream; deeper levels (the tail) follow after all the heads and
 *   are read only by walks that go past the head. On bench/rank.ts (3,000 pairs, 200 levels) the
 *   heads are 3 MB of the 38 MB.
 *
 * Packed once per scan where the books are fetched (the scanner, after the book requests), like
 * the normaliser's packing of each book's levels: outside ranking. OrderBook objects stay the
 * currency everywhere else.
 */
import type { BookLevel, BookSide, Market, OrderBook, ReadonlyFloat64Array, VenueId } from '../domain/market.js';
import { checkLevelsInto, newLevelCheck } from './depth.js';

/** Levels per side kept at the front of the arena (the head); see above. */
export const HEAD_LEVELS = 16;

/** One venue's books, addressed by position in the venue's markets array. */
export interface VenueBooks {
  /** The markets array the addressing refers to (by identity: positions are only valid for it). */
  readonly markets: readonly Market[];
  /** Book index of markets[j], or -1 when the scan has no book for it. */
  readonly bookOf: Int32Array;
}

/**
 * Book b's bids are bidCount[b] levels: the first bidHead[b] of them from levels[bidsAt[b]],
 * the rest from levels[bidsTailAt[b]]; its asks likewise. Each span is packed as a BookSide is
 * ([p0, a0, p1, a1, …], best first) and the levels are copied unchanged. A non-empty side always
 * has its best level in the head.
 *
 * Each side's levels are checked once, here, as the walks would check them as they read
 * (checkLevelsInto, for a taker selling into the bids and buying from the asks): bidValid[b]
 * levels from the top pass, and bidStop[b] says why the next does not (null: all pass). Walks
 * over those levels (walkLevelsInto, walkWithMaxLevelsInto) then give bit for bit what the
 * checking walks give over the OrderBook.
 */
export interface BookArena {
  readonly levels: ReadonlyFloat64Array;
  readonly count: number;
  readonly bidsAt: Int32Array;
  readonly bidHead: Int32Array;
  readonly bidsTailAt: Int32Array;
  readonly bidCount: Int32Array;
  readonly bidValid: Int32Array;
  readonly bidStop: readonly (string | null)[];
  readonly asksAt: Int32Array;
  readonly askHead: Int32Array;
  readonly asksTailAt: Int32Array;
  readonly askCount: Int32Array;
  readonly askValid: Int32Array;
  readonly askStop: readonly (string | null)[];
  readonly receivedAt: Float64Array;
  /** The book's eventTime, NaN for null (a venue timestamp is a positive integer when present). */
  readonly eventTime: Float64Array;
  readonly venue: readonly VenueId[];
  readonly symbol: readonly string[];
  readonly byVenue: ReadonlyMap<VenueId, VenueBooks>;
}

/**
 * Packs `books` into one arena, addressed through `markets` (the markets per venue the books will
 * be ranked with). Books are laid out in the order given, which should be the order they will be
 * read in; a later book for the same venue and symbol replaces an earlier one in its place (as
 * Map.set would). A book whose venue has no markets, or whose symbol is none of them, cannot be
 * addressed and is left out: the ranker only looks up books of loaded markets. Every market with
 * a book's symbol points at it. `headLevels` (>= 1): levels per side at the front.
 */
export function packBooks(
  markets: ReadonlyMap<VenueId, readonly Market[]>,
  books: Iterable<OrderBook>,
  headLevels = HEAD_LEVELS,
): BookArena {
  if (!(Number.isInteger(headLevels) && headLevels >= 1)) throw new RangeError(`headLevels must be an integer >= 1, got ${headLevels}`);
  const listed = new Map<VenueId, Set<string>>();
  for (const [venue, ms] of markets) listed.set(venue, new Set(ms.map((m) => m.symbol)));

  // Addressable books, latest per venue and symbol, at the place of the first.
  const idOf = new Map<VenueId, Map<string, number>>();
  const kept: OrderBook[] = [];
  for (const b of books) {
    if (listed.get(b.venue)?.has(b.symbol) !== true) continue;
    let ids = idOf.get(b.venue);
    if (ids === undefined) {
      ids = new Map();
      idOf.set(b.venue, ids);
    }
    const id = ids.get(b.symbol);
    if (id === undefined) {
      ids.set(b.symbol, kept.length);
      kept.push(b);
    } else kept[id] = b;
  }

  const byVenue = new Map<VenueId, VenueBooks>();
  for (const [venue, ms] of markets) {
    const ids = idOf.get(venue);
    const bookOf = new Int32Array(ms.length).fill(-1);
    if (ids !== undefined) for (let j = 0; j < ms.length; j++) bookOf[j] = ids.get((ms[j] as Market).symbol) ?? -1;
    byVenue.set(venue, { markets: ms, bookOf });
  }

  const n = kept.length;
  let total = 0;
  for (const b of kept) total += 2 * (b.bids.length + b.asks.length);
  const levels = new Float64Array(total);
  const bidsAt = new Int32Array(n);
  const bidHead = new Int32Array(n);
  const bidsTailAt = new Int32Array(n);
  const bidCount = new Int32Array(n);
  const asksAt = new Int32Array(n);
  const askHead = new Int32Array(n);
  const asksTailAt = new Int32Array(n);
  const askCount = new Int32Array(n);
  const bidValid = new Int32Array(n);
  const askValid = new Int32Array(n);
  const bidStop: (string | null)[] = new Array<string | null>(n).fill(null);
  const askStop: (string | null)[] = new Array<string | null>(n).fill(null);
  const check = newLevelCheck();
  const receivedAt = new Float64Array(n);
  const eventTime = new Float64Array(n);
  const venue: VenueId[] = new Array<VenueId>(n);
  const symbol: string[] = new Array<string>(n);
  // Heads first, book after book; then the tails, in the same order.
  let at = 0;
  for (let s = 0; s < n; s++) {
    const b = kept[s] as OrderBook;
    bidCount[s] = b.bids.length;
    bidHead[s] = Math.min(headLevels, b.bids.length);
    bidsAt[s] = at;
    at = copyLevels(b.bids, 0, bidHead[s] as number, levels, at);
    askCount[s] = b.asks.length;
    askHead[s] = Math.min(headLevels, b.asks.length);
    asksAt[s] = at;
    at = copyLevels(b.asks, 0, askHead[s] as number, levels, at);
    checkLevelsInto(check, b.bids.levels, 0, b.bids.length, false);
    bidValid[s] = check.valid;
    bidStop[s] = check.problem;
    checkLevelsInto(check, b.asks.levels, 0, b.asks.length, true);
    askValid[s] = check.valid;
    askStop[s] = check.problem;
    receivedAt[s] = b.receivedAt;
    eventTime[s] = b.eventTime ?? Number.NaN;
    venue[s] = b.venue;
    symbol[s] = b.symbol;
  }
  for (let s = 0; s < n; s++) {
    const b = kept[s] as OrderBook;
    bidsTailAt[s] = at;
    at = copyLevels(b.bids, bidHead[s] as number, b.bids.length, levels, at);
    asksTailAt[s] = at;
    at = copyLevels(b.asks, askHead[s] as number, b.asks.length, levels, at);
  }
  return {
    levels,
    count: n,
    bidsAt,
    bidHead,
    bidsTailAt,
    bidCount,
    bidValid,
    bidStop,
    asksAt,
    askHead,
    asksTailAt,
    askCount,
    askValid,
    askStop,
    receivedAt,
    eventTime,
    venue,
    symbol,
    byVenue,
  };
}

/** Copies levels [from, to) of `side` into `into` at `at`; returns the index after them. */
function copyLevels(side: BookSide, from: number, to: number, into: Float64Array, at: number): number {
  const src = side.levels;
  let k = at;
  for (let i = 2 * from; i < 2 * to; i++) into[k++] = src[i] as number;
  return k;
}

function sideOf(arena: BookArena, at: number, head: number, tailAt: number, count: number): BookLevel[] {
  const lv = arena.levels;
  const out: BookLevel[] = [];
  for (let i = 0; i < count; i++) {
    const j = i < head ? at + 2 * i : tailAt + 2 * (i - head);
    out.push([lv[j] as number, lv[j + 1] as number]);
  }
  return out;
}

/** Book b's sides back as [price, amount] levels, best first, with its times (for tests and tools). */
export function arenaBookLevels(
  arena: BookArena,
  b: number,
): { venue: VenueId; symbol: string; bids: BookLevel[]; asks: BookLevel[]; eventTime: number | null; receivedAt: number } {
  if (!(Number.isInteger(b) && b >= 0 && b < arena.count)) throw new RangeError(`no book ${b} in an arena of ${arena.count}`);
  const eventTime = arena.eventTime[b] as number;
  return {
    venue: arena.venue[b] as VenueId,
    symbol: arena.symbol[b] as string,
    bids: sideOf(arena, arena.bidsAt[b] as number, arena.bidHead[b] as number, arena.bidsTailAt[b] as number, arena.bidCount[b] as number),
    asks: sideOf(arena, arena.asksAt[b] as number, arena.askHead[b] as number, arena.asksTailAt[b] as number, arena.askCount[b] as number),
    eventTime: Number.isNaN(eventTime) ? null : eventTime,
    receivedAt: arena.receivedAt[b] as number,
  };
}
