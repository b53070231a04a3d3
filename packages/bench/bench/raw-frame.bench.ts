/**
 * Micro-benchmark of the raw `node:net` baseline's frame parser, the
 * reference the core decoder's figures (`packages/core/bench/frame.bench.ts`)
 * can be read against. Reports only; never fails on timing.
 */
import { bench, describe } from "vitest";
import { FrameParser } from "../src/raw/frame-parser.js";
import { headerSize, writeHeader } from "../src/raw/wire-format.js";

const FRAMES_PER_BATCH = 1000;

function wire(body: Buffer, count: number): Buffer {
  const frame = headerSize(body.length) + body.length;
  const out = Buffer.allocUnsafe(frame * count);
  for (let i = 0; i < count; i++) body.copy(out, writeHeader(out, i * frame, body.length, false));
  return out;
}

function split(data: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) pieces.push(data.subarray(at, at + size));
  return pieces;
}

let delivered = 0;
const parser = new FrameParser((body) => {
  delivered += body.length;
});

describe(`raw FrameParser: ${FRAMES_PER_BATCH} frames in 64 KiB reads`, () => {
  const tinyReads = split(wire(Buffer.alloc(16, 0x61), FRAMES_PER_BATCH), 64 * 1024);
  const kibReads = split(wire(Buffer.alloc(1024, 0x62), FRAMES_PER_BATCH), 64 * 1024);
  const mibReads = split(wire(Buffer.alloc(1024 * 1024, 0x63), 1), 64 * 1024);
  bench("16 B frames", () => {
    for (const read of tinyReads) parser.feed(read);
  });
  bench("1 KiB frames (some split across reads)", () => {
    for (const read of kibReads) parser.feed(read);
  });
  bench("1 MiB frame assembled from 17 reads, x1", () => {
    for (const read of mibReads) parser.feed(read);
  });
});

export { delivered };
