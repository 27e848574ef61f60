/**
 * Builds real ccxt instances from config. The only module that calls `new ccxt[id]`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ccxt, { type Exchange } from 'ccxt';
import { CarryError, InputError } from '../domain/errors.js';
import type { VenueConfig } from '../config/schema.js';
import type { CcxtCalls } from './ccxt-calls.js';
import { deepMerge } from '../util/merge.js';
import { genericProfile, isKnownVenue, KNOWN_VENUES, type VenueProfile } from './profiles.js';

export interface VenueSecrets {
  readonly apiKey?: string;
  readonly secret?: string;
  /** OKX passphrase. */
  readonly password?: string;
  readonly uid?: string;
}

export interface ResolvedVenue {
  /** The config key, e.g. 'binance-2'. */
  readonly name: string;
  readonly ccxtId: string;
  readonly profile: VenueProfile;
}

export type CreatedExchange =
  | {
      readonly kind: 'open';
      readonly name: string;
      readonly ccxtId: string;
      readonly profile: VenueProfile;
      readonly exchange: Exchange;
      /** The same instance typed as the port CcxtVenue takes. */
      readonly calls: CcxtCalls;
    }
  | {
      readonly kind: 'closed';
      readonly name: string;
      readonly ccxtId: string;
      readonly profile: VenueProfile;
      readonly since: string;
      readonly note: string;
    };

/** Ids a user may configure: every ccxt exchange, plus known venues ccxt no longer ships (BitMEX). */
export function validVenueIds(): readonly string[] {
  return [...new Set([...ccxt.exchanges, ...Object.keys(KNOWN_VENUES)])].sort();
}

export function resolveVenue(name: string, venueConfig: Pick<VenueConfig, 'ccxtId'>): ResolvedVenue {
  const ccxtId = venueConfig.ccxtId ?? name;
  if (isKnownVenue(ccxtId)) return { name, ccxtId, profile: KNOWN_VENUES[ccxtId] as VenueProfile };
  if (ccxt.exchanges.includes(ccxtId)) return { name, ccxtId, profile: genericProfile(ccxtId) };
  const field = venueConfig.ccxtId === undefined ? `venues.${name}` : `venues.${name}.ccxtId`;
  const closed = Object.values(KNOWN_VENUES)
    .filter((p) => p.status.kind === 'closed')
    .map((p) => `${p.id} (closed)`);
  const valid = [...ccxt.exchanges, ...closed].sort().join(', ');
  throw new InputError(
    `${field}: "${ccxtId}" is not a ccxt exchange id known to ccxt ${ccxtPackageVersion()}. Use a key that is a ccxt id, or set ${`venues.${name}.ccxtId`}. Valid ids: ${valid}`,
    'CARRY_VENUE_UNKNOWN',
  );
}

/**
 * A ccxt instance for venue `name`: carry's profile config, overlaid with the user's
 * `venues.<name>.options` (ccxt constructor config, e.g. `{ "options": { ... } }` or
 * `{ "hostname": "bybit.eu" }`), then the venue timeout and rate limiting, which are not optional.
 * A closed venue (BitMEX) never yields an instance.
 */
export function createCcxtExchange(
  name: string,
  venueConfig: VenueConfig,
  opts: { readonly secrets?: VenueSecrets; readonly testnet?: boolean } = {},
): CreatedExchange {
  const resolved = resolveVenue(name, venueConfig);
  const { profile, ccxtId } = resolved;
  if (profile.status.kind === 'closed') {
    return { kind: 'closed', name, ccxtId, profile, since: profile.status.since, note: profile.status.note };
  }
  const cls = (ccxt as unknown as Record<string, unknown>)[profile.ccxtClass ?? ccxtId];
  if (typeof cls !== 'function') {
    throw new CarryError('CARRY_VENUE_UNKNOWN', 'stop', `venues.${name}: ccxt ${ccxtPackageVersion()} has no class "${profile.ccxtClass ?? ccxtId}"`);
  }
  const secrets = Object.fromEntries(Object.entries(opts.secrets ?? {}).filter(([, v]) => typeof v === 'string' && v.length > 0));
  const config = {
    ...deepMerge(profile.ccxtConfig, venueConfig.options),
    ...secrets,
    timeout: venueConfig.timeoutMs,
    enableRateLimit: true,
  };
  const exchange = new (cls as new (config: Record<string, unknown>) => Exchange)(config);
  if (opts.testnet === true) useTestnet(name, profile, exchange);
  // The generic profile learns the precision mode from the instance (only known after construction).
  const finalProfile = profile.precisionMode === null ? { ...profile, precisionMode: exchange.precisionMode ?? null } : profile;
  return { kind: 'open', name, ccxtId, profile: finalProfile, exchange, calls: asCcxtCalls(exchange) };
}

/** Points an instance at the venue's test environment, or refuses (never the real one silently). */
function useTestnet(name: string, profile: VenueProfile, exchange: Exchange): void {
  const refuse = (why: string) => new CarryError('CARRY_CONFIG_INVALID', 'stop', `--testnet: venues.${name} (${profile.id}) ${why}; disable the venue or run without --testnet`);
  if (profile.testnet === null) throw refuse('has no test environment');
  if (profile.testnet === 'demo') {
    exchange.enableDemoTrading(true);
    return;
  }
  if ((exchange.urls as Record<string, unknown>)['test'] === undefined) throw refuse(`has no sandbox in ccxt ${ccxtPackageVersion()}`);
  exchange.setSandboxMode(true);
}

/**
 * A ccxt instance seen through carry's port. Only the typings differ (ccxt types dictionary
 * values as possibly undefined); the instance itself is returned so methods keep their `this`.
 */
export function asCcxtCalls(exchange: Exchange): CcxtCalls {
  return exchange as unknown as CcxtCalls;
}

let packageVersion: string | undefined;

/** The installed ccxt package.json version (the package's exports hide package.json from import). */
export function ccxtPackageVersion(): string {
  if (packageVersion !== undefined) return packageVersion;
  let dir = dirname(fileURLToPath(import.meta.resolve('ccxt')));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'ccxt' && typeof pkg.version === 'string') return (packageVersion = pkg.version);
    } catch {
      // no package.json at this level: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return (packageVersion = 'unknown');
    dir = parent;
  }
}

/**
 * The ccxt that runs, for the start-up log: the installed package's version, and the version
 * carry pins in its package.json (`dependencies.ccxt`). `ccxt.version`, the constant compiled
 * into ccxt's bundle, is not shown: ccxt's release build writes it before bumping the package,
 * so it lags by one patch (4.5.84 reports 4.5.83) and would only make the user wonder which
 * runs. `mismatch` is set when the installed package is not the pinned one (a stale
 * node_modules: `npm ci` fixes it).
 */
export function ccxtVersionInfo(pinned: string | undefined): { readonly ccxt: string; readonly pinned: string | null; readonly mismatch: boolean } {
  const installed = ccxtPackageVersion();
  const pin = pinned === undefined ? null : pinned.replace(/^[=v]/, '');
  return { ccxt: installed, pinned: pin, mismatch: pin !== null && /^\d+\.\d+\.\d+$/.test(pin) && pin !== installed };
}
