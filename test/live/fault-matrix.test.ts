/**
 * The fault matrix (issue 10): each fault the mock exchange can inject × each step of opening,
 * rebalancing and closing, against the real live stack (openLive, real ccxt, live ledger).
 *
 * A cell: the position is brought to the step, the fault is armed on the createOrder of that
 * step (FaultSpec.skip picks the nth order of the protocol), the live run's own step runs (a scan
 * with the recovery it does itself, or the kill switch), then the faults are cleared and scans run
 * until the position is hedged, unwound or closed. Measured per cell:
 * - unhedged leg past timeout: the longest wall time, from the ledger's fills (venue trade times)
 *   and transitions, during which the legs' base exposures differed by more than a lot while the
 *   position was mid-protocol (not open, not closed/failed), against live.legTimeoutMs. A position
 *   left mid-protocol AND unhedged when the live run's step returns waits for the next scheduled
 *   scan (jobs.scan, minutes away): that counts as past the timeout whatever the test does next.
 * - duplicate orders: a client id with more than one order at the mock.
 * - ledger rows lost: a mock fill with no ledger fill or the reverse (by venue client id and
 *   amount: the ledger does not keep venue trade ids), holdings per symbol differing from the
 *   mock's (spot balance, perp position), an order whose outcome is still unknown at the end,
 *   and ledger.verify() not ok.
 * All three must be 0 in every cell; the summary goes to docs/reliability.md (afterAll, only when
 * every cell ran).
 *
 * Steps on BTC/USDT (Binance and Bybit alike): the perp's lot (0.001) is coarser than the spot's,
 * so the perp is leg one of both the open and the close. The close is the kill switch's (carry kill → flattenAll):
 * the strategy's own exits need hours of holding or funding settlements. The rebalance: a
 * 'partial' on the open's hedge leg and another on the unwind of leg one's excess leave residual
 * delta (50%) that the next scan's monitor.autoRebalance (on here) corrects with one order, the
 * one the fault hits.
 *
 * Reproduce: npx vitest run test/live/fault-matrix.test.ts
 */
import { writeFileSync } from 'node:fs';
import { afterAll, describe, it } from 'vitest';
import type { LiveStack } from '../../src/app/live-run.js';
import { unsettledOrders } from '../../src/app/live-reconcile.js';
import type { LedgerEvent } from '../../src/domain/events.js';
import { venueClientId } from '../../src/execution/client-id.js';
import { liveHarness, PERP, SPOT, type LiveHarness } from '../support/live-harness.js';
import type { FaultKind, FaultSpec } from '../support/mock-exchange/index.js';

const VENUES = ['binance', 'bybit'] as const;
type Venue = (typeof VENUES)[number];
const KINDS: readonly FaultKind[] = ['reject', 'partial', 'acceptThenTimeout', 'rateLimit', 'serverError', 'drop'];
const STEPS = ['open leg one', 'open hedge leg', 'rebalance order', 'close leg one', 'close leg two'] as const;
type Step = (typeof STEPS)[number];

/** The coarser lot in base (the BTC perp's 0.001 on both venues): exposures closer than this are hedged. */
const LOT = 0.001;
/** The spot's lot: less than this is dust no order can take off. */
const SPOT_LOT: Record<Venue, number> = { binance: 0.00001, bybit: 0.000001 };
/** Where the mock keeps the spot coin. */
const SPOT_WALLET: Record<Venue, string> = { binance: 'spot', bybit: 'unified' };
const EPS = 1e-9;
const MID_STATES = new Set(['pending_open', 'unwinding', 'rebalancing', 'closing']);

interface CellResult {
  readonly venue: Venue;
  readonly kind: FaultKind;
  readonly step: Step;
  readonly outcome: string;
  readonly path: string;
  /** Infinity: left unhedged when the live run's step returned (waits for the next scan). */
  readonly maxUnhedgedMs: number;
  readonly pastTimeout: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly problems: readonly string[];
  readonly ms: number;
}

const results: CellResult[] = [];
const CELLS = VENUES.length * KINDS.length * STEPS.length;

