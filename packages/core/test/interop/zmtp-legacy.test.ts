/**
 * skein against peers older than ZMTP 3.0: ZMTP/1.0 (RFC 13, libzmq 2.x)
 * and ZMTP/2.0 (RFC 15, libzmq 3.x, JeroMQ before 0.4), each played by a raw
 * `node:net` peer written from the RFCs (legacy-peer.ts). Every socket pair
 * those versions had, with skein binding and the old peer connecting and the
 * reverse, over tcp and ipc; multipart messages both ways where the pattern
 * allows; subscriptions and SUB filtering against both versions.
 */
import type * as net from "node:net";
import { describe, expect, it } from "vitest";
import {
  Dealer,
  Pair,
  Publisher,
  Pull,
  Push,
  Reply,
  Request,
  Router,
  Subscriber,
  XPublisher,
  XSubscriber,
  curveKeyPair,
  type Socket,
} from "../../src/index.js";
import { RAW_TRANSPORTS, bindFresh, freeAddress, nextEvent, rawConnect, socketScope, strings, tick, until, within } from "../helpers.js";
import { OldPeer, type LegacyPeerOptions, type LegacyVersion, type OldType } from "./legacy-peer.js";

const open = socketScope();

type Side = "skein binds" | "the old peer binds";

/** Connects `skein` and an old peer, either way round; resolves once both ends finished their greeting. */
async function pairUp(transport: "tcp" | "ipc", side: Side, skein: Socket, options: LegacyPeerOptions): Promise<OldPeer> {
  const ready = nextEvent(skein, "handshake");
  let peer: OldPeer;
  if (side === "skein binds") {
    const address = await bindFresh(skein, transport);
    peer = await OldPeer.connect(address, options);
  } else {
    const address = await freeAddress(transport);
    const { server, accepted } = await OldPeer.listen(address, options);
    open.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
    skein.connect(address);
    peer = await within(accepted, 5000, "the old peer to accept");
  }
  open.defer(() => peer.stream.destroy());
  await ready;
  await peer.greeted();
  return peer;
}

/** Repeats `step` until `done`, a bounded number of times (subscriptions travel asynchronously). */
async function repeatUntil(step: () => Promise<void> | void, done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) {
    await step();
    await tick(2);
  }
  if (!done()) throw new Error(`gave up waiting for ${what}`);
}

const text = (frames: Buffer[]): string[] => strings(frames);

interface Scenario {
  /** skein's socket type, then the old peer's. */
  name: string;
  skein: () => Socket;
  old: OldType;
  identity?: string;
  run(skein: Socket, peer: OldPeer, version: LegacyVersion): Promise<void>;
}

