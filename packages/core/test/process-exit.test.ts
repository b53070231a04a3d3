/**
 * When a process that uses skein exits, as in the `zeromq` package: a socket
 * keeps the process alive only while a caller waits on it (a blocked
 * `send()`, a pending `receive()` or `for await`, a pending read of
 * `socket.events`); with nothing pending the process exits.
 *
 * Each test runs a real child process. Its probe is an unref'd timer: it
 * fires only if something else keeps the child's event loop alive, so
 * "alive" on the child's stdout proves the wait held the process open, and
 * its absence (with exit code 0) proves nothing did.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { Pull, Push } from "../src/index.js";
import { freeAddress, socketScope, strings, within, type Transport } from "./helpers.js";

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
