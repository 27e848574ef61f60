/** Reading a sink's secrets: only from the environment, named by the config, never logged. */

export type Env = Readonly<Record<string, string | undefined>>;

export function fromEnv(env: Env, name: string): string | null {
  const v = env[name];
  return v === undefined || v.trim() === '' ? null : v.trim();
}

export function missingEnv(name: string, what: string): string {
  return `environment variable ${name} (${what}) is not set`;
}

/** A secret URL from the environment, or why it cannot be used (without echoing it). */
export function urlFromEnv(env: Env, name: string, what: string): { url: string } | { error: string } {
  const v = fromEnv(env, name);
  if (v === null) return { error: missingEnv(name, what) };
  try {
    const u = new URL(v);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return { error: `environment variable ${name} (${what}) is not an http(s) URL` };
  } catch {
    return { error: `environment variable ${name} (${what}) is not a URL` };
  }
  return { url: v };
}
