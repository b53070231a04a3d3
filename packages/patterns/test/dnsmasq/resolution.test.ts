/**
 * `+dns` and `+srv` endpoints against a real DNS server (dnsmasq, see
 * dnsmasq-server.ts) whose A, AAAA and SRV answers change during each test.
 * Instances listen on 127.0.0.2-4 (the whole of 127/8 is loopback on Linux)
 * on one port, as pods behind a headless Service do. Run by
 * .ci/suites/dns.sh (needs dnsmasq), not by `pnpm test`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Router } from "@skein/core";
import { Broker, BrokerWorker, PatternError, RpcClient, RpcServer, SnapshotPublisher, SnapshotSubscriber, TopicPublisher, TopicSubscriber, WorkQueue, Worker } from "../../src/index.js";
import { Collector, gate, until, within } from "../helpers.js";
import { Dnsmasq, portFreeOn } from "./dnsmasq-server.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** Resolution every 100 ms: the tests wait on conditions, not on the interval. */
const FAST = { refreshInterval: 100, minRefreshInterval: 50 };

async function dnsmasq(hosts: string[], srv: Parameters<typeof Dnsmasq.start>[1] = []): Promise<Dnsmasq> {
  const dns = await Dnsmasq.start(hosts, srv);
  closers.push(() => dns.stop());
  return dns;
}

/** An RPC server at `host` that answers every call with `host` (port 0: a free one). */
async function namedServer(host: string, port = 0): Promise<RpcServer> {
  const server = new RpcServer({ bind: [`tcp://${host.includes(":") ? `[${host}]` : host}:${port}`] });
  await server.serve(() => [Buffer.from(host)]);
  closers.push(() => server.close());
  return server;
}

function portOf(endpoint: string): number {
  return Number(endpoint.slice(endpoint.lastIndexOf(":") + 1));
}

function rpcClient(endpoint: string, dns: Dnsmasq, resolve: object = {}): RpcClient {
  const client = new RpcClient({ endpoints: [endpoint], timeout: 5000, resolve: { servers: [dns.server], ...FAST, ...resolve } });
  closers.push(() => client.close());
  return client;
}

/** Who answered `n` calls made one after another. */
async function answers(client: RpcClient, n: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const [who] = await client.request([Buffer.from("who")]);
    seen.set(who!.toString(), (seen.get(who!.toString()) ?? 0) + 1);
  }
  return seen;
}

