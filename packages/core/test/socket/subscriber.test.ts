import { describe, expect, it } from "vitest";
import { Publisher, Subscriber } from "../../src/index.js";
import {
  RAW_TRANSPORTS,
  TRANSPORTS,
  awaitSubscription,
  bindFresh,
  freeAddress,
  rawCommand,
  rawConnect,
  rawFrame,
  rawFramesReceived,
  rawGreeting,
  rawReady,
  socketScope,
  strings,
  tick,
  until,
  within,
} from "../helpers.js";

const open = socketScope();

describe.each(TRANSPORTS)("PUB/SUB over %s", (transport) => {
  async function connected(...topics: string[]): Promise<{ pub: Publisher; sub: Subscriber }> {
    const pub = open(new Publisher());
    const sub = open(new Subscriber());
    sub.connect(await bindFresh(pub, transport));
    sub.subscribe(...topics);
    for (const topic of topics.length === 0 ? [""] : topics) await awaitSubscription((m) => pub.send(m), sub, topic);
    return { pub, sub };
  }

  it("delivers only messages whose first frame starts with a subscribed prefix", async () => {
    const { pub, sub } = await connected("news");
    await pub.send(["weather", "rain"]);
    await pub.send(["new", "too short"]);
    await pub.send(["newsflash", "yes"]);
    await pub.send(["news", "also"]);
    await pub.send(["end-marker-not-subscribed", "x"]);
    await pub.send(["news.end", "last"]);
    const got: string[][] = [];
    for (let i = 0; i < 3; i++) got.push(strings(await within(sub.receive())));
    expect(got).toEqual([["newsflash", "yes"], ["news", "also"], ["news.end", "last"]]);
  });

  it("holds several subscriptions at once", async () => {
    const { pub, sub } = await connected("a", "b");
    for (const topic of ["c", "b1", "a1", "d", "b2"]) await pub.send([topic, "x"]);
    await pub.send(["a", "done"]);
    const got: string[] = [];
    for (;;) {
      const [topic, body] = strings(await within(sub.receive()));
      if (body === "done") break;
      got.push(topic!);
    }
    expect(got).toEqual(["b1", "a1", "b2"]);
  });

  it("subscribe() with no argument receives everything", async () => {
    const { pub, sub } = await connected();
    await pub.send(["anything", "1"]);
    await pub.send([Buffer.from([0, 1, 2]), "2"]);
    expect(strings(await within(sub.receive()))[1]).toBe("1");
    expect(strings(await within(sub.receive()))[1]).toBe("2");
  });

  it("stops delivering a topic after unsubscribe", async () => {
    const { pub, sub } = await connected("keep", "drop");
    sub.unsubscribe("drop");
    // The cancel travels the same way as messages; a round of "keep" probes proves it has been applied.
    await awaitSubscription((m) => pub.send(m), sub, "keep");
    await pub.send(["drop", "unwanted"]);
    await pub.send(["keep", "wanted"]);
    expect(strings(await within(sub.receive()))).toEqual(["keep", "wanted"]);
  });

  it("a subscription made twice needs two unsubscribes", async () => {
    const { pub, sub } = await connected("t", "t");
    sub.unsubscribe("t");
    await awaitSubscription((m) => pub.send(m), sub, "t");
    await pub.send(["t", "still subscribed"]);
    expect(strings(await within(sub.receive()))).toEqual(["t", "still subscribed"]);
  });

  it("PUB fans a message out to every subscriber", async () => {
    const pub = open(new Publisher());
    const address = await bindFresh(pub, transport);
    const subs = [open(new Subscriber()), open(new Subscriber())];
    for (const sub of subs) {
      sub.connect(address);
      sub.subscribe("x");
      await awaitSubscription((m) => pub.send(m), sub, "x");
    }
    await pub.send(["x", "for all"]);
    for (const sub of subs) {
      // The first subscriber also got the second one's probes: skip them.
      let msg: string[];
      do msg = strings(await within(sub.receive()));
      while (msg[1] !== "for all");
      expect(msg).toEqual(["x", "for all"]);
    }
  });

  it("SUB cannot send and PUB cannot receive (ENOTSUP)", async () => {
    const pub = open(new Publisher());
    const sub = open(new Subscriber());
    await expect(sub.send("x")).rejects.toMatchObject({ code: "ENOTSUP" });
    await expect(pub.receive()).rejects.toMatchObject({ code: "ENOTSUP" });
  });

  it("PUB with no subscribers drops messages without waiting", async () => {
    const pub = open(new Publisher({ sendTimeout: 0 }));
    await bindFresh(pub, transport);
    for (let i = 0; i < 5000; i++) await pub.send("nobody listens");
    expect(pub.writable).toBe(true);
  });
});

