/**
 * The seeded sim market: a deterministic synthetic Binance, Bybit, OKX and Deribit that
 * answer carry's ccxt calls in ccxt 4.5.84's exact unified shapes.
 *
 *   const world = new SimWorld({ seed: 42 });
 *   const clock = new SimClock(DEFAULT_SIM_START);
 *   const binance = new SimExchange(world, 'binance', clock, { timeoutRate: 0.01 });
 */
import type { Clock } from '../../domain/clock.js';
import type { SimFaults } from './faults.js';
import { SIM_VENUES, type SimVenueId } from './instruments.js';
import { SimExchange } from './sim-exchange.js';
import { SimWorld, type SimWorldOptions } from './world.js';

export { SimWorld, DEFAULT_SIM_ORIGIN, DEFAULT_SIM_START } from './world.js';
export type { SimWorldOptions, SimInstrument, InstrumentState } from './world.js';
export { SimExchange } from './sim-exchange.js';
export { parseSimSpec, DEFAULT_SIM_SEED } from './spec.js';
export type { SimSpec } from './spec.js';
export { SIM_VENUES, isSimVenue } from './instruments.js';
export type { SimVenueId, InstrumentSpec } from './instruments.js';
export type { SimFaults, SimVenueFaults, MaintenanceWindows } from './faults.js';

/** One world and an exchange per venue sharing it and the clock. */
export function createSimMarket(
  options: SimWorldOptions,
  clock: Clock,
  faults: SimFaults = {},
): { world: SimWorld; exchanges: Record<SimVenueId, SimExchange> } {
  const world = new SimWorld(options);
  const exchanges = Object.fromEntries(
    SIM_VENUES.map((v) => [v, new SimExchange(world, v, clock, faults[v])]),
  ) as Record<SimVenueId, SimExchange>;
  return { world, exchanges };
}
