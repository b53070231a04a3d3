import { expect, test } from "vitest";
import { Dealer, Pull, Push, Router } from "../../src/index.js";
import { bindAddress, socketScope, strings, until, within } from "../helpers.js";

const open = socketScope();

test("two connects to one inproc address are two peers, and disconnect drops both", async () => {
  const address = bindAddress("inproc");
  const pull = open(new Pull());
  await pull.bind(address);
  const push = open(new Push());
  push.connect(address);
  push.connect(address);
  await push.send("a");
  await push.send("b");
  expect([strings(await within(pull.receive()))[0], strings(await within(pull.receive()))[0]].sort()).toEqual(["a", "b"]);
  push.disconnect(address);
  expect(push.writable).toBe(false);
});

test("a ROUTER connecting over inproc with a routing id already in use refuses the second peer on both sides", async () => {
  const first = bindAddress("inproc");
  const second = bindAddress("inproc");
  const a = open(new Dealer());
  const b = open(new Dealer());
  await a.bind(first);
  await b.bind(second);
  const router = open(new Router());
  router.connect(first, { routingId: "peer" });
  router.connect(second, { routingId: "peer" });
  await router.send(["peer", "hello"]);
  expect(strings(await within(a.receive()))).toEqual(["hello"]);
  // The refused link is gone on the bound side too: b has no peer to send to.
  await until(() => !b.writable, "b to have no peer");
  expect(b.writable).toBe(false);
});
