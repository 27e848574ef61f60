/**
 * accounting.md's two worked examples, booked through the ledger: the realised numbers there
 * must come out of the projections and the wallet sums exactly (1e-9).
 */
import { describe, expect, it } from 'vitest';
import type { LedgerEvent } from '../../src/domain/events.js';
import {
  HOUR,
  T0,
  balance,
  created,
  funded,
  inverseSpec,
  linearFunding,
  linearSpec,
  memoryLedger,
  trade,
  transition,
} from './fixtures.js';

describe('accounting.md Example 1 — linear, Binance BTC, three settlements', () => {
  const spec = linearSpec('ex1');
  // The doc's payment table: rate, mark, payment to the short (hand-computed there).
  const settlements = [
    { t: T0 + 8 * HOUR, rate: 0.0001, mark: 50_100, paid: 1.002 },
    { t: T0 + 16 * HOUR, rate: 0.00012, mark: 49_900, paid: 1.1976 },
    { t: T0 + 24 * HOUR, rate: -0.00002, mark: 50_050, paid: -0.2002 },
  ];
  const events: LedgerEvent[] = [
    funded('binance', 'USDT', 20_000),
    created(spec),
    ...trade({ spec, leg: 'spot', side: 'buy', qty: 0.2, price: 50_000, feeRate: 0.001 }),
    ...trade({ spec, leg: 'perp', side: 'sell', qty: 0.2, price: 50_010, feeRate: 0.0005, purpose: 'hedge' }),
    transition('ex1', 'pending_open', 'open', T0 + 1),
    ...settlements.map((s) => linearFunding(spec, -0.2, s.t, s.rate, s.mark, s.paid)),
    transition('ex1', 'open', 'closing', T0 + 25 * HOUR),
    ...trade({ spec, leg: 'spot', side: 'sell', qty: 0.2, price: 50_200, feeRate: 0.001, purpose: 'close', ts: T0 + 25 * HOUR }),
    ...trade({ spec, leg: 'perp', side: 'buy', qty: 0.2, price: 50_215, feeRate: 0.0005, purpose: 'close', ts: T0 + 25 * HOUR }),
    transition('ex1', 'closing', 'closed', T0 + 25 * HOUR + 1),
  ];

  it('the doc payment table follows −q × cs × M × r for the short', () => {
    for (const s of settlements) expect(-(-0.2) * 1 * s.mark * s.rate).toBeCloseTo(s.paid, 12);
  });

  it('spot +40, perp −41, fees 30.0625, funding 1.9994, net −29.0631 USDT', () => {
    const l = memoryLedger();
    l.append(events);
    const p = l.position('ex1');
    expect(p).not.toBeNull();
    if (p === null) return;
    expect(p.state).toBe('closed');
    expect(p.spotQty).toBe(0);
    expect(p.perpContracts).toBe(0);
    expect(p.spotEntryPrice).toBeNull();
    expect(p.perpEntryPrice).toBeNull();
    expect(p.realisedSpot).toBeCloseTo(40, 9);
    expect(p.realisedPerp).toBeCloseTo(-41, 9);
    expect(p.realisedPerpQuote).toBeCloseTo(-41, 9);
    expect(p.feesQuote).toBeCloseTo(30.0625, 9);
    expect(p.funding).toBeCloseTo(1.9994, 9);
    expect(p.fundingQuote).toBeCloseTo(1.9994, 9);
    expect(p.realisedSpot + p.realisedPerp - p.feesQuote + p.funding).toBeCloseTo(-29.0631, 9);

    // The wallet is the sum of its entries: 20,000 in, net −29.0631 out, no BTC left.
    expect(balance(l, 'binance', 'USDT')).toBeCloseTo(20_000 - 29.0631, 9);
    expect(balance(l, 'binance', 'BTC')).toBeCloseTo(0, 12);
    const byReason = (reason: string): number =>
      l
        .walletEntries({ positionId: 'ex1' })
        .filter((e) => e.reason === reason && e.currency === 'USDT')
        .reduce((s, e) => s + e.amount, 0);
    expect(byReason('fee')).toBeCloseTo(-(10 + 5.001 + 10.04 + 5.0215), 9);
    expect(byReason('funding')).toBeCloseTo(1.9994, 9);
    expect(byReason('realised_pnl')).toBeCloseTo(-41, 9);
    expect(byReason('spot_buy') + byReason('spot_sell')).toBeCloseTo(40, 9);

    // Each payment is a row with the rate and mark it used.
    expect(l.fundingPayments('ex1').map((f) => [f.rate, f.markPrice, f.amount])).toEqual(settlements.map((s) => [s.rate, s.mark, s.paid]));
    // The closing fills carry what they realised.
    const closing = l.fills('ex1').filter((f) => f.realisedPnl !== null);
    expect(closing.map((f) => [f.leg, f.realisedPnlCurrency])).toEqual([
      ['spot', 'USDT'],
      ['perp', 'USDT'],
    ]);
    expect(closing[0]?.realisedPnl).toBeCloseTo(40, 9);
    expect(closing[1]?.realisedPnl).toBeCloseTo(-41, 9);
    expect(l.verify().ok).toBe(true);
  });
});

