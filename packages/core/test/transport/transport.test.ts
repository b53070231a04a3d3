/**
 * The transport table (src/transport/transport.ts) as an entry without the
 * Node transports sees it: this file imports sockets from their own modules,
 * never src/index.ts, so only inproc:// is registered until a test registers
 * more (vitest runs each test file in its own module graph).
 */
import { describe, expect, it } from "vitest";
import { Pull } from "../../src/socket/pull.js";
import { Push } from "../../src/socket/push.js";
import { tcp } from "../../src/transport/tcp.js";
import { registerTransport, registeredSchemes } from "../../src/transport/transport.js";
import { socketScope, strings, within } from "../helpers.js";

const open = socketScope();

describe("Transport table", () => {
  it("a socket of an entry that registers no transport has inproc:// only, and refuses the others with EPROTONOSUPPORT", async () => {
    expect(registeredSchemes()).toEqual(["inproc"]);
    const push = open(new Push());
    const pull = open(new Pull());
    for (const address of ["tcp://127.0.0.1:5555", "ipc:///tmp/skein-unregistered.ipc", "ws://127.0.0.1:5555/", "wss://127.0.0.1:5555/"]) {
      expect(() => push.connect(address)).toThrow(
        expect.objectContaining({ code: "EPROTONOSUPPORT", address, detail: expect.stringContaining("registers inproc://") }),
      );
      await expect(pull.bind(address)).rejects.toMatchObject({ code: "EPROTONOSUPPORT", address });
    }
    // Schemes skein has no implementation of, and unknown ones, keep their own messages.
    expect(() => push.connect("pgm://eth0;239.192.1.1:5555")).toThrow(expect.objectContaining({ code: "EPROTONOSUPPORT", detail: expect.stringContaining("not supported by skein") }));
    expect(() => push.connect("carrier-pigeon://coop")).toThrow(expect.objectContaining({ code: "EPROTONOSUPPORT", detail: "Unknown transport carrier-pigeon://" }));
    pull.bindSync("inproc://table-inproc");
    push.connect("inproc://table-inproc");
    await push.send("over inproc");
    expect(strings(await within(pull.receive(), 5000, "the inproc message"))).toEqual(["over inproc"]);
  });

  it("registering a transport makes its scheme work for bind and connect", async () => {
    registerTransport(tcp);
    expect(registeredSchemes()).toEqual(["inproc", "tcp"]);
    const pull = open(new Pull());
    await pull.bind("tcp://127.0.0.1:*");
    const push = open(new Push());
    push.connect(pull.lastEndpoint!);
    await push.send("over tcp");
    expect(strings(await within(pull.receive(), 5000, "the tcp message"))).toEqual(["over tcp"]);
    // A wildcard bind names no endpoint of its own: unbind takes the resolved one (the transport's rule).
    expect(() => pull.unbindSync("tcp://127.0.0.1:*")).toThrow(expect.objectContaining({ code: "ENOENT" }));
    pull.unbindSync(pull.lastEndpoint!);
  });
});
