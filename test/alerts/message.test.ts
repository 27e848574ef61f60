import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/domain/alert.js';
import { relative, renderText, testAlert, utcMinute } from '../../src/alerts/message.js';

import { drift, T0 } from '../support/alert-fixtures.js';


const resolved: Alert = {
  ...drift,
  ts: Date.UTC(2026, 7, 9, 14, 5),
  status: 'resolved',
  // The title of the alert it resolves; the message: what came back, and the number now.
  message: 'Hedge back within 2%: drift 0.4% of the spot leg (net +0.004 BTC at mark 36,300.00).',
  actions: [],
};

describe('chat text', () => {
  it('a drift alert: headline, numbers, the corrective order, next funding, position', () => {
    expect(renderText(drift)).toBe(
      [
        '🟠 WARNING · BTC carry on deribit drifted 9.1% long',
        'Spot 1.0000 BTC vs perp −0.9091 BTC (33,000 USD at mark 36,300).',
        'Do: sell 330 BTC-PERPETUAL contracts on deribit',
        'Next funding: 2026-08-09 16:00 UTC (in 2h 15m)',
        'delta drift · position pos-7 · deribit BTC/USD:BTC · 2026-08-09 13:45 UTC',
      ].join('\n'),
    );
  });

  it('a resolved alert: the alert it resolves, what came back, no order to place and no funding countdown', () => {
    const expected = [
      '✅ RESOLVED · BTC carry on deribit drifted 9.1% long',
      'Hedge back within 2%: drift 0.4% of the spot leg (net +0.004 BTC at mark 36,300.00).',
      'delta drift · position pos-7 · deribit BTC/USD:BTC · 2026-08-09 14:05 UTC',
    ].join('\n');
    expect(renderText(resolved, { notice: 'resolved' })).toBe(expected);
    // even if a stale action were left on it, a resolved alert never tells anyone to trade
    expect(renderText({ ...resolved, actions: drift.actions })).toBe(expected);
  });

  it('several actions are numbered, in the order to do them', () => {
    const margin: Alert = {
      ...drift,
      kind: 'margin',
      severity: 'critical',
      title: 'ETH perp on binance is 6.2% from liquidation',
      message: 'Mark 3,412.50, liquidation 3,624.10; target distance 15%.',
      actions: [
        { kind: 'transfer', venue: 'binance', currency: 'USDT', amount: 850, from: 'spot', to: 'swap', text: 'move 850 USDT from spot to swap on binance' },
        { kind: 'order', venue: 'binance', symbol: 'ETH/USDT:USDT', leg: 'perp', side: 'buy', amount: 0.5, contracts: 0.5, text: 'or: buy 0.5 ETH/USDT:USDT perp on binance (reduce)' },
      ],
      nextFundingTime: null,
    };
    expect(renderText(margin).split('\n').slice(0, 5)).toEqual([
      '🔴 CRITICAL · ETH perp on binance is 6.2% from liquidation',
      'Mark 3,412.50, liquidation 3,624.10; target distance 15%.',
      'Do, in this order:',
      '1. move 850 USDT from spot to swap on binance',
      '2. or: buy 0.5 ETH/USDT:USDT perp on binance (reduce)',
    ]);
  });

  it('an action the message already spells out is not repeated', () => {
    const a = { ...drift, message: 'Drift 9.1% long: sell 330 BTC-PERPETUAL contracts on deribit.' };
    expect(renderText(a).match(/sell 330/g)).toHaveLength(1);
  });

  it('reminders and escalations say so; venue alerts have no position', () => {
    expect(renderText(drift, { notice: 'reminder' }).split('\n')[0]).toBe('🟠 WARNING (still firing) · BTC carry on deribit drifted 9.1% long');
    expect(renderText({ ...drift, severity: 'critical' }, { notice: 'escalated' }).split('\n')[0]).toBe('🔴 CRITICAL (escalated) · BTC carry on deribit drifted 9.1% long');
    const down: Alert = { ...drift, kind: 'venue_down', subject: 'bybit', positionId: null, venue: 'bybit', symbol: null, title: 'bybit not answering for 4m', message: '3 scans failed: ExchangeNotAvailable.', actions: [], nextFundingTime: null };
    expect(renderText(down).split('\n').at(-1)).toBe('venue down · bybit · 2026-08-09 13:45 UTC');
    expect(renderText(testAlert(T0)).split('\n')[0]).toBe('🧪 TEST · Test alert from carry');
  });

  it('Slack: & < > escaped (no <!channel> pings), headline bold', () => {
    const a = { ...drift, message: 'Basis <-30 bps & widening <!channel>' };
    const lines = renderText(a, { style: 'slack' }).split('\n');
    expect(lines[0]).toBe('*🟠 WARNING · BTC carry on deribit drifted 9.1% long*');
    expect(lines[1]).toBe('Basis &lt;-30 bps &amp; widening &lt;!channel&gt;');
  });

  it('Discord: markdown characters kept literal', () => {
    const a = { ...drift, positionId: 'pos_7_a', message: '-0.5% *predicted* funding' };
    const lines = renderText(a, { style: 'discord' }).split('\n');
    expect(lines[0]).toBe('**🟠 WARNING · BTC carry on deribit drifted 9.1% long**');
    expect(lines[1]).toBe('\\-0.5% \\*predicted\\* funding');
    expect(lines.at(-1)).toBe('delta drift · position pos\\_7\\_a · deribit BTC/USD:BTC · 2026-08-09 13:45 UTC');
  });

  it('too long for the platform: the message is cut, the headline, order and footer kept', () => {
    const a = { ...drift, message: 'x'.repeat(5_000) };
    const text = renderText(a, { maxLength: 2_000 });
    expect(text.length).toBe(2_000);
    const lines = text.split('\n');
    expect(lines[0]).toBe('🟠 WARNING · BTC carry on deribit drifted 9.1% long');
    expect(lines[1]?.endsWith('x…')).toBe(true);
    expect(lines.slice(2)).toEqual(renderText(drift).split('\n').slice(2));
  });
});

describe('time', () => {
  it.each([
    [2 * 3600_000 + 15 * 60_000, 'in 2h 15m'],
    [2 * 3600_000 + 14 * 60_000 + 59_000, 'in 2h 14m'],
    [45 * 60_000, 'in 45m'],
    [30_000, 'in 30s'],
    [400, 'now'],
    [-3 * 60_000, '3m ago'],
    [26 * 3600_000, 'in 1d 2h'],
  ])('relative(%d) = %s', (ms, text) => {
    expect(relative(ms)).toBe(text);
  });

  it('times are UTC to the minute', () => {
    expect(utcMinute(Date.UTC(2026, 0, 2, 3, 4, 59))).toBe('2026-01-02 03:04 UTC');
  });
});
