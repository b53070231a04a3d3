import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ProtocolError } from "../../src/errors.js";
import { MAX_METADATA_PROPERTIES, decodeMetadata, encodeMetadata, getProperty, type Metadata } from "../../src/zmtp/metadata.js";
import { rawProperties } from "../helpers.js";

describe("ZMTP metadata (RFC 37 §The Metadata)", () => {
  it(`takes up to ${MAX_METADATA_PROPERTIES} properties and refuses one more, even under repeated names`, () => {
    const properties = (count: number): Buffer => Buffer.concat(Array.from({ length: count }, () => Buffer.from([1, 0x41, 0, 0, 0, 0])));
    expect(decodeMetadata(properties(MAX_METADATA_PROPERTIES)).size).toBe(1);
    expect(() => decodeMetadata(properties(MAX_METADATA_PROPERTIES + 1))).toThrow(expect.objectContaining({ detail: expect.stringMatching(/More than 1024 metadata properties/) }));
    // A few megabytes of 6-octet properties cost one check, not a million properties.
    expect(() => decodeMetadata(properties(500_000))).toThrow(ProtocolError);
  });

  it("encodes name length, name, 32-bit value length and value, in insertion order", () => {
    const metadata: Metadata = new Map([
      ["Socket-Type", Buffer.from("DEALER")],
      ["Identity", Buffer.from("me")],
    ]);
    expect(encodeMetadata(metadata).equals(rawProperties({ "Socket-Type": "DEALER", Identity: "me" }))).toBe(true);
  });

  it("decodes what it encodes, empty values included", () => {
    const metadata: Metadata = new Map([
      ["Socket-Type", Buffer.from("ROUTER")],
      ["Identity", Buffer.alloc(0)],
      ["X-Custom.1_a+b", Buffer.from([0, 1, 2, 255])],
    ]);
    expect(decodeMetadata(encodeMetadata(metadata))).toEqual(metadata);
  });

  it("round-trips any valid property list", () => {
    const name = fc.stringMatching(/^[A-Za-z0-9.\-_+]{1,40}$/);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, fc.uint8Array({ maxLength: 300 })), { selector: (p) => p[0], maxLength: 8 }), (pairs) => {
        const metadata: Metadata = new Map(pairs.map(([n, v]) => [n, Buffer.from(v)]));
        expect(decodeMetadata(encodeMetadata(metadata))).toEqual(metadata);
      }),
    );
  });

  it("looks properties up case-insensitively", () => {
    const metadata = decodeMetadata(rawProperties({ "socket-type": "PUB" }));
    expect(getProperty(metadata, "Socket-Type")?.toString()).toBe("PUB");
    expect(getProperty(metadata, "Identity")).toBeUndefined();
  });

  it("rejects a truncated name, a value overrunning the command and an invalid name", () => {
    const good = rawProperties({ "Socket-Type": "PUB" });
    expect(() => decodeMetadata(good.subarray(0, 5))).toThrow(ProtocolError);
    expect(() => decodeMetadata(good.subarray(0, good.length - 1))).toThrow(expect.objectContaining({ detail: expect.stringMatching(/overruns/) }));
    expect(() => decodeMetadata(Buffer.from([0, 0, 0, 0, 0]))).toThrow(ProtocolError);
    expect(() => decodeMetadata(rawProperties({ "bad name": "x" }))).toThrow(expect.objectContaining({ detail: expect.stringMatching(/Invalid metadata property name/) }));
  });

  it("refuses to encode an invalid property name", () => {
    expect(() => encodeMetadata(new Map([["has space", Buffer.alloc(0)]]))).toThrow(RangeError);
    expect(() => encodeMetadata(new Map([["", Buffer.alloc(0)]]))).toThrow(RangeError);
  });
});
