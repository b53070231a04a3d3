/**
 * Z85 (RFC 32/Z85): the printable encoding ZeroMQ uses for CURVE keys. Every
 * 4 octets, read as a big-endian 32-bit number, become 5 characters of an
 * 85-letter alphabet, most significant digit first. A 32-byte key is 40
 * characters.
 */
import { Buffer } from "../util/buffer.js";
import { derivePublicKey, generateKeyPair, KEY_BYTES } from "./curve-box.js";

// RFC 32 §"Formal Specification": the alphabet, in digit order.
const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/** Character code to digit value, -1 for characters outside the alphabet. */
const DIGITS: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  return table;
})();

const MAX_UINT32 = 0xffffffff;

/**
 * Encodes bytes as Z85 text (RFC 32).
 *
 * @param data - Bytes to encode; the length must be a multiple of 4.
 * @returns The Z85 text, 5 characters for every 4 bytes.
 * @throws TypeError if `data` is not a Uint8Array; RangeError if its length is not a multiple of 4.
 * @example
 * ```ts
 * z85Encode(Buffer.from("864FD26FB559F75B", "hex")); // "HelloWorld"
 * ```
 */
export function z85Encode(data: Uint8Array): string {
  if (!(data instanceof Uint8Array)) throw new TypeError("z85Encode expects a Uint8Array or Buffer");
  if (data.length % 4 !== 0) {
    throw new RangeError(`Z85 can only encode a multiple of 4 bytes, got ${data.length}`);
  }
  let text = "";
  for (let at = 0; at < data.length; at += 4) {
    // `>>> 0` keeps the value unsigned when the top bit is set.
    let value = ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
    const digits = [0, 0, 0, 0, 0];
    for (let i = 4; i >= 0; i--) {
      digits[i] = value % 85;
      value = Math.floor(value / 85);
    }
    for (const digit of digits) text += ALPHABET[digit];
  }
  return text;
}

/**
 * Decodes Z85 text (RFC 32) to bytes.
 *
 * @param text - Z85 text; the length must be a multiple of 5.
 * @returns The decoded bytes, 4 for every 5 characters.
 * @throws TypeError if `text` is not a string; RangeError on a bad length,
 *   a character outside the Z85 alphabet, or a group worth more than 2^32 - 1.
 * @example
 * ```ts
 * z85Decode("HelloWorld").toString("hex"); // "864fd26fb559f75b"
 * ```
 */
export function z85Decode(text: string): Buffer {
  if (typeof text !== "string") throw new TypeError("z85Decode expects a string");
  if (text.length % 5 !== 0) {
    throw new RangeError(`Z85 text length must be a multiple of 5, got ${text.length}`);
  }
  const out = Buffer.allocUnsafe((text.length / 5) * 4);
  for (let at = 0, to = 0; at < text.length; at += 5, to += 4) {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const code = text.charCodeAt(at + i);
      const digit = code < 128 ? DIGITS[code]! : -1;
      if (digit < 0) {
        throw new RangeError(`Invalid Z85 character ${JSON.stringify(text[at + i])} at position ${at + i}`);
      }
      value = value * 85 + digit;
    }
    // "#####" is 85^5 - 1 > 2^32 - 1: such groups encode no 4 octets.
    if (value > MAX_UINT32) throw new RangeError(`Z85 group at position ${at} is out of range`);
    out.writeUInt32BE(value, to);
  }
  return out;
}

/** A CURVE long-term key pair as 40-character Z85 strings. */
export interface CurveKeyPair {
  /** The public key: give it to peers. */
  publicKey: string;
  /** The secret key: keep it to yourself. */
  secretKey: string;
}

/**
 * Generates a CURVE key pair (an X25519 key pair, RFC 26), Z85-encoded like
 * `zmq_curve_keypair` and the `zeromq` package's `curveKeyPair()`.
 *
 * @example
 * ```ts
 * const server = curveKeyPair();
 * const socket = new Reply({ curveServer: true, curveSecretKey: server.secretKey });
 * ```
 */
export function curveKeyPair(): CurveKeyPair {
  const pair = generateKeyPair();
  return { publicKey: z85Encode(pair.publicKey), secretKey: z85Encode(pair.secretKey) };
}

/**
 * The Z85-encoded public key that belongs to a secret key, like
 * `zmq_curve_public`.
 *
 * @param secretKey - 40-character Z85 or 32 bytes.
 */
export function curvePublicKey(secretKey: string | Uint8Array): string {
  return z85Encode(derivePublicKey(toCurveKey(secretKey, "secretKey")));
}

/**
 * Normalises a CURVE key option to its 32 raw bytes.
 *
 * @param value - A 40-character Z85 string or 32 bytes (Buffer or Uint8Array).
 * @param optionName - The option being set, named in the error (e.g. `"curveServerKey"`).
 * @returns A fresh 32-byte Buffer (the caller's bytes are copied).
 * @throws TypeError for another type; RangeError for a wrong length or bad Z85.
 */
export function toCurveKey(value: string | Buffer | Uint8Array, optionName: string): Buffer {
  if (typeof value === "string") {
    if (value.length !== 40) {
      throw new RangeError(`${optionName} must be a 40-character Z85 string or 32 bytes, got ${value.length} characters`);
    }
    try {
      return z85Decode(value);
    } catch (error) {
      throw new RangeError(`${optionName} is not valid Z85: ${(error as Error).message}`);
    }
  }
  if (value instanceof Uint8Array) {
    if (value.length !== KEY_BYTES) {
      throw new RangeError(`${optionName} must be 32 bytes or a 40-character Z85 string, got ${value.length} bytes`);
    }
    return Buffer.from(value);
  }
  throw new TypeError(`${optionName} must be a 40-character Z85 string or 32 bytes, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}
