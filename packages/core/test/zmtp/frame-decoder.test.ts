import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ProtocolError, ZmqError } from "../../src/errors.js";
import { FrameDecoder, type FrameSink } from "../../src/zmtp/frame-decoder.js";
import { rawFrame } from "../helpers.js";
import { createHash } from "node:crypto";

interface Decoded {
  flags: number;
  body: Buffer;
}

function collector(): FrameSink & { frames: Decoded[] } {
  const frames: Decoded[] = [];
  // Copy: the decoder may hand out views into the chunk it was given.
  return { frames, onFrame: (flags, body) => void frames.push({ flags, body: Buffer.from(body) }) };
}

function decodeChunks(chunks: Buffer[], maxFrameSize = -1): Decoded[] {
  const sink = collector();
  const decoder = new FrameDecoder(sink, maxFrameSize);
  for (const chunk of chunks) decoder.write(chunk);
  expect(decoder.idle).toBe(true);
  return sink.frames;
}

/** Frames as "flags:length:digest" lines: cheap to compare, readable on failure. */
function summary(frames: Decoded[]): string[] {
  return frames.map((f) => `${f.flags}:${f.body.length}:${createHash("sha1").update(f.body).digest("hex").slice(0, 12)}`);
}

function body(size: number, seed = size): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

const SIZES = [0, 1, 255, 256, 65536, 1024 * 1024 + 3];

