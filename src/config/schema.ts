/**
 * The one config schema. Strict: an unknown key is an error, not ignored. Every field has a
 * description, shown by `carry config check --explain`. Secrets never live here: they come
 * from the environment (.env), see src/config/secrets.ts.
 */
import { z } from 'zod';
import { spotPerpCarryParamsSchema } from '../../strategies/spot-perp-carry/params.js';

const positive = () => z.number().positive();

export const venueConfigSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Include this venue in scans and trading.'),
    ccxtId: z
      .string()
      .optional()
      .describe('ccxt exchange id when it differs from the key (e.g. key "binance-2" → ccxtId "binance").'),
    timeoutMs: z.number().int().min(500).max(120_000).default(10_000).describe('Per-request timeout for this venue.'),
    options: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Extra ccxt constructor options for this venue (merged over carry defaults).'),
  })
  .strict();

export const scanSchema = z
  .object({
    periodSeconds: z.number().int().min(5).max(86_400).default(60).describe('Seconds between scans (daemon and staleness).'),
    notional: positive().default(10_000).describe('Target notional in USD at which each opportunity is priced.'),
    holdHours: positive().default(72).describe('Planned holding period used for net return and annualisation.'),
    maxSlippageBps: positive().default(10).describe('Per-leg slippage cap vs mid used to solve max notional.'),
    minQuoteVolume24h: z.number().min(0).default(1_000_000).describe('Minimum 24h perp volume in quote currency.'),
    minNetApr: z.number().default(0).describe('Minimum net APR (decimal, 0.1 = 10%) to list an opportunity as ok.'),
    top: z.number().int().min(1).max(10_000).default(20).describe('Rows shown by `carry scan`.'),
    bookDepth: z.number().int().min(5).max(1000).default(50).describe('Order-book levels fetched per side.'),
    depthCandidates: z
      .number()
      .int()
      .min(0)
      .max(500)
      .default(10)
      .describe('Per venue, how many pairs (by gross APR) get their books fetched and are priced by depth.'),
    staleAfterScans: positive().default(2).describe('A snapshot older than this many scan periods is filtered as stale.'),
    marketsRefreshMinutes: z.number().int().min(1).default(60).describe('Minutes between market (instrument) reloads.'),
  })
  .strict();

export const logSchema = z
  .object({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info').describe('Log level.'),
    format: z
      .enum(['auto', 'json', 'pretty'])
      .default('auto')
      .describe('auto: readable lines on a terminal, JSON otherwise.'),
  })
  .strict();

export const paperSchema = z
  .object({
    startingBalance: positive().default(10_000).describe('Paper wallet per venue at the start, in startingCurrency.'),
    startingCurrency: z.string().min(1).default('USDT').describe('Currency of the starting paper balance (Deribit gets USDC if this is USDT).'),
    balances: z
      .record(z.string(), z.record(z.string(), z.number().min(0)))
      .default({})
      .describe('Per-venue starting balances overriding startingBalance, e.g. {"deribit": {"USDC": 5000}}.'),
    latencyMs: z.number().int().min(0).max(60_000).default(150).describe('Simulated order latency: the book an IOC fills against is the one this much later.'),
    perpLeverage: positive().max(125).default(3).describe('Leverage assumed for perp margin when computing free capital (linear perps).'),
  })
  .strict();

export const storeSchema = z
  .object({
    path: z.string().min(1).default('./data/carry.db').describe('SQLite ledger for paper trading (WAL). Paper and live never share a file.'),
    livePath: z.string().min(1).default('./data/carry-live.db').describe('SQLite ledger for live trading.'),
  })
  .strict();

export const jobsSchema = z
  .object({
    scan: z.string().default('* * * * *').describe('Cron (UTC, 5 or 6 fields) for scan + decide + execute.'),
    monitor: z.string().default('*/15 * * * * *').describe('Cron for the monitor: funding accrual, marks, flags.'),
    settlementLeadSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(60)
      .describe('The pre-settlement check runs this many seconds before each settlement of a held perp.'),
    dailySummary: z.string().default('0 0 * * *').describe('Cron for the daily summary (equity snapshot and log line).'),
  })
  .strict();

