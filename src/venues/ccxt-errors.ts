/**
 * The one place ccxt errors become CarryErrors. The caller only looks at `action`:
 * retry (transient, back off), skip (this venue/symbol is unusable this round), stop (the user
 * must fix configuration or credentials).
 *
 * The rules are matched with instanceof in table order, so a subclass must come before its
 * parent. ccxt 4.5.84 hierarchy (base/errorHierarchy.js), the parts that matter here:
 *   NetworkError > {DDoSProtection, RateLimitExceeded, ExchangeNotAvailable > OnMaintenance,
 *                   InvalidNonce, RequestTimeout}   (RateLimitExceeded is NOT under DDoSProtection)
 *   BadResponse > NullResponse;  OperationFailed > {NetworkError, BadResponse, CancelPending}
 *   ExchangeError > {AuthenticationError > {PermissionDenied > AccountNotEnabled, AccountSuspended},
 *                    BadRequest > BadSymbol, OperationRejected > {MarketClosed, RestrictedLocation, ...},
 *                    InsufficientFunds, InvalidOrder > OrderNotFound, NotSupported, ...}
 */
import {
  AccountSuspended,
  ArgumentsRequired,
  AuthenticationError,
  BadRequest,
  BadResponse,
  BadSymbol,
  BaseError,
  DDoSProtection,
  ExchangeClosedByUser,
  ExchangeError,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidAddress,
  InvalidNonce,
  InvalidOrder,
  InvalidProxySettings,
  ManualInteractionNeeded,
  MarketClosed,
  NetworkError,
  NotSupported,
  NullResponse,
  OnMaintenance,
  OperationFailed,
  OperationRejected,
  OrderNotFound,
  PermissionDenied,
  RateLimitExceeded,
  RequestTimeout,
  RestrictedLocation,
} from 'ccxt';
import { CarryError, type ErrorAction, type ErrorCode } from '../domain/errors.js';

// ccxt error classes share one constructor shape; only identity matters here.
type ErrorClass = abstract new (...args: never[]) => Error;

export interface CcxtErrorRule {
  readonly cls: ErrorClass;
  readonly code: ErrorCode;
  readonly action: ErrorAction;
  /** What the user can do about it, appended to the message. */
  readonly hint: string;
}

