/**
 * Hostile subscribers against PUB and XPUB: raw peers over tcp, ipc and ws
 * that send one huge subscription, or 100,000 distinct ones, or subscribe and
 * cancel 50,000 over and over, then leave. The publisher's process lives,
 * its heap comes back within a stated bound once the peer is gone, its fds
 * are released, and a good subscriber on the same publisher receives every
 * message published during and after the attack.
 */
import { describe, expect, it } from "vitest";
import { Publisher, Subscriber, XPublisher, type Socket } from "../../src/index.js";
import { bindAddress, eventCount, nextEvent, socketScope, until, within } from "../helpers.js";
import { describeFootprint, footprint, mb, type Footprint } from "./measure.js";
import { hostileSubscriber, publishUntil, type AttackTransport, type HostileSubscriber } from "./raw-subscriber.js";

const open = socketScope();
const TRANSPORTS: readonly AttackTransport[] = ["tcp", "ipc", "ws"];
const MB = 1024 * 1024;
/** Heap a publisher may keep after a hostile peer has gone (the good peer's traffic, JIT, caches). */
const HEAP_BOUND = 4 * MB;
/** External memory likewise: a prefix of 1 MB or more is held outside the V8 heap. */
const EXTERNAL_BOUND = MB / 2;

async function bindPublisher<S extends Socket>(socket: S, transport: AttackTransport): Promise<string> {
  await socket.bind(transport === "ws" ? "ws://127.0.0.1:0/feed" : bindAddress(transport));
  return socket.lastEndpoint!;
}

/**
 * A good subscriber on topic `good` and a feed publishing `good <n>` every
 * millisecond while an attack runs. `finish()` stops the feed, sends `end`
 * and returns what the subscriber got.
 */
async function goodPeer(pub: Socket, address: string) {
  const sub = open(new Subscriber());
  sub.subscribe("good");
  sub.connect(address);
  // Until the subscription is in effect, probes are published and drained.
  await publishUntil((m) => pub.send(m), "good", () => sub.readable);
  while (sub.readable) await sub.receive();
  const received: number[] = [];
  const done = (async () => {
    for (;;) {
      const [, body] = await within(sub.receive(), 30_000, "the good subscriber's next message");
      const text = body!.toString();
      if (text === "end") return;
      if (text !== "probe") received.push(Number(text));
    }
  })();
  // A test that fails before finish() must not leave a rejection behind: finish() awaits `done` itself.
  const early: unknown[] = [];
  done.catch((error: unknown) => early.push(error));
  let sent = 0;
  const failures: unknown[] = [];
  const timer = setInterval(() => void pub.send(["good", String(sent++)]).catch((error: unknown) => failures.push(error)), 1);
  open.defer(() => clearInterval(timer));
  return {
    async finish(): Promise<{ sent: number; received: number[] }> {
      clearInterval(timer);
      expect(failures).toEqual([]);
      await pub.send(["good", "end"]);
      await done;
      return { sent, received };
    },
  };
}

/** Expects the good peer to have every message, in order; returns "received/sent" for the log. */
function expectEvery(result: { sent: number; received: number[] }): string {
  expect(result.sent).toBeGreaterThan(0);
  expect(result.received).toEqual(Array.from({ length: result.sent }, (_, i) => i));
  return `good peer ${result.received.length}/${result.sent}`;
}

function expectRecovered(before: Footprint, after: Footprint): void {
  expect(after.heap - before.heap, describeFootprint(before, after)).toBeLessThan(HEAP_BOUND);
  expect(after.external - before.external, describeFootprint(before, after)).toBeLessThan(EXTERNAL_BOUND);
  expect(after.fds, describeFootprint(before, after)).toBeLessThanOrEqual(before.fds);
}

/** A PUB bound on `transport` with a good subscriber being fed, and the footprint before the attack. */
async function underAttack(transport: AttackTransport, options?: ConstructorParameters<typeof Publisher>[0]) {
  const pub = open(new Publisher(options));
  const address = await bindPublisher(pub, transport);
  const good = await goodPeer(pub, address);
  return { pub, address, good, before: await footprint() };
}

