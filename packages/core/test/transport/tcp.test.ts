import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { socketScope, strings, within } from "../helpers.js";

const open = socketScope();

describe("tcp transport", () => {
  it("reports the port the kernel chose for port 0 in lastEndpoint", async () => {
    const pull = open(new Pull());
    await pull.bind("tcp://127.0.0.1:0");
    expect(pull.lastEndpoint).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(pull.lastEndpoint).not.toBe("tcp://127.0.0.1:0");
  });

  it("binds every interface and an ephemeral port for tcp://*:*", async () => {
    const pull = open(new Pull());
    await pull.bind("tcp://*:*");
    const match = /^tcp:\/\/0\.0\.0\.0:(\d+)$/.exec(pull.lastEndpoint!);
    expect(match).not.toBeNull();
    const push = open(new Push());
    push.connect(`tcp://127.0.0.1:${match![1]}`);
    await push.send("via wildcard");
    expect(strings(await within(pull.receive()))).toEqual(["via wildcard"]);
  });

  it("resolves a host name when connecting", async () => {
    const pull = open(new Pull());
    await pull.bind("tcp://127.0.0.1:0");
    const port = pull.lastEndpoint!.split(":").pop();
    const push = open(new Push());
    push.connect(`tcp://localhost:${port}`);
    await push.send("by name");
    expect(strings(await within(pull.receive()))).toEqual(["by name"]);
  });

  // IPv6 loopback was checked to work on the test machine (node -e listen on ::1).
  it("binds and connects over IPv6 with a bracketed address", async () => {
    const pull = open(new Pull({ ipv6: true }));
    await pull.bind("tcp://[::1]:0");
    expect(pull.lastEndpoint).toMatch(/^tcp:\/\/\[::1\]:\d+$/);
    const push = open(new Push({ ipv6: true }));
    push.connect(pull.lastEndpoint!);
    await push.send("over v6");
    expect(strings(await within(pull.receive()))).toEqual(["over v6"]);
  });

  it("refuses to bind an address the machine does not have with EADDRNOTAVAIL", async () => {
    const pull = open(new Pull());
    await expect(pull.bind("tcp://192.0.2.1:0")).rejects.toMatchObject({ code: "EADDRNOTAVAIL" });
  });

  it("unbinds a wildcard-port bind by its resolved endpoint only, as libzmq", async () => {
    const pull = open(new Pull());
    await pull.bind("tcp://127.0.0.1:*");
    await expect(pull.unbind("tcp://127.0.0.1:*")).rejects.toMatchObject({ code: "ENOENT" });
    await pull.unbind(pull.lastEndpoint!);
  });

  it("unbinds a bind on a named port by the address it was given", async () => {
    const probe = open(new Pull());
    await probe.bind("tcp://127.0.0.1:0");
    const port = probe.lastEndpoint!.split(":").pop();
    await probe.unbind(probe.lastEndpoint!);
    const pull = open(new Pull());
    await pull.bind(`tcp://*:${port}`);
    expect(pull.lastEndpoint).toBe(`tcp://0.0.0.0:${port}`);
    await pull.unbind(`tcp://*:${port}`);
    await expect(pull.unbind(`tcp://0.0.0.0:${port}`)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

