/**
 * Secrets come only from the environment (optionally a .env file), never from config files.
 * Naming: CARRY_<VENUE>_API_KEY, CARRY_<VENUE>_SECRET, CARRY_<VENUE>_PASSWORD (OKX passphrase),
 * with VENUE the config key upper-cased and non-alphanumerics as underscores.
 */
import { existsSync } from 'node:fs';

export interface VenueSecrets {
  readonly apiKey?: string;
  readonly secret?: string;
  readonly password?: string;
}

export function envPrefix(venue: string): string {
  return `CARRY_${venue.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

export function venueSecrets(venue: string, env: NodeJS.ProcessEnv = process.env): VenueSecrets {
  const p = envPrefix(venue);
  const pick = (k: string): string | undefined => {
    const v = env[p + k];
    return v === undefined || v === '' ? undefined : v;
  };
  const out: { apiKey?: string; secret?: string; password?: string } = {};
  const apiKey = pick('API_KEY');
  const secret = pick('SECRET');
  const password = pick('PASSWORD');
  if (apiKey !== undefined) out.apiKey = apiKey;
  if (secret !== undefined) out.secret = secret;
  if (password !== undefined) out.password = password;
  return out;
}

/** Loads ./.env (or the given file) into process.env without overriding variables already set. */
export function loadDotEnv(file = '.env'): boolean {
  if (!existsSync(file)) return false;
  const before = { ...process.env };
  process.loadEnvFile(file);
  // loadEnvFile overrides: restore anything the real environment already set.
  for (const [k, v] of Object.entries(before)) process.env[k] = v;
  return true;
}

/** What `config check` shows: which secrets are present, never their values. */
export function describeSecrets(venue: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const s = venueSecrets(venue, env);
  const show = (v: string | undefined) => (v === undefined ? '(not set)' : '[redacted]');
  return {
    [envPrefix(venue) + 'API_KEY']: show(s.apiKey),
    [envPrefix(venue) + 'SECRET']: show(s.secret),
    [envPrefix(venue) + 'PASSWORD']: show(s.password),
  };
}
