/**
 * Micro-benchmark of the ZMTP frame encoder and decoder (RFC 37 §2.3
 * framing), the innermost loop of every socket. Reports only; never fails
 * on timing. Run: `npx vitest bench --run packages/core/bench` from the
 * repository root (`pnpm bench` runs it too).
 */
import { bench, describe } from "vitest";
import { FrameEncoder } from "../src/zmtp/frame-encoder.js";
import { FrameDecoder } from "../src/zmtp/frame-decoder.js";

const FRAMES_PER_BATCH = 1000;
const tiny = Buffer.alloc(16, 0x61);
const kib = Buffer.alloc(1024, 0x62);
const mib = Buffer.alloc(1024 * 1024, 0x63);

/** Encodes `count` copies of `body` and returns the wire bytes as one buffer. */
function wire(body: Buffer, count: number): Buffer {
  const encoder = new FrameEncoder();
  for (let i = 0; i < count; i++) encoder.frame(body, false);
  return Buffer.concat(encoder.take());
}

/** Splits `data` into pieces of `size` bytes, as the kernel hands out reads. */
function split(data: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) pieces.push(data.subarray(at, at + size));
  return pieces;
}

let delivered = 0;
const sink = {
  onFrame(_flags: number, body: Buffer): void {
    delivered += body.length;
  },
};

describe(`FrameEncoder: ${FRAMES_PER_BATCH} frames then take()`, () => {
  const encoder = new FrameEncoder();
  bench("16 B frames", () => {
    for (let i = 0; i < FRAMES_PER_BATCH; i++) encoder.frame(tiny, false);
    encoder.take();
  });
  bench("1 KiB frames", () => {
    for (let i = 0; i < FRAMES_PER_BATCH; i++) encoder.frame(kib, false);
    encoder.take();
  });
  bench("1 MiB frame (queued by reference), x1", () => {
    encoder.frame(mib, false);
    encoder.take();
  });
});

describe(`FrameDecoder: ${FRAMES_PER_BATCH} frames in 64 KiB reads`, () => {
  const tinyReads = split(wire(tiny, FRAMES_PER_BATCH), 64 * 1024);
  const kibReads = split(wire(kib, FRAMES_PER_BATCH), 64 * 1024);
  const mibReads = split(wire(mib, 1), 64 * 1024);
  const decoder = new FrameDecoder(sink);
  bench("16 B frames", () => {
    for (const read of tinyReads) decoder.write(read);
  });
  bench("1 KiB frames (some split across reads)", () => {
    for (const read of kibReads) decoder.write(read);
  });
  bench("1 MiB frame assembled from 17 reads, x1", () => {
    for (const read of mibReads) decoder.write(read);
  });
});

describe("FrameDecoder: worst case, 16 B frames fed 7 bytes at a time", () => {
  const reads = split(wire(tiny, 100), 7);
  const decoder = new FrameDecoder(sink);
  bench("100 frames", () => {
    for (const read of reads) decoder.write(read);
  });
});

// Keeps `delivered` observable so the decode loop cannot be optimised away.
export { delivered };
