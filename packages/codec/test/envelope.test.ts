import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import {
  decodeEnvelope,
  decodeErrorPayload,
  encodeEnvelope,
  encodeErrorPayload,
  type Envelope,
  PROTOCOL_VERSION,
} from "../src/index.js";
import { codeOf } from "./helpers.js";

const TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

const examples: Record<string, Envelope> = {
  request: {
    kind: "request",
    service: "example.Greeter",
    method: "SayHello",
    correlationId: "c-1",
    deadline: 1_700_000_000_000,
    traceparent: TRACEPARENT,
    tracestate: "vendor=abc",
    metadata: { tenant: "acme", "x-retry": "2" },
    payloadType: "example.HelloRequest",
    payload: [Buffer.from([0x0a, 0x03, 0x41, 0x64, 0x61])],
  },
  reply: { kind: "reply", correlationId: "c-1", payload: [Buffer.from([0x0a, 0x00])] },
  error: {
    kind: "error",
    correlationId: "c-1",
    payload: [encodeErrorPayload({ code: "NOT_FOUND", message: "no such greeter" })],
  },
  event: { kind: "event", topic: "orders.placed", payload: [Buffer.from("event-bytes")] },
  cancel: { kind: "cancel", correlationId: "c-1", payload: [] },
  "stream-item": { kind: "stream-item", correlationId: "c-1", payload: [Buffer.from([1]), Buffer.from([2])] },
  "stream-end": { kind: "stream-end", correlationId: "c-1", payload: [] },
  credit: { kind: "credit", correlationId: "c-1", credit: 64, payload: [] },
};

