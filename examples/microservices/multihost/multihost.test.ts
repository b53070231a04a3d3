/**
 * The microservice template across hosts: four network namespaces on one machine (made by
 * hosts.sh), dnsmasq as the cluster DNS, the template's services as separate processes on each
 * host, found by DNS name. Run by .ci/suites/multihost.sh (root), never by `pnpm test`.
 *
 *   h1: orders (RPC, events, work queue), the account actors, the caller (load driver), a listener
 *   h2, h3, h4: a greeter (h2 at first; h3 and h4 join), a worker, a listener
 *
 * Each scenario prints its figures (calls, failures, losses, durations) and adds them to
 * $MULTIHOST_STATE/figures.json; docs/deploy.md quotes them.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Cluster, eventually, hostAddress, type HostProcess } from "./cluster.js";

const state = process.env["MULTIHOST_STATE"] ?? "";
/** The template as deployed: `pnpm deploy --prod` output (what the image holds), or the workspace's. */
const app = process.env["MULTIHOST_APP"] ?? fileURLToPath(new URL("..", import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const script = (name: string): string => join(app, "dist", name);

/** How services name each other: every address of `name.skein.test`, re-resolved often. */
function endpoint(name: string, port: number): string {
  return `tcp+dns://${name}.skein.test:${port}`;
}
/** Environment every process gets: its resolver re-resolves names every second (the default is tens of seconds). */
const resolverEnv: Record<string, string> = { SKEIN_DNS_REFRESH_INTERVAL: "1000" };

interface CallStats {
  calls: number;
  ok: number;
  failed: number;
  inFlight: number;
  errors: Record<string, number>;
  byInstance: Record<string, number>;
  durations: { count: number; p50: number; p99: number; max: number };
}
interface Placed {
  ids: string[];
  errors: Record<string, number>;
  durations: { count: number; p50: number; p99: number; max: number };
}
interface Counts {
  placed: Record<string, number>;
  processed: Record<string, number>;
}

const figures: Record<string, unknown> = {};
function record(scenario: string, values: Record<string, unknown>): void {
  figures[scenario] = values;
  console.log(`[figures] ${scenario}: ${JSON.stringify(values)}`);
}

const cluster = new Cluster(state);
const greeters = new Map<number, HostProcess>();
const workers = new Map<number, HostProcess>();
const listeners = new Map<number, HostProcess>();
let orders: HostProcess;
let caller: HostProcess;

function startGreeter(host: number, version = 1): HostProcess {
  const greeter = cluster.run(`greeter@h${host}`, host, script("greeter.js"), {
    ...resolverEnv,
    SKEIN_RPC_BIND: "tcp://0.0.0.0:5701",
    GREETING: `Hello from h${host} v${version}`,
  });
  greeters.set(host, greeter);
  return greeter;
}

/** Ids each worker logged as processed (the line is written before the item is acknowledged). */
function processedBy(worker: HostProcess): string[] {
  return worker.lines.flatMap((line) => /^\[worker\] processed (\S+)$/.exec(line)?.[1] ?? []);
}

/** Calls served by each instance since `before`. */
function servedSince(before: CallStats, after: CallStats): Record<string, number> {
  return Object.fromEntries(Object.entries(after.byInstance).map(([instance, count]) => [instance, count - (before.byInstance[instance] ?? 0)]));
}

beforeAll(async () => {
  expect(state, "MULTIHOST_STATE names the state folder of hosts.sh (run .ci/suites/multihost.sh)").not.toBe("");
  cluster.setRecords("orders", [1]);
  cluster.setRecords("worker", [2, 3, 4]);
  cluster.setRecords("greeter", [2]);
  // The account actors PlaceOrder records each order with: two members on h1, state in the run's folder.
  const SKEIN_ACTOR_MEMBERS = JSON.stringify([0, 1].map((i) => ({ id: `accounts-1/${i}`, endpoint: `tcp://${hostAddress(1)}:${5706 + i}` })));
  cluster.run("accounts@h1", 1, script("accounts.js"), {
    SKEIN_NAME: "accounts",
    SKEIN_ACTOR_MEMBERS,
    SKEIN_ACTOR_LOCAL: "accounts-1/0,accounts-1/1",
    SKEIN_ACTOR_STORAGE: join(state, "actors"),
  });
  orders = cluster.run("orders@h1", 1, script("orders.js"), {
    ...resolverEnv,
    SKEIN_ACTOR_MEMBERS,
    SKEIN_RPC_BIND: "tcp://0.0.0.0:5702",
    SKEIN_EVENTS_BIND: "tcp://0.0.0.0:5703",
    SKEIN_QUEUE_ORDERS_PROCESS_BIND: "tcp://0.0.0.0:5704",
    SKEIN_CLIENT_EXAMPLE_GREETER: endpoint("greeter", 5701),
  });
  startGreeter(2);
  for (const host of [2, 3, 4]) {
    workers.set(host, cluster.run(`worker@h${host}`, host, script("worker.js"), {
      ...resolverEnv,
      SKEIN_WORKER_ORDERS_PROCESS_CONNECT: endpoint("orders", 5704),
      SKEIN_EVENTS_BIND: "tcp://0.0.0.0:5705",
    }));
  }
  for (const host of [1, 2, 3, 4]) {
    listeners.set(host, cluster.run(`listener@h${host}`, host, fixture("listener.mjs"), {
      ...resolverEnv,
      SKEIN_SUBSCRIBE_CONNECT: `${endpoint("orders", 5703)},${endpoint("worker", 5705)}`,
    }));
  }
  caller = cluster.run("caller@h1", 1, fixture("caller.mjs"), {
    ...resolverEnv,
    GREETER: endpoint("greeter", 5701),
    ORDERS: endpoint("orders", 5702),
  });
  // Generous: ten Node processes start at once, on a machine that may be busy.
  await Promise.all(cluster.processes.map((started) => started.waitFor(/\] ready/, 90_000)));
}, 120_000);

afterAll(async () => {
  await cluster.stopAll();
  // What each process printed last: the first place to look when a scenario failed.
  for (const child of cluster.processes) console.log(`[log] ${child.label}:\n  ${child.lines.slice(-12).join("\n  ")}`);
  if (state !== "") {
    const file = join(state, "figures.json");
    writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`[figures] written to ${file}`);
  }
}, 30_000);

