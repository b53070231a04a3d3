import * as net from "node:net";
/** The ZMTP engine against raw peers written by hand: heartbeats, ZMTP 3.0 subscriptions, READY contents. */
import { describe, expect, it } from "vitest";
import { Dealer, Publisher, Pull, Push, Subscriber } from "../../src/index.js";
import { FrameDecoder } from "../../src/zmtp/frame-decoder.js";
import { parseCommand } from "../../src/zmtp/commands.js";
import { decodeMetadata } from "../../src/zmtp/metadata.js";
import {
  awaitSubscription,
  bindFresh,
  nextEvent,
  rawCommand,
  rawConnect,
  rawFrame,
  rawGreeting,
  rawReady,
  socketScope,
  until,
  within,
  type RawPeer,
} from "../helpers.js";

const open = socketScope();

/** Frames a raw peer received after the 64-octet greeting. */
function framesOf(peer: RawPeer): { flags: number; body: Buffer }[] {
  const frames: { flags: number; body: Buffer }[] = [];
  const bytes = peer.received();
  if (bytes.length <= 64) return frames;
  const decoder = new FrameDecoder({ onFrame: (flags, body) => void frames.push({ flags, body: Buffer.from(body) }) });
  decoder.write(bytes.subarray(64));
  return frames;
}

function commands(peer: RawPeer): string[] {
  return framesOf(peer)
    .filter((f) => (f.flags & 0x04) !== 0)
    .map((f) => parseCommand(f.body).name);
}

