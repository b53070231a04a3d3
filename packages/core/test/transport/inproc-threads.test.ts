/**
 * inproc:// across worker threads: every socket type between the test's
 * thread and real worker threads, bind before or after connect, high-water
 * marks across threads, threads that exit or are terminated mid-stream, and
 * the default context shared by every thread.
 */
import { describe, expect, it } from "vitest";
import * as zmq from "../../src/index.js";
import { bindAddress, loopTurns, nextEvent, socketScope, strings, tick, until, within } from "../helpers.js";
import { startWorker, type TestWorker } from "../worker-thread.js";

const open = socketScope();
const workers: TestWorker[] = [];
open.defer(async () => {
  for (const w of workers.splice(0)) await w.worker.terminate();
});

function worker(body: string, data: unknown = {}): TestWorker {
  const w = startWorker(body, data);
  workers.push(w);
  return w;
}

/** Socket classes by their ZeroMQ names. */
const CLASS = {
  PAIR: "Pair",
  PUSH: "Push",
  PULL: "Pull",
  REQ: "Request",
  REP: "Reply",
  DEALER: "Dealer",
  ROUTER: "Router",
  PUB: "Publisher",
  SUB: "Subscriber",
  XPUB: "XPublisher",
  XSUB: "XSubscriber",
} as const;
type TypeName = keyof typeof CLASS;

function make(type: TypeName): zmq.Socket {
  const Class = (zmq as unknown as Record<string, new (options?: object) => zmq.Socket>)[CLASS[type]]!;
  return open(new Class({ linger: 0 }));
}

/**
 * Pairs whose first socket sends a request and second answers (or only
 * receives): the test's thread plays the first, the worker the second.
 */
const PAIRS: [TypeName, TypeName][] = [
  ["PAIR", "PAIR"],
  ["PUSH", "PULL"],
  ["REQ", "REP"],
  ["DEALER", "ROUTER"],
  ["REQ", "ROUTER"],
  ["DEALER", "REP"],
  ["DEALER", "DEALER"],
  ["PUB", "SUB"],
  ["XPUB", "SUB"],
  ["PUB", "XSUB"],
];

/** The worker's side: receives one message and answers it where the pattern has an answer. */
const ANSWER = `
  const socket = new zmq[data.className]({ linger: 0 });
  if (data.type === "SUB") socket.subscribe("");
  if (data.type === "XSUB") await socket.send(Buffer.from([1]));
  if (data.bind) await socket.bind(data.address); else socket.connect(data.address);
  report("ready");
  const msg = await socket.receive();
  report(msg.map((f) => Buffer.from(f).toString()));
  if (data.answers) await socket.send(data.type === "ROUTER" ? [msg[0], ...msg.slice(1, -1), "re:" + Buffer.from(msg.at(-1)).toString()] : ["re:" + Buffer.from(msg.at(-1)).toString()]);
  await next();
  socket.close();
`;

const ANSWERS = new Set<TypeName>(["PAIR", "REP", "ROUTER", "DEALER"]);

