/**
 * Records a venue's calls to a tape while forwarding them unchanged: wrap any CcxtCalls
 * (a live ccxt instance, the sim market) and every call it answers or fails is appended,
 * stamped with the clock time at which it returned. Errors are recorded, then rethrown.
 */
import type { Clock } from '../../domain/clock.js';
import type { CcxtCalls, TapeMethod } from '../ccxt-calls.js';
import { serializeArgs, type JsonValue } from './format.js';
import { toRecordedError } from './recorded-error.js';
import type { TapeSink } from './writer.js';

export function recordCalls(inner: CcxtCalls, sink: TapeSink, clock: Clock): CcxtCalls {
  const venue = inner.id;

  async function recorded<T>(method: TapeMethod, args: readonly unknown[], run: () => Promise<T>): Promise<T> {
    // Serialised before the call, in case the callee mutates its arguments.
    const recordedArgs: JsonValue[] = serializeArgs(args);
    let result: T;
    try {
      result = await run();
    } catch (e) {
      sink.append({ ts: clock.now(), venue, method, args: recordedArgs, error: toRecordedError(e) });
      throw e;
    }
    sink.append({ ts: clock.now(), venue, method, args: recordedArgs, result });
    return result;
  }

  // Arguments are forwarded exactly as given (same arity), so the wrapper is invisible.
  return {
    id: inner.id,
    get has() {
      return inner.has;
    },
    loadMarkets: (...a) => recorded('loadMarkets', a, () => inner.loadMarkets(...a)),
    fetchFundingRates: (...a) => recorded('fetchFundingRates', a, () => inner.fetchFundingRates(...a)),
    fetchFundingIntervals: (...a) => recorded('fetchFundingIntervals', a, () => inner.fetchFundingIntervals(...a)),
    fetchTickers: (...a) => recorded('fetchTickers', a, () => inner.fetchTickers(...a)),
    fetchOrderBook: (...a) => recorded('fetchOrderBook', a, () => inner.fetchOrderBook(...a)),
    fetchTradingFees: (...a) => recorded('fetchTradingFees', a, () => inner.fetchTradingFees(...a)),
    fetchFundingRateHistory: (...a) => recorded('fetchFundingRateHistory', a, () => inner.fetchFundingRateHistory(...a)),
    fetchCrossBorrowRate: (...a) => recorded('fetchCrossBorrowRate', a, () => inner.fetchCrossBorrowRate(...a)),
  };
}
