/**
 * Readiness and liveness of an app: its status through start and stop, the
 * HTTP probe endpoint (`/livez`, `/readyz`) and its limits, the environment
 * variables that set it. The SIGTERM drain of a real process is in
 * shutdown.test.ts; `skein health` in the cli package's tests.
 */
import { createSocket, type RemoteInfo } from "node:dgram";
import { connect as netConnect, type Socket } from "node:net";
import "reflect-metadata";
import { Container } from "inversify";
import { afterEach, describe, expect, test } from "vitest";
import { type App, type AppOptions, connect, createApp, HealthService, Service, Subscribe } from "../src/index.js";
import { readProbeEnvironment, readResolveEnvironment } from "../src/config.js";
import { deferred, GREETING, Greeter, type GreeterHooks, HOOKS, LOOPBACK, OrderPlacedEvent, until, within } from "./fixtures.js";
import { GreeterService } from "./generated/index.js";

@Service("test.Listener")
class Listener {
  @Subscribe(OrderPlacedEvent)
  onPlaced(): void {}
}

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const PROBES = { http: { port: 0, host: "127.0.0.1" } };

function greeterApp(hooks: GreeterHooks = {}, options: Partial<AppOptions> = {}): App {
  const container = new Container();
  container.bind(GREETING).toConstantValue("Hello");
  container.bind(HOOKS).toConstantValue(hooks);
  const app = createApp({ name: "greeter", container, services: [Greeter], endpoints: { rpc: { bind: [LOOPBACK] } }, env: false, probes: PROBES, onError: () => {}, ...options });
  cleanup.push(() => app.stop(1_000));
  return app;
}

