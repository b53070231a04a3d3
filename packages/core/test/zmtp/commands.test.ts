import { describe, expect, it } from "vitest";
import { ProtocolError } from "../../src/errors.js";
import {
  decodeErrorReason,
  decodePing,
  encodeCommand,
  encodeErrorReason,
  encodePing,
  parseCommand,
} from "../../src/zmtp/commands.js";

describe("ZMTP commands (RFC 37 §Commands)", () => {
  it("encodes name length, name and data, and parses them back", () => {
    const body = encodeCommand("SUBSCRIBE", Buffer.from("topic"));
    expect([...body.subarray(0, 10)]).toEqual([9, ...Buffer.from("SUBSCRIBE")]);
    const command = parseCommand(body);
    expect(command.name).toBe("SUBSCRIBE");
    expect(command.data.toString()).toBe("topic");
  });

  it("parses a command with no data", () => {
    expect(parseCommand(encodeCommand("PONG"))).toEqual({ name: "PONG", data: Buffer.alloc(0) });
  });

  it("rejects an empty command frame, a zero-length name and a name overrunning the frame", () => {
    expect(() => parseCommand(Buffer.alloc(0))).toThrow(ProtocolError);
    expect(() => parseCommand(Buffer.from([0, 1, 2]))).toThrow(ProtocolError);
    expect(() => parseCommand(Buffer.from([10, 65, 66]))).toThrow(expect.objectContaining({ detail: expect.stringMatching(/overruns/) }));
  });

  it("ERROR carries a length-prefixed reason, cut at 255 octets", () => {
    const data = encodeErrorReason("Invalid socket type");
    expect(data[0]).toBe(19);
    expect(decodeErrorReason(data)).toBe("Invalid socket type");
    const long = encodeErrorReason("x".repeat(300));
    expect(long[0]).toBe(255);
    expect(decodeErrorReason(long)).toBe("x".repeat(255));
  });

  it("reads a truncated or empty ERROR reason without throwing", () => {
    expect(decodeErrorReason(Buffer.alloc(0))).toBe("");
    expect(decodeErrorReason(Buffer.from([10, 65, 66]))).toBe("AB");
  });

  it("PING holds a 16-bit TTL in deciseconds and up to 16 octets of context", () => {
    const data = encodePing(25, Buffer.from("ctx"));
    expect(decodePing(data)).toEqual({ ttl: 25, context: Buffer.from("ctx") });
    expect(decodePing(encodePing(1e9)).ttl).toBe(0xffff);
  });

  it("rejects a PING that is too short or whose context is longer than 16 octets", () => {
    expect(() => decodePing(Buffer.from([1]))).toThrow(ProtocolError);
    expect(() => decodePing(Buffer.alloc(19))).toThrow(ProtocolError);
  });
});
