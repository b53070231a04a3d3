import { expect, test } from "vitest";
import { Pull, Push, Router, Dealer } from "../src/index.js";
import { COPY_THRESHOLD } from "../src/socket/message.js";
import { bindFresh, freeAddress, socketScope, within } from "./helpers.js";

const open = socketScope();

test("over inproc a sent Buffer over 128 bytes reaches the receiver as the same object, a smaller one as a copy", async () => {
  const pull = open(new Pull());
  const push = open(new Push());
  push.connect(await bindFresh(pull, "inproc"));
  const body = Buffer.alloc(COPY_THRESHOLD + 1, "z");
  const small = Buffer.alloc(COPY_THRESHOLD, "s");
  const parts = [Buffer.from("a"), Buffer.alloc(1024 * 1024)];
  await push.send(body);
  await push.send(small);
  await push.send(parts);
  const [got] = await within(pull.receive());
  expect(got).toBe(body);
  // As zeromq: at most 128 bytes are copied at send(), so the sender may reuse the buffer at once.
  small.fill("x");
  const [gotSmall] = await within(pull.receive());
  expect(gotSmall).not.toBe(small);
  expect(gotSmall!.toString()).toBe("s".repeat(COPY_THRESHOLD));
  const gotParts = await within(pull.receive());
  expect(gotParts[0]).not.toBe(parts[0]);
  expect(gotParts[0]!.toString()).toBe("a");
  expect(gotParts[1]).toBe(parts[1]);
});

test.each(["tcp", "ipc", "inproc"] as const)(
  "over %s a small Buffer queued for an absent peer is not held, a large one is (zero-copy)",
  async (transport) => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, "test workers run with --expose-gc").toBeTypeOf("function");
    const push = open(new Push({ linger: 0 }));
    push.connect(await freeAddress(transport));
    const refs: Record<"small" | "large", WeakRef<Buffer> | undefined> = { small: undefined, large: undefined };
    // Sent from a job that ends before the collection (a WeakRef holds its target until then).
    await (async () => {
      const small = Buffer.alloc(16);
      const large = Buffer.alloc(COPY_THRESHOLD + 1);
      refs.small = new WeakRef(small);
      refs.large = new WeakRef(large);
      await push.send(small);
      await push.send(large);
    })();
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
    expect(refs.small!.deref()).toBeUndefined();
    expect(refs.large!.deref()).toBeDefined();
  },
);

test("a typed-array view is sent without copying its memory", async () => {
  const router = open(new Router());
  const dealer = open(new Dealer({ routingId: "d" }));
  dealer.connect(await bindFresh(router, "inproc"));
  const memory = new Uint8Array(COPY_THRESHOLD + 1).fill(7);
  await dealer.send(memory);
  const [, got] = await within(router.receive());
  expect(got!.buffer).toBe(memory.buffer);
});
