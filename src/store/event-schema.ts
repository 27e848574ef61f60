/**
 * Runtime validation of LedgerEvent at the store boundary: a NaN price, a negative amount or a
 * missing field is refused before it can reach the log, where it would stay forever.
 * Timestamps are integer ms epoch (SQLite stores them in STRICT INTEGER columns).
 * Unknown extra keys are allowed (an optional field added to events.ts is simply stored).
 */
import { z } from 'zod';
import { EXIT_KINDS, RISK_RULES } from '../domain/action.js';
import type { LedgerEvent } from '../domain/events.js';
import { GATE_CODES, REDUCING_CAUSES, RISK_TRIGGERS, TRADING_STATES, type ReducingCause } from '../domain/risk.js';
import { LedgerRejectedError } from './errors.js';

const ms = z.number().int().nonnegative();
const finite = z.number(); // zod 4 rejects NaN and ±Infinity for z.number()
const positive = z.number().positive();
const nonNegative = z.number().nonnegative();
const text = z.string().min(1);

const positionState = z.enum(['pending_open', 'open', 'rebalancing', 'closing', 'closed', 'unwinding', 'failed']);
const leg = z.enum(['spot', 'perp']);
const side = z.enum(['buy', 'sell']);

const spec = z.object({
  positionId: text,
  venue: text,
  base: text,
  quote: text,
  direction: z.enum(['carry', 'reverse']),
  spotSymbol: text,
  perpSymbol: text,
  settlement: z.enum(['linear', 'inverse']),
  contractSize: positive,
  settle: text,
  intervalHours: positive,
  continuousFunding: z.boolean(),
});

const walletFunded = z
  .object({
    type: z.literal('wallet.funded'),
    ts: ms,
    venue: text,
    currency: text,
    amount: finite.refine((n) => n !== 0, 'must not be 0'),
    reason: z.enum(['initial', 'transfer']),
  })
  .refine((e) => e.reason !== 'initial' || e.amount > 0, { message: 'an initial balance must be positive', path: ['amount'] });

const positionCreated = z.object({
  type: z.literal('position.created'),
  ts: ms,
  spec,
  targetNotional: positive,
  reason: z.string(),
  entryRate: finite,
  entryNetApr: finite.nullable().optional(),
});

const exitRecord = z
  .object({
    kind: z.enum(EXIT_KINDS),
    rule: z.enum(RISK_RULES).nullable(),
    reason: z.string(),
  })
  .refine((x) => (x.kind === 'risk') === (x.rule !== null), { message: 'rule must be set for a risk exit and null otherwise', path: ['rule'] });

const positionTransition = z
  .object({
    type: z.literal('position.transition'),
    ts: ms,
    positionId: text,
    from: positionState,
    to: positionState,
    reason: z.string(),
    exit: exitRecord.optional(),
  })
  .refine((e) => e.exit === undefined || e.to === 'closing', { message: 'only a transition to closing carries an exit', path: ['exit'] });

const positionFlagged = z.object({
  type: z.literal('position.flagged'),
  ts: ms,
  positionId: text,
  flag: text.nullable(),
  message: z.string(),
});

const orderSubmitted = z.object({
  type: z.literal('order.submitted'),
  ts: ms,
  orderId: text,
  clientOrderId: text,
  positionId: text,
  venue: text,
  leg,
  symbol: text,
  side,
  purpose: z.enum(['open', 'hedge', 'unwind', 'close', 'rebalance']),
  amount: positive,
  limitPrice: positive,
  reduceOnly: z.boolean(),
});

const orderFilled = z
  .object({
    type: z.literal('order.fill'),
    ts: ms,
    fillId: text,
    orderId: text,
    positionId: text,
    venue: text,
    leg,
    symbol: text,
    side,
    price: positive,
    amount: positive,
    baseQty: positive,
    contracts: positive.nullable(),
    quoteNotional: positive,
    fee: finite,
    feeCurrency: text,
    feeQuote: finite,
  })
  .refine((e) => (e.leg === 'perp') === (e.contracts !== null), {
    message: 'contracts must be set for a perp fill and null for a spot fill',
    path: ['contracts'],
  });

const orderDone = z.object({
  type: z.literal('order.done'),
  ts: ms,
  orderId: text,
  positionId: text,
  status: z.enum(['filled', 'partial', 'unfilled', 'rejected']),
  filledAmount: nonNegative,
  reason: z.string().nullable(),
  venueOrderId: text.nullable().optional(),
});

const fundingPaid = z
  .object({
    type: z.literal('funding.payment'),
    ts: ms,
    positionId: text,
    venue: text,
    symbol: text,
    settlementTime: ms,
    periodStart: ms.nullable(),
    rate: finite,
    markPrice: positive,
    contracts: finite,
    contractSize: positive,
    settlement: z.enum(['linear', 'inverse']),
    amount: finite,
    currency: text,
    amountQuote: finite,
  })
  .refine((e) => e.periodStart === null || e.periodStart < e.settlementTime, {
    message: 'periodStart must be before settlementTime',
    path: ['periodStart'],
  });