describe("envelope", () => {
  for (const [kind, envelope] of Object.entries(examples)) {
    it(`a ${kind} envelope survives encode and decode with every field`, () => {
      const frames = encodeEnvelope(envelope);
      expect(frames.length).toBe(envelope.payload.length + 1);
      const decoded = decodeEnvelope(frames);
      expect(decoded).toEqual({ ...envelope, metadata: envelope.metadata ?? {}, version: PROTOCOL_VERSION });
    });
  }

  it("writes the exact header bytes documented in docs/wire-format.md", () => {
    const request = encodeEnvelope({
      kind: "request",
      service: "example.Greeter",
      method: "SayHello",
      correlationId: "7",
      deadline: 1_700_000_000_000,
      traceparent: TRACEPARENT,
      metadata: { tenant: "acme" },
      payload: [],
    });
    expect(request[0]!.toString("hex")).toBe(
      "08011801220f6578616d706c652e477265657465722a0853617948656c6c6f3a01374080d095ffbc314a37" +
        Buffer.from(TRACEPARENT).toString("hex") +
        "5a0e0a0674656e616e74120461636d65",
    );
    expect(encodeEnvelope({ kind: "reply", correlationId: "7", payload: [] })[0]!.toString("hex")).toBe("080118023a0137");
    expect(encodeEnvelope({ kind: "event", topic: "orders.placed", payload: [] })[0]!.toString("hex")).toBe(
      "08011804320d6f72646572732e706c61636564",
    );
    expect(encodeErrorPayload({ code: "NOT_FOUND", message: "no such greeter" }).toString("hex")).toBe(
      "0a094e4f545f464f554e44120f6e6f20737563682067726565746572",
    );
  });

  it("passes payload frames through without copying them, both ways", () => {
    const payload = Buffer.from("payload");
    const frames = encodeEnvelope({ kind: "reply", correlationId: "7", payload: [payload] });
    expect(frames[1]).toBe(payload);
    expect(decodeEnvelope(frames).payload[0]).toBe(payload);
  });

  it("carries a typed error payload with details", () => {
    const detail = { type: "example.RetryInfo", value: Buffer.from([8, 5]) };
    const frames = encodeEnvelope({
      kind: "error",
      correlationId: "9",
      payload: [encodeErrorPayload({ code: "UNAVAILABLE", message: "try later", details: [detail] })],
    });
    const error = decodeErrorPayload(decodeEnvelope(frames).payload[0]!);
    expect(error.code).toBe("UNAVAILABLE");
    expect(error.message).toBe("try later");
    expect(error.details).toHaveLength(1);
    expect(error.details[0]!.type).toBe("example.RetryInfo");
    expect(Buffer.from(error.details[0]!.value)).toEqual(detail.value);
  });

  it("refuses to encode a request without service, method or correlation id", () => {
    expect(codeOf(() => encodeEnvelope({ kind: "request", method: "M", correlationId: "1", payload: [] }))).toBe(
      "ERR_CODEC_INVALID_ENVELOPE",
    );
    expect(codeOf(() => encodeEnvelope({ kind: "request", service: "S", correlationId: "1", payload: [] }))).toBe(
      "ERR_CODEC_INVALID_ENVELOPE",
    );
    expect(codeOf(() => encodeEnvelope({ kind: "request", service: "S", method: "M", payload: [] }))).toBe(
      "ERR_CODEC_INVALID_ENVELOPE",
    );
  });

  it("refuses to encode an event without topic, a reply without correlation id, or an unknown kind", () => {
    expect(codeOf(() => encodeEnvelope({ kind: "event", payload: [] }))).toBe("ERR_CODEC_INVALID_ENVELOPE");
    expect(codeOf(() => encodeEnvelope({ kind: "reply", payload: [] }))).toBe("ERR_CODEC_INVALID_ENVELOPE");
    expect(codeOf(() => encodeEnvelope({ kind: "gossip" as "event", topic: "t", payload: [] }))).toBe(
      "ERR_CODEC_INVALID_ENVELOPE",
    );
  });

  it("refuses to encode non-string metadata, a fractional deadline or a non-Buffer payload", () => {
    const base = { kind: "event", topic: "t", payload: [] } as const;
    expect(codeOf(() => encodeEnvelope({ ...base, metadata: { n: 1 as unknown as string } }))).toBe(
      "ERR_CODEC_INVALID_ENVELOPE",
    );
    expect(codeOf(() => encodeEnvelope({ ...base, deadline: 1.5 }))).toBe("ERR_CODEC_INVALID_ENVELOPE");
    expect(codeOf(() => encodeEnvelope({ ...base, payload: ["x" as unknown as Buffer] }))).toBe(
      "ERR_CODEC_INVALID_ENVELOPE",
    );
  });

  it("enforces maxHeaderSize on encode and on decode", () => {
    const big = { kind: "event", topic: "t", metadata: { blob: "x".repeat(200) }, payload: [] } as const;
    expect(codeOf(() => encodeEnvelope(big, { limits: { maxHeaderSize: 100 } }))).toBe("ERR_CODEC_TOO_LARGE");
    const frames = encodeEnvelope(big);
    expect(codeOf(() => decodeEnvelope(frames, { limits: { maxHeaderSize: 100 } }))).toBe("ERR_CODEC_TOO_LARGE");
  });

  it("enforces maxPayloadSize over the sum of payload frames, with a message naming the limit", () => {
    const envelope: Envelope = { kind: "event", topic: "t", payload: [Buffer.alloc(600), Buffer.alloc(600)] };
    expect(() => encodeEnvelope(envelope, { limits: { maxPayloadSize: 1000 } })).toThrow(
      /1200 bytes, over maxPayloadSize 1000/,
    );
    const frames = encodeEnvelope(envelope);
    expect(codeOf(() => decodeEnvelope(frames, { limits: { maxPayloadSize: 1000 } }))).toBe("ERR_CODEC_TOO_LARGE");
    expect(decodeEnvelope(frames, { limits: { maxPayloadSize: 1200 } }).payload).toHaveLength(2);
  });

  it("rejects an empty message, a garbage header and a header without version or kind", () => {
    expect(codeOf(() => decodeEnvelope([]))).toBe("ERR_CODEC_MALFORMED_HEADER");
    expect(codeOf(() => decodeEnvelope([Buffer.from([0xff, 0xff, 0xff])]))).toBe("ERR_CODEC_MALFORMED_HEADER");
    expect(codeOf(() => decodeEnvelope([Buffer.alloc(0)]))).toBe("ERR_CODEC_MALFORMED_HEADER");
    // version 1 and nothing else: no kind.
    expect(codeOf(() => decodeEnvelope([Buffer.from([0x08, 0x01])]))).toBe("ERR_CODEC_MALFORMED_HEADER");
  });

  it("rejects a decoded request that lacks its method", () => {
    // version 1, kind REQUEST, service "S", correlation id "1": no method.
    const header = Buffer.from([0x08, 0x01, 0x18, 0x01, 0x22, 0x01, 0x53, 0x3a, 0x01, 0x31]);
    expect(() => decodeEnvelope([header])).toThrow(/request envelope needs a non-empty method/);
  });
});

