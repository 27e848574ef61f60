/**
 * The machine-readable alert a generic webhook receives: a versioned JSON object
 * (`schema: "carry.alert/1"`), its JSON Schema (also in docs/alerts.md) and a small validator
 * for the part of JSON Schema it uses. Within version 1 fields may be added, never removed or
 * retyped: receivers should ignore fields they do not know.
 */
import { ALERT_KINDS, type Alert, type AlertKind, type CorrectiveAction, type Severity } from '../domain/alert.js';
import { renderText } from './message.js';
import type { Notice } from './sinks/sink.js';

export const PAYLOAD_SCHEMA_ID = 'carry.alert/1';

export interface AlertPayload {
  readonly schema: typeof PAYLOAD_SCHEMA_ID;
  readonly id: string;
  readonly seq: number | null;
  readonly notice: Notice | null;
  readonly kind: AlertKind;
  readonly severity: Severity;
  readonly status: 'firing' | 'resolved';
  readonly subject: string;
  readonly positionId: string | null;
  readonly venue: string | null;
  readonly symbol: string | null;
  readonly ts: number;
  readonly title: string;
  readonly message: string;
  readonly text: string;
  readonly actions: readonly CorrectiveAction[];
  readonly data: Readonly<Record<string, number | string | boolean | null>>;
  readonly nextFundingTime: number | null;
}

/** JSON has no NaN or Infinity: such a number is sent as null (missing), never as 0. */
function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

export function toPayload(alert: Alert, ctx: { readonly notice?: Notice; readonly seq?: number } = {}): AlertPayload {
  const data: Record<string, number | string | boolean | null> = {};
  for (const [k, v] of Object.entries(alert.data)) data[k] = typeof v === 'number' ? finiteOrNull(v) : v;
  return {
    schema: PAYLOAD_SCHEMA_ID,
    id: alert.id,
    seq: ctx.seq ?? null,
    notice: ctx.notice ?? null,
    kind: alert.kind,
    severity: alert.severity,
    status: alert.status,
    subject: alert.subject,
    positionId: alert.positionId,
    venue: alert.venue,
    symbol: alert.symbol,
    ts: alert.ts,
    title: alert.title,
    message: alert.message,
    text: renderText(alert, ctx.notice === undefined ? {} : { notice: ctx.notice }),
    actions: alert.actions,
    data,
    nextFundingTime: finiteOrNull(alert.nextFundingTime),
  };
}

const str = { type: 'string' } as const;
const strOrNull = { type: ['string', 'null'] } as const;
const positive = { type: 'number', exclusiveMinimum: 0 } as const;

/** JSON Schema (draft 2020-12) of AlertPayload. docs/alerts.md quotes it verbatim (a test checks). */
export const ALERT_PAYLOAD_JSON_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'carry.alert/1',
  description: 'One alert message from carry, POSTed as JSON to a webhook sink.',
  type: 'object',
  required: ['schema', 'id', 'seq', 'notice', 'kind', 'severity', 'status', 'subject', 'positionId', 'venue', 'symbol', 'ts', 'title', 'message', 'text', 'actions', 'data', 'nextFundingTime'],
  additionalProperties: true,
  properties: {
    schema: { const: PAYLOAD_SCHEMA_ID, description: 'Payload format and version.' },
    id: { type: 'string', minLength: 1, description: 'Episode id: stable from the moment the condition starts firing until it resolves.' },
    seq: { type: ['integer', 'null'], minimum: 1, description: 'Message number within the episode (1, 2, ...); with id, an idempotency key. Null when sent outside the alert log (carry alerts test).' },
    notice: { enum: ['new', 'reminder', 'escalated', 'resolved', null], description: 'Why this message was sent.' },
    kind: {
      enum: [...ALERT_KINDS],
    },
    severity: { enum: ['info', 'warning', 'critical'] },
    status: { enum: ['firing', 'resolved'] },
    subject: { type: 'string', description: 'What the alert is about: a position id, a venue or a job; with kind, the dedup key.' },
    positionId: strOrNull,
    venue: strOrNull,
    symbol: strOrNull,
    ts: { type: 'number', minimum: 0, description: 'Time of this message, ms since the Unix epoch.' },
    title: str,
    message: { type: 'string', description: 'Short human text: the numbers.' },
    text: { type: 'string', description: 'The full chat text (headline, message, actions, next funding, footer).' },
    actions: {
      type: 'array',
      description: 'What to do, in order, rounded to the venue lots. Empty when resolved.',
      items: {
        oneOf: [
          {
            type: 'object',
            required: ['kind', 'venue', 'symbol', 'leg', 'side', 'amount', 'contracts', 'text'],
            additionalProperties: false,
            properties: {
              kind: { const: 'order' },
              venue: str,
              symbol: str,
              leg: { enum: ['spot', 'perp'] },
              side: { enum: ['buy', 'sell'] },
              amount: { ...positive, description: "In the market's ccxt amount unit, on the lot." },
              contracts: { type: ['number', 'null'], exclusiveMinimum: 0, description: 'Perp only: the same in contracts.' },
              text: str,
            },
          },
          {
            type: 'object',
            required: ['kind', 'venue', 'currency', 'amount', 'from', 'to', 'text'],
            additionalProperties: false,
            properties: {
              kind: { const: 'transfer' },
              venue: str,
              currency: str,
              amount: positive,
              from: { type: 'string', description: 'ccxt account name, e.g. spot.' },
              to: { type: 'string', description: 'ccxt account name, e.g. swap.' },
              text: str,
            },
          },
        ],
      },
    },
    data: {
      type: 'object',
      description: 'The numbers behind the alert; a number that is not finite is null.',
      additionalProperties: { type: ['number', 'string', 'boolean', 'null'] },
    },
    nextFundingTime: { type: ['number', 'null'], minimum: 0, description: 'Next funding settlement of the perp, ms since the Unix epoch.' },
  },
} as const;