const SCENARIOS: Scenario[] = [
  {
    name: "PAIR with PAIR",
    skein: () => new Pair(),
    old: "PAIR",
    async run(skein, peer) {
      await skein.send(["to", "old"]);
      expect(text(await peer.receive())).toEqual(["to", "old"]);
      peer.send(["to", "skein"]);
      expect(text(await within(skein.receive()))).toEqual(["to", "skein"]);
    },
  },
  {
    name: "PUSH to PULL",
    skein: () => new Push(),
    old: "PULL",
    async run(skein, peer) {
      await skein.send(["a", "b", "c"]);
      await skein.send("d");
      expect(text(await peer.receive())).toEqual(["a", "b", "c"]);
      expect(text(await peer.receive())).toEqual(["d"]);
    },
  },
  {
    name: "PULL from PUSH",
    skein: () => new Pull(),
    old: "PUSH",
    async run(skein, peer) {
      peer.send(["a", "b"]);
      peer.send(["c"]);
      expect(text(await within(skein.receive()))).toEqual(["a", "b"]);
      expect(text(await within(skein.receive()))).toEqual(["c"]);
    },
  },
  {
    name: "REQ with REP",
    skein: () => new Request(),
    old: "REP",
    async run(skein, peer) {
      await skein.send(["question", "part 2"]);
      // RFC 13 §"Addressed Content": the envelope ends with an empty delimiter.
      expect(text(await peer.receive())).toEqual(["", "question", "part 2"]);
      peer.send(["", "answer", "part 2"]);
      expect(text(await within(skein.receive()))).toEqual(["answer", "part 2"]);
    },
  },
  {
    name: "REP with REQ",
    skein: () => new Reply(),
    old: "REQ",
    async run(skein, peer) {
      peer.send(["", "question", "part 2"]);
      expect(text(await within(skein.receive()))).toEqual(["question", "part 2"]);
      await skein.send(["answer", "part 2"]);
      expect(text(await peer.receive())).toEqual(["", "answer", "part 2"]);
    },
  },
  {
    name: "REQ with ROUTER",
    skein: () => new Request({ routingId: "skein-req" }),
    old: "ROUTER",
    async run(skein, peer) {
      expect(peer.peerIdentity?.toString()).toBe("skein-req");
      await skein.send(["question", "part 2"]);
      expect(text(await peer.receive())).toEqual(["", "question", "part 2"]);
      peer.send(["", "answer"]);
      expect(text(await within(skein.receive()))).toEqual(["answer"]);
    },
  },
  {
    name: "ROUTER with an anonymous REQ",
    skein: () => new Router(),
    old: "REQ",
    async run(skein, peer) {
      peer.send(["", "question", "part 2"]);
      const [id, ...rest] = await within(skein.receive());
      // An empty identity frame: the ROUTER makes up a routing id, as for ZMTP 3 (libzmq: 5 octets, first 0).
      expect(id!.length).toBe(5);
      expect(text(rest)).toEqual(["", "question", "part 2"]);
      await skein.send([id!, "", "answer"]);
      expect(text(await peer.receive())).toEqual(["", "answer"]);
    },
  },
  {
    name: "DEALER with REP",
    skein: () => new Dealer(),
    old: "REP",
    async run(skein, peer) {
      await skein.send(["", "question", "part 2"]);
      expect(text(await peer.receive())).toEqual(["", "question", "part 2"]);
      peer.send(["", "answer"]);
      expect(text(await within(skein.receive()))).toEqual(["", "answer"]);
    },
  },
  {
    name: "REP with DEALER",
    skein: () => new Reply(),
    old: "DEALER",
    async run(skein, peer) {
      peer.send(["", "question", "part 2"]);
      expect(text(await within(skein.receive()))).toEqual(["question", "part 2"]);
      await skein.send(["answer", "part 2"]);
      expect(text(await peer.receive())).toEqual(["", "answer", "part 2"]);
    },
  },
  {
    name: "DEALER with ROUTER",
    skein: () => new Dealer({ routingId: "skein-dealer" }),
    old: "ROUTER",
    async run(skein, peer) {
      // The identity frame carries our routing id (RFC 13 §"The Connection Layer").
      expect(peer.peerIdentity?.toString()).toBe("skein-dealer");
      await skein.send(["a", "b"]);
      expect(text(await peer.receive())).toEqual(["a", "b"]);
      peer.send(["c", "d"]);
      expect(text(await within(skein.receive()))).toEqual(["c", "d"]);
    },
  },
  {
    name: "ROUTER with DEALER",
    skein: () => new Router(),
    old: "DEALER",
    identity: "old-dealer",
    async run(skein, peer) {
      peer.send(["a", "b"]);
      // The old peer's identity frame becomes its routing id.
      expect(text(await within(skein.receive()))).toEqual(["old-dealer", "a", "b"]);
      await skein.send(["old-dealer", "c", "d"]);
      expect(text(await peer.receive())).toEqual(["c", "d"]);
    },
  },
  {
    name: "DEALER with DEALER",
    skein: () => new Dealer(),
    old: "DEALER",
    async run(skein, peer) {
      await skein.send(["a", "b"]);
      expect(text(await peer.receive())).toEqual(["a", "b"]);
      peer.send(["c", "d"]);
      expect(text(await within(skein.receive()))).toEqual(["c", "d"]);
    },
  },
  {
    name: "ROUTER with ROUTER",
    skein: () => new Router({ routingId: "skein-router" }),
    old: "ROUTER",
    identity: "old-router",
    async run(skein, peer) {
      expect(peer.peerIdentity?.toString()).toBe("skein-router");
      await skein.send(["old-router", "a", "b"]);
      expect(text(await peer.receive())).toEqual(["a", "b"]);
      peer.send(["c", "d"]);
      expect(text(await within(skein.receive()))).toEqual(["old-router", "c", "d"]);
    },
  },
  {
    name: "PUB to SUB",
    skein: () => new Publisher(),
    old: "SUB",
    async run(skein, peer, version) {
      if (version === "1.0") {
        // RFC 13: a 1.0 subscriber sends nothing and filters for itself; it gets everything.
        await repeatUntil(() => skein.send(["B", "unsubscribed"]), () => peer.messages.length > 0, "a message at the 1.0 SUB");
        expect(text(await peer.receive())).toEqual(["B", "unsubscribed"]);
        return;
      }
      // RFC 15 §"Publish-Subscribe": %x01 then the topic, as a message.
      peer.send(["\x01A"]);
      await repeatUntil(
        async () => {
          await skein.send(["B", "filtered out"]);
          await skein.send(["A", "wanted"]);
        },
        () => peer.messages.length > 0,
        "the subscription to reach the PUB",
      );
      await skein.send(["A", "last"]);
      // Filtered at the publisher: only A messages left skein.
      const received: string[][] = [];
      while (received.at(-1)?.[1] !== "last") received.push(text(await peer.receive()));
      expect(received.every(([topic]) => topic === "A")).toBe(true);
    },
  },
  {
    name: "XPUB to SUB",
    skein: () => new XPublisher(),
    old: "SUB",
    async run(skein, peer, version) {
      // RFC 15 §"Publish-Subscribe": XPUB announces itself as PUB.
      if (version !== "1.0") expect(peer.peerType).toBe(1);
      if (version === "1.0") {
        // libzmq: a 1.0 subscriber counts as subscribed to everything.
        expect([...(await within(skein.receive()))[0]!]).toEqual([1]);
      } else {
        peer.send(["\x01A"]);
        expect(text(await within(skein.receive()))).toEqual(["\x01A"]);
      }
      await skein.send(["A", "wanted"]);
      expect(text(await peer.receive())).toEqual(["A", "wanted"]);
    },
  },
  {
    name: "SUB from PUB",
    skein: () => new Subscriber(),
    old: "PUB",
    async run(skein, peer, version) {
      const sub = skein as Subscriber;
      sub.subscribe("A");
      if (version !== "1.0") {
        const subscription = await peer.receive();
        expect(text(subscription)).toEqual(["\x01A"]);
      }
      // The old publisher sends everything: the SUB filters (RFC 13 §"Broadcast Content").
      const got: string[][] = [];
      const receiving = (async () => got.push(text(await sub.receive())))();
      await repeatUntil(
        () => {
          peer.send(["B", "not subscribed"]);
          peer.send(["A", "subscribed"]);
        },
        () => got.length > 0,
        "a message at the SUB",
      );
      await receiving;
      expect(got[0]).toEqual(["A", "subscribed"]);
    },
  },
  {
    name: "XSUB from PUB",
    skein: () => new XSubscriber(),
    old: "PUB",
    async run(skein, peer, version) {
      expect(peer.peerIdentity?.length).toBe(0);
      if (version !== "1.0") expect(peer.peerType).toBe(2);
      await skein.send("\x01A");
      if (version !== "1.0") expect(text(await peer.receive())).toEqual(["\x01A"]);
      peer.send(["A", "one", "two"]);
      expect(text(await within(skein.receive()))).toEqual(["A", "one", "two"]);
    },
  },
];

