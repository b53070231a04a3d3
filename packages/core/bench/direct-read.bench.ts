/**
 * Micro-benchmark of how a large frame body gets off the wire (issue 16):
 * the 'data' path (a fresh 64 KiB chunk per read, decoded by `FrameDecoder`,
 * the body assembled from the chunks) against the direct path (`DirectRead`
 * handing the decoder's `FrameBody` to each read, src/zmtp/direct-read.ts).
 * A "read" here is what the kernel does: one copy from the socket's queue,
 * played by a copy from a wire buffer, at most `readSize` octets, into the
 * buffer the path offers. Reports only; never fails on timing. Run:
 * `npx vitest bench --run packages/core/bench/direct-read.bench.ts` from the
 * repository root (`pnpm bench` runs it too).
 */
import { bench, describe } from "vitest";
import { FrameDecoder } from "../src/zmtp/frame-decoder.js";
import { DirectRead } from "../src/zmtp/direct-read.js";
import { FrameEncoder } from "../src/zmtp/frame-encoder.js";

const MiB = 1024 * 1024;

function wire(size: number, count: number): Buffer {
  const encoder = new FrameEncoder();
  const body = Buffer.alloc(size, 0x61);
  for (let i = 0; i < count; i++) encoder.frame(body, false);
  return Buffer.concat(encoder.take());
}

let delivered = 0;
const sink = {
  onFrame(_flags: number, body: Buffer): void {
    delivered += body.length;
  },
};

/** Node's 'data' path: every read lands in a new 64 KiB buffer, handed to the decoder. */
function viaData(bytes: Buffer, decoder: FrameDecoder): void {
  for (let at = 0; at < bytes.length; ) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const n = bytes.copy(chunk, 0, at, Math.min(bytes.length, at + chunk.length));
    at += n;
    decoder.write(chunk.subarray(0, n));
  }
}

/** The direct path: every read lands where `DirectRead` says (a body's own buffer, or a slab). */
function viaDirect(bytes: Buffer, reader: DirectRead, readSize: number): void {
  for (let at = 0; at < bytes.length; ) {
    const target = reader.onread.buffer();
    const n = bytes.copy(target, 0, at, Math.min(bytes.length, at + Math.min(readSize, target.length)));
    at += n;
    reader.onread.callback(n);
  }
}

function directReader(): DirectRead {
  const decoder = new FrameDecoder(sink);
  const reader = new DirectRead();
  reader.attach({
    readTarget: () => decoder.readTarget(),
    bodyRead: (n) => decoder.bodyRead(n),
    chunkRead: (chunk) => void decoder.write(chunk),
    atFrameBoundary: () => decoder.idle,
  });
  return reader;
}

for (const [label, size, count] of [
  ["1 MiB", MiB, 4],
  ["4 MiB", 4 * MiB, 1],
  ["64 KiB", 64 * 1024, 64],
] as const) {
  describe(`${count} frame(s) of ${label} off the wire`, () => {
    const bytes = wire(size, count);
    const dataDecoder = new FrameDecoder(sink);
    bench("'data' path: fresh 64 KiB chunk per read, body assembled", () => viaData(bytes, dataDecoder));
    const direct64 = directReader();
    bench("direct path, reads of up to 64 KiB", () => viaDirect(bytes, direct64, 64 * 1024));
    const direct256 = directReader();
    bench("direct path, reads of up to 256 KiB (a loopback socket's usual)", () => viaDirect(bytes, direct256, 256 * 1024));
  });
}

// Keeps `delivered` observable so the decode loop cannot be optimised away.
export { delivered };