describe("FrameDecoder (RFC 23 §Framing)", () => {
  it.each(SIZES)("decodes a %i-byte frame in one chunk", (size) => {
    const frames = decodeChunks([rawFrame(0, body(size))]);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.flags & 0x01).toBe(0);
    expect(frames[0]!.body.equals(body(size))).toBe(true);
  });

  it("uses the short form up to 255 octets and the long form from 256", () => {
    expect(rawFrame(0, body(255))[0]).toBe(0);
    expect(rawFrame(0, body(256))[0]).toBe(0x02);
    expect(decodeChunks([rawFrame(0, body(256))])[0]!.flags).toBe(0x02);
  });

  it("accepts a long-form header for a short body", () => {
    const header = Buffer.from([0x02, 0, 0, 0, 0, 0, 0, 0, 3]);
    const frames = decodeChunks([Buffer.concat([header, Buffer.from("abc")])]);
    expect(frames[0]!.body.toString()).toBe("abc");
  });

  it("reports the MORE and COMMAND flags", () => {
    const frames = decodeChunks([
      Buffer.concat([rawFrame(0x01, Buffer.from("a")), rawFrame(0x00, Buffer.from("b")), rawFrame(0x04, Buffer.from("\x04PING"))]),
    ]);
    expect(frames.map((f) => f.flags)).toEqual([0x01, 0x00, 0x04]);
    expect(frames.map((f) => f.body.toString())).toEqual(["a", "b", "\x04PING"]);
  });

  it("hands out a frame lying whole inside a chunk as a view, without copying", () => {
    const chunk = rawFrame(0, body(100));
    let seen: Buffer | null = null;
    new FrameDecoder({ onFrame: (_, b) => void (seen = b) }).write(chunk);
    expect(seen!.buffer).toBe(chunk.buffer);
  });

  const stream = Buffer.concat(SIZES.slice(0, 5).flatMap((size, i) => [rawFrame(i % 2, body(size)), rawFrame(0x04, body(7, i))]));
  const expected = summary(decodeChunks([stream]));

  it("decodes a stream of frames split at every byte boundary into two chunks", () => {
    // The 65536-byte frame makes this stream long; step through every boundary of its headers and small frames.
    const small = Buffer.concat([0, 1, 2, 255, 256, 300].map((size, i) => rawFrame(i % 2, body(size))));
    const smallExpected = summary(decodeChunks([small]));
    for (let cut = 0; cut <= small.length; cut++) {
      expect(summary(decodeChunks([small.subarray(0, cut), small.subarray(cut)]))).toEqual(smallExpected);
    }
  });

  it("decodes the same stream fed one byte at a time", () => {
    const small = Buffer.concat([0, 1, 255, 256, 1000].map((size, i) => rawFrame(i % 2 === 0 ? 0 : 1, body(size))));
    const chunks: Buffer[] = [];
    for (let i = 0; i < small.length; i++) chunks.push(small.subarray(i, i + 1));
    expect(summary(decodeChunks(chunks))).toEqual(summary(decodeChunks([small])));
  });

  it("decodes a stream with large frames split at random points", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (points) => {
        const cuts = [0, ...points.sort((a, b) => a - b), stream.length];
        const chunks = cuts.slice(1).map((end, i) => stream.subarray(cuts[i], end));
        expect(summary(decodeChunks(chunks))).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it("decodes random frame sequences whatever the chunking", () => {
    const frameArb = fc.record({ more: fc.boolean(), data: fc.uint8Array({ maxLength: 600 }) });
    fc.assert(
      fc.property(fc.array(frameArb, { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), (frames, rawCuts) => {
        const bytes = Buffer.concat(frames.map((f) => rawFrame(f.more ? 1 : 0, Buffer.from(f.data))));
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const points = [0, ...cuts, bytes.length];
        const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
        const decoded = decodeChunks(chunks);
        expect(decoded.map((d) => d.body.toString("hex"))).toEqual(frames.map((f) => Buffer.from(f.data).toString("hex")));
        expect(decoded.map((d) => (d.flags & 1) === 1)).toEqual(frames.map((f) => f.more));
      }),
      { numRuns: 200 },
    );
  });

  it.each([0x08, 0x10, 0x80, 0xf8])("rejects reserved flag bits 0x%s with a ProtocolError", (bit) => {
    const decoder = new FrameDecoder(collector());
    expect(() => decoder.write(Buffer.from([bit, 0]))).toThrow(ProtocolError);
  });

  it("rejects a command frame with the MORE flag", () => {
    const decoder = new FrameDecoder(collector());
    expect(() => decoder.write(rawFrame(0x05, Buffer.from("\x04PING")))).toThrow(expect.objectContaining({ detail: expect.stringMatching(/MORE/) }));
  });

  it("rejects reserved bits even when the header arrives split", () => {
    const decoder = new FrameDecoder(collector());
    decoder.write(Buffer.from([0x0a, 0, 0]));
    expect(() => decoder.write(Buffer.from([0, 0, 0, 0, 0, 1, 0]))).toThrow(ProtocolError);
  });

  it("rejects a frame above maxFrameSize with EMSGSIZE before reading its body", () => {
    const sink = collector();
    const decoder = new FrameDecoder(sink, 1000);
    decoder.write(rawFrame(0, body(1000)));
    let error: ZmqError | null = null;
    try {
      decoder.write(rawFrame(0, body(1001)).subarray(0, 9));
    } catch (e) {
      error = e as ZmqError;
    }
    expect(error).toBeInstanceOf(ZmqError);
    expect(error!.code).toBe("EMSGSIZE");
    expect(sink.frames).toHaveLength(1);
  });

  it("rejects a frame above maxFrameSize when its long header is split across chunks", () => {
    const decoder = new FrameDecoder(collector(), 100);
    decoder.write(Buffer.from([0x02, 0, 0]));
    expect(() => decoder.write(Buffer.from([0, 0, 0, 0, 1, 0]))).toThrow(expect.objectContaining({ code: "EMSGSIZE" }));
  });

  it("rejects a size that no JavaScript number can hold", () => {
    const decoder = new FrameDecoder(collector());
    expect(() => decoder.write(Buffer.from([0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).toThrow(
      expect.objectContaining({ code: "EMSGSIZE" }),
    );
  });

  it("stops at its frame budget, returns the octets consumed, and decodes the rest with a new budget", () => {
    const sink = collector();
    const decoder = new FrameDecoder(sink);
    const frames = [0, 1, 2, 3, 4].map((i) => rawFrame(0, Buffer.from(`frame ${i}`)));
    const chunk = Buffer.concat(frames);
    decoder.budget = 2;
    const used = decoder.write(chunk);
    expect(used).toBe(frames[0]!.length + frames[1]!.length);
    expect(sink.frames.map((f) => f.body.toString())).toEqual(["frame 0", "frame 1"]);
    expect(decoder.write(chunk.subarray(used))).toBe(0);
    decoder.budget = 10;
    expect(decoder.write(chunk.subarray(used))).toBe(chunk.length - used);
    expect(sink.frames.map((f) => f.body.toString())).toEqual(["frame 0", "frame 1", "frame 2", "frame 3", "frame 4"]);
  });

  it("counts a body split across chunks once, when it completes", () => {
    const sink = collector();
    const decoder = new FrameDecoder(sink);
    const frame = rawFrame(0, body(1000));
    decoder.budget = 1;
    expect(decoder.write(frame.subarray(0, 500))).toBe(500);
    expect(decoder.partialBytes).toBe(500 - 9);
    const rest = Buffer.concat([frame.subarray(500), rawFrame(0, Buffer.from("next"))]);
    expect(decoder.write(rest)).toBe(frame.length - 500);
    expect(sink.frames).toHaveLength(1);
    expect(sink.frames[0]!.body.equals(body(1000))).toBe(true);
  });

  it("names the limit in force when it refuses a frame", () => {
    const decoder = new FrameDecoder(collector(), 10);
    decoder.limitName = "maxIncompleteMessageSize";
    // `message` is zeromq's "Message too long"; skein's explanation, naming the limit, is `detail`.
    expect(() => decoder.write(rawFrame(0, body(11)))).toThrow(expect.objectContaining({ code: "EMSGSIZE", detail: expect.stringMatching(/maxIncompleteMessageSize/) }));
  });

  it("delivers nothing more once stopped", () => {
    const sink = collector();
    const decoder = new FrameDecoder({
      onFrame(flags, b) {
        sink.onFrame(flags, b);
        decoder.stop();
      },
    });
    decoder.write(Buffer.concat([rawFrame(0, Buffer.from("a")), rawFrame(0, Buffer.from("b"))]));
    expect(sink.frames.map((f) => f.body.toString())).toEqual(["a"]);
  });
});
