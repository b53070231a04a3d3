/** Process: a worker of the order pipeline. Start as many as you like. */
import "reflect-metadata";
import { createApp } from "@skein/service";
import { DEFAULTS, DRAIN_TIMEOUT, ProcessOrderQueue } from "./contracts.js";
import { OrderWorker } from "./order-worker.js";
import { runApp } from "./run.js";

await runApp(createApp({
  name: "worker",
  drainTimeout: DRAIN_TIMEOUT,
  services: [OrderWorker],
  endpoints: {
    events: { bind: [DEFAULTS.workerEvents] },
    workers: { [ProcessOrderQueue.queue]: { connect: [DEFAULTS.ordersQueue] } },
  },
}));
