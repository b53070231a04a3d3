/**
 * The draft socket types against libzmq (the `zeromq` package's draft
 * build): each pattern over tcp and ipc with skein on either side and either
 * side binding where the type allows, skein with skein over inproc, and
 * udp:// RADIO/DISH and DGRAM with libzmq.
 */
import { afterEach, describe, expect, test } from "vitest";
import { bindAddress, within } from "../helpers.js";
import { DraftSockets, broadcastUntil, freeUdpPort, resendUntil, type DraftSocket, type Lib } from "./peers.js";

const sockets = new DraftSockets();
afterEach(() => sockets.closeAll());

const PAIRS: Array<[Lib, Lib]> = [
  ["skein", "libzmq"],
  ["libzmq", "skein"],
];
const STREAMS = ["tcp", "ipc"] as const;

/** Binds `binder`, connects `connecter` to it. */
async function link(binder: DraftSocket, connecter: DraftSocket, transport: "tcp" | "ipc" | "inproc"): Promise<void> {
  await binder.bind(bindAddress(transport));
  connecter.connect(binder.lastEndpoint!);
}

/** Pairs of (first, second) libraries with which side binds. */
function* combinations(): Generator<{ a: Lib; b: Lib; transport: "tcp" | "ipc"; aBinds: boolean }> {
  for (const [a, b] of PAIRS) for (const transport of STREAMS) for (const aBinds of [true, false]) yield { a, b, transport, aBinds };
}

const bindsName = (aBinds: boolean, a: string, b: string): string => (aBinds ? `${a} binds` : `${b} binds`);

describe("CLIENT/SERVER with libzmq", () => {
  for (const { a, b, transport, aBinds } of combinations()) {
    test(`${a} CLIENT and ${b} SERVER exchange a request and a reply by routing id over ${transport}, ${bindsName(aBinds, "CLIENT", "SERVER")}`, async () => {
      const client = sockets.make(a, "CLIENT");
      const server = sockets.make(b, "SERVER");
      if (aBinds) await link(client, server, transport);
      else await link(server, client, transport);
      await client.send("ping");
      const [request, { routingId }] = (await within(server.receive(), 5000, "request")) as [Buffer, { routingId: number }];
      expect(request.toString()).toBe("ping");
      expect(routingId).toBeGreaterThan(0);
      await server.send("pong", { routingId });
      const [reply] = (await within(client.receive(), 5000, "reply")) as [Buffer];
      expect(reply.toString()).toBe("pong");
    });
  }
});

describe("RADIO/DISH with libzmq", () => {
  for (const { a, b, transport, aBinds } of combinations()) {
    test(`${a} RADIO reaches ${b} DISH in the joined group only, group attached, over ${transport}, ${bindsName(aBinds, "RADIO", "DISH")}`, async () => {
      const radio = sockets.make(a, "RADIO");
      const dish = sockets.make(b, "DISH");
      dish.join!("weather");
      if (aBinds) await link(radio, dish, transport);
      else await link(dish, radio, transport);
      const [body, { group }] = (await within(
        broadcastUntil(radio, [["sports", "goal"], ["weather", "rain"]], dish.receive()),
        5000,
        "a message of the joined group",
      )) as [Buffer, { group: Buffer }];
      expect(body.toString()).toBe("rain");
      expect(group.toString()).toBe("weather");
    });
  }
});

describe("SCATTER/GATHER with libzmq", () => {
  for (const { a, b, transport, aBinds } of combinations()) {
    test(`${a} SCATTER delivers to ${b} GATHER in order over ${transport}, ${bindsName(aBinds, "SCATTER", "GATHER")}`, async () => {
      const scatter = sockets.make(a, "SCATTER");
      const gather = sockets.make(b, "GATHER");
      if (aBinds) await link(scatter, gather, transport);
      else await link(gather, scatter, transport);
      for (const body of ["one", "two", "three"]) await scatter.send(body);
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push(String(((await within(gather.receive(), 5000, "message")) as [Buffer])[0]));
      expect(got).toEqual(["one", "two", "three"]);
    });
  }
});

describe("CHANNEL with libzmq", () => {
  for (const { a, b, transport, aBinds } of combinations()) {
    test(`${a} CHANNEL and ${b} CHANNEL talk both ways over ${transport}, ${bindsName(aBinds, a, b)}`, async () => {
      const left = sockets.make(a, "CHANNEL");
      const right = sockets.make(b, "CHANNEL");
      if (aBinds) await link(left, right, transport);
      else await link(right, left, transport);
      await left.send("hello");
      expect(String(((await within(right.receive(), 5000, "hello")) as [Buffer])[0])).toBe("hello");
      await right.send("back");
      expect(String(((await within(left.receive(), 5000, "back")) as [Buffer])[0])).toBe("back");
    });
  }
});

describe("PEER with libzmq", () => {
  // zeromq.js gives a PEER no routing id (neither on send nor on receive), so libzmq's side can only receive.
  for (const transport of STREAMS) {
    test(`a skein PEER reaches a libzmq PEER through the routing id connectPeer() returns, over ${transport}`, async () => {
      const theirs = sockets.make("libzmq", "PEER");
      const ours = sockets.make("skein", "PEER");
      await theirs.bind(bindAddress(transport));
      const routingId = ours.connectPeer!(theirs.lastEndpoint!);
      expect(routingId).toBeGreaterThan(0);
      await ours.send("hello", { routingId });
      const [msg] = (await within(theirs.receive(), 5000, "message")) as [Buffer];
      expect(msg.toString()).toBe("hello");
    });
  }
});