function faultFor(kind: FaultKind, skip: number): FaultSpec {
  // acceptThenTimeout: the answer comes after ccxt (venues.binance.timeoutMs 2000) gave up; the
  // delay only keeps the held socket from lingering.
  return { on: 'createOrder', kind, skip, ...(kind === 'partial' ? { fillRatio: 0.5 } : {}), ...(kind === 'acceptThenTimeout' ? { delayMs: 2_500 } : {}) };
}

/** Signed base exposure per leg at the mock: spot coin balance, perp position. */
function mockExposure(h: LiveHarness): { spot: number; perp: number } {
  const s = h.mock.state();
  return { spot: s.balances[SPOT_WALLET[h.venue]]?.['BTC'] ?? 0, perp: s.positions.find((p) => p.symbol === PERP)?.contracts ?? 0 };
}

/** Leg holdings below one lot each: the dust a base-coin spot fee leaves, which no order can take off. */
function dustOnly(p: { venue: string; spotQty: number; perpContracts: number }): boolean {
  return Math.abs(p.spotQty) < SPOT_LOT[p.venue as Venue] - EPS && Math.abs(p.perpContracts) < LOT - EPS;
}

/** Positions mid-protocol that are not just sub-lot dust (dust is reported, never counted as flat or unhedged). */
function busy(live: LiveStack) {
  return live.ledger.openPositions().filter((p) => p.state !== 'open' && !dustOnly(p));
}

/**
 * After one of the live run's own steps: a position still mid-protocol with its legs apart by
 * more than a lot (ledger or mock) stays so until the next scheduled scan.
 */
function leftUnhedged(h: LiveHarness, live: LiveStack): string | null {
  const mid = live.ledger.openPositions().filter((p) => MID_STATES.has(p.state));
  if (mid.length === 0) return null;
  const m = mockExposure(h);
  const mockGap = Math.abs(m.spot + m.perp);
  for (const p of mid) {
    const gap = Math.abs(p.spotQty + p.perpContracts);
    if (gap > LOT + EPS || mockGap > LOT + EPS) return `${p.positionId} ${p.state} left unhedged (ledger gap ${gap.toFixed(6)}, mock gap ${mockGap.toFixed(6)} BTC)`;
  }
  return null;
}

/** Longest mid-protocol span with the legs more than a lot apart, per the ledger's fills and transitions. */
function maxUnhedged(live: LiveStack): number {
  let worst = 0;
  for (const p of live.ledger.positions()) {
    const evs = live.ledger
      .history({ limit: 100_000, positionId: p.positionId })
      .map((r) => r.event as LedgerEvent)
      .filter((e) => e.type === 'order.fill' || e.type === 'position.created' || e.type === 'position.transition')
      .map((e, i) => ({ e, i }))
      .sort((a, b) => a.e.ts - b.e.ts || b.i - a.i); // history is newest first: ties keep log order
    let state = 'pending_open';
    const exp = { spot: 0, perp: 0 };
    let since: number | null = null;
    for (const { e } of evs) {
      if (e.type === 'position.transition') state = e.to;
      if (e.type === 'order.fill') exp[e.leg] += e.side === 'buy' ? e.baseQty : -e.baseQty;
      const bad = MID_STATES.has(state) && Math.abs(exp.spot + exp.perp) > LOT + EPS;
      if (bad && since === null) since = e.ts;
      if (!bad && since !== null) {
        worst = Math.max(worst, e.ts - since);
        since = null;
      }
    }
    if (since !== null) worst = Infinity;
  }
  return worst;
}

