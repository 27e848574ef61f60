/**
 * Parameters of the spot-perp carry strategy: ranking (rank.ts) and entry/exit (decide.ts).
 * Strict: an unknown key is an error, so a typo cannot silently fall back to a default.
 * All APRs are decimals (0.1 = 10%), simple, not compounded.
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

    // decide(): entry
    entryMinNetApr: z
      .number()
      .finite()
      .default(0.1)
      .describe(
        'Minimum net APR over holdHours (after fees, slippage and borrow) for decide() to open a position. Separate from minNetApr, which only decides what the ranker labels ok; an entry needs both.',
      ),
    positiveObservations: z
      .number()
      .int()
      .min(1)
      .default(3)
      .describe(
        'K: enter only if each of the last K funding observations of the perp (one per scan) was strictly in the trade\'s favour (positive for carry, negative for reverse).',
      ),
    noEntryBeforeSettlementMinutes: z
      .number()
      .min(0)
      .finite()
      .default(10)
      .describe(
        'No entry when the next settlement is this close or closer (nextFundingTime − now <= window, boundary included). Not applied to continuous funding (Deribit), which has no discrete settlement.',
      ),
    maxOpenPositions: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe('M: most positions open at once across all venues, counting every position not closed or failed.'),
    allowReverse: z
      .boolean()
      .default(false)
      .describe(
        'Let decide() open reverse carry (borrowed spot). Off by default for paper: the borrow cost is not known for certain. reverseCarry only makes the ranker price them.',
      ),
    minNotional: z
      .number()
      .positive()
      .finite()
      .default(100)
      .describe(
        'Smallest notional (quote) worth opening. Entry notional = min(notional, opportunity max notional, free capital on the venue); below this the opportunity is skipped.',
      ),

    // decide(): exit
    exitNegativeSettlements: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Close when funding was against the position at each of this many settlements it was open for (continuous funding: windows of one interval). Unset = positiveObservations.',
      ),
    exitRateBelow: z
      .number()
      .finite()
      .default(0.02)
      .describe(
        "Close when the perp's current rate, as gross APR in the position's favour (rate × 24/interval × 365, sign flipped for reverse), is below this.",
      ),
    switchMinAprGain: z
      .number()
      .min(0)
      .finite()
      .default(0.15)
      .describe(
        "Close a held position for a better opportunity that M or one-base-per-venue blocks when: candidate net APR − held funding APR − held exit cost × 8760/holdHours >= this. The candidate's net APR already pays its own round trip over holdHours.",
      ),
    maxHoldHours: z
      .number()
      .positive()
      .finite()
      .default(14 * 24)
      .describe('Close a position held this long (hours since opened), whatever funding does.'),
  })
  .strict();

export type SpotPerpCarryParams = z.infer<typeof spotPerpCarryParamsSchema>;

export const defaultSpotPerpCarryParams: SpotPerpCarryParams = Object.freeze(spotPerpCarryParamsSchema.parse({}));

/** Settlements against a position that close it (exitNegativeSettlements, defaulting to K). */
export function exitSettlementsK(p: SpotPerpCarryParams): number {
  return p.exitNegativeSettlements ?? p.positiveObservations;
}

/** Entries a FundingHistory must keep per perp to answer decide() with these params. */
export function fundingHistoryCapacity(p: SpotPerpCarryParams): number {
  return Math.max(p.positiveObservations, exitSettlementsK(p));
}
