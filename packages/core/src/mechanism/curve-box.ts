/**
 * The NaCl primitives CurveZMQ (RFC 26) is built from, taken from
 * TweetNaCl-js (audited, dependency-free, synchronous): X25519 key pairs,
 * `crypto_box` with a precomputed key (`beforenm`/`afternm`) and
 * `crypto_secretbox` for the server cookie. Nothing cryptographic is written
 * here; this file only adapts the libraries' calling conventions.
 *
 * The first CURVE connection also starts loading libsodium (WebAssembly:
 * about 2.5x faster per box and 5 to 8x faster per X25519 operation, but it
 * can only be used after an asynchronous start-up): once it is ready, every
 * operation here switches to it, the handshake's key pairs, shared keys and
 * boxes as well as the MESSAGE boxes. Both libraries compute the same bytes
 * from the same inputs, so a connection may switch in the middle of its
 * handshake or of its traffic. Until then, and if it cannot load, TweetNaCl
 * does the work.
 *
 * A "box" in this file is what ZMTP puts on the wire: the 16-byte Poly1305
 * tag followed by the XSalsa20 ciphertext (NaCl's `crypto_box` output without
 * its 16 leading zero bytes).
 */
import { Buffer } from "../util/buffer.js";
import { randomFill } from "../util/platform.js";
import { tweetnacl } from "./tweetnacl.js";
import { ProtocolError } from "../errors.js";

