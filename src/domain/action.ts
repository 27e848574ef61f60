/** What a strategy's pure decide() returns; the engine passes each through the risk gate. */
import type { Opportunity } from './opportunity.js';

export type Action =
  | {
      readonly kind: 'open';
      readonly opportunity: Opportunity;
      /** Notional (quote) the strategy wants; sizing may take less (depth, capital, caps, lots). */
      readonly notional: number;
      readonly reason: string;
    }
  | {
      readonly kind: 'close';
      readonly positionId: string;
      readonly reason: string;
      /** Why, as a stable code for reports. */
      readonly exit: 'funding_negative' | 'rate_below_exit' | 'better_opportunity' | 'max_hold' | 'manual';
    };
