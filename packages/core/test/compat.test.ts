import * as zmq from "zeromq";
import { describe, expect, test } from "vitest";
import * as skein from "../src/index.js";

/** Accessor properties (options and getters) a class's instances have, from its prototype chain. */
function accessors(proto: object): Set<string> {
  const names = new Set<string>();
  for (let o: object | null = proto; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(o))) {
      if (descriptor.get !== undefined || descriptor.set !== undefined) names.add(name);
    }
  }
  return names;
}

const CLASSES = [
  "Pair",
  "Publisher",
  "Subscriber",
  "XPublisher",
  "XSubscriber",
  "Request",
  "Reply",
  "Dealer",
  "Router",
  "Push",
  "Pull",
  "Stream",
] as const;

describe("the zeromq v6 API", () => {
  test.each(CLASSES)("%s has every option and property the zeromq package's class has", (name) => {
    const theirs = accessors((zmq as unknown as Record<string, { prototype: object }>)[name]!.prototype);
    const Socket = (skein as unknown as Record<string, new (options: object) => skein.Socket>)[name]!;
    const socket = new Socket({ linger: 0 });
    const missing = [...theirs].filter((option) => !(option in socket));
    socket.close();
    expect(missing).toEqual([]);
  });

  test("the Context has every option the zeromq package's Context has", () => {
    const theirs = accessors(zmq.Context.prototype);
    const context = new skein.Context();
    const missing = [...theirs].filter((option) => !(option in context));
    expect(missing).toEqual([]);
  });

  test("every class and function the zeromq package exports exists", () => {
    const missing = Object.keys(zmq).filter((name) => name !== "default" && name !== "__esModule" && !(name in skein));
    expect(missing).toEqual([]);
  });

  test("turning on GSSAPI fails clearly instead of leaving the socket unprotected", () => {
    expect(() => new skein.Dealer({ gssapiServer: true })).toThrow(expect.objectContaining({ code: "ENOTSUP" }));
    const dealer = new skein.Dealer({ gssapiServer: false, linger: 0 });
    expect(dealer.gssapiServer).toBe(false);
    dealer.close();
  });

  test.each(["Context", "Socket", "Observer", "Proxy", "Dealer", "Push"])(
    "%s called without new throws the zeromq package's TypeError, text included",
    (name) => {
      const thrown = (exports: object): unknown => {
        try {
          (exports as Record<string, () => unknown>)[name]!();
        } catch (error) {
          return error;
        }
        return undefined;
      };
      const theirs = thrown(zmq) as TypeError;
      expect(theirs).toBeInstanceOf(TypeError);
      // Native classes (Context...): "Class constructors cannot..."; its JavaScript ones: V8's, naming the class.
      expect(thrown(skein)).toEqual(new TypeError(theirs.message));
    },
  );

  test("the classes stay classes: new, instanceof, subclassing and static members reach them", () => {
    class Mine extends skein.Context {
      readonly mine = true;
    }
    const context = new Mine();
    expect(context).toBeInstanceOf(skein.Context);
    expect(context.mine).toBe(true);
    const dealer = new skein.Dealer({ context, linger: 0 });
    expect(dealer).toBeInstanceOf(skein.Socket);
    expect(new skein.Observer(dealer)).toBe(dealer.events);
    expect(dealer.events).toBeInstanceOf(skein.Observer);
    expect(skein.Context.name).toBe("Context");
    // As zeromq's: a Context takes no property it does not have (a misspelt option).
    expect(() => ((new skein.Context() as unknown as Record<string, unknown>).blockyy = true)).toThrow(TypeError);
    dealer.close();
  });
});
