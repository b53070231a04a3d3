/**
 * Fuzz target: the ZMTP frame decoder (src/zmtp/frame-decoder.ts), fed
 * mutated frame streams in random chunk splits. Beyond "typed errors only",
 * it checks that a split never changes what is decoded (the same frames as
 * one whole chunk) and that the work per input is bounded by its size.
 */
import { describe } from "vitest";
import { ProtocolError, ZmqError } from "../../src/errors.js";
import { encodeCommand } from "../../src/zmtp/commands.js";
import { FrameDecoder } from "../../src/zmtp/frame-decoder.js";
import { frameStream } from "./corpus.js";
import { check, fuzzTest, randomChunks, typedError, type FuzzTarget } from "./fuzz.js";

const SEEDS = [
  frameStream([[Buffer.from("hello"), false]]),
  frameStream([[Buffer.alloc(0), true], [Buffer.from("routed"), false]]),
  frameStream([[Buffer.alloc(300, 7), true], [Buffer.alloc(1, 1), false]]),
  frameStream([[encodeCommand("PING", Buffer.from([0, 10, 1, 2])), false, true], [Buffer.from("x"), false]]),
  frameStream([[encodeCommand("SUBSCRIBE", Buffer.from("topic")), false, true]]),
  frameStream([[Buffer.alloc(255, 9), false], [Buffer.alloc(256, 8), false], [Buffer.alloc(0), false]]),
];

const MAX_SIZES = [-1, -1, 0, 1, 255, 256, 1000];

/** Decodes `chunks`; returns the frames seen (flags + body copy) and the error, if any. */
function decode(chunks: Buffer[], maxFrameSize: number): { frames: string[]; bytes: number; error: unknown } {
  const frames: string[] = [];
  let bytes = 0;
  const decoder = new FrameDecoder(
    {
      onFrame(flags, body) {
        frames.push(`${flags}:${body.toString("hex")}`);
        bytes += body.length;
      },
    },
    maxFrameSize,
  );
  try {
    for (const chunk of chunks) decoder.write(chunk);
  } catch (error) {
    return { frames, bytes, error };
  }
  return { frames, bytes, error: null };
}

const allowed = (error: unknown): boolean =>
  typedError(error, ProtocolError, ["ERR_ZMTP_UNSPECIFIED"]) || typedError(error, ZmqError, ["EMSGSIZE"]);

const target: FuzzTarget = {
  name: "ZMTP frame decoder",
  seeds: SEEDS,
  allowed,
  run(input, random) {
    const maxFrameSize = random.pick(MAX_SIZES);
    const whole = decode([input], maxFrameSize);
    const split = decode(randomChunks(input, random), maxFrameSize);
    // The same frames whatever the split, and the same verdict.
    check(split.frames.join() === whole.frames.join(), "a chunk split changed the decoded frames");
    check((split.error === null) === (whole.error === null), "a chunk split changed the verdict");
    // Bounded work: every frame costs at least its 2-octet header.
    check(whole.frames.length <= input.length / 2, "more frames than headers fit in the input");
    check(whole.bytes <= input.length, "more body octets than input octets");
    if (whole.error !== null) throw whole.error;
    if (split.error !== null) throw split.error;
  },
};

describe("fuzz: ZMTP frame decoder", () => {
  fuzzTest(target);
});
