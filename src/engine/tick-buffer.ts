/**
 * A tick's events and their commit.
 *
 * 'per_tick' (paper, replay, sim): every event the tick produces is buffered and appended at its
 * end in one transaction, together with the equity snapshot (when due) and the engine's
 * checkpoint. A process killed mid-tick leaves the ledger exactly as after the previous tick, and
 * the re-run tick rebuilds the same events.
 *
 * 'per_event' (the seam for live trading): each batch the tick's parts hand the sink (one call of
 * the leg executor's sink: an order.submitted, an order.done with its fills, a transition) is
 * appended at once, in its own transaction, so an order is in the store before it is sent and
 * its answer as soon as it comes. The commit at the end of the tick then writes what is left: the
 * equity snapshot and the checkpoint. A process killed mid-tick leaves those orders in the store
 * and the previous tick's checkpoint; what they became is for reconciliation with the venue at
 * the next start (order-settlement.ts, reconcile.ts), not for a re-run.
 *
 * In both modes the tick's cached ledger reads stay as its start left them until the commit
 * (ledger-reads.ts): a tick decides on one consistent view.
 */
import type { Clock } from '../domain/clock.js';
import type { EquitySnapshot, LedgerEvent } from '../domain/events.js';
import type { Ledger } from '../store/ledger.js';
import type { LedgerReads } from './ledger-reads.js';
import type { EventSink } from './leg-executor.js';

export type CommitMode = 'per_tick' | 'per_event';

export class TickBuffer {
  /** Every event of this tick, in order: committed already ('per_event') or not yet. */
  readonly events: LedgerEvent[] = [];
  private pending: LedgerEvent[] = [];

  /** `write` appends one batch in its own transaction; 'per_event' calls it for every batch. */
  constructor(
    readonly mode: CommitMode = 'per_tick',
    private readonly write?: (events: readonly LedgerEvent[]) => void,
  ) {
    if (mode === 'per_event' && !write) throw new Error('TickBuffer: per_event needs a write');
  }

  readonly sink: EventSink = (events) => {
    if (this.mode === 'per_event' && events.length > 0) (this.write as (events: readonly LedgerEvent[]) => void)(events);
    this.events.push(...events);
    if (this.mode === 'per_tick') this.pending.push(...events);
  };

  /** The events not yet in the ledger (all of them in 'per_tick'), handed over once. */
  takePending(): readonly LedgerEvent[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

export interface CommitDeps {
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly reads: LedgerReads;
  /** The engine's checkpoint, built inside the transaction after the tick's events. */
  readonly checkpoint: () => { readonly key: string; readonly value: unknown };
  /** The equity snapshot, computed from the ledger as the tick's events left it. */
  readonly equity: () => EquitySnapshot;
}

/** When the commit ran, and how many events the tick wrote in all (every mode: its events, plus the equity snapshot). */
export interface CommitResult {
  readonly at: number;
  readonly events: number;
}

/**
 * One transaction: the tick's pending events ('per_event': none left), then (with `equity`) a
 * snapshot computed from the ledger as the tick's events left it, then the checkpoint. The cached
 * reads are dropped when any event of the tick (committed now or before) changed them.
 */
export function commitTick(d: CommitDeps, buffer: TickBuffer, equity: boolean): CommitResult {
  const now = d.clock.now();
  let extra = 0;
  const stale = d.reads.staleAfter(buffer.events);
  try {
    d.ledger.append(buffer.takePending(), {
      ...(equity
        ? {
            then: () => {
              if (stale) d.reads.invalidate();
              extra = 1;
              return [d.equity()];
            },
          }
        : {}),
      checkpoint: () => {
        const cp = d.checkpoint();
        return { key: cp.key, ts: now, value: cp.value };
      },
    });
  } catch (e) {
    d.reads.invalidate(); // rolled back: a view patched by this tick is not the ledger's
    throw e;
  }
  if (stale) d.reads.invalidate();
  return { at: now, events: buffer.events.length + extra };
}

/** The 'per_event' write: one batch, one transaction; a failed one drops the cached reads. */
export function eventWriter(ledger: Ledger, reads: LedgerReads): (events: readonly LedgerEvent[]) => void {
  return (events) => {
    try {
      ledger.append(events);
    } catch (e) {
      reads.invalidate();
      throw e;
    }
  };
}
