import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { rankParamsFromConfig } from '../../src/app/strategy-params.js';
import { loadConfig } from '../../src/config/load.js';
import { SimClock } from '../../src/domain/clock.js';
import { Scanner, type VenueScanReport } from '../../src/engine/scanner.js';
import type { VenueSet } from '../../src/engine/venue-set.js';
import { CcxtVenue } from '../../src/venues/ccxt-venue.js';
import { profileFor } from '../../src/venues/profiles.js';
import { DEFAULT_SIM_START, SimExchange, SimWorld, type SimVenueFaults } from '../../src/venues/sim/index.js';

const silent = pino({ level: 'silent' });

function venueSet(faults: Partial<Record<'binance' | 'bybit' | 'okx' | 'deribit', SimVenueFaults>>, clock: SimClock): VenueSet {
  const world = new SimWorld({ seed: 3 });
  const adapters = (['binance', 'bybit', 'okx', 'deribit'] as const).map(
    (v) => new CcxtVenue(new SimExchange(world, v, clock, faults[v]), profileFor(v), clock, silent, { retry: { attempts: 2, baseMs: 10, maxMs: 20 } }),
  );
  return { adapters, closed: [{ venue: 'bitmex', since: '2026-09-23', note: 'closed' }], unavailable: [], canBorrowSpot: (v) => v !== 'deribit' };
}

function scanner(venues: VenueSet, clock: SimClock) {
  const cfg = loadConfig();
  return new Scanner({ clock, venues, params: rankParamsFromConfig(cfg.scan), bookDepth: 50, marketsRefreshMs: 3_600_000, log: silent });
}

const byVenue = (reports: readonly VenueScanReport[]) => Object.fromEntries(reports.map((r) => [r.venue, r]));

describe('scanner: one venue failing never stops the others', () => {
  it('a venue that times out, one that answers 429 and one under maintenance are reported; the healthy one is ranked', async () => {
    const clock = new SimClock(DEFAULT_SIM_START);
    const faults = {
      bybit: { timeoutRate: 1 },
      okx: { rateLimitRate: 1 },
      deribit: { maintenance: [{ startMs: DEFAULT_SIM_START - 1, endMs: DEFAULT_SIM_START + 3_600_000 }] },
    };
    const result = await scanner(venueSet(faults, clock), clock).scan();
    const r = byVenue(result.venues);
    expect(r['binance']?.status).toBe('ok');
    expect(r['bybit']).toMatchObject({ status: 'error', error: { code: 'CARRY_VENUE_TIMEOUT', action: 'retry' } });
    expect(r['okx']).toMatchObject({ status: 'error', error: { code: 'CARRY_VENUE_RATE_LIMITED', action: 'retry' } });
    expect(r['deribit']).toMatchObject({ status: 'error', error: { action: 'skip' } });
    expect(r['bitmex']).toMatchObject({ status: 'closed' });
    expect(result.opportunities.length).toBeGreaterThan(0);
    expect(new Set(result.opportunities.slice().map((o) => o.venue))).toEqual(new Set(['binance']));
  });

  it('garbage from a venue is skipped with reasons; its good rows and the other venues still rank', async () => {
    const clock = new SimClock(DEFAULT_SIM_START);
    const healthy = await scanner(venueSet({}, clock), clock).scan();
    const clock2 = new SimClock(DEFAULT_SIM_START);
    const result = await scanner(venueSet({ okx: { garbageRate: 0.3 } }, clock2), clock2).scan();
    const r = byVenue(result.venues);
    expect(r['okx']?.status).toBe('ok');
    const okx = r['okx'] as Extract<VenueScanReport, { status: 'ok' }>;
    expect(okx.skipped.length).toBeGreaterThan(0);
    for (const s of okx.skipped) expect(s.reason.length).toBeGreaterThan(0);
    // Other venues are unaffected by okx's garbage: identical rows.
    const others = (res: typeof result) => JSON.stringify(res.opportunities.slice().filter((o) => o.venue !== 'okx'));
    expect(others(result)).toBe(others(healthy));
    // Nothing non-finite leaks into the ranking.
    for (const o of result.opportunities.slice()) {
      expect(Number.isFinite(o.rate)).toBe(true);
      if (o.netApr !== null) expect(Number.isFinite(o.netApr)).toBe(true);
    }
  });
});
