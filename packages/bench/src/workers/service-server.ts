/**
 * Server side of the service cases: starts one framework's greeter, reports
 * where it listens, serves until the driver says `stop`, then reports its
 * own peak RSS.
 */
import { serveGreeter } from "../service/greeters.js";
import { command, memoryFigures, report, runWorker, workerConfig } from "../worker-channel.js";
import type { ServiceConfig } from "./config.js";

runWorker(async () => {
  const config = workerConfig<ServiceConfig>();
  const server = await serveGreeter(config.impl);
  report({ kind: "ready", endpoint: server.endpoint });
  await command("stop");
  const figures = memoryFigures();
  await server.close();
  report({ kind: "stopped", ...figures });
});
