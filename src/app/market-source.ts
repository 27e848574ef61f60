/**
 * Composition of the market-data edge for one run: which clock, which venues, and what
 * answers their ccxt calls (real ccxt, the sim market, or a tape). Everything above this
 * sees only VenueMarketData and a Clock, whatever the mode.
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config/schema.js';
import { SimClock, WallClock, type Clock } from '../domain/clock.js';
import { InputError } from '../domain/errors.js';
import type { ClosedVenue, VenueSet } from '../engine/venue-set.js';
import type { Logger } from '../util/log.js';
import type { CcxtCalls } from '../venues/ccxt-calls.js';
import { createCcxtExchange, resolveVenue } from '../venues/ccxt-factory.js';
import { CcxtVenue } from '../venues/ccxt-venue.js';
import type { VenueMarketData } from '../venues/port.js';
import type { VenueProfile } from '../venues/profiles.js';
import { DEFAULT_SIM_START, isSimVenue, SimExchange, SimWorld, type SimVenueFaults } from '../venues/sim/index.js';
import { recordCalls } from '../venues/tape/recorder.js';
import { loadTape, type TapeReplayer } from '../venues/tape/replayer.js';
import { openTapeWriter, type TapeWriter } from '../venues/tape/writer.js';
import type { MarketSpec } from './market-spec.js';

export interface MarketSource {
  readonly spec: MarketSpec;
  readonly clock: Clock;
  /** Set for sim and replay: the driver moves time. */
  readonly simClock: SimClock | null;
  readonly venues: VenueSet;
  /** Replay only: the tape's span, for drivers that walk through it. */
  readonly tape: TapeReplayer | null;
  /** Venues named in config that this source cannot serve, with the reason (reported, not fatal). */
  readonly unavailable: readonly { readonly venue: string; readonly reason: string }[];
  close(): void;
}

export interface OpenMarketOptions {
  /** Restrict to these configured venue names (--venues). */
  readonly only?: readonly string[] | undefined;
  /** Append every call's result to this tape file (carry record / scan --record). */
  readonly recordTo?: string | undefined;
  /** Sim only: start time (default DEFAULT_SIM_START). */
  readonly simStart?: number | undefined;
  /** Replay only: where the clock starts; 'end' = the latest data (a scan), 'ready' = the start (a run). */
  readonly replayAt?: 'end' | 'ready' | number | undefined;
  /** Sim only: number of bases (benchmarks). */
  readonly simBases?: number | undefined;
  /** Live only: each venue's test environment (--testnet, venues.md §2); refused where none. */
  readonly testnet?: boolean | undefined;
  readonly log: Logger;
}

function selectVenues(cfg: Config, only: readonly string[] | undefined): string[] {
  const enabled = Object.entries(cfg.venues)
    .filter(([, v]) => v.enabled)
    .map(([k]) => k);
  if (!only) return enabled;
  for (const name of only) {
    if (!(name in cfg.venues)) {
      throw new InputError(`--venues: "${name}" is not a configured venue; configured: ${Object.keys(cfg.venues).join(', ')}`);
    }
  }
  return Object.keys(cfg.venues).filter((k) => only.includes(k));
}

/** The sim faults configured for a venue (`sim.faults.<name>`), with outage times in ms. */
function simFaultsFor(cfg: Config, name: string): SimVenueFaults | undefined {
  const f = cfg.sim.faults[name];
  if (!f) return undefined;
  const { maintenance, ...rates } = f;
  if (maintenance === undefined) return rates;
  return {
    ...rates,
    maintenance: Array.isArray(maintenance) ? maintenance.map((w) => ({ startMs: Date.parse(w.start), endMs: Date.parse(w.end) })) : maintenance,
  };
}

export function openMarketSource(cfg: Config, spec: MarketSpec, opts: OpenMarketOptions): MarketSource {
  const names = selectVenues(cfg, opts.only);
  for (const name of Object.keys(cfg.sim.faults)) {
    if (!(name in cfg.venues)) throw new InputError(`sim.faults: "${name}" is not a configured venue; configured: ${Object.keys(cfg.venues).join(', ')}`);
  }
  let simClock: SimClock | null = null;
  let tape: TapeReplayer | null = null;
  let clock: Clock;
  if (spec.kind === 'live') clock = new WallClock();
  else if (spec.kind === 'sim') clock = simClock = new SimClock(opts.simStart ?? DEFAULT_SIM_START);
  else {
    if (!existsSync(spec.file)) throw new InputError(`--market replay:${spec.file}: no such file`);
    tape = loadTape(spec.file);
    const at = opts.replayAt ?? 'end';
    clock = simClock = new SimClock(at === 'end' ? tape.end : at === 'ready' ? tape.readyAt : at);
  }

  const writer: TapeWriter | null = opts.recordTo ? openTapeWriter(opts.recordTo) : null;
  const world = spec.kind === 'sim' ? new SimWorld({ seed: spec.seed, ...(opts.simBases ? { bases: opts.simBases } : {}) }) : null;
  const adapters: VenueMarketData[] = [];
  const closed: ClosedVenue[] = [];
  const profiles = new Map<string, VenueProfile>();
  const unavailable: { venue: string; reason: string }[] = [];

  for (const name of names) {
    const vcfg = cfg.venues[name];
    if (!vcfg) continue;
    const resolved = resolveVenue(name, vcfg);
    const { profile, ccxtId } = resolved;
    if (profile.status.kind === 'closed') {
      closed.push({ venue: name, since: profile.status.since, note: profile.status.note });
      continue;
    }
    let calls: CcxtCalls;
    let finalProfile = profile;
    if (spec.kind === 'live') {
      // Market data needs no keys: secrets are never handed to scan/paper adapters.
      const created = createCcxtExchange(name, vcfg, { testnet: opts.testnet === true });
      if (created.kind === 'closed') {
        closed.push({ venue: name, since: created.since, note: created.note });
        continue;
      }
      calls = created.calls;
      finalProfile = created.profile;
    } else if (spec.kind === 'sim') {
      if (!isSimVenue(ccxtId) || !world) {
        unavailable.push({ venue: name, reason: `the sim market simulates binance, bybit, okx and deribit, not ${ccxtId}` });
        continue;
      }
      calls = new SimExchange(world, ccxtId, clock, simFaultsFor(cfg, name));
    } else {
      if (!tape || !tape.venues.includes(ccxtId)) {
        unavailable.push({ venue: name, reason: `the tape has no records for ${ccxtId} (it has: ${tape?.venues.join(', ')})` });
        continue;
      }
      calls = tape.callsFor(ccxtId, clock);
    }
    if (writer) calls = recordCalls(calls, writer, clock);
    profiles.set(name, finalProfile);
    adapters.push(new CcxtVenue(calls, finalProfile, clock, opts.log, { name }));
  }
  for (const u of unavailable) opts.log.warn(u, 'venue not available from this market source');

  return {
    spec,
    clock,
    simClock,
    tape,
    unavailable,
    venues: {
      adapters,
      closed,
      unavailable,
      canBorrowSpot: (venue) => profiles.get(venue)?.spotMarginBorrow ?? false,
    },
    close: () => writer?.close(),
  };
}
