/**
 * When a process that uses skein exits, as in the `zeromq` package: a socket
 * keeps the process alive only while a caller waits on it (a blocked
 * `send()`, a pending `receive()` or `for await`, a pending read of
 * `socket.events`); with nothing pending the process exits.
 *
 * Idle tcp, ipc, ws and wss endpoints hold nothing either (listeners,
 * connections, redial, handshake and heartbeat timers are unref'd), as
 * libzmq's I/O threads hold no Node handle; a closed socket flushing its
 * queued messages within `linger` does hold the process.
 *
 * A program that ends without closing its sockets still sends what it
 * queued, as with `zeromq` (which closes every socket at exit): sockets with
 * queued messages are closed when the loop runs out of work and flush within
 * `linger`, with `zeromq`'s warning after 500 ms (src/exit-linger.ts).
 *
 * Each test runs a real child process. Its probe is an unref'd timer: it
 * fires only if something else keeps the child's event loop alive, so
 * "alive" on the child's stdout proves the wait held the process open, and
 * its absence (with exit code 0) proves nothing did.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { Worker } from "node:worker_threads";
import { Pull, Push } from "../src/index.js";
import { STREAM_TRANSPORTS, freeAddress, socketScope, strings, within, type Transport } from "./helpers.js";

const coreEntry = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const open = socketScope();

/** Fires after the child's loop had a turn, only if something keeps the loop alive. */
const PROBE = `setTimeout(() => { console.log("alive"); onAlive(); }, 50).unref();`;

