/**
 * Micro-benchmark of what the 16 B receive path changed in session 5
 * (docs/benchmarks.md, "The 16 B receive path (session 5)"): cutting each
 * frame's Buffer out of a 64 KiB read with Node's `subarray` (which reads the
 * chunk's `buffer` and `byteOffset` getters per call) against `viewOf`
 * (src/util/buffer.ts: Node's FastBuffer over the chunk's ArrayBuffer, read
 * once), and the decoder that uses it on the same read.
 *
 * Reports only; never fails on timing. Run: `npx vitest bench --run
 * packages/core/bench/receive-path.bench.ts` (`pnpm bench` runs it too).
 */
import { bench, describe } from "vitest";
import { viewOf } from "../src/util/buffer.js";
import { FrameDecoder } from "../src/zmtp/frame-decoder.js";
import { FrameEncoder } from "../src/zmtp/frame-encoder.js";

const tiny = Buffer.alloc(16, 0x61);
/** 16 B frames as one 64 KiB read holds them (18 octets each). */
const FRAMES = Math.floor((64 * 1024) / 18);

function read(): Buffer {
  const encoder = new FrameEncoder();
  for (let i = 0; i < FRAMES; i++) encoder.frame(tiny, false);
  return Buffer.concat(encoder.take());
}

const chunk = read();
let kept: Buffer | null = null;
let octets = 0;

describe(`${FRAMES} frame Buffers of 16 B cut from one read`, () => {
  bench("chunk.subarray(start, end)", () => {
    for (let at = 0; at < chunk.length; at += 18) kept = chunk.subarray(at + 2, at + 18);
  });
  bench("viewOf(arrayBuffer, byteOffset + start, length)", () => {
    const arrayBuffer = chunk.buffer;
    const base = chunk.byteOffset;
    for (let at = 0; at < chunk.length; at += 18) kept = viewOf(arrayBuffer, base + at + 2, 16);
  });
});

describe(`A read of ${FRAMES} frames of 16 B decoded, each frame kept as a message`, () => {
  const decoder = new FrameDecoder({ onFrame: (_flags, body) => void (octets += [body][0]!.length) });
  bench("FrameDecoder.write", () => {
    decoder.write(chunk);
  });
});
