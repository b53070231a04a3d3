/** Process: the greeter service. `node dist/greeter.js` (SKEIN_RPC_BIND overrides the endpoint). */
import "reflect-metadata";
import { createApp } from "@skein/service";
import { Container } from "inversify";
import { DEFAULTS, DRAIN_TIMEOUT } from "./contracts.js";
import { GREETING, Greeter } from "./greeter-service.js";
import { runApp } from "./run.js";

const container = new Container();
container.bind(GREETING).toConstantValue(process.env["GREETING"] ?? "Hello");

await runApp(createApp({
  name: "greeter",
  container,
  drainTimeout: DRAIN_TIMEOUT,
  services: [Greeter],
  endpoints: { rpc: { bind: [DEFAULTS.greeterRpc] } },
}));
