import { describe, expect, it } from "vitest";
import { Context, Pull, Push } from "../../src/index.js";
import { TRANSPORTS, bindFresh, freeAddress, socketScope, strings, within } from "../helpers.js";

const open = socketScope();

describe.each(TRANSPORTS)("Timeouts over %s", (transport) => {
  it("a send that timed out is never delivered later", async () => {
    const push = open(new Push({ sendTimeout: 30 }));
    await expect(within(push.send("timed out"))).rejects.toMatchObject({ code: "EAGAIN" });
    const queued = push.send("queued after");
    const pull = open(new Pull());
    push.connect(await bindFresh(pull, transport));
    await within(queued);
    expect(strings(await within(pull.receive()))).toEqual(["queued after"]);
    await push.send("last");
    expect(strings(await within(pull.receive()))).toEqual(["last"]);
  });

  it("a timed-out send between two pending ones leaves the others in order", async () => {
    const push = open(new Push({ maxPendingSends: 0 }));
    const first = push.send("first");
    push.sendTimeout = 30;
    const middle = push.send("middle");
    push.sendTimeout = -1;
    const last = push.send("last");
    await expect(within(middle)).rejects.toMatchObject({ code: "EAGAIN" });
    const pull = open(new Pull());
    push.connect(await bindFresh(pull, transport));
    await within(Promise.all([first, last]));
    expect(strings(await within(pull.receive()))).toEqual(["first"]);
    expect(strings(await within(pull.receive()))).toEqual(["last"]);
  });

  it("a receive that timed out loses no message: the next receive gets it", async () => {
    const pull = open(new Pull({ receiveTimeout: 30 }));
    const address = await bindFresh(pull, transport);
    await expect(within(pull.receive())).rejects.toMatchObject({ code: "EAGAIN" });
    pull.receiveTimeout = -1;
    const push = open(new Push());
    push.connect(address);
    await push.send("kept");
    expect(strings(await within(pull.receive()))).toEqual(["kept"]);
  });

  it("receiveTimeout 0 fails at once when nothing is waiting", async () => {
    const pull = open(new Pull({ receiveTimeout: 0 }));
    await expect(within(pull.receive())).rejects.toMatchObject({ code: "EAGAIN" });
  });

  it("close() while a bind is in progress waits for the bind (as zeromq), then closes and leaves nothing listening", async () => {
    const pull = open(new Pull());
    const address = await freeAddress(transport);
    const binding = pull.bind(address);
    pull.close();
    expect(pull.closed).toBe(false);
    await binding;
    expect(pull.closed).toBe(true);
    const again = open(new Pull());
    await again.bind(address);
  });

  it("context.close() while a bind is in progress rejects the bind with ETERM and leaves nothing listening", async () => {
    const context = new Context();
    const pull = open(new Pull({ context }));
    const address = await freeAddress(transport);
    const binding = pull.bind(address);
    context.close();
    expect(pull.closed).toBe(true);
    await expect(binding).rejects.toMatchObject({ code: "ETERM" });
    const again = open(new Pull());
    await again.bind(address);
  });

  it("close() twice is harmless, and a closed socket refuses bind with EBADF", async () => {
    const pull = open(new Pull());
    pull.close();
    pull.close();
    await expect(pull.bind(await freeAddress(transport))).rejects.toMatchObject({ code: "EBADF" });
  });
});

describe("inproc edge cases", () => {
  it("a connecter that closed before the bind delivers nothing to the binder", async () => {
    const address = await freeAddress("inproc");
    const gone = open(new Push());
    gone.connect(address);
    await gone.send("from a closed socket");
    gone.close();
    const pull = open(new Pull());
    await pull.bind(address);
    const alive = open(new Push());
    alive.connect(address);
    await alive.send("alive");
    expect(strings(await within(pull.receive()))).toEqual(["alive"]);
  });

  it("messages a peer sent before closing stay readable", async () => {
    const pull = open(new Pull());
    const push = open(new Push());
    push.connect(await bindFresh(pull, "inproc"));
    for (const m of ["a", "b", "c"]) await push.send(m);
    push.close();
    for (const m of ["a", "b", "c"]) expect(strings(await within(pull.receive()))).toEqual([m]);
  });
});
