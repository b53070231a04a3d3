import { describe, expect, it } from "vitest";
import { FrameParser } from "../src/raw/frame-parser.js";
import { FLAG_LONG, FLAG_MORE, headerSize, writeHeader } from "../src/raw/wire-format.js";

function encode(frames: Array<{ body: Buffer; more: boolean }>): Buffer {
  const parts: Buffer[] = [];
  for (const { body, more } of frames) {
    const header = Buffer.alloc(headerSize(body.length));
    writeHeader(header, 0, body.length, more);
    parts.push(header, body);
  }
  return Buffer.concat(parts);
}

function parseAll(chunks: Buffer[]): Array<[string, boolean]> {
  const out: Array<[string, boolean]> = [];
  const parser = new FrameParser((body, more) => out.push([body.toString("latin1"), more]));
  for (const chunk of chunks) parser.feed(chunk);
  return out;
}

describe("raw baseline FrameParser", () => {
  it("writes short frames with a 1-octet size and long frames with an 8-octet size (RFC 37 §2.3)", () => {
    const short = Buffer.alloc(2);
    writeHeader(short, 0, 255, true);
    expect([...short]).toEqual([FLAG_MORE, 255]);
    const long = Buffer.alloc(9);
    writeHeader(long, 0, 256, false);
    expect(long[0]).toBe(FLAG_LONG);
    expect(long.readBigUInt64BE(1)).toBe(256n);
  });

  it("delivers every frame with its MORE flag when the stream arrives in one chunk", () => {
    const wire = encode([
      { body: Buffer.from("a"), more: true },
      { body: Buffer.from("bc"), more: false },
      { body: Buffer.alloc(0), more: false },
    ]);
    expect(parseAll([wire])).toEqual([
      ["a", true],
      ["bc", false],
      ["", false],
    ]);
  });

  it("gives the same frames whatever byte boundaries the stream is cut at", () => {
    const long = Buffer.alloc(70_000, 0x7a);
    const frames = [
      { body: Buffer.from("first"), more: false },
      { body: long, more: true },
      { body: Buffer.from("tail"), more: false },
    ];
    const wire = encode(frames);
    const expected = frames.map(({ body, more }) => [body.toString("latin1"), more]);
    for (const size of [1, 2, 7, 9, 1000, 65536]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < wire.length; at += size) chunks.push(wire.subarray(at, at + size));
      expect(parseAll(chunks)).toEqual(expected);
    }
  });

  it("hands out frames inside a chunk as views of that chunk, without copying", () => {
    const wire = encode([{ body: Buffer.from("view"), more: false }]);
    let seen: Buffer | undefined;
    new FrameParser((body) => (seen = body)).feed(wire);
    expect(seen!.buffer).toBe(wire.buffer);
  });
});