export const riskSchema = z
  .object({
    maxPositionNotional: positive().default(25_000).describe('Cap on one position, quote currency.'),
    maxVenueNotional: positive().default(50_000).describe('Cap on all positions on one venue.'),
    maxTotalNotional: positive().default(100_000).describe('Cap on all positions.'),
  })
  .strict();

const faultRate = (what: string) => z.number().min(0).max(1).optional().describe(`Probability per call of ${what}.`);

/** Faults the sim market injects for one venue (see src/venues/sim/faults.ts): deterministic by seed and clock. */
export const simVenueFaultsSchema = z
  .object({
    timeoutRate: faultRate('a request timeout (ccxt.RequestTimeout)'),
    rateLimitRate: faultRate('HTTP 429 (ccxt.RateLimitExceeded)'),
    unavailableRate: faultRate('HTTP 5xx (ccxt.ExchangeNotAvailable)'),
    garbageRate: faultRate('a malformed item (NaN or string rate, missing mark, crossed or empty book)'),
    maintenance: z
      .union([
        z
          .object({
            everyHours: positive().describe('A window starts every this many hours, aligned to 00:00 UTC.'),
            durationMinutes: positive().describe('How long each window lasts; at most everyHours × 60.'),
            offsetHours: z.number().min(0).optional().describe('Hours after 00:00 UTC at which the windows start.'),
          })
          .strict()
          .refine((w) => w.durationMinutes <= w.everyHours * 60, { message: 'durationMinutes must be at most everyHours × 60' }),
        z
          .array(
            z
              .object({
                start: z.iso.datetime({ offset: true }).describe('Start of the outage (ISO 8601), inclusive.'),
                end: z.iso.datetime({ offset: true }).describe('End of the outage (ISO 8601), exclusive.'),
              })
              .strict()
              .refine((w) => Date.parse(w.end) > Date.parse(w.start), { message: 'end must be after start' }),
          ),
      ])
      .optional()
      .describe('Maintenance: every call inside a window throws ccxt.OnMaintenance (the venue stops answering).'),
  })
  .strict();

export const simSchema = z
  .object({
    faults: z
      .record(z.string(), simVenueFaultsSchema)
      .default({})
      .describe('Sim market only: faults per configured venue name, e.g. {"bybit": {"maintenance": [{"start": "...", "end": "..."}]}}.'),
  })
  .strict();

/** decide() rules of the spot-perp carry strategy; the ranker's fields live under `scan`. */
export const strategySchema = spotPerpCarryParamsSchema
  .pick({
    entryMinNetApr: true,
    positiveObservations: true,
    noEntryBeforeSettlementMinutes: true,
    maxOpenPositions: true,
    allowReverse: true,
    minNotional: true,
    exitNegativeSettlements: true,
    exitRateBelow: true,
    switchMinAprGain: true,
    maxHoldHours: true,
  })
  .extend({
    unwindSlippageBps: z
      .number()
      .positive()
      .max(1000)
      .default(50)
      .describe('Worst price accepted when unwinding a leg that could not be hedged, in bps from its average fill.'),
  })
  .strict();

export const configSchema = z
  .object({
    market: z
      .string()
      .default('live')
      .describe('Market data source: live | sim[:SEED] | replay:FILE.'),
    venues: z
      .record(z.string(), venueConfigSchema)
      .default({})
      .describe('Venues keyed by name; the name is the ccxt id unless ccxtId is given.'),
    scan: scanSchema.default(scanSchema.parse({})),
    log: logSchema.default(logSchema.parse({})),
    paper: paperSchema.default(paperSchema.parse({})),
    store: storeSchema.default(storeSchema.parse({})),
    jobs: jobsSchema.default(jobsSchema.parse({})),
    risk: riskSchema.default(riskSchema.parse({})),
    strategy: strategySchema.default(strategySchema.parse({})),
    sim: simSchema.default(simSchema.parse({})).describe('Settings of the seeded sim market (--market sim).'),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type VenueConfig = z.infer<typeof venueConfigSchema>;
export type ScanConfig = z.infer<typeof scanSchema>;
export type PaperConfig = z.infer<typeof paperSchema>;
export type JobsConfig = z.infer<typeof jobsSchema>;
export type RiskConfig = z.infer<typeof riskSchema>;
export type StrategyConfig = z.infer<typeof strategySchema>;
export type SimConfig = z.infer<typeof simSchema>;
