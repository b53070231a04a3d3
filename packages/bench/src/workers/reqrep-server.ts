/**
 * REP side of the round-trip case: binds, reports its endpoint and echoes
 * every request until the driver says `stop`.
 */
import { loadLibrary } from "../library.js";
import { command, report, runWorker, workerConfig } from "../worker-channel.js";
import { serveBareEcho } from "../raw/bare-reqrep.js";
import type { ReqRepConfig } from "./config.js";

runWorker(async () => {
  const config = workerConfig<ReqRepConfig>();
  if (config.impl === "raw-bare") {
    const server = await serveBareEcho(config.endpoint, (endpoint) => report({ kind: "ready", endpoint }));
    await command("stop");
    server.close();
    return;
  }
  const lib = await loadLibrary(config.impl);
  const reply = new lib.Reply({ linger: 0 });
  await reply.bind(config.endpoint);
  report({ kind: "ready", endpoint: reply.lastEndpoint ?? config.endpoint });
  let stopped = false;
  void command("stop").then(() => {
    stopped = true;
    reply.close();
  });
  try {
    for await (const message of reply) await reply.send(message);
  } catch (error) {
    // Closing the socket ends the loop with an error in some implementations.
    if (!stopped) throw error;
  }
});