describe("inproc across worker threads", () => {
  for (const [mine, theirs] of PAIRS) {
    for (const workerBinds of [true, false]) {
      it(`${mine} here and ${theirs} in a worker exchange messages, the worker ${workerBinds ? "binding before this thread connects" : "connecting before this thread binds"}`, async () => {
        const address = bindAddress("inproc");
        const socket = make(mine);
        const answers = ANSWERS.has(theirs) && mine !== "PUSH";
        if (!workerBinds) {
          // The worker connects first; we bind once it has.
          const w = worker(ANSWER, { className: CLASS[theirs], type: theirs, bind: false, address, answers });
          expect(await w.report()).toBe("ready");
          await socket.bind(address);
          await exchange(socket, mine, theirs, w, answers);
        } else {
          const w = worker(ANSWER, { className: CLASS[theirs], type: theirs, bind: true, address, answers });
          expect(await w.report()).toBe("ready");
          socket.connect(address);
          await exchange(socket, mine, theirs, w, answers);
        }
      });
    }
  }

  async function exchange(socket: zmq.Socket, type: TypeName, theirs: TypeName, w: TestWorker, answers: boolean): Promise<void> {
    const sender = socket as zmq.Pair;
    if (type === "XPUB") {
      // The subscription crossed: what is published now reaches the subscriber.
      expect(strings((await sender.receive()) as Buffer[])).toEqual(["\u0001"]);
      await sender.send("hello");
    } else if (type === "PUB") {
      // Nothing tells a PUB that the subscription arrived: publish until the subscriber has one.
      for (let i = 0; i < 2500 && !w.hasReport(); i++) {
        await sender.send("hello");
        await tick(2);
      }
    } else {
      // REP reads an envelope: a DEALER speaking to it sends the empty delimiter itself.
      await sender.send(type === "DEALER" && theirs === "REP" ? ["", "hello"] : "hello");
    }
    const got = await w.report();
    expect((got as string[]).at(-1)).toBe("hello");
    if (answers) {
      const reply = strings((await sender.receive()) as Buffer[]);
      expect(reply.at(-1)).toBe("re:hello");
    }
    w.tell("done");
    expect(await w.exited()).toBe(0);
  }

  it("PUSH here spreads over two PULL workers, and a worker terminated mid-stream is a disconnected peer", async () => {
    const address = bindAddress("inproc");
    const push = open(new zmq.Push({ linger: 0 }));
    await push.bind(address);
    const PULLER = `
      const pull = new zmq.Pull({ linger: 0 });
      pull.connect(data.address);
      report("ready");
      let n = 0;
      for await (const [msg] of pull) { n++; if (Buffer.from(msg).toString() === "last") break; }
      report(n);
    `;
    const doomed = worker(PULLER, { address });
    const survivor = worker(PULLER, { address });
    expect(await doomed.report()).toBe("ready");
    expect(await survivor.report()).toBe("ready");
    await until(() => push.writable && peers(push) === 2, "both workers connected");
    for (let i = 0; i < 100; i++) await push.send(String(i));
    const disconnected = nextEvent(push, "disconnect", 10_000);
    await doomed.worker.terminate();
    await disconnected;
    // Every message from now on goes to the worker that is left.
    for (let i = 0; i < 99; i++) await push.send(String(i));
    await push.send("last");
    const received = (await survivor.report()) as number;
    expect(received).toBeGreaterThanOrEqual(100);
    expect(received).toBeLessThanOrEqual(200);
  });

  it("a message written while this thread's reader sleeps wakes it, every time (no lost wake-up)", async () => {
    const address = bindAddress("inproc");
    const pull = open(new zmq.Pull({ linger: 0 }));
    await pull.bind(address);
    const w = worker(`
      const push = new zmq.Push({ linger: 0 });
      push.connect(data.address);
      for (let i = 0; i < 20; i++) {
        await next();
        await push.send(String(i));
      }
      await next();
      push.close();
    `, { address });
    for (let i = 0; i < 20; i++) {
      // Idle turns: the reader finds the ring empty, looks once more, and sleeps.
      await loopTurns(3);
      w.tell("send");
      expect(String((await within(pull.receive(), 5000, `message ${i}`))[0])).toBe(String(i));
    }
    w.tell("end");
  });

  it("a message written while a worker's reader sleeps wakes it, every time (no lost wake-up)", async () => {
    const address = bindAddress("inproc");
    const push = open(new zmq.Push({ linger: 0 }));
    await push.bind(address);
    const w = worker(`
      const pull = new zmq.Pull({ linger: 0 });
      pull.connect(data.address);
      for (let i = 0; i < 20; i++) {
        for (let k = 0; k < 3; k++) await new Promise((resolve) => setImmediate(resolve));
        report("idle");
        report(String((await pull.receive())[0]));
      }
      pull.close();
    `, { address });
    for (let i = 0; i < 20; i++) {
      expect(await w.report()).toBe("idle");
      await push.send(String(i));
      expect(await w.report(5000)).toBe(String(i));
    }
  });

  it("a worker that exits right after send() resolved has every message delivered (linger), then is a disconnected peer", async () => {
    const address = bindAddress("inproc");
    // A ring of 10 messages: most of what the worker sends still waits in its socket's queue when it exits.
    const ringMessages = zmq.context.threadRingMessages;
    zmq.context.threadRingMessages = 10;
    open.defer(() => (zmq.context.threadRingMessages = ringMessages));
    const pull = open(new zmq.Pull({ linger: 0 }));
    await pull.bind(address);
    const disconnected = nextEvent(pull, "disconnect", 10_000);
    const w = worker(`
      // Default linger (-1): what send() took is written to the ring before the thread ends.
      const push = new zmq.Push();
      // Connected first (a monitor listener holds no thread alive: the interval does meanwhile).
      const hold = setInterval(() => {}, 1 << 30);
      await new Promise((resolve) => { push.events.on("connect", resolve); push.connect(data.address); });
      clearInterval(hold);
      for (let i = 0; i < 500; i++) await push.send(String(i));
      process.exit(0);
    `, { address });
    const got: string[] = [];
    for (let i = 0; i < 500; i++) got.push(String((await pull.receive())[0]));
    expect(got).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
    expect(await w.exited()).toBe(0);
    await disconnected;
  });

  for (const bindFirst of [true, false]) {
    it(`a worker that connects, sends and ends at once still delivers: it waits for the link (${bindFirst ? "bound before" : "bound after it ended its code"})`, async () => {
      const address = bindAddress("inproc");
      const pull = open(new zmq.Pull({ linger: 0 }));
      if (bindFirst) await pull.bind(address);
      const w = worker(`
        const push = new zmq.Push();
        push.connect(data.address);
        for (let i = 0; i < 3; i++) await push.send(String(i));
        report("sent");
      `, { address });
      expect(await w.report()).toBe("sent");
      if (!bindFirst) await pull.bind(address);
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push(String((await pull.receive())[0]));
      expect(got).toEqual(["0", "1", "2"]);
      expect(await w.exited()).toBe(0);
    });
  }

  it("a peer that closed still has what it sent read, though this side writes to it after it stopped reading", async () => {
    const address = bindAddress("inproc");
    // One message in the socket's queue: the other two stay in the ring until it is read.
    const pair = open(new zmq.Pair({ linger: 0, receiveHighWaterMark: 1 }));
    await pair.bind(address);
    const disconnected = nextEvent(pair, "disconnect", 10_000);
    const w = worker(`
      const peer = new zmq.Pair();
      const hold = setInterval(() => {}, 1 << 30);
      await new Promise((resolve) => { peer.events.on("connect", resolve); peer.connect(data.address); });
      for (let i = 0; i < 3; i++) await peer.send(String(i));
      // Closed (linger -1: the three are in the ring), the thread kept alive: no exit tells the other side.
      peer.close();
      report("closed");
      await next();
      clearInterval(hold);
    `, { address });
    expect(await w.report()).toBe("closed");
    await until(() => pair.readable, "the first message queued");
    // This side writes to the peer that no longer reads: the link must not end before its ring is read.
    await pair.send("to a closed peer");
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push(String((await within(pair.receive(), 5_000, `message ${i}`))[0]));
    expect(got).toEqual(["0", "1", "2"]);
    await disconnected;
    w.tell("end");
    expect(await w.exited()).toBe(0);
  });

  it("a PUSH here stops at its high-water mark plus the ring plus the reader's when the PULL worker does not read", async () => {
    const address = bindAddress("inproc");
    const ringMessages = zmq.context.threadRingMessages;
    zmq.context.threadRingMessages = 20;
    open.defer(() => (zmq.context.threadRingMessages = ringMessages));
    const push = open(new zmq.Push({ linger: 0, sendHighWaterMark: 10, sendTimeout: 0 }));
    await push.bind(address);
    const w = worker(`
      const pull = new zmq.Pull({ linger: 0, receiveHighWaterMark: 30 });
      pull.connect(data.address);
      report("ready");
      await next();
      let n = 0;
      for await (const [msg] of pull) { if (Buffer.from(msg).toString() === "last") break; n++; }
      report(n);
    `, { address });
    expect(await w.report()).toBe("ready");
    await until(() => peers(push) === 1, "the worker connected");
    let sent = 0;
    for (;;) {
      try {
        await push.send(String(sent));
      } catch (error) {
        expect((error as zmq.ZmqError).code).toBe("EAGAIN");
        break;
      }
      sent++;
      expect(sent).toBeLessThanOrEqual(10 + 20 + 30);
    }
    // The sender's queue and the ring fill without the reader's thread doing anything.
    expect(sent).toBeGreaterThanOrEqual(10 + 20);
    w.tell("read");
    push.sendTimeout = -1;
    await push.send("last");
    expect(await w.report()).toBe(sent);
  });

  it("a PUB here drops at the high-water marks when the SUB worker does not read, and delivers the rest in order", async () => {
    const address = bindAddress("inproc");
    const ringMessages = zmq.context.threadRingMessages;
    zmq.context.threadRingMessages = 20;
    open.defer(() => (zmq.context.threadRingMessages = ringMessages));
    const pub = open(new zmq.XPublisher({ linger: 0, sendHighWaterMark: 10 }));
    await pub.bind(address);
    const w = worker(`
      const sub = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 30 });
      sub.subscribe("");
      sub.connect(data.address);
      await next();
      const got = [];
      for await (const [msg] of sub) { const text = Buffer.from(msg).toString(); if (text === "end") break; got.push(Number(text)); }
      report(got);
    `, { address });
    expect(strings((await pub.receive()) as Buffer[])).toEqual(["\u0001"]);
    for (let i = 0; i < 2000; i++) await pub.send(String(i));
    w.tell("read");
    // "end" itself may be dropped while the subscriber catches up: publish it until it arrives.
    for (let i = 0; i < 2500 && !w.hasReport(); i++) {
      await pub.send("end");
      await tick(2);
    }
    const got = (await w.report()) as number[];
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThanOrEqual(10 + 20 + 30);
    expect(got).toEqual([...got].sort((a, b) => a - b));
  });

  it("the default context is shared: an option set in one thread is seen in the others", async () => {
    try {
      zmq.context.maxSockets = 777;
      const w = worker(`report(zmq.context.maxSockets); zmq.context.maxSockets = 778; report("set");`);
      expect(await w.report()).toBe(777);
      expect(await w.report()).toBe("set");
      expect(zmq.context.maxSockets).toBe(778);
    } finally {
      zmq.context.maxSockets = 1023;
    }
  });
});

/** Peers a socket has a pipe to (its internal pipe set). */
function peers(socket: zmq.Socket): number {
  return (socket as unknown as { peerCount(): number }).peerCount();
}
