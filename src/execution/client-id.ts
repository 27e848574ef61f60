/**
 * Venue client order ids from carry's logical ids (`position:purpose:leg:attempt`).
 *
 * Venues cap and restrict the field (the table below), and a logical id may be longer than any
 * cap, so the venue id is derived, not copied:
 *
 *   'cy' + readable + hash + check
 *
 * - readable: a lower-case [a-z0-9] short form of the logical id (purpose, leg, attempt, then
 *   the position id's head), cut to what the venue's cap leaves; for people reading the venue UI;
 * - hash: 16 base32 chars (80 bits) of sha256(logical id): the same logical id always gives the
 *   same venue id (a resend after a crash is refused by the venue as a duplicate), and two
 *   different logical ids collide with probability ~n²/2^81 (1e-13 for a million orders);
 * - check: 2 base32 chars of sha256 over everything before it, so `isCarryClientId` can tell
 *   carry's ids from foreign ones (a foreign id starting with 'cy' passes by chance 1 in 1024).
 *
 * Only [a-z0-9] is used, which every venue in the table accepts (OKX allows alphanumerics only),
 * so the same function serves all of them; the table holds each venue's cap and pattern, and the
 * result is checked against the pattern so a wrong entry fails loudly instead of at the venue.
 * The mapping is one way (a hash): reconciliation recognises carry's ids with isCarryClientId and
 * recovers the logical id by recomputing venueClientId for the ids the ledger knows.
 */
import { createHash } from 'node:crypto';

export interface ClientIdRule {
  /** Longest client id the venue accepts. */
  readonly maxLength: number;
  /** What the venue accepts, as documented. */
  readonly pattern: RegExp;
  /** Where the rule comes from. */
  readonly source: string;
}

/** Per ccxt id. Unknown venues get GENERIC_RULE (the strictest combination seen: 32 alphanumerics). */
export const CLIENT_ID_RULES: Readonly<Record<string, ClientIdRule>> = {
  binance: { maxLength: 36, pattern: /^[.A-Z:/a-z0-9_-]{1,36}$/, source: 'Binance spot/USDT-M newClientOrderId' },
  binanceusdm: { maxLength: 36, pattern: /^[.A-Z:/a-z0-9_-]{1,36}$/, source: 'Binance USDT-M newClientOrderId' },
  binancecoinm: { maxLength: 36, pattern: /^[.A-Z:/a-z0-9_-]{1,36}$/, source: 'Binance COIN-M newClientOrderId' },
  bybit: { maxLength: 36, pattern: /^[A-Za-z0-9_-]{1,36}$/, source: 'Bybit v5 orderLinkId: letters, digits, - and _, max 36' },
  okx: { maxLength: 32, pattern: /^[A-Za-z0-9]{1,32}$/, source: 'OKX v5 clOrdId: alphanumerics, 1-32' },
  deribit: { maxLength: 64, pattern: /^.{1,64}$/, source: 'Deribit label: max 64 characters' },
};

export const GENERIC_RULE: ClientIdRule = { maxLength: 32, pattern: /^[A-Za-z0-9]{1,32}$/, source: 'carry default: 32 alphanumerics' };

export const CARRY_PREFIX = 'cy';
const HASH_LEN = 16;
const CHECK_LEN = 2;
/** Prefix + at least one readable char + hash + check must fit the smallest cap. */
const MIN_CAP = CARRY_PREFIX.length + 1 + HASH_LEN + CHECK_LEN;

export function clientIdRule(ccxtId: string): ClientIdRule {
  return CLIENT_ID_RULES[ccxtId] ?? GENERIC_RULE;
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32 (lower case, no padding) of the first `chars` × 5 bits of sha256(text). */
function hash32(text: string, chars: number): string {
  const bytes = createHash('sha256').update(text, 'utf8').digest();
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += B32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
    if (out.length >= chars) break;
  }
  return out;
}

const PURPOSE_ABBREV: Readonly<Record<string, string>> = { open: 'o', hedge: 'h', unwind: 'u', close: 'c', rebalance: 'r' };
const LEG_ABBREV: Readonly<Record<string, string>> = { spot: 's', perp: 'p' };

const clean = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** `pos:open:spot:1` → 'os1' + 'pos'; any other shape → its alphanumerics. */
function readable(logicalId: string): string {
  const parts = logicalId.split(':');
  if (parts.length >= 4) {
    const [attempt, leg, purpose] = [parts[parts.length - 1] ?? '', parts[parts.length - 2] ?? '', parts[parts.length - 3] ?? ''];
    const p = PURPOSE_ABBREV[purpose];
    const l = LEG_ABBREV[leg];
    if (p !== undefined && l !== undefined && /^\d+$/.test(attempt)) {
      return `${p}${l}${attempt}${clean(parts.slice(0, -3).join(''))}`;
    }
  }
  return clean(logicalId);
}

/** The venue's client id for `logicalId`: deterministic, within the venue's cap (file comment). */
export function venueClientId(ccxtId: string, logicalId: string): string {
  if (logicalId.length === 0) throw new RangeError('logical client id is empty');
  const rule = clientIdRule(ccxtId);
  if (rule.maxLength < MIN_CAP) throw new RangeError(`${ccxtId}: client id cap ${rule.maxLength} is below carry's minimum ${MIN_CAP}`);
  const room = rule.maxLength - MIN_CAP + 1;
  // 'x' stands in for a logical id with no alphanumerics, so the layout stays the same.
  const head = (readable(logicalId) || 'x').slice(0, room);
  const body = `${CARRY_PREFIX}${head}${hash32(logicalId, HASH_LEN)}`;
  const id = body + hash32(body, CHECK_LEN);
  if (!rule.pattern.test(id)) throw new RangeError(`${ccxtId}: client id ${id} does not match ${rule.source}`);
  return id;
}

/** True when `venueId` is one venueClientId made (prefix, alphabet and check characters). */
export function isCarryClientId(venueId: string | null | undefined): boolean {
  if (typeof venueId !== 'string' || venueId.length < MIN_CAP || !venueId.startsWith(CARRY_PREFIX)) return false;
  if (!/^[a-z0-9]+$/.test(venueId)) return false;
  const body = venueId.slice(0, -CHECK_LEN);
  return hash32(body, CHECK_LEN) === venueId.slice(-CHECK_LEN);
}
