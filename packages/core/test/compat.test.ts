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
});
