import { describe, expect, it } from "vitest";
import { Context, Dealer, Pull, Push, Request, Router, XPublisher } from "../src/index.js";
import { freeAddress, socketScope, until } from "./helpers.js";

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

  it("names the option and the socket in the error's detail", () => {
    const push = open(new Push());
    expect(() => (push.linger = -2)).toThrow(expect.objectContaining({ detail: expect.stringMatching(/linger.*Push/) }));
  });

  it("rejects an unknown option in the constructor with a TypeError", () => {
    expect(() => new Push({ nonsense: 1 } as never)).toThrow(expect.objectContaining({ detail: expect.stringMatching(/Unknown option "nonsense"/) }));
    // An option of another socket type is unknown here too.
    expect(() => new Push({ mandatory: true } as never)).toThrow(TypeError);
  });

  it("refuses to set a read-only property, in the constructor or afterwards", () => {
    expect(() => new Push({ lastEndpoint: "tcp://x:1" } as never)).toThrow(expect.objectContaining({ detail: expect.stringMatching(/read-only/) }));
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

  it("rejects a context that is not a Context with EINVAL, as zeromq", () => {
    expect(() => new Push({ context: {} as Context })).toThrow(expect.objectContaining({ code: "EINVAL", message: "Invalid argument" }));
  });
});

describe("routingId", () => {
  it("accepts up to 255 bytes and refuses more with a RangeError, as libzmq", () => {
    expect(open(new Dealer({ routingId: "x".repeat(255) })).routingId).toHaveLength(255);
    expect(() => new Dealer({ routingId: "x".repeat(256) })).toThrow(RangeError);
    const router = open(new Router());
    expect(() => (router.routingId = Buffer.alloc(300) as unknown as string)).toThrow(expect.objectContaining({ detail: expect.stringMatching(/at most 255 bytes/) }));
    // Bytes, not characters: 128 two-byte characters are 256 bytes.
    expect(() => (router.routingId = "é".repeat(128))).toThrow(RangeError);
  });
});

describe("Options as zeromq checks them", () => {
  it("gives zeromq's TypeError texts for a wrong type, an unknown and a read-only constructor option", () => {
    expect(() => new Dealer({ recoveryInterval: "x" as unknown as number })).toThrow(typeError("Option value must be a number"));
    expect(() => new Dealer({ doesNotExist: 1 } as never)).toThrow(typeError("Cannot add property doesNotExist, object is not extensible"));
    expect(() => new Dealer({ securityMechanism: "plain" } as never)).toThrow(
      typeError("Cannot set property securityMechanism of #<Socket> which has only a getter"),
    );
    const error = (() => {
      try {
        new Dealer({ linger: "x" as unknown as number });
      } catch (e) {
        return e as TypeError & { detail?: string };
      }
      return undefined;
    })();
    expect(error?.detail).toMatch(/linger of Dealer must be an integer/);
  });

  it("gives a value out of range as a RangeError shaped like zeromq's EINVAL", () => {
    const push = open(new Push());
    expect(() => (push.sendHighWaterMark = -5)).toThrow(expect.objectContaining({ code: "EINVAL", errno: 22, message: "Invalid argument" }));
  });

  it("takes a Buffer for a string option and reads it back as a string", () => {
    const dealer = open(new Dealer());
    dealer.socksProxy = Buffer.from("foo") as unknown as string;
    expect(dealer.socksProxy).toBe("foo");
    dealer.socksProxy = null;
    expect(dealer.socksProxy).toBeNull();
  });

  it("reads and writes options by libzmq number with the typed accessors", () => {
    const dealer = open(new Dealer());
    expect(dealer.getBoolOption(39)).toBe(false);
    dealer.setBoolOption(39, true);
    expect(dealer.immediate).toBe(true);
    expect(dealer.getInt32Option(19)).toBe(100);
    dealer.setInt32Option(19, 75);
    expect(dealer.backlog).toBe(75);
    expect(dealer.getInt64Option(22)).toBe(-1);
    dealer.setInt64Option(22, 0xffffffffffff);
    expect(dealer.maxMessageSize).toBe(0xffffffffffff);
    expect(dealer.getUint64Option(4)).toBe(0);
    expect(dealer.getStringOption(5)).toBeNull();
    dealer.setStringOption(5, Buffer.from("åbç"));
    expect(dealer.getStringOption(5)).toBe("åbç");
    expect(() => dealer.getInt32Option(9999)).toThrow(expect.objectContaining({ code: "EINVAL", message: "Invalid argument" }));
    expect(() => dealer.getInt32Option("x" as unknown as number)).toThrow(typeError("Identifier must be a number"));
    expect(() => (dealer.setInt32Option as (id: number) => void)(17)).toThrow(typeError("Option value must be a number"));
    expect(() => open(new Push()).getBoolOption(33)).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("warns as zeromq when a uint64 value is above Number.MAX_SAFE_INTEGER", async () => {
    const dealer = open(new Dealer());
    const warned = nextWarning();
    dealer.setUint64Option(4, 0xfffffff7fab7fb);
    expect(dealer.getUint64Option(4)).toBe(0xfffffff7fab7fb);
    expect((await warned).message).toBe("Value is larger than Number.MAX_SAFE_INTEGER and may have been rounded inaccurately.");
  });

  for (const when of ["after connect", "during bind", "after bind"] as const) {
    it(`warns as zeromq when an option is set ${when}, but not for the ones that apply at once`, async () => {
      const dealer = open(new Dealer());
      const address = await freeAddress("inproc");
      const warnings: string[] = [];
      const listener = (warning: Error): void => void warnings.push(warning.message);
      process.on("warning", listener);
      try {
        let binding: Promise<void> | undefined;
        if (when === "after connect") dealer.connect(address);
        if (when === "during bind") binding = dealer.bind(address);
        if (when === "after bind") await dealer.bind(address);
        dealer.linger = 0;
        dealer.sendTimeout = 10;
        dealer.routingId = "asdf";
        await binding;
        await until(() => warnings.length > 0, "a warning");
        expect(warnings).toEqual(["Socket option will not take effect until next connect/bind."]);
      } finally {
        process.off("warning", listener);
      }
    });
  }
});

describe("Context options", () => {
  it("checks values and names as zeromq's context does", () => {
    expect(() => new Context({ ioThreads: "hello" as unknown as number })).toThrow(typeError("Option value must be a number"));
    expect(() => new Context({ maxSocketsLimit: 1 } as never)).toThrow(
      typeError("Cannot set property maxSocketsLimit of #<Context> which has only a getter"),
    );
    expect(() => new Context({ doesNotExist: 1 } as never)).toThrow(typeError("Cannot add property doesNotExist, object is not extensible"));
    expect(() => new (Context as unknown as new (...args: unknown[]) => Context)({}, 2)).toThrow(typeError("Expected 1 argument but received 2"));
    const context = new Context({ ioThreads: 5, blocky: false });
    expect(context.ioThreads).toBe(5);
    expect(context.blocky).toBe(false);
    expect(() => ((context as unknown as { maxSocketsLimit: number }).maxSocketsLimit = 1)).toThrow(TypeError);
    expect(() => ((context as unknown as { doesNotExist: number }).doesNotExist = 1)).toThrow(TypeError);
  });
});

/** A TypeError with exactly this message (the error may carry a `detail` as well). */
function typeError(message: string): unknown {
  return expect.objectContaining({ name: "TypeError", message });
}

function nextWarning(): Promise<Error> {
  return new Promise((resolve) => process.once("warning", resolve));
}
