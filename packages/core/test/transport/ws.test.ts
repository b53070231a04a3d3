/**
 * The ws:// transport (RFC 45 over RFC 6455): the WebSocket frame codec and
 * opening handshake on their own, then skein to skein over real
 * connections, and peers that speak bad HTTP or bad WebSocket being dropped
 * alone.
 */
import { describe, expect, it } from "vitest";
import { Dealer, ProtocolError, Publisher, Pull, Push, Reply, Request, Router, Subscriber } from "../../src/index.js";
import { Opcode, WebSocketDecoder, applyMask, encodeFrame, encodeFrameHeader } from "../../src/transport/ws/websocket-frame.js";
import { acceptKey, checkUpgradeRequest, encodeUpgradeRequest, parseHttpHead } from "../../src/transport/ws/websocket-handshake.js";
import { parseEndpoint } from "../../src/transport/transport.js";
import { awaitSubscription, nextEvent, rawConnect, rawProperties, socketScope, strings, until, within } from "../helpers.js";

const open = socketScope();

/** Collects what a decoder delivers. */
function collector(expectMasked: boolean, maxMessageSize = -1) {
  const messages: Buffer[] = [];
  const controls: Array<[number, Buffer]> = [];
  const decoder = new WebSocketDecoder(
    {
      onMessage: (payload) => messages.push(Buffer.from(payload)),
      onControl: (opcode, payload) => controls.push([opcode, Buffer.from(payload)]),
    },
    expectMasked,
    maxMessageSize,
  );
  return { decoder, messages, controls };
}

