import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { x25519 } from "@noble/curves/ed25519.js";
import { hsalsa, xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import {
  derivePublicKey,
  generateKeyPair,
  open,
  openMessage,
  precompute,
  randomBytes,
  seal,
  sealWithHeader,
  SEAL_HEADER_BYTES,
} from "../../src/mechanism/curve-box.js";
import { z85Decode } from "../../src/mechanism/z85.js";

// An independent crypto_box_beforenm: HSalsa20(X25519(secret, public), 0^16) with the "expand 32-byte k" constant.
function nobleBeforenm(theirPublic: Uint8Array, ourSecret: Uint8Array): Uint8Array {
  const shared = x25519.getSharedSecret(ourSecret, theirPublic);
  const sigma = new Uint32Array(new Uint8Array(Buffer.from("expand 32-byte k", "latin1")).buffer);
  const key = new Uint32Array(new Uint8Array(shared).buffer);
  const out = new Uint32Array(8);
  hsalsa(sigma, key, new Uint32Array(4), out);
  return new Uint8Array(out.buffer);
}

const SERVER_SECRET = z85Decode("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6");
const SERVER_PUBLIC = z85Decode("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
const CLIENT_SECRET = z85Decode("D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs");
const CLIENT_PUBLIC = z85Decode("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID");

describe("CURVE box primitives", () => {
  it("computes the same X25519 public key as an independent implementation", () => {
    expect(derivePublicKey(SERVER_SECRET).equals(SERVER_PUBLIC)).toBe(true);
    expect(Buffer.from(x25519.getPublicKey(CLIENT_SECRET)).equals(CLIENT_PUBLIC)).toBe(true);
  });

  it("precomputes the same shared key on both sides and as an independent beforenm", () => {
    const clientSide = precompute(SERVER_PUBLIC, CLIENT_SECRET);
    const serverSide = precompute(CLIENT_PUBLIC, SERVER_SECRET);
    expect(Buffer.from(clientSide).equals(Buffer.from(serverSide))).toBe(true);
    expect(Buffer.from(clientSide).equals(Buffer.from(nobleBeforenm(SERVER_PUBLIC, CLIENT_SECRET)))).toBe(true);
  });

  it("seals boxes byte-identical to XSalsa20-Poly1305 of an independent implementation", () => {
    const key = precompute(SERVER_PUBLIC, CLIENT_SECRET);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ minLength: 24, maxLength: 24 }), (message, nonce) => {
        const ours = seal(key, nonce, message);
        const theirs = xsalsa20poly1305(nobleBeforenm(SERVER_PUBLIC, CLIENT_SECRET), nonce).encrypt(message);
        expect(ours.equals(Buffer.from(theirs))).toBe(true);
        expect(open(key, nonce, ours)?.equals(Buffer.from(message))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it("seals a MESSAGE box after 16 bytes of header room, matching the plain box of flags + data", () => {
    const pair = generateKeyPair();
    const key = precompute(pair.publicKey, CLIENT_SECRET);
    const nonce = randomBytes(24);
    const data = Buffer.from("a frame of data");
    const frame = sealWithHeader(key, nonce, 0x01, data);
    expect(frame.length).toBe(SEAL_HEADER_BYTES + 16 + 1 + data.length);
    const reference = seal(key, nonce, Buffer.concat([Buffer.from([0x01]), data]));
    expect(frame.subarray(SEAL_HEADER_BYTES).equals(reference)).toBe(true);
    const opened = openMessage(key, nonce, frame.subarray(SEAL_HEADER_BYTES));
    expect(opened?.flags).toBe(0x01);
    expect(opened?.data.equals(data)).toBe(true);
  });

  it("refuses to open a box with a flipped bit, the wrong nonce or the wrong key", () => {
    const key = precompute(SERVER_PUBLIC, CLIENT_SECRET);
    const nonce = randomBytes(24);
    const box = seal(key, nonce, Buffer.from("secret"));
    for (let bit = 0; bit < box.length * 8; bit += 7) {
      const tampered = Buffer.from(box);
      tampered[bit >> 3]! ^= 1 << (bit & 7);
      expect(open(key, nonce, tampered)).toBeNull();
      expect(openMessage(key, nonce, tampered)).toBeNull();
    }
    expect(open(key, randomBytes(24), box)).toBeNull();
    expect(open(precompute(CLIENT_PUBLIC, CLIENT_SECRET), nonce, box)).toBeNull();
    expect(open(key, nonce, box.subarray(0, 15))).toBeNull();
  });
});
