import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import { renderText, testAlert } from '../../src/alerts/message.js';
import { ALERT_PAYLOAD_JSON_SCHEMA, toPayload, validateJson, validatePayload } from '../../src/alerts/payload.js';
import { packageRoot } from '../../src/util/paths.js';

const T0 = Date.UTC(2026, 7, 9, 13, 45);

const margin: Alert = {
  id: 'margin:pos-3:1786283100000',
  kind: 'margin',
  severity: 'critical',
  subject: 'pos-3',
  positionId: 'pos-3',
  venue: 'binance',
  symbol: 'ETH/USDT:USDT',
  ts: T0,
  status: 'firing',
  title: 'ETH perp on binance is 6.2% from liquidation',
  message: 'Mark 3,412.50, liquidation 3,624.10; target distance 15%.',
  actions: [
    { kind: 'transfer', venue: 'binance', currency: 'USDT', amount: 850, from: 'spot', to: 'swap', text: 'move 850 USDT from spot to swap on binance' },
    { kind: 'order', venue: 'binance', symbol: 'ETH/USDT:USDT', leg: 'perp', side: 'buy', amount: 0.5, contracts: 0.5, text: 'or: buy 0.5 ETH/USDT:USDT perp on binance' },
  ],
  data: { distancePct: 6.2, mark: 3412.5, liquidationPrice: 3624.1, leverage: 3, venueReported: true, note: 'live' },
  nextFundingTime: Date.UTC(2026, 7, 9, 16, 0),
};

/** What a receiver sees: the payload after JSON. */
const wire = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe('webhook payload carry.alert/1', () => {
  it('carries the alert, the message number and the chat text, and validates against its schema', () => {
    const p = toPayload(margin, { notice: 'escalated', seq: 3 });
    expect(p).toEqual({
      schema: 'carry.alert/1',
      id: 'margin:pos-3:1786283100000',
      seq: 3,
      notice: 'escalated',
      kind: 'margin',
      severity: 'critical',
      status: 'firing',
      subject: 'pos-3',
      positionId: 'pos-3',
      venue: 'binance',
      symbol: 'ETH/USDT:USDT',
      ts: T0,
      title: margin.title,
      message: margin.message,
      text: renderText(margin, { notice: 'escalated' }),
      actions: margin.actions,
      data: margin.data,
      nextFundingTime: Date.UTC(2026, 7, 9, 16, 0),
    });
    expect(validatePayload(wire(p))).toEqual([]);
    // outside the alert log (carry alerts test) there is no message number
    expect(validatePayload(wire(toPayload(testAlert(T0))))).toEqual([]);
    expect(toPayload(testAlert(T0))).toMatchObject({ seq: null, notice: null, kind: 'test' });
  });

  it('a number JSON cannot carry (NaN, Infinity) is sent as null, never as 0', () => {
    const p = toPayload({ ...margin, data: { mark: Number.NaN, basisBps: Number.POSITIVE_INFINITY, zero: 0 }, nextFundingTime: Number.NaN });
    expect(p.data).toEqual({ mark: null, basisBps: null, zero: 0 });
    expect(p.nextFundingTime).toBeNull();
    expect(validatePayload(wire(p))).toEqual([]);
  });

  it('the validator finds what is wrong, by path', () => {
    const good = wire(toPayload(margin)) as Record<string, unknown>;
    const actions = good['actions'] as Record<string, unknown>[];
    const cases: [unknown, string][] = [
      [{ ...good, schema: 'carry.alert/2' }, '$.schema: expected "carry.alert/1", found "carry.alert/2"'],
      [{ ...good, severity: 'high' }, '$.severity: expected one of "info", "warning", "critical", found "high"'],
      [{ ...good, ts: '2026-08-09' }, '$.ts: expected number, found "2026-08-09"'],
      [{ ...good, seq: 0 }, '$.seq: expected >= 1, found 0'],
      [{ ...good, id: '' }, '$.id: expected at least 1 characters'],
      [Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'positionId')), '$.positionId: missing'],
      [{ ...good, data: { mark: [1, 2] } }, '$.data.mark: expected number or string or boolean or null, found [1,2]'],
    ];
    for (const [value, problem] of cases) expect(validatePayload(value)).toEqual([problem]);
    // an order whose amount was NaN arrives as null: the receiver is told, not handed a 0
    const nanAmount = { ...good, actions: [actions[0], { ...actions[1], amount: null }] };
    expect(validatePayload(nanAmount)).toEqual(['$.actions[1]: matches none of oneOf; nearest: $.actions[1].amount: expected number, found null']);
    const extra = { ...good, actions: [{ ...actions[0], priority: 1 }] };
    expect(validatePayload(extra)).toEqual(['$.actions[0]: matches none of oneOf; nearest: $.actions[0].priority: not allowed']);
    // receivers must ignore unknown top-level fields: version 1 may add some
    expect(validatePayload({ ...good, mode: 'paper' })).toEqual([]);
  });

  it('the validator refuses a schema keyword it does not implement instead of ignoring it', () => {
    expect(validateJson({ type: 'string', pattern: '^a' }, 'b')).toEqual(['$: schema keyword "pattern" is not supported by this validator']);
  });

  it('docs/alerts.md shows exactly this schema', () => {
    const doc = readFileSync(join(packageRoot(), 'docs', 'alerts.md'), 'utf8');
    expect(doc).toContain('```json\n' + JSON.stringify(ALERT_PAYLOAD_JSON_SCHEMA, null, 2) + '\n```');
  });
});