describe("the template across four hosts, found through DNS", () => {
  test("the greeter scales from 1 to 3 instances and the client spreads its calls over all three after re-resolving", async () => {
    await caller.request("load", { concurrency: 4 });
    await eventually(async () => (await caller.request<CallStats>("stats")).ok >= 200, "200 calls on one instance", 20_000);
    const single = await caller.request<CallStats>("stats");
    expect(Object.keys(single.byInstance)).toEqual(["Hello from h2 v1"]);

    startGreeter(3);
    startGreeter(4);
    await Promise.all([greeters.get(3)!.waitFor(/\] ready/), greeters.get(4)!.waitFor(/\] ready/)]);
    const scaled = Date.now();
    cluster.setRecords("greeter", [2, 3, 4]);
    let joined = 0;
    await eventually(async () => {
      const stats = await caller.request<CallStats>("stats");
      if (Object.keys(stats.byInstance).length < 3) return false;
      joined ||= Date.now() - scaled;
      return true;
    }, "calls served by the new instances", 45_000);
    // The spread over a window of calls once all three are known.
    const from = await caller.request<CallStats>("stats");
    await eventually(async () => (await caller.request<CallStats>("stats")).ok - from.ok >= 1500, "1500 more calls", 30_000);
    const to = await caller.request<CallStats>("stop");
    const spread = servedSince(from, to);
    record("scale 1 -> 3", {
      calls: to.calls, failed: to.failed, errors: to.errors, newInstancesServingAfterMs: joined,
      spreadOverWindow: spread, durations: to.durations,
    });
    expect(to.failed).toBe(0);
    expect(to.inFlight).toBe(0);
    const window = Object.values(spread).reduce((a, b) => a + b, 0);
    for (const host of [2, 3, 4]) expect(spread[`Hello from h${host} v1`] ?? 0, `h${host}'s share of ${window}`).toBeGreaterThan(window * 0.15);
  }, 90_000);

  test("events reach subscribers on every host, and work items pushed on one host are processed once each by workers on the others", async () => {
    for (const listener of listeners.values()) await listener.request("subscribed", { timeoutMs: 20_000 });
    const before = new Map([...workers].map(([host, worker]) => [host, processedBy(worker).length]));
    const started = Date.now();
    const placed = await caller.request<Placed>("orders", { count: 300, concurrency: 4, customer: "events" }, 60_000);
    expect(placed.errors).toEqual({});
    expect(placed.ids).toHaveLength(300);
    const ids = new Set(placed.ids);
    const countsOf = async (listener: HostProcess): Promise<Counts> => listener.request<Counts>("counts");
    await eventually(async () => {
      for (const listener of listeners.values()) {
        const counts = await countsOf(listener);
        if (placed.ids.some((id) => counts.placed[id] === undefined || counts.processed[id] === undefined)) return false;
      }
      return true;
    }, "every event on every host", 30_000);
    const delivered = Date.now() - started;

    const processed = [...workers].flatMap(([host, worker]) => processedBy(worker).slice(before.get(host)!).map((id) => ({ host, id })));
    const perItem = new Map<string, number>();
    for (const { id } of processed) perItem.set(id, (perItem.get(id) ?? 0) + 1);
    const perWorker = Object.fromEntries([...workers.keys()].map((host) => [`h${host}`, processed.filter((item) => item.host === host).length]));
    const perListener: Record<string, { placed: number; processed: number; duplicates: number }> = {};
    for (const [host, listener] of listeners) {
      const counts = await countsOf(listener);
      const mine = (map: Record<string, number>) => Object.entries(map).filter(([id]) => ids.has(id));
      perListener[`h${host}`] = {
        placed: mine(counts.placed).length,
        processed: mine(counts.processed).length,
        duplicates: [...mine(counts.placed), ...mine(counts.processed)].filter(([, n]) => n > 1).length,
      };
    }
    record("events and work", {
      orders: placed.ids.length, placeOrder: placed.durations, allEventsOnAllHostsMs: delivered,
      itemsProcessed: processed.length, processedTwice: [...perItem.values()].filter((n) => n > 1).length, perWorker, perListener,
    });
    expect([...perItem.keys()].sort()).toEqual([...ids].sort());
    expect([...perItem.values()].every((n) => n === 1)).toBe(true);
    for (const host of [2, 3, 4]) expect(perWorker[`h${host}`], `worker on h${host}`).toBeGreaterThan(0);
    for (const counts of Object.values(perListener)) expect(counts).toEqual({ placed: 300, processed: 300, duplicates: 0 });
  }, 120_000);

  test("a rolling restart with SIGTERM, each instance's DNS record removed first, fails no call and loses none", async () => {
    await caller.request("load", { concurrency: 4 });
    const restarts: Record<string, number> = {};
    for (const host of [2, 3, 4]) {
      const began = Date.now();
      const old = greeters.get(host)!;
      cluster.setRecords("greeter", cluster.records("greeter").filter((h) => h !== host));
      // The caller has let the instance go once 300 calls in a row were served by the others.
      const instance = `Hello from h${host} v1`;
      let mark = await caller.request<CallStats>("stats");
      await eventually(async () => {
        const now = await caller.request<CallStats>("stats");
        if ((now.byInstance[instance] ?? 0) !== (mark.byInstance[instance] ?? 0)) mark = now;
        return now.ok - mark.ok >= 300;
      }, `the caller leaving h${host}`, 45_000);
      old.signal("SIGTERM");
      expect(await old.exited).toEqual({ code: 0, signal: null });
      expect(old.lines).toContain("[greeter] stopped");
      const fresh = startGreeter(host, 2);
      await fresh.waitFor(/\] ready/);
      cluster.setRecords("greeter", [...cluster.records("greeter"), host]);
      await eventually(async () => ((await caller.request<CallStats>("stats")).byInstance[`Hello from h${host} v2`] ?? 0) > 0, `calls on the new h${host}`, 30_000);
      restarts[`h${host}`] = Date.now() - began;
    }
    const stats = await caller.request<CallStats>("stop");
    record("rolling restart", { calls: stats.calls, ok: stats.ok, failed: stats.failed, errors: stats.errors, lost: stats.inFlight, restartMs: restarts, durations: stats.durations });
    expect(stats.errors).toEqual({});
    expect(stats.failed).toBe(0);
    expect(stats.ok).toBe(stats.calls);
  }, 200_000);

  test("a host killed with SIGKILL under load: calls fail over, and every work item it held is processed elsewhere", async () => {
    await caller.request("load", { concurrency: 4 });
    const ordersDone = caller.request<Placed>("orders", { count: 400, concurrency: 2, customer: "kill" }, 120_000);
    const before = await caller.request<CallStats>("stats");
    const deadBefore = processedBy(workers.get(4)!).length;
    await eventually(async () => processedBy(workers.get(4)!).length > deadBefore + 10 && (await caller.request<CallStats>("stats")).ok - before.ok >= 300, "load on every host", 30_000);
    const killedAt = Date.now();
    cluster.killHost(4);
    const atKill = await caller.request<CallStats>("stats");
    // The cluster notices: the dead host's DNS record goes (Kubernetes drops a NotReady pod's endpoint).
    await eventually(async () => (await caller.request<CallStats>("stats")).ok - atKill.ok >= 300, "calls after the kill", 30_000);
    cluster.setRecords("greeter", [2, 3]);
    cluster.setRecords("worker", [2, 3]);
    const placed = await ordersDone;
    const stats = await caller.request<CallStats>("stop");
    const processed = new Map<string, number>();
    const tally = (): void => {
      processed.clear();
      for (const worker of workers.values()) for (const id of processedBy(worker)) processed.set(id, (processed.get(id) ?? 0) + 1);
    };
    // Items the dead worker held come back once the queue misses its heartbeats (3 x 1 s by default).
    await eventually(() => {
      tally();
      return placed.ids.every((id) => processed.has(id)) || Date.now() - killedAt > 30_000;
    }, "the dead worker's items processed elsewhere", 35_000);
    const notProcessed = placed.ids.filter((id) => !processed.has(id));
    const heldByDead = processedBy(workers.get(4)!).length - deadBefore;
    record("host killed", {
      calls: stats.calls, ok: stats.ok, failed: stats.failed, errors: stats.errors, lost: stats.inFlight, durations: stats.durations,
      orders: placed.ids.length, placeOrderErrors: placed.errors, placeOrder: placed.durations,
      itemsProcessedOnDeadHostBeforeKill: heldByDead, itemsNotProcessed: notProcessed.length,
      itemsProcessedTwice: placed.ids.filter((id) => (processed.get(id) ?? 0) > 1).length,
    });
    expect(stats.failed).toBe(0);
    expect(stats.ok).toBe(stats.calls);
    expect(placed.errors).toEqual({});
    expect(notProcessed).toEqual([]);
  }, 180_000);
});
