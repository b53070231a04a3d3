import { expect, test } from "vitest";
import { Pull, Push, Router, Dealer } from "../src/index.js";
import { bindFresh, socketScope, within } from "./helpers.js";

const open = socketScope();

test("over inproc a sent Buffer reaches the receiver as the same object, not a copy", async () => {
  const pull = open(new Pull());
  const push = open(new Push());
  push.connect(await bindFresh(pull, "inproc"));
  const body = Buffer.from("zero-copy");
  const parts = [Buffer.from("a"), Buffer.alloc(1024 * 1024)];
  await push.send(body);
  await push.send(parts);
  const [got] = await within(pull.receive());
  expect(got).toBe(body);
  const gotParts = await within(pull.receive());
  expect(gotParts[0]).toBe(parts[0]);
  expect(gotParts[1]).toBe(parts[1]);
});

test("a typed-array view is sent without copying its memory", async () => {
  const router = open(new Router());
  const dealer = open(new Dealer({ routingId: "d" }));
  dealer.connect(await bindFresh(router, "inproc"));
  const memory = new Uint8Array(16).fill(7);
  await dealer.send(memory);
  const [, got] = await within(router.receive());
  expect(got!.buffer).toBe(memory.buffer);
});