describe("RpcClient on a tcp+dns:// name", () => {
  it("spreads calls over every A record, calls an instance added to DNS, and closes a removed one only after its call in flight is answered", async () => {
    const port = await portFreeOn(["127.0.0.2", "127.0.0.3", "127.0.0.4"]);
    await namedServer("127.0.0.3", port);
    await namedServer("127.0.0.4", port);
    // 127.0.0.2 is a bare ROUTER, so that the test holds its reply and sees its peer leave.
    const held = new Router({ linger: 0 });
    closers.push(() => held.close());
    await held.bind(`tcp://127.0.0.2:${port}`);
    const requests = new Collector<Buffer[]>();
    void (async () => {
      for await (const message of held) requests.push(message);
    })();

    const dns = await dnsmasq(["127.0.0.3 greeter.test", "127.0.0.4 greeter.test"]);
    const client = rpcClient(`tcp+dns://greeter.test:${port}`, dns);
    await until(() => client.endpoints.length === 2, "both A records to be connected");
    const spread = await answers(client, 20);
    expect([...spread.keys()].sort()).toEqual(["127.0.0.3", "127.0.0.4"]);
    expect(spread.get("127.0.0.3")).toBe(10); // round-robin

    await dns.setHosts(["127.0.0.2 greeter.test", "127.0.0.3 greeter.test", "127.0.0.4 greeter.test"]);
    await until(() => client.endpoints.includes(`tcp://127.0.0.2:${port}`), "the added instance to be connected");
    // Calls go to the new instance once it is connected: it holds the first it gets.
    const calls: Promise<Buffer[]>[] = [];
    await until(() => {
      if (requests.items.length > 0) return true;
      calls.push(client.request([Buffer.from("who")]));
      return false;
    }, "the new instance to get a call");
    const [routingId, correlation] = requests.items[0]!;

    const disconnected = gate();
    held.events.on("disconnect", () => disconnected.open());
    await dns.setHosts(["127.0.0.3 greeter.test", "127.0.0.4 greeter.test"]);
    await until(() => !client.endpoints.includes(`tcp://127.0.0.2:${port}`), "the removed instance to leave the rotation");
    // Out of the rotation: new calls go to the others only (one sent to it would never be answered).
    expect([...(await answers(client, 6)).keys()].sort()).toEqual(["127.0.0.3", "127.0.0.4"]);
    expect(requests.items).toHaveLength(1);
    // Removed from DNS, it still holds a call: its connection stays until the reply.
    await held.send([routingId!, correlation!, Buffer.from("127.0.0.2")]);
    const replies = (await Promise.all(calls)).map(([who]) => who!.toString());
    expect(replies.filter((who) => who === "127.0.0.2")).toHaveLength(1);
    await within(disconnected.promise, 5000, "the client to close its connection to the removed instance");
    const after = await answers(client, 20);
    expect([...after.keys()].sort()).toEqual(["127.0.0.3", "127.0.0.4"]);
    expect(requests.items).toHaveLength(1);
  });

  it("uses AAAA and A records alike, and drops the AAAA address once it leaves DNS", async () => {
    const port = await portFreeOn(["::1", "127.0.0.2"]);
    await namedServer("::1", port);
    await namedServer("127.0.0.2", port);
    const dns = await dnsmasq(["::1 dual.test", "127.0.0.2 dual.test"]);
    const client = rpcClient(`tcp+dns://dual.test:${port}`, dns);
    await until(() => client.endpoints.length === 2, "the A and AAAA addresses to be connected");
    expect(client.endpoints.sort()).toEqual([`tcp://127.0.0.2:${port}`, `tcp://[::1]:${port}`]);
    expect([...(await answers(client, 10)).keys()].sort()).toEqual(["127.0.0.2", "::1"]);

    await dns.setHosts(["127.0.0.2 dual.test"]);
    await until(() => client.endpoints.length === 1, "the AAAA address to be dropped");
    expect([...(await answers(client, 10)).keys()]).toEqual(["127.0.0.2"]);
  });

  it("keeps its endpoints and reports ENAMERESOLUTION while DNS does not answer, and cuts an answer to maxAddresses with E2BIG", async () => {
    const hosts = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"];
    const port = await portFreeOn(hosts);
    for (const host of hosts) await namedServer(host, port);
    const dns = await dnsmasq(["127.0.0.2 many.test", "127.0.0.3 many.test", "127.0.0.4 many.test", "127.0.0.5 many.test"]);
    const errors = new Collector<PatternError>();
    const client = rpcClient(`tcp+dns://many.test:${port}`, dns, { maxAddresses: 3, onError: errors.push, queryTimeout: 100, queryTries: 1 });
    await until(() => client.endpoints.length === 3, "three of four addresses");
    expect(errors.items[0]).toMatchObject({ code: "E2BIG" });
    const kept = client.endpoints.sort();

    await dns.stop();
    await until(() => errors.items.some((error) => error.code === "ENAMERESOLUTION"), "a failed resolution to be reported");
    expect(client.endpoints.sort()).toEqual(kept);
    expect((await answers(client, 6)).size).toBe(3);
  });
});

