/**
 * Process: hosts account actors on worker threads, one member of the
 * cluster each. `SKEIN_ACTOR_MEMBERS` is the whole static member list (JSON
 * `[{ id, endpoint }]`, the same for every process and every caller);
 * `SKEIN_ACTOR_LOCAL` names the members this process runs (comma separated);
 * `SKEIN_ACTOR_STORAGE` is the state folder every member shares;
 * `SKEIN_ACTOR_BIND_HOST` (e.g. `0.0.0.0`) binds each member on that address at
 * its listed port and advertises the listed endpoint (a DNS name in a cluster);
 * `SKEIN_PROBE_PORT` serves `/readyz` and `/livez` (ready once every member has
 * started, until SIGTERM).
 */
import { readProbeEnvironment, ProbeServer } from "@skein/service";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { actorMembers, DEFAULTS } from "./contracts.js";

const members = actorMembers();
const local = (process.env["SKEIN_ACTOR_LOCAL"] ?? DEFAULTS.actorLocal).split(",").filter((id) => id !== "");
const storage = process.env["SKEIN_ACTOR_STORAGE"] ?? ".skein-actors";
const name = process.env["SKEIN_NAME"] ?? "accounts";
const bindHost = process.env["SKEIN_ACTOR_BIND_HOST"];
const probes = readProbeEnvironment(undefined, process.env);
const script = fileURLToPath(new URL("./account-member.js", import.meta.url));

const workers = await Promise.all(local.map((id) => new Promise<Worker>((resolve, reject) => {
  const worker = new Worker(script, { workerData: { id, members, storage, bindHost } });
  worker.once("error", reject);
  worker.once("message", () => resolve(worker));
})));
let stopping = false;
const probeServer = probes === undefined ? undefined : await ProbeServer.listen(probes, {
  live: () => true,
  ready: () => !stopping,
  status: () => (stopping ? "stopping" : "ready"),
});
const endpoints = local.map((id) => `${id} ${members.find((member) => member.id === id)?.endpoint}`);
console.log(`[${name}] ready: actor members ${endpoints.join(", ")} (one worker thread each)`);
process.send?.({ ready: name });

const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  console.log(`[${name}] ${signal}: deactivating actors and stopping`);
  // /readyz answers 503 while the members drain; the probe server closes last.
  Promise.all(workers.map((worker) => new Promise((resolve) => {
    worker.once("exit", resolve);
    worker.postMessage({ op: "close" });
  }))).then(() => probeServer?.close()).then(() => {
    console.log(`[${name}] stopped`);
    process.exit(0);
  }, (error: unknown) => {
    console.error(`[${name}] stop failed:`, error);
    process.exit(1);
  });
};
process.once("SIGINT", () => stop("SIGINT"));
process.once("SIGTERM", () => stop("SIGTERM"));
