/** Process: the order service (RPC, events, work queue; calls the greeter). */
import "reflect-metadata";
import { ActorSystem, createApp, MemoryStorage } from "@skein/service";
import { actorMembers, DEFAULTS, DRAIN_TIMEOUT, ProcessOrderQueue } from "./contracts.js";
import { Orders } from "./orders-service.js";
import { runApp } from "./run.js";

// A client of the account actors (it hosts none): `ref()` in the service calls whichever member owns the key.
const actors = new ActorSystem({ members: actorMembers(), storage: new MemoryStorage(), callTimeout: 5_000 });
await actors.start();

await runApp(createApp({
  name: "orders",
  drainTimeout: DRAIN_TIMEOUT,
  services: [Orders],
  endpoints: {
    rpc: { bind: [DEFAULTS.ordersRpc] },
    events: { bind: [DEFAULTS.ordersEvents] },
    queues: { [ProcessOrderQueue.queue]: { bind: [DEFAULTS.ordersQueue] } },
    clients: { "example.Greeter": [DEFAULTS.greeterRpc] },
  },
  // SayHello has no side effect: a call whose greeter died is retried on another instance.
  clients: { "example.Greeter": { methods: { SayHello: { idempotent: true, retries: 2 } } } },
}));
