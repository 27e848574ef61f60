/**
 * decide() on hand-built opportunities. Unless a test says otherwise, the numbers are those of
 * the ranker's worked example (spot-perp-carry-rank.test.ts):
 *   spot taker 0.001, slippage 5 bps in and 5 out; perp taker 0.0005, 2 bps in and 2 out
 *   → round trip 2 × 0.0015 + 0.0014 = 0.0044; exit alone 0.0015 + 0.0007 = 0.0022.
 *   Rate 0.0008 / 8h over H = 72h: funding 0.0072, net 0.0028, net APR 0.0028 × 8760/72 = 0.34067.
 * 8760 / 72 = 121.6667 turns a fraction of notional over the hold into an APR.
 */
import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/domain/action.js';
import { CarryError } from '../../src/domain/errors.js';
import type { FundingSnapshot } from '../../src/domain/market.js';
import type { LegQuote, Opportunity } from '../../src/domain/opportunity.js';
import { decide, minimumHoldHours, NOTE, SKIP, stayOrGo, type DecideInput, type HeldPosition } from '../../strategies/spot-perp-carry/decide.js';
import { FundingHistory, type FundingObservation } from '../../strategies/spot-perp-carry/funding-history.js';
import {
  defaultSpotPerpCarryParams,
  exitSettlementsK,
  fundingHistoryCapacity,
  spotPerpCarryParamsSchema,
  type SpotPerpCarryParams,
} from '../../strategies/spot-perp-carry/params.js';

const H = 3_600_000;
const MIN = 60_000;
const NOW = Date.UTC(2027, 0, 15, 3, 0); // 03:00 UTC: next 8h settlement at 08:00
const NEXT = Date.UTC(2027, 0, 15, 8, 0);
const PER_YEAR_OVER_HOLD = 8760 / 72;

function leg(symbol: string, side: 'buy' | 'sell', takerFee: number, inBps: number, outBps: number): LegQuote {
  return {
    symbol,
    side,
    entryVwap: 100,
    exitVwap: 100,
    mid: 100,
    entrySlippageBps: inBps,
    exitSlippageBps: outBps,
    takerFee,
    maxNotional: 26_693.33,
  };
}

function opp(over: Partial<Opportunity> & { base?: string; venue?: string } = {}): Opportunity {
  const base = over.base ?? 'BTC';
  const quote = over.quote ?? 'USDT';
  const perpSymbol = over.perpSymbol ?? `${base}/${quote}:${quote}`;
  const spotSymbol = over.spotSymbol ?? `${base}/${quote}`;
  const reverse = over.direction === 'reverse';
  return {
    venue: 'bybit',
    base,
    quote,
    perpSymbol,
    spotSymbol,
    direction: 'carry',
    settlement: 'linear',
    contractSize: 1,
    rate: reverse ? -0.0008 : 0.0008,
    rateKind: 'predicted',
    intervalHours: 8,
    continuous: false,
    grossApr: reverse ? -0.876 : 0.876,
    notional: 10_000,
    spot: leg(spotSymbol, reverse ? 'sell' : 'buy', 0.001, 5, 5),
    perp: leg(perpSymbol, reverse ? 'buy' : 'sell', 0.0005, 2, 2),
    roundTripCost: 0.0044,
    borrowCost: reverse ? 0 : null,
    netReturnHold: 0.0028,
    netApr: 0.0028 * PER_YEAR_OVER_HOLD,
    breakEvenHours: 44,
    maxNotional: 26_693.33,
    nextFundingTime: NEXT,
    quoteVolume24h: 5e8,
    dataAgeMs: 1_000,
    status: 'ok',
    reasons: [],
    ...over,
  };
}

/** An opportunity whose net APR is `netApr` (everything else as in the worked example). */
function oppApr(netApr: number, over: Partial<Opportunity> & { base?: string } = {}): Opportunity {
  return opp({ netApr, netReturnHold: netApr / PER_YEAR_OVER_HOLD, ...over });
}

function snapshot(venue: string, symbol: string, rate: number, over: Partial<FundingSnapshot> = {}): FundingSnapshot {
  return {
    venue,
    symbol,
    base: symbol.split('/')[0] as string,
    quote: 'USDT',
    settle: 'USDT',
    settlement: 'linear',
    contractSize: 1,
    rate,
    intervalHours: 8,
    intervalSource: 'venue',
    continuous: false,
    rateKind: 'predicted',
    nextFundingTime: NEXT,
    markPrice: 100,
    indexPrice: 100,
    eventTime: NOW - 1_000,
    receivedAt: NOW - 1_000,
    ...over,
  };
}

function held(id: string, over: Partial<HeldPosition> & { rate?: number } = {}): HeldPosition {
  const venue = over.venue ?? 'bybit';
  const base = over.base ?? 'ETH';
  const perpSymbol = over.perpSymbol ?? `${base}/USDT:USDT`;
  const { rate, ...rest } = over;
  return {
    positionId: id,
    venue,
    base,
    perpSymbol,
    direction: 'carry',
    state: 'open',
    openedAt: NOW - 24 * H,
    intervalHours: 8,
    entryNetApr: 0.3,
    funding: snapshot(venue, perpSymbol, rate ?? 0.0008),
    risk: [],
    ...rest,
  };
}

/** Observations one minute apart ending at NOW − 1s (the engine adds this scan's before decide()). */
function observed(venue: string, symbol: string, rates: readonly number[], next: number | null = NEXT): FundingObservation[] {
  return rates.map((rate, i) => ({
    venue,
    symbol,
    rate,
    intervalHours: 8,
    continuous: next === null,
    rateKind: next === null ? ('trailing_realised' as const) : ('predicted' as const),
    nextFundingTime: next,
    receivedAt: NOW - 1_000 - (rates.length - 1 - i) * MIN,
  }));
}

/** Positive history for every opportunity's perp (negative for reverse ones). */
function historyFor(opps: readonly Opportunity[], extra: readonly FundingObservation[] = [], capacity = 3): FundingHistory {
  const xs = opps.flatMap((o) => observed(o.venue, o.perpSymbol, o.direction === 'reverse' ? [-1e-4, -1e-4, -1e-4] : [1e-4, 1e-4, 1e-4]));
  return FundingHistory.fromObservations(capacity, [...xs, ...extra]);
}

function params(over: Partial<SpotPerpCarryParams> = {}): SpotPerpCarryParams {
  return spotPerpCarryParamsSchema.parse(over);
}

function input(over: Partial<DecideInput> & { opportunities: readonly Opportunity[] }): DecideInput {
  return {
    now: NOW,
    positions: [],
    history: historyFor(over.opportunities),
    freeCapital: new Map([
      ['bybit', 50_000],
      ['okx', 50_000],
      ['deribit', 50_000],
    ]),
    params: params(),
    ...over,
  };
}

