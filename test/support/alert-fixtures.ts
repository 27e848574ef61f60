/**
 * The drift alert the alert tests share. Deribit inverse perp after BTC rose 10%: a 33,000 USD
 * short now covers 0.9091 BTC of the 1 BTC spot.
 */
import type { Alert } from '../../src/domain/alert.js';

export const T0 = Date.UTC(2026, 7, 9, 13, 45);

export const drift: Alert = {
  id: 'delta_drift:pos-7:1786283100000',
  kind: 'delta_drift',
  severity: 'warning',
  subject: 'pos-7',
  positionId: 'pos-7',
  venue: 'deribit',
  symbol: 'BTC/USD:BTC',
  ts: T0,
  status: 'firing',
  title: 'BTC carry on deribit drifted 9.1% long',
  message: 'Spot 1.0000 BTC vs perp −0.9091 BTC (33,000 USD at mark 36,300).',
  actions: [
    { kind: 'order', venue: 'deribit', symbol: 'BTC/USD:BTC', leg: 'perp', side: 'sell', amount: 3300, contracts: 330, text: 'sell 330 BTC-PERPETUAL contracts on deribit' },
  ],
  data: { driftPct: 9.09, spotBase: 1, perpBase: -0.9091, mark: 36_300 },
  nextFundingTime: Date.UTC(2026, 7, 9, 16, 0),
};
