/**
 * The venues of one run, whatever the market source: adapters to scan, and the venues
 * that are known but closed (listed in scans, never called).
 */
import type { VenueId } from '../domain/market.js';
import type { VenueMarketData } from '../venues/port.js';

export interface ClosedVenue {
  readonly venue: VenueId;
  readonly since: string;
  readonly note: string;
}

export interface VenueSet {
  readonly adapters: readonly VenueMarketData[];
  readonly closed: readonly ClosedVenue[];
  /** Configured venues this market source cannot serve (e.g. not in the tape), with why. */
  readonly unavailable: readonly { readonly venue: VenueId; readonly reason: string }[];
  /** Spot borrow is possible on this venue (reverse carry); from the venue profile. */
  canBorrowSpot(venue: VenueId): boolean;
}