function opens(actions: readonly Action[]): Extract<Action, { kind: 'open' }>[] {
  return actions.filter((a): a is Extract<Action, { kind: 'open' }> => a.kind === 'open');
}

function closes(actions: readonly Action[]): Extract<Action, { kind: 'close' }>[] {
  return actions.filter((a): a is Extract<Action, { kind: 'close' }> => a.kind === 'close');
}

describe('params for decide()', () => {
  it('has the documented defaults and leaves the ranking ones as they were', () => {
    expect(defaultSpotPerpCarryParams).toMatchObject({
      notional: 10_000,
      holdHours: 72,
      minNetApr: 0,
      reverseCarry: true,
      entryMinNetApr: 0.1,
      positiveObservations: 3,
      noEntryBeforeSettlementMinutes: 10,
      maxOpenPositions: 3,
      allowReverse: false,
      minNotional: 100,
      exitRateBelow: 0.02,
      switchMinAprGain: 0.5,
      maxHoldHours: 336,
    });
  });

  it('exits after K settlements by default, or after exitNegativeSettlements when set', () => {
    expect(exitSettlementsK(params())).toBe(3);
    expect(exitSettlementsK(params({ positiveObservations: 5 }))).toBe(5);
    expect(exitSettlementsK(params({ positiveObservations: 5, exitNegativeSettlements: 2 }))).toBe(2);
    expect(fundingHistoryCapacity(params({ positiveObservations: 2, exitNegativeSettlements: 4 }))).toBe(4);
  });

  it.each([
    { positiveObservations: 0 },
    { positiveObservations: 2.5 },
    { noEntryBeforeSettlementMinutes: -1 },
    { maxOpenPositions: -1 },
    { exitNegativeSettlements: 0 },
    { switchMinAprGain: -0.1 },
    { maxHoldHours: 0 },
    { minNotional: 0 },
    { entryMinNetApr: Number.NaN },
    { allowReverse: 'yes' },
    { maxHold: 10 },
  ])('rejects %o', (v) => {
    expect(spotPerpCarryParamsSchema.safeParse(v).success).toBe(false);
  });
});

