import { describe, expect, it } from 'vitest';
import { transfersDue } from '../../src/app/live-transfers.js';
import type { Alert, CorrectiveAction } from '../../src/domain/alert.js';

const alert = (over: Partial<Alert> & { actions: readonly CorrectiveAction[] }): Alert => ({
  id: 'a1',
  kind: 'margin',
  severity: 'critical',
  subject: 'P1',
  positionId: 'P1',
  venue: 'x',
  symbol: 'BTC/USDT:USDT',
  ts: 0,
  status: 'firing',
  title: '',
  message: '',
  data: {},
  nextFundingTime: null,
  ...over,
});
const tr = (venue: string, from: string, to: string): CorrectiveAction => ({ kind: 'transfer', venue, currency: 'USDT', amount: 5, from, to, text: '' });

describe('transfersDue: which margin transfers carry makes itself', () => {
  it.each([
    ['binance USDT-M: spot → swap', [alert({ actions: [tr('binance', 'spot', 'swap')] })], [], [['spot', 'futures']]],
    ['bybit: funding → unified', [alert({ actions: [tr('bybit', 'funding', 'unified')] })], [], [['funding', 'unified']]],
    ['okx: funding → trading', [alert({ actions: [tr('okx', 'funding', 'trading')] })], [], [['funding', 'unified']]],
    ['deribit: a deposit by hand, never attempted', [alert({ actions: [tr('deribit', 'external', 'main')] })], [], []],
    ['binance coin-M (inverse): no wallet carry models, not attempted', [alert({ actions: [tr('binance', 'spot', 'inverse')] })], [], []],
    ['an episode already acted on', [alert({ actions: [tr('binance', 'spot', 'swap')] })], ['a1'], []],
    ['a reduction, not a transfer', [alert({ actions: [{ kind: 'order', venue: 'x', symbol: 's', leg: 'perp', side: 'buy', amount: 1, contracts: 1, text: '' }] })], [], []],
    ['another kind of alert', [alert({ kind: 'delta_drift', actions: [tr('binance', 'spot', 'swap')] })], [], []],
    ['resolved', [alert({ status: 'resolved', actions: [tr('binance', 'spot', 'swap')] })], [], []],
  ])('%s', (_name, alerts, done, want) => {
    expect(transfersDue(alerts, new Set(done)).map((t) => [t.from, t.to])).toEqual(want);
  });
});
