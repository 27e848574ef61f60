import { describe, expect, it } from 'vitest';
import { CarryError } from '../../src/domain/errors.js';
import { fullJitterDelay, withRetry } from '../../src/venues/retry.js';

const transient = () => new CarryError('CARRY_VENUE_RATE_LIMITED', 'retry', 'slow down', { venue: 'bybit' });

describe('fullJitterDelay', () => {
  it.each([
    // attempt, base, max, random, expected = floor(random × min(max, base × 2^(attempt-1)))
    [1, 500, 8000, 0.5, 250],
    [2, 500, 8000, 0.5, 500],
    [3, 500, 8000, 0.5, 1000],
    [5, 500, 8000, 0.5, 4000],
    [6, 500, 8000, 0.5, 4000], // capped at max: 0.5 × 8000
    [10, 500, 8000, 0.999, 7992],
    [3, 500, 8000, 0, 0],
    [1, 0, 0, 0.7, 0],
  ])('attempt %i base %i max %i random %f → %i ms', (attempt, base, max, random, expected) => {
    expect(fullJitterDelay(attempt, base, max, random)).toBe(expected);
  });
});

describe('withRetry', () => {
  const opts = (sleeps: number[], attempts = 3) => ({ attempts, baseMs: 100, maxMs: 1000, random: () => 1 - 1e-9, sleep: async (ms: number) => void sleeps.push(ms) });

  it('retries retry-action errors with growing delays and returns the first success', async () => {
    const sleeps: number[] = [];
    const seen: number[] = [];
    const result = await withRetry(async (attempt) => {
      seen.push(attempt);
      if (attempt < 3) throw transient();
      return 'ok';
    }, opts(sleeps));
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
    expect(sleeps).toEqual([99, 199]);
  });

  it('gives up after `attempts`, keeping code and action and saying so', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const p = withRetry(async () => {
      calls++;
      throw transient();
    }, opts(sleeps));
    await expect(p).rejects.toMatchObject({ code: 'CARRY_VENUE_RATE_LIMITED', action: 'retry', venue: 'bybit', message: 'slow down [gave up after 3 attempts]' });
    expect(calls).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it.each([
    ['skip', new CarryError('CARRY_VENUE_BAD_SYMBOL', 'skip', 'no such symbol')],
    ['stop', new CarryError('CARRY_VENUE_AUTH', 'stop', 'bad key')],
    ['a plain Error', new Error('bug')],
  ])('%s is not retried', async (_name, error) => {
    const sleeps: number[] = [];
    let calls = 0;
    const p = withRetry(async () => {
      calls++;
      throw error;
    }, opts(sleeps));
    await expect(p).rejects.toBe(error);
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('attempts 1 rethrows the original error', async () => {
    const e = transient();
    await expect(withRetry(async () => { throw e; }, opts([], 1))).rejects.toBe(e);
  });

  it('reports each retry', async () => {
    const seen: unknown[] = [];
    await withRetry(async (a) => {
      if (a === 1) throw transient();
      return 1;
    }, { ...opts([]), onRetry: (i) => seen.push([i.attempt, i.delayMs, i.error.code]) });
    expect(seen).toEqual([[1, 99, 'CARRY_VENUE_RATE_LIMITED']]);
  });

  it.each([
    { attempts: 0, baseMs: 1, maxMs: 1 },
    { attempts: 1.5, baseMs: 1, maxMs: 1 },
    { attempts: 2, baseMs: 10, maxMs: 5 },
    { attempts: 2, baseMs: -1, maxMs: 5 },
  ])('rejects bad options %j', async (bad) => {
    await expect(withRetry(async () => 1, { ...bad, sleep: async () => {} })).rejects.toMatchObject({ code: 'CARRY_CONFIG_INVALID', action: 'stop' });
  });
});
