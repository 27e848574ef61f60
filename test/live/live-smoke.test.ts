import { afterEach, describe, expect, it } from 'vitest';
import { liveHarness, type LiveHarness } from '../support/live-harness.js';

let h: LiveHarness;
afterEach(async () => h?.close());

describe('live smoke', () => {
  it('opens a position on the mock', async () => {
    h = await liveHarness();
    const live = await h.open();
    expect(live.startCheck.reconciliation.consistent).toBe(true);
    for (let i = 0; i < 3; i++) await live.run("scan");
    console.log(JSON.stringify(live.ledger.positions(), null, 1).slice(0, 3000));
    console.log(JSON.stringify(h.mock.state().positions), JSON.stringify(h.mock.stats()));
    console.log(JSON.stringify(live.ledger.history({ limit: 30 }).map((r) => [r.type, JSON.stringify(r).slice(0, 300)])));
  }, 60_000);
});