/** The hostile peer hangs up; resolves once the publisher has seen it go. */
async function leave(pub: Socket, peer: HostileSubscriber): Promise<void> {
  const gone = nextEvent(pub, "disconnect");
  await peer.close();
  await gone;
}

/** Checks heap, external memory and fds came back and the good peer lost nothing; returns the log line. */
async function recovered(before: Footprint, good: { finish(): Promise<{ sent: number; received: number[] }> }): Promise<string> {
  const after = await footprint();
  expectRecovered(before, after);
  return `${expectEvery(await good.finish())}: ${describeFootprint(before, after)}`;
}

function topics(count: number, tag: string): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from(`${tag}.${i.toString(36)}.${(i * 7919).toString(16)}`));
}

describe.each(TRANSPORTS)("PUB against hostile subscribers over %s", (transport) => {
  it("survives a 1 MB subscription and the peer's leaving; heap and fds come back; a good subscriber loses nothing", async () => {
    const { pub, address, good, before } = await underAttack(transport);
    const peer = await hostileSubscriber(transport, address);
    peer.send([Buffer.alloc(MB, 0x78), Buffer.from("H1")], true);
    await publishUntil((m) => pub.send(m), "H1", () => peer.saw(Buffer.from("H1")));
    const held = await footprint();
    await leave(pub, peer);
    console.log(`${transport} 1 MB subscription, held ${mb(held.heap - before.heap)} heap + ${mb(held.external - before.external)} external, ${await recovered(before, good)}`);
  });

  it("frees 100,000 distinct subscriptions when their peer leaves, three times over", async () => {
    const { pub, address, good, before } = await underAttack(transport);
    const rounds: string[] = [];
    for (let round = 0; round < 3; round++) {
      const peer = await hostileSubscriber(transport, address);
      const marker = `H${round}`;
      // 100,000 in all, the marker included: the default maxSubscriptions lets exactly that many in.
      peer.send([...topics(99_999, `t${round}`), Buffer.from(marker)], true);
      await publishUntil((m) => pub.send(m), marker, () => peer.saw(Buffer.from(marker)));
      const held = await footprint();
      await leave(pub, peer);
      rounds.push(`round ${round + 1}: held +${mb(held.heap - before.heap)}`);
    }
    console.log(`${transport} 100,000 topics x3, ${rounds.join(", ")}, ${await recovered(before, good)}`);
  });

  it("frees what 50,000 subscriptions held once they are cancelled, five times over", async () => {
    const { pub, address, good, before } = await underAttack(transport);
    const peer = await hostileSubscriber(transport, address);
    const rounds: string[] = [];
    for (let round = 0; round < 5; round++) {
      const marker = Buffer.from(`H${round}`);
      peer.send(topics(50_000, `c${round}`), true);
      peer.send(topics(50_000, `c${round}`), false);
      peer.send([marker], true);
      await publishUntil((m) => pub.send(m), marker.toString(), () => peer.saw(marker));
      peer.send([marker], false);
      const now = await footprint();
      rounds.push(`+${mb(now.heap - before.heap)}`);
    }
    await leave(pub, peer);
    console.log(`${transport} 50,000 subscribe+cancel x5, heap after each round ${rounds.join(", ")}, ${await recovered(before, good)}`);
  });

  it("drops a peer going over the default maxSubscriptions of 100,000 with ENOBUFS, and frees what it held", async () => {
    const { pub, address, good, before } = await underAttack(transport);
    const peer = await hostileSubscriber(transport, address);
    const dropped = nextEvent(pub, "disconnect", 20_000);
    peer.send(topics(150_000, "over"), true);
    const event = await dropped;
    expect(event.error).toMatchObject({ code: "ENOBUFS" });
    expect(event.error!.detail ?? event.error!.message).toMatch(/maxSubscriptions 100000/);
    await within(peer.raw.closed, 10_000, "the publisher closing the connection");
    console.log(`${transport} 150,000 topics (dropped at 100,000), ${await recovered(before, good)}`);
  });
});

