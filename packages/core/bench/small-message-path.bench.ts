/**
 * Micro-benchmark of the whole small-message path of one connection, in one
 * process and without the kernel: a real socket and a real ZMTP engine over
 * an in-memory stream (test/fuzz/memory-stream.ts) after a real handshake.
 *
 * - send: `await push.send(16 B)` as the benchmark's PUSH worker does it
 *   (socket, load balancer, pipe, engine, frame encoder; the stream counts
 *   what is written);
 * - receive: 64 KiB reads of 16 B frames pushed into the stream, taken with
 *   `for await` as the PULL worker does it (decoder, engine, pipe, fair
 *   queue, the socket's iterator).
 *
 * Reports only; never fails on timing. Run: `npx vitest bench --run
 * packages/core/bench/small-message-path.bench.ts` (`pnpm bench` runs it too).
 */
import { bench, describe } from "vitest";
import { Pull } from "../src/socket/pull.js";
import { Push } from "../src/socket/push.js";
import { FrameEncoder } from "../src/zmtp/frame-encoder.js";
import { connected } from "./memory-connection.js";

const MESSAGES = 3600;
const tiny = Buffer.alloc(16, 0x61);

/** `count` 16 B message frames in reads of at most 64 KiB, as the kernel hands them out. */
function reads(count: number): Buffer[] {
  const encoder = new FrameEncoder();
  for (let i = 0; i < count; i++) encoder.frame(tiny, false);
  const wire = Buffer.concat(encoder.take());
  const pieces: Buffer[] = [];
  for (let at = 0; at < wire.length; at += 64 * 1024) pieces.push(wire.subarray(at, at + 64 * 1024));
  return pieces;
}

describe(`PUSH: ${MESSAGES} x await send(16 B) into an engine`, () => {
  const push = new Push({ sendHighWaterMark: 1000 });
  connected(push, "PULL");
  bench("await send()", async () => {
    for (let i = 0; i < MESSAGES; i++) await push.send(tiny);
    // Let the engine write what it batched, as the event loop would.
    await new Promise((resolve) => setImmediate(resolve));
  });
});

describe(`PULL: ${MESSAGES} messages of 16 B from an engine, taken with for await`, () => {
  const pull = new Pull({ receiveHighWaterMark: MESSAGES + 1 });
  const stream = connected(pull, "PUSH");
  const chunks = reads(MESSAGES);
  const iterator = pull[Symbol.asyncIterator]();
  bench("for await", async () => {
    for (const chunk of chunks) stream.push(chunk);
    let bytes = 0;
    for (let i = 0; i < MESSAGES; i++) {
      const { value } = await iterator.next();
      bytes += value![0]!.length;
    }
    if (bytes !== MESSAGES * tiny.length) throw new Error(`received ${bytes} bytes`);
  });
});
