import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Dealer } from "@skein/core";
import { Broker, BrokerWorker, PatternError, RpcClient } from "../src/index.js";
import { ANY_PORT, gate, until } from "./helpers.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

// Fast heartbeats where a test waits for a death to be detected; relaxed ones elsewhere so a
// busy machine does not declare live peers dead.
const FAST = { heartbeatInterval: 50, heartbeatLiveness: 3 };
const RELAXED = { heartbeatInterval: 1000, heartbeatLiveness: 5 };

async function broker(frontend = ANY_PORT, backend = ANY_PORT, beat = RELAXED): Promise<Broker> {
  const b = new Broker({ frontend: [frontend], backend: [backend], ...beat });
  await b.start();
  closers.push(() => b.close());
  return b;
}

async function serviceWorker(b: Broker | string, service: string, handler: (f: Buffer[]) => Promise<Buffer[]> | Buffer[], beat = RELAXED): Promise<BrokerWorker> {
  const endpoint = typeof b === "string" ? b : b.backendEndpoints[0]!;
  const w = new BrokerWorker({ connect: [endpoint], service, ...beat });
  await w.serve(handler);
  closers.push(() => w.close(0));
  return w;
}

function client(b: Broker | string, service: string, options: { timeout?: number; retries?: number } = {}): RpcClient {
  const endpoint = typeof b === "string" ? b : b.frontendEndpoints[0]!;
  const c = new RpcClient({ endpoints: [endpoint], service, backoff: { initial: 10, max: 100 }, ...options });
  closers.push(() => c.close());
  return c;
}

const text = (s: string): Buffer[] => [Buffer.from(s)];

