import { afterEach, describe, expect, it } from "vitest";
import { TopicPublisher, TopicSubscriber, type DropReport } from "../src/index.js";
import { ANY_PORT, Collector, gate, within } from "./helpers.js";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function publisher(): Promise<TopicPublisher> {
  const pub = new TopicPublisher({ bind: [ANY_PORT] });
  await pub.start();
  closers.push(() => pub.close());
  return pub;
}

describe("TopicPublisher and TopicSubscriber", () => {
  it("delivers a message to the handlers of its exact topic, and to \"\" handlers", async () => {
    const pub = await publisher();
    const sub = new TopicSubscriber({ connect: pub.endpoints });
    closers.push(() => sub.close());
    const exact = new Collector<string>();
    const all = new Collector<string>();
    sub.subscribe("price", ([f], topic) => exact.push(`${topic}=${f!.toString()}`));
    sub.subscribe("", ([f], topic) => all.push(`${topic}=${f?.toString() ?? ""}`));
    await sub.start();
    await sub.connected();
    const before = all.items.length;
    await pub.publish("price", [Buffer.from("1")]);
    await pub.publish("prices", [Buffer.from("2")]);
    await pub.publish("other", [Buffer.from("3")]);
    await pub.publish("price", [Buffer.from("4")]);
    await all.waitFor(before + 4);
    expect(exact.items).toEqual(["price=1", "price=4"]);
    expect(all.items.slice(before)).toEqual(["price=1", "prices=2", "other=3", "price=4"]);
  });

  it("bounds a slow subscriber's queue, drops the oldest and reports how many", async () => {
    const pub = await publisher();
    const reports = new Collector<DropReport>();
    let dropped = 0;
    const sub = new TopicSubscriber({
      connect: pub.endpoints,
      maxQueue: 10,
      onDrop: (r) => {
        dropped += r.dropped;
        reports.push(r);
      },
    });
    closers.push(() => sub.close());
    const release = gate();
    const firstArrived = gate();
    const seen: number[] = [];
    sub.subscribe("tick", async ([f]) => {
      seen.push(f!.readUInt32BE(0));
      firstArrived.open();
      await release.promise;
    });
    await sub.start();
    await sub.connected();
    for (let i = 0; i < 500; i++) {
      const frame = Buffer.alloc(4);
      frame.writeUInt32BE(i);
      await pub.publish("tick", [frame]);
    }
    await firstArrived.promise;
    // 500 published: 1 held by the handler, 10 queued, 489 dropped and reported.
    while (dropped < 489) await reports.waitFor(reports.items.length + 1);
    expect(dropped).toBe(489);
    expect(sub.dropped).toBe(489);
    expect(sub.queued).toBe(10);
    expect(reports.items.at(-1)!.totalDropped).toBe(489);
    release.open();
    const last = gate();
    sub.subscribe("tick", ([f]) => {
      if (f!.readUInt32BE(0) === 499) last.open();
    });
    await last.promise;
    // The newest messages were kept.
    expect(seen).toEqual([0, 490, 491, 492, 493, 494, 495, 496, 497, 498, 499]);
  });

  it("counts and reports handler errors without stopping delivery", async () => {
    const pub = await publisher();
    const errors = new Collector<unknown>();
    const sub = new TopicSubscriber({ connect: pub.endpoints, onError: (e) => errors.push(e) });
    closers.push(() => sub.close());
    const ok = new Collector<string>();
    sub.subscribe("t", ([f]) => {
      if (f!.toString() === "bad") throw new Error("handler failed");
      ok.push(f!.toString());
    });
    await sub.start();
    await sub.connected();
    await pub.publish("t", [Buffer.from("bad")]);
    await pub.publish("t", [Buffer.from("good")]);
    await ok.waitFor(1);
    expect(errors.items).toHaveLength(1);
    expect(sub.errors).toBe(1);
  });

  it("rejects bad input with EINVAL and use after close with ECLOSED", async () => {
    const pub = new TopicPublisher({ bind: [ANY_PORT] });
    await expect(pub.publish("t", [])).rejects.toMatchObject({ code: "EINVAL" });
    await pub.start();
    await expect(pub.publish(3 as unknown as string, [])).rejects.toMatchObject({ code: "EINVAL" });
    await expect(pub.publish("t", [3 as unknown as Buffer])).rejects.toMatchObject({ code: "EINVAL" });
    await pub.close();
    await expect(pub.publish("t", [])).rejects.toMatchObject({ code: "ECLOSED" });
    const sub = new TopicSubscriber({});
    expect(() => sub.subscribe("t", undefined as unknown as () => void)).toThrow(/handler/);
    await sub.close();
    await expect(sub.start()).rejects.toMatchObject({ code: "ECLOSED" });
  });
});

describe("TopicSubscriber.connected()", () => {
  it("resolves only once every publisher applied every subscription: a publish right after it is received", async () => {
    const publishers = [new TopicPublisher({ bind: [ANY_PORT] }), new TopicPublisher({ bind: [ANY_PORT] })];
    for (const p of publishers) await p.start();
    const got = new Collector<string>();
    const everything: string[] = [];
    const subscriber = new TopicSubscriber({ connect: publishers.flatMap((p) => p.endpoints) });
    // Many subscriptions, so that the last one is applied well after the handshake.
    for (let i = 0; i < 300; i++) subscriber.subscribe(`t${i}`, (frames) => got.push(frames[0]!.toString()));
    subscriber.subscribe("", (frames, topic) => void everything.push(`${topic}:${frames[0]?.toString() ?? ""}`));
    await subscriber.start();
    await subscriber.connected(5000);
    // No wait of any kind: both publishers must already filter for t299.
    await publishers[0]!.publish("t299", [Buffer.from("a")]);
    await publishers[1]!.publish("t299", [Buffer.from("b")]);
    await within(got.waitFor(2), 5000, "both publishes to be received");
    expect(got.items.sort()).toEqual(["a", "b"]);
    // The probe replies never reached a handler, not even the every-topic one.
    expect(everything.sort()).toEqual(["t299:a", "t299:b"]);
    expect(publishers.map((p) => p.probesAnswered)).toEqual([1, 1]);
    await subscriber.close();
    for (const p of publishers) await p.close();
  });

  it("probes afresh on each call: after the publisher restarts, a publish right after connected() is received", async () => {
    const first = new TopicPublisher({ bind: [ANY_PORT] });
    await first.start();
    const endpoint = first.endpoints[0]!;
    const got = new Collector<string>();
    const subscriber = new TopicSubscriber({ connect: [endpoint] });
    for (let i = 0; i < 300; i++) subscriber.subscribe(`t${i}`, (frames) => got.push(frames[0]!.toString()));
    await subscriber.start();
    await subscriber.connected(5000);
    await first.close();
    const second = new TopicPublisher({ bind: [endpoint] });
    await second.start();
    await subscriber.connected(5000);
    await second.publish("t299", [Buffer.from("after restart")]);
    await within(got.waitFor(1), 5000, "the publish after the restart");
    expect(got.items).toEqual(["after restart"]);
    await subscriber.close();
    await second.close();
  });

  it("rejects with ETIMEDOUT when a publisher never comes", async () => {
    const subscriber = new TopicSubscriber({ connect: ["tcp://127.0.0.1:1"] });
    subscriber.subscribe("t", () => undefined);
    await subscriber.start();
    await expect(subscriber.connected(100)).rejects.toMatchObject({ code: "ETIMEDOUT" });
    await subscriber.close();
  });
});
