import { describe, expect, test } from "vitest";
import { Context, Dealer, Pull, Push, Router, messageProperties } from "../src/index.js";
import { TRANSPORTS, bindFresh, socketScope, strings } from "./helpers.js";

describe.each(TRANSPORTS)("message properties over %s", (transport) => {
  const scope = socketScope();

  test("a socket created with messageProperties tells who sent each message", async () => {
    const pull = scope(new Pull({ messageProperties: true }));
    const address = await bindFresh(pull, transport);
    const push = scope(new Push());
    push.connect(address);
    await push.send("hello");
    const msg = await pull.receive();
    const properties = messageProperties(msg);
    expect(properties?.socketType).toBe("PUSH");
    expect(properties?.get("Socket-Type")).toBe("PUSH");
    expect(properties?.get("socket-type")).toBe("PUSH");
    expect(properties?.userId).toBe("");
    if (transport === "tcp") expect(properties?.get("Peer-Address")).toBe("127.0.0.1");
  });

  test("a ROUTER sees the routing id a DEALER announced, in its properties too", async () => {
    const router = scope(new Router({ messageProperties: true }));
    const address = await bindFresh(router, transport);
    const dealer = scope(new Dealer({ routingId: "dealer-7" }));
    dealer.connect(address);
    await dealer.send("hi");
    const msg = await router.receive();
    expect(strings(msg)).toEqual(["dealer-7", "hi"]);
    expect(messageProperties(msg)?.get("Routing-Id")).toBe("dealer-7");
    expect(messageProperties(msg)?.socketType).toBe("DEALER");
  });
});

test("without messageProperties nothing is recorded", async () => {
  const pull = new Pull({ linger: 0 });
  await pull.bind("inproc://no-properties");
  const push = new Push({ linger: 0 });
  push.connect("inproc://no-properties");
  await push.send("x");
  const msg = await pull.receive();
  expect(messageProperties(msg)).toBeUndefined();
  push.close();
  pull.close();
});

test("a ZAP handler's user id reaches the message properties of a PLAIN peer", async () => {
  const context = new Context();
  context.zapHandler = (request) => ({ allow: true, userId: `user:${request.credentials[0]!.toString()}`, metadata: { Role: "admin" } });
  const pull = new Pull({ context, plainServer: true, messageProperties: true, linger: 0 });
  await pull.bind("tcp://127.0.0.1:0");
  const push = new Push({ context, plainUsername: "ada", plainPassword: "secret", linger: 0 });
  push.connect(pull.lastEndpoint!);
  await push.send("authenticated");
  const msg = await pull.receive();
  expect(messageProperties(msg)?.userId).toBe("user:ada");
  expect(messageProperties(msg)?.get("User-Id")).toBe("user:ada");
  expect(messageProperties(msg)?.get("Role")).toBe("admin");
  context.close();
});
