/**
 * Secrets a sink holds (bot token, webhook URL, HMAC key) must never reach a log line, a stored
 * delivery error or `carry alerts test` output. Every error text a sink produces passes here.
 */

export const REDACTED = '[redacted]';

/** Replaces every occurrence of each secret (longest first, so a URL goes before its token). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  const list = secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  for (const s of list) out = out.split(s).join(REDACTED);
  return out;
}

/**
 * A URL that is itself a credential (Discord, Slack, a tokened webhook) leaks through any of its
 * parts: a receiver or proxy may echo just the path, or the token segment.
 */
export function urlSecrets(url: string): string[] {
  const out = [url];
  try {
    const u = new URL(url);
    if (u.pathname.length > 1) out.push(u.pathname + u.search, u.pathname);
    if (u.search.length > 1) out.push(u.search);
    const last = u.pathname.split('/').filter(Boolean).pop();
    if (last !== undefined && last.length >= 8) out.push(last);
  } catch {
    // not a URL: the whole string is all there is to hide
  }
  return out;
}
