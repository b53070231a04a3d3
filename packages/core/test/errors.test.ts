import { describe, expect, it } from "vitest";
import { Dealer, Pull, Push, Reply, Request, Router, ZmqError } from "../src/index.js";
import { AuthError, ProtocolError } from "../src/errors.js";
import { TRANSPORTS, bindFresh, freeAddress, socketScope, within } from "./helpers.js";

const open = socketScope();

// Code written for the `zeromq` package compares `err.message`; these are its texts.
describe("Error messages and codes are the zeromq package's, with skein's explanation in detail", () => {
  for (const transport of TRANSPORTS) {
    it(`unbind() and disconnect() of an unknown ${transport} endpoint reject ENOENT "No such endpoint" with the address`, async () => {
      const dealer = open(new Dealer());
      const address = await freeAddress(transport);
      await expect(dealer.unbind(address)).rejects.toMatchObject({ code: "ENOENT", errno: 2, message: "No such endpoint", address });
      expect(() => dealer.disconnect(address)).toThrow(expect.objectContaining({ code: "ENOENT", message: "No such endpoint", address }));
    });
  }

  it('rejects a malformed address with EINVAL "Invalid argument" and an unknown transport with "Protocol not supported", on bind, unbind, connect and disconnect', async () => {
    const dealer = open(new Dealer());
    const invalid = { code: "EINVAL", errno: 22, message: "Invalid argument", address: "foo-bar" };
    const unknown = { code: "EPROTONOSUPPORT", errno: 93, message: "Protocol not supported", address: "foo://bar" };
    await expect(dealer.bind("foo-bar")).rejects.toMatchObject(invalid);
    await expect(dealer.bind("foo://bar")).rejects.toMatchObject(unknown);
    await expect(dealer.unbind("foo-bar")).rejects.toMatchObject(invalid);
    await expect(dealer.unbind("foo://bar")).rejects.toMatchObject(unknown);
    expect(() => dealer.connect("foo-bar")).toThrow(expect.objectContaining(invalid));
    expect(() => dealer.connect("foo://bar")).toThrow(expect.objectContaining(unknown));
    expect(() => dealer.disconnect("foo-bar")).toThrow(expect.objectContaining(invalid));
    expect(() => dealer.disconnect("foo://bar")).toThrow(expect.objectContaining(unknown));
  });

  it("keeps skein's explanation in detail, not in place of the message", async () => {
    const dealer = open(new Dealer());
    const error = await dealer.bind("foo-bar").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZmqError);
    expect((error as ZmqError).message).toBe("Invalid argument");
    expect((error as ZmqError).detail).toMatch(/expected transport:\/\/address/);
  });

  it('rejects a second bind() or unbind() while one is in progress with EBUSY "Socket is blocked by a bind or unbind operation"', async () => {
    const dealer = open(new Dealer());
    const [one, two] = [await freeAddress("tcp"), await freeAddress("tcp")];
    const first = dealer.bind(one);
    await expect(dealer.bind(two)).rejects.toMatchObject({ code: "EBUSY", message: "Socket is blocked by a bind or unbind operation" });
    await first;
    const bound = await bindFresh(dealer, "inproc");
    const unbinding = dealer.unbind(bound);
    await expect(dealer.unbind(bound)).rejects.toMatchObject({ code: "EBUSY", message: "Socket is blocked by a bind or unbind operation" });
    await unbinding;
  });

  it('gives REQ and REP state errors as EFSM "Operation cannot be accomplished in current state"', async () => {
    const request = open(new Request());
    await expect(request.receive()).rejects.toMatchObject({ code: "EFSM", message: "Operation cannot be accomplished in current state" });
    const reply = open(new Reply());
    await expect(reply.send("x")).rejects.toMatchObject({ code: "EFSM", message: "Operation cannot be accomplished in current state" });
  });

  it('rejects a ROUTER send to an unknown peer with mandatory set as EHOSTUNREACH "Host unreachable"', async () => {
    const router = open(new Router({ mandatory: true }));
    await expect(router.send(["nobody", "x"])).rejects.toMatchObject({ code: "EHOSTUNREACH", errno: 113, message: "Host unreachable" });
  });

  it('ends timeouts and calls cancelled by close() with EAGAIN "Operation was not possible or timed out"', async () => {
    const pull = open(new Pull({ receiveTimeout: 5 }));
    await expect(pull.receive()).rejects.toMatchObject({ code: "EAGAIN", errno: 11, message: "Operation was not possible or timed out" });
    const push = open(new Push());
    const pending = push.send("x");
    push.close();
    await expect(pending).rejects.toMatchObject({ code: "EAGAIN", message: "Operation was not possible or timed out" });
  });

  it('rejects calls on a closed socket with EBADF "Socket is closed"', async () => {
    const dealer = open(new Dealer());
    dealer.close();
    await expect(dealer.send("x")).rejects.toMatchObject({ code: "EBADF", errno: 9, message: "Socket is closed" });
    await expect(dealer.receive()).rejects.toMatchObject({ code: "EBADF", message: "Socket is closed" });
    await expect(dealer.bind("inproc://closed")).rejects.toMatchObject({ code: "EBADF", message: "Socket is closed" });
  });

  it("names protocol and authentication failures as zeromq's events do", () => {
    const protocol = new ProtocolError("ERR_ZMTP_MECHANISM_MISMATCH", "Peer uses the CURVE mechanism, this socket PLAIN");
    expect(protocol).toMatchObject({ code: "ERR_ZMTP_MECHANISM_MISMATCH", message: "ZMTP protocol error", detail: "Peer uses the CURVE mechanism, this socket PLAIN" });
    expect(new ProtocolError("ERR_ZAP_MALFORMED_REPLY", "x").message).toBe("ZAP protocol error");
    expect(new AuthError("bad password", 400)).toMatchObject({ status: 400, message: "Authentication failure", detail: "bad password" });
    expect(new AuthError("later", 300).message).toBe("Temporary error");
  });

  it("gives a code with no zeromq text the explanation as its message", () => {
    expect(new ZmqError("ERR_SOMETHING_NEW", "what happened").message).toBe("what happened");
    expect(new ZmqError("EINVAL").detail).toBeUndefined();
  });
});

