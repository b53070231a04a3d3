import { describe, expect, it } from "vitest";
import { FrameDecoder } from "../../src/zmtp/frame-decoder.js";
import { COPY_THRESHOLD, FrameEncoder } from "../../src/zmtp/frame-encoder.js";
import { rawFrame } from "../helpers.js";

function decode(chunks: Buffer[]): { flags: number; body: Buffer }[] {
  const frames: { flags: number; body: Buffer }[] = [];
  const decoder = new FrameDecoder({ onFrame: (flags, body) => void frames.push({ flags, body: Buffer.from(body) }) });
  for (const chunk of chunks) decoder.write(chunk);
  return frames;
}

describe("FrameEncoder", () => {
  it("writes the bytes RFC 23 prescribes for short, long, MORE and command frames", () => {
    const encoder = new FrameEncoder();
    const big = Buffer.alloc(300, 7);
    encoder.frame(Buffer.from("ab"), true);
    encoder.frame(big, false);
    encoder.frame(Buffer.from("\x04PING\x00\x00"), false, true);
    const expected = Buffer.concat([rawFrame(0x01, Buffer.from("ab")), rawFrame(0x00, big), rawFrame(0x04, Buffer.from("\x04PING\x00\x00"))]);
    expect(Buffer.concat(encoder.take()).equals(expected)).toBe(true);
  });

  it("produces output that decodes back to the same frames, for every size class", () => {
    const encoder = new FrameEncoder();
    const sizes = [0, 1, 32, 33, 255, 256, COPY_THRESHOLD - 1, COPY_THRESHOLD, 65536, 1024 * 1024];
    const bodies = sizes.map((size, i) => Buffer.alloc(size, i + 1));
    bodies.forEach((b, i) => encoder.frame(b, i % 2 === 0));
    const frames = decode(encoder.take());
    expect(frames.map((f) => f.body.length)).toEqual(sizes);
    expect(frames.every((f, i) => f.body.equals(bodies[i]!))).toBe(true);
    expect(frames.map((f) => f.flags & 1)).toEqual(sizes.map((_, i) => (i % 2 === 0 ? 1 : 0)));
  });

  it("batches many small frames into a few chunks", () => {
    const encoder = new FrameEncoder();
    for (let i = 0; i < 10_000; i++) encoder.frame(Buffer.from(`message ${i}`), false);
    const chunks = encoder.take();
    expect(chunks.length).toBeLessThanOrEqual(3);
    const frames = decode(chunks);
    expect(frames).toHaveLength(10_000);
    expect(frames[9999]!.body.toString()).toBe("message 9999");
  });

  it("passes a large body by reference instead of copying it", () => {
    const encoder = new FrameEncoder();
    const large = Buffer.alloc(COPY_THRESHOLD * 4, 9);
    encoder.frame(Buffer.from("head"), true);
    encoder.frame(large, false);
    const chunks = encoder.take();
    expect(chunks).toContain(large);
    expect(encoder.pendingBytes).toBe(0);
  });

  it("counts pending bytes until taken, and starts afresh after take", () => {
    const encoder = new FrameEncoder();
    encoder.frame(Buffer.from("abc"), false);
    encoder.frame(Buffer.alloc(COPY_THRESHOLD), false);
    expect(encoder.pendingBytes).toBe(2 + 3 + 9 + COPY_THRESHOLD);
    encoder.take();
    expect(encoder.pendingBytes).toBe(0);
    expect(encoder.take()).toEqual([]);
  });

  it("never overwrites bytes already handed out when it encodes more", () => {
    const encoder = new FrameEncoder();
    encoder.frame(Buffer.from("first"), false);
    const first = encoder.take();
    const snapshot = Buffer.concat(first);
    for (let i = 0; i < 20_000; i++) encoder.frame(Buffer.from("overwrite?"), false);
    encoder.take();
    expect(Buffer.concat(first).equals(snapshot)).toBe(true);
  });

  it("passes raw bytes (the greeting) through in order", () => {
    const encoder = new FrameEncoder();
    encoder.frame(Buffer.from("x"), false);
    encoder.raw(Buffer.from("RAW"));
    encoder.frame(Buffer.from("y"), false);
    expect(Buffer.concat(encoder.take()).toString("latin1")).toBe("\x00\x01xRAW\x00\x01y");
  });
});