describe('decide: entry', () => {
  it('opens an ok carry opportunity at the target notional with its reason', () => {
    const o = opp();
    const r = decide(input({ opportunities: [o] }));
    expect(r.actions).toEqual([
      {
        kind: 'open',
        opportunity: o,
        notional: 10_000,
        reason: expect.stringContaining('net APR 34.07% over 72h >= 10.00%'),
      },
    ]);
    expect(r.skipped).toEqual([]);
  });

  it('does not consider or report opportunities that are not ok (the ranker already says why)', () => {
    const r = decide(
      input({
        opportunities: [opp({ status: 'filtered', reasons: ['stale data'] }), opp({ base: 'ETH', status: 'needs_borrow', direction: 'reverse' })],
        params: params({ allowReverse: true }),
      }),
    );
    expect(r.actions).toEqual([]);
    expect(r.skipped).toEqual([]);
  });

  const K = 3;
  it.each<[string, Partial<Opportunity>, Partial<SpotPerpCarryParams>, readonly number[] | null, string]>([
    ['net APR unknown', { netApr: null, netReturnHold: null }, {}, null, SKIP.netAprUnknown],
    ['reverse while allowReverse is false', { direction: 'reverse' }, {}, [-1e-4, -1e-4, -1e-4], SKIP.reverseNotAllowed],
    ['net APR below the entry threshold', { netApr: 0.0999 }, {}, null, SKIP.belowEntryApr],
    ['net APR below a raised entry threshold', {}, { entryMinNetApr: 0.35 }, null, SKIP.belowEntryApr],
    ['max notional unknown', { maxNotional: null }, {}, null, SKIP.maxNotionalUnknown],
    ['max notional below minimum', { maxNotional: 99.99 }, {}, null, SKIP.maxNotionalTooSmall],
    ['fewer than K observations', {}, {}, [1e-4, 1e-4], SKIP.historyShort],
    ['no observation at all', {}, {}, [], SKIP.historyShort],
    ['one of the last K observations negative', {}, {}, [1e-4, -1e-5, 1e-4], SKIP.historyAgainst],
    ['one of the last K observations zero (not positive)', {}, {}, [1e-4, 0, 1e-4], SKIP.historyAgainst],
    ['reverse with a positive observation', { direction: 'reverse' }, { allowReverse: true }, [-1e-4, 1e-5, -1e-4], SKIP.historyAgainst],
    ['next settlement unknown', { nextFundingTime: null }, {}, null, SKIP.settlementUnknown],
    ['next settlement already passed', { nextFundingTime: NOW - 1 }, {}, null, SKIP.settlementPassed],
    ['settlement exactly now', { nextFundingTime: NOW }, {}, null, SKIP.settlementWindow],
    ['settlement 5 minutes away', { nextFundingTime: NOW + 5 * MIN }, {}, null, SKIP.settlementWindow],
    ['settlement exactly at the window boundary', { nextFundingTime: NOW + 10 * MIN }, {}, null, SKIP.settlementWindow],
    ['settlement at a widened boundary', { nextFundingTime: NOW + 30 * MIN }, { noEntryBeforeSettlementMinutes: 30 }, null, SKIP.settlementWindow],
  ])('skips: %s', (_name, over, p, rates, reason) => {
    const o = opp(over);
    const history =
      rates === null ? historyFor([o]) : FundingHistory.fromObservations(K, observed(o.venue, o.perpSymbol, rates));
    const r = decide(input({ opportunities: [o], history, params: params(p) }));
    expect(r.actions).toEqual([]);
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]).toMatchObject({ venue: 'bybit', symbol: 'BTC/USDT:USDT' });
    expect(r.skipped[0]?.reason.startsWith(reason)).toBe(true);
  });

  it.each<[string, Partial<Opportunity>, Partial<SpotPerpCarryParams>]>([
    ['settlement 1 ms outside the window', { nextFundingTime: NOW + 10 * MIN + 1 }, {}],
    ['window 0 and settlement 1 ms away', { nextFundingTime: NOW + 1 }, { noEntryBeforeSettlementMinutes: 0 }],
    ['continuous funding (no discrete settlement) with no next time', { venue: 'deribit', continuous: true, nextFundingTime: null }, {}],
    ['net APR exactly at the entry threshold', { netApr: 0.25 }, { entryMinNetApr: 0.25 }],
    ['reverse when allowed and funding negative K times', { direction: 'reverse' }, { allowReverse: true }],
  ])('opens: %s', (_name, over, p) => {
    const o = opp(over);
    const r = decide(input({ opportunities: [o], params: params(p) }));
    expect(r.skipped).toEqual([]);
    expect(opens(r.actions).map((a) => a.opportunity)).toEqual([o]);
  });

  it('reads the last K observations only: an old negative one does not block', () => {
    const o = opp();
    const history = FundingHistory.fromObservations(3, observed(o.venue, o.perpSymbol, [-5e-4, 1e-4, 1e-4, 1e-4]));
    expect(opens(decide(input({ opportunities: [o], history })).actions)).toHaveLength(1);
    const k4 = FundingHistory.fromObservations(4, observed(o.venue, o.perpSymbol, [-5e-4, 1e-4, 1e-4, 1e-4]));
    const r = decide(input({ opportunities: [o], history: k4, params: params({ positiveObservations: 4 }) }));
    expect(r.skipped[0]?.reason).toMatch(/^funding not in favour/);
  });

  it('sizes at min(target, max notional, free capital) and says which limited it', () => {
    const cases: [Partial<Opportunity>, number, number, string][] = [
      [{}, 50_000, 10_000, '(target)'],
      [{ maxNotional: 4_200.5 }, 50_000, 4_200.5, '(max notional within slippage cap)'],
      [{}, 3_000, 3_000, '(free capital)'],
      [{ maxNotional: 2_000 }, 3_000, 2_000, '(max notional within slippage cap)'],
    ];
    for (const [over, free, notional, why] of cases) {
      const o = opp(over);
      const [a] = opens(decide(input({ opportunities: [o], freeCapital: new Map([['bybit', free]]) })).actions);
      expect(a?.notional).toBe(notional);
      expect(a?.reason).toContain(why);
    }
  });

  it('consumes free capital across opens on one venue and skips what falls below minNotional', () => {
    const a = oppApr(0.9, { base: 'BTC' });
    const b = oppApr(0.8, { base: 'ETH' });
    const c = oppApr(0.7, { base: 'SOL' });
    const r = decide(input({ opportunities: [a, b, c], freeCapital: new Map([['bybit', 10_050]]) }));
    expect(opens(r.actions).map((x) => [x.opportunity.base, x.notional])).toEqual([
      ['BTC', 10_000],
    ]);
    // 50 left: ETH and SOL are below the 100 minimum.
    expect(r.skipped.map((s) => [s.symbol, s.reason.split(':')[0]])).toEqual([
      ['ETH/USDT:USDT', SKIP.lowNotional],
      ['SOL/USDT:USDT', SKIP.lowNotional],
    ]);

    const r2 = decide(input({ opportunities: [a, b, c], freeCapital: new Map([['bybit', 15_000]]) }));
    expect(opens(r2.actions).map((x) => [x.opportunity.base, x.notional])).toEqual([
      ['BTC', 10_000],
      ['ETH', 5_000],
    ]);
  });

  it('skips a venue whose free capital is unknown', () => {
    const r = decide(input({ opportunities: [opp({ venue: 'gate' })] }));
    expect(r.actions).toEqual([]);
    expect(r.skipped[0]?.reason).toBe(SKIP.capitalUnknown);
  });

  it('opens the best net APR first, at most M, and reports the rest as skipped', () => {
    const os = [oppApr(0.5, { base: 'ETH' }), oppApr(0.9, { base: 'BTC' }), oppApr(0.7, { base: 'SOL' }), oppApr(0.6, { base: 'XRP' })];
    const r = decide(input({ opportunities: os }));
    expect(opens(r.actions).map((a) => a.opportunity.base)).toEqual(['BTC', 'SOL', 'XRP']);
    expect(r.skipped).toEqual([{ venue: 'bybit', symbol: 'ETH/USDT:USDT', reason: `${SKIP.maxPositions}: 3 of 3` }]);
  });

  it('counts every held position not closed or failed towards M', () => {
    const os = [oppApr(0.9, { base: 'BTC' }), oppApr(0.8, { base: 'SOL' })];
    const positions = [
      held('p1', { base: 'ETH', state: 'pending_open' }),
      held('p2', { base: 'XRP', state: 'closing' }),
      held('p3', { base: 'DOGE', state: 'closed' }),
      held('p4', { base: 'ADA', state: 'failed' }),
    ];
    const r = decide(input({ opportunities: os, positions, params: params({ switchMinAprGain: 100 }) }));
    expect(opens(r.actions).map((a) => a.opportunity.base)).toEqual(['BTC']);
    expect(r.skipped[0]?.reason.startsWith(`${SKIP.maxPositions}: 3 of 3`)).toBe(true);
  });

  it('never opens with maxOpenPositions 0', () => {
    const r = decide(input({ opportunities: [opp()], params: params({ maxOpenPositions: 0 }) }));
    expect(r.actions).toEqual([]);
    expect(r.skipped[0]?.reason).toBe(`${SKIP.maxPositions}: 0 of 0`);
  });

  it('allows one position per base per venue: same base elsewhere is fine', () => {
    const usdt = oppApr(0.9);
    const usdc = oppApr(0.8, { quote: 'USDC' });
    const okx = oppApr(0.7, { venue: 'okx' });
    const r = decide(input({ opportunities: [usdc, okx, usdt] }));
    expect(opens(r.actions).map((a) => `${a.opportunity.venue} ${a.opportunity.perpSymbol}`)).toEqual([
      'bybit BTC/USDT:USDT',
      'okx BTC/USDT:USDT',
    ]);
    expect(r.skipped).toEqual([
      { venue: 'bybit', symbol: 'BTC/USDC:USDC', reason: `${SKIP.baseHeld}: opened in this pass` },
    ]);
  });

  it('does not enter a perp or base already held, whatever the position state', () => {
    const positions = [held('p1', { base: 'BTC', state: 'closing' }), held('p2', { base: 'ETH', perpSymbol: 'ETH/USDC:USDC' })];
    const r = decide(
      input({ opportunities: [oppApr(0.9), oppApr(0.8, { base: 'ETH' })], positions, params: params({ switchMinAprGain: 100 }) }),
    );
    expect(r.actions).toEqual([]);
    expect(r.skipped.map((s) => s.reason)).toEqual([
      SKIP.perpHeld,
      // ETH/USDT:USDT is a different perp on the same base and venue as p2.
      `${SKIP.baseHeld}: position p2; no switch: p2 exit cost unknown`,
    ]);
  });

  it('breaks ties deterministically: net APR, then |gross APR|, then venue, then symbol', () => {
    const os = [
      oppApr(0.5, { venue: 'okx', base: 'AAA' }),
      oppApr(0.5, { venue: 'bybit', base: 'BBB' }),
      oppApr(0.5, { venue: 'bybit', base: 'AAA' }),
      oppApr(0.5, { venue: 'bybit', base: 'CCC', grossApr: 1.2 }),
      oppApr(0.6, { venue: 'okx', base: 'ZZZ' }),
    ];
    const p = params({ maxOpenPositions: 10 });
    const order = (xs: readonly Opportunity[]): string[] =>
      opens(decide(input({ opportunities: xs, params: p })).actions).map((a) => `${a.opportunity.venue} ${a.opportunity.base}`);
    const expected = ['okx ZZZ', 'bybit CCC', 'bybit AAA', 'bybit BBB', 'okx AAA'];
    expect(order(os)).toEqual(expected);
    expect(order([...os].reverse())).toEqual(expected);
  });

  it('refuses to run on a funding history too short for its K', () => {
    const run = (): unknown =>
      decide(input({ opportunities: [opp()], history: new FundingHistory(2), params: params({ positiveObservations: 3 }) }));
    expect(run).toThrow(CarryError);
    try {
      run();
    } catch (e) {
      expect((e as CarryError).action).toBe('stop');
      expect((e as CarryError).code).toBe('CARRY_CONFIG_INVALID');
    }
  });
});