describe("RpcClient on a tcp+srv:// name", () => {
  it("connects to each SRV target on its record's port, follows records and targets as they change, and ignores a higher priority", async () => {
    const servers = await Promise.all(["127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1"].map((host) => namedServer(host)));
    const [p1, p2, p3, p4] = servers.map((server) => portOf(server.endpoints[0]!)) as [number, number, number, number];
    const name = "_rpc._tcp.greeter.test";
    const hosts = ["127.0.0.1 a.test", "127.0.0.1 b.test", "127.0.0.1 c.test", "127.0.0.1 d.test"];
    const dns = await dnsmasq(hosts, [
      { name, target: "a.test", port: p1 },
      { name, target: "b.test", port: p2 },
      { name, target: "d.test", port: p4, priority: 1 },
    ]);
    const client = rpcClient(`tcp+srv://${name}`, dns);
    await until(() => client.endpoints.length === 2, "both SRV targets of the lowest priority");
    expect(client.endpoints.map(portOf).sort()).toEqual([p1, p2].sort());

    // A record set changed: a restart of dnsmasq (SRV records are its configuration).
    await dns.setSrv([{ name, target: "b.test", port: p2 }, { name, target: "c.test", port: p3 }]);
    await until(() => client.endpoints.map(portOf).sort().join() === [p2, p3].sort().join(), "the SRV change to be followed");

    // A target's address changed: a SIGHUP re-read of the hosts file.
    await dns.setHosts(hosts.filter((line) => !line.endsWith(" c.test")));
    await until(() => client.endpoints.length === 1, "the target without an address to be dropped");
    expect(client.endpoints.map(portOf)).toEqual([p2]);
    for (let i = 0; i < 5; i++) await client.request([Buffer.from("who")]);
  });
});

describe("TopicSubscriber on a tcp+dns:// name", () => {
  it("receives from every publisher instance, from one added to DNS, and still from a removed one until it leaves", async () => {
    const publishers = new Map<string, TopicPublisher>();
    const port = await portFreeOn(["127.0.0.2", "127.0.0.3", "127.0.0.4"]);
    for (const host of ["127.0.0.2", "127.0.0.3", "127.0.0.4"]) {
      const publisher = new TopicPublisher({ bind: [`tcp://${host}:${port}`] });
      await publisher.start();
      publishers.set(host, publisher);
      closers.push(() => publisher.close());
    }
    const dns = await dnsmasq(["127.0.0.2 events.test", "127.0.0.3 events.test"]);
    const got = new Collector<string>();
    const subscriber = new TopicSubscriber({ connect: [`tcp+dns://events.test:${port}`], resolve: { servers: [dns.server], ...FAST } });
    closers.push(() => subscriber.close());
    subscriber.subscribe("t", ([from]) => got.push(from!.toString()));
    await subscriber.start();
    await subscriber.connected();
    for (const [host, publisher] of publishers) await publisher.publish("t", [Buffer.from(host)]);
    await within(got.waitFor(2), 5000, "events of both instances");
    expect(got.items.sort()).toEqual(["127.0.0.2", "127.0.0.3"]);

    await dns.setHosts(["127.0.0.2 events.test", "127.0.0.3 events.test", "127.0.0.4 events.test"]);
    await until(() => subscriber.endpoints.length === 3, "the added publisher to be connected");
    await subscriber.connected();
    await publishers.get("127.0.0.4")!.publish("t", [Buffer.from("127.0.0.4")]);
    await within(got.waitFor(3), 5000, "an event of the added instance");

    await dns.setHosts(["127.0.0.3 events.test", "127.0.0.4 events.test"]);
    await until(() => subscriber.endpoints.length === 2, "the removed publisher to leave the set");
    // Still running, its events on their way still arrive: the connection ends when the publisher leaves.
    await publishers.get("127.0.0.2")!.publish("t", [Buffer.from("127.0.0.2 after")]);
    await within(got.waitFor(4), 5000, "the removed instance's last event");
    expect(got.items[3]).toBe("127.0.0.2 after");
  });
});

