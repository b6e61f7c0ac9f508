import {addressGroup} from '../http/address-group.js';

/** Why an upgrade was refused by the {@link SocketBudget}. */
export type BudgetRefusal = 'address_sockets_full' | 'sockets_full';

/**
 * Counts sockets (open, and upgrades still being authenticated) per client address and in all,
 * so a burst of upgrades arriving at once cannot get past either cap. An IPv6 address counts by
 * its /64 ({@link addressGroup}).
 */
export class SocketBudget {
  readonly perAddress: number;
  readonly total: number;
  readonly #byAddress = new Map<string, number>();
  #held = 0;

  constructor(perAddress: number, total: number) {
    this.perAddress = perAddress;
    this.total = total;
  }

  /** Sockets held now. */
  get held(): number {
    return this.#held;
  }

  /** Takes one slot for `address`; null when taken, else why not (nothing is taken then). */
  take(client: string): BudgetRefusal | null {
    if (this.#held >= this.total) return 'sockets_full';
    const address = addressGroup(client);
    const n = this.#byAddress.get(address) ?? 0;
    if (n >= this.perAddress) return 'address_sockets_full';
    this.#byAddress.set(address, n + 1);
    this.#held++;
    return null;
  }

  /** Gives back a slot taken for `address`. */
  give(client: string): void {
    const address = addressGroup(client);
    const n = this.#byAddress.get(address) ?? 0;
    if (n <= 0) return;
    if (n === 1) this.#byAddress.delete(address);
    else this.#byAddress.set(address, n - 1);
    this.#held--;
  }
}