// A header as a future protocol version 2 might write it: new fields (13, 14)
// and a new kind. An old reader must decode it best-effort, or refuse it
// clearly when the writer says version 1 readers cannot understand it.
const HEADER_V2 = `
syntax = "proto3";
package skein.codec.v1;
message Header {
  uint32 version = 1;
  uint32 min_version = 2;
  uint32 kind = 3;
  string service = 4;
  string method = 5;
  string correlation_id = 7;
  string priority = 13;
  bytes compression = 14;
}`;
const HeaderV2 = protobuf.parse(HEADER_V2).root.lookupType("skein.codec.v1.Header");

function headerV2(fields: Record<string, unknown>): Buffer {
  return Buffer.from(HeaderV2.encode(fields).finish());
}

describe("envelope versioning", () => {
  it("decodes a newer header best-effort and keeps the fields it does not know", () => {
    const header = headerV2({
      version: 2,
      minVersion: 1,
      kind: 1,
      service: "example.Greeter",
      method: "SayHello",
      correlationId: "c-2",
      priority: "high",
      compression: Buffer.from([1]),
    });
    const envelope = decodeEnvelope([header, Buffer.from([0x0a, 0x00])]);
    expect(envelope.kind).toBe("request");
    expect(envelope.version).toBe(2);
    expect(envelope.service).toBe("example.Greeter");
    expect(envelope.method).toBe("SayHello");
    expect(envelope.unknownHeaderFields).toHaveLength(2);
    // Field 13, wire type 2: tag 0x6a, length 4, "high".
    expect(Buffer.from(envelope.unknownHeaderFields![0]!)).toEqual(Buffer.from([0x6a, 0x04, ...Buffer.from("high")]));
  });

  it("refuses a newer header whose min_version is above this reader's, naming both versions", () => {
    const header = headerV2({ version: 3, minVersion: 2, kind: 1, service: "S", method: "M", correlationId: "1" });
    expect(codeOf(() => decodeEnvelope([header]))).toBe("ERR_CODEC_UNSUPPORTED_VERSION");
    expect(() => decodeEnvelope([header])).toThrow(/needs a reader of version >= 2; this @skein\/codec speaks version 1/);
  });

  it("refuses a credit envelope that grants no credit, on both sides", () => {
    expect(codeOf(() => encodeEnvelope({ kind: "credit", correlationId: "1", payload: [] }))).toBe("ERR_CODEC_INVALID_ENVELOPE");
    expect(codeOf(() => encodeEnvelope({ kind: "credit", correlationId: "1", credit: -1, payload: [] }))).toBe("ERR_CODEC_INVALID_ENVELOPE");
    const header = headerV2({ version: 1, kind: 8, correlationId: "1" });
    expect(codeOf(() => decodeEnvelope([header]))).toBe("ERR_CODEC_MALFORMED_HEADER");
    expect(encodeEnvelope({ kind: "credit", correlationId: "1", credit: 5, payload: [] })[0]!.toString("hex")).toBe("080118083a01316805");
  });

  it("refuses a kind added by a newer version with ERR_CODEC_UNKNOWN_KIND", () => {
    const header = headerV2({ version: 2, minVersion: 1, kind: 9, correlationId: "1" });
    expect(codeOf(() => decodeEnvelope([header]))).toBe("ERR_CODEC_UNKNOWN_KIND");
  });
});
