import { describe, expect, it } from "vitest";
import { Context, Pull, Push } from "../src/index.js";
import { socketScope, strings, within } from "./helpers.js";

const open = socketScope();

describe("Context", () => {
  it("keeps inproc names apart between contexts", async () => {
    const a = new Context();
    const b = new Context();
    const pullA = open(new Pull({ context: a }));
    const pullB = open(new Pull({ context: b }));
    await pullA.bind("inproc://context-test-same-name");
    await pullB.bind("inproc://context-test-same-name");
    const push = open(new Push({ context: b }));
    push.connect("inproc://context-test-same-name");
    await push.send("to b");
    expect(strings(await within(pullB.receive()))).toEqual(["to b"]);
    expect(pullA.readable).toBe(false);
  });

  it("close() closes every socket of the context and ends their pending receives and sends with ETERM", async () => {
    const context = new Context();
    const pull = open(new Pull({ context, linger: 0 }));
    const push = open(new Push({ context, linger: 0 }));
    await pull.bind("tcp://127.0.0.1:0");
    push.connect(pull.lastEndpoint!);
    const pending = pull.receive();
    // A PUSH with no peer: its send waits.
    const sending = open(new Push({ context, linger: 0 })).send("nowhere to go");
    context.close();
    await expect(within(pending)).rejects.toMatchObject({ code: "ETERM", errno: 156384765 });
    await expect(within(sending)).rejects.toMatchObject({ code: "ETERM" });
    expect(pull.closed && push.closed).toBe(true);
    expect(context.closed).toBe(true);
  });

  it("refuses more than maxSockets sockets with EMFILE", () => {
    const context = new Context({ maxSockets: 2 });
    open(new Push({ context }));
    open(new Push({ context }));
    expect(() => new Push({ context })).toThrow(expect.objectContaining({ code: "EMFILE" }));
    context.close();
  });

  it("a socket closed on its own ends its pending receives with EAGAIN, as zeromq does", async () => {
    const pull = open(new Pull({ linger: 0 }));
    const pending = pull.receive();
    pull.close();
    await expect(within(pending)).rejects.toMatchObject({ code: "EAGAIN" });
  });

  it("rejects unknown context options", () => {
    expect(() => new Context({ nonsense: true } as never)).toThrow(TypeError);
  });
});