/** Mock against ledger: fills both ways, holdings per symbol, unknown outcomes, verify(). */
function lostRows(h: LiveHarness, live: LiveStack): string[] {
  const out: string[] = [];
  const logical = new Map<string, string>();
  for (const p of live.ledger.positions()) for (const o of live.ledger.orders(p.positionId)) logical.set(venueClientId(h.venue, o.clientOrderId), o.clientOrderId);
  const key = (xs: number[]) => xs.sort((a, b) => a - b).map((x) => x.toFixed(9));
  const mockBy = new Map<string, number[]>();
  for (const f of h.mock.state().fills) mockBy.set(f.clientId, [...(mockBy.get(f.clientId) ?? []), f.qty]);
  const ledgerBy = new Map<string, number[]>();
  for (const f of live.ledger.fills()) {
    const vid = venueClientId(h.venue, f.orderId);
    ledgerBy.set(vid, [...(ledgerBy.get(vid) ?? []), f.amount]);
  }
  for (const vid of new Set([...mockBy.keys(), ...ledgerBy.keys()])) {
    const a = key(mockBy.get(vid) ?? []);
    const b = key(ledgerBy.get(vid) ?? []);
    const missing = a.filter((x) => { const i = b.indexOf(x); if (i < 0) return true; b.splice(i, 1); return false; });
    for (const x of missing) out.push(`mock fill ${x} of ${logical.get(vid) ?? vid} not in the ledger`);
    for (const x of b) out.push(`ledger fill ${x} of ${logical.get(vid) ?? vid} not at the mock`);
  }
  const ps = live.ledger.positions();
  const m = mockExposure(h);
  const spot = ps.reduce((a, p) => a + p.spotQty, 0);
  const perp = ps.reduce((a, p) => a + p.perpContracts * p.contractSize, 0);
  if (Math.abs(spot - m.spot) > EPS) out.push(`${SPOT}: ledger holds ${spot}, the mock ${m.spot}`);
  if (Math.abs(perp - m.perp) > EPS) out.push(`${PERP}: ledger holds ${perp}, the mock ${m.perp}`);
  for (const o of unsettledOrders(live.ledger)) out.push(`order ${o.clientOrderId}: outcome still unknown`);
  const v = live.ledger.verify();
  if (!v.ok) out.push(`ledger.verify(): ${JSON.stringify(v.differences.slice(0, 2))} ${v.integrity.join(' ')}`);
  return out;
}

function pathOf(live: LiveStack, positionId: string, purposes?: readonly string[]): string {
  return live.ledger
    .orders(positionId)
    .filter((o) => purposes === undefined || purposes.includes(o.purpose))
    .map((o) => {
      const part = o.status === 'filled' ? '' : ` ${+o.filledAmount.toFixed(6)}/${o.amount}`;
      const how = o.reason?.startsWith('settled') ? (o.reason.includes('never reached') ? ', never reached' : ', settled by client id') : o.reason?.includes('never reached') ? ', never reached' : '';
      return `${o.purpose}:${o.leg} ${o.status}${part}${how}`;
    })
    .join(' → ');
}

async function scan(h: LiveHarness, live: LiveStack, notes: string[], where: string): Promise<void> {
  try {
    await live.run('scan');
  } catch (e) {
    notes.push(`${where}: scan threw ${e instanceof Error ? e.message : String(e)}`);
  }
  const left = leftUnhedged(h, live);
  if (left !== null) notes.push(`after ${where}: ${left}`);
}