describe("Worker on a tcp+dns:// name", () => {
  it("takes items from every queue instance and leaves a removed one only after acknowledging the item it runs", async () => {
    const queues = new Map<string, WorkQueue>();
    const port = await portFreeOn(["127.0.0.2", "127.0.0.3"]);
    for (const host of ["127.0.0.2", "127.0.0.3"]) {
      const queue = new WorkQueue({ bind: [`tcp://${host}:${port}`] });
      await queue.start();
      queues.set(host, queue);
      closers.push(() => queue.close());
    }
    const dns = await dnsmasq(["127.0.0.2 queue.test", "127.0.0.3 queue.test"]);
    const started = gate();
    const release = gate();
    const done = new Collector<string>();
    const worker = new Worker({ connect: [`tcp+dns://queue.test:${port}`], queue: "jobs", resolve: { servers: [dns.server], ...FAST } });
    closers.push(() => worker.close(0));
    await worker.process(async ([item]) => {
      if (item!.toString() === "hold") {
        started.open();
        await release.promise;
      }
      done.push(item!.toString());
    });
    const q2 = queues.get("127.0.0.2")!;
    const q3 = queues.get("127.0.0.3")!;
    await until(() => q2.stats.workers === 1 && q3.stats.workers === 1, "the worker to register with both queues");
    await q2.push("jobs", [Buffer.from("a")]);
    await q3.push("jobs", [Buffer.from("b")]);
    await within(Promise.all([q2.drain(), q3.drain()]), 5000, "both queues' items");

    await q3.push("jobs", [Buffer.from("hold")]);
    await within(started.promise, 5000, "the held item to start");
    await dns.setHosts(["127.0.0.2 queue.test"]);
    await until(() => worker.endpoints.length === 1, "the removed queue to leave the worker's set");
    expect(q3.stats).toMatchObject({ workers: 1, unacked: 1 });
    release.open();
    await within(q3.drain(), 5000, "the held item to be acknowledged");
    await until(() => q3.stats.workers === 0, "the worker to say DISCONNECT to the removed queue");
    expect(q3.stats).toMatchObject({ acked: 2, redelivered: 0 });
    await q2.push("jobs", [Buffer.from("c")]);
    await within(q2.drain(), 5000, "the remaining queue's item");
  });
});

describe("BrokerWorker on a tcp+dns:// name", () => {
  it("registers with every broker instance and serves the requests each routes to it", async () => {
    const brokers: Broker[] = [];
    const port = await portFreeOn(["127.0.0.2", "127.0.0.3"]);
    for (const host of ["127.0.0.2", "127.0.0.3"]) {
      const broker = new Broker({ frontend: [`tcp://${host}:0`], backend: [`tcp://${host}:${port}`] });
      await broker.start();
      brokers.push(broker);
      closers.push(() => broker.close());
    }
    const dns = await dnsmasq(["127.0.0.2 broker.test", "127.0.0.3 broker.test"]);
    const worker = new BrokerWorker({ connect: [`tcp+dns://broker.test:${port}`], service: "echo", resolve: { servers: [dns.server], ...FAST } });
    closers.push(() => worker.close(0));
    await worker.serve((frames) => frames);
    await until(() => brokers.every((broker) => broker.stats.workers === 1), "the worker to register with both brokers");
    for (const broker of brokers) {
      const client = new RpcClient({ endpoints: broker.frontendEndpoints, service: "echo", timeout: 5000 });
      closers.push(() => client.close());
      const [reply] = await client.request([Buffer.from(broker.frontendEndpoints[0]!)]);
      expect(reply!.toString()).toBe(broker.frontendEndpoints[0]);
    }
    expect(worker.stats.served).toBe(2);
  });
});

describe("SnapshotSubscriber on tcp+dns:// names", () => {
  it("fetches the snapshot from the address its snapshot name resolves to, then follows the live name", async () => {
    const publisher = new SnapshotPublisher({ bind: ["tcp://127.0.0.2:0"], snapshotBind: ["tcp://127.0.0.2:0"] });
    await publisher.start();
    closers.push(() => publisher.close());
    await publisher.publish("price.a", [Buffer.from("1")]);
    const dns = await dnsmasq(["127.0.0.2 prices.test"]);
    const got = new Collector<string>();
    const subscriber = new SnapshotSubscriber({
      connect: [`tcp+dns://prices.test:${portOf(publisher.endpoints[0]!)}`],
      snapshot: [`tcp+dns://prices.test:${portOf(publisher.snapshotEndpoints[0]!)}`],
      resolve: { servers: [dns.server], ...FAST },
    });
    closers.push(() => subscriber.close());
    subscriber.subscribe("price.", ([value], topic, { snapshot }) => got.push(`${topic}=${value!.toString()}${snapshot ? " (snapshot)" : ""}`));
    await subscriber.start();
    expect(got.items).toEqual(["price.a=1 (snapshot)"]);
    await publisher.publish("price.a", [Buffer.from("2")]);
    await within(got.waitFor(2), 5000, "a live update");
    expect(got.items[1]).toBe("price.a=2");
  });
});
