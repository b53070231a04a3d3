/**
 * What the services of the template agree on: the generated descriptors
 * (from examples/codegen), the events and the work queue, and the default
 * endpoints (each overridable with the SKEIN_* environment variables).
 */
import { OrderPlaced, ProcessOrder } from "@skein/example-codegen";
import { defineEvent, defineQueue, type Member } from "@skein/service";

/** Published by the order service when an order is placed. */
export const OrderPlacedEvent = defineEvent("orders.placed", OrderPlaced);
/** Published by a worker when it has processed an order. */
export const OrderProcessedEvent = defineEvent("orders.processed", ProcessOrder);
/** Work items: orders to process, pushed by the order service, consumed by workers. */
export const ProcessOrderQueue = defineQueue("orders.process", ProcessOrder);

/**
 * How long a stopping service waits for the requests, events and work items it holds (`drainTimeout`,
 * ms). The deployment kit's grace periods are above it (deploy/, checked by test/deploy-kit.test.ts).
 */
export const DRAIN_TIMEOUT = 10_000;

/** Default endpoints of the template (loopback; the launcher overrides them with free ports). */
export const DEFAULTS = {
  greeterRpc: "tcp://127.0.0.1:5701",
  ordersRpc: "tcp://127.0.0.1:5702",
  ordersEvents: "tcp://127.0.0.1:5703",
  ordersQueue: "tcp://127.0.0.1:5704",
  workerEvents: "tcp://127.0.0.1:5705",
  /** The account actors' members: two processes of two threads (`SKEIN_ACTOR_MEMBERS` overrides). */
  actorMembers: [
    { id: "accounts-1/0", endpoint: "tcp://127.0.0.1:5706" },
    { id: "accounts-1/1", endpoint: "tcp://127.0.0.1:5707" },
    { id: "accounts-2/0", endpoint: "tcp://127.0.0.1:5708" },
    { id: "accounts-2/1", endpoint: "tcp://127.0.0.1:5709" },
  ] as Member[],
  /** The members an accounts process runs (`SKEIN_ACTOR_LOCAL` overrides). */
  actorLocal: "accounts-1/0,accounts-1/1",
} as const;

/** The static member list of the account actors: `SKEIN_ACTOR_MEMBERS` (JSON) or the defaults. */
export function actorMembers(): Member[] {
  const configured = process.env["SKEIN_ACTOR_MEMBERS"];
  return configured === undefined ? DEFAULTS.actorMembers : (JSON.parse(configured) as Member[]);
}
