/**
 * Hostile peers of the draft socket types: raw `node:net` ZMTP peers that
 * send malformed JOIN/LEAVE commands, oversized groups, floods of groups,
 * multipart messages to single-part patterns; raw `node:dgram` senders that
 * send oversized, malformed and flooding datagrams. Each time the bad peer
 * alone is dropped (a `disconnect` event with the error) or its datagrams
 * are dropped and counted, and a good peer of the same socket goes on.
 */
import { createSocket, type Socket as DgramSocket } from "node:dgram";
import { afterEach, describe, expect, test } from "vitest";
import { Client, Datagram, Dish, Gather, Radio, Scatter, Server } from "../../src/draft.js";
import type { Socket } from "../../src/index.js";
import { bindAddress, nextEvent, rawCommand, rawConnect, rawFrame, rawGreeting, rawReady, socketScope, tick, until, within } from "../helpers.js";
import { broadcastUntil, type DraftSocket } from "./peers.js";

const open = socketScope();
const udpSockets: DgramSocket[] = [];
afterEach(async () => {
  await Promise.all(udpSockets.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

const TRANSPORTS = ["tcp", "ipc"] as const;
const MORE = 0x01;

/** A raw ZMTP peer that completes a NULL handshake as `socketType`, then writes `frames`. */
async function rawPeer(address: string, socketType: string, ...frames: Buffer[]) {
  const peer = await rawConnect(address);
  peer.stream.write(Buffer.concat([rawGreeting(), rawReady(socketType), ...frames]));
  return peer;
}

/** A bound socket's disconnect event for a peer dropped with an error, and that error. */
async function droppedWith(socket: Socket, code: string | RegExp): Promise<void> {
  const event = await nextEvent(socket, "disconnect");
  expect(event.error?.code).toMatch(code);
}

async function udpSender(): Promise<DgramSocket> {
  const socket = createSocket("udp4");
  udpSockets.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return socket;
}

function port(socket: Socket): number {
  return Number(socket.lastEndpoint!.slice(socket.lastEndpoint!.lastIndexOf(":") + 1));
}

/** A good DISH joined to `good` on `radio`'s endpoint receives a broadcast. */
async function goodDishReceives(radio: Radio, address: string): Promise<void> {
  const dish = open(new Dish());
  dish.join("good");
  dish.connect(address);
  const [body] = await within(broadcastUntil(radio as unknown as DraftSocket, [["good", "still here"]], dish.receive()), 5000, "the good DISH's message");
  expect(body.toString()).toBe("still here");
}

describe("RADIO against hostile DISH peers", () => {
  for (const transport of TRANSPORTS) {
    test(`a JOIN naming a 256-octet group drops that peer alone over ${transport}`, async () => {
      const radio = open(new Radio());
      await radio.bind(bindAddress(transport));
      const dropped = droppedWith(radio, "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED");
      const peer = await rawPeer(radio.lastEndpoint!, "DISH", rawCommand("JOIN", Buffer.alloc(256, 0x61)));
      await within(dropped, 5000, "the disconnect of the bad peer");
      await within(peer.closed, 5000, "the bad peer's connection to close");
      await goodDishReceives(radio, radio.lastEndpoint!);
    });

    test(`a LEAVE whose group holds a zero octet drops that peer alone over ${transport}`, async () => {
      const radio = open(new Radio());
      await radio.bind(bindAddress(transport));
      const dropped = droppedWith(radio, "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED");
      await rawPeer(radio.lastEndpoint!, "DISH", rawCommand("LEAVE", Buffer.from("a\0b")));
      await within(dropped, 5000, "the disconnect of the bad peer");
      await goodDishReceives(radio, radio.lastEndpoint!);
    });

    test(`a peer joining more than maxGroups groups is dropped with ENOBUFS over ${transport}`, async () => {
      const radio = open(new Radio({ maxGroups: 100 }));
      await radio.bind(bindAddress(transport));
      const dropped = droppedWith(radio, "ENOBUFS");
      const joins = Array.from({ length: 101 }, (_, i) => rawCommand("JOIN", Buffer.from(`group-${i}`)));
      await rawPeer(radio.lastEndpoint!, "DISH", ...joins);
      await within(dropped, 5000, "the disconnect of the flooding peer");
      await goodDishReceives(radio, radio.lastEndpoint!);
    });

    test(`a peer joining exactly maxGroups groups stays connected over ${transport}`, async () => {
      const radio = open(new Radio({ maxGroups: 100 }));
      await radio.bind(bindAddress(transport));
      const joins = Array.from({ length: 100 }, (_, i) => rawCommand("JOIN", Buffer.from(`group-${i}`)));
      const events: string[] = [];
      radio.events.on("disconnect", (event) => events.push(event.type));
      const peer = await rawPeer(radio.lastEndpoint!, "DISH", ...joins);
      // The peer sees the message of its last group: every JOIN was taken.
      let got: Buffer = Buffer.alloc(0);
      await within(
        (async () => {
          while (!got.includes(Buffer.from("group-99"))) {
            await radio.send("x", { group: "group-99" });
            await tick();
            got = peer.received();
          }
        })(),
        5000,
        "the message of the 100th group",
      );
      expect(events).toEqual([]);
    });
  }
});

describe("DISH against hostile RADIO peers", () => {
  for (const transport of TRANSPORTS) {
    test(`a three-frame message drops the RADIO peer alone over ${transport}`, async () => {
      const dish = open(new Dish());
      dish.join("good");
      await dish.bind(bindAddress(transport));
      const dropped = droppedWith(dish, "ERR_ZMTP_UNSPECIFIED");
      await rawPeer(dish.lastEndpoint!, "RADIO", rawFrame(MORE, Buffer.from("good")), rawFrame(MORE, Buffer.from("a")), rawFrame(0, Buffer.from("b")));
      const receiving = dish.receive();
      await within(dropped, 5000, "the disconnect of the bad peer");
      const radio = open(new Radio());
      radio.connect(dish.lastEndpoint!);
      const [body] = await within(broadcastUntil(radio as unknown as DraftSocket, [["good", "fine"]], receiving), 5000, "the good RADIO's message");
      expect(body.toString()).toBe("fine");
    });

    test(`a group frame of 256 octets drops the RADIO peer over ${transport}`, async () => {
      const dish = open(new Dish());
      dish.join("good");
      await dish.bind(bindAddress(transport));
      const dropped = droppedWith(dish, "ERR_ZMTP_UNSPECIFIED");
      await rawPeer(dish.lastEndpoint!, "RADIO", rawFrame(MORE, Buffer.alloc(256, 0x61)), rawFrame(0, Buffer.from("b")));
      // The dish looks at what arrived when the application reads.
      const reading = dish.receive();
      await within(dropped, 5000, "the disconnect of the bad peer");
      dish.close();
      await expect(reading).rejects.toMatchObject({ code: "EAGAIN" });
    });
  }
});

describe("single-part patterns against multipart peers", () => {
  for (const transport of TRANSPORTS) {
    test(`SERVER drops a CLIENT that sends a multipart message and answers the others over ${transport}`, async () => {
      const server = open(new Server());
      await server.bind(bindAddress(transport));
      const dropped = droppedWith(server, "ERR_ZMTP_UNSPECIFIED");
      await rawPeer(server.lastEndpoint!, "CLIENT", rawFrame(MORE, Buffer.from("a")), rawFrame(0, Buffer.from("b")));
      const client = open(new Client());
      client.connect(server.lastEndpoint!);
      await client.send("good");
      const [msg, { routingId }] = await within(server.receive(), 5000, "the good request");
      expect(msg.toString()).toBe("good");
      await within(dropped, 5000, "the disconnect of the bad peer");
      await server.send("answer", { routingId });
      expect(String((await within(client.receive(), 5000, "the answer"))[0])).toBe("answer");
    });

    test(`GATHER drops a SCATTER that sends a multipart message and keeps the others over ${transport}`, async () => {
      const gather = open(new Gather());
      await gather.bind(bindAddress(transport));
      const dropped = droppedWith(gather, "ERR_ZMTP_UNSPECIFIED");
      await rawPeer(gather.lastEndpoint!, "SCATTER", rawFrame(MORE, Buffer.from("a")), rawFrame(0, Buffer.from("b")));
      const scatter = open(new Scatter());
      scatter.connect(gather.lastEndpoint!);
      await scatter.send("good");
      expect(String((await within(gather.receive(), 5000, "the good message"))[0])).toBe("good");
      await within(dropped, 5000, "the disconnect of the bad peer");
    });
  }

  test("sending several frames on a single-part type rejects with EINVAL", async () => {
    const client = open(new Client());
    await expect(client.send(["a", "b"] as unknown as string)).rejects.toMatchObject({ code: "EINVAL" });
  });
});

describe("udp:// against hostile datagram senders", () => {
  test("DISH drops and counts oversized and malformed datagrams, and keeps receiving good ones", async () => {
    const dish = open(new Dish({ maxDatagramSize: 1024 }));
    dish.join("g");
    await dish.bind("udp://127.0.0.1:0");
    const sender = await udpSender();
    const good = Buffer.concat([Buffer.from([1]), Buffer.from("g"), Buffer.from("hello")]);
    sender.send(Buffer.concat([Buffer.from([1, 0x67]), Buffer.alloc(1100)]), port(dish), "127.0.0.1");
    sender.send(Buffer.from([200, 0x67, 0x67]), port(dish), "127.0.0.1");
    sender.send(Buffer.from([3, 0x61, 0, 0x62, 0x78]), port(dish), "127.0.0.1");
    sender.send(Buffer.alloc(0), port(dish), "127.0.0.1");
    sender.send(good, port(dish), "127.0.0.1");
    const [body, { group }] = await within(dish.receive(), 5000, "the good datagram");
    expect([body.toString(), group.toString()]).toEqual(["hello", "g"]);
    expect(dish.datagramDrops).toMatchObject({ oversized: 1, malformed: 3 });
  });

  test("DGRAM keeps at most receiveHighWaterMark datagrams unread, counting the rest", async () => {
    const dgram = open(new Datagram({ receiveHighWaterMark: 10, maxNewSendersPerSecond: -1 }));
    await dgram.bind("udp://127.0.0.1:0");
    const sender = await udpSender();
    const total = 2000;
    for (let i = 0; i < total; i++) sender.send(String(i), port(dgram), "127.0.0.1");
    const drops = dgram.datagramDrops;
    // What the kernel did not drop itself either waits in the queue or was counted.
    await until(() => drops.queueFull > 0 && (dgram as unknown as { pendingInbound(): number }).pendingInbound() === 10, "the queue to fill");
    expect((dgram as unknown as { pendingInbound(): number }).pendingInbound()).toBe(10);
    // Once read, the queue takes datagrams again. What is left of the flood in the kernel may still
    // fill it first (and push "after" out, as the bound says): send "after" until one lands.
    await within(
      (async () => {
        for (;;) {
          while (dgram.readable) if (String((await dgram.receive())[1]) === "after") return;
          sender.send("after", port(dgram), "127.0.0.1");
          await until(() => dgram.readable, "a datagram");
        }
      })(),
      10_000,
      "a datagram after the flood",
    );
  });

  test("new senders beyond maxNewSendersPerSecond are dropped and counted; a known sender still gets through", async () => {
    const dgram = open(new Datagram({ maxNewSendersPerSecond: 5 }));
    await dgram.bind("udp://127.0.0.1:0");
    const started = performance.now();
    const senders = await Promise.all(Array.from({ length: 40 }, () => udpSender()));
    for (const sender of senders) sender.send("hi", port(dgram), "127.0.0.1");
    const drops = dgram.datagramDrops;
    const admitted: string[] = [];
    await within(
      (async () => {
        while (admitted.length + drops.rateLimited < 40) {
          if (dgram.readable) admitted.push(String((await dgram.receive())[0]));
          else await until(() => dgram.readable || admitted.length + drops.rateLimited >= 40, "a datagram or a drop");
        }
      })(),
      5000,
      "every datagram admitted or counted",
    );
    const seconds = (performance.now() - started) / 1000;
    expect(admitted.length).toBeGreaterThanOrEqual(5);
    expect(admitted.length).toBeLessThanOrEqual(5 + Math.ceil(5 * seconds));
    expect(drops.rateLimited).toBe(40 - admitted.length);
    // The budget is spent: a known sender is let in all the same.
    const known = senders.find((s) => admitted[0] === `127.0.0.1:${s.address().port}\0`)!;
    known.send("again", port(dgram), "127.0.0.1");
    const [from, body] = await within(dgram.receive(), 5000, "the known sender's datagram");
    expect([from.toString(), body.toString()]).toEqual([admitted[0], "again"]);
  });
});
