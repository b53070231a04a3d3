import { afterEach, describe, expect, it } from "vitest";
import { TopicPublisher, TopicSubscriber, type DropReport } from "../src/index.js";
import { ANY_PORT, Collector, gate } from "./helpers.js";

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

/**
 * Waits until the subscriber's subscriptions reached the publisher: publishes
 * on a probe topic (a retry loop, PUB drops what arrives before SUB's
 * subscription) until the subscriber has seen one.
 */
async function joined(pub: TopicPublisher, sub: TopicSubscriber): Promise<void> {
  const seen = gate();
  sub.subscribe("probe", () => seen.open());
  let done = false;
  void seen.promise.then(() => (done = true));
  while (!done) {
    await pub.publish("probe", []);
    await Promise.race([seen.promise, new Promise((r) => setTimeout(r, 10))]);
  }
  sub.unsubscribe("probe");
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
    await joined(pub, sub);
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
    await joined(pub, sub);
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
    await joined(pub, sub);
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
  it("resolves once every publisher is connected, after which a publish is received without retrying", async () => {
    const publisher = new TopicPublisher({ bind: ["tcp://127.0.0.1:0"] });
    await publisher.start();
    const got: string[] = [];
    const subscriber = new TopicSubscriber({ connect: publisher.endpoints });
    subscriber.subscribe("t", (frames) => void got.push(frames[0]!.toString()));
    await subscriber.start();
    await subscriber.connected(5000);
    // One publish, once: the subscription is already on the wire; the publisher only
    // needs a few turns of the event loop to read it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await publisher.publish("t", [Buffer.from("first and only")]);
    for (let i = 0; i < 200 && got.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(got).toEqual(["first and only"]);
    await subscriber.close();
    await publisher.close();
  });

  it("rejects with ETIMEDOUT when a publisher never comes", async () => {
    const subscriber = new TopicSubscriber({ connect: ["tcp://127.0.0.1:1"] });
    subscriber.subscribe("t", () => undefined);
    await subscriber.start();
    await expect(subscriber.connected(100)).rejects.toMatchObject({ code: "ETIMEDOUT" });
    await subscriber.close();
  });
});
