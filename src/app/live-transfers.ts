/**
 * live.autoTransfer: when the monitor's margin alert recommends moving collateral (its corrective
 * action names the ccxt accounts, src/monitor/transfer-route.ts), carry makes that transfer itself
 * through the account port, once per alert episode. Off by default: the alert then only says what
 * to move. A venue where the route is not a ccxt transfer (Deribit: a deposit) is never attempted.
 */
import type { Alert, CorrectiveAction } from '../domain/alert.js';
import { isCarryError } from '../domain/errors.js';
import type { VenueId } from '../domain/market.js';
import type { AccountPort, TransferResult, WalletKind } from '../execution/account-port.js';
import type { Logger } from '../util/log.js';

/** ccxt account names (accountsByType keys) → the wallet carry's account port knows. */
const WALLET_OF: Readonly<Record<string, WalletKind>> = {
  spot: 'spot',
  main: 'spot',
  swap: 'futures',
  future: 'futures',
  linear: 'futures',
  funding: 'funding',
  unified: 'unified',
  trading: 'unified',
};

export interface TransferDone {
  readonly alertId: string;
  readonly venue: VenueId;
  readonly currency: string;
  readonly amount: number;
  readonly from: WalletKind;
  readonly to: WalletKind;
  readonly result: TransferResult | { readonly status: 'failed'; readonly error: string };
}

type TransferAction = Extract<CorrectiveAction, { kind: 'transfer' }>;

/** The margin transfers firing alerts ask for, that carry can make, not yet made for that episode. */
export function transfersDue(alerts: readonly Alert[], done: ReadonlySet<string>): readonly { readonly alert: Alert; readonly action: TransferAction; readonly from: WalletKind; readonly to: WalletKind }[] {
  const out: { alert: Alert; action: TransferAction; from: WalletKind; to: WalletKind }[] = [];
  for (const alert of alerts) {
    if (alert.kind !== 'margin' || alert.status !== 'firing' || done.has(alert.id)) continue;
    for (const action of alert.actions) {
      if (action.kind !== 'transfer') continue;
      const from = WALLET_OF[action.from];
      const to = WALLET_OF[action.to];
      if (from === undefined || to === undefined || from === to) continue;
      out.push({ alert, action, from, to });
    }
  }
  return out;
}

export class AutoTransfers {
  /** Alert episodes already acted on (a restart acts again on one still firing: the venue decides). */
  private readonly done = new Set<string>();
  readonly history: TransferDone[] = [];

  constructor(
    private readonly accounts: ReadonlyMap<VenueId, AccountPort>,
    private readonly log: Logger,
  ) {}

  async run(firing: readonly Alert[]): Promise<readonly TransferDone[]> {
    const made: TransferDone[] = [];
    for (const { alert, action, from, to } of transfersDue(firing, this.done)) {
      const account = this.accounts.get(action.venue);
      if (!account) continue;
      this.done.add(alert.id);
      let result: TransferDone['result'];
      try {
        result = await account.transfer(action.currency, action.amount, from, to);
        this.log.warn({ alert: alert.id, venue: action.venue, currency: action.currency, amount: action.amount, from, to, status: result.status }, `auto transfer: ${action.text}`);
      } catch (e) {
        if (!isCarryError(e)) throw e;
        result = { status: 'failed', error: e.message };
        this.log.error({ alert: alert.id, venue: action.venue, err: e.message }, `auto transfer failed: ${action.text}`);
      }
      const rec = { alertId: alert.id, venue: action.venue, currency: action.currency, amount: action.amount, from, to, result };
      made.push(rec);
      this.history.push(rec);
    }
    return made;
  }
}