describe.each(["1.0", "2.0"] as const)("skein with a ZMTP/%s peer", (version) => {
  describe.each(RAW_TRANSPORTS)("over %s", (transport) => {
    describe.each(["skein binds", "the old peer binds"] as const)("when %s", (side) => {
      it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))("%s", async (_name, scenario) => {
        const skein = open(scenario.skein());
        const peer = await pairUp(transport, side, skein, { version, type: scenario.old, identity: scenario.identity });
        await scenario.run(skein, peer, version);
        expect(peer.error).toBeNull();
      });
    });
  });
});

describe.each(RAW_TRANSPORTS)("other old greetings over %s", (transport) => {
  it("a ZMTP/2.0 peer that sends its whole greeting at once (RFC 15 grammar) exchanges messages", async () => {
    const skein = open(new Dealer({ routingId: "d" }));
    const peer = await pairUp(transport, "skein binds", skein, { version: "2.0-eager", type: "ROUTER", identity: "r" });
    expect(peer.peerIdentity?.toString()).toBe("d");
    expect(peer.peerRevision).toBe(3);
    await skein.send(["a", "b"]);
    expect(text(await peer.receive())).toEqual(["a", "b"]);
    peer.send(["c", "d"]);
    expect(text(await within(skein.receive()))).toEqual(["c", "d"]);
  });

  it("a ZMTP/1.0 peer with a long identity frame (%xFF length) is told apart from a signature by its flags", async () => {
    const skein = open(new Router());
    const identity = "i".repeat(254); // 255 with the flags octet: the long form (RFC 13).
    const peer = await pairUp(transport, "skein binds", skein, { version: "1.0", type: "DEALER", identity });
    peer.send(["hello"]);
    expect(text(await within(skein.receive()))).toEqual([identity, "hello"]);
  });

  it("a ZMTP/1.0 peer with a revision octet 0 (libzmq accepts it too) gets ZMTP/1.0 framing after a 12-octet greeting", async () => {
    const pull = open(new Pull());
    const address = await bindFresh(pull, transport);
    const ready = nextEvent(pull, "handshake");
    const peer = await rawConnect(address);
    open.defer(() => peer.stream.destroy());
    // Signature (padding: empty identity + 1), revision 0, socket type PUSH (8); then RFC 13 frames:
    // the anonymous identity (length 1, final), a two-part message.
    peer.stream.write(Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x00, 0x08, 0x01, 0x00, 0x02, 0x01, 0x61, 0x03, 0x00, 0x62, 0x63]));
    await ready;
    expect(text(await within(pull.receive()))).toEqual(["a", "bc"]);
    // Our side: signature, major 3, socket type PULL (7), then our identity as an RFC 13 frame.
    await until(() => peer.received().length >= 14, "our greeting and identity frame");
    expect([...peer.received().subarray(10)]).toEqual([0x03, 0x07, 0x01, 0x00]);
  });
});

