import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CodecError, decodeEnvelope, encodeEnvelope, type Envelope, EnvelopeKind, TypeRegistry } from "../src/index.js";

const KINDS = Object.values(EnvelopeKind);
const nonEmpty = fc.string({ minLength: 1, maxLength: 40 });
const frame = fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes));

const envelopeArb: fc.Arbitrary<Envelope> = fc
  .record(
    {
      kind: fc.constantFrom(...KINDS),
      service: nonEmpty,
      method: nonEmpty,
      topic: nonEmpty,
      correlationId: nonEmpty,
      deadline: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      traceparent: nonEmpty,
      tracestate: nonEmpty,
      metadata: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 5 }),
      payloadType: nonEmpty,
      credit: fc.integer({ min: 1, max: 0xffffffff }),
      payload: fc.array(frame, { maxLength: 4 }),
    },
    { requiredKeys: ["kind", "payload", "correlationId", "service", "method", "topic", "credit"] },
  )
  .map((envelope) => envelope as Envelope);

const SCHEMA = `
syntax = "proto3";
package fuzz;
enum Color { COLOR_UNSPECIFIED = 0; RED = 1; GREEN = 2; }
message Inner { string label = 1; repeated sint32 values = 2; }
message Sample {
  string text = 1;
  bytes blob = 2;
  uint32 count = 3;
  sint32 delta = 4;
  double ratio = 5;
  bool flag = 6;
  Color color = 7;
  repeated string words = 8;
  Inner inner = 9;
  map<string, uint32> scores = 10;
  fixed32 checksum = 11;
}`;

interface Sample {
  text: string;
  blob: Uint8Array;
  count: number;
  delta: number;
  ratio: number;
  flag: boolean;
  color: number;
  words: string[];
  inner?: { label: string; values: number[] } | null;
  scores: Record<string, number>;
  checksum: number;
}

const sampleArb = fc.record(
  {
    text: fc.string({ maxLength: 50 }),
    blob: fc.uint8Array({ maxLength: 64 }),
    count: fc.nat({ max: 0xffff_ffff }),
    delta: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    ratio: fc.double({ noNaN: true }),
    flag: fc.boolean(),
    color: fc.constantFrom(0, 1, 2),
    words: fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }),
    inner: fc.record({ label: fc.string({ maxLength: 10 }), values: fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 5 }) }),
    scores: fc.dictionary(fc.string({ maxLength: 8 }), fc.nat({ max: 100_000 }), { maxKeys: 4 }),
    checksum: fc.nat({ max: 0xffff_ffff }),
  },
  { requiredKeys: [] },
);

describe("envelope properties", () => {
  it("every valid envelope survives encode and decode unchanged", () => {
    fc.assert(
      fc.property(envelopeArb, (envelope) => {
        const decoded = decodeEnvelope(encodeEnvelope(envelope));
        expect(decoded.kind).toBe(envelope.kind);
        expect(decoded.payload).toEqual(envelope.payload);
        expect(decoded.metadata).toEqual(envelope.metadata ?? {});
        for (const field of ["service", "method", "topic", "correlationId", "deadline", "traceparent", "tracestate", "payloadType"] as const) {
          expect(decoded[field]).toEqual(envelope[field]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("random bytes as a header never crash the decoder: an envelope or a CodecError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(frame, { maxLength: 3 }), (header, payload) => {
        try {
          const envelope = decodeEnvelope([Buffer.from(header), ...payload]);
          expect(KINDS).toContain(envelope.kind);
        } catch (err) {
          expect(err).toBeInstanceOf(CodecError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("a valid header with random bytes flipped never crashes the decoder", () => {
    const valid = encodeEnvelope({ kind: "request", service: "s.S", method: "M", correlationId: "1", metadata: { a: "b" }, payload: [] })[0]!;
    fc.assert(
      fc.property(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }), (index, value) => {
        const header = Buffer.from(valid);
        header[index] = value;
        try {
          decodeEnvelope([header]);
        } catch (err) {
          expect(err).toBeInstanceOf(CodecError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("message properties", () => {
  const codec = new TypeRegistry().registerProto(SCHEMA).codec<Sample>("fuzz.Sample");

  it("every random message survives encode and decode", () => {
    fc.assert(
      fc.property(sampleArb, (sample) => {
        const decoded = codec.decode(codec.encode(sample));
        expect(decoded.text).toBe(sample.text ?? "");
        expect(Buffer.from(decoded.blob)).toEqual(Buffer.from(sample.blob ?? []));
        expect(decoded.count).toBe(sample.count ?? 0);
        expect(decoded.delta).toBe(sample.delta ?? 0);
        expect(Object.is(decoded.ratio, sample.ratio ?? 0) || decoded.ratio === (sample.ratio ?? 0)).toBe(true);
        expect(decoded.flag).toBe(sample.flag ?? false);
        expect(decoded.color).toBe(sample.color ?? 0);
        expect(decoded.words).toEqual(sample.words ?? []);
        expect(decoded.inner?.label).toEqual(sample.inner?.label);
        expect(decoded.inner?.values).toEqual(sample.inner?.values);
        expect({ ...decoded.scores }).toEqual(sample.scores ?? {});
        expect(decoded.checksum).toBe(sample.checksum ?? 0);
      }),
      { numRuns: 500 },
    );
  });

  it("random bytes never crash the message decoder: a message or a CodecError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          codec.decode(Buffer.from(bytes));
        } catch (err) {
          expect(err).toBeInstanceOf(CodecError);
          expect((err as CodecError).code).toBe("ERR_CODEC_MALFORMED_PAYLOAD");
        }
      }),
      { numRuns: 3000 },
    );
  });
});
