import { describe, expect, it } from "vitest";
import { CodecError, decodeEnvelope, DEFAULT_LIMITS, encodeEnvelope, encodeReply, RequestHeaderWriter } from "../src/index.js";

const PAYLOAD = Buffer.from([0x0a, 0x03, 0x41, 0x64, 0x61]);

/** What encodeEnvelope throws for `run`, or what it returns. */
function outcome(run: () => Buffer[]): { frames: string[] } | { code: string; message: string } {
  try {
    return { frames: run().map((frame) => frame.toString("hex")) };
  } catch (error) {
    expect(error).toBeInstanceOf(CodecError);
    return { code: (error as CodecError).code, message: (error as CodecError).message };
  }
}

describe("RequestHeaderWriter and encodeReply write what encodeEnvelope writes", () => {
  const ids = ["c.1", "Zm9vYmFy.123456789", "é☃ — not ascii", "x".repeat(127), "y".repeat(128), "z".repeat(20_000), "", 42 as unknown as string];
  const deadlines = [undefined, 0, 1, 127, 128, Date.now() + 5_000, Number.MAX_SAFE_INTEGER, -1, 1.5, Number.NaN];
  const services: [string, string][] = [["example.Greeter", "SayHello"], ["ü.Service", "Ω"], ["s".repeat(200), "m".repeat(300)]];

  for (const [service, method] of services) {
    it(`a request to ${service.slice(0, 20)}/${method.slice(0, 20)}: the same bytes, or the same error, for every id and deadline`, () => {
      const writer = new RequestHeaderWriter(service, method);
      for (const correlationId of ids) {
        for (const deadline of deadlines) {
          const envelope = { kind: "request", service, method, correlationId, deadline, payload: [PAYLOAD] } as const;
          expect(outcome(() => writer.encode(correlationId, deadline, PAYLOAD)), `${correlationId.length} ${deadline}`).toEqual(outcome(() => encodeEnvelope(envelope)));
        }
      }
    });
  }

  it("a reply: the same bytes, or the same error, for every id", () => {
    for (const correlationId of ids) {
      expect(outcome(() => encodeReply(correlationId, PAYLOAD))).toEqual(outcome(() => encodeEnvelope({ kind: "reply", correlationId, payload: [PAYLOAD] })));
    }
  });

  it("a payload over maxPayloadSize, or not a Buffer, fails as encodeEnvelope fails", () => {
    const big = Buffer.alloc(DEFAULT_LIMITS.maxPayloadSize + 1);
    const writer = new RequestHeaderWriter("example.Greeter", "SayHello");
    for (const payload of [big, new Uint8Array(3) as Buffer, "text" as unknown as Buffer]) {
      const expected = outcome(() => encodeEnvelope({ kind: "request", service: "example.Greeter", method: "SayHello", correlationId: "c.1", deadline: 5, payload: [payload] }));
      expect("code" in expected).toBe(true);
      expect(outcome(() => writer.encode("c.1", 5, payload))).toEqual(expected);
      expect(outcome(() => encodeReply("c.1", payload))).toEqual(outcome(() => encodeEnvelope({ kind: "reply", correlationId: "c.1", payload: [payload] })));
    }
  });

  it("the frames decode to the request they stand for, the payload passed through uncopied", () => {
    const deadline = Date.now() + 1_000;
    const frames = new RequestHeaderWriter("example.Greeter", "SayHello").encode("c.9", deadline, PAYLOAD);
    expect(frames[1]).toBe(PAYLOAD);
    expect(decodeEnvelope(frames)).toMatchObject({ kind: "request", service: "example.Greeter", method: "SayHello", correlationId: "c.9", deadline, payload: [PAYLOAD] });
    expect(decodeEnvelope(encodeReply("c.9", PAYLOAD))).toMatchObject({ kind: "reply", correlationId: "c.9", payload: [PAYLOAD] });
  });
});
