import { describe, expect, it } from "vitest";
import { Context, Dealer, Pull, Push, Request, Router, XPublisher } from "../src/index.js";
import { socketScope } from "./helpers.js";

const open = socketScope();

describe("Socket options", () => {
  it("reads defaults and writes values as properties", () => {
    const push = open(new Push());
    expect(push.sendHighWaterMark).toBe(1000);
    expect(push.sendTimeout).toBe(-1);
    push.sendHighWaterMark = 5;
    expect(push.sendHighWaterMark).toBe(5);
  });

  it("takes options in the constructor object", () => {
    const router = open(new Router({ mandatory: true, handover: true, routingId: "r1", linger: 10 }));
    expect(router.mandatory).toBe(true);
    expect(router.handover).toBe(true);
    expect(router.routingId).toBe("r1");
    expect(router.linger).toBe(10);
  });

  it("accepts a Buffer routing id", () => {
    const dealer = open(new Dealer({ routingId: Buffer.from([1, 2, 3]) as unknown as string }));
    expect(Buffer.from(dealer.routingId as unknown as Buffer)).toEqual(Buffer.from([1, 2, 3]));
  });

  it("rejects a value of the wrong type with a TypeError", () => {
    const push = open(new Push());
    expect(() => ((push as unknown as Record<string, unknown>).linger = "long")).toThrow(TypeError);
    expect(() => ((push as unknown as Record<string, unknown>).immediate = 1)).toThrow(TypeError);
    expect(() => ((push as unknown as Record<string, unknown>).sendHighWaterMark = 1.5)).toThrow(TypeError);
    expect(() => new Request({ correlate: "yes" as unknown as boolean })).toThrow(TypeError);
  });

  it("rejects a value out of range with a RangeError", () => {
    const push = open(new Push());
    expect(() => (push.linger = -2)).toThrow(RangeError);
    expect(() => (push.sendHighWaterMark = -1)).toThrow(RangeError);
    expect(() => (push.sendTimeout = 2 ** 31)).toThrow(RangeError);
    expect(() => new Pull({ receiveHighWaterMark: -5 })).toThrow(RangeError);
  });

  it("names the option and the socket in the error", () => {
    const push = open(new Push());
    expect(() => (push.linger = -2)).toThrow(/linger.*Push/);
  });

  it("rejects an unknown option in the constructor with a TypeError", () => {
    expect(() => new Push({ nonsense: 1 } as never)).toThrow(/Unknown option "nonsense"/);
    // An option of another socket type is unknown here too.
    expect(() => new Push({ mandatory: true } as never)).toThrow(TypeError);
  });

  it("refuses to set a read-only property, in the constructor or afterwards", () => {
    expect(() => new Push({ lastEndpoint: "tcp://x:1" } as never)).toThrow(/read-only/);
    const push = open(new Push());
    expect(() => ((push as unknown as Record<string, unknown>).closed = true)).toThrow(TypeError);
    expect(() => ((push as unknown as Record<string, unknown>).readable = true)).toThrow(TypeError);
  });

  it("validates XPUB verbosity", () => {
    const xpub = open(new XPublisher());
    expect(() => (xpub.verbosity = "loud" as never)).toThrow(TypeError);
    xpub.verbosity = "allSubsUnsubs";
  });

  it("gives sockets of a non-blocky context linger 0", () => {
    const context = new Context({ blocky: false });
    const push = open(new Push({ context }));
    expect(push.linger).toBe(0);
    expect(push.context).toBe(context);
    context.close();
    expect(push.closed).toBe(true);
    expect(() => new Push({ context })).toThrow(expect.objectContaining({ code: "ETERM" }));
  });

  it("rejects a context that is not a Context", () => {
    expect(() => new Push({ context: {} as Context })).toThrow(TypeError);
  });
});

describe("routingId", () => {
  it("accepts up to 255 bytes and refuses more with a RangeError, as libzmq", () => {
    expect(open(new Dealer({ routingId: "x".repeat(255) })).routingId).toHaveLength(255);
    expect(() => new Dealer({ routingId: "x".repeat(256) })).toThrow(RangeError);
    const router = open(new Router());
    expect(() => (router.routingId = Buffer.alloc(300) as unknown as string)).toThrow(/at most 255 bytes/);
    // Bytes, not characters: 128 two-byte characters are 256 bytes.
    expect(() => (router.routingId = "é".repeat(128))).toThrow(RangeError);
  });
});
