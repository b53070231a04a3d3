/**
 * A tight `await send()` / `await receive()` loop lets the event loop turn:
 * calls that complete at once settle as microtasks only for a bounded time,
 * then one waits for a `setImmediate` (src/util/turn-budget.ts). Without
 * that, timers, immediates and I/O scheduled before the loop would wait for
 * its end.
 */
import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { TRANSPORTS, bindFresh, socketScope, until, within } from "../helpers.js";

const open = socketScope();

/** Long enough that a loop runs for well over the 1 ms budget on any machine. */
const N = 100_000;
/**
 * Sends in the send loop: many milliseconds of sending, yet few enough that
 * the kernel's socket buffers take them all, so the sender never blocks on
 * back-pressure (which would let the loop turn for another reason).
 */
const SENDS = 20_000;

describe.each(TRANSPORTS)("Event loop turns over %s", (transport) => {
  it("a setImmediate and a timer scheduled before a tight send loop run before it ends", async () => {
    const pull = open(new Pull());
    const push = open(new Push());
    push.connect(await bindFresh(pull, transport));
    // Connected first: a send that waits for the connection would let the loop turn anyway.
    await push.send(Buffer.alloc(4));
    await within(pull.receive(), 5000, "the first message");
    let received = 0;
    let wrong = 0;
    const receiving = (async () => {
      for await (const [msg] of pull) {
        if (msg!.readUInt32BE(0) !== received) wrong++;
        if (++received === SENDS) return;
      }
    })();
    let i = 0;
    let immediateAt = -1;
    let timerAt = -1;
    setImmediate(() => (immediateAt = i));
    setTimeout(() => (timerAt = i), 0);
    for (i = 0; i < SENDS; i++) {
      const msg = Buffer.alloc(16);
      msg.writeUInt32BE(i, 0);
      await push.send(msg);
    }
    expect(immediateAt).toBeGreaterThanOrEqual(0);
    expect(immediateAt).toBeLessThan(SENDS);
    expect(timerAt).toBeGreaterThanOrEqual(0);
    expect(timerAt).toBeLessThan(SENDS);
    await within(receiving, 20_000, "receiving every message");
    expect(wrong).toBe(0);
  });

  it("a setImmediate scheduled before a tight receive loop over queued messages runs before it ends", async () => {
    const pull = open(new Pull({ receiveHighWaterMark: 0 }));
    const push = open(new Push({ sendHighWaterMark: 0 }));
    push.connect(await bindFresh(pull, transport));
    for (let i = 0; i < N; i++) {
      const msg = Buffer.alloc(16);
      msg.writeUInt32BE(i, 0);
      await push.send(msg);
    }
    await until(() => pull.pendingInbound() === N, "every message queued at the receiver", 20_000);
    let i = 0;
    let immediateAt = -1;
    let wrong = 0;
    setImmediate(() => (immediateAt = i));
    for (i = 0; i < N; i++) {
      const [msg] = await pull.receive();
      if (msg!.readUInt32BE(0) !== i) wrong++;
    }
    expect(immediateAt).toBeGreaterThanOrEqual(0);
    expect(immediateAt).toBeLessThan(N);
    expect(wrong).toBe(0);
  });
});

describe("Calls that settle after a turn", () => {
  it("receives called without awaiting settle in call order across turns", async () => {
    const pull = open(new Pull({ receiveHighWaterMark: 0 }));
    const push = open(new Push({ sendHighWaterMark: 0 }));
    push.connect(await bindFresh(pull, "inproc"));
    for (let i = 0; i < N; i++) await push.send(String(i));
    const order: number[] = [];
    const all: Promise<void>[] = [];
    for (let i = 0; i < N; i++) all.push(pull.receive().then(([msg]) => void order.push(Number(msg!.toString()))));
    await within(Promise.all(all), 20_000, "every receive");
    let wrong = 0;
    for (let i = 0; i < N; i++) if (order[i] !== i) wrong++;
    expect(wrong).toBe(0);
  });

  it("sends called without awaiting settle in call order across turns", async () => {
    const pull = open(new Pull({ receiveHighWaterMark: 0 }));
    const push = open(new Push({ sendHighWaterMark: 0 }));
    push.connect(await bindFresh(pull, "inproc"));
    const order: number[] = [];
    const all: Promise<void>[] = [];
    for (let i = 0; i < N; i++) all.push(push.send(String(i)).then(() => void order.push(i)));
    await within(Promise.all(all), 20_000, "every send");
    let wrong = 0;
    for (let i = 0; i < N; i++) if (order[i] !== i) wrong++;
    expect(wrong).toBe(0);
    expect(pull.pendingInbound()).toBe(N);
  });
});
