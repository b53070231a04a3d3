import { afterEach, describe, expect, it } from "vitest";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Dealer, Publisher, Pull, Push, Router, Subscriber } from "../src/raw/raw-socket-types.js";
import type { RawSocket } from "../src/raw/raw-socket.js";

const open: RawSocket[] = [];
function track<T extends RawSocket>(socket: T): T {
  open.push(socket);
  return socket;
}
afterEach(() => {
  for (const socket of open.splice(0)) socket.close();
});

describe("raw-net baseline sockets (the raw-async rows)", () => {
  it("PUSH to PULL over tcp delivers every message, multi-part included, in order", async () => {
    const pull = track(new Pull());
    await pull.bind("tcp://127.0.0.1:0");
    expect(pull.lastEndpoint).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const push = track(new Push());
    push.connect(pull.lastEndpoint!);
    const big = Buffer.alloc(300_000, 1);
    await push.send(Buffer.from("one"));
    await push.send([Buffer.from("a"), big]);
    await push.send(Buffer.alloc(0));
    expect((await pull.receive()).map(String)).toEqual(["one"]);
    const [a, b] = await pull.receive();
    expect(String(a)).toBe("a");
    expect(b!.equals(big)).toBe(true);
    expect((await pull.receive())[0]!.length).toBe(0);
  });

  it("PUSH to PULL over ipc works on a unique path", async () => {
    const pull = track(new Pull());
    await pull.bind(`ipc://${join(tmpdir(), `skein-bench-test-${process.pid}.sock`)}`);
    const push = track(new Push());
    push.connect(pull.lastEndpoint!);
    await push.send(Buffer.from("over ipc"));
    expect(String((await pull.receive())[0])).toBe("over ipc");
  });

  it("ROUTER prefixes the dealer's routing id and routes the reply back to that dealer", async () => {
    const router = track(new Router());
    await router.bind("tcp://127.0.0.1:0");
    const dealer = track(new Dealer());
    dealer.connect(router.lastEndpoint!);
    await dealer.send(Buffer.from("ping"));
    const [id, body] = await router.receive();
    expect(id!.length).toBe(5);
    expect(String(body)).toBe("ping");
    await router.send([id!, Buffer.from("pong")]);
    expect((await dealer.receive()).map(String)).toEqual(["pong"]);
  });

  it("PUB sends a subscriber only the messages whose first frame starts with its topic", async () => {
    const publisher = track(new Publisher());
    await publisher.bind("tcp://127.0.0.1:0");
    const subscriber = track(new Subscriber());
    subscriber.connect(publisher.lastEndpoint!);
    subscriber.subscribe("A");
    // Publish until the subscription has arrived, then one unmatched and one matched message.
    let first: Buffer[] | undefined;
    const received = subscriber.receive().then((message) => (first = message));
    while (first === undefined) {
      await publisher.send(Buffer.from("A-probe"));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await received;
    await publisher.send(Buffer.from("B-skip"));
    await publisher.send(Buffer.from("A-end"));
    let message = await subscriber.receive();
    while (String(message[0]) === "A-probe") message = await subscriber.receive();
    expect(String(message[0])).toBe("A-end");
  });
});
