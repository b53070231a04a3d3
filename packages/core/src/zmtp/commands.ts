/**
 * ZMTP commands (RFC 23/37 §"Commands"): a command frame's body is
 *
 *   command-name = OCTET 1*255command-name-char
 *   command-data = *OCTET
 *
 * This file builds and parses the bodies of the commands the engine itself
 * speaks: ERROR, SUBSCRIBE, CANCEL, PING and PONG (READY and the security
 * commands belong to the mechanisms).
 */
import { Buffer } from "../util/buffer.js";
import { ProtocolError } from "../errors.js";

/** A parsed command. `data` is a view into the frame body. */
export interface Command {
  name: string;
  data: Buffer;
}

/** Builds a command body: name length, name, data. */
export function encodeCommand(name: string, data?: Buffer): Buffer {
  const nameLength = name.length;
  const dataLength = data === undefined ? 0 : data.length;
  const out = Buffer.allocUnsafe(1 + nameLength + dataLength);
  out[0] = nameLength;
  out.write(name, 1, "ascii");
  if (data !== undefined) data.copy(out, 1 + nameLength);
  return out;
}

/** Parses a command body; a truncated name is a protocol error. */
export function parseCommand(body: Buffer): Command {
  if (body.length < 1) throw new ProtocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "Empty command frame");
  const nameLength = body[0]!;
  if (nameLength === 0 || 1 + nameLength > body.length) {
    throw new ProtocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "Command name overruns its frame");
  }
  return { name: body.toString("latin1", 1, 1 + nameLength), data: body.subarray(1 + nameLength) };
}

/** ERROR command data: reason length (one octet) and reason text. */
export function encodeErrorReason(reason: string): Buffer {
  const text = Buffer.from(reason.slice(0, 255), "latin1");
  return Buffer.concat([Buffer.from([text.length]), text]);
}

/** Reads an ERROR command's reason; tolerant, since it is only shown to users. */
export function decodeErrorReason(data: Buffer): string {
  if (data.length === 0) return "";
  const length = Math.min(data[0]!, data.length - 1);
  return data.toString("latin1", 1, 1 + length);
}

/**
 * PING data (RFC 37 §"Connection Heartbeats"): a 16-bit TTL in tenths of a
 * second, then up to 16 octets of context the peer echoes in PONG.
 */
export function encodePing(ttlDeciseconds: number, context: Buffer = EMPTY): Buffer {
  const out = Buffer.allocUnsafe(2 + context.length);
  out.writeUInt16BE(Math.min(0xffff, Math.max(0, Math.round(ttlDeciseconds))), 0);
  context.copy(out, 2);
  return out;
}

/** Parses PING data into TTL (tenths of a second) and context. */
export function decodePing(data: Buffer): { ttl: number; context: Buffer } {
  if (data.length < 2 || data.length > 18) {
    throw new ProtocolError("ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED", "Malformed PING command");
  }
  return { ttl: data.readUInt16BE(0), context: data.subarray(2) };
}

const EMPTY = Buffer.alloc(0);