export const CCXT_ERROR_RULES: readonly CcxtErrorRule[] = [
  // --- transient: retry with backoff ---
  { cls: RateLimitExceeded, code: 'CARRY_VENUE_RATE_LIMITED', action: 'retry', hint: 'the venue is throttling requests; lower the scan frequency if it persists' },
  { cls: DDoSProtection, code: 'CARRY_VENUE_RATE_LIMITED', action: 'retry', hint: 'the venue (or its CDN) is throttling requests; lower the scan frequency if it persists' },
  // Maintenance lasts minutes to hours: retrying within one scan only adds load.
  { cls: OnMaintenance, code: 'CARRY_VENUE_UNAVAILABLE', action: 'skip', hint: 'the venue is under maintenance; it is skipped until it is back' },
  { cls: ExchangeNotAvailable, code: 'CARRY_VENUE_UNAVAILABLE', action: 'retry', hint: 'the venue is not answering properly (5xx or similar)' },
  { cls: RequestTimeout, code: 'CARRY_VENUE_TIMEOUT', action: 'retry', hint: `no answer within the venue's timeoutMs` },
  { cls: InvalidNonce, code: 'CARRY_VENUE_AUTH', action: 'retry', hint: 'request timestamp/nonce rejected; check the machine clock (NTP) if it persists' },
  { cls: NetworkError, code: 'CARRY_VENUE_UNAVAILABLE', action: 'retry', hint: 'network problem reaching the venue' },
  { cls: NullResponse, code: 'CARRY_VENUE_BAD_RESPONSE', action: 'skip', hint: 'the venue returned nothing for this request' },
  { cls: BadResponse, code: 'CARRY_VENUE_BAD_RESPONSE', action: 'skip', hint: 'the venue returned a response ccxt could not parse' },
  // OperationFailed (incl. CancelPending): ccxt's "failed, may succeed if repeated".
  { cls: OperationFailed, code: 'CARRY_VENUE_UNAVAILABLE', action: 'retry', hint: 'the operation failed on the venue side' },

  // --- credentials and account: stop and tell the user ---
  { cls: AccountSuspended, code: 'CARRY_VENUE_AUTH', action: 'stop', hint: 'the venue account is suspended' },
  { cls: PermissionDenied, code: 'CARRY_VENUE_AUTH', action: 'stop', hint: 'the API key lacks a permission this call needs (or the account feature is not enabled)' },
  { cls: AuthenticationError, code: 'CARRY_VENUE_AUTH', action: 'stop', hint: 'check the API key, secret and passphrase in .env' },
  { cls: RestrictedLocation, code: 'CARRY_VENUE_AUTH', action: 'stop', hint: 'the venue refuses requests from this location' },
  { cls: ManualInteractionNeeded, code: 'CARRY_VENUE_AUTH', action: 'stop', hint: 'the venue needs a manual action on the account (terms, KYC, ...)' },
  { cls: InvalidProxySettings, code: 'CARRY_CONFIG_INVALID', action: 'stop', hint: 'fix the proxy settings in venues.<name>.options' },

  // --- this symbol/request is unusable: skip it, keep the others going ---
  { cls: BadSymbol, code: 'CARRY_VENUE_BAD_SYMBOL', action: 'skip', hint: 'the venue does not know this symbol (delisted or renamed?)' },
  { cls: MarketClosed, code: 'CARRY_VENUE_BAD_SYMBOL', action: 'skip', hint: 'the market is closed on the venue' },
  { cls: InsufficientFunds, code: 'CARRY_VENUE_INSUFFICIENT_FUNDS', action: 'skip', hint: 'not enough balance for this order' },
  // OrderNotFound keeps the ccxt error as `cause`: execution must check it (the order may have filled).
  { cls: OrderNotFound, code: 'CARRY_VENUE_ORDER_REJECTED', action: 'skip', hint: 'the venue does not know this order' },
  { cls: InvalidOrder, code: 'CARRY_VENUE_ORDER_REJECTED', action: 'skip', hint: 'the venue rejected the order' },
  { cls: OperationRejected, code: 'CARRY_VENUE_ORDER_REJECTED', action: 'skip', hint: 'the venue rejected the operation' },
  { cls: NotSupported, code: 'CARRY_VENUE_NOT_SUPPORTED', action: 'skip', hint: 'ccxt does not support this call on this venue' },
  { cls: InvalidAddress, code: 'CARRY_INPUT_INVALID', action: 'stop', hint: 'check the address' },
  // A call carry made without an argument ccxt requires: a carry bug, not a venue problem.
  { cls: ArgumentsRequired, code: 'CARRY_INTERNAL', action: 'stop', hint: 'carry called ccxt without a required argument (a bug: please report it)' },
  { cls: ExchangeClosedByUser, code: 'CARRY_INTERNAL', action: 'skip', hint: 'the ccxt instance was closed' },
  { cls: BadRequest, code: 'CARRY_VENUE_BAD_RESPONSE', action: 'skip', hint: 'the venue rejected the request' },
  { cls: ExchangeError, code: 'CARRY_VENUE_BAD_RESPONSE', action: 'skip', hint: 'the venue answered with an error' },
  { cls: BaseError, code: 'CARRY_VENUE_BAD_RESPONSE', action: 'skip', hint: 'ccxt reported an error' },
];

function describe(e: Error): string {
  const name = e.constructor?.name && e.constructor.name !== 'Error' ? e.constructor.name : e.name;
  return `${name}: ${e.message}`;
}

/**
 * Maps anything a ccxt call threw. A CarryError passes through (tape replayer, sim market).
 * A non-ccxt Error from inside a ccxt call is almost always a parser tripping over an
 * unexpected payload, so it is a bad response rather than a carry bug.
 */
export function mapCcxtError(err: unknown, venue: string, operation?: string): CarryError {
  if (err instanceof CarryError) return err;
  const where = operation === undefined ? venue : `${venue} ${operation}`;
  if (err instanceof Error) {
    for (const rule of CCXT_ERROR_RULES) {
      if (err instanceof rule.cls) {
        return new CarryError(rule.code, rule.action, `${where}: ${describe(err)} (${rule.hint})`, { venue, cause: err });
      }
    }
    return new CarryError('CARRY_VENUE_BAD_RESPONSE', 'skip', `${where}: unexpected ${describe(err)}`, { venue, cause: err });
  }
  return new CarryError('CARRY_INTERNAL', 'skip', `${where}: non-error value thrown: ${String(err)}`, { venue, cause: err });
}
