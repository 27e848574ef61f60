import { describe, expect, it } from 'vitest';
import { accruedPayment, settlementPayment, type FundingTerms } from '../../src/pricing/funding-payment.js';

const linear: FundingTerms = { settlement: 'linear', contractSize: 1, settle: 'USDT' };
const btcPerpetual: FundingTerms = { settlement: 'inverse', contractSize: 10, settle: 'BTC' };
const HOUR = 3_600_000;

describe('settlementPayment', () => {
  // accounting.md Example 1: short 0.2 BTC/USDT:USDT (cs 1), payment = −q × cs × M × r.
  const example1 = [
    { n: 1, rate: 0.0001, mark: 50_100, paid: 1.002 }, //    0.2 × 50,100 × 0.0001
    { n: 2, rate: 0.00012, mark: 49_900, paid: 1.1976 }, //  0.2 × 49,900 × 0.00012
    { n: 3, rate: -0.00002, mark: 50_050, paid: -0.2002 }, // 0.2 × 50,050 × −0.00002
  ];
  it.each(example1)('Example 1 settlement $n pays the short $paid USDT', ({ rate, mark, paid }) => {
    const p = settlementPayment({ ...linear, contracts: -0.2, markPrice: mark, rate });
    expect(p.amount).toBeCloseTo(paid, 9);
    expect(p.amountQuote).toBeCloseTo(paid, 9);
    expect(p.currency).toBe('USDT');
  });

  it('Example 1 totals 1.9994 USDT over its three settlements', () => {
    const total = example1.reduce((s, r) => s + settlementPayment({ ...linear, contracts: -0.2, markPrice: r.mark, rate: r.rate }).amount, 0);
    expect(total).toBeCloseTo(1.9994, 9);
  });

  it('Example 2: 4,000 short BTC-PERPETUAL contracts receive 12.00 USD = 0.00029993 BTC over 8h at 0.0003', () => {
    const p = settlementPayment({ ...btcPerpetual, contracts: -4000, markPrice: 40_010, rate: 0.0003 });
    // −(−4000) × 10 × 0.0003 = 12 USD; in BTC 12 / 40,010.
    expect(p.amountQuote).toBeCloseTo(12, 9);
    expect(p.amount).toBeCloseTo(12 / 40_010, 15);
    expect(p.amount.toFixed(8)).toBe('0.00029993');
    expect(p.currency).toBe('BTC');
  });

  const rows = [
    // OKX BTC-USDT-SWAP, cs 0.01 BTC: 5 × 0.01 × 60,000 × 0.0002 = 0.6 received
    { name: 'linear short, cs 0.01', terms: { ...linear, contractSize: 0.01 }, q: -5, mark: 60_000, rate: 0.0002, amount: 0.6, quote: 0.6 },
    // a long pays a positive rate: −0.5 × 2,000 × 0.0001 = −0.1
    { name: 'linear long pays r > 0', terms: linear, q: 0.5, mark: 2_000, rate: 0.0001, amount: -0.1, quote: -0.1 },
    // a short pays a negative rate: 1 × 100 × −0.001 = −0.1
    { name: 'linear short pays r < 0', terms: linear, q: -1, mark: 100, rate: -0.001, amount: -0.1, quote: -0.1 },
    // coin-M long 100 × 100 USD at r 0.0001 pays 1 USD = 1 / 50,000 BTC
    { name: 'inverse long pays r > 0', terms: { ...btcPerpetual, contractSize: 100 }, q: 100, mark: 50_000, rate: 0.0001, amount: -0.00002, quote: -1 },
    { name: 'zero rate pays exactly 0', terms: linear, q: -1, mark: 100, rate: 0, amount: 0, quote: 0 },
    { name: 'no contracts pay nothing', terms: btcPerpetual, q: 0, mark: 100, rate: 0.01, amount: 0, quote: 0 },
  ];
  it.each(rows)('$name', ({ terms, q, mark, rate, amount, quote }) => {
    const p = settlementPayment({ ...terms, contracts: q, markPrice: mark, rate });
    expect(p.amount).toBeCloseTo(amount, 12);
    expect(p.amountQuote).toBeCloseTo(quote, 12);
    expect(Object.is(p.amount, -0)).toBe(false);
  });

  it.each([
    ['zero mark', { markPrice: 0 }],
    ['NaN rate', { rate: Number.NaN }],
    ['zero contract size', { contractSize: 0 }],
    ['infinite contracts', { contracts: Number.POSITIVE_INFINITY }],
  ])('rejects %s', (_n, bad) => {
    expect(() => settlementPayment({ ...linear, contracts: -1, markPrice: 100, rate: 0.0001, ...bad })).toThrow(RangeError);
  });
});

describe('accruedPayment (continuous)', () => {
  it('Example 2 accrued over a full 8h equals the 12.00 USD settlement', () => {
    const p = accruedPayment({ ...btcPerpetual, contracts: -4000, markPrice: 40_010, rate: 0.0003, rateIntervalHours: 8, periodStart: 0, periodEnd: 8 * HOUR });
    expect(p.amountQuote).toBeCloseTo(12, 9);
    expect(p.amount).toBeCloseTo(12 / 40_010, 15);
  });

  it('accrues pro rata: 2h of an 8h rate is a quarter, inverse', () => {
    const p = accruedPayment({ ...btcPerpetual, contracts: -4000, markPrice: 40_010, rate: 0.0003, rateIntervalHours: 8, periodStart: 1000, periodEnd: 1000 + 2 * HOUR });
    expect(p.amountQuote).toBeCloseTo(3, 12);
    expect(p.amount).toBeCloseTo(3 / 40_010, 15);
  });

  it('linear continuous (USDC perp): 0.3 × 60,000 × 0.0004 × 2/8 = 1.8 USDC', () => {
    const p = accruedPayment({ settlement: 'linear', contractSize: 1, settle: 'USDC', contracts: -0.3, markPrice: 60_000, rate: 0.0004, rateIntervalHours: 8, periodStart: 0, periodEnd: 2 * HOUR });
    expect(p.amount).toBeCloseTo(1.8, 12);
    expect(p.currency).toBe('USDC');
  });

  it('an empty period accrues 0; a reversed one is refused', () => {
    const base = { ...btcPerpetual, contracts: -4000, markPrice: 40_010, rate: 0.0003, rateIntervalHours: 8 };
    expect(accruedPayment({ ...base, periodStart: 5, periodEnd: 5 }).amount).toBe(0);
    expect(() => accruedPayment({ ...base, periodStart: 5, periodEnd: 4 })).toThrow(RangeError);
    expect(() => accruedPayment({ ...base, rateIntervalHours: 0, periodStart: 0, periodEnd: 1 })).toThrow(RangeError);
  });
});
