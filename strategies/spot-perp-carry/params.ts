/**
 * Parameters of the spot-perp carry strategy: ranking (rank.ts) and entry/exit (decide.ts).
 * Strict: an unknown key is an error, so a typo cannot silently fall back to a default.
 * All APRs are decimals (0.1 = 10%), simple, not compounded.
 */
import { z } from 'zod';

/**
 * The fields, without the cross-field rules: what src/config/schema.ts picks its `strategy`
 * section from (zod refuses .pick() on a refined object). Parse with spotPerpCarryParamsSchema.
 */
export const spotPerpCarryParamsObject = z
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
        "Close when the perp's current rate, as gross APR in the position's favour (rate × 24/interval × 365, sign flipped for reverse), is below this, and the funding still expected over the rest of holdHours does not cover the exit cost. Must be below entryMinNetApr (hysteresis): every entry's gross APR is at least entryMinNetApr plus its round trip.",
      ),
    minHoldHours: z
      .number()
      .min(0)
      .finite()
      .default(8)
      .describe(
        "No signal exit (funding_negative, rate_below_exit, better_opportunity) before a position has been open max(this, one funding interval of its perp) hours; continuous funding (Deribit) counts its quoted 8h. Risk exits (margin, liquidation, drift that cannot be rebalanced, halt) and maxHoldHours are never delayed by it. Default 8: one 8h period, so 1h and 4h perps are not churned faster than 8h ones.",
      ),
    switchMinAprGain: z
      .number()
      .min(0)
      .finite()
      .default(0.5)
      .describe(
        "Close a held position for a better opportunity that M or one-base-per-venue blocks when: candidate net APR − held funding APR − held exit cost × 8760/holdHours >= this. The candidate's net APR already pays its own round trip over holdHours. Default 0.5 (50% APR, 0.41% of notional over a 72h hold, about two round trips): the candidate's edge is an estimate over a hold that funding's mean reversion rarely lets it keep, so a smaller margin switched into trades that lost their fees (docs/paper-trading.md).",
      ),
    maxHoldHours: z
      .number()
      .positive()
      .finite()
      .default(14 * 24)
      .describe('Close a position held this long (hours since opened), whatever funding does.'),
  })
  .strict();

/** The fields the cross-field rules read (both the params and the config's strategy section have them). */
type ExitEntryFields = Pick<z.infer<typeof spotPerpCarryParamsObject>, 'entryMinNetApr' | 'exitRateBelow' | 'minHoldHours' | 'maxHoldHours'>;

/**
 * Hysteresis and hold bounds, as zod issues (path = the field to change). Like with like: an
 * entry needs net APR >= entryMinNetApr, and net APR = gross APR − round trip × 8760/holdHours,
 * so every entry's gross APR is above entryMinNetApr. An exit threshold (gross APR) at or above
 * entryMinNetApr would close, at once, positions at a rate level the strategy would still enter
 * at; below it, the two are separated by at least the round trip.
 */
export function crossFieldIssues(p: ExitEntryFields): { readonly path: readonly string[]; readonly message: string; readonly input: number }[] {
  const out: { path: readonly string[]; message: string; input: number }[] = [];
  if (Number.isFinite(p.exitRateBelow) && Number.isFinite(p.entryMinNetApr) && p.exitRateBelow >= p.entryMinNetApr) {
    out.push({
      path: ['exitRateBelow'],
      input: p.exitRateBelow,
      message:
        `exitRateBelow below entryMinNetApr (${p.entryMinNetApr}, net APR), not ${p.exitRateBelow} (gross APR): ` +
        'an exit threshold at or above the entry one closes positions at a rate level the strategy would still enter at',
    });
  }
  if (Number.isFinite(p.minHoldHours) && Number.isFinite(p.maxHoldHours) && p.minHoldHours >= p.maxHoldHours) {
    out.push({
      path: ['minHoldHours'],
      input: p.minHoldHours,
      message: `minHoldHours below maxHoldHours (${p.maxHoldHours}), not ${p.minHoldHours}: otherwise no signal exit could ever happen`,
    });
  }
  return out;
}

/** Adds crossFieldIssues to a zod refinement context. */
export function refineCrossFields(p: ExitEntryFields, ctx: z.RefinementCtx): void {
  for (const i of crossFieldIssues(p)) ctx.addIssue({ code: 'custom', path: [...i.path], message: i.message, input: i.input });
}

export const spotPerpCarryParamsSchema = spotPerpCarryParamsObject.superRefine(refineCrossFields);

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