describe("Broker and BrokerWorker", () => {
  it("reports a heartbeat it cannot send (the worker left without a word): sendErrors and onError, not swallowed", async () => {
    const errors: unknown[] = [];
    const b = new Broker({ frontend: [ANY_PORT], backend: [ANY_PORT], heartbeatInterval: 20, heartbeatLiveness: 250, onError: (e) => errors.push(e) });
    await b.start();
    closers.push(() => b.close());
    const departed = new Dealer({ linger: 0 });
    departed.connect(b.backendEndpoints[0]!);
    await departed.send([Buffer.from("R"), Buffer.from("echo"), Buffer.from([0, 0, 0, 1])]);
    await until(() => b.stats.workers === 1, "the worker to register");
    departed.close();
    await until(() => b.stats.sendErrors > 0, "a failed heartbeat to be counted");
    expect(errors[0]).toMatchObject({ code: "EHOSTUNREACH" });
  });

  it("routes each request to a worker of its service", async () => {
    const b = await broker();
    await serviceWorker(b, "echo", (f) => f);
    await serviceWorker(b, "upper", ([f]) => [Buffer.from(f!.toString().toUpperCase())]);
    const echo = client(b, "echo");
    const upper = client(b, "upper");
    const [e, u] = await Promise.all([echo.request(text("hi")), upper.request(text("hi"))]);
    expect(e[0]!.toString()).toBe("hi");
    expect(u[0]!.toString()).toBe("HI");
    expect(b.stats.replied).toBe(2);
  });

  it("queues requests until a worker of the service is ready", async () => {
    const b = await broker();
    const c = client(b, "late");
    const reply = c.request(text("waiting"));
    await serviceWorker(b, "late", (f) => f);
    expect((await reply)[0]!.toString()).toBe("waiting");
  });

  it("sends only to workers with credit: a busy worker holds one request while the other serves the rest", async () => {
    const b = await broker();
    const started = gate();
    const release = gate();
    const slowSeen: string[] = [];
    await serviceWorker(b, "svc", async ([f]) => {
      slowSeen.push(f!.toString());
      started.open();
      await release.promise;
      return [f!];
    });
    const c = client(b, "svc");
    const first = c.request(text("0"));
    await started.promise;
    const fastSeen: string[] = [];
    await serviceWorker(b, "svc", ([f]) => {
      fastSeen.push(f!.toString());
      return [f!];
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => c.request(text(String(i + 1)))));
    expect(slowSeen).toEqual(["0"]);
    expect(fastSeen).toHaveLength(10);
    release.open();
    await first;
  });

  it("spreads requests sent one at a time over idle workers in turn, not all to the first registered", async () => {
    const b = await broker();
    const seen = new Map<string, number>();
    for (const name of ["w1", "w2", "w3"]) {
      await serviceWorker(b, "svc", (f) => {
        seen.set(name, (seen.get(name) ?? 0) + 1);
        return f;
      });
    }
    await until(() => b.stats.workers === 3, "three workers to register");
    const c = client(b, "svc");
    for (let i = 0; i < 30; i++) await c.request(text(String(i)));
    expect(Object.fromEntries(seen)).toEqual({ w1: 10, w2: 10, w3: 10 });
  });

  it("answers mmi.service with 200 for a served service and 404 otherwise", async () => {
    const b = await broker();
    await serviceWorker(b, "echo", (f) => f);
    await client(b, "echo").request(text("registered")); // the worker's READY has arrived
    const mmi = client(b, "mmi.service");
    expect((await mmi.request(text("echo")))[0]!.toString()).toBe("200");
    expect((await mmi.request(text("nothing")))[0]!.toString()).toBe("404");
  });

  it("detects a worker process killed mid-request by its missing heartbeats and gives the request to another worker", async () => {
    if (!existsSync(fileURLToPath(new URL("../dist/index.js", import.meta.url)))) {
      throw new Error("packages/patterns/dist is missing: run `pnpm build` first (the child worker runs the built package)");
    }
    // Beats every 50 ms as the child does; death declared after 1 s of silence, which a loaded machine does not fake.
    const SLOW_DEATH = { heartbeatInterval: 50, heartbeatLiveness: 20 };
    const b = await broker(ANY_PORT, ANY_PORT, SLOW_DEATH);
    const child = fork(fileURLToPath(new URL("./fixtures/broker-worker.js", import.meta.url)), [b.backendEndpoints[0]!], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    closers.push(async () => {
      child.kill("SIGKILL");
      await exited;
    });
    const ready = gate();
    const started = gate<string>();
    child.on("message", (m: { ready?: boolean; started?: string }) => {
      if (m.ready === true) ready.open();
      if (m.started !== undefined) started.open(m.started);
    });
    await ready.promise;
    // No client retry: only the broker's requeue can bring the request to the second worker.
    const c = client(b, "echo", { timeout: 20_000, retries: 0 });
    const reply = c.request(text("survive"));
    expect(await started.promise).toBe("survive");
    child.kill("SIGKILL");
    await exited;
    await serviceWorker(b, "echo", ([f]) => [Buffer.from(`ok ${f!.toString()}`)], SLOW_DEATH);
    expect((await reply)[0]!.toString()).toBe("ok survive");
    expect(b.stats.deadWorkers).toBeGreaterThanOrEqual(1);
  });

  it("recovers from a broker restart: the client retries and the worker registers again", async () => {
    const first = new Broker({ frontend: [ANY_PORT], backend: [ANY_PORT], ...FAST });
    await first.start();
    const [frontend, backend] = [first.frontendEndpoints[0]!, first.backendEndpoints[0]!];
    const w = await serviceWorker(backend, "echo", ([f]) => [Buffer.from(`echo ${f!.toString()}`)], FAST);
    const c = client(frontend, "echo", { timeout: 200, retries: 20 });
    expect((await c.request(text("one")))[0]!.toString()).toBe("echo one");
    await first.close();
    const pending = c.request(text("two"));
    const second = await broker(frontend, backend, FAST);
    expect((await pending)[0]!.toString()).toBe("echo two");
    expect(second.stats.workers).toBe(1);
    expect(w.stats.served).toBeGreaterThanOrEqual(2); // a retry may reach it twice
  });

  it("rejects bad options with EINVAL", () => {
    expect(() => new Broker({ frontend: ["x"] } as never)).toThrow(PatternError);
    expect(() => new BrokerWorker({ connect: ["tcp://127.0.0.1:1"], service: "" })).toThrow(/service/);
    expect(() => new BrokerWorker({ connect: [], service: "a" })).toThrow(/connect/);
  });
});
