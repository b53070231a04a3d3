/**
 * Micro-benchmark of the parts of the 16 B receive path changed in session 5
 * (docs/benchmarks.md, "The 16 B receive path (session 5)"):
 *
 * - cutting a frame's Buffer out of a 64 KiB read: Node's `subarray` (which
 *   reads the chunk's `buffer` and `byteOffset` getters per call) against
 *   `viewOf` (src/util/buffer.ts: Node's FastBuffer over the chunk's
 *   ArrayBuffer, read once);
 * - decoding a read of 3640 one-frame messages: each frame handed to a sink
 *   (the path multipart messages still take) against the frames kept as one
 *   run (src/zmtp/message-run.ts) and taken one by one.
 *
 * Reports only; never fails on timing. Run: `npx vitest bench --run
 * packages/core/bench/receive-path.bench.ts` (`pnpm bench` runs it too).
 */
import { bench, describe } from "vitest";
import { viewOf } from "../src/util/buffer.js";
import { FrameDecoder } from "../src/zmtp/frame-decoder.js";
import { FrameEncoder } from "../src/zmtp/frame-encoder.js";
import { MessageRun } from "../src/zmtp/message-run.js";

const tiny = Buffer.alloc(16, 0x61);
/** 16 B frames as one 64 KiB read holds them (18 octets each). */
const FRAMES = Math.floor((64 * 1024) / 18);

function read(): Buffer {
  const encoder = new FrameEncoder();
  for (let i = 0; i < FRAMES; i++) encoder.frame(tiny, false);
  return Buffer.concat(encoder.take());
}

const chunk = read();
let kept: Buffer | Buffer[] | null = null;
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

describe(`A read of ${FRAMES} one-frame messages of 16 B decoded, then each taken as a message`, () => {
  const frames: Buffer[][] = [];
  const oneByOne = new FrameDecoder({ onFrame: (_flags, body) => void frames.push([body]) });
  bench("frame by frame (a message array per frame at decode)", () => {
    frames.length = 0;
    oneByOne.write(chunk);
    for (const message of frames) octets += message[0]!.length;
  });

  let run: MessageRun | null = null;
  const asRuns = new FrameDecoder({ onFrame: () => undefined });
  asRuns.runs = { onMessages: (data, start, _end, count) => void (run = new MessageRun(data, start, count)) };
  bench("as one run (a message array per message when taken)", () => {
    asRuns.write(chunk);
    const taken = run!;
    while (taken.remaining > 0) {
      kept = taken.take();
      octets += kept[0]!.length;
    }
  });
});