const equitySnapshot = z.object({
  type: z.literal('equity.snapshot'),
  ts: ms,
  equity: finite,
  realised: finite,
  unrealised: finite,
  funding: finite,
  fees: finite,
  openPositions: z.number().int().nonnegative(),
});

const scanRecorded = z.object({
  type: z.literal('scan.recorded'),
  ts: ms,
  top: z.array(
    z.object({
      venue: text,
      perpSymbol: text,
      spotSymbol: text.nullable(),
      rate: finite,
      intervalHours: positive,
      netApr: finite.nullable(),
      maxNotional: nonNegative.nullable(),
      status: text,
    }),
  ),
});

const decision = z
  .object({
    type: z.literal('decision'),
    ts: ms,
    venue: text,
    symbol: text,
    action: z.enum(['open', 'close', 'rebalance', 'skip', 'deny']),
    reason: z.string(),
    code: z.enum(GATE_CODES).optional(),
    limit: finite.nullable().optional(),
    value: finite.nullable().optional(),
  })
  .refine((e) => e.action === 'deny' || (e.code === undefined && e.limit === undefined && e.value === undefined), {
    message: 'only a deny carries a code, limit and value',
    path: ['code'],
  });

const causes = z
  .array(z.enum(REDUCING_CAUSES))
  .refine((cs) => cs.every((c, i) => i === 0 || REDUCING_CAUSES.indexOf(cs[i - 1] as ReducingCause) < REDUCING_CAUSES.indexOf(c)), {
    message: `distinct, in the order ${REDUCING_CAUSES.join(', ')}`,
  });

const riskState = z
  .object({
    type: z.literal('risk.state'),
    ts: ms,
    from: z.enum(TRADING_STATES),
    to: z.enum(TRADING_STATES),
    trigger: z.enum(RISK_TRIGGERS),
    reason: z.string(),
    causes,
  })
  // The machine's own invariants, so a hand-built event cannot contradict it.
  .refine((e) => e.to !== 'active' || e.causes.length === 0, { message: 'active with a reducing cause held', path: ['causes'] })
  .refine((e) => e.to !== 'reducing' || e.causes.length > 0, { message: 'reducing without a cause', path: ['causes'] })
  .refine((e) => e.from !== 'halted' || e.to === 'halted' || e.trigger === 'user_resume', { message: 'only user_resume leaves halted', path: ['trigger'] });

const SCHEMAS = {
  'wallet.funded': walletFunded,
  'position.created': positionCreated,
  'position.transition': positionTransition,
  'position.flagged': positionFlagged,
  'order.submitted': orderSubmitted,
  'order.fill': orderFilled,
  'order.done': orderDone,
  'funding.payment': fundingPaid,
  'equity.snapshot': equitySnapshot,
  'scan.recorded': scanRecorded,
  decision,
  'risk.state': riskState,
} as const;

type Parsed = { [K in keyof typeof SCHEMAS]: z.infer<(typeof SCHEMAS)[K]> }[keyof typeof SCHEMAS];
type DeepWritable<T> = T extends readonly (infer U)[]
  ? DeepWritable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: DeepWritable<T[K]> }
    : T;
// Compile-time guard both ways: a required field or a new enum value added to events.ts
// without updating the schema above fails the typecheck instead of rejecting real events.
const parsedIsEvent = (e: Parsed): LedgerEvent => e;
const eventIsParsed = (e: DeepWritable<LedgerEvent>): Parsed => e;
void parsedIsEvent;
void eventIsParsed;

/** Throws LedgerRejectedError('invalid_event') naming the field and the event's place in its batch. */
export function validateEvent(e: unknown, where: string): LedgerEvent {
  const type = typeof e === 'object' && e !== null ? (e as { type?: unknown }).type : undefined;
  const schema = typeof type === 'string' && Object.hasOwn(SCHEMAS, type) ? SCHEMAS[type as keyof typeof SCHEMAS] : undefined;
  if (schema === undefined) {
    throw new LedgerRejectedError('invalid_event', `${where}: unknown event type ${JSON.stringify(type)}`);
  }
  const r = schema.safeParse(e);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
    throw new LedgerRejectedError('invalid_event', `${where} (${type}): ${issues}`);
  }
  return e as LedgerEvent;
}

/** The position an event belongs to, for the events.position_id column. */
export function eventPositionId(e: LedgerEvent): string | null {
  switch (e.type) {
    case 'position.created':
      return e.spec.positionId;
    case 'position.transition':
    case 'position.flagged':
    case 'order.submitted':
    case 'order.fill':
    case 'order.done':
    case 'funding.payment':
      return e.positionId;
    case 'wallet.funded':
    case 'equity.snapshot':
    case 'scan.recorded':
    case 'decision':
    case 'risk.state':
      return null;
  }
}
