/**
 * The one config schema. Strict: an unknown key is an error, not ignored. Every field has a
 * description, shown by `carry config check --explain`. Secrets never live here: they come
 * from the environment (.env), see src/config/secrets.ts.
 */
import { z } from 'zod';
import { ALERT_KINDS } from '../domain/alert.js';
import { refineCrossFields, spotPerpCarryParamsObject } from '../../strategies/spot-perp-carry/params.js';

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
    periodSeconds: z.number().int().min(5).max(86_400).default(300).describe('Seconds between scans (daemon and staleness).'),
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

export const historySchema = z
  .object({
    path: z
      .string()
      .min(1)
      .default('./data/history.db')
      .describe('SQLite history store (funding histories for backtests, docs/history-store.md); separate from the ledgers.'),
  })
  .strict();

export const jobsSchema = z
  .object({
    scan: z.string().default('*/5 * * * *').describe('Cron (UTC, 5 or 6 fields) for scan + decide + execute.'),
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
    maxLeverage: positive()
      .max(125)
      .default(3)
      .describe("Most leverage a position's perp leg may carry (perp notional / the collateral behind it); an open that would exceed it is refused."),
    minLiquidationDistance: z
      .number()
      .positive()
      .lt(1)
      .default(0.25)
      .describe("Smallest distance to liquidation, |liquidation − mark| / mark (0.25 = 25%), a position's perp may open at; closer is refused."),
    dailyLossLimit: positive()
      .default(500)
      .describe('Most a UTC day may lose, in quote currency (realised + funding − fees); once lost, no new positions until the next UTC day.'),
  })
  .strict();

export const fundingToleranceSchema = z
  .object({
    relative: z
      .number()
      .min(0)
      .max(1)
      .default(0.05)
      .describe('Share of the expected funding payment the actual one may differ by (0.05 = 5%).'),
    absolute: z
      .number()
      .min(0)
      .default(0.01)
      .describe('Floor of the tolerance in quote currency, so a tiny payment is not flagged for a rounding cent: accepted when |actual − expected| ≤ max(relative × |expected|, absolute).'),
  })
  .strict();

export const liveSchema = z
  .object({
    legTimeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(300_000)
      .default(15_000)
      .describe('Longest a filled leg may stay unhedged (its other leg not filled) before it is unwound, ms.'),
    orderTimeoutMs: z
      .number()
      .int()
      .min(500)
      .max(120_000)
      .default(10_000)
      .describe('Longest one order may go unanswered before it is asked for by client id (and cancelled if still open), ms.'),
    recvWindowMs: z
      .number()
      .int()
      .min(1_000)
      .max(60_000)
      .default(10_000)
      .describe('How long after its timestamp a signed request stays valid at the venue (Binance recvWindow), ms; a request delayed beyond it is refused, never executed late.'),
    autoTransfer: z
      .boolean()
      .default(false)
      .describe('Let carry move collateral between spot and derivatives wallets itself (margin top-ups); false = alert with the transfer to make.'),
    fundingTolerance: fundingToleranceSchema
      .default(fundingToleranceSchema.parse({}))
      .describe('How far the funding the venue paid may be from what carry expected before it is flagged.'),
    controlPollMs: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(1_000)
      .describe('How often the daemon reads control requests (carry kill, resume, close) and renews its lease, ms.'),
    leaseStaleMs: z
      .number()
      .int()
      .min(1_000)
      .max(600_000)
      .default(10_000)
      .describe("A daemon lease not renewed for this long is stale: another daemon may take the ledger over, ms. At least 2 × controlPollMs."),
  })
  .strict()
  .superRefine((l, ctx) => {
    // A leg is only known unhedged once its order is answered: an order timeout beyond the leg timeout could never be met.
    if (l.orderTimeoutMs > l.legTimeoutMs) {
      ctx.addIssue({ code: 'custom', path: ['orderTimeoutMs'], input: l.orderTimeoutMs, message: `at most legTimeoutMs (${l.legTimeoutMs})` });
    }
    // One late heartbeat must not hand the ledger to a second daemon.
    if (l.leaseStaleMs < 2 * l.controlPollMs) {
      ctx.addIssue({ code: 'custom', path: ['leaseStaleMs'], input: l.leaseStaleMs, message: `at least 2 × controlPollMs (${2 * l.controlPollMs})` });
    }
  });

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
export const strategySchema = spotPerpCarryParamsObject
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
    minHoldHours: true,
  })
  .extend({
    unwindSlippageBps: z
      .number()
      .positive()
      .max(1000)
      .default(50)
      .describe('Worst price accepted when unwinding a leg that could not be hedged, in bps from its average fill.'),
  })
  .strict()
  // The same hysteresis and hold checks as the strategy's params, so `carry config check` names strategy.<field>.
  .superRefine(refineCrossFields);