describe('decide: exit', () => {
  // Settlements at 16:00 and 00:00 before NOW (03:00) and at 08:00 the day before; each rate is
  // the last observation one minute before its settlement.
  const S = [NOW - 19 * H, NOW - 11 * H, NOW - 3 * H];
  function settled(symbol: string, rates: readonly number[], venue = 'bybit'): FundingObservation[] {
    return rates.map((rate, i) => ({
      venue,
      symbol,
      rate,
      intervalHours: 8,
      continuous: false,
      rateKind: 'predicted' as const,
      nextFundingTime: S[i] as number,
      receivedAt: (S[i] as number) - MIN,
    }));
  }

  // The engine fetches both books of every held perp, so the scan prices it: here as a filtered
  // opportunity with the worked example's legs, exit cost 0.001 + 0.0005 + (5 + 2) bps = 0.0022.
  const heldOpp = (h: HeldPosition): Opportunity =>
    opp({ venue: h.venue, base: h.base, perpSymbol: h.perpSymbol, spotSymbol: `${h.base}/USDT`, status: 'filtered', reasons: ['net APR below minimum'] });

  function run(h: HeldPosition, history: FundingHistory = new FundingHistory(3), p: Partial<SpotPerpCarryParams> = {}, opportunities: readonly Opportunity[] = [heldOpp(h)]) {
    return decide(input({ opportunities, positions: [h], history, params: params(p) }));
  }

  it.each<[string, Partial<HeldPosition> & { rate?: number }, readonly number[], Partial<SpotPerpCarryParams>, string | null]>([
    ['nothing wrong: keep', {}, [1e-4, 1e-4, 1e-4], {}, null],
    ['held exactly maxHoldHours', { openedAt: NOW - 336 * H }, [], {}, 'max_hold'],
    ['held 1 ms less than maxHoldHours', { openedAt: NOW - 336 * H + 1 }, [], {}, null],
    ['held past a shorter max hold', { openedAt: NOW - 25 * H }, [], { maxHoldHours: 24 }, 'max_hold'],
    ['K negative settlements while held, still against', { openedAt: NOW - 20 * H, rate: -1e-5 }, [-1e-5, -2e-5, -1e-5], {}, 'funding_negative'],
    // Back to 0.0008 / 8h: 52h left × 0.0001/h = 0.0052 of notional to come >= exit cost 0.0022.
    ['K negative settlements, but the current rate pays for staying', { openedAt: NOW - 20 * H }, [-1e-5, -2e-5, -1e-5], {}, null],
    // Current rate against (so a detected signal would close) and the rate rule switched off.
    ['K negative but the first before opening', { openedAt: NOW - 19 * H, rate: -1e-5 }, [-1e-5, -2e-5, -1e-5], { exitRateBelow: -1 }, null],
    ['K − 1 negative and one zero', { openedAt: NOW - 20 * H, rate: -1e-5 }, [-1e-5, 0, -1e-5], { exitRateBelow: -1 }, null],
    ['2 negative with exitNegativeSettlements 2', { openedAt: NOW - 12 * H, rate: -1e-5 }, [1e-4, -2e-5, -1e-5], { exitNegativeSettlements: 2 }, 'funding_negative'],
    ['reverse: K positive settlements', { direction: 'reverse', rate: 1e-5, openedAt: NOW - 20 * H }, [1e-5, 2e-5, 1e-5], {}, 'funding_negative'],
    ['reverse: K negative settlements is good', { direction: 'reverse', rate: -0.0008, openedAt: NOW - 20 * H }, [-1e-5, -2e-5, -1e-5], {}, null],
    // 0.0000137 / 8h × 3 × 365 = 0.0150015 APR < 0.02
    ['rate APR 1.5% below exit 2%', { rate: 0.0000137 }, [], {}, 'rate_below_exit'],
    // 0.00002 × 3 × 365 = 0.0219 APR
    ['rate APR 2.19% above exit 2%', { rate: 0.00002 }, [], {}, null],
    ['rate negative (carry)', { rate: -0.0001 }, [], {}, 'rate_below_exit'],
    ['reverse with a negative rate: 87.6% in favour', { direction: 'reverse', rate: -0.0008 }, [], {}, null],
    ['reverse with a small negative rate: 1.1% in favour', { direction: 'reverse', rate: -0.00001 }, [], {}, 'rate_below_exit'],
    ['max hold wins over funding rules', { openedAt: NOW - 400 * H, rate: -0.001 }, [-1e-5, -1e-5, -1e-5], {}, 'max_hold'],
    ['funding_negative wins over rate_below_exit', { openedAt: NOW - 20 * H, rate: -0.001 }, [-1e-5, -1e-5, -1e-5], {}, 'funding_negative'],
  ])('%s', (_name, over, rates, p, exit) => {
    const h = held('p1', { base: 'BTC', ...over });
    const r = run(h, FundingHistory.fromObservations(3, settled(h.perpSymbol, rates)), p);
    if (exit === null) expect(r.actions).toEqual([]);
    else {
      expect(r.actions).toEqual([{ kind: 'close', positionId: 'p1', exit, reason: expect.any(String) }]);
      expect(r.actions[0]?.reason).toContain('entered at net APR 30.00%');
    }
  });

  it('writes reasons a trader can check', () => {
    const h = held('p1', { base: 'BTC', openedAt: NOW - 20 * H, rate: -1e-5 });
    const neg = run(h, FundingHistory.fromObservations(3, settled(h.perpSymbol, [-1e-5, -2e-5, -1e-5])));
    // −0.00001 × (72 − 20)h / 8h = −0.000065 of notional to come.
    expect(neg.actions[0]?.reason).toBe(
      'funding against the position at the last 3 settlements held: -0.0010%, -0.0020%, -0.0010%; ' +
        'funding left over the hold -0.0065% (-0.0010% × 52.0h / 8h) < exit cost 0.2200% (entered at net APR 30.00%)',
    );
    // 0.0000137 × 48h / 8h = 0.0000822.
    const low = run(held('p2', { rate: 0.0000137 }));
    expect(low.actions[0]?.reason).toBe(
      "funding APR in the position's favour 1.50% < exit threshold 2.00%; " +
        'funding left over the hold 0.0082% (0.0014% × 48.0h / 8h) < exit cost 0.2200% (entered at net APR 30.00%)',
    );
  });

  it.each<[string, Partial<HeldPosition>, string]>([
    ['no funding snapshot', { funding: null }, NOTE.fundingMissing],
    ['a stale funding snapshot', { funding: snapshot('bybit', 'ETH/USDT:USDT', -0.01, { receivedAt: NOW - 120_001 }) }, NOTE.fundingStale],
    ['a snapshot of another perp', { funding: snapshot('bybit', 'SOL/USDT:USDT', -0.01) }, NOTE.fundingInvalid],
  ])('does not act on %s, and notes it', (_name, over, note) => {
    const r = run(held('p1', over));
    expect(r.actions).toEqual([]);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]?.note.startsWith(note)).toBe(true);
    expect(r.notes[0]).toMatchObject({ positionId: 'p1', venue: 'bybit', symbol: 'ETH/USDT:USDT' });
  });

  it('still applies max hold without a funding snapshot', () => {
    const r = run(held('p1', { funding: null, openedAt: NOW - 400 * H }));
    expect(closes(r.actions).map((a) => a.exit)).toEqual(['max_hold']);
  });

  it.each(['pending_open', 'rebalancing', 'closing', 'unwinding'] as const)('leaves a %s position alone', (state) => {
    const r = run(held('p1', { state, rate: -0.01, openedAt: NOW - 400 * H }));
    expect(r.actions).toEqual([]);
  });

  it('closes first, in positionId order, and does not reuse a closing slot in the same pass', () => {
    const positions = [held('p2', { base: 'ETH', rate: -0.001 }), held('p1', { base: 'SOL', rate: -0.001 }), held('p3', { base: 'XRP' })];
    const r = decide(input({ opportunities: [oppApr(0.9)], positions, params: params({ switchMinAprGain: 100 }) }));
    expect(r.actions.map((a) => (a.kind === 'close' ? `close ${a.positionId}` : 'open'))).toEqual(['close p1', 'close p2']);
    expect(r.skipped[0]?.reason.startsWith(`${SKIP.maxPositions}: 3 of 3`)).toBe(true);
  });
});

