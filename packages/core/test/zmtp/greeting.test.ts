import { describe, expect, it } from "vitest";
import { ProtocolError } from "../../src/errors.js";
import { GREETING_SIZE, checkSignature, encodeGreeting, parseGreeting } from "../../src/zmtp/greeting.js";
import { rawGreeting } from "../helpers.js";

describe("ZMTP greeting (RFC 23 §3)", () => {
  it("encodes 64 octets: signature, version 3.1, mechanism padded to 20, as-server, zero filler", () => {
    const greeting = encodeGreeting("NULL", false);
    expect(greeting.length).toBe(GREETING_SIZE);
    expect(greeting.equals(rawGreeting())).toBe(true);
  });

  it("sets the as-server octet and writes other mechanism names", () => {
    const greeting = encodeGreeting("PLAIN", true);
    expect(greeting.toString("ascii", 12, 17)).toBe("PLAIN");
    expect(greeting.subarray(17, 32).every((b) => b === 0)).toBe(true);
    expect(greeting[32]).toBe(1);
  });

  it("parses what it encodes", () => {
    expect(parseGreeting(encodeGreeting("CURVE", true))).toEqual({ major: 3, minor: 1, mechanism: "CURVE", asServer: true });
  });

  it("parses a ZMTP 3.0 peer's greeting with its minor version", () => {
    expect(parseGreeting(rawGreeting({ minor: 0 }))).toMatchObject({ major: 3, minor: 0, mechanism: "NULL" });
  });

  it("rejects a wrong signature with a ProtocolError", () => {
    const bad = rawGreeting();
    bad[9] = 0x00;
    expect(() => checkSignature(bad)).toThrow(ProtocolError);
    expect(() => parseGreeting(bad)).toThrow(expect.objectContaining({ detail: expect.stringMatching(/signature/) }));
    const http = Buffer.concat([Buffer.from("GET / HTTP/1.1\r\n"), Buffer.alloc(48)]);
    expect(() => parseGreeting(http)).toThrow(ProtocolError);
  });

  it("rejects ZMTP 2.0 and 1.0 peers with a message naming their version", () => {
    const errorOf = (greeting: Buffer) => {
      try {
        parseGreeting(greeting);
      } catch (e) {
        return e as ProtocolError;
      }
      return null;
    };
    // ZMTP 2.0 (RFC 15): revision 0x01, then the socket type (8: PUSH) where 3.x has its minor version.
    const zmtp2 = errorOf(rawGreeting({ major: 1, minor: 8 }));
    expect(zmtp2).toBeInstanceOf(ProtocolError);
    expect(zmtp2!.code).toBe("ERR_ZMTP_UNSPECIFIED");
    expect(zmtp2!.detail).toMatch(/ZMTP 2\.0.*needs ZMTP 3\.0/);
    expect(errorOf(rawGreeting({ major: 0, minor: 0 }))!.detail).toMatch(/ZMTP 1\.0/);
  });
});
