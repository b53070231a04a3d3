import { createServer, connect as connectTcp } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Dealer, Router, Subscriber } from "@skein/core";
import { Forwarder, PatternError, SnapshotPublisher, SnapshotSubscriber, type LossReport } from "../src/index.js";
import { ANY_PORT, Collector, gate, until, within } from "./helpers.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const HWM = 100_000;
const TOPICS = ["t.0", "t.1", "t.2", "t.3", "u.4"];

async function publisher(): Promise<SnapshotPublisher> {
  const pub = new SnapshotPublisher({ bind: [ANY_PORT], snapshotBind: [ANY_PORT], sendHighWaterMark: HWM });
  await pub.start();
  closers.push(() => pub.close());
  return pub;
}

/** Publishes `count` updates round-robin over TOPICS, yielding to I/O every 10 and calling `at(i)` before update i. */
async function publishStream(pub: SnapshotPublisher, count: number, at: (i: number) => Promise<void> | void): Promise<void> {
  for (let i = 0; i < count; i++) {
    await at(i);
    const frame = Buffer.alloc(4);
    frame.writeUInt32BE(i);
    await pub.publish(TOPICS[i % TOPICS.length]!, [frame]);
    if (i % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Checks a late joiner saw, per topic, the snapshot value then every later value once, in order. */
function checkExactlyOnce(pub: SnapshotPublisher, seen: Map<string, { seq: number; snapshot: boolean }[]>, prefix: string): void {
  for (const topic of TOPICS.filter((t) => t.startsWith(prefix))) {
    const updates = seen.get(topic) ?? [];
    expect(updates[0]!.snapshot).toBe(true);
    expect(updates.slice(1).every((u) => !u.snapshot)).toBe(true);
    const sequences = updates.map((u) => u.seq);
    const from = sequences[0]!;
    expect(sequences).toEqual(Array.from({ length: pub.sequence(topic) - from + 1 }, (_, k) => from + k));
  }
  for (const topic of seen.keys()) expect(topic.startsWith(prefix)).toBe(true);
}

async function lateJoiner(pub: SnapshotPublisher, connect: string[], prefix: string) {
  const seen = new Map<string, { seq: number; snapshot: boolean }[]>();
  const sub = new SnapshotSubscriber({ connect, snapshot: pub.snapshotEndpoints, receiveHighWaterMark: HWM });
  closers.push(() => sub.close());
  let last = 0;
  let waiter: { target: number; open: () => void } | null = null;
  sub.subscribe(prefix, (_frames, topic, info) => {
    const list = seen.get(topic) ?? [];
    list.push({ seq: info.sequence, snapshot: info.snapshot });
    seen.set(topic, list);
    last = Math.max(last, _frames[0]!.readUInt32BE(0));
    if (waiter !== null && last >= waiter.target) waiter.open();
  });
  const reached = (target: number): Promise<void> =>
    last >= target ? Promise.resolve() : new Promise((open) => (waiter = { target, open }));
  return { sub, seen, reached };
}

describe("SnapshotPublisher and SnapshotSubscriber", () => {
  it("gives a late joiner the snapshot, then every live update once, none missing in between", async () => {
    const pub = await publisher();
    const joiner = await lateJoiner(pub, pub.endpoints, "t.");
    let started: Promise<void> | null = null;
    await publishStream(pub, 3000, (i) => {
      if (i === 500) started = joiner.sub.start();
    });
    await started;
    await joiner.reached(2998); // the last update of a "t." topic
    checkExactlyOnce(pub, joiner.seen, "t.");
    expect(joiner.sub.gaps).toBe(0);
    expect(joiner.sub.dropped).toBe(0);
    expect(pub.snapshotsServed).toBe(1);
  });

  it("takes the snapshot only once the requester's token subscription arrived, not when the request did", async () => {
    const pub = await publisher();
    await pub.publish("t.a", [Buffer.from("1")]);
    const token = "0123456789abcdef";
    const requester = new Dealer({ linger: 0 });
    closers.push(() => requester.close());
    requester.connect(pub.snapshotEndpoints[0]!);
    await requester.send([Buffer.from("S"), Buffer.from(token), Buffer.from("t.")]);
    await until(() => pub.pendingSnapshots === 1, "the request to wait for its token");
    // Published after the request, before the token subscription: the snapshot must hold it.
    await pub.publish("t.a", [Buffer.from("2")]);
    const live = new Subscriber({ linger: 0 });
    closers.push(() => live.close());
    live.subscribe("t.", `\u0000skein.snapshot.${token}`);
    live.connect(pub.endpoints[0]!);
    const [kind, topic, sequence, value] = await within(requester.receive(), 10_000, "the snapshot");
    expect([kind!.toString(), topic!.toString(), sequence!.readBigUInt64BE(0), value!.toString()]).toEqual(["K", "t.a", 2n, "2"]);
    expect(pub.pendingSnapshots).toBe(0);
  });

  it("skips a live update the snapshot already holds: delivered once, from the snapshot", async () => {
    const pub = await publisher();
    await pub.publish("t.a", [Buffer.from("1")]);
    // A relay to the snapshot port that holds the request back until the test lets it go.
    const hold = gate();
    const relay = createServer((client) => {
      const upstream = connectTcp(Number(pub.snapshotEndpoints[0]!.split(":").pop()), "127.0.0.1");
      client.on("error", () => undefined);
      upstream.on("error", () => undefined);
      client.pause();
      void hold.promise.then(() => {
        client.pipe(upstream);
        client.resume();
      });
      upstream.pipe(client);
      closers.push(() => void (client.destroy(), upstream.destroy()));
    });
    await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
    closers.push(() => new Promise<void>((resolve) => relay.close(() => resolve())));
    const seen: string[] = [];
    const sub = new SnapshotSubscriber({ connect: pub.endpoints, snapshot: [`tcp://127.0.0.1:${(relay.address() as { port: number }).port}`] });
    closers.push(() => sub.close());
    sub.subscribe("t.", (frames, topic, info) => void seen.push(`${topic}#${info.sequence}${info.snapshot ? " snapshot" : ""}`));
    const started = sub.start();
    await until(() => pub.pendingTokens === 1, "the token subscription to reach the publisher");
    // Reaches the subscriber live, and is in the cache the snapshot is taken from.
    await pub.publish("t.a", [Buffer.from("2")]);
    hold.open();
    await within(started, 10_000, "the snapshot");
    await pub.publish("t.a", [Buffer.from("3")]);
    await until(() => seen.length >= 2 && seen.at(-1) === "t.a#3", "the next live update");
    expect(seen).toEqual(["t.a#2 snapshot", "t.a#3"]);
  });

  it("works through a forwarder (XSUB/XPUB proxy) for many-to-many", async () => {
    const pub = await publisher();
    const forwarder = new Forwarder({ frontend: { connect: pub.endpoints }, backend: { bind: [ANY_PORT] }, sendHighWaterMark: HWM });
    await forwarder.start();
    closers.push(() => forwarder.close());
    const a = await lateJoiner(pub, forwarder.backendEndpoints, "t.");
    const b = await lateJoiner(pub, forwarder.backendEndpoints, "u.");
    const starts: Promise<void>[] = [];
    await publishStream(pub, 2000, (i) => {
      if (i === 300) starts.push(a.sub.start());
      if (i === 900) starts.push(b.sub.start());
    });
    await Promise.all(starts);
    await a.reached(1998);
    await b.reached(1999);
    checkExactlyOnce(pub, a.seen, "t.");
    checkExactlyOnce(pub, b.seen, "u.");
    expect(forwarder.forwarded).toBeGreaterThan(0);
  });

  it("bounds a slow subscriber's memory and reports what it dropped, without counting it as a gap", async () => {
    const pub = await publisher();
    await pub.publish("t.0", [Buffer.from([0, 0, 0, 0])]);
    const reports = new Collector<LossReport>();
    let dropped = 0;
    const sub = new SnapshotSubscriber({
      connect: pub.endpoints,
      snapshot: pub.snapshotEndpoints,
      maxQueue: 5,
      onDrop: (r) => {
        dropped += r.dropped;
        reports.push(r);
      },
    });
    closers.push(() => sub.close());
    const release = gate();
    const blocked = gate();
    const done = gate();
    const live: number[] = [];
    sub.subscribe("t.", async (_f, _t, info) => {
      if (info.snapshot) return;
      live.push(info.sequence);
      if (info.sequence === 101) done.open();
      blocked.open();
      await release.promise;
    });
    await sub.start();
    for (let i = 0; i < 100; i++) await pub.publish("t.0", [Buffer.alloc(4)]);
    await blocked.promise;
    while (dropped < 94) await reports.waitFor(reports.items.length + 1);
    expect(dropped).toBe(94);
    expect(sub.queued).toBe(5);
    expect(reports.items.every((r) => r.reason === "slow-handler")).toBe(true);
    release.open();
    await done.promise;
    expect(live).toEqual([2, 97, 98, 99, 100, 101]);
    expect(sub.gaps).toBe(0);
  });

  it("rejects start() with ETIMEDOUT when no snapshot comes", async () => {
    const silent = new Router({ linger: 0 });
    await silent.bind(ANY_PORT);
    closers.push(() => silent.close());
    const sub = new SnapshotSubscriber({ connect: [], snapshot: [silent.lastEndpoint!], snapshotTimeout: 100 });
    sub.subscribe("", () => undefined);
    const error = await sub.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PatternError);
    expect((error as PatternError).code).toBe("ETIMEDOUT");
  });

  it("rejects bad input with EINVAL", async () => {
    expect(() => new SnapshotPublisher({ snapshotBind: [] })).toThrow(PatternError);
    expect(() => new SnapshotSubscriber({ connect: [], snapshot: [] })).toThrow(PatternError);
    const pub = await publisher();
    await expect(pub.publish("\u0000x", [])).rejects.toMatchObject({ code: "EINVAL" });
    await expect(pub.publish("", [])).rejects.toMatchObject({ code: "EINVAL" });
  });
});