/** The part of libsodium CURVE uses. Its functions throw where NaCl's return -1. */
interface Sodium {
  crypto_secretbox_easy(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  crypto_secretbox_open_easy(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array;
  crypto_scalarmult_base(secretKey: Uint8Array): Uint8Array;
  /** Throws when the shared secret is all zero (a small-order public key). */
  crypto_box_beforenm(publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array;
}

let sodium: Sodium | null = null;
let sodiumLoading: Promise<boolean> | null = null;
let sodiumError: unknown = null;

/**
 * Starts loading libsodium (once) and resolves true when it serves the boxes;
 * false, with {@link curveBackend} saying why, if it could not load.
 */
export function loadFastCurve(): Promise<boolean> {
  sodiumLoading ??= import("libsodium-wrappers").then(
    async (module) => {
      const library = module.default;
      await library.ready;
      sodium = library;
      return true;
    },
    (error: unknown) => {
      sodiumError = error;
      return false;
    },
  );
  return sodiumLoading;
}

/** Which library does CURVE's cryptography now (and why not libsodium, if it failed to load). */
export function curveBackend(): { library: "tweetnacl" | "libsodium"; error?: unknown } {
  return sodium !== null ? { library: "libsodium" } : sodiumError !== null ? { library: "tweetnacl", error: sodiumError } : { library: "tweetnacl" };
}

/** Bytes in an X25519 key (public, secret, or precomputed shared key). */
export const KEY_BYTES = 32;
/** Bytes in a full XSalsa20 nonce. */
export const NONCE_BYTES = 24;
/** Bytes a box adds to its plaintext (the Poly1305 tag). */
export const BOX_OVERHEAD = 16;

/**
 * TweetNaCl's C-style functions (`nacl.lowlevel`, shipped but untyped). They
 * let the MESSAGE hot path seal straight into the outgoing frame and skip the
 * copies the convenience API makes.
 */
interface NaclLowLevel {
  /** `q` = X25519(`n`, `p`): the shared secret of a secret scalar and a public point. */
  crypto_scalarmult(q: Uint8Array, n: Uint8Array, p: Uint8Array): number;
  /** `out` = HSalsa20 of the 16-byte input `inp` under key `k` and constant `c`. */
  crypto_core_hsalsa20(out: Uint8Array, inp: Uint8Array, k: Uint8Array, c: Uint8Array): number;
  /** `c` (length d) = 16 zero bytes, tag, ciphertext of `m` (whose first 32 bytes are zero). */
  crypto_secretbox(c: Uint8Array, m: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
  /** Inverse: `m` (length d) = 32 zero bytes, plaintext; -1 when the tag does not verify. */
  crypto_secretbox_open(m: Uint8Array, c: Uint8Array, d: number, n: Uint8Array, k: Uint8Array): number;
}
/** TweetNaCl's low-level functions, required on first use (mechanism/tweetnacl.ts). */
const lowlevel = (): NaclLowLevel => (tweetnacl() as unknown as { lowlevel: NaclLowLevel }).lowlevel;

// NaCl's crypto_secretbox works on buffers padded with zero bytes in front.
const ZERO_BYTES = 32;
const BOX_ZERO_BYTES = 16;

/** Fills a new Buffer with cryptographically strong random bytes. */
export function randomBytes(length: number): Buffer {
  return randomFill(Buffer.allocUnsafe(length));
}

/** A view of a library's output as a Buffer, without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * A fresh X25519 key pair as raw 32-byte Buffers: 32 random octets (as both
 * `crypto_box_keypair`s draw them) and their public key.
 */
export function generateKeyPair(): { publicKey: Buffer; secretKey: Buffer } {
  const secretKey = randomBytes(KEY_BYTES);
  return { publicKey: derivePublicKey(secretKey), secretKey };
}

/** The public key of a secret key (X25519 scalar multiplication by the base point). */
export function derivePublicKey(secretKey: Uint8Array): Buffer {
  return asBuffer(sodium !== null ? sodium.crypto_scalarmult_base(secretKey) : tweetnacl().scalarMult.base(secretKey));
}

// NaCl's crypto_box_beforenm: HSalsa20 of the X25519 secret, zero input, this constant.
const HSALSA20_INPUT = new Uint8Array(16);
const SIGMA = new Uint8Array(Buffer.from("expand 32-byte k", "latin1"));

/**
 * `crypto_box_beforenm`: the shared key of our secret and their public key.
 * Done once per key pair per connection; every box after it is symmetric.
 *
 * @throws ProtocolError `ERR_ZMTP_CRYPTOGRAPHIC` when their key is a
 *   small-order point, whose shared secret is all zero whatever our key:
 *   libsodium (and so libzmq built on it) refuses it, and so does TweetNaCl here.
 */
export function precompute(theirPublicKey: Uint8Array, ourSecretKey: Uint8Array): Uint8Array {
  if (sodium !== null) {
    try {
      return sodium.crypto_box_beforenm(theirPublicKey, ourSecretKey);
    } catch {
      throw weakKey();
    }
  }
  const shared = new Uint8Array(KEY_BYTES);
  lowlevel().crypto_scalarmult(shared, ourSecretKey, theirPublicKey);
  if (shared.every((octet) => octet === 0)) throw weakKey();
  const key = new Uint8Array(KEY_BYTES);
  lowlevel().crypto_core_hsalsa20(key, HSALSA20_INPUT, shared, SIGMA);
  return key;
}

function weakKey(): ProtocolError {
  return new ProtocolError(
    "ERR_ZMTP_CRYPTOGRAPHIC",
    "CURVE public key is a small-order point (its shared secret is all zero): refused, as libsodium refuses it",
  );
}

/** `crypto_box_afternm` (= `crypto_secretbox`): tag + ciphertext of `plaintext`. */
export function seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  return asBuffer(sodium !== null ? sodium.crypto_secretbox_easy(plaintext, nonce, key) : tweetnacl().secretbox(plaintext, nonce, key));
}

/** Opens a box sealed by {@link seal}; null when it does not authenticate. */
export function open(key: Uint8Array, nonce: Uint8Array, box: Uint8Array): Buffer | null {
  if (box.length < BOX_OVERHEAD) return null;
  if (sodium !== null) {
    try {
      return asBuffer(sodium.crypto_secretbox_open_easy(box, nonce, key));
    } catch {
      return null; // libsodium throws when the tag does not verify
    }
  }
  const plaintext = tweetnacl().secretbox.open(box, nonce, key);
  return plaintext === null ? null : asBuffer(plaintext);
}

/**
 * Seals `flags` + `data` into a new Buffer laid out as `headerLength` free
 * bytes, then the box. Used for MESSAGE (RFC 26 §"MESSAGE"), where the
 * 16-byte header (command name and short nonce) is written by the caller into
 * the bytes NaCl itself leaves zero, so the frame is built without copying the
 * ciphertext.
 */
export function sealWithHeader(key: Uint8Array, nonce: Uint8Array, flags: number, data: Uint8Array): Buffer {
  if (sodium !== null) {
    const plain = Buffer.allocUnsafe(1 + data.length);
    plain[0] = flags;
    plain.set(data, 1);
    const box = sodium.crypto_secretbox_easy(plain, nonce, key);
    const framed = Buffer.allocUnsafe(BOX_ZERO_BYTES + box.length);
    framed.set(box, BOX_ZERO_BYTES);
    return framed;
  }
  const length = ZERO_BYTES + 1 + data.length;
  const plaintext = new Uint8Array(length);
  plaintext[ZERO_BYTES] = flags;
  plaintext.set(data, ZERO_BYTES + 1);
  // crypto_secretbox output is exactly as long as its padded input; its first
  // BOX_ZERO_BYTES (16) bytes are zero and become the caller's header.
  const out = Buffer.allocUnsafe(length);
  lowlevel().crypto_secretbox(out, plaintext, length, nonce, key);
  return out;
}

/** Length of the header room {@link sealWithHeader} leaves in front of the box. */
export const SEAL_HEADER_BYTES = BOX_ZERO_BYTES;

/**
 * Opens a MESSAGE box (tag + ciphertext). Returns the flags octet and a view
 * of the data, or null when the box does not authenticate or is too short.
 */
export function openMessage(key: Uint8Array, nonce: Uint8Array, box: Uint8Array): { flags: number; data: Buffer } | null {
  if (box.length < BOX_OVERHEAD + 1) return null;
  if (sodium !== null) {
    let opened: Uint8Array;
    try {
      opened = sodium.crypto_secretbox_open_easy(box, nonce, key);
    } catch {
      return null; // libsodium throws when the tag does not verify
    }
    return { flags: opened[0]!, data: Buffer.from(opened.buffer, opened.byteOffset + 1, opened.length - 1) };
  }
  const length = BOX_ZERO_BYTES + box.length;
  const padded = new Uint8Array(length);
  padded.set(box, BOX_ZERO_BYTES);
  const plaintext = new Uint8Array(length);
  if (lowlevel().crypto_secretbox_open(plaintext, padded, length, nonce, key) !== 0) return null;
  return {
    flags: plaintext[ZERO_BYTES]!,
    data: Buffer.from(plaintext.buffer, plaintext.byteOffset + ZERO_BYTES + 1, length - ZERO_BYTES - 1),
  };
}
