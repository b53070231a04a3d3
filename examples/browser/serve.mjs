#!/usr/bin/env node
/**
 * The example: starts the microservices template (examples/microservices,
 * built) with ws:// endpoints next to its tcp:// ones, bundles src/page.ts
 * for the browser (esbuild, the `browser` export condition) and serves the
 * page on loopback. Open the URL it prints; Ctrl-C stops everything.
 *
 *   node examples/browser/serve.mjs [--port 8080]
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const portArgument = process.argv.indexOf("--port");
const httpPort = portArgument > 0 ? Number(process.argv[portArgument + 1]) : 8080;

/** A TCP port free right now on loopback. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Forks one of the template's processes; resolves once it reports ready. */
function launch(script, env) {
  return new Promise((resolve, reject) => {
    const child = fork(here(`../microservices/dist/${script}`), [], { env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const onExit = (code) => reject(new Error(`${script} exited with ${code} before it was ready`));
    child.once("exit", onExit);
    child.once("error", reject);
    child.once("message", () => {
      child.off("exit", onExit);
      resolve(child);
    });
  });
}

const ports = await Promise.all(Array.from({ length: 7 }, freePort));
const [greeterTcp, greeterWs, ordersTcp, ordersWs, eventsWs, queueTcp, workerEventsWs] = ports;
const tcp = (port) => `tcp://127.0.0.1:${port}`;
const ws = (port, path) => `ws://127.0.0.1:${port}/${path}`;
const endpoints = {
  greeterRpc: ws(greeterWs, "greeter"),
  ordersRpc: ws(ordersWs, "orders"),
  ordersEvents: ws(eventsWs, "orders-events"),
  workerEvents: ws(workerEventsWs, "worker-events"),
};

// The template's account actors: two processes of two worker threads, one static member list for all.
const actorPorts = await Promise.all(Array.from({ length: 4 }, freePort));
const SKEIN_ACTOR_MEMBERS = JSON.stringify(actorPorts.map((port, i) => ({ id: `accounts-${(i >> 1) + 1}/${i & 1}`, endpoint: tcp(port) })));
const SKEIN_ACTOR_STORAGE = mkdtempSync(join(tmpdir(), "skein-browser-actors-"));

const children = [];
const stop = () => {
  for (const child of children) child.kill("SIGTERM");
  http.close();
  // Each child exits on SIGTERM; their state folder goes once they have.
  Promise.all(children.map((child) => (child.exitCode !== null ? null : new Promise((resolve) => child.once("exit", resolve))))).then(() =>
    rmSync(SKEIN_ACTOR_STORAGE, { recursive: true, force: true }),
  );
};
const http = createServer();
try {
  children.push(
    ...(await Promise.all([
      // A list binds each: the orders service reaches the greeter over tcp, the page over ws.
      launch("greeter.js", { SKEIN_RPC_BIND: `${tcp(greeterTcp)},${endpoints.greeterRpc}` }),
      launch("orders.js", {
        SKEIN_RPC_BIND: `${tcp(ordersTcp)},${endpoints.ordersRpc}`,
        SKEIN_EVENTS_BIND: endpoints.ordersEvents,
        SKEIN_QUEUE_ORDERS_PROCESS_BIND: tcp(queueTcp),
        SKEIN_CLIENT_EXAMPLE_GREETER: tcp(greeterTcp),
        SKEIN_ACTOR_MEMBERS,
      }),
      launch("worker.js", { SKEIN_WORKER_ORDERS_PROCESS_CONNECT: tcp(queueTcp), SKEIN_EVENTS_BIND: endpoints.workerEvents }),
      ...[1, 2].map((n) =>
        launch("accounts.js", { SKEIN_NAME: `accounts-${n}`, SKEIN_ACTOR_MEMBERS, SKEIN_ACTOR_LOCAL: `accounts-${n}/0,accounts-${n}/1`, SKEIN_ACTOR_STORAGE }),
      ),
    ])),
  );
} catch (error) {
  console.error("[browser] a service did not start:", error);
  stop();
  process.exit(1);
}

const bundle = await build({
  entryPoints: [here("src/page.ts")],
  bundle: true,
  platform: "browser",
  format: "esm",
  conditions: ["browser"],
  // experimentalDecorators, for @Service and @Subscribe.
  tsconfig: here("tsconfig.json"),
  minify: true,
  write: false,
  logLevel: "warning",
});
const script = bundle.outputFiles[0].text;
const html = await readFile(here("index.html"), "utf8");

http.on("request", (request, response) => {
  const send = (type, body) => {
    response.writeHead(200, { "content-type": type });
    response.end(body);
  };
  if (request.url === "/") send("text/html", html);
  else if (request.url === "/page.js") send("text/javascript", script);
  else if (request.url === "/endpoints.json") send("application/json", JSON.stringify(endpoints));
  else {
    response.writeHead(404);
    response.end();
  }
});
http.listen(httpPort, "127.0.0.1", () => {
  console.log(`[browser] page ${Math.round(script.length / 1024)} KiB; open http://127.0.0.1:${http.address().port}/`);
});
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
