/**
 * One command for the whole template: forks the greeter, the order service,
 * a worker and two processes of account actors (each its own process, configured through SKEIN_*
 * environment variables on free loopback ports), runs the client, then
 * stops everything with SIGTERM and exits 0 if all went well.
 *
 *   node examples/microservices/dist/start.js
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runClient } from "./client.js";
import { freePort } from "./free-port.js";

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** Forks `script` with `env`, resolving once it reports ready. */
function launch(script: string, env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(here(script), [], { env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const onExit = (code: number | null): void => reject(new Error(`${script} exited with ${code} before it was ready`));
    child.once("exit", onExit);
    child.once("error", reject);
    child.once("message", () => {
      child.off("exit", onExit);
      resolve(child);
    });
  });
}

/** Sends SIGTERM and resolves with the exit code. */
function terminate(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once("exit", (code) => resolve(code));
    child.kill("SIGTERM");
  });
}

async function main(): Promise<number> {
  const [greeterRpc, ordersRpc, ordersEvents, ordersQueue, workerEvents] = await Promise.all(Array.from({ length: 5 }, freePort));
  const tcp = (port: number | undefined): string => `tcp://127.0.0.1:${port}`;
  // The account actors: two processes of two worker threads, one static member list for all.
  const actorPorts = await Promise.all(Array.from({ length: 4 }, freePort));
  const members = actorPorts.map((port, i) => ({ id: `accounts-${(i >> 1) + 1}/${i & 1}`, endpoint: tcp(port) }));
  const SKEIN_ACTOR_MEMBERS = JSON.stringify(members);
  const SKEIN_ACTOR_STORAGE = mkdtempSync(join(tmpdir(), "skein-demo-actors-"));
  const children: ChildProcess[] = [];
  let ok = true;
  try {
    // ZeroMQ connects in the background and retries, so the order of start-up does not matter: launch all at once.
    const launched = await Promise.allSettled([
      launch("greeter.js", { SKEIN_RPC_BIND: tcp(greeterRpc) }),
      launch("orders.js", {
        SKEIN_RPC_BIND: tcp(ordersRpc),
        SKEIN_EVENTS_BIND: tcp(ordersEvents),
        SKEIN_QUEUE_ORDERS_PROCESS_BIND: tcp(ordersQueue),
        SKEIN_CLIENT_EXAMPLE_GREETER: tcp(greeterRpc),
        SKEIN_ACTOR_MEMBERS,
      }),
      launch("worker.js", {
        SKEIN_WORKER_ORDERS_PROCESS_CONNECT: tcp(ordersQueue),
        SKEIN_EVENTS_BIND: tcp(workerEvents),
      }),
      ...[1, 2].map((n) => launch("accounts.js", {
        SKEIN_NAME: `accounts-${n}`,
        SKEIN_ACTOR_MEMBERS,
        SKEIN_ACTOR_LOCAL: `accounts-${n}/0,accounts-${n}/1`,
        SKEIN_ACTOR_STORAGE,
      })),
    ]);
    for (const result of launched) {
      if (result.status === "fulfilled") children.push(result.value);
      else throw result.reason;
    }
    await runClient({ greeterRpc: tcp(greeterRpc), ordersRpc: tcp(ordersRpc), ordersEvents: tcp(ordersEvents), workerEvents: tcp(workerEvents), actorMembers: members });
  } catch (error) {
    console.error("[start] failed:", error);
    ok = false;
  } finally {
    console.log("[start] stopping the services with SIGTERM");
    const codes = await Promise.all(children.reverse().map(terminate));
    if (codes.some((code) => code !== 0)) {
      console.error(`[start] a service exited with ${codes.join(", ")}`);
      ok = false;
    }
    rmSync(SKEIN_ACTOR_STORAGE, { recursive: true, force: true });
  }
  console.log(ok ? "[start] demo finished: all services stopped cleanly" : "[start] demo FAILED");
  return ok ? 0 : 1;
}

process.exitCode = await main();
