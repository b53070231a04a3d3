/**
 * Micro-benchmark of the envelope: encode and decode of a request envelope
 * with a small and a 1 KiB payload. Reports only; never fails on timing.
 * Run: `npx vitest bench --run packages/codec/bench` from the repository root.
 */
import protobuf from "protobufjs";
import { bench, describe } from "vitest";
import { HeaderType } from "../src/envelope-schema.js";
import { protobufReader } from "../src/flat-string-reader.js";
import { decodeEnvelope, encodeEnvelope, encodeReply, type Envelope, RequestHeaderWriter, TypeRegistry } from "../src/index.js";

const registry = new TypeRegistry().registerProto(`
syntax = "proto3";
package bench;
message Hello { string name = 1; bytes blob = 2; }
`);
const hello = registry.codec<{ name: string; blob: Uint8Array }>("bench.Hello");

function request(payload: Buffer): Envelope {
  return {
    kind: "request",
    service: "example.Greeter",
    method: "SayHello",
    correlationId: "0123456789",
    deadline: 1_700_000_000_000,
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    metadata: { tenant: "acme" },
    payload: [payload],
  };
}

const small = request(hello.encode({ name: "Ada" }));
const kib = request(hello.encode({ name: "Ada", blob: Buffer.alloc(1024 - 10, 7) }));
const smallFrames = encodeEnvelope(small);
const kibFrames = encodeEnvelope(kib);

describe("envelope, small payload", () => {
  bench("encodeEnvelope", () => {
    encodeEnvelope(small);
  });
  bench("decodeEnvelope", () => {
    decodeEnvelope(smallFrames);
  });
  bench("decodeEnvelope + payload decode", () => {
    hello.decode(decodeEnvelope(smallFrames).payload[0]!);
  });
});

describe("envelope, 1 KiB payload", () => {
  bench("encodeEnvelope", () => {
    encodeEnvelope(kib);
  });
  bench("decodeEnvelope", () => {
    decodeEnvelope(kibFrames);
  });
  bench("decodeEnvelope + payload decode", () => {
    hello.decode(decodeEnvelope(kibFrames).payload[0]!);
  });
});

describe("a plain unary call's headers: written from bytes encoded once, against encodeEnvelope", () => {
  const payload = hello.encode({ name: "Ada" });
  const writer = new RequestHeaderWriter("example.Greeter", "SayHello");
  const deadline = 1_700_000_000_000;
  bench("RequestHeaderWriter.encode (request)", () => {
    writer.encode("Zm9vYmFy.12345", deadline, payload);
  });
  bench("encodeEnvelope (the same request)", () => {
    encodeEnvelope({ kind: "request", service: "example.Greeter", method: "SayHello", correlationId: "Zm9vYmFy.12345", deadline, payload: [payload] });
  });
  bench("encodeReply", () => {
    encodeReply("Zm9vYmFy.12345", payload);
  });
  bench("encodeEnvelope (the same reply)", () => {
    encodeEnvelope({ kind: "reply", correlationId: "Zm9vYmFy.12345", payload: [payload] });
  });
});

describe("session 6: a request header's strings read from its bytes, then looked up as the dispatcher does", () => {
  // What a typed client sends: a 15-character service name, an 8-character method, a ~20-character id.
  const frames = encodeEnvelope({ kind: "request", service: "example.Greeter", method: "SayHello", correlationId: "3f9a1c7e20b4.123456", deadline: 1_700_000_000_000, payload: [] });
  const routes = new Map([["example.Greeter", new Map([["SayHello", 1]])]]);
  const header = frames[0]!;
  bench("protobufjs's own reader (strings appended 8 characters at a time)", () => {
    const message = HeaderType.decode(protobuf.Reader.create(header)) as unknown as { service: string; method: string; correlationId: string };
    if (routes.get(message.service)?.get(message.method) !== 1 || message.correlationId.charCodeAt(18) !== 54) throw new Error("no route");
  });
  bench("FlatStringReader (ASCII strings made flat by Node), as decodeEnvelope reads now", () => {
    const message = HeaderType.decode(protobufReader(header)) as unknown as { service: string; method: string; correlationId: string };
    if (routes.get(message.service)?.get(message.method) !== 1 || message.correlationId.charCodeAt(18) !== 54) throw new Error("no route");
  });
  bench("decodeEnvelope (FlatStringReader, checks, envelope object) and the look-up", () => {
    const envelope = decodeEnvelope(frames);
    if (routes.get(envelope.service!)?.get(envelope.method!) !== 1) throw new Error("no route");
  });
});