// --- alerts.sinks: where alerts go (src/alerts/sinks). Secrets are named here, read from the environment.

const envVarName = () =>
  z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable (letters, digits, _), not its value');

/** http(s) only: a sink never posts anywhere else. */
const httpUrl = () => z.url({ protocol: /^https?$/, error: 'an http(s) URL' });

const sinkCommon = {
  enabled: z.boolean().default(true).describe('Send alerts to this sink.'),
  minSeverity: z
    .enum(['info', 'warning', 'critical'])
    .default('info')
    .describe('Send only alerts at or above this severity (a "resolved" message goes where its alert went). `carry alerts test` ignores it.'),
};

const httpSinkCommon = {
  ...sinkCommon,
  timeoutMs: z.number().int().min(100).max(60_000).default(5_000).describe('Timeout of one HTTP attempt, response body included.'),
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(4)
    .describe('Attempts per alert, the first included. Retried on network errors, timeouts, HTTP 5xx and 429; never on other 4xx.'),
  backoffMs: z
    .number()
    .int()
    .min(0)
    .max(60_000)
    .default(500)
    .describe('Wait before retry n: random (full jitter) up to backoffMs × 2^(n−1), at most maxBackoffMs.'),
  maxBackoffMs: z
    .number()
    .int()
    .min(0)
    .max(300_000)
    .default(8_000)
    .describe('Longest wait between attempts. A 429 asking to wait longer than this is not retried.'),
  budgetMs: z
    .number()
    .int()
    .min(100)
    .max(600_000)
    .default(30_000)
    .describe('Most time one alert may take on this sink, retries included; it is then abandoned as timed out. Other sinks never wait for it.'),
};

type HttpSinkTimes = { timeoutMs: number; backoffMs: number; maxBackoffMs: number; budgetMs: number };
function checkTimes(s: HttpSinkTimes, ctx: z.core.$RefinementCtx<HttpSinkTimes>): void {
  if (s.maxBackoffMs < s.backoffMs) ctx.addIssue({ code: 'custom', path: ['maxBackoffMs'], input: s.maxBackoffMs, message: `at least backoffMs (${s.backoffMs})` });
  if (s.budgetMs < s.timeoutMs) ctx.addIssue({ code: 'custom', path: ['budgetMs'], input: s.budgetMs, message: `at least timeoutMs (${s.timeoutMs})` });
}

export const logSinkSchema = z
  .object({
    type: z.literal('log').describe('Log sink: each alert as one log line (warn for warning, error for critical).'),
    ...sinkCommon,
  })
  .strict();

export const webhookSinkSchema = z
  .object({
    type: z.literal('webhook').describe('Generic webhook: JSON POST of the carry.alert/1 payload (docs/alerts.md).'),
    ...httpSinkCommon,
    url: httpUrl().optional().describe('Receiver URL. Use urlEnv instead when the URL itself carries a token.'),
    urlEnv: envVarName().optional().describe('Environment variable holding the receiver URL (instead of url).'),
    secretEnv: envVarName()
      .optional()
      .describe('Environment variable holding the HMAC-SHA256 key; when set, each request carries signatureHeader: sha256=<hex of the body bytes>.'),
    signatureHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name')
      .default('X-Carry-Signature')
      .describe('Header carrying the signature.'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.url === undefined) === (s.urlEnv === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['url'], input: s.url, message: 'exactly one of url and urlEnv' });
    }
    checkTimes(s, ctx);
  });

export const telegramSinkSchema = z
  .object({
    type: z.literal('telegram').describe('Telegram Bot API: sendMessage to one chat.'),
    ...httpSinkCommon,
    chatId: z
      .union([z.string().min(1), z.number().int()])
      .describe('Target chat: numeric id (e.g. -1001234567890) or "@channelusername".'),
    tokenEnv: envVarName().default('CARRY_TELEGRAM_BOT_TOKEN').describe('Environment variable holding the bot token.'),
    baseUrl: httpUrl().default('https://api.telegram.org').describe('Bot API server; requests go to {baseUrl}/bot{token}/sendMessage.'),
  })
  .strict()
  .superRefine(checkTimes);