function pattern(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

describe("WebSocket frame codec (RFC 6455 §5)", () => {
  it("masks with the RFC 6455 §5.7 example key", () => {
    const data = Buffer.from("Hello");
    applyMask(data, Buffer.from([0x37, 0xfa, 0x21, 0x3d]));
    expect(data).toEqual(Buffer.from([0x7f, 0x9f, 0x4d, 0x51, 0x58]));
  });

  it("uses a 7-bit length up to 125, 16-bit up to 65535 and 64-bit above", () => {
    expect([...encodeFrameHeader(Opcode.Binary, 125, null)]).toEqual([0x82, 125]);
    expect([...encodeFrameHeader(Opcode.Binary, 126, null)]).toEqual([0x82, 126, 0, 126]);
    expect([...encodeFrameHeader(Opcode.Binary, 65535, null)]).toEqual([0x82, 126, 0xff, 0xff]);
    const long = encodeFrameHeader(Opcode.Binary, 65536, null);
    expect(long[1]).toBe(127);
    expect(long.readBigUInt64BE(2)).toBe(65536n);
    const masked = encodeFrameHeader(Opcode.Binary, 5, Buffer.from([1, 2, 3, 4]));
    expect([...masked]).toEqual([0x82, 0x85, 1, 2, 3, 4]);
  });

  for (const masked of [true, false]) {
    it(`round-trips ${masked ? "masked" : "unmasked"} messages of every length class`, () => {
      const { decoder, messages } = collector(masked);
      const lengths = [0, 1, 125, 126, 127, 65535, 65536, 200_000];
      for (const length of lengths) for (const chunk of encodeFrame(Opcode.Binary, [pattern(length)], masked)) decoder.write(chunk);
      expect(messages.map((m) => m.length)).toEqual(lengths);
      for (const message of messages) expect(message.equals(pattern(message.length))).toBe(true);
    });
  }

  it("decodes the same frames whatever byte boundary the stream is split at", () => {
    const wire = Buffer.concat([
      ...encodeFrame(Opcode.Binary, [pattern(3)], true),
      ...encodeFrame(Opcode.Ping, [Buffer.from("hi")], true),
      ...encodeFrame(Opcode.Binary, [pattern(300)], true),
    ]);
    for (let split = 0; split <= wire.length; split++) {
      const { decoder, messages, controls } = collector(true);
      const copy = Buffer.from(wire);
      decoder.write(copy.subarray(0, split));
      decoder.write(copy.subarray(split));
      expect(messages.map((m) => m.length)).toEqual([3, 300]);
      expect(messages[1]!.equals(pattern(300))).toBe(true);
      expect(controls).toEqual([[Opcode.Ping, Buffer.from("hi")]]);
    }
    const { decoder, messages } = collector(true);
    for (const byte of Buffer.from(wire)) decoder.write(Buffer.from([byte]));
    expect(messages.map((m) => m.length)).toEqual([3, 300]);
  });

  it("decodes a 1 MiB message that arrives in 1000-octet chunks", () => {
    const { decoder, messages } = collector(true);
    const wire = Buffer.concat(encodeFrame(Opcode.Binary, [pattern(1 << 20)], true));
    for (let at = 0; at < wire.length; at += 1000) decoder.write(wire.subarray(at, at + 1000));
    expect(messages).toHaveLength(1);
    expect(messages[0]!.equals(pattern(1 << 20))).toBe(true);
  });

  it("joins a fragmented message and delivers a control frame between its fragments", () => {
    const { decoder, messages, controls } = collector(false);
    decoder.write(Buffer.from([0x02, 2, 0xaa, 0xbb])); // binary, not final
    decoder.write(Buffer.from([0x89, 0])); // ping
    decoder.write(Buffer.from([0x80, 1, 0xcc])); // continuation, final
    expect(messages).toEqual([Buffer.from([0xaa, 0xbb, 0xcc])]);
    expect(controls.map(([opcode]) => opcode)).toEqual([Opcode.Ping]);
  });

  it("joins a message of thousands of fragments of every size in order", () => {
    const { decoder, messages } = collector(false);
    const whole = pattern(5000 * 3);
    const frames: Buffer[] = [];
    for (let at = 0, i = 0; at < whole.length; i++) {
      const size = i % 7;
      const piece = whole.subarray(at, Math.min(whole.length, at + size));
      at += piece.length;
      const opcode = i === 0 ? 0x02 : 0x00;
      frames.push(Buffer.from([(at >= whole.length ? 0x80 : 0) | opcode, piece.length]), piece);
    }
    decoder.write(Buffer.concat(frames));
    expect(messages).toHaveLength(1);
    expect(messages[0]!.equals(whole)).toBe(true);
  });

  it("stops at its frame budget with frames still buffered, and resumes with a new one", () => {
    const { decoder, messages } = collector(false);
    decoder.budget = 2;
    decoder.write(Buffer.concat([1, 2, 3, 4].map((n) => Buffer.from([0x82, 1, n]))));
    expect(messages).toEqual([Buffer.from([1]), Buffer.from([2])]);
    expect(decoder.blocked).toBe(true);
    decoder.budget = 10;
    decoder.resume();
    expect(messages).toHaveLength(4);
    expect(decoder.blocked).toBe(false);
  });

  const bad: Array<[string, Buffer, boolean]> = [
    ["a text frame", Buffer.from([0x81, 0]), false],
    ["an unmasked frame from a client", Buffer.from([0x82, 0]), true],
    ["a masked frame from a server", Buffer.from([0x82, 0x80, 0, 0, 0, 0]), false],
    ["reserved bits", Buffer.from([0xc2, 0]), false],
    ["a control frame over 125 octets", Buffer.from([0x89, 126, 0, 200]), false],
    ["a fragmented control frame", Buffer.from([0x09, 0]), false],
    ["a continuation with nothing to continue", Buffer.from([0x80, 0]), false],
    ["an unknown opcode", Buffer.from([0x83, 0]), false],
  ];
  for (const [what, bytes, expectMasked] of bad) {
    it(`refuses ${what} with a ProtocolError`, () => {
      const { decoder } = collector(expectMasked);
      expect(() => decoder.write(bytes)).toThrow(expect.objectContaining({ name: "ProtocolError" }));
    });
  }

  it("refuses a message larger than maxMessageSize plus the flags octet from its header alone", () => {
    const { decoder, messages } = collector(false, 10);
    decoder.write(Buffer.from([0x82, 11, ...pattern(11)]));
    expect(messages).toHaveLength(1);
    expect(() => decoder.write(Buffer.from([0x82, 126, 0xff, 0xff]))).toThrow(/maxMessageSize/);
  });
});

describe("WebSocket opening handshake (RFC 6455 §4)", () => {
  it("computes Sec-WebSocket-Accept as in the RFC 6455 §1.3 example", () => {
    expect(acceptKey("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it("accepts a request offering the socket's ZWS protocol among others", () => {
    const request = encodeUpgradeRequest("/x", "h:1", "a2V5", "ZWS2.0/NULL,ZWS2.0");
    const parsed = parseHttpHead(Buffer.concat([request, Buffer.from([1, 2])]))!;
    expect(parsed.rest).toEqual(Buffer.from([1, 2]));
    expect(checkUpgradeRequest(parsed.head, "ZWS2.0/NULL")).toBe("a2V5");
    expect(() => checkUpgradeRequest(parsed.head, "ZWS2.0/PLAIN")).toThrow(/needs ZWS2.0\/PLAIN/);
  });

  it("waits for the blank line and refuses an endless head", () => {
    expect(parseHttpHead(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n"))).toBeNull();
    expect(() => parseHttpHead(Buffer.alloc(9000, 0x41))).toThrow(/too large/);
  });

  it("parses ws:// endpoints with and without a path", () => {
    expect(parseEndpoint("ws://127.0.0.1:5555/zmq", false, false)).toEqual({
      transport: "ws",
      address: "ws://127.0.0.1:5555/zmq",
      host: "127.0.0.1",
      port: 5555,
      path: "/zmq",
    });
    expect(parseEndpoint("ws://[::1]:0", true, false)).toMatchObject({ host: "::1", port: 0, path: "/" });
    expect(() => parseEndpoint("ws://host:*/x", false, false)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });
});

describe("ws transport, skein to skein", () => {
  it("reports ws://127.0.0.1:PORT/path in lastEndpoint and carries multipart PUSH/PULL messages", async () => {
    const pull = open(new Pull());
    await pull.bind("ws://127.0.0.1:0/pipeline");
    expect(pull.lastEndpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/pipeline$/);
    const push = open(new Push());
    push.connect(pull.lastEndpoint!);
    const big = pattern(100_000);
    await push.send(["one", "", big]);
    await push.send("two");
    const first = await within(pull.receive());
    expect(strings(first.slice(0, 2))).toEqual(["one", ""]);
    expect(first[2]!.equals(big)).toBe(true);
    expect(strings(await within(pull.receive()))).toEqual(["two"]);
  });

  it("runs REQ/REP round trips", async () => {
    const rep = open(new Reply());
    await rep.bind("ws://127.0.0.1:*/rpc");
    const req = open(new Request());
    req.connect(rep.lastEndpoint!);
    for (let i = 0; i < 3; i++) {
      await req.send(["ping", String(i)]);
      const request = await within(rep.receive());
      await rep.send(["pong", ...strings(request).slice(1)]);
      expect(strings(await within(req.receive()))).toEqual(["pong", String(i)]);
    }
  });

  it("delivers PUB/SUB messages on the subscribed topic only", async () => {
    const pub = open(new Publisher());
    await pub.bind("ws://127.0.0.1:0/feed");
    const sub = open(new Subscriber());
    sub.subscribe("news");
    sub.connect(pub.lastEndpoint!);
    await awaitSubscription((parts) => pub.send(parts), sub, "news");
    await pub.send(["weather", "rain"]);
    await pub.send(["news", "final"]);
    expect(strings(await within(sub.receive()))).toEqual(["news", "final"]);
  });

  it("routes DEALER/ROUTER by routing id, the connecter's too", async () => {
    const router = open(new Router());
    await router.bind("ws://127.0.0.1:0/");
    const dealer = open(new Dealer({ routingId: "d1" }));
    dealer.connect(router.lastEndpoint!);
    await dealer.send(["hello", "there"]);
    const [id, ...rest] = await within(router.receive());
    expect(id!.toString()).toBe("d1");
    expect(strings(rest)).toEqual(["hello", "there"]);
    await router.send([id!, "back"]);
    expect(strings(await within(dealer.receive()))).toEqual(["back"]);
  });
});

describe("ws transport, ending", () => {
  it("a positive linger delivers every queued message, though the peer ends while they wait to be decoded", async () => {
    const pull = open(new Pull());
    await pull.bind("ws://127.0.0.1:0/linger");
    const push = open(new Push({ linger: 5000, sendHighWaterMark: 0 }));
    const connected = nextEvent(push, "handshake");
    push.connect(pull.lastEndpoint!);
    await connected;
    // More frames than one turn's budget, written at once, then the end of the connection.
    for (let i = 0; i < 5000; i++) await push.send(["part", String(i)]);
    push.close();
    for (let i = 0; i < 5000; i++) expect(strings(await within(pull.receive()))[1]).toBe(String(i));
  });
});

/** A raw ws:// PUSH peer to `endpoint`, its upgrade and READY sent, that writes masked frames as the test says. */
async function rawWsPush(endpoint: string) {
  const raw = await rawWs(endpoint);
  raw.stream.write(encodeUpgradeRequest("/x", "127.0.0.1", "dGhlIHNhbXBsZSBub25jZQ==", "ZWS2.0/NULL"));
  const ready = Buffer.concat([Buffer.from([0x02, 5]), Buffer.from("READY"), rawProperties({ "Socket-Type": "PUSH" })]);
  raw.stream.write(Buffer.concat(encodeFrame(Opcode.Binary, [ready], true)));
  /** Messages `from` to `to` - 1, their bodies the numbers, in one write. */
  const messages = (from: number, to: number): Buffer =>
    Buffer.concat(
      Array.from({ length: to - from }, (_, i) => Buffer.concat(encodeFrame(Opcode.Binary, [Buffer.from([0]), Buffer.from(String(from + i))], true))),
    );
  return { raw, messages };
}

describe("ws transport, a reader held at its high-water mark", () => {
  const open = socketScope();
  /** A PULL (mark 100) and a raw PUSH peer whose first 200 messages it took in one read and then stopped. */
  async function heldReader() {
    const pull = open(new Pull({ receiveHighWaterMark: 100 }));
    await pull.bind("ws://127.0.0.1:0/x");
    const peer = await rawWsPush(pull.lastEndpoint!);
    peer.raw.stream.write(peer.messages(0, 200));
    // The engine takes the write whole and stops reading at the mark: what follows waits in the ws layer.
    await until(() => pull.readable, "the first messages to arrive");
    return { pull, ...peer };
  }
  const status = Buffer.from([0x03, 0xe8]);
  /** Lets our side of the connection report its close, on an I/O turn of its own (turns, not time). */
  const closeReported = async (): Promise<void> => {
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
  };

  it("gets every message of a peer that closed while they waited to be read", async () => {
    const { pull, raw, messages } = await heldReader();
    raw.stream.end(Buffer.concat([messages(200, 400), ...encodeFrame(Opcode.Close, [status], true)]));
    await within(raw.closed);
    await closeReported();
    for (let i = 0; i < 400; i++) expect(strings(await within(pull.receive()))).toEqual([String(i)]);
  });

  it("gets every message of a peer that resets the connection after the closing handshake", async () => {
    const { pull, raw, messages } = await heldReader();
    raw.stream.write(Buffer.concat([messages(200, 400), ...encodeFrame(Opcode.Close, [status], true)]));
    // Our close reply came back: the peer hangs up with a reset rather than a close of its own.
    await until(() => raw.received().includes(Buffer.from([0x88, 0x02, 0x03, 0xe8])), "the close reply");
    raw.stream.resetAndDestroy();
    await within(raw.closed);
    await closeReported();
    for (let i = 0; i < 400; i++) expect(strings(await within(pull.receive()))).toEqual([String(i)]);
  });

  it("catches up with a peer that kept writing while it did not read", async () => {
    const { pull, raw, messages } = await heldReader();
    raw.stream.write(messages(200, 3000));
    for (let i = 0; i < 3000; i++) expect(strings(await within(pull.receive()))).toEqual([String(i)]);
    raw.stream.destroy();
  });
});

/** A raw TCP client to a ws:// endpoint. */
function rawWs(endpoint: string) {
  return rawConnect(endpoint.replace(/^ws:/, "tcp:").replace(/\/[^:]*$/, ""));
}

describe("ws transport, misbehaving peers", () => {
  it("answers a bad HTTP request with 400 and drops that peer only", async () => {
    const pull = open(new Pull());
    await pull.bind("ws://127.0.0.1:0/x");
    const raw = await rawWs(pull.lastEndpoint!);
    raw.stream.write("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
    await within(raw.closed);
    expect(raw.received().toString("latin1")).toMatch(/^HTTP\/1\.1 400/);
    const push = open(new Push());
    push.connect(pull.lastEndpoint!);
    await push.send("still served");
    expect(strings(await within(pull.receive()))).toEqual(["still served"]);
  });

  it("drops a peer that sends a text frame after a valid upgrade and READY, and serves others", async () => {
    const pull = open(new Pull());
    await pull.bind("ws://127.0.0.1:0/x");
    const raw = await rawWs(pull.lastEndpoint!);
    raw.stream.write(encodeUpgradeRequest("/x", "127.0.0.1", "dGhlIHNhbXBsZSBub25jZQ==", "ZWS2.0/NULL"));
    const ready = Buffer.concat([Buffer.from([0x02, 5]), Buffer.from("READY"), rawProperties({ "Socket-Type": "PUSH" })]);
    for (const chunk of encodeFrame(Opcode.Binary, [ready], true)) raw.stream.write(chunk);
    for (const chunk of encodeFrame(Opcode.Binary, [Buffer.from([0]), Buffer.from("fine")], true)) raw.stream.write(chunk);
    expect(strings(await within(pull.receive()))).toEqual(["fine"]);
    const dropped = nextEvent(pull, "disconnect");
    for (const chunk of encodeFrame(Opcode.Text, [Buffer.from("nope")], true)) raw.stream.write(chunk);
    await within(raw.closed);
    // The monitor says why: a protocol error of that peer, not an I/O error.
    expect((await dropped).error).toBeInstanceOf(ProtocolError);
    const answer = raw.received().toString("latin1");
    expect(answer).toMatch(/^HTTP\/1\.1 101/);
    expect(answer).toContain(`Sec-WebSocket-Accept: ${acceptKey("dGhlIHNhbXBsZSBub25jZQ==")}`);
    const push = open(new Push());
    push.connect(pull.lastEndpoint!);
    await push.send("others go on");
    expect(strings(await within(pull.receive()))).toEqual(["others go on"]);
  });

  it("answers a WebSocket ping with a pong carrying the same payload", async () => {
    const pull = open(new Pull());
    await pull.bind("ws://127.0.0.1:0/x");
    const raw = await rawWs(pull.lastEndpoint!);
    raw.stream.write(encodeUpgradeRequest("/x", "127.0.0.1", "a2V5a2V5a2V5a2V5a2V5aw==", "ZWS2.0/NULL"));
    for (const chunk of encodeFrame(Opcode.Ping, [Buffer.from("are you there")], true)) raw.stream.write(chunk);
    const pong = Buffer.from([0x8a, 13, ...Buffer.from("are you there")]);
    await until(() => raw.received().indexOf(pong) > 0, "the pong");
    raw.stream.destroy();
  });
});

describe("security over ws://", () => {
  const open = socketScope();

  it("PLAIN over ws:// passes the context's ZAP handler, whose user id reaches the message properties", async () => {
    const { Context, messageProperties } = await import("../../src/index.js");
    const context = new Context();
    context.zapHandler = ({ mechanism, credentials }) => ({
      allow: mechanism === "PLAIN" && credentials[1]?.toString() === "secret",
      userId: credentials[0]!.toString(),
    });
    const pull = open(new Pull({ context, plainServer: true, messageProperties: true }));
    await pull.bind("ws://127.0.0.1:0/secure");
    const push = open(new Push({ context, plainUsername: "ada", plainPassword: "secret" }));
    push.connect(pull.lastEndpoint!);
    await push.send("over websocket");
    const message = await within(pull.receive());
    expect(strings(message)).toEqual(["over websocket"]);
    expect(messageProperties(message)?.userId).toBe("ada");
    const intruder = open(new Push({ context, plainUsername: "eve", plainPassword: "guess" }));
    const refused = nextEvent(intruder, "handshake:error:auth");
    intruder.connect(pull.lastEndpoint!);
    expect((await refused).error?.status).toBe(400);
    context.close();
  });
});
