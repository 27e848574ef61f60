/**
 * What `carry live` checks before it touches an order: that the user opted in (config `mode:
 * live`, the `--live` flag and, on a terminal, a typed confirmation), which venues trade (closed
 * ones never do), that every key ccxt needs is in the environment, and that each venue accepts
 * it (one balance call). Every refusal names the venue and the variable; nothing falls back to
 * paper.
 */
import type { Config } from '../config/schema.js';
import { envPrefix, venueSecrets, type VenueSecrets } from '../config/secrets.js';
import { CarryError, InputError, isCarryError } from '../domain/errors.js';
import type { AccountPort, VenueBalance } from '../execution/account-port.js';
import { resolveVenue } from '../venues/ccxt-factory.js';

export interface OptIn {
  /** `--live` given. */
  readonly flag: boolean;
  /** `--yes`: skip the typed confirmation (scripts, services). */
  readonly yes: boolean;
  /** Whether stdin is a terminal a person can answer on. */
  readonly interactive: boolean;
}

/** Refuses unless every opt-in is there; says which one is missing. */
export function checkOptIn(config: Config, optIn: OptIn): { readonly needsConfirmation: boolean } {
  if (config.mode !== 'live') {
    throw new CarryError('CARRY_LIVE_REFUSED', 'stop', `live trading needs mode: live in the config (found mode: ${config.mode}); paper trading is \`carry paper\``);
  }
  if (!optIn.flag) throw new CarryError('CARRY_LIVE_REFUSED', 'stop', 'live trading needs the --live flag as well as mode: live in the config');
  if (optIn.yes) return { needsConfirmation: false };
  if (!optIn.interactive) {
    throw new CarryError('CARRY_LIVE_REFUSED', 'stop', 'live trading asks for a typed confirmation on a terminal; with no terminal (a service), pass --yes');
  }
  return { needsConfirmation: true };
}

/** The word a person types to start live trading; anything else aborts. */
export const CONFIRM_WORD = 'live';

export function confirmationPrompt(venues: readonly string[], testnet: boolean): string {
  const where = testnet ? 'TESTNET accounts' : 'REAL MONEY';
  return `carry live will place orders on ${venues.join(', ')} (${where}).\nType "${CONFIRM_WORD}" to start: `;
}

export interface LiveVenueSelection {
  readonly venues: readonly string[];
  /** Configured and enabled but closed (BitMEX): reported, never traded. */
  readonly closed: readonly { readonly venue: string; readonly since: string }[];
}

export function selectLiveVenues(config: Config, only: readonly string[] | undefined): LiveVenueSelection {
  if (only) {
    for (const name of only) if (!(name in config.venues)) throw new InputError(`--venues: "${name}" is not a configured venue; configured: ${Object.keys(config.venues).join(', ')}`);
  }
  const venues: string[] = [];
  const closed: { venue: string; since: string }[] = [];
  for (const [name, vcfg] of Object.entries(config.venues)) {
    if (only ? !only.includes(name) : !vcfg.enabled) continue;
    const { profile } = resolveVenue(name, vcfg);
    if (profile.status.kind === 'closed') closed.push({ venue: name, since: profile.status.since });
    else venues.push(name);
  }
  if (venues.length === 0) throw new InputError(`live trading: no open venue enabled${closed.length > 0 ? ` (${closed.map((c) => `${c.venue} closed since ${c.since}`).join(', ')})` : ''}`);
  return { venues, closed };
}

/** ccxt's credential names and the variable carry reads each from. */
const VARIABLE: Readonly<Record<string, keyof VenueSecrets>> = { apiKey: 'apiKey', secret: 'secret', password: 'password' };
const SUFFIX: Readonly<Record<keyof VenueSecrets, string>> = { apiKey: 'API_KEY', secret: 'SECRET', password: 'PASSWORD' };

export function secretVariable(venue: string, which: keyof VenueSecrets): string {
  return envPrefix(venue) + SUFFIX[which];
}

/**
 * The secrets of each venue, or one error listing every missing variable (all venues at once,
 * so the user fixes .env in one go). `required` is ccxt's `requiredCredentials` of the venue's
 * class (OKX needs a password; others only key and secret).
 */
export function collectSecrets(
  venues: readonly string[],
  required: (venue: string) => Readonly<Record<string, boolean>>,
  env: NodeJS.ProcessEnv = process.env,
): ReadonlyMap<string, VenueSecrets> {
  const missing: string[] = [];
  const out = new Map<string, VenueSecrets>();
  for (const venue of venues) {
    const secrets = venueSecrets(venue, env);
    for (const [cred, needed] of Object.entries(required(venue))) {
      if (!needed) continue;
      const ours = VARIABLE[cred];
      if (ours === undefined) {
        missing.push(`${venue}: ccxt needs "${cred}", which carry does not read; disable venues.${venue}`);
        continue;
      }
      if (secrets[ours] === undefined) missing.push(`${venue}: ${secretVariable(venue, ours)} is not set`);
    }
    out.set(venue, secrets);
  }
  if (missing.length > 0) {
    throw new CarryError('CARRY_CREDENTIALS_MISSING', 'stop', `live trading needs API keys in the environment or .env (see .env.example):\n  ${missing.join('\n  ')}`);
  }
  return out;
}

/**
 * One balance call per venue, all venues checked before any is reported, so a user sees every
 * rejected key at once. A rejected key names the variables it came from; a venue that does not
 * answer is its own error (the key may be fine).
 */
export async function checkKeys(accounts: ReadonlyMap<string, AccountPort>): Promise<ReadonlyMap<string, readonly VenueBalance[]>> {
  const results = await Promise.allSettled([...accounts].map(async ([venue, account]) => [venue, await account.balances()] as const));
  const problems: string[] = [];
  let auth = false;
  const balances = new Map<string, readonly VenueBalance[]>();
  const names = [...accounts.keys()];
  results.forEach((r, i) => {
    const venue = names[i] as string;
    if (r.status === 'fulfilled') {
      balances.set(venue, r.value[1]);
      return;
    }
    const e = r.reason as unknown;
    const msg = e instanceof Error ? e.message : String(e);
    if (isCarryError(e) && e.code === 'CARRY_VENUE_AUTH') {
      auth = true;
      problems.push(`${venue}: the venue rejected the key in ${secretVariable(venue, 'apiKey')} / ${secretVariable(venue, 'secret')}: ${msg}`);
    } else {
      problems.push(`${venue}: the balance check failed: ${msg}`);
    }
  });
  if (problems.length > 0) {
    throw new CarryError(auth ? 'CARRY_VENUE_AUTH' : 'CARRY_VENUE_UNAVAILABLE', 'stop', `live trading cannot start:\n  ${problems.join('\n  ')}`);
  }
  return balances;
}