export const discordSinkSchema = z
  .object({
    type: z.literal('discord').describe('Discord channel webhook.'),
    ...httpSinkCommon,
    urlEnv: envVarName()
      .default('CARRY_DISCORD_WEBHOOK_URL')
      .describe('Environment variable holding the webhook URL (https://discord.com/api/webhooks/{id}/{token}); the URL is a secret.'),
  })
  .strict()
  .superRefine(checkTimes);

export const slackSinkSchema = z
  .object({
    type: z.literal('slack').describe('Slack incoming webhook.'),
    ...httpSinkCommon,
    urlEnv: envVarName()
      .default('CARRY_SLACK_WEBHOOK_URL')
      .describe('Environment variable holding the incoming-webhook URL (https://hooks.slack.com/services/...); the URL is a secret.'),
  })
  .strict()
  .superRefine(checkTimes);

export const alertSinkSchema = z.discriminatedUnion('type', [logSinkSchema, webhookSinkSchema, telegramSinkSchema, discordSinkSchema, slackSinkSchema]);

export const alertSinksSchema = z
  .record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'a sink name: letters, digits, _ and -'), alertSinkSchema)
  .describe(
    'Alert sinks keyed by a name you choose (shown in logs and by `carry alerts test`); type is one of log, webhook, telegram, discord, slack. A user file adds sinks to the defaults; turn one off with "enabled": false.',
  );

const alertKinds = ALERT_KINDS;

export const alertsSchema = z
  .object({
    sinks: alertSinksSchema.default(alertSinksSchema.parse({ log: { type: 'log' } })),
    cooldownMinutes: positive().default(30).describe('Minimum minutes between two messages about the same alert (kind + subject), unless its severity rises.'),
    cooldownMinutesByKind: z
      .partialRecord(z.enum(alertKinds), positive())
      .default({})
      .describe('Per-kind cooldown in minutes, e.g. {"delta_drift": 10}; wins over cooldownMinutes.'),
    retryBaseSeconds: positive().default(30).describe('A failed delivery is tried again after this (wall clock), doubling per attempt.'),
    retryMaxSeconds: positive().default(900).describe('Longest wait between two delivery attempts of one message.'),
    giveUpAfterHours: positive().default(24).describe('A message that still fails this many hours (wall clock) after its own creation is marked failed; each message gets the whole budget.'),
  })
  .strict();

// --- monitor: thresholds of the monitor's checks (src/monitor, src/monitor/thresholds.ts).

const share = () => z.number().positive().max(1);

export const monitorDriftSchema = z
  .object({
    threshold: share()
      .default(0.02)
      .describe('Delta drift alert when |spot base − perp base-equivalent| / |spot base| is above this share (0.02 = 2%); the alert carries the corrective order.'),
    critical: share().default(0.1).describe('Drift from this share on is critical; at least threshold.'),
    inverseExposure: z
      .enum(['coin', 'legs'])
      .default('coin')
      .describe(
        'How an inverse (coin-margined) perp position\'s exposure is counted for drift. "coin": the coin the position holds (spot + the perp\'s realised and unrealised coin P&L + coin funding) against the contracts\' base equivalent; right when the perp\'s coin P&L stays in the coin (Deribit, coin-M, carry\'s paper wallet), and then a price move alone does not unhedge it. "legs": spot quantity against the contracts\' base equivalent (accounting.md Example 2); right when you swap the perp\'s coin P&L to USD as it accrues, and then the hedge drifts as the price moves.',
      ),
  })
  .strict()
  .refine((d) => d.critical >= d.threshold, { message: 'critical must be at least threshold', path: ['critical'] });