describe('decide: switch to a better opportunity', () => {
  /*
   * Held: carry ETH on bybit at 0.0001 / 8h → held funding APR 0.0001 × 3 × 365 = 0.1095.
   * Its exit, from this scan's ETH opportunity: fees 0.001 + 0.0005 + slippage (5 + 2) bps
   * = 0.0022 of notional, as APR over 72h: 0.0022 × 121.6667 = 0.267667.
   * Candidate BTC at 0.002 / 8h: funding over 72h 0.002 × 9 = 0.018, round trip 0.0044,
   * net 0.0136 → net APR 0.0136 × 121.6667 = 1.654667.
   * gain = 1.654667 − 0.1095 − 0.267667 = 1.2775  (= (0.0136 − 0.0022 − 0.0009) × 121.6667)
   * ≥ 0.15 → switch.
   */
  // The arithmetic below is checked at a 15% threshold (the default is 50%: params.ts says why).
  const switchParams = (over: Partial<SpotPerpCarryParams> = {}) => params({ switchMinAprGain: 0.15, ...over });
  const heldEth = (id = 'p1', rate = 0.0001, over: Partial<HeldPosition> = {}): HeldPosition =>
    held(id, { base: 'ETH', rate, ...over });
  // The held perp's own opportunity: filtered (its net APR is low) but priced.
  const ethOpp = opp({ base: 'ETH', rate: 0.0001, grossApr: 0.1095, netApr: -0.1, status: 'filtered', reasons: ['net APR below minimum'] });
  const btc = opp({ rate: 0.002, grossApr: 2.19, netReturnHold: 0.0136, netApr: 0.0136 * PER_YEAR_OVER_HOLD });

  it('closes the held position when M is full and the gain clears switchMinAprGain', () => {
    const r = decide(input({ opportunities: [btc, ethOpp], positions: [heldEth()], params: switchParams({ maxOpenPositions: 1 }) }));
    expect(r.actions).toEqual([
      {
        kind: 'close',
        positionId: 'p1',
        exit: 'better_opportunity',
        reason:
          'switch to bybit BTC/USDT:USDT (carry): net APR 165.47% − held funding APR 10.95% − exit cost 0.22% over 72h ' +
          '(26.77% APR) = 127.75% >= 15.00% (entered at net APR 30.00%)',
      },
    ]);
    // The candidate waits for the slot: it is not opened in the same pass.
    expect(r.skipped).toEqual([
      { venue: 'bybit', symbol: 'BTC/USDT:USDT', reason: expect.stringMatching(new RegExp(`^${SKIP.switching}: closing p1`)) },
    ]);
  });

  it.each<[string, number, boolean]>([
    // gain = 0.52 − 0.1095 − 0.267667 = 0.142833 < 0.15
    ['net APR 52%: gain 14.28% < 15%', 0.52, false],
    // gain = 0.53 − 0.1095 − 0.267667 = 0.152833 ≥ 0.15
    ['net APR 53%: gain 15.28% ≥ 15%', 0.53, true],
  ])('%s', (_name, netApr, switches) => {
    const r = decide(input({ opportunities: [oppApr(netApr), ethOpp], positions: [heldEth()], params: switchParams({ maxOpenPositions: 1 }) }));
    expect(closes(r.actions).map((a) => a.exit)).toEqual(switches ? ['better_opportunity'] : []);
    if (!switches) expect(r.skipped[0]?.reason).toBe(`${SKIP.maxPositions}: 1 of 1; no switch: p1 gain 14.28% < 15.00%`);
  });

  it('switches out of the weakest held position', () => {
    // p2 at 0.0005 / 8h: APR 0.5475, gain 1.654667 − 0.5475 − 0.267667 = 0.8395 < p1's 1.2775.
    const solOpp = opp({ base: 'SOL', status: 'filtered' });
    const positions = [heldEth('p2', 0.0001, { base: 'SOL', perpSymbol: 'SOL/USDT:USDT', funding: snapshot('bybit', 'SOL/USDT:USDT', 0.0005) }), heldEth('p1')];
    const r = decide(input({ opportunities: [btc, ethOpp, solOpp], positions: [...positions].reverse(), params: switchParams({ maxOpenPositions: 2 }) }));
    expect(closes(r.actions).map((a) => a.positionId)).toEqual(['p1']);
  });

  it('switches each held position at most once, for the best candidates first', () => {
    const sol = opp({ base: 'SOL', rate: 0.002, grossApr: 2.19, netReturnHold: 0.0136, netApr: 1.6 });
    const r = decide(input({ opportunities: [btc, sol, ethOpp], positions: [heldEth()], params: switchParams({ maxOpenPositions: 1 }) }));
    expect(closes(r.actions).map((a) => a.positionId)).toEqual(['p1']);
    expect(closes(r.actions)[0]?.reason).toContain('switch to bybit BTC/USDT:USDT');
    expect(r.skipped.map((s) => s.reason.split(':')[0])).toEqual([SKIP.switching, SKIP.maxPositions]);
  });

  it('only the position on the same base can make room for a base conflict', () => {
    // Held ETH/USDT:USDT blocks ETH/USDC:USDC on bybit even with free slots. XRP (APR 1.1%) would
    // be the cheaper one to give up, but closing it would not make room for ETH.
    const ethUsdc = opp({ base: 'ETH', quote: 'USDC', rate: 0.002, grossApr: 2.19, netReturnHold: 0.0136, netApr: 0.0136 * PER_YEAR_OVER_HOLD });
    const xrpOpp = opp({ base: 'XRP', status: 'filtered' });
    const positions = [heldEth(), held('p0', { base: 'XRP', rate: 0.00001 })];
    const r = decide(input({ opportunities: [ethUsdc, ethOpp, xrpOpp], positions, params: switchParams({ exitRateBelow: -1 }) }));
    expect(closes(r.actions).map((a) => [a.positionId, a.exit])).toEqual([['p1', 'better_opportunity']]);
  });

  it("uses the mirror opportunity's entry slippage as the exit of a held position", () => {
    // Held carry ETH while ETH funding is now -0.0001 (exit rule disabled): held APR −0.1095.
    // The ranker now prices ETH as reverse: its entry (sell spot on bids, buy perp on asks) is our
    // exit: 5 + 2 bps → cost 0.0022 → gain 0.53 + 0.1095 − 0.267667 = 0.371833 → switch.
    // Reading its exit slippage (50 + 20 bps → 0.0085, 1.034167 APR) would give −0.394667.
    const ethReverse = opp({
      base: 'ETH',
      direction: 'reverse',
      rate: -0.0001,
      grossApr: -0.1095,
      status: 'filtered',
      spot: leg('ETH/USDT', 'sell', 0.001, 5, 50),
      perp: leg('ETH/USDT:USDT', 'buy', 0.0005, 2, 20),
    });
    const r = decide(
      input({ opportunities: [oppApr(0.53), ethReverse], positions: [heldEth('p1', -0.0001)], params: switchParams({ maxOpenPositions: 1, exitRateBelow: -10 }) }),
    );
    expect(closes(r.actions)[0]?.reason).toContain('exit cost 0.22%');
    expect(closes(r.actions)[0]?.reason).toContain('= 37.18%');
  });

  it.each<[string, readonly Opportunity[], Partial<HeldPosition>, string]>([
    ['held exit cost unknown (its perp not priced)', [btc], {}, 'p1 exit cost unknown'],
    ['held exit cost unknown (no spot book)', [btc, { ...ethOpp, spot: null }], {}, 'p1 exit cost unknown'],
    ['held funding unknown', [btc, ethOpp], { funding: null }, 'p1 current funding unknown'],
  ])('does not switch when %s', (_name, opportunities, over, why) => {
    const r = decide(input({ opportunities, positions: [heldEth('p1', 0.0001, over)], params: switchParams({ maxOpenPositions: 1 }) }));
    expect(r.actions).toEqual([]);
    expect(r.skipped[0]?.reason).toBe(`${SKIP.maxPositions}: 1 of 1; no switch: ${why}`);
  });

  it('does not switch to a candidate that fails its own rules', () => {
    const inWindow = { ...btc, nextFundingTime: NOW + 5 * MIN };
    const r = decide(input({ opportunities: [inWindow, ethOpp], positions: [heldEth()], params: switchParams({ maxOpenPositions: 1 }) }));
    expect(r.actions).toEqual([]);
    expect(r.skipped[0]?.reason.startsWith(SKIP.settlementWindow)).toBe(true);
  });

  it('switches across venues only when the candidate venue has capital', () => {
    const okxBtc = { ...btc, venue: 'okx' };
    const noCapital = new Map([
      ['bybit', 50_000],
      ['okx', 0],
    ]);
    const r = decide(input({ opportunities: [okxBtc, ethOpp], positions: [heldEth()], freeCapital: noCapital, params: switchParams({ maxOpenPositions: 1 }) }));
    expect(r.actions).toEqual([]);
    expect(r.skipped[0]?.reason).toMatch(/no switch: free capital on okx 0.00 < 100/);
    // On the held position's own venue, closing it frees the capital: the switch goes ahead.
    const same = decide(
      input({ opportunities: [btc, ethOpp], positions: [heldEth()], freeCapital: new Map([['bybit', 0]]), params: switchParams({ maxOpenPositions: 1 }) }),
    );
    expect(closes(same.actions).map((a) => a.exit)).toEqual(['better_opportunity']);
  });

  it('does not switch when a slot is free: it just opens', () => {
    const r = decide(input({ opportunities: [btc, ethOpp], positions: [heldEth()], params: switchParams({ maxOpenPositions: 2 }) }));
    expect(r.actions.map((a) => a.kind)).toEqual(['open']);
  });
});