describe('accounting.md Example 2 — inverse, Deribit BTC-PERPETUAL', () => {
  const spec = inverseSpec('ex2');
  const opened: LedgerEvent[] = [
    funded('deribit', 'USDC', 40_000),
    funded('deribit', 'BTC', 2),
    created(spec, T0, 40_000),
    ...trade({ spec, leg: 'spot', side: 'buy', qty: 1, price: 40_000, feeRate: 0 }),
    ...trade({ spec, leg: 'perp', side: 'sell', qty: 4_000, price: 40_020, feeRate: 0, purpose: 'hedge' }),
    transition('ex2', 'pending_open', 'open', T0 + 1),
    {
      // 8 hours at r8h = 0.0003, mark 40,010: the short receives 12.00 USD = 0.00029993 BTC.
      type: 'funding.payment',
      ts: T0 + 8 * HOUR,
      positionId: 'ex2',
      venue: 'deribit',
      symbol: 'BTC/USD:BTC',
      settlementTime: T0 + 8 * HOUR,
      periodStart: T0,
      rate: 0.0003,
      markPrice: 40_010,
      contracts: -4_000,
      contractSize: 10,
      settlement: 'inverse',
      amount: (4_000 * 10 * 0.0003) / 40_010,
      currency: 'BTC',
      amountQuote: 12,
    },
  ];

  it('funding in the coin, perp P&L −0.0904093 BTC (−3,978.01 USD) at 44,000, spot +4,000', () => {
    const l = memoryLedger();
    l.append(opened);
    const p0 = l.position('ex2');
    expect(p0?.perpContracts).toBe(-4_000);
    expect(p0?.perpEntryPrice).toBe(40_020);
    expect(p0?.funding).toBeCloseTo(0.00029993, 8);
    expect(p0?.fundingQuote).toBeCloseTo(12, 9);

    l.append([
      transition('ex2', 'open', 'closing', T0 + 9 * HOUR),
      ...trade({ spec, leg: 'perp', side: 'buy', qty: 4_000, price: 44_000, feeRate: 0, purpose: 'close', ts: T0 + 9 * HOUR }),
      ...trade({ spec, leg: 'spot', side: 'sell', qty: 1, price: 44_000, feeRate: 0, purpose: 'close', ts: T0 + 9 * HOUR }),
      transition('ex2', 'closing', 'closed', T0 + 9 * HOUR),
    ]);
    const p = l.position('ex2');
    if (p === null) throw new Error('position missing');
    // −q × cs × (1/P0 − 1/P1) with q = −4000 short: −4000 × 10 × (1/40,020 − 1/44,000)
    const perpPnl = -4_000 * 10 * (1 / 40_020 - 1 / 44_000);
    expect(p.realisedPerp).toBeCloseTo(-0.0904093, 7);
    expect(p.realisedPerp).toBeCloseTo(perpPnl, 12);
    expect(p.realisedPerpQuote).toBeCloseTo(-3_978.01, 2);
    expect(p.realisedSpot).toBeCloseTo(4_000, 9);
    expect(p.perpContracts).toBe(0);
    expect(p.spotQty).toBe(0);

    // BTC: 2 posted, +1 bought, +funding, +perp P&L (negative), −1 sold.
    expect(balance(l, 'deribit', 'BTC')).toBeCloseTo(2 + 12 / 40_010 + perpPnl, 12);
    // USDC: 40,000 − 40,000 + 44,000.
    expect(balance(l, 'deribit', 'USDC')).toBeCloseTo(44_000, 9);
    const perpClose = l.fills('ex2').find((f) => f.leg === 'perp' && f.side === 'buy');
    expect(perpClose?.realisedPnlCurrency).toBe('BTC');
    expect(perpClose?.realisedPnl).toBeCloseTo(perpPnl, 12);
    expect(l.verify().ok).toBe(true);
  });
});