describe("One pending send() and receive() at a time, as zeromq", () => {
  it('rejects a second send() while one waits with EBUSY and zeromq\'s text; the first still completes', async () => {
    const push = open(new Push());
    const first = push.send("one");
    // Thrown at once, not rejected, as zeromq does.
    expect(() => push.send("two")).toThrow(expect.objectContaining({
      code: "EBUSY",
      errno: 16,
      message: "Socket is busy writing; only one send operation may be in progress at any time",
    }));
    const pull = open(new Pull());
    pull.connect(await bindFresh(push, "inproc"));
    await within(first);
    expect((await within(pull.receive()))[0]!.toString()).toBe("one");
  });

  it("rejects a second receive() while one waits with EBUSY and zeromq's text", async () => {
    const pull = open(new Pull());
    const first = pull.receive();
    expect(() => pull.receive()).toThrow(expect.objectContaining({
      code: "EBUSY",
      message: "Socket is busy reading; only one receive operation may be in progress at any time",
    }));
    const push = open(new Push());
    push.connect(await bindFresh(pull, "inproc"));
    await push.send("m");
    expect((await within(first))[0]!.toString()).toBe("m");
  });

  it("queues concurrent calls in order when maxPendingSends / maxPendingReceives is 0 (no limit)", async () => {
    const push = open(new Push({ maxPendingSends: 0 }));
    const pull = open(new Pull({ maxPendingReceives: 0 }));
    const sends = [push.send("a"), push.send("b"), push.send("c")];
    const receives = [pull.receive(), pull.receive(), pull.receive()];
    pull.connect(await bindFresh(push, "inproc"));
    await within(Promise.all(sends));
    expect((await within(Promise.all(receives))).map((m) => m[0]!.toString())).toEqual(["a", "b", "c"]);
  });

  it("allows up to maxPendingSends waiting sends", async () => {
    const push = open(new Push({ maxPendingSends: 2 }));
    const waiting = [push.send("a"), push.send("b")];
    expect(() => push.send("c")).toThrow(expect.objectContaining({ code: "EBUSY" }));
    push.close();
    for (const send of waiting) await expect(send).rejects.toMatchObject({ code: "EAGAIN" });
  });
});

describe("close() during bind() or unbind(), as zeromq", () => {
  for (const transport of TRANSPORTS) {
    it(`takes effect when a ${transport} bind ends, whether it succeeded or failed`, async () => {
      const dealer = open(new Dealer());
      const binding = dealer.bind(await freeAddress(transport));
      dealer.close();
      expect(dealer.closed).toBe(false);
      await binding;
      expect(dealer.closed).toBe(true);

      const other = open(new Dealer());
      const address = await bindFresh(other, transport);
      const failing = open(new Dealer());
      await failing.bind(await freeAddress(transport));
      const refused = failing.bind(address);
      failing.close();
      expect(failing.closed).toBe(false);
      await expect(refused).rejects.toMatchObject({ code: "EADDRINUSE" });
      expect(failing.closed).toBe(true);
    });

    it(`takes effect when a ${transport} unbind ends, whether it succeeded or failed`, async () => {
      const dealer = open(new Dealer());
      const address = await bindFresh(dealer, transport);
      const unbinding = dealer.unbind(address);
      dealer.close();
      expect(dealer.closed).toBe(false);
      await unbinding;
      expect(dealer.closed).toBe(true);

      const other = open(new Dealer());
      const failing = other.unbind(await freeAddress(transport));
      other.close();
      expect(other.closed).toBe(false);
      await expect(failing).rejects.toMatchObject({ code: "ENOENT" });
      expect(other.closed).toBe(true);
    });
  }
});
