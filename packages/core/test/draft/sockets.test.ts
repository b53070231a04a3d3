/**
 * The draft socket types' own rules, skein alone: groups (RFC 48 and
 * libzmq's C-string reading), routing ids (RFC 41), single-part messages,
 * DGRAM's two frames, which types udp:// accepts, and the options' checks.
 */
import { describe, expect, test } from "vitest";
import { Client, Datagram, Dish, Gather, Radio, Scatter, Server } from "../../src/draft.js";
import { Channel, Peer } from "../../src/draft-extra.js";
import { Push, SocketType, capability } from "../../src/index.js";
import { GROUP_MAX_LENGTH, groupCommand, parseGroupCommand, toGroup } from "../../src/socket/group.js";
import { SenderGate, KNOWN_SENDERS } from "../../src/transport/sender-gate.js";
import "../../src/transport/node-transports.js";
import { parseEndpoint } from "../../src/transport/transport.js";
import { bindAddress, loopTurns, socketScope, within } from "../helpers.js";

const open = socketScope();

describe("groups", () => {
  test("a group ends at its first zero octet, as libzmq reads a C string", () => {
    expect(toGroup(Buffer.from("fo\0ba")).toString()).toBe("fo");
    expect(toGroup("weather").toString()).toBe("weather");
  });

  test(`a group of ${GROUP_MAX_LENGTH} octets is accepted and one more is EINVAL`, () => {
    expect(toGroup("a".repeat(GROUP_MAX_LENGTH)).length).toBe(GROUP_MAX_LENGTH);
    expect(() => toGroup("a".repeat(GROUP_MAX_LENGTH + 1))).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  test("JOIN and LEAVE travel as libzmq's command bodies and parse back", () => {
    expect(groupCommand(true, Buffer.from("g"))[0]!.toString("latin1")).toBe("\x04JOINg");
    expect(groupCommand(false, Buffer.from("g"))[0]!.toString("latin1")).toBe("\x05LEAVEg");
    expect(parseGroupCommand(Buffer.from("\x05LEAVEabc", "latin1"))).toEqual({ join: false, group: Buffer.from("abc") });
    expect(() => parseGroupCommand(Buffer.from("\x04JOIN" + "a".repeat(256), "latin1"))).toThrow(expect.objectContaining({ code: "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED" }));
    expect(() => parseGroupCommand(Buffer.from("\x04PING", "latin1"))).toThrow(expect.objectContaining({ code: "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED" }));
  });

  test("DISH refuses to join a group twice or leave one it did not join", () => {
    const dish = open(new Dish());
    dish.join("a");
    expect(() => dish.join("a")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => dish.leave("b")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    dish.leave("a");
    dish.join("a");
  });

  test("DISH lingers 0 by default, as libzmq's", () => {
    expect(open(new Dish()).linger).toBe(0);
    expect(open(new Dish({ linger: 50 })).linger).toBe(50);
  });

  test("RADIO needs a group and never waits: a DISH at its high-water mark misses messages", async () => {
    const radio = open(new Radio({ sendHighWaterMark: 1 }));
    const dish = open(new Dish({ receiveHighWaterMark: 1 }));
    await expect(radio.send("x", {} as never)).rejects.toBeInstanceOf(TypeError);
    dish.join("g");
    await dish.bind(bindAddress("inproc"));
    radio.connect(dish.lastEndpoint!);
    await loopTurns(2);
    for (let i = 0; i < 10; i++) await within(radio.send(String(i), { group: "g" }), 1000, "a RADIO send");
    const [first] = await dish.receive();
    expect(first.toString()).toBe("0");
    expect(dish.readable).toBe(true);
    await dish.receive();
    expect(dish.readable).toBe(false);
  });

  test("DISH that reconnects tells the new RADIO its groups again", async () => {
    const dish = open(new Dish({ reconnectInterval: 10 }));
    dish.join("g");
    const first = open(new Radio());
    await first.bind("tcp://127.0.0.1:0");
    const address = first.lastEndpoint!;
    dish.connect(address);
    first.close();
    const second = open(new Radio());
    await second.bind(address);
    const reading = dish.receive();
    let got: [Buffer, { group: Buffer }] | null = null;
    void reading.then((msg) => (got = msg));
    await within(
      (async () => {
        while (got === null) {
          await second.send("again", { group: "g" });
          await loopTurns(5);
          await new Promise((resolve) => setImmediate(resolve));
        }
      })(),
      5000,
      "the new RADIO's message",
    );
    expect(got![0].toString()).toBe("again");
  });
});

describe("routing ids", () => {
  test("SERVER rejects an unknown routing id with EHOSTUNREACH and a missing one with a TypeError", async () => {
    const server = open(new Server());
    await expect(server.send("x", { routingId: 12345 })).rejects.toMatchObject({ code: "EHOSTUNREACH", message: "Host unreachable" });
    await expect(server.send("x", {} as never)).rejects.toBeInstanceOf(TypeError);
    await expect(server.send("x", { routingId: 0 })).rejects.toBeInstanceOf(TypeError);
  });

  test("SERVER gives each CLIENT its own non-zero 32-bit routing id", async () => {
    const server = open(new Server());
    await server.bind(bindAddress("inproc"));
    const ids = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const client = open(new Client());
      client.connect(server.lastEndpoint!);
      await client.send("hi");
      const [, { routingId }] = await server.receive();
      expect(Number.isInteger(routingId) && routingId > 0 && routingId <= 0xffffffff).toBe(true);
      ids.add(routingId);
    }
    expect(ids.size).toBe(3);
  });

  test("SERVER waits for room for a CLIENT whose queue is full, and does not drop (RFC 41)", async () => {
    const server = open(new Server({ sendHighWaterMark: 1 }));
    const client = open(new Client({ receiveHighWaterMark: 1 }));
    await server.bind(bindAddress("inproc"));
    client.connect(server.lastEndpoint!);
    await client.send("hi");
    const [, { routingId }] = await server.receive();
    await server.send("1", { routingId });
    await server.send("2", { routingId });
    let sent = false;
    const third = server.send("3", { routingId }).then(() => (sent = true));
    await loopTurns(5);
    expect(sent).toBe(false);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push(String((await client.receive())[0]));
    await third;
    expect(got).toEqual(["1", "2", "3"]);
  });

  test("PEER's connectPeer() is refused with immediate set", () => {
    const peer = open(new Peer({ immediate: true }));
    expect(() => peer.connectPeer("tcp://127.0.0.1:1")).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });
});

describe("single-part messages", () => {
  for (const [name, make] of [
    ["CLIENT", () => new Client()],
    ["SCATTER", () => new Scatter()],
    ["CHANNEL", () => new Channel()],
  ] as const) {
    test(`${name} refuses a multipart message with EINVAL`, async () => {
      const socket = open(make());
      await expect(socket.send(["a", "b"] as never)).rejects.toMatchObject({ code: "EINVAL" });
    });
  }

  test("SERVER and RADIO refuse a multipart message with EINVAL", async () => {
    await expect(open(new Server()).send(["a", "b"] as never, { routingId: 1 })).rejects.toMatchObject({ code: "EINVAL" });
    await expect(open(new Radio()).send(["a", "b"] as never, { group: "g" })).rejects.toMatchObject({ code: "EINVAL" });
  });

  test("GATHER has conflate, as zeromq's", () => {
    const gather = open(new Gather({ conflate: true }));
    expect(gather.conflate).toBe(true);
  });
});

describe("DGRAM and udp://", () => {
  test("DGRAM sends two frames, an ip:port address and a body, of at most maxDatagramSize", async () => {
    const dgram = open(new Datagram({ maxDatagramSize: 100 }));
    await expect(dgram.send(["127.0.0.1:5555"] as never)).rejects.toMatchObject({ code: "EINVAL" });
    await expect(dgram.send(["nowhere", "x"])).rejects.toMatchObject({ code: "EINVAL" });
    await expect(dgram.send(["127.0.0.1:0", "x"])).rejects.toMatchObject({ code: "EINVAL" });
    await expect(dgram.send(["127.0.0.1:5555", Buffer.alloc(101)])).rejects.toMatchObject({ code: "EMSGSIZE" });
  });

  test("DGRAM speaks udp:// only, and RADIO only connects it", async () => {
    await expect(open(new Datagram()).bind("tcp://127.0.0.1:0")).rejects.toMatchObject({ code: "ENOCOMPATPROTO" });
    expect(() => open(new Datagram()).connect("ipc:///tmp/x")).toThrow(expect.objectContaining({ code: "ENOCOMPATPROTO" }));
    await expect(open(new Radio()).bind("udp://127.0.0.1:0")).rejects.toMatchObject({ code: "ENOCOMPATPROTO" });
  });

  test("udp:// is refused to the socket types that are not RADIO, DISH or DGRAM", async () => {
    await expect(open(new Push()).bind("udp://127.0.0.1:0")).rejects.toMatchObject({ code: "ENOCOMPATPROTO" });
    expect(() => open(new Server()).connect("udp://127.0.0.1:5555")).toThrow(expect.objectContaining({ code: "ENOCOMPATPROTO" }));
  });

  test("a udp bind reports the port it got in lastEndpoint, and unbind releases it", async () => {
    const dish = open(new Dish());
    await dish.bind("udp://127.0.0.1:0");
    expect(dish.lastEndpoint).toMatch(/^udp:\/\/127\.0\.0\.1:[1-9]\d*$/);
    const address = dish.lastEndpoint!;
    await dish.unbind(address);
    const again = open(new Dish());
    await again.bind(address);
  });

  test("udp endpoints parse an interface, a host and a port", () => {
    expect(parseEndpoint("udp://127.0.0.1;239.0.0.1:5555", false, false)).toMatchObject({ transport: "udp", iface: "127.0.0.1", host: "239.0.0.1", port: 5555 });
    expect(parseEndpoint("udp://*:5555", true, false)).toMatchObject({ host: "0.0.0.0", iface: null });
    expect(() => parseEndpoint("udp://127.0.0.1", false, false)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  test("the udp options have protective defaults and are checked", () => {
    const dish = open(new Dish());
    expect([dish.maxDatagramSize, dish.maxNewSendersPerSecond]).toEqual([8192, 1000]);
    expect(open(new Radio()).maxGroups).toBe(100_000);
    expect(() => (dish.maxDatagramSize = 70_000)).toThrow();
  });
});

describe("sender gate", () => {
  test(`admits ${5} new senders at once, then only known ones, and forgets the least recent beyond ${KNOWN_SENDERS}`, () => {
    const gate = new SenderGate(5);
    const admitted = Array.from({ length: 10 }, (_, i) => gate.admit(`s${i}`));
    expect(admitted.filter(Boolean).length).toBe(5);
    expect(gate.admit("s0")).toBe(true);
    expect(new SenderGate(-1).admit("anyone")).toBe(true);
    const wide = new SenderGate(1e9);
    for (let i = 0; i <= KNOWN_SENDERS; i++) wide.admit(`k${i}`);
    // k0 was forgotten: it is new again and spends a token (still admitted at this rate).
    expect(wide.admit("k0")).toBe(true);
  });
});

describe("the draft entry", () => {
  test("has the socket type numbers of libzmq and the zeromq package", () => {
    expect([SocketType.Server, SocketType.Client, SocketType.Radio, SocketType.Dish, SocketType.Gather, SocketType.Scatter, SocketType.Datagram, SocketType.Peer, SocketType.Channel]).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(capability.draft).toBe(true);
    expect(open(new Server()).type).toBe(12);
  });
});