describe('decide: exit discipline', () => {
  /*
   * Hand-checked with the worked example's legs: exit cost 0.001 + 0.0005 + (5 + 2) bps = 0.0022.
   * Held 24h of the 72h plan: 48h left, 6 settlements of an 8h perp.
   */
  const heldOpp = (h: HeldPosition): Opportunity =>
    opp({ venue: h.venue, base: h.base, perpSymbol: h.perpSymbol, spotSymbol: `${h.base}/USDT`, status: 'filtered', reasons: ['net APR below minimum'] });
  const runOne = (h: HeldPosition, p: Partial<SpotPerpCarryParams> = {}, over: Partial<DecideInput> = {}) =>
    decide(input({ opportunities: [heldOpp(h)], positions: [h], history: new FundingHistory(3), params: params(p), ...over }));
  // Entry at 100% net APR, exit below 50% gross: lets rates near the boundary count as "below exit".
  const wide = { entryMinNetApr: 1, exitRateBelow: 0.5 };

  describe('remaining funding vs exit cost (rate_below_exit)', () => {
    it.each<[string, number, number, boolean]>([
      // 0.00036 × 48 / 8 = 0.00216 < 0.0022: leaving is cheaper than what is left to collect.
      ['0.00036 / 8h: 0.216% left < 0.22% exit cost', 0.00036, 24, true],
      // 0.00037 × 48 / 8 = 0.00222 >= 0.0022: staying collects more than leaving costs.
      ['0.00037 / 8h: 0.222% left >= 0.22% exit cost', 0.00037, 24, false],
      // Held 64h: 0.00037 × 8 / 8 = 0.00037 < 0.0022.
      ['the same rate with 8h of the plan left', 0.00037, 64, true],
      // Held past the 72h plan: nothing left to wait for, whatever the rate.
      ['held past holdHours', 0.00045, 80, true],
    ])('%s', (_name, rate, heldHours, leaves) => {
      const h = held('p1', { rate, openedAt: NOW - heldHours * H });
      const r = runOne(h, wide);
      expect(closes(r.actions).map((a) => a.exit)).toEqual(leaves ? ['rate_below_exit'] : []);
      if (!leaves) {
        expect(r.notes).toHaveLength(1);
        expect(r.notes[0]?.note.startsWith(NOTE.fundingCoversExit)).toBe(true);
        expect(r.notes[0]?.note).toContain('funding left over the hold 0.2220% (0.0370% × 48.0h / 8h) >= exit cost 0.2200%');
      }
    });

    it.each<[string, number | null, number, number, number, { expected: number; leave: boolean }]>([
      ['in favour, covers', 0.0005, 8, 24, 0.0022, { expected: 0.003, leave: false }],
      ['in favour, short of it', 0.0001, 8, 24, 0.0022, { expected: 0.0006, leave: true }],
      ['4h perp: twice the settlements', 0.0002, 4, 24, 0.0022, { expected: 0.0024, leave: false }],
      ['against: leaving always', -0.0001, 8, 24, 0.0022, { expected: -0.0006, leave: true }],
      ['nothing left', 0.01, 8, 72, 0.0022, { expected: 0, leave: true }],
    ])('stayOrGo: %s', (_name, rate, interval, heldHours, cost, want) => {
      const g = stayOrGo(rate as number, interval, heldHours, cost, 72);
      expect(g.expected).toBeCloseTo(want.expected, 15);
      expect(g.leave).toBe(want.leave);
      expect(g.remainingHours).toBe(Math.max(0, 72 - heldHours));
    });

    it('exit cost unknown: keeps a position still paid in its favour, and says so', () => {
      const h = held('p1', { rate: 0.00001 });
      const r = decide(input({ opportunities: [], positions: [h], history: new FundingHistory(3) }));
      expect(r.actions).toEqual([]);
      expect(r.notes.map((n) => n.note.split(':')[0])).toEqual([NOTE.exitCostUnknown]);
      expect(r.notes[0]?.note).toContain('exit cost unknown');
    });

    it('exit cost unknown: still leaves when funding is against the position', () => {
      const h = held('p1', { rate: -0.0001 });
      const r = decide(input({ opportunities: [], positions: [h], history: new FundingHistory(3) }));
      expect(closes(r.actions).map((a) => a.exit)).toEqual(['rate_below_exit']);
      expect(closes(r.actions)[0]?.reason).toContain('exit cost unknown');
    });
  });

  describe('hysteresis', () => {
    // 0.00004566 / 8h × 1095 = 5.0% gross APR: between the 2% exit and the 10% entry threshold.
    const between = 0.05 / 1095;

    it('keeps a position whose rate is between the exit and entry thresholds, and would not enter it either', () => {
      const h = held('p1', { rate: between });
      const r = runOne(h);
      expect(r.actions).toEqual([]);
      expect(r.notes).toEqual([]);
      // The same rate as a fresh candidate: 5% gross minus its 0.44% round trip over 72h is a
      // net APR of 5% − 53.5% < 10%: not entered. Neither side acts inside the band.
      const net = (between * 9 - 0.0044) * PER_YEAR_OVER_HOLD;
      const c = opp({ base: 'SOL', rate: between, grossApr: 0.05, netReturnHold: between * 9 - 0.0044, netApr: net });
      const entry = decide(input({ opportunities: [c] }));
      expect(entry.actions).toEqual([]);
      expect(entry.skipped[0]?.reason.startsWith(SKIP.belowEntryApr)).toBe(true);
    });

    it.each<[Partial<SpotPerpCarryParams>]>([[{ exitRateBelow: 0.1 }], [{ exitRateBelow: 0.2 }], [{ entryMinNetApr: 0.02 }]])(
      'params refuse an exit threshold at or above the entry one, naming both fields: %o',
      (over) => {
        const r = spotPerpCarryParamsSchema.safeParse(over);
        expect(r.success).toBe(false);
        const issue = r.error?.issues.find((i) => i.path.join('.') === 'exitRateBelow');
        expect(issue?.message).toMatch(/^exitRateBelow below entryMinNetApr \([-\d.]+, net APR\), not [-\d.]+ \(gross APR\)/);
      },
    );

    it('accepts an exit threshold just below the entry one', () => {
      expect(spotPerpCarryParamsSchema.safeParse({ exitRateBelow: 0.0999 }).success).toBe(true);
    });

    it('params refuse a minimum hold at or above the maximum hold', () => {
      const r = spotPerpCarryParamsSchema.safeParse({ minHoldHours: 336 });
      expect(r.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
        ['minHoldHours', 'minHoldHours below maxHoldHours (336), not 336: otherwise no signal exit could ever happen'],
      ]);
    });
  });

  describe('minimum hold', () => {
    it.each<[string, number, number, Partial<SpotPerpCarryParams>, number]>([
      ['8h perp, default', 8, 0, {}, 8],
      ['1h perp: the 8h default floor', 1, 0, {}, 8],
      ['1h perp with minHoldHours 0: one interval', 1, 0, { minHoldHours: 0 }, 1],
      ['8h perp with minHoldHours 12', 8, 0, { minHoldHours: 12 }, 12],
    ])('minimumHoldHours: %s', (_name, intervalHours, _unused, p, hours) => {
      expect(minimumHoldHours({ intervalHours }, params(p))).toBe(hours);
    });

    it.each<[string, Partial<HeldPosition> & { rate?: number }, Partial<SpotPerpCarryParams>, boolean]>([
      ['8h perp held 2h: signal ignored', { openedAt: NOW - 2 * H }, {}, false],
      ['8h perp held 1 ms under 8h: ignored', { openedAt: NOW - 8 * H + 1 }, {}, false],
      ['8h perp held exactly 8h: taken', { openedAt: NOW - 8 * H }, {}, true],
      ['1h perp held 3h: inside the 8h floor', { openedAt: NOW - 3 * H, intervalHours: 1 }, {}, false],
      ['1h perp held 3h with minHoldHours 0: past one interval', { openedAt: NOW - 3 * H, intervalHours: 1 }, { minHoldHours: 0 }, true],
      ['4h perp held 5h with minHoldHours 0: past one interval', { openedAt: NOW - 5 * H, intervalHours: 4 }, { minHoldHours: 0 }, true],
      ['4h perp held 3h with minHoldHours 0: inside one interval', { openedAt: NOW - 3 * H, intervalHours: 4 }, { minHoldHours: 0 }, false],
      // Deribit accrues continuously and quotes an 8h rate: its interval counts as 8h.
      [
        'continuous perp held 7h with minHoldHours 0: inside its quoted 8h',
        { venue: 'deribit', openedAt: NOW - 7 * H, funding: snapshot('deribit', 'ETH/USDT:USDT', -0.0001, { continuous: true, nextFundingTime: null, rateKind: 'trailing_realised' }) },
        { minHoldHours: 0 },
        false,
      ],
    ])('%s', (_name, over, p, taken) => {
      const h = held('p1', { rate: -0.0001, ...over });
      const r = runOne(h, p);
      expect(closes(r.actions).map((a) => a.exit)).toEqual(taken ? ['rate_below_exit'] : []);
      if (!taken) {
        expect(r.notes).toHaveLength(1);
        expect(r.notes[0]?.note).toMatch(new RegExp(`^${NOTE.minHold}: rate_below_exit \\(funding APR in the position's favour -10\\.95% < exit threshold 2\\.00%\\) after \\d+\\.\\dh of \\d+h$`));
      }
    });

    it('funding_negative waits for it too (1h perp: 3 settlements in 3h, minimum hold 8h)', () => {
      const settlements = [NOW - 3 * H + 30 * MIN, NOW - 2 * H + 30 * MIN, NOW - H + 30 * MIN];
      const obs = settlements.map((t) => ({ venue: 'bybit', symbol: 'ETH/USDT:USDT', rate: -0.0001, intervalHours: 1, continuous: false, rateKind: 'predicted' as const, nextFundingTime: t, receivedAt: t - MIN }));
      const history = FundingHistory.fromObservations(3, obs);
      const h = held('p1', { rate: -0.0001, openedAt: NOW - 3.5 * H, intervalHours: 1, funding: snapshot('bybit', 'ETH/USDT:USDT', -0.0001, { intervalHours: 1 }) });
      const inside = decide(input({ opportunities: [heldOpp(h)], positions: [h], history }));
      expect(inside.actions).toEqual([]);
      expect(inside.notes[0]?.note.startsWith(`${NOTE.minHold}: funding_negative`)).toBe(true);
      const past = decide(input({ opportunities: [heldOpp(h)], positions: [h], history, params: params({ minHoldHours: 0 }) }));
      expect(closes(past.actions).map((a) => a.exit)).toEqual(['funding_negative']);
    });

    it('max hold is not delayed by it', () => {
      const h = held('p1', { openedAt: NOW - 6 * H });
      const r = runOne(h, { maxHoldHours: 6, minHoldHours: 4 });
      expect(closes(r.actions).map((a) => a.exit)).toEqual(['max_hold']);
    });

    it('a risk exit inside it is taken at once, with its rule and reason', () => {
      const h = held('p1', { openedAt: NOW - 6 * MIN, risk: [{ rule: 'liquidation', detail: 'perp 12.00% from liquidation < floor 15.00%' }] });
      const r = runOne(h);
      expect(r.actions).toEqual([
        {
          kind: 'close',
          positionId: 'p1',
          exit: 'risk',
          risk: 'liquidation',
          reason: 'liquidation: perp 12.00% from liquidation < floor 15.00% (entered at net APR 30.00%)',
        },
      ]);
    });

    it('the most severe risk rule names the exit', () => {
      const risk = [
        { rule: 'drift' as const, detail: 'drift 12%' },
        { rule: 'margin' as const, detail: 'margin balance gone' },
        { rule: 'liquidation' as const, detail: '3% from liquidation' },
      ];
      const r = runOne(held('p1', { openedAt: NOW - MIN, risk }));
      expect(closes(r.actions).map((a) => (a.exit === 'risk' ? a.risk : null))).toEqual(['margin']);
    });

    it('halt closes every open position as a risk exit and opens nothing', () => {
      const positions = [held('p1', { openedAt: NOW - MIN }), held('p2', { base: 'SOL', openedAt: NOW - 100 * H })];
      const r = decide(input({ opportunities: [opp()], positions, params: params({ maxOpenPositions: 5 }), halt: 'kill switch' }));
      expect(r.actions.map((a) => (a.kind === 'close' && a.exit === 'risk' ? `${a.positionId} ${a.risk}` : a.kind))).toEqual(['p1 halt', 'p2 halt']);
      expect(r.skipped).toEqual([{ venue: 'bybit', symbol: 'BTC/USDT:USDT', reason: `${SKIP.halted}: kill switch` }]);
    });

    it('a better opportunity does not switch out a position inside it, and does once it is past', () => {
      // The switch block's numbers: gain 127.75% >= 15% for a held ETH at 0.0001 / 8h.
      const ethOpp = opp({ base: 'ETH', rate: 0.0001, grossApr: 0.1095, netApr: -0.1, status: 'filtered', reasons: ['net APR below minimum'] });
      const btc = opp({ rate: 0.002, grossApr: 2.19, netReturnHold: 0.0136, netApr: 0.0136 * PER_YEAR_OVER_HOLD });
      const at = (hoursHeld: number) =>
        decide(input({ opportunities: [btc, ethOpp], positions: [held('p1', { base: 'ETH', rate: 0.0001, openedAt: NOW - hoursHeld * H })], params: params({ maxOpenPositions: 1 }) }));
      const young = at(0.2);
      expect(young.actions).toEqual([]);
      expect(young.skipped[0]?.reason).toBe(`${SKIP.maxPositions}: 1 of 1; no switch: p1 inside its minimum hold (0.2h of 8h)`);
      expect(closes(at(8).actions).map((a) => a.exit)).toEqual(['better_opportunity']);
    });
  });
});

