import { describe, expect, it } from 'vitest';
import { reconcile, reconciliationText, type LedgerHolding, type VenueView } from '../../src/engine/reconcile.js';
import type { VenueBalance, VenuePosition } from '../../src/execution/account-port.js';
import type { VenueOpenOrder } from '../../src/execution/port.js';

const holding = (over: Partial<LedgerHolding> = {}): LedgerHolding => ({
  positionId: 'p1',
  venue: 'binance',
  base: 'BTC',
  spotSymbol: 'BTC/USDT',
  spotQty: 0.1,
  spotLot: 0.00001,
  perpSymbol: 'BTC/USDT:USDT',
  perpContracts: -0.1,
  perpLot: 0.001,
  ...over,
});
const bal = (currency: string, total: number, wallet: VenueBalance['wallet'] = 'spot'): VenueBalance => ({ venue: 'binance', wallet, currency, free: total, used: 0, total });
const pos = (symbol: string, contracts: number): VenuePosition => ({ venue: 'binance', symbol, contracts, entryPrice: 60_000, markPrice: 60_000, liquidationPrice: 90_000, leverage: 2, marginMode: 'cross', unrealisedPnl: 0 });
const order = (clientOrderId: string | null, symbol = 'BTC/USDT'): VenueOpenOrder => ({ venue: 'binance', symbol, orderId: '77', venueClientId: clientOrderId ? 'cyXYZ' : 'web_1', clientOrderId, side: 'buy', amount: 1, filledAmount: 0.25, price: 100 });
const view = (balances: VenueBalance[], positions: VenuePosition[], openOrders: VenueOpenOrder[] = []): VenueView => ({ venue: 'binance', kind: 'ok', balances, positions, openOrders });

describe('reconcile: the ledger against the venue', () => {
  const cases: { name: string; holdings: LedgerHolding[]; view: VenueView; consistent: boolean; kinds: string[] }[] = [
    { name: 'both legs as the ledger holds', holdings: [holding()], view: view([bal('BTC', 0.1), bal('USDT', 500, 'futures')], [pos('BTC/USDT:USDT', -0.1)]), consistent: true, kinds: ['perp_matches', 'spot_matches'] },
    { name: 'float noise below half a lot is the same holding', holdings: [holding({ perpContracts: -0.1000000001 })], view: view([bal('BTC', 0.1)], [pos('BTC/USDT:USDT', -0.1)]), consistent: true, kinds: ['perp_matches', 'spot_matches'] },
    { name: 'perp smaller on the venue than in the ledger', holdings: [holding()], view: view([bal('BTC', 0.1)], [pos('BTC/USDT:USDT', -0.05)]), consistent: false, kinds: ['perp_mismatch', 'spot_matches'] },
    { name: 'perp gone on the venue (liquidated or closed by hand)', holdings: [holding()], view: view([bal('BTC', 0.1)], []), consistent: false, kinds: ['perp_mismatch', 'spot_matches'] },
    { name: 'spot sold by hand', holdings: [holding()], view: view([bal('BTC', 0.02)], [pos('BTC/USDT:USDT', -0.1)]), consistent: false, kinds: ['perp_matches', 'spot_short'] },
    { name: "the user's own coins beside carry's", holdings: [holding()], view: view([bal('BTC', 1.5)], [pos('BTC/USDT:USDT', -0.1)]), consistent: true, kinds: ['perp_matches', 'spot_extra'] },
    { name: 'the ledger holds spot net of fees taken in the coin, as the wallet does', holdings: [holding({ spotQty: 0.0999 })], view: view([bal('BTC', 0.0999)], [pos('BTC/USDT:USDT', -0.1)]), consistent: true, kinds: ['perp_matches', 'spot_matches'] },
    { name: 'coins in the futures wallet are not spot holdings', holdings: [holding()], view: view([bal('BTC', 0.1, 'futures')], [pos('BTC/USDT:USDT', -0.1)]), consistent: false, kinds: ['perp_matches', 'spot_short'] },
    { name: 'a unified wallet holds spot', holdings: [holding()], view: view([bal('BTC', 0.1, 'unified')], [pos('BTC/USDT:USDT', -0.1)]), consistent: true, kinds: ['perp_matches', 'spot_matches'] },
    { name: 'a perp position carry did not open is reported, not a halt', holdings: [], view: view([], [pos('ETH/USDT:USDT', 3)]), consistent: true, kinds: ['perp_foreign'] },
    { name: 'no positions anywhere', holdings: [], view: view([bal('USDT', 1000)], []), consistent: true, kinds: [] },
    { name: "carry's own order still open halts until settled", holdings: [holding()], view: view([bal('BTC', 0.1)], [pos('BTC/USDT:USDT', -0.1)], [order('p1:open:spot:1')]), consistent: false, kinds: ['perp_matches', 'spot_matches', 'order_carry_open'] },
    { name: "a stranger's order is a warning", holdings: [holding()], view: view([bal('BTC', 0.1)], [pos('BTC/USDT:USDT', -0.1)], [order(null)]), consistent: true, kinds: ['perp_matches', 'spot_matches', 'order_foreign'] },
    { name: 'an unreachable venue halts', holdings: [holding()], view: { venue: 'binance', kind: 'unreachable', error: 'timeout' }, consistent: false, kinds: ['venue_unreachable'] },
  ];
  it.each(cases)('$name', ({ holdings, view: v, consistent, kinds }) => {
    const r = reconcile({ holdings, venues: [v], unsettled: [] });
    expect(r.consistent).toBe(consistent);
    expect(r.findings.map((f) => f.kind)).toEqual(kinds);
    if (!consistent) expect(reconciliationText(r)).toContain('MISMATCH');
  });

  it('two positions on one perp add up before comparing', () => {
    const r = reconcile({ holdings: [holding(), holding({ positionId: 'p2', perpContracts: -0.2, spotQty: 0.2 })], venues: [view([bal('BTC', 0.3)], [pos('BTC/USDT:USDT', -0.3)])], unsettled: [] });
    expect(r.consistent).toBe(true);
    expect(r.findings.find((f) => f.kind === 'perp_matches')?.ledger).toBeCloseTo(-0.3, 12);
  });

  it('an order whose outcome is still unknown halts, naming it', () => {
    const r = reconcile({ holdings: [], venues: [], unsettled: [{ venue: 'bybit', symbol: 'BTC/USDT', clientOrderId: 'p9:hedge:perp:1', why: 'bybit did not answer' }] });
    expect(r.consistent).toBe(false);
    expect(reconciliationText(r)).toContain('p9:hedge:perp:1');
  });
});
