import { describe, expect, it } from "vitest";
import { Pull, Push } from "../../src/index.js";
import { socketScope } from "../helpers.js";

const open = socketScope();

describe("Endpoints", () => {
  it.each([
    ["no transport", "127.0.0.1:5555", "EINVAL"],
    ["tcp without port", "tcp://127.0.0.1", "EINVAL"],
    ["tcp with a bad port", "tcp://127.0.0.1:99999", "EINVAL"],
    ["tcp with a non-numeric port", "tcp://127.0.0.1:http", "EINVAL"],
    ["empty ipc path", "ipc://", "EINVAL"],
    ["empty inproc name", "inproc://", "EINVAL"],
    ["an unsupported transport", "pgm://eth0;239.192.1.1:5555", "EPROTONOSUPPORT"],
    ["an unknown transport", "carrier-pigeon://coop", "EPROTONOSUPPORT"],
  ])("bind refuses %s with %s", async (_, address, code) => {
    const pull = open(new Pull());
    await expect(pull.bind(address)).rejects.toMatchObject({ code, address });
  });

  it("connect refuses a wildcard host or port with EINVAL", () => {
    const push = open(new Push());
    expect(() => push.connect("tcp://*:5555")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => push.connect("tcp://127.0.0.1:*")).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("connect refuses to connect twice to the same stream endpoint", () => {
    const push = open(new Push());
    push.connect("tcp://127.0.0.1:1");
    expect(() => push.connect("tcp://127.0.0.1:1")).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("bind refuses an address in use with EADDRINUSE, for every transport", async () => {
    const first = open(new Pull());
    const second = open(new Pull());
    await first.bind("tcp://127.0.0.1:0");
    await expect(second.bind(first.lastEndpoint!)).rejects.toMatchObject({ code: "EADDRINUSE" });
    await first.bind("inproc://endpoint-test-in-use");
    await expect(second.bind("inproc://endpoint-test-in-use")).rejects.toMatchObject({ code: "EADDRINUSE" });
  });

  it("bindSync works for inproc and says what to do for other transports", () => {
    const pull = open(new Pull());
    pull.bindSync("inproc://endpoint-test-sync");
    expect(pull.lastEndpoint).toBe("inproc://endpoint-test-sync");
    expect(() => pull.bindSync("tcp://127.0.0.1:0")).toThrow(expect.objectContaining({ detail: expect.stringMatching(/await bind/) }));
  });
});
