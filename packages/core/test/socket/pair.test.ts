import { describe, expect, it } from "vitest";
import { Pair } from "../../src/index.js";
import { TRANSPORTS, bindFresh, nextEvent, socketScope, strings, within } from "../helpers.js";

const open = socketScope();

describe.each(TRANSPORTS)("PAIR over %s", (transport) => {
  it("exchanges messages both ways with its one peer", async () => {
    const a = open(new Pair());
    const b = open(new Pair());
    b.connect(await bindFresh(a, transport));
    await b.send(["from", "b"]);
    expect(strings(await within(a.receive()))).toEqual(["from", "b"]);
    await a.send(["from", "a"]);
    expect(strings(await within(b.receive()))).toEqual(["from", "a"]);
  });

  it("refuses a second peer while the first is connected", async () => {
    const a = open(new Pair());
    const address = await bindFresh(a, transport);
    const first = open(new Pair());
    first.connect(address);
    await first.send("first");
    expect(strings(await within(a.receive()))).toEqual(["first"]);
    const second = open(new Pair());
    // Over a stream the refused peer's connection is closed right after its handshake.
    const refused = transport === "inproc" ? Promise.resolve() : nextEvent(a, "disconnect");
    second.connect(address);
    await refused;
    // The refused PAIR has no peer to send to. Over inproc its send waits, and fails when it
    // closes; over a stream it is queued for the connection it keeps retrying.
    const pending = second.send("second").catch((error: { code: string }) => error.code);
    await a.send("to the first");
    expect(strings(await within(first.receive()))).toEqual(["to the first"]);
    await first.send("again");
    expect(strings(await within(a.receive()))).toEqual(["again"]);
    expect(second.readable).toBe(false);
    second.close();
    expect(await pending).toBe(transport === "inproc" ? "EAGAIN" : undefined);
  });
});