describe("draft types skein to skein over inproc", () => {
  test("CLIENT and SERVER exchange a request and a reply", async () => {
    const server = sockets.make("skein", "SERVER");
    const client = sockets.make("skein", "CLIENT");
    await link(server, client, "inproc");
    await client.send("ping");
    const [, { routingId }] = (await server.receive()) as [Buffer, { routingId: number }];
    await server.send("pong", { routingId });
    expect(String(((await client.receive()) as [Buffer])[0])).toBe("pong");
  });

  test("RADIO reaches the DISH that joined, connect before join", async () => {
    const dish = sockets.make("skein", "DISH");
    const radio = sockets.make("skein", "RADIO");
    await link(dish, radio, "inproc");
    dish.join!("g");
    await radio.send("not joined", { group: "h" });
    await radio.send("joined", { group: "g" });
    const [body, { group }] = (await within(dish.receive(), 5000, "message")) as [Buffer, { group: Buffer }];
    expect([body.toString(), group.toString()]).toEqual(["joined", "g"]);
  });

  test("SCATTER delivers to GATHER", async () => {
    const gather = sockets.make("skein", "GATHER");
    const scatter = sockets.make("skein", "SCATTER");
    await link(gather, scatter, "inproc");
    await scatter.send("x");
    expect(String(((await gather.receive()) as [Buffer])[0])).toBe("x");
  });

  test("PEERs address each other both ways", async () => {
    const a = sockets.make("skein", "PEER");
    const b = sockets.make("skein", "PEER");
    await a.bind(bindAddress("inproc"));
    const toA = b.connectPeer!(a.lastEndpoint!);
    await b.send("hi", { routingId: toA });
    const [msg, { routingId: toB }] = (await a.receive()) as [Buffer, { routingId: number }];
    expect(msg.toString()).toBe("hi");
    await a.send("hi back", { routingId: toB });
    expect(String(((await b.receive()) as [Buffer, unknown])[0])).toBe("hi back");
  });

  test("RADIO reaches two DISHes joined to one multicast group on the loopback interface", async () => {
    const port = await freeUdpPort();
    const address = `udp://127.0.0.1;239.192.7.3:${port}`;
    const first = sockets.make("skein", "DISH");
    const second = sockets.make("skein", "DISH");
    for (const dish of [first, second]) {
      await dish.bind(address);
      dish.join!("g");
    }
    const radio = sockets.make("skein", "RADIO");
    radio.connect(address);
    const both = Promise.all([first.receive(), second.receive()]);
    const got = (await within(broadcastUntil(radio, [["g", "to all"]], both), 5000, "both DISHes' datagrams")) as unknown as Array<[Buffer, unknown]>;
    expect(got.map(([body]) => body.toString())).toEqual(["to all", "to all"]);
  });

  test("CHANNELs talk both ways", async () => {
    const a = sockets.make("skein", "CHANNEL");
    const b = sockets.make("skein", "CHANNEL");
    await link(a, b, "inproc");
    await b.send("1");
    expect(String(((await a.receive()) as [Buffer])[0])).toBe("1");
    await a.send("2");
    expect(String(((await b.receive()) as [Buffer])[0])).toBe("2");
  });
});

describe("udp:// with libzmq", () => {
  for (const [a, b] of PAIRS) {
    // Multicast as `interface;group:port`: the loopback interface carries it without root or a route.
    for (const [kind, host] of [
      ["unicast", "127.0.0.1"],
      ["multicast on the loopback interface", `127.0.0.1;239.192.7.${a === "skein" ? 1 : 2}`],
    ]) {
      test(`${a} RADIO reaches ${b} DISH over ${kind} udp, filtered by group`, async () => {
        const dish = sockets.make(b, "DISH");
        const radio = sockets.make(a, "RADIO");
        const address = `udp://${host}:${await freeUdpPort()}`;
        await dish.bind(address);
        dish.join!("weather");
        radio.connect(address);
        const [body, { group }] = (await within(
          broadcastUntil(radio, [["sports", "goal"], ["weather", "rain"]], dish.receive()),
          5000,
          "a datagram of the joined group",
        )) as [Buffer, { group: Buffer }];
        expect([body.toString(), group.toString()]).toEqual(["rain", "weather"]);
      });
    }

    test(`${a} DGRAM and ${b} DGRAM exchange addressed datagrams`, async () => {
      const left = sockets.make(a, "DGRAM");
      const right = sockets.make(b, "DGRAM");
      const leftPort = await freeUdpPort();
      const rightPort = await freeUdpPort();
      await left.bind(`udp://127.0.0.1:${leftPort}`);
      await right.bind(`udp://127.0.0.1:${rightPort}`);
      // The first datagram is sent until one arrives; the answer goes to a socket that has sent, so is open.
      const ping = resendUntil(() => left.send([`127.0.0.1:${rightPort}`, "ping"]), right.receive());
      const [from, body] = (await within(ping, 5000, "ping")) as [Buffer, Buffer];
      expect([from.toString(), body.toString()]).toEqual([`127.0.0.1:${leftPort}\0`, "ping"]);
      await right.send([from, "pong"]);
      const [back, reply] = (await within(left.receive(), 5000, "pong")) as [Buffer, Buffer];
      expect([back.toString(), reply.toString()]).toEqual([`127.0.0.1:${rightPort}\0`, "pong"]);
    });
  }
});