export const monitorMarginSchema = z
  .object({
    floor: z
      .number()
      .positive()
      .lt(1)
      .default(0.15)
      .describe("Margin alert when the perp's distance to liquidation, |liquidation − mark| / mark, is below this share."),
    target: z
      .number()
      .positive()
      .lt(1)
      .default(0.3)
      .describe('Distance to liquidation the suggested collateral transfer (or reduction) restores; above floor, below 1 (a long cannot be 100% away).'),
    maintenanceMarginRate: z
      .number()
      .min(0)
      .max(0.5)
      .default(0.005)
      .describe("Maintenance margin rate of carry's liquidation model (paper, and sizing the correction in live, where the venue's liquidation price is used). Venues tier it by position size: this is an approximation."),
    maintenanceMarginRateByVenue: z
      .record(z.string(), z.number().min(0).max(0.5))
      .default({})
      .describe('Per-venue maintenance margin rates overriding maintenanceMarginRate, e.g. {"deribit": 0.01}.'),
  })
  .strict()
  .refine((m) => m.target > m.floor, { message: 'target must be above floor', path: ['target'] });

export const monitorFundingSchema = z
  .object({
    flipToleranceApr: z
      .number()
      .min(0)
      .default(0)
      .describe("Funding flip alert when the rate's APR in the position's favour is below −this (decimal; 0 = any rate against the position)."),
    exitApr: z
      .number()
      .nullable()
      .default(null)
      .describe("Alert when the current rate's APR in the position's favour falls below this (decimal); null = strategy.exitRateBelow."),
  })
  .strict();

export const monitorBasisSchema = z
  .object({
    maxBps: positive().default(100).describe('Basis alert when the perp trades more than this many bps from spot.'),
    markIndexMaxBps: positive().default(50).describe("Basis alert when the perp's mark is more than this many bps from its index."),
    zScore: positive().default(4).describe('Basis alert when either measure is this many standard deviations from its mean over the window.'),
    windowMinutes: z
      .number()
      .int()
      .min(5)
      .max(10_080)
      .default(240)
      .describe('History each basis measure is scored against, in minutes (at most 4,096 points are kept per measure).'),
    minPoints: z.number().int().min(2).max(4096).default(30).describe('Fewest points in the window before a z-score counts.'),
  })
  .strict();

export const monitorHealthSchema = z
  .object({
    staleAfterSeconds: z.number().int().min(1).default(180).describe('Market data older than this many seconds is stale (alert).'),
    lateTickFactor: z.number().min(1).default(2).describe('A scheduled job is late (alert) when no tick started for this many of its periods.'),
  })
  .strict();

export const monitorSchema = z
  .object({
    autoRebalance: z
      .boolean()
      .nullable()
      .default(null)
      .describe('Let the monitor place delta-drift corrections itself. null = on in paper, off (alert only) in live; true/false forces it.'),
    drift: monitorDriftSchema.default(monitorDriftSchema.parse({})).describe('Delta drift between the spot and perp legs.'),
    margin: monitorMarginSchema.default(monitorMarginSchema.parse({})).describe("The perp leg's distance to liquidation."),
    funding: monitorFundingSchema.default(monitorFundingSchema.parse({})).describe('Funding flips, rates under the exit threshold, interval changes.'),
    basis: monitorBasisSchema.default(monitorBasisSchema.parse({})).describe('Perp/spot basis and mark/index spread.'),
    health: monitorHealthSchema.default(monitorHealthSchema.parse({})).describe('Stale data and late scheduler ticks.'),
  })
  .strict();

/**
 * Backtests over funding history (docs/backtest.md): how the history market synthesises what no
 * history records, i.e. markets, order books and prices where a row has none.
 */
export const backtestDepthSchema = z
  .object({
    levels: z.number().int().min(1).max(1000).default(20).describe('Levels per side of a synthesised order book.'),
    spreadBps: z.number().min(0).finite().default(2).describe('Full bid-ask spread around the price, in bps (best bid = price × (1 − spread/2), best ask = price × (1 + spread/2)).'),
    levelGapBps: z.number().positive().finite().default(1).describe('Distance between consecutive levels of one side, in bps of the price.'),
    levelNotional: positive().default(50_000).describe('Quote (USD) value of the best level of each side.'),
    growth: z.number().min(1).finite().default(1.2).describe('Each level holds this many times the quote value of the one before it (1 = flat book).'),
  })
  .strict();

