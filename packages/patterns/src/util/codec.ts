/**
 * Small fixed-size integer frames used by every pattern's protocol:
 * correlation ids, item ids and sequence numbers are 8-byte unsigned
 * big-endian (network order, as ZMTP itself uses, RFC 23 §2.3); credits and
 * attempts are 4-byte unsigned big-endian.
 */
import { Bytes } from "@skein/core";

/** Encodes a non-negative safe integer as an 8-byte big-endian frame. */
export function encodeU64(value: number): Buffer {
  const frame = Bytes.allocUnsafe(8);
  frame.writeUInt32BE(Math.floor(value / 0x1_0000_0000), 0);
  frame.writeUInt32BE(value >>> 0, 4);
  return frame;
}

/** Decodes an 8-byte big-endian frame; undefined if it is not 8 bytes or beyond 2^53. */
export function decodeU64(frame: Buffer | undefined): number | undefined {
  if (frame === undefined || frame.length !== 8) return undefined;
  const high = frame.readUInt32BE(0);
  if (high > 0x1f_ffff) return undefined;
  return high * 0x1_0000_0000 + frame.readUInt32BE(4);
}

/** Encodes an unsigned 32-bit integer as a 4-byte big-endian frame. */
export function encodeU32(value: number): Buffer {
  const frame = Bytes.allocUnsafe(4);
  frame.writeUInt32BE(value >>> 0, 0);
  return frame;
}

/** Decodes a 4-byte big-endian frame; undefined if it is not 4 bytes. */
export function decodeU32(frame: Buffer | undefined): number | undefined {
  if (frame === undefined || frame.length !== 4) return undefined;
  return frame.readUInt32BE(0);
}

/** True when a frame holds exactly the one-byte ASCII command `command`. */
export function isCommand(frame: Buffer | undefined, command: number): boolean {
  return frame !== undefined && frame.length === 1 && frame[0] === command;
}
