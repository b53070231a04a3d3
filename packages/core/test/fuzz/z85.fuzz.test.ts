/**
 * Fuzz target: Z85 decoding (src/mechanism/z85.ts), as CURVE key options
 * take it. Its documented errors are a RangeError (bad length, character or
 * group) and, for a key option, a RangeError naming the option.
 */
import { describe } from "vitest";
import { toCurveKey, z85Decode, z85Encode } from "../../src/mechanism/z85.js";
import { check, fuzzTest, type FuzzTarget } from "./fuzz.js";

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
      check(toCurveKey(text, "curveServerKey").length === 32, "a key option of other than 32 bytes");
      return;
    }
    const bytes = z85Decode(text);
    check(bytes.length === (text.length / 5) * 4, "4 octets per 5 characters");
    // Z85 is a bijection on its valid texts.
    check(z85Encode(bytes) === text, "decode then encode changed the text");
  },
};

describe("fuzz: Z85", () => {
  fuzzTest(target);
});