describe.each(TRANSPORTS)("PUB/SUB in any order and with overlaps, over %s", (transport) => {
  it("a message matching two subscriptions of one subscriber arrives once", async () => {
    const pub = open(new Publisher());
    const sub = open(new Subscriber());
    sub.connect(await bindFresh(pub, transport));
    sub.subscribe("a", "ab", "abc");
    for (const topic of ["a", "ab", "abc"]) await awaitSubscription((m) => pub.send(m), sub, topic);
    await pub.send(["abcd", "once"]);
    await pub.send(["a", "end"]);
    expect(strings(await within(sub.receive()))).toEqual(["abcd", "once"]);
    expect(strings(await within(sub.receive()))).toEqual(["a", "end"]);
  });

  it("a SUB that connects and subscribes before the PUB binds gets its messages", async () => {
    const address = await freeAddress(transport);
    const sub = open(new Subscriber());
    sub.connect(address);
    sub.subscribe("early");
    const pub = open(new Publisher());
    await pub.bind(address);
    await awaitSubscription((m) => pub.send(m), sub, "early");
    await pub.send(["early", "bird"]);
    expect(strings(await within(sub.receive()))).toEqual(["early", "bird"]);
  });

  it("a SUB connected to two PUBs receives from both", async () => {
    const pubs = [open(new Publisher()), open(new Publisher())];
    const sub = open(new Subscriber());
    sub.subscribe("");
    for (const pub of pubs) {
      sub.connect(await bindFresh(pub, transport));
      await awaitSubscription((m) => pub.send(m), sub, "");
    }
    await pubs[0]!.send(["", "from 0"]);
    await pubs[1]!.send(["", "from 1"]);
    const got = [strings(await within(sub.receive()))[1], strings(await within(sub.receive()))[1]];
    expect(got.sort()).toEqual(["from 0", "from 1"]);
  });
});

/** Each side filters on its own (RFC 29): raw peers that do not filter show which side did. */
describe.each(RAW_TRANSPORTS)("PUB/SUB filtering on each side, over %s", (transport) => {
  it("PUB filters: a subscriber that filters nothing gets only what matches its SUBSCRIBE commands", async () => {
    const pub = open(new Publisher());
    const peer = await rawConnect(await bindFresh(pub, transport));
    open.defer(() => peer.stream.destroy());
    peer.stream.write(Buffer.concat([rawGreeting(), rawReady("SUB"), rawCommand("SUBSCRIBE", Buffer.from("news"))]));
    // Message frames only (no commands), and the first frame of each message: its topic.
    const frames = () => rawFramesReceived(peer).filter((frame) => (frame.flags & 0x04) === 0);
    const bodies = (): string[] => frames().map((frame) => frame.body.toString());
    const topics = (): string[] =>
      frames()
        .filter((_, i, all) => i === 0 || (all[i - 1]!.flags & 0x01) === 0)
        .map((frame) => frame.body.toString());
    // PUB says nothing when a subscription arrives: publish probes until one gets through.
    for (let i = 0; i < 1000 && !bodies().includes("probe"); i++) {
      await pub.send(["news", "probe"]);
      await tick();
    }
    await pub.send(["weather", "rain"]);
    await pub.send(["new", "too short"]);
    await pub.send(["newsflash", "last"]);
    await until(() => bodies().includes("last"), "the last message");
    expect(new Set(topics())).toEqual(new Set(["news", "newsflash"]));
  });

  it("SUB filters too: from a publisher that sends everything it delivers only subscribed prefixes", async () => {
    const sub = open(new Subscriber());
    sub.subscribe("news");
    const peer = await rawConnect(await bindFresh(sub, transport));
    open.defer(() => peer.stream.destroy());
    const message = (...frames: string[]): Buffer =>
      Buffer.concat(frames.map((frame, i) => rawFrame(i < frames.length - 1 ? 0x01 : 0x00, Buffer.from(frame))));
    peer.stream.write(
      Buffer.concat([rawGreeting(), rawReady("PUB"), message("weather", "rain"), message("new", "too short"), message("newsflash", "yes")]),
    );
    expect(strings(await within(sub.receive()))).toEqual(["newsflash", "yes"]);
  });
});