async function probe(app: App, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${app.probeUrl!}${path}`);
  return { status: response.status, body: await response.text() };
}

/**
 * A DNS server that answers nothing until told to: each query is held, then
 * answered NXDOMAIN on `release()`. Holds an app in `start()` (its worker
 * resolves a `tcp+dns://` name) for as long as a test needs.
 */
async function heldDns(): Promise<{ server: string; queried: Promise<void>; release: () => void }> {
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const held: { query: Buffer; from: RemoteInfo }[] = [];
  const queried = deferred();
  let released = false;
  const answer = (query: Buffer, from: RemoteInfo): void => {
    // The query with QR set, RCODE 3 (NXDOMAIN), no records: RFC 1035 §4.1.1.
    const reply = Buffer.from(query);
    reply[2] = 0x81 | (query[2]! & 0x01);
    reply[3] = 0x83;
    socket.send(reply, from.port, from.address);
  };
  socket.on("message", (query, from) => {
    if (released) answer(query, from);
    else held.push({ query, from });
    queried.resolve();
  });
  cleanup.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return {
    server: `127.0.0.1:${socket.address().port}`,
    queried: queried.promise,
    release: () => {
      released = true;
      for (const { query, from } of held.splice(0)) answer(query, from);
    },
  };
}

describe("an app's readiness and liveness", () => {
  test("is live but not ready until start() resolves: STARTING on /readyz, ok on /livez", async () => {
    const dns = await heldDns();
    const app = createApp({
      name: "listener", services: [Listener], env: false, probes: PROBES, onError: () => {},
      // The subscriber resolves its publishers' name during start(): the held DNS answer holds start().
      endpoints: { rpc: { bind: [LOOPBACK] }, subscribe: { connect: ["tcp+dns://events.test:5555"] } },
      // c-ares gives up on a silent server after some seconds whatever queryTimeout says: many tries hold it longer than the test.
      resolve: { servers: [dns.server], queryTries: 20, queryTimeout: 30_000 },
    });
    cleanup.push(() => app.stop(1_000));
    expect(app.status).toBe("STARTING");
    const started = app.start();
    await within(dns.queried, 5000, "the worker's DNS query");
    // start() is held on the DNS answer: the probe endpoint already answers.
    expect(app.state).toBe("starting");
    expect(await probe(app, "/readyz")).toEqual({ status: 503, body: "STARTING\n" });
    expect(await probe(app, "/livez")).toEqual({ status: 200, body: "ok\n" });
    const health = connect(HealthService, { endpoints: app.endpoints.rpc, timeout: 2000 });
    cleanup.push(() => health.close());
    expect(await health.client.ping({})).toMatchObject({ status: "STARTING" });
    dns.release();
    await started;
    expect(app.ready).toBe(true);
    expect(await probe(app, "/readyz")).toEqual({ status: 200, body: "ok\n" });
    expect(await health.client.ping({})).toMatchObject({ status: "SERVING", app: "listener" });
  });

  test("is not ready from the moment stop() begins draining, live until it has stopped, then the probe endpoint closes", async () => {
    const entered = deferred();
    const release = deferred();
    const app = greeterApp({ onCall: async () => {
      entered.resolve();
      await release.promise;
    } });
    await app.start();
    expect(await probe(app, "/readyz")).toEqual({ status: 200, body: "ok\n" });
    const greeter = connect(GreeterService, { endpoints: app.endpoints.rpc, timeout: 5000 });
    cleanup.push(() => greeter.close());
    const call = greeter.client.sayHello({ name: "Ada" });
    await entered.promise;
    const url = app.probeUrl!;
    const stopped = app.stop(5_000);
    expect(app.ready).toBe(false);
    expect(app.status).toBe("STOPPING");
    expect(await probe(app, "/readyz")).toEqual({ status: 503, body: "STOPPING\n" });
    expect(await probe(app, "/livez")).toEqual({ status: 200, body: "ok\n" });
    release.resolve();
    expect((await call).message).toBe("Hello, Ada!");
    await stopped;
    expect(app.status).toBe("STOPPED");
    expect(app.probeUrl).toBeUndefined();
    await expect(fetch(`${url}/livez`)).rejects.toThrow();
  });

  test("probes.ready keeps it NOT_SERVING and probes.live makes it UNHEALTHY; a check that throws fails and is reported", async () => {
    let ready = false;
    let live = true;
    const errors: string[] = [];
    const app = greeterApp({}, { probes: { ...PROBES, ready: () => ready, live: () => {
      if (!live) throw new Error("wedged");
      return true;
    } }, onError: (_error, where) => errors.push(where) });
    await app.start();
    expect(await probe(app, "/readyz")).toEqual({ status: 503, body: "NOT_SERVING\n" });
    ready = true;
    expect(await probe(app, "/readyz")).toEqual({ status: 200, body: "ok\n" });
    live = false;
    expect(await probe(app, "/livez")).toEqual({ status: 503, body: "UNHEALTHY\n" });
    expect(await probe(app, "/readyz")).toEqual({ status: 503, body: "UNHEALTHY\n" });
    expect(errors).toContain("probes.live");
  });
});

describe("the HTTP probe endpoint", () => {
  test("answers 404 to any other path, HEAD without a body, and no-store", async () => {
    const app = greeterApp();
    await app.start();
    expect(await probe(app, "/metrics")).toMatchObject({ status: 404 });
    const head = await fetch(`${app.probeUrl!}/readyz?verbose`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("cache-control")).toBe("no-store");
    expect(await head.text()).toBe("");
  });

  test("closes connections that send no request, or never finish one, within requestTimeout, and answers probes while they are open", async () => {
    const app = greeterApp({}, { probes: { http: { port: 0, host: "127.0.0.1", requestTimeout: 300, maxConnections: 8 } } });
    await app.start();
    const port = Number(new URL(app.probeUrl!).port);
    const silent: Socket[] = [];
    const closed: Promise<void>[] = [];
    for (let i = 0; i < 6; i++) {
      const socket = netConnect(port, "127.0.0.1");
      silent.push(socket);
      closed.push(new Promise((resolve) => socket.once("close", () => resolve())));
      socket.on("error", () => {});
      socket.resume(); // read the server's 408 and end
      // Half of them send headers they never finish, half send nothing at all.
      if (i % 2 === 0) socket.write("GET /readyz HTTP/1.1\r\nHost: x\r\n");
    }
    cleanup.push(() => {
      for (const socket of silent) socket.destroy();
    });
    expect(await probe(app, "/readyz")).toEqual({ status: 200, body: "ok\n" });
    await within(Promise.all(closed), 10_000, "the server to close the silent connections");
  });

  test("refuses to start when its port is taken, leaving nothing open", async () => {
    const first = greeterApp();
    await first.start();
    const second = greeterApp({}, { probes: { http: { port: Number(new URL(first.probeUrl!).port), host: "127.0.0.1" } } });
    await expect(second.start()).rejects.toMatchObject({ code: "EADDRINUSE" });
    expect(second.state).toBe("stopped");
  });
});

describe("probe and DNS settings from the environment", () => {
  test("SKEIN_PROBE_PORT sets the probe port, SKEIN_DNS_SERVERS and SKEIN_DNS_REFRESH_INTERVAL the resolution", () => {
    expect(readProbeEnvironment(undefined, {})).toBeUndefined();
    expect(readProbeEnvironment({ port: 1, host: "::" }, { SKEIN_PROBE_PORT: "8080" })).toEqual({ port: 8080, host: "::" });
    expect(() => readProbeEnvironment(undefined, { SKEIN_PROBE_PORT: "http" })).toThrow(/SKEIN_PROBE_PORT must be an integer/);
    expect(() => readProbeEnvironment(undefined, { SKEIN_PROBE_PORT: "70000" })).toThrow(/from 0 to 65535/);
    expect(readResolveEnvironment({ maxAddresses: 3 }, { SKEIN_DNS_SERVERS: "10.0.0.10, 10.0.0.11:5353", SKEIN_DNS_REFRESH_INTERVAL: "5000" }))
      .toEqual({ maxAddresses: 3, servers: ["10.0.0.10", "10.0.0.11:5353"], refreshInterval: 5000 });
    expect(readResolveEnvironment(undefined, { APP_DNS_SERVERS: "10.0.0.10" }, "APP_")).toEqual({ servers: ["10.0.0.10"] });
    expect(() => readResolveEnvironment(undefined, { SKEIN_DNS_REFRESH_INTERVAL: "0" })).toThrow(/from 1/);
  });

  test("an app reads SKEIN_PROBE_PORT", async () => {
    const app = greeterApp({}, { probes: undefined, env: { SKEIN_PROBE_PORT: "0" } });
    await app.start();
    expect(app.probeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await probe(app, "/livez")).toEqual({ status: 200, body: "ok\n" });
    await until(() => app.ready, "ready");
  });
});
