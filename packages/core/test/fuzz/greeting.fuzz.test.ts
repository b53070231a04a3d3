/**
 * Fuzz target: the ZMTP greeting (src/zmtp/greeting.ts): the early
 * signature check on a prefix, then the parse of the 64 octets.
 */
import { describe } from "vitest";
import { ProtocolError } from "../../src/errors.js";
import { GREETING_SIZE, SIGNATURE_SIZE, checkSignature, encodeGreeting, parseGreeting } from "../../src/zmtp/greeting.js";
import { check, fuzzTest, typedError, type FuzzTarget } from "./fuzz.js";

const SEEDS = [
  encodeGreeting("NULL", false),
  encodeGreeting("PLAIN", true),
  encodeGreeting("CURVE", false, 0),
  encodeGreeting("NULL", false).subarray(0, 12),
  // ZMTP 2.0 and 1.0 openings (RFC 15, RFC 13), which a 3.x peer refuses by name.
  Buffer.concat([Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 1, 5]), Buffer.alloc(52)]),
  Buffer.concat([Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0, 5]), Buffer.alloc(52)]),
];

const target: FuzzTarget = {
  name: "ZMTP greeting",
  seeds: SEEDS,
  allowed: (error) => typedError(error, ProtocolError, ["ERR_ZMTP_UNSPECIFIED"]),
  run(input) {
    if (input.length >= SIGNATURE_SIZE) checkSignature(input.subarray(0, SIGNATURE_SIZE));
    const whole = Buffer.alloc(GREETING_SIZE);
    input.copy(whole, 0, 0, GREETING_SIZE);
    const greeting = parseGreeting(whole);
    check(greeting.major >= 3, "a pre-3.0 greeting was accepted");
    check(greeting.mechanism.length <= 20, "mechanism name longer than its 20 octets");
  },
};

describe("fuzz: ZMTP greeting", () => {
  fuzzTest(target);
});
