import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { decodeEnvelope, encodeEnvelope } from "../src/index.js";
import { DEFAULT_LIMITS } from "../src/limits.js";
import { decodeMessage, encodeMessage } from "../src/message-codec.js";
import { codeOf } from "./helpers.js";

const { root } = protobuf.parse('syntax = "proto3"; package t; message Named { string name = 1; }');
const Named = root.lookupType("t.Named");

/** A request header whose correlation id is `marker`, as frames, and where the marker's bytes start in the header. */
function requestWith(marker: string): { frames: Buffer[]; at: number } {
  const frames = encodeEnvelope({ kind: "request", service: "example.Greeter", method: "SayHello", correlationId: marker, payload: [] });
  return { frames, at: frames[0]!.indexOf(marker) };
}

const STRINGS = [
  "",
  "a",
  "SayHello",
  "example.Greeter",
  "x".repeat(12),
  "x".repeat(13),
  "y".repeat(63),
  "z".repeat(64),
  "a7c3e1f0.123456789",
  "héllo wörld",
  "greeting ✓ from 東京",
  "clef 𝄞 and more ASCII after it",
  "ASCII first, then é",
  "\u007f is still ASCII",
];

describe("strings read from peer bytes", () => {
  it("decode to the string written, ASCII or not, short or long, in a header and in a payload", () => {
    for (const text of STRINGS) {
      const envelope = decodeEnvelope(encodeEnvelope({ kind: "request", service: `svc.${text}`, method: text || "m", correlationId: text || "c", payload: [] }));
      expect(envelope.service).toBe(`svc.${text}`);
      expect(envelope.method).toBe(text || "m");
      expect(envelope.correlationId).toBe(text || "c");
      const bytes = encodeMessage(Named, { name: text }, DEFAULT_LIMITS);
      expect((decodeMessage(Named, bytes, DEFAULT_LIMITS) as { name: string }).name).toBe(text);
    }
  });

  it("reject bytes that are not UTF-8 in a header string with ERR_CODEC_MALFORMED_HEADER", () => {
    // A lone continuation byte, an overlong '/', a 3-byte sequence cut short, a surrogate, a byte never in UTF-8.
    for (const bad of [[0x80], [0xc0, 0xaf], [0xe2, 0x82, 0x41], [0xed, 0xa0, 0x80], [0xff]]) {
      for (const marker of ["MMMMMMMM", "M".repeat(20), "M".repeat(70)]) {
        const { frames, at } = requestWith(marker);
        Buffer.from(bad).copy(frames[0]!, at + 2);
        expect(codeOf(() => decodeEnvelope(frames))).toBe("ERR_CODEC_MALFORMED_HEADER");
      }
    }
  });

  it("reject bytes that are not UTF-8 in a payload string with ERR_CODEC_MALFORMED_PAYLOAD", () => {
    for (const bad of [[0x80], [0xc0, 0xaf], [0xe2, 0x82, 0x41], [0xff]]) {
      const bytes = Buffer.from(encodeMessage(Named, { name: "N".repeat(20) }, DEFAULT_LIMITS));
      Buffer.from(bad).copy(bytes, 5);
      expect(codeOf(() => decodeMessage(Named, bytes, DEFAULT_LIMITS))).toBe("ERR_CODEC_MALFORMED_PAYLOAD");
    }
  });

  it("reject a string whose length runs past the end of the frame", () => {
    const { frames, at } = requestWith("LLLLLLLLLLLLLLLL");
    // The length octet before the marker: claim 100 bytes (16 are there).
    frames[0]![at - 1] = 100;
    expect(codeOf(() => decodeEnvelope(frames))).toBe("ERR_CODEC_MALFORMED_HEADER");
    const bytes = Buffer.from(encodeMessage(Named, { name: "abc" }, DEFAULT_LIMITS));
    bytes[1] = 50;
    expect(codeOf(() => decodeMessage(Named, bytes, DEFAULT_LIMITS))).toBe("ERR_CODEC_MALFORMED_PAYLOAD");
  });
});
