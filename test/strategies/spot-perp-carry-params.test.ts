import { describe, expect, it } from 'vitest';
import { defaultSpotPerpCarryParams, spotPerpCarryParamsSchema } from '../../strategies/spot-perp-carry/params.js';

describe('spot-perp carry params', () => {
  it('has documented defaults', () => {
    expect(defaultSpotPerpCarryParams).toEqual({
      notional: 10_000,
      holdHours: 72,
      maxSlippageBps: 10,
      minQuoteVolume24h: 1_000_000,
      minNetApr: 0,
      staleAfterMs: 120_000,
      depthCandidates: 10,
      reverseCarry: true,
      entryMinNetApr: 0.1,
      positiveObservations: 3,
      noEntryBeforeSettlementMinutes: 10,
      maxOpenPositions: 3,
      allowReverse: false,
      minNotional: 100,
      exitRateBelow: 0.02,
      switchMinAprGain: 0.5,
      maxHoldHours: 336,
      minHoldHours: 8,
    });
  });

  it('describes every field', () => {
    for (const [key, field] of Object.entries(spotPerpCarryParamsSchema.shape)) {
      expect(field.description, key).toBeTruthy();
    }
  });

  it('rejects an unknown key instead of ignoring a typo', () => {
    expect(spotPerpCarryParamsSchema.safeParse({ holdHour: 24 }).success).toBe(false);
  });

  it.each([
    ['notional', { notional: 0 }],
    ['notional', { notional: -5 }],
    ['holdHours', { holdHours: 0 }],
    ['maxSlippageBps', { maxSlippageBps: -1 }],
    ['minQuoteVolume24h', { minQuoteVolume24h: -1 }],
    ['staleAfterMs', { staleAfterMs: 1.5 }],
    ['depthCandidates', { depthCandidates: 501 }],
    ['notional', { notional: Number.POSITIVE_INFINITY }],
  ])('rejects a bad %s', (_k, v) => {
    expect(spotPerpCarryParamsSchema.safeParse(v).success).toBe(false);
  });

  it('accepts a negative min net APR (show losing trades as ok)', () => {
    expect(spotPerpCarryParamsSchema.parse({ minNetApr: -1 }).minNetApr).toBe(-1);
  });
});
