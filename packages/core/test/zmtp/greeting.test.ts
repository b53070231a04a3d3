import { describe, expect, it } from "vitest";
import { ProtocolError } from "../../src/errors.js";
import { GREETING_SIZE, GreetingExchange, checkSignature, encodeGreeting, parseGreeting } from "../../src/zmtp/greeting.js";
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

  it("rejects a revision octet that no ZMTP version uses", () => {
    let error: ProtocolError | null = null;
    try {
      parseGreeting(rawGreeting({ major: 2 }));
    } catch (e) {
      error = e as ProtocolError;
    }
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error!.detail).toMatch(/revision 2/);
  });
});

describe("Greeting exchange with version detection (RFC 15 §Backwards Interoperability, RFC 23 §Version Negotiation)", () => {
  function exchange(socketType = 8): { greeting: GreetingExchange; sent: Buffer[] } {
    const sent: Buffer[] = [];
    const greeting = new GreetingExchange("NULL", false, socketType, (bytes) => void sent.push(Buffer.from(bytes)));
    greeting.open(2);
    return { greeting, sent };
  }

  it("opens with a signature whose padding is the identity length plus one", () => {
    const { sent } = exchange();
    expect(sent).toEqual([Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 3, 0x7f])]);
  });

  it("sends the rest of a ZMTP 3.1 greeting in steps and parses the peer's, fed one octet at a time", () => {
    const { greeting, sent } = exchange();
    const peer = Buffer.concat([rawGreeting(), Buffer.from("after")]);
    let outcome = null;
    for (let i = 0; i < 64; i++) {
      outcome = greeting.read(peer.subarray(i, i + 1));
      if (i < 63) expect(outcome).toBeNull();
      // Nothing past the signature leaves before the peer's signature arrived.
      if (i < 9) expect(sent.length).toBe(1);
    }
    expect(sent.map((b) => b.length)).toEqual([10, 1, 53]);
    expect(sent[1]).toEqual(Buffer.from([3]));
    expect(Buffer.concat(sent).subarray(10).equals(rawGreeting().subarray(10))).toBe(true);
    expect(outcome).toMatchObject({ kind: "zmtp3", greeting: { major: 3, minor: 1, mechanism: "NULL" } });
    expect(greeting.read(peer.subarray(64))).toMatchObject({ kind: "zmtp3" });
  });

  it("returns the octets after a greeting that arrives whole", () => {
    const { greeting } = exchange();
    const outcome = greeting.read(Buffer.concat([rawGreeting(), Buffer.from("after")]));
    expect(outcome?.kind).toBe("zmtp3");
    expect(outcome?.rest.toString()).toBe("after");
  });

  it("answers a ZMTP/2.0 peer with major 3 and its socket type, ending a 12-octet greeting", () => {
    const { greeting, sent } = exchange(5);
    const peer = Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x01, 0x06, 0x00, 0x00]);
    const outcome = greeting.read(peer);
    expect(Buffer.concat(sent).subarray(10)).toEqual(Buffer.from([3, 5]));
    expect(outcome).toEqual({ kind: "legacy", revision: 1, socketType: 6, rest: Buffer.from([0, 0]) });
  });

  it("detects an unversioned ZMTP/1.0 peer by its first octet and keeps its bytes for the frame decoder", () => {
    const { greeting, sent } = exchange();
    const outcome = greeting.read(Buffer.from([0x01, 0x00, 0x05]));
    expect(outcome).toEqual({ kind: "legacy", revision: null, socketType: -1, rest: Buffer.from([0x01, 0x00, 0x05]) });
    expect(sent.length).toBe(1);
  });

  it("detects an unversioned ZMTP/1.0 peer with a long identity frame by bit 0 of its tenth octet", () => {
    const { greeting, sent } = exchange();
    const frame = Buffer.concat([Buffer.from([0xff, 0, 0, 0, 0, 0, 0, 1, 0, 0x00]), Buffer.alloc(255, 0x61)]);
    expect(greeting.read(frame.subarray(0, 9))).toBeNull();
    const outcome = greeting.read(frame.subarray(9));
    expect(outcome?.kind).toBe("legacy");
    expect(outcome?.rest.equals(frame)).toBe(true);
    expect(sent.length).toBe(1);
  });
});
