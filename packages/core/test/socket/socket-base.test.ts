import { describe, expect, it } from "vitest";
import { Context, Dealer, Publisher, Pull, Push, Request, Router, Socket, Subscriber } from "../../src/index.js";
import {
  STREAM_TRANSPORTS,
  TRANSPORTS,
  awaitSubscription,
  bindAddress,
  bindFresh,
  freeAddress,
  nextEvent,
  socketScope,
  streamInboundBound,
  strings,
  until,
  within,
} from "../helpers.js";

const open = socketScope();

describe.each(TRANSPORTS)("Socket over %s", (transport) => {
  it("PUSH send() waits at sendHighWaterMark and rejects with EAGAIN after sendTimeout", async () => {
    const push = open(new Push({ sendHighWaterMark: 5, sendTimeout: 50 }));
    const address = await freeAddress(transport);
    push.connect(address);
    for (let i = 0; i < 5; i++) await push.send(`m${i}`);
    expect(push.writable).toBe(false);
    await expect(within(push.send("one too many"))).rejects.toMatchObject({ code: "EAGAIN", errno: 11 });
    const pull = open(new Pull());
    await pull.bind(address);
    for (let i = 0; i < 5; i++) expect(strings(await within(pull.receive()))).toEqual([`m${i}`]);
  });

  it("a sendHighWaterMark raised while connected lets a send() waiting at the old mark go on, as libzmq 4.3", async () => {
    const push = open(new Push({ sendHighWaterMark: 2 }));
    const address = await freeAddress(transport);
    push.connect(address);
    for (let i = 0; i < 2; i++) await push.send(`m${i}`);
    const waiting = push.send("m2");
    push.sendHighWaterMark = 3;
    await within(waiting, 5000, "the send waiting at the old mark");
    expect(push.writable).toBe(false);
    const pull = open(new Pull());
    await pull.bind(address);
    for (let i = 0; i < 3; i++) expect(strings(await within(pull.receive()))).toEqual([`m${i}`]);
  });

  it("PUSH send() with sendTimeout 0 fails at once when no peer can take the message", async () => {
    const push = open(new Push({ sendTimeout: 0 }));
    await expect(within(push.send("nowhere"))).rejects.toMatchObject({ code: "EAGAIN" });
  });

  it("PUB drops messages for a subscriber at its high-water mark: no queue passes its bound", async () => {
    const HWM = 10;
    const SENT = 20_000;
    const pub = open(new Publisher({ sendHighWaterMark: HWM }));
    const sub = open(new Subscriber({ receiveHighWaterMark: HWM }));
    sub.connect(await bindFresh(pub, transport));
    sub.subscribe("t");
    await awaitSubscription((m) => pub.send(m), sub, "t");
    // 20 MB to a subscriber that does not read: more than the queues and the kernel's
    // buffers hold. Every send resolves at once; what does not fit is dropped, not queued.
    const body = Buffer.alloc(1024);
    let mostQueuedOut = 0;
    let mostQueuedIn = 0;
    for (let i = 0; i < SENT; i++) {
      await pub.send(["t", String(i), body]);
      mostQueuedOut = Math.max(mostQueuedOut, pub.pendingOutbound());
      mostQueuedIn = Math.max(mostQueuedIn, sub.pendingInbound());
    }
    // Publishing goes on: a marker, repeated until the subscriber has caught up and sees it.
    const marker = setInterval(() => void pub.send(["t", "after"]), 20);
    const got: number[] = [];
    try {
      for (;;) {
        const [, n] = strings(await within(sub.receive()));
        if (n === "after") break;
        got.push(Number(n));
      }
    } finally {
      clearInterval(marker);
    }
    if (transport === "inproc") {
      // inproc: one queue, the subscriber's inbound, which takes sendHighWaterMark +
      // receiveHighWaterMark messages (libzmq sums them); every later one is dropped.
      expect(mostQueuedIn).toBe(2 * HWM);
      expect(got).toEqual(Array.from({ length: 2 * HWM }, (_, i) => i));
      return;
    }
    // A connection: the publisher's pipe holds at most sendHighWaterMark messages not yet
    // handed to the kernel, the subscriber's at most receiveHighWaterMark plus one read
    // (the engine then stops reading). The kernel's buffers in between are not skein's:
    // what they hold arrives too, the rest is dropped.
    expect(mostQueuedOut).toBeLessThanOrEqual(HWM);
    expect(mostQueuedIn).toBeLessThanOrEqual(streamInboundBound(HWM, [Buffer.from("t"), Buffer.from("19999"), body]));
    expect(got[0]).toBe(0);
    expect(got.length).toBeGreaterThanOrEqual(HWM);
    expect(got.length).toBeLessThan(SENT);
    // What arrives is in order, without duplicates.
    expect(got.every((n, i) => i === 0 || n > got[i - 1]!)).toBe(true);
  });

  it("serves several pending receive() calls in order when maxPendingReceives allows them", async () => {
    const pull = open(new Pull({ maxPendingReceives: 0 }));
    const push = open(new Push());
    push.connect(await bindFresh(pull, transport));
    const receives = [pull.receive(), pull.receive(), pull.receive()];
    for (const body of ["1", "2", "3"]) await push.send(body);
    expect((await within(Promise.all(receives))).map(strings)).toEqual([["1"], ["2"], ["3"]]);
  });

  it("serves several pending send() calls in order once a peer arrives when maxPendingSends allows them", async () => {
    const push = open(new Push({ maxPendingSends: 0 }));
    const sends = [push.send("a"), push.send("b"), push.send("c")];
    const pull = open(new Pull());
    push.connect(await bindFresh(pull, transport));
    await within(Promise.all(sends));
    for (const body of ["a", "b", "c"]) expect(strings(await within(pull.receive()))).toEqual([body]);
  });

  it("close() makes a pending receive and a pending send reject with EAGAIN and a for-await loop end", async () => {
    // Two readers at once: a receive() and a for-await loop.
    const pull = open(new Pull({ maxPendingReceives: 0 }));
    await bindFresh(pull, transport);
    const pending = pull.receive();
    // No peer: the send waits.
    const push = open(new Push());
    const sending = push.send("nowhere to go");
    push.close();
    await expect(within(sending)).rejects.toMatchObject({ code: "EAGAIN" });
    const loop = (async () => {
      const seen: Buffer[][] = [];
      for await (const msg of pull) seen.push(msg);
      return seen;
    })();
    await Promise.resolve();
    pull.close();
    await expect(within(pending)).rejects.toMatchObject({ code: "EAGAIN" });
    expect(await within(loop)).toEqual([]);
    expect(pull.closed).toBe(true);
    // As zeromq 6: a call on a closed socket is EBADF; a receive pending at close is EAGAIN.
    await expect(pull.receive()).rejects.toMatchObject({ code: "EBADF", errno: 9 });
    await expect(pull.send("x")).rejects.toMatchObject({ code: "EBADF" });
    expect(() => pull.connect(bindAddress(transport))).toThrow(expect.objectContaining({ code: "EBADF" }));
  });

  it("for await yields messages as they arrive", async () => {
    const pull = open(new Pull());
    const push = open(new Push());
    push.connect(await bindFresh(pull, transport));
    for (let i = 0; i < 3; i++) await push.send(String(i));
    const seen: string[] = [];
    for await (const [msg] of pull) {
      seen.push(msg!.toString());
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(["0", "1", "2"]);
  });

  it("reports readable and writable", async () => {
    const pull = open(new Pull());
    const push = open(new Push());
    expect(pull.readable).toBe(false);
    expect(push.writable).toBe(false);
    push.connect(await bindFresh(pull, transport));
    await until(() => push.writable, "PUSH to become writable");
    await push.send("x");
    await until(() => pull.readable, "PULL to become readable");
    await pull.receive();
    expect(pull.readable).toBe(false);
    push.close();
    expect(push.writable).toBe(false);
  });

  it("a positive linger delivers queued messages after close", async () => {
    const pull = open(new Pull());
    const push = open(new Push({ linger: 5000, sendHighWaterMark: 0 }));
    push.connect(await bindFresh(pull, transport));
    if (transport !== "inproc") await nextEvent(push, "handshake");
    for (let i = 0; i < 2000; i++) await push.send(["part", String(i)]);
    push.close();
    for (let i = 0; i < 2000; i++) expect(strings(await within(pull.receive()))[1]).toBe(String(i));
  });

  it("unbind() frees the address for another socket and drops its peers", async () => {
    const pull = open(new Pull());
    const address = await bindFresh(pull, transport);
    await expect(pull.unbind(await freeAddress(transport))).rejects.toMatchObject({ code: "ENOENT" });
    const before = open(new Push());
    before.connect(address);
    // Over a stream, the connections accepted on the endpoint end with it (inproc keeps them, as libzmq does).
    if (transport !== "inproc") await nextEvent(before, "handshake");
    const dropped = transport === "inproc" ? null : nextEvent(before, "disconnect");
    await pull.unbind(address);
    await dropped;
    const other = open(new Pull());
    await other.bind(address);
    const push = open(new Push());
    push.connect(address);
    await push.send("to the new binder");
    expect(strings(await within(other.receive()))).toEqual(["to the new binder"]);
    expect(pull.readable).toBe(false);
  });

  it("disconnect() stops sending to that peer; other peers keep getting messages", async () => {
    const pulls = [open(new Pull()), open(new Pull())];
    const push = open(new Push());
    const addresses = [await bindFresh(pulls[0]!, transport), await bindFresh(pulls[1]!, transport)];
    for (const address of addresses) push.connect(address);
    expect(() => push.disconnect(bindAddress(transport))).toThrow(expect.objectContaining({ code: "ENOENT" }));
    push.disconnect(addresses[1]!);
    for (let i = 0; i < 4; i++) await push.send(String(i));
    for (let i = 0; i < 4; i++) expect(strings(await within(pulls[0]!.receive()))).toEqual([String(i)]);
  });

  it("peers may bind and connect in any order", async () => {
    const address = await freeAddress(transport);
    const router = open(new Router());
    const early = open(new Dealer({ routingId: "early" }));
    early.connect(address);
    await early.send("1");
    await router.bind(address);
    const late = open(new Dealer({ routingId: "late" }));
    late.connect(address);
    await late.send("2");
    const got = [strings(await within(router.receive())), strings(await within(router.receive()))];
    expect(got.sort()).toEqual([["early", "1"], ["late", "2"]]);
  });

  it("emits bind, accept, connect, handshake, disconnect and end monitor events", async () => {
    const pull = open(new Pull());
    const bound = nextEvent(pull, "bind");
    const address = await bindFresh(pull, transport);
    expect((await bound).address).toBe(address);
    const push = open(new Push());
    const events = {
      accept: nextEvent(pull, "accept"),
      connect: nextEvent(push, "connect"),
      pullHandshake: nextEvent(pull, "handshake"),
      pushHandshake: nextEvent(push, "handshake"),
    };
    push.connect(address);
    expect((await events.accept).address).toBe(address);
    expect((await events.connect).address).toBe(address);
    await events.pullHandshake;
    expect((await events.pushHandshake).address).toBe(address);
    const end = nextEvent(push, "end");
    if (transport !== "inproc") {
      const disconnected = nextEvent(push, "disconnect");
      pull.close();
      expect((await disconnected).address).toBe(address);
    }
    push.close();
    await end;
    expect(push.events.closed).toBe(true);
  });
});

describe("immediate over inproc", () => {
  it("queues nothing for a peer that has not bound yet, and sends once it has", async () => {
    const address = await freeAddress("inproc");
    const push = open(new Push({ immediate: true, sendTimeout: 30 }));
    push.connect(address);
    expect(push.writable).toBe(false);
    await expect(within(push.send("too early"))).rejects.toMatchObject({ code: "EAGAIN" });
    const pull = open(new Pull());
    await pull.bind(address);
    expect(push.writable).toBe(true);
    await push.send("after the bind");
    expect(strings(await within(pull.receive()))).toEqual(["after the bind"]);
  });
});

describe.each(STREAM_TRANSPORTS)("Socket over %s (stream only)", (transport) => {
  it("reconnects automatically after the binding side closes and binds again", async () => {
    const first = open(new Pull());
    const address = await bindFresh(first, transport);
    const push = open(new Push());
    push.connect(address);
    await push.send("before");
    expect(strings(await within(first.receive()))).toEqual(["before"]);
    const gone = nextEvent(push, "disconnect");
    first.close();
    await gone;
    const second = open(new Pull());
    const back = nextEvent(push, "handshake");
    await second.bind(address);
    await back;
    await push.send("after");
    expect(strings(await within(second.receive()))).toEqual(["after"]);
  });

  it("refuses a peer of an incompatible socket type on both sides of the handshake", async () => {
    const pub = open(new Publisher());
    const address = await bindFresh(pub, transport);
    const push = open(new Push({ reconnectInterval: 1000 }));
    const serverSide = nextEvent(pub, "handshake:error:protocol");
    const clientSide = nextEvent(push, "handshake:error:protocol");
    push.connect(address);
    expect((await serverSide).error?.detail).toMatch(/PUSH is not compatible with PUB/);
    // The connecting side checks the type too (or hears the ERROR first).
    expect((await clientSide).error?.detail).toMatch(/PUB is not compatible with PUSH|rejected the handshake/);
  });

  it("emits connect:delay and connect:retry while the peer is not there", async () => {
    const push = open(new Push({ reconnectInterval: 20 }));
    const retry = nextEvent(push, "connect:retry");
    push.connect(await freeAddress(transport));
    expect((await retry).interval).toBe(20);
  });

  it("linger 0 drops messages not yet written when the socket closes", async () => {
    const pull = open(new Pull());
    const address = await bindFresh(pull, transport);
    const doomed = open(new Push({ linger: 0 }));
    doomed.connect(address);
    await nextEvent(doomed, "handshake");
    // Queued (only the first of a turn is written at once; the rest wait for the
    // batch at the next I/O turn), then closed: the queued ones are dropped.
    for (let i = 0; i < 100; i++) await doomed.send("dropped");
    doomed.close();
    const witness = open(new Push());
    witness.connect(address);
    await witness.send("witness");
    let delivered = 0;
    for (;;) {
      const [body] = strings(await within(pull.receive()));
      if (body === "witness") break;
      delivered++;
    }
    expect(delivered).toBeLessThan(100);
  });

  it("immediate queues only to completed connections", async () => {
    const pull = open(new Pull());
    const live = await bindFresh(pull, transport);
    const push = open(new Push({ immediate: true, sendTimeout: 50 }));
    await expect(within(push.send("no connection yet"))).rejects.toMatchObject({ code: "EAGAIN" });
    push.connect(await freeAddress(transport));
    const ready = nextEvent(push, "handshake");
    push.connect(live);
    await ready;
    for (let i = 0; i < 6; i++) await push.send(String(i));
    for (let i = 0; i < 6; i++) expect(strings(await within(pull.receive()))).toEqual([String(i)]);
  });

  it("REQ to a REP that went away gets its reply from the next one after reconnecting", async () => {
    const req = open(new Request({ relaxed: true }));
    const address = await freeAddress(transport);
    req.connect(address);
    await req.send("q1");
    const { Reply } = await import("../../src/index.js");
    const rep = open(new Reply());
    await rep.bind(address);
    expect(strings(await within(rep.receive()))).toEqual(["q1"]);
    await rep.send("a1");
    expect(strings(await within(req.receive()))).toEqual(["a1"]);
  });
});

describe.each(STREAM_TRANSPORTS)("PUB over %s, with a connection underneath", (transport) => {
  it("PUB gets a burst out to a subscriber that keeps up, even when the publisher never yields", async () => {
    const pub = open(new Publisher({ sendHighWaterMark: 10 }));
    const sub = open(new Subscriber());
    sub.connect(await bindFresh(pub, transport));
    sub.subscribe("t");
    await awaitSubscription((m) => pub.send(m), sub, "t");
    // A tight loop: every send resolves at once, no I/O turn in between. The
    // queue holds 10, but a full queue is handed to the connection, not dropped.
    for (let i = 0; i < 5000; i++) await pub.send(["t", String(i)]);
    let count = 0;
    while (count < 5000) {
      const [, n] = strings(await within(sub.receive()));
      if (n === String(count)) count++;
    }
    expect(count).toBe(5000);
  });
});

describe("unbindSync", () => {
  const open = socketScope();

  it("throws ENOENT at once for an endpoint never bound, instead of an unhandled rejection", () => {
    const pull = open(new Pull());
    expect(() => pull.unbindSync("tcp://127.0.0.1:1")).toThrow(expect.objectContaining({ code: "ENOENT" }));
  });

  it("stops listening, so a new socket can bind the same ipc path", async () => {
    const pull = open(new Pull());
    const address = bindAddress("ipc");
    await pull.bind(address);
    pull.unbindSync(address);
    const other = open(new Pull());
    await other.bind(address);
    expect(other.lastEndpoint).toBe(address);
  });
});

describe("Socket constructor arguments, as zeromq checks them", () => {
  const Base = Socket as unknown as new (...args: unknown[]) => Socket;
  it("throws TypeError for a wrong count or type and EINVAL for an unknown socket type", () => {
    expect(() => new Base()).toThrow(expect.objectContaining({ name: "TypeError", message: "Socket type must be a number" }));
    expect(() => new Base("foo")).toThrow(expect.objectContaining({ name: "TypeError", message: "Socket type must be a number" }));
    expect(() => new Base(1, new Context(), 2)).toThrow(expect.objectContaining({ name: "TypeError", message: "Expected 2 arguments but received 3" }));
    expect(() => new Base(3, 1)).toThrow(expect.objectContaining({ name: "TypeError", message: "Options must be an object" }));
    expect(() => new Base(4591)).toThrow(expect.objectContaining({ code: "EINVAL", message: "Invalid argument" }));
  });
});

describe("Socket instances take no new properties, as zeromq's", () => {
  it("throws a TypeError for a misspelt option, but a user's subclass may add its own fields", () => {
    const dealer = open(new Dealer());
    expect(() => ((dealer as unknown as Record<string, unknown>).lingr = 0)).toThrow(TypeError);
    class Tagged extends Dealer {
      tag = "mine";
    }
    const tagged = open(new Tagged());
    expect(tagged.tag).toBe("mine");
    const request = open(new Request());
    expect(() => ((request as unknown as Record<string, unknown>).doesNotExist = 1)).toThrow(TypeError);
  });
});
