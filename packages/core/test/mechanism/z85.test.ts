import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { curveKeyPair as libzmqKeyPair } from "zeromq";
import { curveKeyPair, curvePublicKey, toCurveKey, z85Decode, z85Encode } from "../../src/mechanism/z85.js";

// zmq_curve(7) / zmq_z85_encode(3) example: a server key pair, and the raw bytes of its public key.
const SERVER_PUBLIC = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const SERVER_SECRET = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
const SERVER_PUBLIC_HEX = "54fcba24e93249969316fb617c872bb0c1d1ff14800427c594cbfacf1bc2d652";
const CLIENT_PUBLIC = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
const CLIENT_SECRET = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";

describe("Z85 (RFC 32)", () => {
  it("encodes the RFC 32 test vector 86 4F D2 6F B5 59 F7 5B as HelloWorld", () => {
    expect(z85Encode(Buffer.from("864FD26FB559F75B", "hex"))).toBe("HelloWorld");
  });

  it("decodes HelloWorld back to 86 4F D2 6F B5 59 F7 5B", () => {
    expect(z85Decode("HelloWorld").toString("hex")).toBe("864fd26fb559f75b");
  });

  it("encodes and decodes the 32-byte key example of the zmq_curve documentation", () => {
    expect(z85Encode(Buffer.from(SERVER_PUBLIC_HEX, "hex"))).toBe(SERVER_PUBLIC);
    expect(z85Decode(SERVER_PUBLIC).toString("hex")).toBe(SERVER_PUBLIC_HEX);
  });

  it("encodes all-zero and all-0xFF groups at the ends of the alphabet", () => {
    expect(z85Encode(new Uint8Array(4))).toBe("00000");
    expect(z85Encode(new Uint8Array([255, 255, 255, 255]))).toBe("%nSc0");
    expect(z85Decode("%nSc0").toString("hex")).toBe("ffffffff");
  });

  it("round-trips any byte string whose length is a multiple of 4", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 64 }), fc.infiniteStream(fc.integer({ min: 0, max: 255 })), (groups, bytes) => {
        const data = Uint8Array.from(bytes.take(groups * 4));
        const text = z85Encode(data);
        expect(text).toHaveLength(groups * 5);
        expect(new Uint8Array(z85Decode(text))).toEqual(data);
      }),
    );
  });

  it("rejects input whose length is not a multiple of 4 (encode) or 5 (decode) with RangeError", () => {
    expect(() => z85Encode(new Uint8Array(3))).toThrow(RangeError);
    expect(() => z85Decode("Hello1")).toThrow(RangeError);
  });

  it("rejects characters outside the alphabet and groups above 2^32 - 1 with RangeError", () => {
    expect(() => z85Decode("Hello Worl")).toThrow(/Invalid Z85 character " " at position 5/);
    expect(() => z85Decode("Hell\u00e9")).toThrow(RangeError);
    expect(() => z85Decode("#####")).toThrow(/out of range/);
  });

  it("rejects values of the wrong type with TypeError", () => {
    expect(() => z85Encode("abcd" as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => z85Decode(12345 as unknown as string)).toThrow(TypeError);
  });
});

describe("CURVE keys", () => {
  it("derives the documented public keys from the documented secret keys", () => {
    expect(curvePublicKey(SERVER_SECRET)).toBe(SERVER_PUBLIC);
    expect(curvePublicKey(CLIENT_SECRET)).toBe(CLIENT_PUBLIC);
  });

  it("generates Z85 key pairs whose public key belongs to the secret key", () => {
    const pair = curveKeyPair();
    expect(pair.publicKey).toHaveLength(40);
    expect(pair.secretKey).toHaveLength(40);
    expect(curvePublicKey(pair.secretKey)).toBe(pair.publicKey);
    expect(curveKeyPair().secretKey).not.toBe(pair.secretKey);
  });

  it("agrees with libzmq on the public key of a libzmq-generated secret key", () => {
    const pair = libzmqKeyPair();
    expect(curvePublicKey(pair.secretKey)).toBe(pair.publicKey);
  });

  it("accepts a key option as 40 characters of Z85 or as 32 bytes, copying the bytes", () => {
    const bytes = Buffer.from(SERVER_PUBLIC_HEX, "hex");
    expect(toCurveKey(SERVER_PUBLIC, "curveServerKey").equals(bytes)).toBe(true);
    const fromBytes = toCurveKey(new Uint8Array(bytes), "curveServerKey");
    expect(fromBytes.equals(bytes)).toBe(true);
    const copy = toCurveKey(bytes, "curveServerKey");
    bytes[0] = 0;
    expect(copy[0]).toBe(0x54);
  });

  it("names the option when a key has the wrong length, bad Z85 or the wrong type", () => {
    expect(() => toCurveKey("abc", "curveServerKey")).toThrow(/curveServerKey must be a 40-character Z85 string/);
    expect(() => toCurveKey(Buffer.alloc(31), "curvePublicKey")).toThrow(RangeError);
    expect(() => toCurveKey(Buffer.alloc(31), "curvePublicKey")).toThrow(/curvePublicKey must be 32 bytes/);
    expect(() => toCurveKey(" ".repeat(40), "curveSecretKey")).toThrow(/curveSecretKey is not valid Z85/);
    expect(() => toCurveKey(42 as unknown as string, "curveSecretKey")).toThrow(TypeError);
    expect(() => toCurveKey(null as unknown as string, "curveSecretKey")).toThrow(/got null/);
  });
});