export const backtestMarketSchema = z
  .object({
    spotQuote: z.string().min(1).default('USDT').describe('Quote of the synthesised spot market paired with each perp (BTC/USDT for BTC/USDT:USDT and for the inverse BTC/USD:BTC).'),
    linearContractSize: positive().default(0.001).describe('Base units per contract of a synthesised linear perp.'),
    inverseContractSize: positive().default(1).describe('USD per contract of a synthesised inverse perp (BitMEX XBTUSD: 1 USD).'),
    spotAmountStep: positive().default(1e-6).describe('Lot of the synthesised spot market, in base units.'),
    tickFraction: positive().max(0.01).default(1e-5).describe("Price tick: the largest power of ten not above this fraction of the series' first price."),
    spotTaker: z.number().min(0).max(0.1).default(0.001).describe('Spot taker fee (decimal).'),
    spotMaker: z.number().min(-0.01).max(0.1).default(0.001).describe('Spot maker fee (decimal).'),
    perpTaker: z.number().min(0).max(0.1).default(0.0005).describe('Perp taker fee (decimal).'),
    perpMaker: z.number().min(-0.01).max(0.1).default(0.0002).describe('Perp maker fee (decimal).'),
    quoteVolume24h: z.number().min(0).finite().default(1e9).describe('24h quote volume reported for every synthesised ticker (histories record none; the ranker filters on it).'),
    defaultPrice: positive().default(100).describe('Price used for a symbol before any row of its series carries a mark, spot or index price (histories of rates only).'),
  })
  .strict();

export const backtestSchema = z
  .object({
    depth: backtestDepthSchema.default(backtestDepthSchema.parse({})).describe('The depth model of synthesised order books.'),
    market: backtestMarketSchema.default(backtestMarketSchema.parse({})).describe('Synthesised markets: lots, ticks, fees, volume, fallback price.'),
  })
  .strict();

export const configSchema = z
  .object({
    mode: z
      .enum(['paper', 'live'])
      .default('paper')
      .describe('paper: simulated fills on real books, no keys; live: real orders with the keys from the environment.'),
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
    history: historySchema.default(historySchema.parse({})).describe('The history store `carry data import` writes and backtests read.'),
    jobs: jobsSchema.default(jobsSchema.parse({})),
    risk: riskSchema.default(riskSchema.parse({})).describe('The risk gate: notional caps, leverage, liquidation distance, daily loss.'),
    live: liveSchema.default(liveSchema.parse({})).describe('Live trading: timeouts, collateral transfers, funding checks, the control channel and the daemon lease.'),
    strategy: strategySchema.default(strategySchema.parse({})),
    sim: simSchema.default(simSchema.parse({})).describe('Settings of the seeded sim market (--market sim).'),
    alerts: alertsSchema.default(alertsSchema.parse({})).describe('Alert delivery: the sinks (docs/alerts.md).'),
    monitor: monitorSchema.default(monitorSchema.parse({})).describe("The monitor's checks over open positions: thresholds and auto-rebalance."),
    backtest: backtestSchema.default(backtestSchema.parse({})).describe('Backtests over funding history: the depth model and synthesised markets (docs/backtest.md).'),
  })
  .strict()
  .superRefine((c, ctx) => {
    // The liquidation exit fires under monitor.margin.floor: a gate floor below it would let in
    // positions the monitor closes on its next tick, paying both sides' fees for nothing.
    if (c.risk.minLiquidationDistance < c.monitor.margin.floor) {
      ctx.addIssue({
        code: 'custom',
        path: ['risk', 'minLiquidationDistance'],
        input: c.risk.minLiquidationDistance,
        message: `at least monitor.margin.floor (${c.monitor.margin.floor}), or a position could open already inside the liquidation exit`,
      });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type VenueConfig = z.infer<typeof venueConfigSchema>;
export type ScanConfig = z.infer<typeof scanSchema>;
export type PaperConfig = z.infer<typeof paperSchema>;
export type JobsConfig = z.infer<typeof jobsSchema>;
export type RiskConfig = z.infer<typeof riskSchema>;
export type LiveConfig = z.infer<typeof liveSchema>;
export type StrategyConfig = z.infer<typeof strategySchema>;
export type SimConfig = z.infer<typeof simSchema>;
export type BacktestConfig = z.infer<typeof backtestSchema>;
export type AlertSinkConfig = z.infer<typeof alertSinkSchema>;
export type LogSinkConfig = z.infer<typeof logSinkSchema>;
export type WebhookSinkConfig = z.infer<typeof webhookSinkSchema>;
export type TelegramSinkConfig = z.infer<typeof telegramSinkSchema>;
export type DiscordSinkConfig = z.infer<typeof discordSinkSchema>;
export type SlackSinkConfig = z.infer<typeof slackSinkSchema>;
export type MonitorConfig = z.infer<typeof monitorSchema>;
