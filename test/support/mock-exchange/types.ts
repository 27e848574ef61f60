/**
 * Public types of the loopback mock exchange (test support only, never shipped).
 */

export type MockVenue = 'binance' | 'bybit';

/** A market the mock lists. Omitted fields come from the venue's real fixture row for the symbol. */
export interface MockMarketSpec {
  /** ccxt unified symbol: 'BTC/USDT' (spot) or 'BTC/USDT:USDT' (USDT-margined perpetual). */
  readonly symbol: string;
  readonly mark?: number;
  readonly index?: number;
  readonly fundingRate?: number;
  readonly fundingIntervalHours?: number;
}

export type OrderSide = 'buy' | 'sell';

/** Venue-neutral order lifecycle; each venue module renders it in its own words. */
export type MockOrderStatus = 'new' | 'partiallyFilled' | 'filled' | 'canceled' | 'expired' | 'rejected';

export interface MockOrder {
  readonly id: string;
  readonly clientId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: 'limit' | 'market';
  readonly timeInForce: 'GTC' | 'IOC' | 'FOK' | 'PostOnly';
  readonly price: number | null;
  readonly amount: number;
  filled: number;
  /** Quote notional of the fills. */
  cost: number;
  status: MockOrderStatus;
  readonly reduceOnly: boolean;
  readonly createdAt: number;
  updatedAt: number;
  fee: number;
  feeAsset: string;
}

export interface MockFill {
  readonly tradeId: string;
  readonly orderId: string;
  readonly clientId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly price: number;
  readonly qty: number;
  readonly quoteQty: number;
  readonly fee: number;
  readonly feeAsset: string;
  readonly realizedPnl: number;
  readonly time: number;
}

export interface MockFundingRow {
  readonly id: string;
  readonly symbol: string;
  readonly time: number;
  /** Signed payment into the account (negative = paid). */
  readonly amount: number;
  readonly asset: string;
  readonly rate: number;
  readonly mark: number;
  readonly contracts: number;
}

export interface MockPosition {
  readonly symbol: string;
  /** Signed: positive long, negative short. */
  readonly contracts: number;
  readonly entryPrice: number;
}

export type FaultKind = 'reject' | 'partial' | 'acceptThenTimeout' | 'rateLimit' | 'serverError' | 'drop';

export interface FaultSpec {
  /** Operation name ('createOrder', 'fetchOrder', ...) or '*' for every request. */
  readonly on: string;
  readonly kind: FaultKind;
  /** How many matching requests it hits; default 1. */
  readonly times?: number;
  /** Let this many matching requests pass untouched before the fault applies; default 0 (the 3rd createOrder: skip 2). */
  readonly skip?: number;
  /** 'partial': fraction of the fillable quantity that fills; default 0.5. */
  readonly fillRatio?: number;
  /** 'acceptThenTimeout': answer after this many ms instead of never (the client has usually given up). */
  readonly delayMs?: number;
}

export interface MockStats {
  requests: number;
  byRoute: Record<string, number>;
  signatureFailures: number;
  /** Requests to paths the mock does not serve ('GET /fapi/v1/foo'): a ccxt call the mock cannot prove. */
  unserved: string[];
}

export interface MockWsStats {
  /** Connections open now. */
  open: number;
  /** Connections accepted so far (a reconnect counts again). */
  opened: number;
  /** Connections cut by dropWs(). */
  dropped: number;
  /** Messages received from / sent to clients. */
  received: number;
  sent: number;
  /** WebSocket ping frames received (answered with pong frames by `ws`); ccxt.pro binance's keepalive. */
  pingFrames: number;
  /** Live subscriptions, '<endpoint> <stream>': 'spot btcusdt@depth@100ms', 'linear orderbook.50.BTCUSDT'. */
  subscriptions: string[];
  /** Upgrades refused because the mock does not serve the path ('WS /ws-api.binance.com/ws-api/v3'). */
  unserved: string[];
}

export interface MockState {
  /** Totals (free + locked) per wallet and asset. */
  balances: Record<string, Record<string, number>>;
  /** Amounts locked by resting orders, per wallet and asset. */
  locked: Record<string, Record<string, number>>;
  positions: MockPosition[];
  orders: MockOrder[];
  fills: MockFill[];
  funding: MockFundingRow[];
}

export interface MockBook {
  bids: [number, number][];
  asks: [number, number][];
}

export interface MockExchange {
  readonly url: string;
  /** ws://127.0.0.1:<same port>: the WebSocket market streams (ccxtOptions() points urls.api.ws here). */
  readonly wsUrl: string;
  /** Options for ccxt and ccxt.pro: REST and WebSocket URLs re-homed on the mock, keys, market types. */
  ccxtOptions(): Record<string, unknown>;
  setBook(symbol: string, book: MockBook): void;
  setFundingRate(symbol: string, rate: number, nextFundingTime?: number): void;
  setMark(symbol: string, mark: number, index?: number): void;
  settleFunding(symbol?: string): void;
  tick(ms: number): void;
  state(): MockState;
  ordersByClientId(): Map<string, MockOrder[]>;
  fault(f: FaultSpec): void;
  clearFaults(): void;
  /** Armed faults with uses left (0: every fault armed so far was spent, or cleared). */
  pendingFaults(): number;
  stats(): MockStats;
  /** Cut every WebSocket connection without a close handshake (client sees 1006); returns how many. */
  dropWs(): number;
  wsStats(): MockWsStats;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly venue: MockVenue;
  readonly apiKey: string;
  readonly secret: string;
  readonly markets?: MockMarketSpec[];
  /** Wallets: Binance 'spot' | 'futures'; Bybit 'unified'. */
  readonly balances?: Record<string, Record<string, number>>;
  readonly now?: () => number;
  /** recvWindow the venue assumes when a signed request sends none (Binance 5000, Bybit 5000). */
  readonly recvWindowMs?: number;
  readonly feeRate?: { spot: number; perp: number };
}
