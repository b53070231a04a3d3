import { describe, expect, it } from "vitest";
import { Dealer, Proxy, Pull, Push, Reply, Request, Router, Subscriber, XPublisher, XSubscriber } from "../src/index.js";
import { bindFresh, loopTurns, socketScope, strings, within } from "./helpers.js";

const open = socketScope();

/** Runs the proxy and makes sure it is terminated after the test. */
function start(proxy: Proxy): Promise<void> {
  let ended = false;
  const running = proxy.run().finally(() => (ended = true));
  open.defer(async () => {
    // terminate() throws EBADF once the proxy has ended (as zeromq).
    if (!ended) proxy.terminate();
    await running.catch(() => undefined);
  });
  return running;
}

describe("Proxy", () => {
  it("shares a queue: REQ clients reach REP workers through ROUTER/DEALER and get their own replies", async () => {
    const proxy = new Proxy(open(new Router()), open(new Dealer()));
    const front = await bindFresh(proxy.frontEnd, "tcp");
    const back = await bindFresh(proxy.backEnd, "tcp");
    const workers = [open(new Reply()), open(new Reply())];
    for (const [n, worker] of workers.entries()) {
      worker.connect(back);
      void (async () => {
        for await (const [request] of worker) await worker.send(`${request!.toString()} by ${n}`);
      })();
    }
    const running = start(proxy);
    const clients = [open(new Request()), open(new Request()), open(new Request())];
    for (const client of clients) client.connect(front);
    const replies = await within(
      Promise.all(
        clients.map(async (client, c) => {
          const got: string[] = [];
          for (let i = 0; i < 5; i++) {
            await client.send(`req ${c}.${i}`);
            const [reply] = await client.receive();
            got.push(reply!.toString().replace(/ by \d$/, ""));
          }
          return got;
        }),
      ),
    );
    replies.forEach((got, c) => expect(got).toEqual([0, 1, 2, 3, 4].map((i) => `req ${c}.${i}`)));
    expect(proxy.stats.frontEnd.messages).toBe(15);
    expect(proxy.stats.backEnd.messages).toBe(15);
    proxy.terminate();
    await within(running);
    expect(proxy.frontEnd.closed).toBe(true);
    expect(proxy.backEnd.closed).toBe(true);
  });

  it("forwards publications XSUB to XPUB and subscriptions back, so filtering works across the proxy", async () => {
    const proxy = new Proxy(open(new XSubscriber()), open(new XPublisher()));
    // An XPUB upstream, so the test sees the subscription arrive instead of publishing probes.
    const publisher = open(new XPublisher());
    const upstream = await bindFresh(publisher, "tcp");
    proxy.frontEnd.connect(upstream);
    const downstream = await bindFresh(proxy.backEnd, "tcp");
    void start(proxy);
    const subscriber = open(new Subscriber());
    subscriber.subscribe("weather");
    subscriber.connect(downstream);
    // The subscription travels SUB → XPUB → proxy → XSUB → PUB.
    expect(strings(await within(publisher.receive()))).toEqual(["\x01weather"]);
    expect(proxy.stats.backEnd.messages).toBe(1);
    await publisher.send(["sports", "skip"]);
    await publisher.send(["weather", "sunny"]);
    expect(strings(await within(subscriber.receive()))).toEqual(["weather", "sunny"]);
    // "sports" never reaches the subscriber: each "weather" message is the next one it gets.
    await publisher.send(["sports", "skip"]);
    await publisher.send(["weather", "rain"]);
    expect(strings(await within(subscriber.receive()))).toEqual(["weather", "rain"]);
  });

  it("streams PULL to PUSH in order and starts no receive loop on the PUSH side", async () => {
    const proxy = new Proxy(open(new Pull()), open(new Push()));
    const source = open(new Push());
    source.connect(await bindFresh(proxy.frontEnd, "tcp"));
    const sink = open(new Pull());
    sink.connect(await bindFresh(proxy.backEnd, "tcp"));
    void start(proxy);
    for (let i = 0; i < 100; i++) void source.send(`m${i}`);
    for (let i = 0; i < 100; i++) expect(strings(await within(sink.receive()))).toEqual([`m${i}`]);
    expect(proxy.stats.frontEnd).toEqual({ messages: 100, bytes: 10 * 2 + 90 * 3 });
    expect(proxy.stats.backEnd).toEqual({ messages: 0, bytes: 0 });
  });

  it("holds messages while paused and forwards them after resume", async () => {
    const proxy = new Proxy(open(new Pull()), open(new Push()));
    const source = open(new Push());
    source.connect(await bindFresh(proxy.frontEnd, "inproc"));
    const sink = open(new Pull());
    sink.connect(await bindFresh(proxy.backEnd, "inproc"));
    proxy.pause();
    void start(proxy);
    await source.send("held");
    expect(proxy.frontEnd.readable).toBe(true);
    // Unpaused, the proxy would have the message at the sink by now or within two turns of
    // the event loop: inproc hands messages on synchronously, the readiness wake-up and
    // receive() take microtasks, and a receive() past the turn budget one setImmediate.
    await loopTurns(2);
    expect(sink.readable).toBe(false);
    expect(proxy.stats.frontEnd.messages).toBe(0);
    proxy.resume();
    expect(strings(await within(sink.receive()))).toEqual(["held"]);
    expect(proxy.stats.frontEnd.messages).toBe(1);
  });

  it("copies every forwarded message, in both directions, to the capture socket", async () => {
    const capture = open(new Push());
    const captured = open(new Pull());
    capture.connect(await bindFresh(captured, "inproc"));
    const proxy = new Proxy(open(new Router()), open(new Dealer()), { capture });
    const client = open(new Request());
    client.connect(await bindFresh(proxy.frontEnd, "inproc"));
    const worker = open(new Reply());
    worker.connect(await bindFresh(proxy.backEnd, "inproc"));
    void start(proxy);
    await client.send("question");
    const [question] = await within(worker.receive());
    await worker.send(`answer to ${question!.toString()}`);
    expect(strings(await within(client.receive()))).toEqual(["answer to question"]);
    const request = await within(captured.receive());
    const reply = await within(captured.receive());
    // ROUTER adds the client's routing id; REQ's empty delimiter follows it.
    expect(strings(request.slice(1))).toEqual(["", "question"]);
    expect(strings(reply.slice(1))).toEqual(["", "answer to question"]);
  });

  it("ends run() on terminate, refuses a second run, and rejects run() on a terminated proxy", async () => {
    const proxy = new Proxy(open(new Pull()), open(new Push()));
    await bindFresh(proxy.frontEnd, "inproc");
    await bindFresh(proxy.backEnd, "inproc");
    const running = proxy.run();
    await expect(proxy.run()).rejects.toMatchObject({ code: "EBUSY" });
    proxy.terminate();
    await within(running);
    await expect(proxy.run()).rejects.toMatchObject({ code: "EFSM" });
  });

  it("rejects run() when a socket is closed under it instead of hanging", async () => {
    const proxy = new Proxy(open(new Pull()), open(new Push()));
    await bindFresh(proxy.frontEnd, "inproc");
    await bindFresh(proxy.backEnd, "inproc");
    const running = proxy.run();
    proxy.frontEnd.close();
    await expect(within(running)).rejects.toMatchObject({ code: "ETERM" });
  });

  it("rejects run() as zeromq when the front-end or back-end is closed or has no endpoint", async () => {
    const unbound = new Proxy(open(new Router()), open(new Dealer()));
    await bindFresh(unbound.backEnd, "inproc");
    await expect(unbound.run()).rejects.toMatchObject({ code: "EINVAL", message: "Front-end socket must be bound or connected" });
    await bindFresh(unbound.frontEnd, "inproc");
    unbound.backEnd.close();
    await expect(unbound.run()).rejects.toMatchObject({ code: "EINVAL", message: "Back-end socket must be bound or connected" });
    const closed = new Proxy(open(new Router()), open(new Dealer()));
    await bindFresh(closed.frontEnd, "inproc");
    await bindFresh(closed.backEnd, "inproc");
    closed.frontEnd.close();
    await expect(closed.run()).rejects.toMatchObject({ code: "EINVAL", message: "Front-end socket must be bound or connected" });
  });

  it("throws EBADF from terminate() before run() and after the proxy ended, as zeromq", async () => {
    const proxy = new Proxy(open(new Router()), open(new Dealer()));
    await bindFresh(proxy.frontEnd, "inproc");
    await bindFresh(proxy.backEnd, "inproc");
    expect(() => proxy.terminate()).toThrow(expect.objectContaining({ code: "EBADF", message: "Socket is closed" }));
    expect(proxy.frontEnd.closed).toBe(false);
    const running = proxy.run();
    proxy.terminate();
    await within(running);
    expect(() => proxy.terminate()).toThrow(expect.objectContaining({ code: "EBADF", message: "Socket is closed" }));
  });

  it("checks its arguments as zeromq: TypeError for a non-object or a socket as third argument, EINVAL for a foreign object", () => {
    const a = open(new Dealer());
    const b = open(new Dealer());
    expect(() => new (Proxy as unknown as new (...args: unknown[]) => Proxy)()).toThrow(new TypeError("Front-end must be a socket object"));
    expect(() => new (Proxy as unknown as new (...args: unknown[]) => Proxy)(a, b, open(new Dealer()))).toThrow(new TypeError("Expected 2 arguments but received 3"));
    expect(() => new (Proxy as unknown as new (...args: unknown[]) => Proxy)({}, {})).toThrow(expect.objectContaining({ code: "EINVAL", message: "Invalid argument" }));
  });
});
