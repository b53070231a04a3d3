/**
 * ZMTP metadata properties (RFC 37 §"The Metadata"): the name-value pairs a
 * peer sends in READY (and in PLAIN/CURVE's INITIATE and WELCOME/READY).
 *
 *   property = name value
 *   name = OCTET 1*255name-char       ; length, then the name
 *   value = 4OCTET *OCTET             ; 32-bit big-endian length, then the value
 */
import { Buffer } from "../util/buffer.js";
import { ProtocolError } from "../errors.js";

/** Property name to value, names as they were on the wire. */
export type Metadata = Map<string, Buffer>;

const NAME_CHAR = /^[A-Za-z0-9.\-_+]+$/;

/**
 * Most properties one metadata list may hold. RFC 37 sets no bound, but a
 * peer that has not authenticated yet sends these in READY / INITIATE, and a
 * command of a few megabytes of 5-octet properties would otherwise cost
 * seconds of CPU and a property object each. Real peers send a handful
 * (Socket-Type, Identity, a few `X-` properties).
 */
export const MAX_METADATA_PROPERTIES = 1024;

/** Encodes properties in insertion order. */
export function encodeMetadata(metadata: Metadata): Buffer {
  let size = 0;
  for (const [name, value] of metadata) size += 1 + Buffer.byteLength(name, "latin1") + 4 + value.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const [name, value] of metadata) {
    const nameLength = Buffer.byteLength(name, "latin1");
    if (nameLength === 0 || nameLength > 255 || !NAME_CHAR.test(name)) {
      throw new RangeError(`Invalid ZMTP property name: ${JSON.stringify(name)}`);
    }
    out[at++] = nameLength;
    at += out.write(name, at, "latin1");
    out.writeUInt32BE(value.length, at);
    at += 4;
    value.copy(out, at);
    at += value.length;
  }
  return out;
}

/** Decodes properties; a truncated or malformed list is a protocol error. */
export function decodeMetadata(data: Buffer, offset = 0): Metadata {
  const metadata: Metadata = new Map();
  let at = offset;
  let count = 0;
  while (at < data.length) {
    if (++count > MAX_METADATA_PROPERTIES) {
      throw new ProtocolError("ERR_ZMTP_INVALID_METADATA", `More than ${MAX_METADATA_PROPERTIES} metadata properties`);
    }
    const nameLength = data[at++]!;
    if (nameLength === 0 || at + nameLength + 4 > data.length) {
      throw new ProtocolError("ERR_ZMTP_INVALID_METADATA", "Malformed metadata property name");
    }
    const name = data.toString("latin1", at, at + nameLength);
    if (!NAME_CHAR.test(name)) {
      throw new ProtocolError("ERR_ZMTP_INVALID_METADATA", `Invalid metadata property name ${JSON.stringify(name)}`);
    }
    at += nameLength;
    const valueLength = data.readUInt32BE(at);
    at += 4;
    if (at + valueLength > data.length) {
      throw new ProtocolError("ERR_ZMTP_INVALID_METADATA", `Metadata property ${name} overruns its command`);
    }
    metadata.set(name, data.subarray(at, at + valueLength));
    at += valueLength;
  }
  return metadata;
}

/** Case-insensitive property lookup (RFC 37: names are case-insensitive). */
export function getProperty(metadata: Metadata, name: string): Buffer | undefined {
  const direct = metadata.get(name);
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [key, value] of metadata) if (key.toLowerCase() === lower) return value;
  return undefined;
}
