import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import protobuf from "protobufjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TypeRegistry } from "../src/index.js";
import { codeOf } from "./helpers.js";

const PROTO_V2 = `
syntax = "proto3";
package inventory;
message Item {
  string sku = 1;
  bytes image = 2;
  uint32 stock = 3;
  repeated string tags = 4;
  Price price = 5;
  int64 serial = 6;
}
message Price { string currency = 1; uint64 cents = 2; }
`;

// An older schema of the same message: fields 3..6 unknown to it.
const PROTO_V1 = `
syntax = "proto3";
package inventory;
message Item { string sku = 1; bytes image = 2; }
`;

describe("TypeRegistry", () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "skein-registry-"));
    writeFileSync(join(dir, "price.proto"), 'syntax = "proto3"; package inventory; message Price { string currency = 1; uint64 cents = 2; }');
    writeFileSync(
      join(dir, "item.proto"),
      'syntax = "proto3"; package inventory; import "price.proto"; message Item { string sku = 1; Price price = 5; }',
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("registers a .proto file with its imports and round-trips a message", () => {
    const registry = new TypeRegistry().registerProto(join(dir, "item.proto"));
    expect(registry.has("inventory.Item")).toBe(true);
    expect(registry.has("inventory.Price")).toBe(true);
    const bytes = registry.encode("inventory.Item", { sku: "A-1", price: { currency: "EUR", cents: 250 } });
    const item = registry.decode<{ sku: string; price: { currency: string } }>("inventory.Item", bytes);
    expect(item.sku).toBe("A-1");
    expect(item.price.currency).toBe("EUR");
  });

  it("registers .proto source text and a protobufjs Root", () => {
    const fromSource = new TypeRegistry().registerProto(PROTO_V2);
    expect(fromSource.typeNames().sort()).toEqual(["inventory.Item", "inventory.Price"]);
    const root = protobuf.parse('syntax = "proto3"; package a.b; message C { message D { int32 x = 1; } }').root;
    const fromRoot = new TypeRegistry().registerRoot(root);
    expect(fromRoot.lookup("a.b.C.D").name).toBe("D");
    expect(fromRoot.lookup(".a.b.C").name).toBe("C");
  });

  it("throws ERR_CODEC_UNKNOWN_TYPE for a type never registered", () => {
    const registry = new TypeRegistry().registerProto(PROTO_V2);
    expect(codeOf(() => registry.lookup("inventory.Missing"))).toBe("ERR_CODEC_UNKNOWN_TYPE");
    expect(codeOf(() => registry.encode("inventory.Missing", {}))).toBe("ERR_CODEC_UNKNOWN_TYPE");
    expect(codeOf(() => registry.decode("inventory.Missing", Buffer.alloc(0)))).toBe("ERR_CODEC_UNKNOWN_TYPE");
  });

  it("throws ERR_CODEC_INVALID_SCHEMA for a missing file, bad source or an unresolvable type", () => {
    expect(codeOf(() => new TypeRegistry().registerProto(join(dir, "nope.proto")))).toBe("ERR_CODEC_INVALID_SCHEMA");
    expect(codeOf(() => new TypeRegistry().registerProto("message { oops"))).toBe("ERR_CODEC_INVALID_SCHEMA");
    expect(codeOf(() => new TypeRegistry().registerProto("syntax = \"proto3\"; message A { Nope n = 1; }"))).toBe(
      "ERR_CODEC_INVALID_SCHEMA",
    );
  });

  it("refuses to encode a value of the wrong shape with ERR_CODEC_INVALID_MESSAGE", () => {
    const registry = new TypeRegistry().registerProto(PROTO_V2);
    expect(() => registry.encode("inventory.Item", { sku: 42 })).toThrow(/cannot encode inventory.Item: sku: string expected/);
    expect(codeOf(() => registry.encode("inventory.Item", null))).toBe("ERR_CODEC_INVALID_MESSAGE");
    expect(codeOf(() => registry.encode("inventory.Item", { tags: "not-a-list" }))).toBe("ERR_CODEC_INVALID_MESSAGE");
  });

  it("turns malformed payload bytes into ERR_CODEC_MALFORMED_PAYLOAD", () => {
    const registry = new TypeRegistry().registerProto(PROTO_V2);
    // Field 1, length-delimited, says 10 bytes follow but only 1 does.
    expect(codeOf(() => registry.decode("inventory.Item", Buffer.from([0x0a, 0x0a, 0x41])))).toBe(
      "ERR_CODEC_MALFORMED_PAYLOAD",
    );
  });

  it("enforces maxPayloadSize on encode and decode", () => {
    const registry = new TypeRegistry({ limits: { maxPayloadSize: 64 } }).registerProto(PROTO_V2);
    expect(codeOf(() => registry.encode("inventory.Item", { image: Buffer.alloc(100) }))).toBe("ERR_CODEC_TOO_LARGE");
    expect(codeOf(() => registry.decode("inventory.Item", Buffer.alloc(65)))).toBe("ERR_CODEC_TOO_LARGE");
  });

  it("decodes bytes fields as views of the received buffer, without copying", () => {
    const registry = new TypeRegistry().registerProto(PROTO_V2);
    const image = Buffer.from("png-bytes");
    const wire = registry.encode("inventory.Item", { sku: "x", image });
    const item = registry.decode<{ image: Uint8Array }>("inventory.Item", wire);
    expect(Buffer.from(item.image)).toEqual(image);
    expect(item.image.buffer).toBe(wire.buffer);
    // A write through the view is seen in the received buffer: same memory.
    item.image[0] = 0x50;
    expect(wire.includes(Buffer.from("Png-bytes"))).toBe(true);
  });

  it("keeps fields unknown to an older schema and writes them back on re-encode", () => {
    const newer = new TypeRegistry().registerProto(PROTO_V2);
    const older = new TypeRegistry().registerProto(PROTO_V1);
    const wire = newer.encode("inventory.Item", {
      sku: "A-1",
      image: Buffer.from([1, 2]),
      stock: 7,
      tags: ["red", "new"],
      price: { currency: "EUR", cents: 999 },
      serial: 123456789,
    });
    const seenByOld = older.decode<{ sku: string }>("inventory.Item", wire);
    expect(seenByOld.sku).toBe("A-1");
    const forwarded = older.encode("inventory.Item", seenByOld);
    expect(forwarded).toEqual(wire);
    const back = newer.decode<{ stock: number; tags: string[]; price: { cents: unknown } }>("inventory.Item", forwarded);
    expect(back.stock).toBe(7);
    expect(back.tags).toEqual(["red", "new"]);
  });

  it("gives a typed codec that encodes and decodes one type", () => {
    interface Price {
      currency: string;
      cents: bigint;
    }
    const registry = TypeRegistry.fromJSON(protobuf.parse(PROTO_V2).root.toJSON());
    const codec = registry.codec<Price>("inventory.Price");
    expect(codec.typeName).toBe("inventory.Price");
    const price = codec.decode(codec.encode({ currency: "USD", cents: 2 ** 40 }));
    expect(price.currency).toBe("USD");
    expect(price.cents).toBe(2n ** 40n);
  });
});