async function runCell(venue: Venue, kind: FaultKind, step: Step): Promise<CellResult> {
  const t0 = Date.now();
  const h = await liveHarness({
    venue,
    // ccxt's client-side throttle (binance rateLimit 50 ms × request weight) only spaces requests
    // out; near zero, a cell runs in about a second plus the waits the faults cause.
    // recvWindow: the window ccxt signs with (binance default 10 s, bybit 5 s) made equal to the harness's
    // live.recvWindowMs (2 s), so the venue refuses a request older than the window carry settles
    // by. With 10 s against live.legTimeoutMs 5 s, a hedge order lost before the venue saw it
    // cannot be known never-placed within the leg timeout, and the open waits for the next scan.
    config: { venues: { [venue]: { options: { rateLimit: 1, options: { recvWindow: 2_000 } } } }, monitor: { autoRebalance: true } },
  });
  const notes: string[] = [];
  const stepEnd: string[] = [];
  try {
    const live = await h.open();
    await live.run('scan');
    await live.run('scan');
    let target: string | undefined;
    if (step === 'open leg one' || step === 'open hedge leg') {
      h.mock.fault(faultFor(kind, step === 'open leg one' ? 0 : 1));
      await scan(h, live, stepEnd, `the scan that opens (${step} × ${kind})`);
      target = live.ledger.positions()[0]?.positionId;
    } else if (step === 'rebalance order') {
      // Residual delta: half the hedge fills, then half of leg one's excess is unwound.
      h.mock.fault(faultFor('partial', 1));
      h.mock.fault(faultFor('partial', 2));
      await live.run('scan');
      const p = live.ledger.positions()[0];
      if (p === undefined || p.state !== 'open' || Math.abs(p.spotQty + p.perpContracts) <= LOT) throw new Error(`rebalance set-up: no drifted open position (${JSON.stringify(p)})`);
      target = p.positionId;
      h.mock.clearFaults();
      h.mock.fault(faultFor(kind, 0));
      await scan(h, live, stepEnd, `the scan that rebalances (${kind})`);
    } else {
      await live.run('scan');
      const p = live.ledger.positions()[0];
      if (p === undefined || p.state !== 'open') throw new Error(`close set-up: no open position (${JSON.stringify(p)})`);
      target = p.positionId;
      h.mock.fault(faultFor(kind, step === 'close leg one' ? 0 : 1));
      try {
        await live.kill(`fault matrix: ${step} × ${kind}`);
      } catch (e) {
        stepEnd.push(`kill threw ${e instanceof Error ? e.message : String(e)}`);
      }
      const left = leftUnhedged(h, live);
      if (left !== null) stepEnd.push(`after the kill: ${left}`);
    }
    const spent = h.mock.pendingFaults() === 0;
    if (!spent) notes.push('the armed fault was never hit');
    h.mock.clearFaults();

    // Recovery as the daemon would run it: the next scans, faults gone.
    const done = (): boolean => {
      if (busy(live).length > 0 || unsettledOrders(live.ledger).length > 0) return false;
      const p = live.ledger.positions().find((x) => x.positionId === target);
      if (step.startsWith('close')) return live.ledger.openPositions().every(dustOnly);
      if (step === 'rebalance order') return p?.state === 'open' && p.flag === null;
      return live.ledger.openPositions().some((x) => x.state === 'open');
    };
    for (let i = 0; i < 4 && !done(); i++) await scan(h, live, stepEnd, `recovery scan ${i + 1}`);

    const p = target === undefined ? undefined : live.ledger.position(target);
    let outcome: string;
    if (p === undefined || p === null) outcome = 'no position';
    else if (p.state === 'closed') outcome = 'closed';
    else if (p.state === 'closing' && dustOnly(p)) outcome = `closed (${+p.spotQty.toFixed(9)} BTC spot-fee dust left, ${p.flag})`;
    else if (p.state === 'failed') outcome = live.ledger.fills(p.positionId).length > 0 ? 'unwound' : 'not opened';
    else if (p.state === 'open' && p.flag === null) outcome = step === 'rebalance order' ? 'hedged (rebalanced)' : 'hedged';
    else outcome = `flagged: ${p.state} ${p.flag ?? ''}`.trim();
    const reopened = step.startsWith('open') && p?.state === 'failed' && live.ledger.openPositions().some((x) => x.state === 'open');
    if (reopened) outcome += '; next scan opened hedged';
    const path = p ? pathOf(live, p.positionId, step === 'rebalance order' ? ['rebalance'] : step.startsWith('close') ? ['close'] : undefined) : '';

    const measured = maxUnhedged(live);
    const maxUnhedgedMs = stepEnd.some((n) => n.includes('left unhedged')) ? Infinity : measured;
    const dupes = [...h.mock.ordersByClientId()].filter(([, os]) => os.length > 1).map(([id, os]) => `${id} ×${os.length}`);
    const lost = lostRows(h, live);
    const problems = [...stepEnd, ...notes, ...dupes.map((d) => `duplicate order ${d}`), ...lost];
    return {
      venue: h.venue,
      kind,
      step,
      outcome,
      path,
      maxUnhedgedMs,
      pastTimeout: maxUnhedgedMs > h.config.live.legTimeoutMs ? 1 : 0,
      duplicates: dupes.length,
      lost: lost.length,
      problems,
      ms: Date.now() - t0,
    };
  } finally {
    await h.close();
  }
}

for (const venue of VENUES) {
describe.concurrent(`fault matrix (${venue})`, () => {
  for (const step of STEPS) {
    for (const kind of KINDS) {
      it(`${venue}: ${step} × ${kind}`, async ({ expect }) => {
        const r = await runCell(venue, kind, step);
        if (process.env["FAULT_MATRIX_DEBUG"]) console.log(JSON.stringify(r));
        results.push(r);
        const where = `${venue}: ${kind} on ${step}`;
        expect(r.pastTimeout, `${where}: unhedged leg past live.legTimeoutMs (${r.maxUnhedgedMs} ms): ${r.problems.join('; ')}`).toBe(0);
        expect(r.duplicates, `${where}: duplicate orders: ${r.problems.join('; ')}`).toBe(0);
        expect(r.lost, `${where}: ledger rows lost: ${r.problems.join('; ')}`).toBe(0);
      }, 45_000);
    }
  }
});
}

