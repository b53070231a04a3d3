/**
 * Fuzz target: the codec envelope (src/envelope.ts), as a peer's frames reach
 * `decodeEnvelope`. test/property.test.ts already covers random header bytes
 * and single-byte replacements of one valid header; this target starts from
 * valid envelopes of every kind and applies fast-check-driven, structure-aware
 * mutations (bit flips, varint/length octets set to edge values, inserts,
 * deletes, splices between headers, truncation) to the header and the frame
 * list, in bounded (CI) or long mode (`pnpm fuzz`: FUZZ_RUNS, FUZZ_SEED).
 * Checks: an envelope of a known kind or a CodecError with a documented code,
 * nothing else; the heap after GC bounded over the run.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CodecError, decodeEnvelope, encodeEnvelope, type Envelope, EnvelopeKind } from "../../src/index.js";

const KINDS = Object.values(EnvelopeKind);
const CODES = ["ERR_CODEC_MALFORMED_HEADER", "ERR_CODEC_TOO_LARGE", "ERR_CODEC_UNSUPPORTED_VERSION", "ERR_CODEC_UNKNOWN_KIND"];
const runs = Number(process.env.FUZZ_RUNS ?? "") || 3000;
const seed = Number(process.env.FUZZ_SEED ?? "") || 0;

const BASE: Envelope[] = [
  { kind: "request", service: "example.Greeter", method: "SayHello", correlationId: "1", deadline: 1_900_000_000_000, metadata: { a: "b" }, payload: [Buffer.from([8, 1])] },
  { kind: "event", topic: "orders.created", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", payload: [] },
  ...KINDS.filter((kind) => kind !== "request" && kind !== "event").map((kind): Envelope => ({ kind, correlationId: "42", payloadType: "x.Y", credit: 8, payload: [Buffer.alloc(3)] })),
];
const HEADERS = BASE.map((envelope) => encodeEnvelope(envelope)[0]!);

const EDGE = [0x00, 0x01, 0x7f, 0x80, 0xff];
type Edit = { op: number; at: number; value: number; other: number };
const edit = fc.record({ op: fc.integer({ min: 0, max: 5 }), at: fc.nat(), value: fc.nat({ max: 255 }), other: fc.nat() });

function apply(header: Buffer, { op, at, value, other }: Edit): Buffer {
  const n = header.length;
  const i = n === 0 ? 0 : at % (n + 1);
  switch (op) {
    case 0: {
      if (n === 0) return Buffer.from([value]);
      const out = Buffer.from(header);
      out[i % n]! ^= 1 << (value & 7);
      return out;
    }
    case 1: {
      if (n === 0) return Buffer.from([EDGE[value % EDGE.length]!]);
      const out = Buffer.from(header);
      out[i % n] = EDGE[value % EDGE.length]!;
      return out;
    }
    case 2:
      return Buffer.concat([header.subarray(0, i), Buffer.from([value, EDGE[other % EDGE.length]!]), header.subarray(i)]);
    case 3:
      return Buffer.concat([header.subarray(0, i), header.subarray(i + 1 + (value & 7))]);
    case 4: {
      const donor = HEADERS[other % HEADERS.length]!;
      return Buffer.concat([header.subarray(0, i), donor.subarray(value % (donor.length + 1))]);
    }
    default:
      return header.subarray(0, i);
  }
}

const input = fc.record({
  base: fc.nat({ max: HEADERS.length - 1 }),
  edits: fc.array(edit, { minLength: 1, maxLength: 4 }),
  payload: fc.array(fc.uint8Array({ maxLength: 32 }).map((bytes) => Buffer.from(bytes)), { maxLength: 3 }),
  limits: fc.constantFrom(undefined, { maxHeaderSize: 64 }, { maxPayloadSize: 8 }),
});

async function heap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

describe("fuzz: codec envelope", () => {
  it(
    `codec envelope: ${runs} mutated headers decode to an envelope or a documented CodecError, heap bounded`,
    async () => {
      const started = performance.now();
      const heapStart = await heap();
      const outcomes: Record<string, number> = {};
      fc.assert(
        fc.property(input, ({ base, edits, payload, limits }) => {
          const header = edits.reduce(apply, HEADERS[base]!);
          let key = "ok";
          try {
            const envelope = decodeEnvelope([header, ...payload], limits === undefined ? undefined : { limits });
            if (!KINDS.includes(envelope.kind)) throw new Error(`unknown kind ${envelope.kind} decoded`);
          } catch (error) {
            if (!(error instanceof CodecError) || !CODES.includes(error.code)) throw error;
            key = error.code;
          }
          outcomes[key] = (outcomes[key] ?? 0) + 1;
        }),
        { numRuns: runs, seed },
      );
      const heapEnd = await heap();
      const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
      console.log(
        `[fuzz] codec envelope: ${runs} inputs, ${((performance.now() - started) / 1000).toFixed(1)} s, heap ${mb(heapStart)} -> ${mb(heapEnd)}, failures 0 (${Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(", ")})`,
      );
      expect(heapEnd - heapStart).toBeLessThan(16 * 1024 * 1024);
    },
    runs > 10_000 ? 48 * 3600_000 : 60_000,
  );
});
