/**
 * Resolved messages, per check kind, as a user reads them: the check fires, later evaluates the
 * same subject and finds it quiet; the alert manager resolves the episode. The resolved message
 * carries exactly the title of the alert it resolves (its first message's, even when later ticks'
 * titles said other numbers) and says what came back and where it stands now, never the firing
 * text or its actions. A subject that is gone says so.
 */
import { describe, expect, it } from 'vitest';
import { AlertManager, type AlertKey, type AlertSender, type SendContext } from '../../src/alerts/manager.js';
import { renderText } from '../../src/alerts/message.js';
import { toPayload } from '../../src/alerts/payload.js';
import { AlertStore } from '../../src/alerts/store.js';
import type { Alert, QuietKey } from '../../src/domain/alert.js';
import type { FundingSnapshot } from '../../src/domain/market.js';
import type { VenueScanReport } from '../../src/engine/scanner.js';
import { sinceFromFiring, type CheckContext } from '../../src/monitor/alert-build.js';
import { basisHistory, checkBasis, type BasisThresholds } from '../../src/monitor/basis.js';
import { checkDrift } from '../../src/monitor/drift.js';
import { checkFunding } from '../../src/monitor/funding.js';
import { checkJobs, checkStaleData, checkVenues } from '../../src/monitor/health.js';
import { checkMargin } from '../../src/monitor/margin.js';
import type { JobStats } from '../../src/scheduler/job.js';
import { binancePerp, binancePosition, binanceSpot, T0 } from './fixtures.js';

const MIN = 60_000;
const S = 1000;

type Evaluate = (ctx: CheckContext) => readonly Alert[];

interface Sent {
  readonly alert: Alert;
  readonly context: SendContext;
}

/**
 * Runs `steps` a minute apart through a real AlertManager (in-memory ledger, cooldown 30 min),
 * each check told the previous firing set (episode starts) and reporting its quiet keys.
 */
async function episode(steps: readonly Evaluate[], checked: readonly AlertKey[], gone: readonly string[] = []): Promise<Sent[]> {
  const store = AlertStore.open(':memory:', { mode: 'paper', carryVersion: 'test' });
  const sent: Sent[] = [];
  const sender: AlertSender = async (alert, sinks, context) => {
    sent.push({ alert, context });
    return sinks.map((sink) => ({ sink, ok: true }));
  };
  const manager = new AlertManager({ store, sender, sinks: ['chat'], clock: { now: () => T0, sleep: () => Promise.resolve() } });
  let previous: readonly Alert[] = [];
  for (const [i, step] of steps.entries()) {
    const now = T0 + i * MIN;
    const clear: QuietKey[] = [];
    const firing = step({ now, since: sinceFromFiring(previous), onClear: (c) => clear.push(c) });
    const last = i === steps.length - 1;
    await manager.tick({ now, firing, checked, clear, ...(last ? { gone } : {}) });
    previous = store.firing().map((e) => e.alert);
  }
  store.close();
  return sent;
}

/** The new and the resolved message of `kind`; the text a chat shows for the resolved one. */
function pair(sent: readonly Sent[], kind: Alert['kind']) {
  const mine = sent.filter((s) => s.alert.kind === kind);
  const first = mine.find((s) => s.context.notice === 'new');
  const resolved = mine.find((s) => s.context.notice === 'resolved');
  if (first === undefined || resolved === undefined) throw new Error(`${kind}: expected a new and a resolved message, got ${mine.map((s) => s.context.notice).join(', ')}`);
  return { first: first.alert, resolved: resolved.alert, text: renderText(resolved.alert, { notice: 'resolved' }) };
}

function expectResolved(p: ReturnType<typeof pair>, message: string): void {
  expect(p.resolved.title).toBe(p.first.title);
  expect(p.resolved.message).toBe(message);
  expect(p.resolved.status).toBe('resolved');
  expect(p.resolved.actions).toEqual([]);
  expect(p.resolved.id).toBe(p.first.id);
  expect(p.text.split('\n').slice(0, 2)).toEqual([`✅ RESOLVED · ${p.first.title}`, message]);
  expect(p.text).not.toMatch(/Do:|Next funding|closing now/);
  // The firing text is not repeated anywhere a receiver reads.
  expect(toPayload(p.resolved, { notice: 'resolved', seq: 2 }).text).not.toContain(p.first.message);
}

