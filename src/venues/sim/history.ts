/** Settlement schedules for funding-rate history (discrete-interval venues). */
import { HOUR_MS } from './dynamics.js';

/**
 * Settlement instants of an `hours` interval (aligned to 00:00 UTC) in [fromMs, toMs],
 * ascending. Settlements at or before `originMs` are left out: the world has no quote
 * before its origin, so it has nothing to have settled.
 */
export function settlementTimes(hours: number, fromMs: number, toMs: number, originMs: number): number[] {
  const ms = hours * HOUR_MS;
  const first = Math.max(Math.ceil(fromMs / ms), Math.floor(originMs / ms) + 1);
  const last = Math.floor(toMs / ms);
  const out: number[] = [];
  for (let k = first; k <= last; k++) out.push(k * ms);
  return out;
}

/** The latest `count` settlements at or before `toMs`, ascending. */
export function latestSettlements(hours: number, toMs: number, count: number, originMs: number): number[] {
  const ms = hours * HOUR_MS;
  const last = Math.floor(toMs / ms);
  const first = Math.max(last - count + 1, Math.floor(originMs / ms) + 1);
  const out: number[] = [];
  for (let k = first; k <= last; k++) out.push(k * ms);
  return out;
}

/**
 * ccxt's filterBySymbolSinceLimit on rows of one symbol sorted ascending: with `since`, the
 * first `limit` rows from it; without, the last `limit` rows.
 */
export function sinceLimit<T extends { timestamp: number }>(rows: T[], since: number | undefined, limit: number | undefined): T[] {
  const kept = since === undefined ? rows : rows.filter((r) => r.timestamp !== 0 && r.timestamp >= since);
  if (limit === undefined) return kept;
  return since === undefined ? kept.slice(Math.max(0, kept.length - limit)) : kept.slice(0, limit);
}
