/**
 * Fuzz target: Z85 decoding (src/mechanism/z85.ts), as CURVE key options
 * take it. Its documented errors are a RangeError (bad length, character or
 * group) and, for a key option, a RangeError naming the option.
 */
import { describe, expect } from "vitest";
import { toCurveKey, z85Decode, z85Encode } from "../../src/mechanism/z85.js";
import { fuzzTest, type FuzzTarget } from "./fuzz.js";

const SEEDS = [
  Buffer.from("HelloWorld", "latin1"),
  Buffer.from("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "latin1"),
  Buffer.from("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6", "latin1"),
  Buffer.from("#####00000", "latin1"),
  Buffer.alloc(0),
];

const target: FuzzTarget = {
  name: "Z85 decode",
  seeds: SEEDS,
  allowed: (error) => error instanceof RangeError && /Z85|curveServerKey/.test(error.message) && !("code" in error),
  run(input, random) {
    // latin1 keeps every octet as one character; a few inputs go through UTF-8 for wide characters.
    const text = random.chance(0.9) ? input.toString("latin1") : input.toString("utf8");
    if (text.length === 40 && random.chance(0.5)) {
      expect(toCurveKey(text, "curveServerKey").length).toBe(32);
      return;
    }
    const bytes = z85Decode(text);
    expect(bytes.length).toBe((text.length / 5) * 4);
    // Z85 is a bijection on its valid texts.
    expect(z85Encode(bytes)).toBe(text);
  },
};

describe("fuzz: Z85", () => {
  fuzzTest(target);
});