describe('decide is pure', () => {
  it('gives the same result for the same input and does not touch it', () => {
    const os = [oppApr(0.9), oppApr(0.8, { base: 'ETH' }), oppApr(0.7, { base: 'SOL', venue: 'okx' })];
    const free = new Map([
      ['bybit', 10_050],
      ['okx', 50_000],
    ]);
    const positions = [held('p1', { base: 'XRP', rate: 0.00001 })];
    const xrp = opp({ base: 'XRP', status: 'filtered', reasons: ['net APR below minimum'] });
    const i = input({ opportunities: [...os, xrp], positions, freeCapital: free });
    const copy = JSON.stringify([os, positions, [...free]]);
    const a = decide(i);
    const b = decide(i);
    expect(b).toEqual(a);
    expect(JSON.stringify([os, positions, [...free]])).toBe(copy);
    expect(a.actions.map((x) => (x.kind === 'open' ? `open ${x.opportunity.base} ${x.notional}` : `close ${x.positionId} ${x.exit}`))).toEqual([
      'close p1 rate_below_exit',
      'open BTC 10000',
      'open SOL 10000',
    ]);
    // p1 is closing but still holds its slot; 50 left on bybit is below the minimum for ETH.
    expect(a.skipped).toEqual([
      { venue: 'bybit', symbol: 'ETH/USDT:USDT', reason: `${SKIP.lowNotional}: 50.00 < 100 (free capital on bybit 50.00)` },
    ]);
  });
});
