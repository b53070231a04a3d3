/**
 * A virtual actor: one customer's account, keyed by customer id. The order
 * service records each order on it; its state (orders and money spent) is
 * saved after every turn and survives any process of the cluster stopping.
 */
import { Actor, ActorBase } from "@skein/service";

/** What an account keeps. */
export interface AccountState {
  orders: string[];
  spentCents: number;
}

/** What a call answers: the account after the turn, and where it ran. */
export interface AccountSummary {
  orders: number;
  spentCents: number;
  /** The member (process/thread) that runs this actor now. */
  member: string;
}

/** The member id of the thread this module runs in (set by account-member.ts). */
export const host = { member: "unknown" };

@Actor({ name: "CustomerAccount", idleTimeout: 60_000 })
export class CustomerAccount extends ActorBase<AccountState> {
  state: AccountState = { orders: [], spentCents: 0 };

  /** Adds an order. Turn-based: concurrent orders of one customer never lose an update. */
  recordOrder(orderId: string, totalCents: number): AccountSummary {
    this.state.orders.push(orderId);
    this.state.spentCents += totalCents;
    return this.summary();
  }

  summary(): AccountSummary {
    return { orders: this.state.orders.length, spentCents: this.state.spentCents, member: host.member };
  }
}