const markets = { spot: binanceSpot, perp: binancePerp };
const b1 = (spotQty: number, perpContracts: number) => binancePosition(spotQty, perpContracts);
const B1 = (kind: Alert['kind']): AlertKey => ({ kind, subject: 'b1' });

describe('resolved messages say what came back within bounds', () => {
  it('delta_drift: the drift now, against its limit', async () => {
    const drift = (perp: number): Evaluate => (ctx) => checkDrift([{ position: b1(1, perp), markets, mark: 50_000 }], { threshold: 0.02, critical: 0.1 }, ctx);
    const p = pair(await episode([drift(-0.9), drift(-0.996)], [B1('delta_drift')]), 'delta_drift');
    expect(p.first.title).toBe('BTC carry on binance drifted 10% long');
    expectResolved(p, 'Hedge back within 2%: drift 0.4% of the spot leg (net +0.004 BTC at mark 50,000.00).');
    expect(p.resolved.data['drift']).toBeCloseTo(0.004, 12);
  });

  it('margin: the distance to liquidation now, above the floor', async () => {
    const margin = (mark: number): Evaluate => (ctx) =>
      checkMargin([{ position: b1(1, -1), markets, mark, margin: { kind: 'model', collateral: 50_000 / 3, entryPrice: 50_000 } }], { floor: 0.15, target: 0.3, maintenanceMarginRate: 0.005 }, ctx);
    const p = pair(await episode([margin(58_000), margin(50_000)], [B1('margin')]), 'margin');
    expect(p.first.title).toBe('BTC carry on binance: perp 14.4% from liquidation');
    expectResolved(p, 'Perp back above the 15% floor: 32.7% from liquidation (liquidates at 66,334.99, mark 50,000.00).');
  });

  it('funding_flip and funding_below_exit: the rate now, each against its own threshold; interval_change: the interval now', async () => {
    const snap = (rate: number, intervalHours = 8): FundingSnapshot => ({
      venue: 'binance', symbol: 'BTC/USDT:USDT', base: 'BTC', quote: 'USDT', settle: 'USDT', settlement: 'linear', contractSize: 1,
      rate, intervalHours, intervalSource: 'venue', continuous: false, rateKind: 'predicted', nextFundingTime: T0 + 4 * 3_600_000,
      markPrice: 50_000, indexPrice: 49_990, eventTime: T0, receivedAt: T0,
    });
    const funding = (rate: number, hours = 8): Evaluate => (ctx) => checkFunding([{ position: b1(1, -1), snapshot: snap(rate, hours) }], { flipToleranceApr: 0, exitApr: 0.02 }, ctx);
    const sent = await episode([funding(-0.0001, 4), funding(0.0001, 8)], [B1('funding_flip'), B1('funding_below_exit'), B1('interval_change')]);
    const flip = pair(sent, 'funding_flip');
    expectResolved(flip, "Funding no longer against the position: predicted rate 0.01% per 8h = 10.95% APR in the position's favour.");
    const exit = pair(sent, 'funding_below_exit');
    expectResolved(exit, "Funding back at or above the exit threshold 2%: predicted rate 0.01% per 8h = 10.95% APR in the position's favour.");
    const interval = pair(sent, 'interval_change');
    expect(interval.first.title).toBe('BTC carry on binance: funding interval 8h → 4h');
    expectResolved(interval, 'Funding interval back to 8h: binance settles BTC/USDT:USDT every 8h.');
  });

  it('basis: the title of the alert as first sent, though its measure changed meanwhile (the issue: "perp vs spot 20.8 bps" resolving "mark vs index 14.7 bps")', async () => {
    const T: BasisThresholds = { maxBps: 100, markIndexMaxBps: 50, zScore: 4, windowMinutes: 240, minPoints: 30 };
    const history = basisHistory(T);
    const basis = (spot: number, perp: number, mark: number, index: number): Evaluate => (ctx) =>
      checkBasis([{ position: b1(1, -1), spotPrice: spot, perpPrice: perp, markPrice: mark, indexPrice: index }], history, T, ctx);
    const sent = await episode(
      [
        basis(50_000, 50_100, 50_300, 50_000), // mark vs index 60 bps: the new message
        basis(50_000, 50_750, 50_100, 50_000), // now perp vs spot 150 bps, inside the cooldown: not sent
        basis(50_000, 50_015, 50_010, 50_000), // quiet
      ],
      [B1('basis')],
    );
    const p = pair(sent, 'basis');
    expect(p.first.title).toBe('BTC carry on binance: mark vs index 60 bps');
    expect(sent.map((s) => s.context.notice)).toEqual(['new', 'resolved']);
    expectResolved(p, 'Back within bounds: perp vs spot 3 bps (limit 100 bps); mark vs index 2 bps (limit 50 bps).');
    expect(p.resolved.data).toMatchObject({ basisBps: expect.closeTo(3, 9), markIndexBps: expect.closeTo(2, 9), since: T0 });
  });

  it('stale_data: when the data was last received now', async () => {
    const stale = (ageSeconds: number): Evaluate => (ctx) =>
      checkStaleData([{ venue: 'bybit', symbol: 'BTC/USDT:USDT', positionId: 'y1', receivedAt: ctx.now - ageSeconds * S, positions: 1 }], { staleAfterSeconds: 180, lateTickFactor: 2 }, ctx);
    const p = pair(await episode([stale(200), stale(20)], [{ kind: 'stale_data', subject: 'y1' }]), 'stale_data');
    expectResolved(p, 'Data fresh again: BTC/USDT:USDT on bybit last received 2026-08-10 12:00 UTC, 20 s ago (allowed 3 min).');
  });

  it('venue_down: the venue answers again', async () => {
    const down: VenueScanReport = { venue: 'bybit', status: 'error', phase: 'snapshot', error: { code: 'CARRY_VENUE_TIMEOUT', action: 'retry', message: 'timed out' } };
    const up: VenueScanReport = { venue: 'bybit', status: 'ok', perps: 10, books: 5, bookErrors: 0, skipped: [], elapsedMs: 100 };
    const venue = (r: VenueScanReport): Evaluate => (ctx) => checkVenues([r], new Map([['bybit', 1]]), ctx);
    const p = pair(await episode([venue(down), venue(up)], [{ kind: 'venue_down', subject: 'bybit' }]), 'venue_down');
    expect(p.first.title).toBe('bybit is down');
    expectResolved(p, 'bybit answers again: the last scan read it.');
  });

  it('missed_ticks: the job ticks on time again', async () => {
    const stats = (lastStartedAt: number): JobStats => ({ name: 'scan', runs: 10, skipped: 0, failures: 0, lastStartedAt, lastFinishedAt: lastStartedAt + 5 * S, lastError: null });
    const jobs = (silentSeconds: number): Evaluate => (ctx) => {
      const s = stats(ctx.now - silentSeconds * S);
      return checkJobs([{ stats: s, previous: s, periodMs: 60 * S, scheduledSince: T0 - 3_600 * S }], { staleAfterSeconds: 180, lateTickFactor: 2 }, ctx);
    };
    const p = pair(await episode([jobs(130), jobs(30)], [{ kind: 'missed_ticks', subject: 'scan' }]), 'missed_ticks');
    expect(p.first.title).toBe('Job scan: late');
    expectResolved(p, 'Job scan on time again: last tick started 2026-08-10 12:00 UTC, every 60 s expected; none skipped or failed since the previous check.');
  });

  it('a position that is gone (closed): every alert of it resolves saying so, with its own title', async () => {
    const drift: Evaluate = (ctx) => checkDrift([{ position: b1(1, -0.9), markets, mark: 50_000 }], { threshold: 0.02, critical: 0.1 }, ctx);
    const sent = await episode([drift, () => []], [], ['b1']);
    const p = pair(sent, 'delta_drift');
    expectResolved(p, 'Position b1 is no longer held: nothing left to watch or correct.');
  });
});
