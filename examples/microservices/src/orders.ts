/** Process: the order service (RPC, events, work queue; calls the greeter). */
import "reflect-metadata";
import { createApp } from "@skein/service";
import { DEFAULTS, DRAIN_TIMEOUT, ProcessOrderQueue } from "./contracts.js";
import { Orders } from "./orders-service.js";
import { runApp } from "./run.js";

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