describe("ZMTP engine", () => {
  it("announces its socket type and routing id in READY", async () => {
    const dealer = open(new Dealer({ routingId: "me" }));
    const peer = await rawConnect(await bindFresh(dealer, "tcp"));
    open.defer(() => peer.stream.destroy());
    peer.stream.write(rawGreeting());
    await until(() => commands(peer).includes("READY"), "READY");
    const ready = parseCommand(framesOf(peer)[0]!.body);
    const metadata = decodeMetadata(ready.data);
    expect(metadata.get("Socket-Type")?.toString()).toBe("DEALER");
    expect(metadata.get("Identity")?.toString()).toBe("me");
  });

  it("sends PING every heartbeatInterval and drops a peer that stays silent past heartbeatTimeout", async () => {
    const pull = open(new Pull({ heartbeatInterval: 30, heartbeatTimeout: 120 }));
    const peer = await rawConnect(await bindFresh(pull, "tcp"));
    open.defer(() => peer.stream.destroy());
    const gone = nextEvent(pull, "disconnect");
    peer.stream.write(Buffer.concat([rawGreeting(), rawReady("PUSH")]));
    const event = await gone;
    expect(event.error?.code).toBe("ETIMEDOUT");
    expect(commands(peer).filter((name) => name === "PING").length).toBeGreaterThan(0);
  });

  it("a connecting socket whose peer goes silent detects it by heartbeat and reconnects", async () => {
    // A peer that completes the handshake and then stops answering (stopped, not closed).
    const connections: net.Socket[] = [];
    const server = net.createServer((stream) => {
      connections.push(stream);
      stream.on("error", () => {});
      stream.write(Buffer.concat([rawGreeting(), rawReady("PULL")]));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    open.defer(async () => {
      for (const stream of connections) stream.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const { port } = server.address() as net.AddressInfo;
    const push = open(new Push({ heartbeatInterval: 30, heartbeatTimeout: 100, reconnectInterval: 20 }));
    const gone = nextEvent(push, "disconnect");
    push.connect(`tcp://127.0.0.1:${port}`);
    expect((await gone).error?.code).toBe("ETIMEDOUT");
    await until(() => connections.length >= 2, "a second connection");
  });

  it("keeps a peer that answers PINGs", async () => {
    const pull = open(new Pull({ heartbeatInterval: 20, heartbeatTimeout: 60 }));
    const peer = await rawConnect(await bindFresh(pull, "tcp"));
    open.defer(() => peer.stream.destroy());
    let disconnected = false;
    pull.events.on("disconnect", () => (disconnected = true));
    peer.stream.write(Buffer.concat([rawGreeting(), rawReady("PUSH")]));
    // Answer every PING for a while (bounded: 8 PINGs, i.e. several heartbeat timeouts).
    let answered = 0;
    while (answered < 8) {
      await until(() => commands(peer).filter((n) => n === "PING").length > answered, "a PING");
      peer.stream.write(rawCommand("PONG"));
      answered++;
    }
    expect(disconnected).toBe(false);
    peer.stream.write(rawFrame(0, Buffer.from("alive")));
    expect((await within(pull.receive()))[0]!.toString()).toBe("alive");
  });

  it("a peer silent for the TTL it asked for in PING is dropped", async () => {
    const push = open(new Push());
    const peer = await rawConnect(await bindFresh(push, "tcp"));
    open.defer(() => peer.stream.destroy());
    const gone = nextEvent(push, "disconnect");
    // PING with a TTL of 1 decisecond: "drop me if I say nothing for 100 ms".
    peer.stream.write(Buffer.concat([rawGreeting(), rawReady("PULL"), rawCommand("PING", Buffer.from([0, 1]))]));
    expect((await gone).error?.code).toBe("ETIMEDOUT");
  });

  it("takes subscriptions as messages from a ZMTP 3.0 subscriber and sends it matching messages", async () => {
    const pub = open(new Publisher());
    const peer = await rawConnect(await bindFresh(pub, "tcp"));
    open.defer(() => peer.stream.destroy());
    peer.stream.write(Buffer.concat([rawGreeting({ minor: 0 }), rawReady("SUB"), rawFrame(0, Buffer.from("\x01news"))]));
    const wanted = (f: { body: Buffer }) => f.body.toString().startsWith("news");
    for (let i = 0; i < 400 && !framesOf(peer).some(wanted); i++) {
      await pub.send(["news", String(i)]);
      await new Promise((r) => setTimeout(r, 5));
    }
    await pub.send(["sport", "not for it"]);
    await pub.send(["news", "last"]);
    await until(() => framesOf(peer).some((f) => f.body.toString() === "last"), "the last message");
    expect(framesOf(peer).some((f) => f.body.toString() === "sport")).toBe(false);
  });

  it("sends subscriptions to a ZMTP 3.0 publisher as messages, to a 3.1 one as SUBSCRIBE commands", async () => {
    for (const minor of [0, 1]) {
      const sub = open(new Subscriber());
      const peer = await rawConnect(await bindFresh(sub, "tcp"));
      open.defer(() => peer.stream.destroy());
      peer.stream.write(Buffer.concat([rawGreeting({ minor }), rawReady("PUB")]));
      sub.subscribe("topic");
      await until(() => framesOf(peer).length >= 2, "the subscription");
      const frame = framesOf(peer)[1]!;
      if (minor === 0) {
        expect(frame.flags).toBe(0);
        expect(frame.body.toString()).toBe("\x01topic");
      } else {
        expect(frame.flags).toBe(0x04);
        expect(parseCommand(frame.body)).toMatchObject({ name: "SUBSCRIBE", data: Buffer.from("topic") });
      }
    }
  });

  it("SUB subscribes again when its publisher comes back on the same address", async () => {
    const first = open(new Publisher());
    const address = await bindFresh(first, "tcp");
    const sub = open(new Subscriber());
    sub.connect(address);
    sub.subscribe("t");
    await awaitSubscription((m) => first.send(m), sub, "t");
    const gone = nextEvent(sub, "disconnect");
    first.close();
    await gone;
    const second = open(new Publisher());
    const back = nextEvent(sub, "handshake");
    await second.bind(address);
    await back;
    await awaitSubscription((m) => second.send(m), sub, "t");
    await second.send(["t", "from the second"]);
    expect((await within(sub.receive()))[1]!.toString()).toBe("from the second");
  });

  it("understands a peer that sends greeting, READY and messages one byte at a time", async () => {
    const pull = open(new Pull());
    const peer = await rawConnect(await bindFresh(pull, "tcp"));
    open.defer(() => peer.stream.destroy());
    const bytes = Buffer.concat([rawGreeting(), rawReady("PUSH"), rawFrame(0x01, Buffer.from("two")), rawFrame(0, Buffer.alloc(300, 0x61))]);
    for (const byte of bytes) {
      peer.stream.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const msg = await within(pull.receive());
    expect(msg.map((f) => f.length)).toEqual([3, 300]);
    expect(msg[0]!.toString()).toBe("two");
  });

  it("understands greeting, READY and many messages arriving in one write", async () => {
    const pull = open(new Pull());
    const peer = await rawConnect(await bindFresh(pull, "tcp"));
    open.defer(() => peer.stream.destroy());
    const messages = Array.from({ length: 50 }, (_, i) => rawFrame(0, Buffer.from(`m${i}`)));
    peer.stream.write(Buffer.concat([rawGreeting(), rawReady("PUSH"), ...messages]));
    for (let i = 0; i < 50; i++) expect((await within(pull.receive()))[0]!.toString()).toBe(`m${i}`);
  });
});

