/**
 * Fuzz target: socket option values (src/options.ts). Setting any option of
 * any socket type to a random value of a random type either stores it (and
 * reads back the same) or throws the documented errors: TypeError for a
 * wrong type, RangeError for a value out of range, ZmqError ENOTSUP for
 * GSSAPI; each naming the option. The constructor's options object, with
 * unknown names too, behaves the same. A CURVE key that got stored must then
 * decode to 32 bytes or fail with the documented TypeError/RangeError.
 */
import { afterAll, describe } from "vitest";
import { Context } from "../../src/context.js";
import { ZmqError } from "../../src/errors.js";
import { toCurveKey } from "../../src/mechanism/z85.js";
import { Dealer } from "../../src/socket/dealer.js";
import { Publisher } from "../../src/socket/publisher.js";
import { Router } from "../../src/socket/router.js";
import { Subscriber } from "../../src/socket/subscriber.js";
import type { Socket } from "../../src/socket/socket-base.js";
import { check, fuzzTest, type FuzzTarget, type Random } from "./fuzz.js";

const context = new Context();
const SOCKETS: Socket[] = [new Router({ context }), new Dealer({ context }), new Publisher({ context }), new Subscriber({ context })];

/** Every option name the sockets have (accessors on their prototypes), and a few they do not. */
const NAMES = [
  ...new Set(
    SOCKETS.flatMap((socket) => {
      const names: string[] = [];
      for (let o = Object.getPrototypeOf(socket); o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
        for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(o))) if (descriptor.set !== undefined) names.push(name);
      }
      return names;
    }),
  ),
  "noSuchOption",
  "closed",
  "type",
];

function randomValue(random: Random, input: Buffer): unknown {
  const text = input.toString("latin1");
  const number = input.length >= 8 ? input.readDoubleBE(0) : input.length;
  switch (random.below(12)) {
    case 0: return number;
    case 1: return Math.trunc(number) || random.pick([0, -1, 1, 2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER]);
    case 2: return random.pick([NaN, Infinity, -Infinity, -0, 0.5, 2 ** 53]);
    case 3: return text;
    case 4: return input;
    case 5: return new Uint8Array(input);
    case 6: return random.chance(0.5);
    case 7: return random.pick([null, undefined]);
    case 8: return { valueOf: () => 1, toString: () => text };
    case 9: return [text];
    case 10: return BigInt(input.length);
    default: return Symbol(text);
  }
}

/** The documented errors of a setter: they name the option. */
function documented(error: unknown): boolean {
  if (error instanceof ZmqError) return error.code === "ENOTSUP";
  if (error instanceof TypeError) {
    return (
      /^Option |^Unknown option|read-only|must be/.test(error.message) ||
      /Cannot set property .* which has only a getter/.test(error.message) ||
      // A socket takes no new properties (as in `zeromq`): an option another socket type has is refused so.
      /Cannot add property .*, object is not extensible/.test(error.message)
    );
  }
  // Out of range: zeromq's EINVAL shape ("Invalid argument"), skein's explanation in `detail`.
  if (error instanceof RangeError) return (error as RangeError & { code?: string }).code === "EINVAL" || /^Option |must be/.test(error.message);
  return false;
}

const target: FuzzTarget = {
  name: "socket option values",
  seeds: [Buffer.from("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"), Buffer.alloc(32, 1), Buffer.from("1000"), Buffer.from([0x41, 0xe0, 0, 0, 0, 0, 0, 0]), Buffer.alloc(0)],
  allowed: documented,
  run(input, random) {
    const socket = random.pick(SOCKETS);
    const name = random.pick(NAMES);
    const value = randomValue(random, input);
    const record = socket as unknown as Record<string, unknown>;
    record[name] = value;
    if (value !== undefined && typeof value !== "object" && !Number.isNaN(value)) check(Object.is(record[name], value), `${name} did not read back what was set`);
    if (/^curve(Public|Secret|Server)Key$/.test(name) && value !== null && value !== undefined) {
      try {
        check(toCurveKey(value as string, name).length === 32, "a CURVE key of other than 32 bytes");
      } catch (error) {
        check(error instanceof TypeError || error instanceof RangeError, `curve key: ${String(error)}`);
      }
      record[name] = null;
    }
  },
};

describe("fuzz: socket options", () => {
  afterAll(() => {
    for (const socket of SOCKETS) socket.close();
    context.close();
  });
  fuzzTest(target);
});