interface Child {
  /** Resolves once the child printed a line containing `text`. */
  printed(text: string): Promise<void>;
  /** Resolves with the exit code (rejects after `ms`). */
  exited(ms?: number): Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

function runChild(program: string): Child {
  const child = spawn(process.execPath, ["--input-type=module", "-e", `import * as zmq from ${JSON.stringify(coreEntry)};\n${program}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    printed: (text) =>
      within(
        new Promise<void>((resolve, reject) => {
          const check = (): void => {
            if (stdout.includes(text)) resolve();
          };
          child.stdout.on("data", check);
          check();
          void exit.then(() => {
            check();
            reject(new Error(`child exited without printing "${text}"; stdout: ${stdout}; stderr: ${stderr}`));
          });
        }),
        10_000,
        `child printing "${text}"`,
      ),
    exited: async (ms = 10_000) => {
      try {
        return await within(exit, ms, "child exit");
      } finally {
        child.kill();
      }
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

describe.each(["tcp", "ipc"] as Transport[])("over %s", (transport) => {
  test("a send blocked with no peer keeps the process alive until a peer takes the message", async () => {
    const address = await freeAddress(transport);
    const child = runChild(`
      const push = new zmq.Push();
      const sent = push.send("kept");
      console.log("blocked");
      function onAlive() { push.connect(${JSON.stringify(address)}); }
      ${PROBE}
      await sent;
      console.log("sent");
      push.close();
    `);
    await child.printed("alive");
    // The peer arrives only now: the child had nothing else to keep it alive.
    const pull = open(new Pull());
    await pull.bind(address);
    expect(strings(await within(pull.receive(), 10_000, "the blocked message"))).toEqual(["kept"]);
    expect(await child.exited()).toBe(0);
    expect(child.stdout()).toMatch(/blocked\s+alive\s+sent/);
  });

  test("a pending receive keeps the process alive until a message comes", async () => {
    const push = open(new Push());
    await push.bind(transport === "tcp" ? "tcp://127.0.0.1:0" : await freeAddress(transport));
    const child = runChild(`
      const pull = new zmq.Pull();
      const received = pull.receive();
      function onAlive() { pull.connect(${JSON.stringify(push.lastEndpoint)}); }
      ${PROBE}
      console.log("got", (await received).toString());
      pull.close();
    `);
    await child.printed("alive");
    await within(push.send("late"), 10_000, "send to the child");
    expect(await child.exited()).toBe(0);
    expect(child.stdout()).toContain("got late");
  });
});

test("a for await over socket.events keeps the process alive until the socket closes", async () => {
  const child = runChild(`
    const dealer = new zmq.Dealer();
    const reading = (async () => {
      for await (const event of dealer.events) {
        console.log("event", event.type);
        if (event.type === "bind") dealer.close();
      }
      console.log("events ended");
    })();
    function onAlive() { void dealer.bind("tcp://127.0.0.1:0"); }
    ${PROBE}
    await reading;
  `);
  expect(await child.exited()).toBe(0);
  expect(child.stdout()).toMatch(/alive\s+event bind\s+(event \S+\s+)*events ended/);
});

test("a pending socket.events.receive() keeps the process alive until an event comes", async () => {
  const child = runChild(`
    const dealer = new zmq.Dealer();
    const next = dealer.events.receive();
    function onAlive() { dealer.bindSync("inproc://process-exit"); }
    ${PROBE}
    console.log("event", (await next).type);
  `);
  expect(await child.exited()).toBe(0);
  expect(child.stdout()).toMatch(/alive\s+event bind/);
});

test("a running proxy keeps the process alive until it is terminated", async () => {
  const child = runChild(`
    const proxy = new zmq.Proxy(new zmq.Router(), new zmq.Dealer());
    await proxy.frontEnd.bind("tcp://127.0.0.1:0");
    await proxy.backEnd.bind("tcp://127.0.0.1:0");
    const running = proxy.run();
    function onAlive() { proxy.terminate(); }
    ${PROBE}
    await running;
    console.log("proxy ended");
  `);
  expect(await child.exited()).toBe(0);
  expect(child.stdout()).toMatch(/alive\s+proxy ended/);
});

test("a process whose sockets have nothing pending exits at once", async () => {
  // Every kind of wait, each ended: received, sent, timed out, event read, closed.
  const child = runChild(`
    const a = new zmq.Pair();
    const b = new zmq.Pair();
    a.bindSync("inproc://nothing-pending");
    b.connect("inproc://nothing-pending");
    const received = a.receive();
    await b.send("x");
    await received;
    const blocked = new zmq.Push({ sendTimeout: 20 });
    await blocked.send("x").catch((error) => console.log("send", error.code));
    const idle = new zmq.Pull({ receiveTimeout: 20 });
    await idle.receive().catch((error) => console.log("receive", error.code));
    const watched = new zmq.Dealer();
    const event = watched.events.receive();
    watched.bindSync("inproc://nothing-pending-events");
    await event;
    const iterated = new zmq.Pull();
    const loop = (async () => { for await (const _ of iterated) {} })();
    const closing = new zmq.Push();
    const waiting = closing.send("never");
    iterated.close();
    closing.close();
    await loop;
    await waiting.catch((error) => console.log("closed", error.code));
    console.log("done");
    function onAlive() {}
    ${PROBE}
  `);
  expect(await child.exited()).toBe(0);
  expect(child.stdout()).toContain("done");
  expect(child.stdout()).not.toContain("alive");
});

describe.each(STREAM_TRANSPORTS)("idle endpoints over %s", (transport) => {
  test("a process with a bound socket and a connected peer, both idle, exits", async () => {
    const address = await freeAddress(transport);
    const child = runChild(`
      const pull = new zmq.Pull({ heartbeatInterval: 100 });
      const push = new zmq.Push({ heartbeatInterval: 100, reconnectInterval: 20 });
      await pull.bind(${JSON.stringify(address)});
      push.connect(pull.lastEndpoint);
      await push.send("x");
      console.log("got", (await pull.receive()).toString());
      function onAlive() {}
      ${PROBE}
    `);
    expect(await child.exited()).toBe(0);
    expect(child.stdout()).toContain("got x");
    expect(child.stdout()).not.toContain("alive");
  });

  test("a process whose socket redials an endpoint nobody binds exits", async () => {
    // Each attempt's connect request holds the loop while it is in flight; the redial timer does not.
    const child = runChild(`
      const orphan = new zmq.Dealer({ reconnectInterval: 20 });
      orphan.connect(${JSON.stringify(await freeAddress(transport))});
      console.log("connecting");
    `);
    expect(await child.exited()).toBe(0);
    expect(child.stdout()).toContain("connecting");
  });

  test("a pending receive on a connected socket keeps the process alive", async () => {
    const address = await freeAddress(transport);
    const child = runChild(`
      const pull = new zmq.Pull();
      const push = new zmq.Push();
      await pull.bind(${JSON.stringify(address)});
      push.connect(pull.lastEndpoint);
      await push.send("first");
      await pull.receive();
      const received = pull.receive();
      function onAlive() { void push.send("late"); }
      ${PROBE}
      console.log("got", (await received).toString());
    `);
    expect(await child.exited()).toBe(0);
    expect(child.stdout()).toMatch(/alive\s+got late/);
  });
});

test("a process with idle udp:// and epgm:// endpoints exits", async () => {
  const child = runChild(`
    const draft = await import(${JSON.stringify(new URL("../dist/draft.js", import.meta.url).href)});
    const dish = new draft.Dish();
    await dish.bind("udp://127.0.0.1:*");
    dish.join("g");
    const radio = new draft.Radio();
    radio.connect(dish.lastEndpoint);
    await radio.send("x", { group: "g" });
    const port = 20000 + Math.floor(Math.random() * 20000);
    const sub = new zmq.Subscriber();
    sub.subscribe();
    await sub.bind("epgm://127.0.0.1;239.193.0.2:" + port);
    const pub = new zmq.Publisher();
    // Connected, nothing to send (what waits for the rate pacing holds the process until it is out).
    pub.connect("epgm://127.0.0.1;239.193.0.2:" + port);
    await new Promise((resolve) => setImmediate(resolve));
    console.log("ready");
    function onAlive() {}
    ${PROBE}
  `);
  expect(await child.exited()).toBe(0);
  expect(child.stdout()).toContain("ready");
  expect(child.stdout()).not.toContain("alive");
});

test("a closed socket whose message waits for a connection keeps the process alive until it is sent", async () => {
  const address = await freeAddress("tcp");
  const child = runChild(`
    const push = new zmq.Push({ linger: -1, reconnectInterval: 20 });
    push.connect(${JSON.stringify(address)});
    await push.send("kept");
    push.close();
    console.log("closed");
  `);
  await child.printed("closed");
  const pull = open(new Pull());
  await pull.bind(address);
  expect(strings(await within(pull.receive(), 10_000, "the lingering message"))).toEqual(["kept"]);
  expect(await child.exited()).toBe(0);
});

describe.each(["tcp", "ipc"] as Transport[])("a program that ends without closing its socket, over %s", (transport) => {
  test("still delivers what it sent", async () => {
    const pull = open(new Pull());
    await pull.bind(transport === "tcp" ? "tcp://127.0.0.1:0" : await freeAddress(transport));
    const child = runChild(`
      const push = new zmq.Push();
      push.connect(${JSON.stringify(pull.lastEndpoint)});
      await push.send("sent, then the program ended");
      console.log("ended");
    `);
    expect(strings(await within(pull.receive(), 10_000, "the message of the ended program"))).toEqual(["sent, then the program ended"]);
    expect(await child.exited()).toBe(0);
    expect(child.stdout()).toContain("ended");
  });

  test("waits for a peer that comes only after the program ended", async () => {
    const address = await freeAddress(transport);
    const child = runChild(`
      const push = new zmq.Push({ reconnectInterval: 20 });
      push.connect(${JSON.stringify(address)});
      await push.send("kept for the late peer");
      console.log("ended");
    `);
    await child.printed("ended");
    const pull = open(new Pull());
    await pull.bind(address);
    expect(strings(await within(pull.receive(), 10_000, "the message of the ended program"))).toEqual(["kept for the late peer"]);
    expect(await child.exited()).toBe(0);
  });
});

describe.each([true, false])("messages that wait at exit longer than 500 ms, blocky %s", (blocky) => {
  // zeromq.js's own tests: its text, with the hint when the context is blocky.
  const warning = blocky
    ? /\(node:\d+\) WARNING: Waiting for queued ZeroMQ messages to be delivered\. Set 'context\.blocky = false' to change this behaviour\.\r?\n/
    : /\(node:\d+\) WARNING: Waiting for queued ZeroMQ messages to be delivered\.\r?\n/;

  test("print zeromq's warning, and the process ends with linger", async () => {
    const address = await freeAddress("tcp");
    const child = runChild(`
      zmq.context.blocky = ${blocky};
      const dealer = new zmq.Dealer({ linger: 1000 });
      dealer.connect(${JSON.stringify(address)});
      await dealer.send("nobody takes this");
    `);
    expect(await child.exited()).toBe(0);
    expect(child.stderr()).toMatch(warning);
  });

  test("print nothing when linger ends the wait first", async () => {
    const address = await freeAddress("tcp");
    const child = runChild(`
      zmq.context.blocky = ${blocky};
      const dealer = new zmq.Dealer({ linger: 50 });
      dealer.connect(${JSON.stringify(address)});
      await dealer.send("nobody takes this");
    `);
    expect(await child.exited()).toBe(0);
    expect(child.stderr()).not.toContain("Waiting for queued");
  });
});

test("a worker thread that returns with open tcp sockets ends", async () => {
  // zeromq.js's socket-thread tests: the worker exchanges a message and returns, its sockets open.
  const worker = new Worker(
    `import(${JSON.stringify(coreEntry)}).then(async (zmq) => {
      const pull = new zmq.Pull({ heartbeatInterval: 100 });
      const push = new zmq.Push({ reconnectInterval: 20 });
      await pull.bind("tcp://127.0.0.1:0");
      push.connect(pull.lastEndpoint);
      await push.send("x");
      await pull.receive();
      require("node:worker_threads").parentPort.postMessage("done");
    });`,
    { eval: true },
  );
  const messages: unknown[] = [];
  worker.on("message", (message) => messages.push(message));
  const code = await within(
    new Promise<number>((resolve) => worker.once("exit", resolve)),
    10_000,
    "worker exit",
  ).finally(() => void worker.terminate());
  expect(messages).toEqual(["done"]);
  expect(code).toBe(0);
});
