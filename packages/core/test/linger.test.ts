import { describe, expect, test } from "vitest";
import { Pull, Push } from "../src/index.js";
import { STREAM_TRANSPORTS, freeAddress, socketScope, strings, within } from "./helpers.js";

describe.each(STREAM_TRANSPORTS)("close() and queued messages over %s", (transport) => {
  const open = socketScope();

  test("with the default linger, messages queued before the peer ever connected are still delivered", async () => {
    const address = await freeAddress(transport);
    const push = new Push();
    push.connect(address);
    for (const body of ["one", "two", "three"]) await push.send(body);
    push.close();
    const pull = open(new Pull());
    await pull.bind(address);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push(strings(await within(pull.receive()))[0]!);
    expect(got).toEqual(["one", "two", "three"]);
  });

  test("with linger 0 they are dropped", async () => {
    const address = await freeAddress(transport);
    const push = new Push({ linger: 0 });
    push.connect(address);
    await push.send("dropped");
    push.close();
    const pull = open(new Pull());
    await pull.bind(address);
    const witness = open(new Push());
    witness.connect(address);
    await witness.send("witness");
    expect(strings(await within(pull.receive()))).toEqual(["witness"]);
  });

  test("a positive linger gives up when no peer comes in time", async () => {
    const address = await freeAddress(transport);
    const push = new Push({ linger: 50 });
    push.connect(address);
    await push.send("too late");
    push.close();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const pull = open(new Pull());
    await pull.bind(address);
    const witness = open(new Push());
    witness.connect(address);
    await witness.send("witness");
    expect(strings(await within(pull.receive()))).toEqual(["witness"]);
  });
});
