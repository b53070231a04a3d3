/**
 * Groups of the RADIO/DISH pattern (RFC 48 §"Group"): 0 to 255 octets, none
 * of them zero. Over ZMTP a DISH announces its groups with JOIN and LEAVE
 * commands (RFC 37 as libzmq 4.3 speaks it: `\x04JOIN` or `\x05LEAVE`, then
 * the group), and a RADIO message travels as two frames, the group (MORE set)
 * then the body.
 *
 * Inside skein these travel through pipes as they travel on the wire: a
 * DISH writes each JOIN or LEAVE as a one-frame message holding the command
 * body, and a RADIO writes `[group, body]`. The ZMTP engine turns the former
 * into command frames (and back), inproc passes both through as they are.
 */
import { ProtocolError, ZmqError } from "../errors.js";
import type { Msg } from "../pipe.js";

/** Longest group, in octets (libzmq's `ZMQ_GROUP_MAX_LENGTH`). */
export const GROUP_MAX_LENGTH = 255;

const JOIN = Buffer.from("\x04JOIN", "latin1");
const LEAVE = Buffer.from("\x05LEAVE", "latin1");

/**
 * A group as `join()`, `leave()` and `send(..., { group })` take it. As
 * libzmq's C API reads a group as a C string, it ends at the first zero
 * octet (`"fo\0ba"` is `"fo"`). Longer than 255 octets: `EINVAL`.
 */
export function toGroup(value: unknown): Buffer {
  let bytes: Buffer;
  if (typeof value === "string") bytes = Buffer.from(value, "utf8");
  else if (Buffer.isBuffer(value)) bytes = value;
  else if (ArrayBuffer.isView(value)) bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  else throw new TypeError("Group must be a string or a Buffer");
  const nul = bytes.indexOf(0);
  if (nul >= 0) bytes = bytes.subarray(0, nul);
  if (bytes.length > GROUP_MAX_LENGTH) {
    throw new ZmqError("EINVAL", `A group has at most ${GROUP_MAX_LENGTH} octets; this one has ${bytes.length}`);
  }
  return Buffer.from(bytes);
}

/** The one-frame pipe message of a JOIN or LEAVE command (its ZMTP command body). */
export function groupCommand(join: boolean, group: Buffer): Msg {
  return [Buffer.concat([join ? JOIN : LEAVE, group])];
}

/** Whether a command body is a JOIN or LEAVE (the ZMTP engine hands these to a RADIO). */
export function isGroupCommand(body: Buffer): boolean {
  return startsWith(body, JOIN) || startsWith(body, LEAVE);
}

/**
 * Parses a JOIN or LEAVE a peer sent. A group over 255 octets or with a zero
 * octet breaks RFC 48: a ProtocolError, and the peer is dropped.
 */
export function parseGroupCommand(body: Buffer): { join: boolean; group: Buffer } {
  const join = startsWith(body, JOIN);
  if (!join && !startsWith(body, LEAVE)) {
    throw new ProtocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "Expected a JOIN or LEAVE command from a DISH");
  }
  const group = body.subarray(join ? JOIN.length : LEAVE.length);
  checkPeerGroup(group);
  return { join, group };
}

/** A group received from a peer (JOIN, LEAVE, a RADIO's group frame): RFC 48's grammar or a ProtocolError. */
export function checkPeerGroup(group: Buffer): void {
  if (group.length > GROUP_MAX_LENGTH) {
    throw new ProtocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", `Group of ${group.length} octets, above ${GROUP_MAX_LENGTH}`);
  }
  if (group.indexOf(0) >= 0) {
    throw new ProtocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "Group with a zero octet (RFC 48 allows 1-255)");
  }
}

function startsWith(body: Buffer, prefix: Buffer): boolean {
  return body.length >= prefix.length && body.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}
