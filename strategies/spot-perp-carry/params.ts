/**
 * Parameters of the spot-perp carry strategy (ranking now, decide() later). Strict: an unknown
 * key is an error, so a typo cannot silently fall back to a default.
 */
import { z } from 'zod';

export const spotPerpCarryParamsSchema = z
  .object({
    notional: z
      .number()
      .positive()
      .finite()
      .default(10_000)
      .describe('Target notional per leg in USD (quote) at which each opportunity is priced by walking the books.'),
    holdHours: z
      .number()
      .positive()
      .finite()
      .default(72)
      .describe('Planned holding period in hours: funding earned and borrow paid over it, round trip paid once.'),
    maxSlippageBps: z
      .number()
      .positive()
      .finite()
      .default(10)
      .describe(
        'Per-leg entry slippage cap vs mid in bps. Max notional is solved at this cap; a target notional above it is filtered as "book too thin for notional".',
      ),
    minQuoteVolume24h: z
      .number()
      .min(0)
      .finite()
      .default(1_000_000)
      .describe('Minimum 24h perp traded value in quote currency; unknown volume fails it unless this is 0.'),
    minNetApr: z
      .number()
      .finite()
      .default(0)
      .describe('Minimum net APR (decimal, 0.1 = 10%) after fees, slippage and borrow for status ok.'),
    staleAfterMs: z
      .number()
      .int()
      .positive()
      .default(120_000)
      .describe('Funding, ticker or book data older than this (now − receivedAt) is filtered as stale.'),
    depthCandidates: z
      .number()
      .int()
      .min(0)
      .max(500)
      .default(10)
      .describe('Per venue, how many pairs (by |gross APR|, after cheap filters) get their books fetched.'),
    reverseCarry: z
      .boolean()
      .default(true)
      .describe('Consider negative funding: borrow and sell spot, long the perp. false filters those pairs.'),
  })
  .strict();

export type SpotPerpCarryParams = z.infer<typeof spotPerpCarryParamsSchema>;

export const defaultSpotPerpCarryParams: SpotPerpCarryParams = Object.freeze(spotPerpCarryParamsSchema.parse({}));
