/**
 * Request authentication exactly as each venue documents it. The checks run on the raw bytes
 * ccxt sent (query string and body as received), never on re-encoded parameters, so an encoding
 * difference between ccxt and the venue would fail here as it would live.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type AuthFailure =
  | { readonly kind: 'missingKey' }
  | { readonly kind: 'unknownKey' }
  | { readonly kind: 'badSignature' }
  | { readonly kind: 'missingParam'; readonly name: string }
  | { readonly kind: 'timestamp'; readonly ahead: boolean; readonly timestamp: number; readonly serverTime: number; readonly recvWindow: number }
  | { readonly kind: 'recvWindowTooLarge' };

export const hmacHex = (secret: string, payload: string): string => createHmac('sha256', secret).update(payload).digest('hex');

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase());
  const y = Buffer.from(b.toLowerCase());
  return x.length === y.length && timingSafeEqual(x, y);
}

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

/** Removes `signature=<v>` from a raw urlencoded string, returning the rest untouched and the value. */
function stripParam(raw: string, name: string): { rest: string; value: string | undefined } {
  const parts = raw === '' ? [] : raw.split('&');
  const i = parts.findIndex((p) => p.startsWith(`${name}=`));
  if (i < 0) return { rest: raw, value: undefined };
  const value = decodeURIComponent((parts[i] as string).slice(name.length + 1));
  parts.splice(i, 1);
  return { rest: parts.join('&'), value };
}

/**
 * Binance SIGNED endpoints (developers.binance.com, "Request security" / "SIGNED endpoint
 * security"): HMAC-SHA256 of totalParams = query string concatenated with the request body, key
 * in X-MBX-APIKEY; the timestamp is accepted when
 * `timestamp < serverTime + 1000 && serverTime - timestamp <= recvWindow` (recvWindow <= 60000).
 */
export function verifyBinance(a: {
  headers: IncomingHttpHeaders;
  rawQuery: string;
  rawBody: string;
  apiKey: string;
  secret: string;
  serverTime: number;
  defaultRecvWindow: number;
}): AuthFailure | null {
  const key = header(a.headers, 'X-MBX-APIKEY');
  if (key === undefined || key === '') return { kind: 'missingKey' };
  if (key !== a.apiKey) return /^[A-Za-z0-9]{64}$/.test(key) ? { kind: 'unknownKey' } : { kind: 'missingKey' };
  const q = stripParam(a.rawQuery, 'signature');
  const b = stripParam(a.rawBody, 'signature');
  const signature = q.value ?? b.value;
  const params = new URLSearchParams(`${q.rest}&${b.rest}`);
  const ts = params.get('timestamp');
  if (ts === null) return { kind: 'missingParam', name: 'timestamp' };
  if (signature === undefined) return { kind: 'missingParam', name: 'signature' };
  const expected = hmacHex(a.secret, q.rest + b.rest);
  if (!sameHex(signature, expected)) return { kind: 'badSignature' };
  const recvWindow = Number(params.get('recvWindow') ?? a.defaultRecvWindow);
  if (recvWindow > 60_000) return { kind: 'recvWindowTooLarge' };
  const timestamp = Number(ts);
  if (!(timestamp < a.serverTime + 1000 && a.serverTime - timestamp <= recvWindow)) {
    return { kind: 'timestamp', ahead: timestamp >= a.serverTime + 1000, timestamp, serverTime: a.serverTime, recvWindow };
  }
  return null;
}

/**
 * Bybit v5 (bybit-exchange.github.io/docs/v5/guide "Authentication"): X-BAPI-SIGN =
 * hex HMAC-SHA256(timestamp + apiKey + recvWindow + (queryString for GET | raw JSON body for POST));
 * accepted when `serverTime - recvWindow <= timestamp < serverTime + 1000`.
 */
export function verifyBybit(a: {
  headers: IncomingHttpHeaders;
  method: string;
  rawQuery: string;
  rawBody: string;
  apiKey: string;
  secret: string;
  serverTime: number;
  defaultRecvWindow: number;
}): AuthFailure | null {
  const key = header(a.headers, 'X-BAPI-API-KEY');
  if (key === undefined || key === '') return { kind: 'missingKey' };
  if (key !== a.apiKey) return { kind: 'unknownKey' };
  const ts = header(a.headers, 'X-BAPI-TIMESTAMP');
  if (ts === undefined) return { kind: 'missingParam', name: 'X-BAPI-TIMESTAMP' };
  const sign = header(a.headers, 'X-BAPI-SIGN');
  if (sign === undefined) return { kind: 'missingParam', name: 'X-BAPI-SIGN' };
  const rw = header(a.headers, 'X-BAPI-RECV-WINDOW') ?? '';
  const payload = ts + key + rw + (a.method === 'POST' ? a.rawBody : a.rawQuery);
  if (!sameHex(sign, hmacHex(a.secret, payload))) return { kind: 'badSignature' };
  const recvWindow = rw === '' ? a.defaultRecvWindow : Number(rw);
  const timestamp = Number(ts);
  if (!(a.serverTime - recvWindow <= timestamp && timestamp < a.serverTime + 1000)) {
    return { kind: 'timestamp', ahead: timestamp >= a.serverTime + 1000, timestamp, serverTime: a.serverTime, recvWindow };
  }
  return null;
}
