import { describe, expect, it } from 'vitest';
import { LedgerRejectedError } from '../../src/store/errors.js';
import { created, funded, linearSpec, memoryLedger, T0, transition } from './fixtures.js';

describe('engine checkpoints', () => {
  it('are saved with the events they follow and read back', () => {
    const l = memoryLedger();
    expect(l.checkpoint('engine')).toBeNull();
    l.append([funded('binance', 'USDT', 10_000)], { checkpoint: { key: 'engine', ts: T0, value: { paidThrough: { p1: 5 } } } });
    expect(l.checkpoint('engine')).toEqual({ ts: T0, value: { paidThrough: { p1: 5 } } });
    l.append([], { checkpoint: { key: 'engine', ts: T0 + 1, value: { paidThrough: { p1: 6 } } } });
    expect(l.checkpoint<{ paidThrough: Record<string, number> }>('engine')?.value.paidThrough['p1']).toBe(6);
  });

  it('a rejected batch writes neither its events nor its checkpoint', () => {
    const l = memoryLedger();
    l.append([created(linearSpec('p1'))], { checkpoint: { key: 'engine', ts: T0, value: 1 } });
    const events = l.countEvents();
    // open → closed is not the stored state (pending_open): the batch is refused whole.
    expect(() => l.append([funded('binance', 'USDT', 5), transition('p1', 'open', 'closed')], { checkpoint: { key: 'engine', ts: T0 + 1, value: 2 } })).toThrow(
      LedgerRejectedError,
    );
    expect(l.countEvents()).toBe(events);
    expect(l.checkpoint('engine')?.value).toBe(1);
  });
});
