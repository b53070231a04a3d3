/**
 * The ZMTP greeting (RFC 23 §"The Greeting", RFC 37): 64 octets that open
 * every connection.
 *
 *   signature  %xFF 8OCTET %x7F     10 octets
 *   version    %x03 %x01            major, minor
 *   mechanism  20OCTET              name, NUL-padded
 *   as-server  %x00 | %x01
 *   filler     31%x00
 */
import { ProtocolError } from "../errors.js";

export const GREETING_SIZE = 64;
/** Octets needed to recognise a ZMTP 3.x peer: signature plus major version. */
export const SIGNATURE_SIZE = 10;
export const ZMTP_MAJOR = 3;
export const ZMTP_MINOR = 1;

/** A peer's greeting, parsed. */
export interface Greeting {
  major: number;
  minor: number;
  mechanism: string;
  asServer: boolean;
}

/** Builds our 64-octet greeting. */
export function encodeGreeting(mechanism: string, asServer: boolean, minor = ZMTP_MINOR): Buffer {
  const out = Buffer.alloc(GREETING_SIZE);
  out[0] = 0xff;
  out[9] = 0x7f;
  out[10] = ZMTP_MAJOR;
  out[11] = minor;
  out.write(mechanism, 12, 20, "ascii");
  out[32] = asServer ? 1 : 0;
  return out;
}

/**
 * Checks the first 10 octets as soon as they arrive, so a peer that is not
 * speaking ZMTP is dropped before we wait for 54 more octets that may never come.
 */
export function checkSignature(data: Buffer): void {
  if (data[0] !== 0xff || data[9] !== 0x7f) {
    throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", "Peer did not send a ZMTP greeting signature");
  }
}

/** Parses a complete 64-octet greeting. */
export function parseGreeting(data: Buffer): Greeting {
  checkSignature(data);
  const major = data[10]!;
  const minor = data[11]!;
  if (major < ZMTP_MAJOR) {
    // Before 3.0 this octet is the revision (RFC 15: 0x01 is ZMTP/2.0) and the next one the socket type.
    const old = major === 1 ? "ZMTP 2.0 (libzmq 3.x)" : "ZMTP 1.0 (libzmq 2.x)";
    throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `Peer speaks ${old}; skein needs ZMTP 3.0 or newer (libzmq 4.0+)`);
  }
  let end = 12;
  while (end < 32 && data[end] !== 0) end++;
  const mechanism = data.toString("ascii", 12, end);
  return { major, minor, mechanism, asServer: data[32] === 1 };
}
