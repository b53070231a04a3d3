/**
 * ROUTER side of the echo case: binds, reports its endpoint and sends
 * every message back to the client it came from until `stop`.
 */
import { loadLibrary } from "../library.js";
import { command, report, runWorker, workerConfig } from "../worker-channel.js";
import type { RouterDealerConfig } from "./config.js";

runWorker(async () => {
  const config = workerConfig<RouterDealerConfig>();
  const lib = await loadLibrary(config.impl === "raw-bare" ? "raw-async" : config.impl);
  const router = new lib.Router({ linger: 0 });
  await router.bind(config.endpoint);
  report({ kind: "ready", endpoint: router.lastEndpoint ?? config.endpoint });
  let stopped = false;
  void command("stop").then(() => {
    stopped = true;
    router.close();
  });
  try {
    // The message already starts with the client's routing id: echo it as is.
    for await (const message of router) await router.send(message);
  } catch (error) {
    if (!stopped) throw error;
  }
});