/** Problems of `value` against the payload schema ("actions[0].amount: expected number"), [] when valid. */
export function validatePayload(value: unknown): string[] {
  return validateJson(ALERT_PAYLOAD_JSON_SCHEMA, value);
}

// --- A JSON Schema validator for the keywords above, and only those: an unknown keyword is a
// problem, so the schema cannot silently use something this validator ignores.

type Schema = { readonly [k: string]: unknown };
const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description']);
const KEYWORDS = new Set(['type', 'const', 'enum', 'required', 'properties', 'additionalProperties', 'items', 'oneOf', 'minimum', 'exclusiveMinimum', 'minLength']);

export function validateJson(schema: Schema, value: unknown, path = '$'): string[] {
  const out: string[] = [];
  for (const k of Object.keys(schema)) {
    if (!ANNOTATIONS.has(k) && !KEYWORDS.has(k)) out.push(`${path}: schema keyword "${k}" is not supported by this validator`);
  }
  if (out.length > 0) return out;
  if (schema['type'] !== undefined) {
    const types = (Array.isArray(schema['type']) ? schema['type'] : [schema['type']]) as string[];
    if (!types.some((t) => hasType(value, t))) return [`${path}: expected ${types.join(' or ')}, found ${show(value)}`];
  }
  if ('const' in schema && !Object.is(schema['const'], value)) out.push(`${path}: expected ${show(schema['const'])}, found ${show(value)}`);
  if (Array.isArray(schema['enum']) && !schema['enum'].some((e) => Object.is(e, value))) {
    out.push(`${path}: expected one of ${schema['enum'].map(show).join(', ')}, found ${show(value)}`);
  }
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && !(value >= schema['minimum'])) out.push(`${path}: expected >= ${schema['minimum']}, found ${value}`);
    if (typeof schema['exclusiveMinimum'] === 'number' && !(value > schema['exclusiveMinimum'])) out.push(`${path}: expected > ${schema['exclusiveMinimum']}, found ${value}`);
  }
  if (typeof value === 'string' && typeof schema['minLength'] === 'number' && value.length < schema['minLength']) {
    out.push(`${path}: expected at least ${schema['minLength']} characters`);
  }
  if (isObject(value)) {
    for (const r of (schema['required'] as string[] | undefined) ?? []) if (!(r in value)) out.push(`${path}.${r}: missing`);
    const props = (schema['properties'] as Record<string, Schema> | undefined) ?? {};
    for (const [k, v] of Object.entries(value)) {
      const sub = props[k];
      if (sub !== undefined) out.push(...validateJson(sub, v, `${path}.${k}`));
      else if (schema['additionalProperties'] === false) out.push(`${path}.${k}: not allowed`);
      else if (isObject(schema['additionalProperties'])) out.push(...validateJson(schema['additionalProperties'], v, `${path}.${k}`));
    }
  }
  if (Array.isArray(value) && isObject(schema['items'])) {
    value.forEach((v, i) => out.push(...validateJson(schema['items'] as Schema, v, `${path}[${i}]`)));
  }
  if (Array.isArray(schema['oneOf'])) {
    const results = (schema['oneOf'] as Schema[]).map((s) => validateJson(s, value, path));
    const passing = results.filter((r) => r.length === 0).length;
    if (passing === 0) {
      // The branch with the fewest problems is the one the value was meant to be (an order, not a transfer).
      const nearest = results.reduce((a, b) => (b.length < a.length ? b : a));
      out.push(`${path}: matches none of oneOf; nearest: ${nearest.join('; ')}`);
    }
    else if (passing > 1) out.push(`${path}: matches ${passing} of oneOf, expected exactly one`);
  }
  return out;
}

function hasType(v: unknown, t: string): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObject(v);
    default:
      return false;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}
