import { afterEach, describe, expect, it } from 'vitest';
import { liveHarness, PERP, type LiveHarness } from '../support/live-harness.js';

let h: LiveHarness;
afterEach(async () => h?.close());

describe('live smoke', () => {
  it('opens a position on the mock', async () => {
    h = await liveHarness();
    const live = await h.open();
    expect(live.startCheck.reconciliation.consistent).toBe(true);
    h.mock.setFundingRate(PERP, 0.0005, Date.now() + 6_000);
    for (let i = 0; i < 3; i++) await live.run('scan');
    const p = live.ledger.openPositions()[0];
    console.log('open', p?.state, p?.spotQty, p?.perpContracts, Date.now());
    await new Promise((r) => setTimeout(r, 7_000));
    h.mock.tick(0);
    console.log('mock funding', JSON.stringify(h.mock.state().funding));
    await live.run('monitor');
    await live.run('scan');
    console.log('ledger funding', JSON.stringify(live.ledger.fundingPayments()));
    console.log('check', JSON.stringify(live.lastFunding()));
    h.mock.setFundingRate(PERP, -0.0005, Date.now() + 8 * 3600_000);
    for (let i = 0; i < 4; i++) await live.run('scan');
    console.log(JSON.stringify(live.ledger.positions().map((x) => [x.state, x.spotQty, x.perpContracts, x.closeReason])));
    console.log(JSON.stringify(h.mock.state().positions), JSON.stringify(h.mock.state().balances), JSON.stringify(h.mock.stats().unserved));
    console.log(JSON.stringify(live.ledger.decisions({ limit: 10 })));
  }, 90_000);
});
