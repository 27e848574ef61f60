/**
 * Live trading against the loopback mock exchange: real ccxt (the instances carry creates, keyed
 * from the environment as a user's would be) pointed at the mock through venues.<name>.options
 * (urls only, plus the ccxt options the mock documents), a live ledger in a temp dir, and the
 * mock's own account to compare the ledger with.
 */
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { openLive, type LiveStack } from '../../src/app/live-run.js';
import { deepMerge } from '../../src/util/merge.js';
import { tempDir } from './cli.js';
import { startMockExchange, type MockExchange, type StartOptions } from './mock-exchange/index.js';

export const KEYS = {
  binance: { apiKey: 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A', secret: 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j' },
  bybit: { apiKey: 'XbTkQv4PzR9mLs2Wd7Hn', secret: 'Yc8uJf3KqP1xLm6Tz0RvWb5NsA2hGd9EeQ4kVo7M' },
} as const;

export const SPOT = 'BTC/USDT';
export const PERP = 'BTC/USDT:USDT';

export interface LiveHarness {
  readonly mock: MockExchange;
  readonly venue: 'binance' | 'bybit';
  readonly config: Config;
  readonly dbPath: string;
  readonly env: NodeJS.ProcessEnv;
  /** The config as JSON for a child process (`carry live --config FILE`): functions are dropped. */
  readonly configJson: Record<string, unknown>;
  open(over?: { readonly config?: Config }): Promise<LiveStack>;
  close(): Promise<void>;
}

/** A carry trade worth opening: 0.05% per 8h on a deep book around 60,000. */
export function seedMarket(mock: MockExchange, opts: { readonly mid?: number; readonly rate?: number; readonly depth?: number } = {}): void {
  const mid = opts.mid ?? 60_000;
  const depth = opts.depth ?? 2;
  const levels = (side: 1 | -1, start: number) => Array.from({ length: 20 }, (_, i) => [start + side * i * 5, depth] as [number, number]);
  mock.setBook(SPOT, { bids: levels(-1, mid - 5), asks: levels(1, mid + 5) });
  mock.setBook(PERP, { bids: levels(-1, mid + 10), asks: levels(1, mid + 20) });
  mock.setMark(PERP, mid + 15, mid);
  mock.setFundingRate(PERP, opts.rate ?? 0.0005);
  // ETH is listed too: a book with depth (an empty one is a bad answer the scanner retries) and
  // a rate too low to be worth opening, so BTC is the one trade.
  const eth = (side: 1 | -1, start: number) => Array.from({ length: 20 }, (_, i) => [start + side * i * 0.5, 20] as [number, number]);
  mock.setBook('ETH/USDT', { bids: eth(-1, 2_999.5), asks: eth(1, 3_000.5) });
  mock.setBook('ETH/USDT:USDT', { bids: eth(-1, 3_000), asks: eth(1, 3_001) });
  mock.setMark('ETH/USDT:USDT', 3_000.5, 3_000);
  mock.setFundingRate('ETH/USDT:USDT', 0.00001);
}

export async function liveHarness(opts: {
  readonly venue?: 'binance' | 'bybit';
  readonly balances?: StartOptions['balances'];
  readonly config?: Record<string, unknown>;
  readonly mock?: Partial<StartOptions>;
} = {}): Promise<LiveHarness> {
  const venue = opts.venue ?? 'binance';
  const keys = KEYS[venue];
  const mock = await startMockExchange({
    venue,
    apiKey: keys.apiKey,
    secret: keys.secret,
    balances: opts.balances ?? (venue === 'binance' ? { spot: { USDT: 20_000 }, futures: { USDT: 10_000 } } : { unified: { USDT: 30_000 } }),
    ...opts.mock,
  });
  seedMarket(mock);
  const { apiKey: _k, secret: _s, ...ccxtOptions } = mock.ccxtOptions();
  const dbPath = join(tempDir('carry-live-'), 'live.db');
  const others = ['binance', 'bybit', 'okx', 'deribit', 'bitmex'].filter((v) => v !== venue);
  // ccxt's throttle stays on (carry never turns it off) but at 1 ms per cost unit: Binance's
  // weight-40 ticker call would otherwise pace every scan by 2 s against a loopback server.
  const base: Record<string, unknown> = {
    mode: 'live',
    log: { level: 'silent', format: 'json' },
    venues: { [venue]: { enabled: true, timeoutMs: 2_000, options: { ...ccxtOptions, rateLimit: 1 } }, ...Object.fromEntries(others.map((v) => [v, { enabled: false }])) },
    scan: { minQuoteVolume24h: 0, notional: 1_000 },
    store: { livePath: dbPath },
    live: { legTimeoutMs: 5_000, orderTimeoutMs: 4_000, recvWindowMs: 2_000, controlPollMs: 200, leaseStaleMs: 2_000 },
  };
  const overrides = deepMerge(base, opts.config ?? {});
  const config = loadConfig({ overrides });
  const prefix = `CARRY_${venue.toUpperCase()}_`;
  const env = { ...process.env, [`${prefix}API_KEY`]: keys.apiKey, [`${prefix}SECRET`]: keys.secret };
  const stacks: LiveStack[] = [];
  return {
    mock,
    venue,
    config,
    dbPath,
    env,
    configJson: JSON.parse(JSON.stringify(overrides)) as Record<string, unknown>,
    open: async (over = {}) => {
      const s = await openLive({ config: over.config ?? config, env, actor: 'test' });
      stacks.push(s);
      return s;
    },
    close: async () => {
      for (const s of stacks) await s.close().catch(() => undefined);
      await mock.close();
    },
  };
}