describe("a socket with security refuses old peers, which have none", () => {
  const secured: Array<[string, () => Socket]> = [
    ["a PLAIN server", () => new Pull({ plainServer: true })],
    ["a CURVE server", () => new Pull({ curveServer: true, curveSecretKey: curveKeyPair().secretKey })],
    ["a NULL socket with a ZAP domain", () => new Pull({ zapDomain: "global" })],
  ];
  describe.each(["1.0", "2.0"] as const)("ZMTP/%s", (version) => {
    it.each(secured)("%s drops the peer with handshake:error:protocol", async (_name, make) => {
      const skein = open(make());
      const address = await bindFresh(skein, "tcp");
      const refused = nextEvent(skein, "handshake:error:protocol");
      const peer = await OldPeer.connect(address, { version, type: "PUSH" });
      open.defer(() => peer.stream.destroy());
      const { error } = await refused;
      expect(error?.code).toBe("ERR_ZMTP_MECHANISM_MISMATCH");
      expect(error?.detail ?? error?.message).toMatch(new RegExp(`ZMTP/${version.replace(".", "\\.")}.*no security`));
      await within(peer.closed, 5000, "the old peer's connection to close");
    });
  });

  it("a CURVE client connecting to an old peer drops the connection and retries", async () => {
    const client = curveKeyPair();
    const keys = { curveServerKey: curveKeyPair().publicKey, curvePublicKey: client.publicKey, curveSecretKey: client.secretKey };
    const skein = open(new Push({ ...keys, reconnectInterval: 20 }));
    const address = await freeAddress("tcp");
    const { server, accepted } = await OldPeer.listen(address, { version: "2.0", type: "PULL" });
    const connections: net.Socket[] = [];
    open.defer(async () => {
      for (const stream of connections) stream.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const refused = nextEvent(skein, "handshake:error:protocol");
    skein.connect(address);
    const peer = await within(accepted);
    connections.push(peer.stream);
    expect((await refused).error?.code).toBe("ERR_ZMTP_MECHANISM_MISMATCH");
    await within(peer.closed, 5000, "the connection to the old peer to close");
  });
});