afterAll(() => {
  if (results.length !== CELLS) return;
  const order = (r: CellResult) => (VENUES.indexOf(r.venue) * STEPS.length + STEPS.indexOf(r.step)) * KINDS.length + KINDS.indexOf(r.kind);
  const rows = [...results].sort((a, b) => order(a) - order(b));
  const ms = (x: number) => (x === Infinity ? 'left to the next scan' : String(Math.round(x)));
  const sum = (rs: readonly CellResult[], f: (r: CellResult) => number) => rs.reduce((a, r) => a + f(r), 0);
  const of = (v: Venue) => rows.filter((r) => r.venue === v);
  const lines = [
    '# Reliability: the fault matrix',
    '',
    'Each fault the loopback mock exchange injects, on the createOrder of each step of opening, rebalancing and',
    'closing a spot-perp position, against the real live stack (`openLive`, unmodified ccxt 4.5.84, the live',
    'ledger). Per cell: the fault is armed (`FaultSpec.skip` picks the nth order of the protocol), the live',
    "run's own step runs (a scan with its recovery, or the kill switch), then faults are cleared and scans run",
    'until the position is hedged, unwound or closed. Config: `live.legTimeoutMs` 5000, `live.orderTimeoutMs`',
    '4000, `live.recvWindowMs` 2000 and the same 2000 as the recvWindow ccxt signs with',
    '(`venues.<venue>.options.options.recvWindow`; ccxt\'s defaults: binance 10000, bybit 5000), `venues.<venue>.timeoutMs` 2000,',
    '`monitor.autoRebalance` true.',
    '',
    'Reproduce (writes this file):',
    '',
    '```',
    'npx vitest run test/live/fault-matrix.test.ts',
    '```',
    '',
    '- **max unhedged ms**: the longest span, from the ledger\'s fills (venue trade times) and transitions, during',
    '  which the legs\' base exposures differed by more than a lot (0.001 BTC) while the position was',
    '  mid-protocol (pending_open, unwinding, rebalancing, closing). "left to the next scan": the live run\'s step',
    '  returned with the position mid-protocol and unhedged, so it waited for the next scheduled scan.',
    '- **duplicate orders**: client ids with more than one order at the mock.',
    '- **ledger rows lost**: mock fills without a ledger fill and the reverse (by venue client id and amount),',
    '  holdings per symbol differing from the mock\'s, orders whose outcome is still unknown, `ledger.verify()`.',
    '',
    '## Totals',
    '',
    '| venue | faults injected | unhedged legs past timeout | duplicate orders | ledger rows lost |',
    '|---|---|---|---|---|',
    ...VENUES.map((v) => `| ${v} | ${of(v).length} | ${sum(of(v), (r) => r.pastTimeout)} | ${sum(of(v), (r) => r.duplicates)} | ${sum(of(v), (r) => r.lost)} |`),
    `| **all** | ${rows.length} | ${sum(rows, (r) => r.pastTimeout)} | ${sum(rows, (r) => r.duplicates)} | ${sum(rows, (r) => r.lost)} |`,
    ...VENUES.flatMap((v) => [
      '',
      `## Cells: ${v} BTC/USDT (perp first: its lot is the coarser)`,
      '',
      '| step | fault | outcome | max unhedged ms | orders of the step (purpose:leg status) |',
      '|---|---|---|---|---|',
      ...of(v).map((r) => `| ${r.step} | ${r.kind} | ${r.outcome} | ${ms(r.maxUnhedgedMs)} | ${r.path} |`),
    ]),
    '',
    'Not covered: the strategy\'s own exits (they need hours held or funding settlements), so the close is the',
    'kill switch\'s; faults on requests other than createOrder; a request the network delays past carry\'s',
    'conclusion (the mock processes or refuses a request when it arrives).',
    '',
  ];
  writeFileSync(new URL('../../docs/reliability.md', import.meta.url), lines.join('\n'));
});
