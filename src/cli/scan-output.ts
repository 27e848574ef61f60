/**
 * What `carry scan` prints: a table for people, `--json` for programs (docs/scan-json.md).
 * The JSON depends only on the scan result, never on where the data came from, so the same
 * market state replayed from a tape prints byte-identical JSON.
 */
import type { Opportunity } from '../domain/opportunity.js';
import type { ScanResult, VenueScanReport } from '../engine/scanner.js';
import { formatCountdown } from '../util/duration.js';
import { renderTable, type Column } from './table.js';

export const SCAN_JSON_SCHEMA = 'carry.scan/1';

export interface ScanView {
  readonly notional: number;
  readonly holdHours: number;
  readonly maxSlippageBps: number;
  readonly top: number;
}

function venueJson(v: VenueScanReport) {
  switch (v.status) {
    case 'ok':
      return {
        venue: v.venue,
        status: v.status,
        perps: v.perps,
        books: v.books,
        bookErrors: v.bookErrors,
        skipped: v.skipped.map((s) => ({ symbol: s.symbol, reason: s.reason })),
      };
    case 'closed':
      return { venue: v.venue, status: v.status, since: v.since, note: v.note };
    case 'unavailable':
      return { venue: v.venue, status: v.status, reason: v.reason };
    case 'error':
      return { venue: v.venue, status: v.status, phase: v.phase, code: v.error.code, action: v.error.action, message: v.error.message };
  }
}

function opportunityJson(o: Opportunity, rank: number, at: number) {
  return {
    rank,
    venue: o.venue,
    base: o.base,
    quote: o.quote,
    perpSymbol: o.perpSymbol,
    spotSymbol: o.spotSymbol,
    direction: o.direction,
    settlement: o.settlement,
    contractSize: o.contractSize,
    rate: o.rate,
    rateKind: o.rateKind,
    intervalHours: o.intervalHours,
    continuous: o.continuous,
    grossApr: o.grossApr,
    notional: o.notional,
    roundTripCost: o.roundTripCost,
    borrowCost: o.borrowCost,
    netReturnHold: o.netReturnHold,
    netApr: o.netApr,
    breakEvenHours: o.breakEvenHours,
    maxNotional: o.maxNotional,
    nextFundingTime: o.nextFundingTime,
    nextFundingInMs: o.nextFundingTime === null ? null : o.nextFundingTime - at,
    quoteVolume24h: o.quoteVolume24h,
    dataAgeMs: o.dataAgeMs,
    status: o.status,
    reasons: o.reasons,
    spot: o.spot,
    perp: o.perp,
  };
}

export function scanJson(result: ScanResult, view: ScanView): string {
  const body = {
    schema: SCAN_JSON_SCHEMA,
    at: result.at,
    atIso: new Date(result.at).toISOString(),
    notional: view.notional,
    holdHours: view.holdHours,
    maxSlippageBps: view.maxSlippageBps,
    venues: result.venues.map(venueJson),
    opportunityCount: result.opportunities.length,
    opportunities: result.opportunities.slice(0, view.top).map((o, i) => opportunityJson(o, i + 1, result.at)),
  };
  return JSON.stringify(body, null, 2) + '\n';
}

const pct = (x: number | null, digits = 2) => (x === null ? '-' : `${(x * 100).toFixed(digits)}%`);
const usd = (x: number | null) => {
  if (x === null) return '-';
  if (x >= 1e6) return `$${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `$${(x / 1e3).toFixed(1)}k`;
  return `$${x.toFixed(0)}`;
};

export function scanTable(result: ScanResult, view: ScanView): string {
  const rows = result.opportunities.slice(0, view.top);
  const cols: Column<Opportunity>[] = [
    { header: 'venue', get: (o) => o.venue, align: 'left' },
    { header: 'symbol', get: (o) => o.perpSymbol, align: 'left' },
    { header: 'side', get: (o) => (o.direction === 'carry' ? 'carry' : 'reverse'), align: 'left' },
    { header: 'int', get: (o) => (o.continuous ? `${o.intervalHours}h~` : `${o.intervalHours}h`) },
    { header: 'rate', get: (o) => pct(o.rate, 4) },
    { header: 'APR', get: (o) => pct(o.grossApr, 1) },
    { header: `net APR@${usd(view.notional)}`, get: (o) => pct(o.netApr, 1) },
    { header: 'max notional', get: (o) => usd(o.maxNotional) },
    { header: 'break-even', get: (o) => (o.breakEvenHours === null ? '-' : `${o.breakEvenHours.toFixed(1)}h`) },
    { header: 'next funding', get: (o) => (o.nextFundingTime === null ? (o.continuous ? 'continuous' : '-') : formatCountdown(o.nextFundingTime - result.at)) },
    { header: 'status', get: (o) => (o.status === 'ok' ? 'ok' : `${o.status}: ${o.reasons.join('; ')}`), align: 'left' },
  ];
  const lines: string[] = [];
  lines.push(`carry scan at ${new Date(result.at).toISOString()} — notional ${usd(view.notional)}, hold ${view.holdHours}h, slippage cap ${view.maxSlippageBps} bps`);
  for (const v of result.venues) {
    if (v.status === 'ok') lines.push(`  ${v.venue}: ${v.perps} perps, ${v.books} books${v.bookErrors ? `, ${v.bookErrors} book errors` : ''}${v.skipped.length ? `, ${v.skipped.length} skipped` : ''}`);
    else if (v.status === 'closed') lines.push(`  ${v.venue}: closed since ${v.since} — historical data only, never traded`);
    else if (v.status === 'unavailable') lines.push(`  ${v.venue}: not available here (${v.reason})`);
    else lines.push(`  ${v.venue}: unavailable (${v.error.code}, ${v.phase}): ${v.error.message}`);
  }
  lines.push('');
  lines.push(rows.length === 0 ? 'no opportunities' : renderTable(rows, cols));
  if (result.opportunities.length > rows.length) lines.push(`(${result.opportunities.length - rows.length} more; --top N to see them, --json for every field)`);
  return lines.join('\n') + '\n';
}