describe("XPUB against a hostile subscriber", () => {
  it("hands on the subscriptions and cancels of a 1 MB prefix and 100,000 topics, then frees them", async () => {
    const xpub = open(new XPublisher());
    const address = await bindPublisher(xpub, "tcp");
    const good = await goodPeer(xpub, address);
    expect((await within(xpub.receive()))[0]!.toString()).toBe("\x01good");
    const before = await footprint();
    const peer = await hostileSubscriber("tcp", address);
    peer.send([Buffer.alloc(MB, 0x78), ...topics(99_998, "x"), Buffer.from("H")], true);
    let subscribed = 0;
    let cancelled = 0;
    let hugeSeen = 0;
    const reading = (async () => {
      while (cancelled < 100_000) {
        const [frame] = await within(xpub.receive(), 20_000, "XPUB's next subscription message");
        if (frame![0] === 1) subscribed++;
        else cancelled++;
        if (frame!.length === MB + 1 && frame![1] === 0x78 && frame![MB] === 0x78) hugeSeen++;
      }
    })();
    await publishUntil((m) => xpub.send(m), "H", () => peer.saw(Buffer.from("H")));
    await peer.close();
    await reading;
    expect([subscribed, cancelled, hugeSeen]).toEqual([100_000, 100_000, 2]);
    console.log(`XPUB tcp 1 MB + 99,999 topics, ${await recovered(before, good)}`);
  });
});

/**
 * An inproc subscriber holding a 1 MB subscription (and `H`, once it is in
 * effect). Only the returned `close` refers to it, so once closed nothing of
 * the test keeps its copy of the prefix alive.
 */
async function hugeSubscriber(pub: Publisher, address: string): Promise<{ close(): void }> {
  let sub: Subscriber | null = new Subscriber();
  sub.connect(address);
  sub.subscribe(Buffer.alloc(MB, 0x78), "H");
  await publishUntil((m) => pub.send(m), "H", () => sub!.readable);
  return {
    close() {
      sub?.close();
      sub = null;
    },
  };
}

describe("PUB over inproc", () => {
  it("closes while a subscriber holds a 1 MB subscription, and frees it", async () => {
    const before = await footprint();
    const pub = open(new Publisher());
    const address = bindAddress("inproc");
    await pub.bind(address);
    const holder = await hugeSubscriber(pub, address);
    expect(() => pub.close()).not.toThrow();
    holder.close();
    const after = await footprint();
    expectRecovered(before, after);
    console.log(`inproc pub.close() with a 1 MB subscription: ${describeFootprint(before, after)}`);
  });

  it("frees a subscriber's 1 MB subscription when the subscriber closes first", async () => {
    const pub = open(new Publisher());
    const address = bindAddress("inproc");
    await pub.bind(address);
    const good = await goodPeer(pub, address);
    const before = await footprint();
    const holder = await hugeSubscriber(pub, address);
    expect(() => holder.close()).not.toThrow();
    console.log(`inproc sub.close() with a 1 MB subscription, ${await recovered(before, good)}`);
  });
});

describe("maxSubscriptionBytes", () => {
  it("drops a peer whose subscriptions add up to more bytes than allowed, over every transport", async () => {
    for (const transport of TRANSPORTS) {
      const { pub, address, good } = await underAttack(transport, { maxSubscriptionBytes: 64 * 1024 });
      const peer = await hostileSubscriber(transport, address);
      const dropped = eventCount(pub, "disconnect", 1, 10_000);
      peer.send([Buffer.alloc(40 * 1024, 0x61), Buffer.alloc(40 * 1024, 0x62)], true);
      const [event] = await dropped;
      expect(event!.error).toMatchObject({ code: "ENOBUFS" });
      expect(event!.error!.detail ?? event!.error!.message).toMatch(/81920 bytes of subscriptions, above maxSubscriptionBytes 65536/);
      await within(peer.raw.closed, 10_000, "the publisher closing the connection");
      expectEvery(await good.finish());
    }
  });
});
