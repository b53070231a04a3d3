/**
 * A sender held at its high-water mark is served again when the connection
 * takes a message from the pipe. That can happen inside the send that fills
 * the pipe (the first message of a turn is written at once; an inproc peer
 * reads at once), so serving senders must not re-enter itself: before, the
 * head waiter's message was handed on again and again until the stack
 * overflowed (process crash), and a message taken during a flush could be
 * written before the one being encoded. Every message must arrive once, in
 * order, whatever the high-water marks.
 */
import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { TRANSPORTS, bindFresh, freeAddress, socketScope, within } from "../helpers.js";

const open = socketScope();

/** Enough sequential sends that the sender is held at its mark thousands of times. */
const N = 20_000;

describe.each(TRANSPORTS)("A sender held at its high-water mark over %s", (transport) => {
  it.each([
    [1, 1],
    [2, 1],
    [1, 1000],
    [1000, 1],
  ])("with send HWM %i and receive HWM %i delivers every message once, in order", async (sendHwm, receiveHwm) => {
    const pull = open(new Pull({ receiveHighWaterMark: receiveHwm }));
    const push = open(new Push({ sendHighWaterMark: sendHwm }));
    push.connect(await bindFresh(pull, transport));
    const sending = (async () => {
      for (let i = 0; i < N; i++) await push.send(String(i));
    })();
    let next = 0;
    const receiving = (async () => {
      for (; next < N; next++) {
        const [frame] = await pull.receive();
        expect(frame!.toString()).toBe(String(next));
      }
    })();
    await within(Promise.all([sending, receiving]), 60_000, `${N} messages (received ${next})`);
    expect(next).toBe(N);
  });
});

describe.each(["tcp", "ipc"] as const)("A send() from a readiness listener during a flush over %s", (transport) => {
  it("goes out after the message the flush is taking", async () => {
    // Room comes back while the engine takes a message from the pipe; a readiness listener
    // (Poller, Proxy) that sends there must not have its message encoded before that one.
    const push = open(new Push({ sendHighWaterMark: 1 }));
    const pull = open(new Pull());
    const address = await freeAddress(transport);
    push.connect(address);
    await push.send("first");
    let second: Promise<void> | null = null;
    const stop = push.onReadiness(() => {
      if (second === null && push.writable) second = push.send(Buffer.from("second"));
    });
    open.defer(stop);
    await pull.bind(address);
    const received = [await within(pull.receive()), await within(pull.receive())].map((msg) => msg[0]!.toString());
    expect(received).toEqual(["first", "second"]);
    expect(second).not.toBeNull();
    await within(second!);
  });
});
