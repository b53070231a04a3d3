/**
 * The ZMTP greeting (RFC 23 §"The Greeting", RFC 37): 64 octets that open
 * every connection.
 *
 *   signature  %xFF 8OCTET %x7F     10 octets
 *   version    %x03 %x01            major, minor
 *   mechanism  20OCTET              name, NUL-padded
 *   as-server  %x00 | %x01
 *   filler     31%x00
 *
 * Older peers are detected here too (RFC 15 §"Backwards Interoperability",
 * RFC 23 §"Version Negotiation"), as libzmq's `zmtp_engine` does: we send
 * our greeting in three steps, each once the peer's octets allow it, so a
 * ZMTP/1.0 peer (no greeting: its identity frame comes first) or a ZMTP/2.0
 * peer (signature, revision, socket type) reads a valid start of its own
 * protocol. See {@link GreetingExchange}; zmtp/legacy-peer.ts takes over
 * from there for those peers.
 */
import { Buffer } from "../util/buffer.js";
import { ProtocolError } from "../errors.js";

export const GREETING_SIZE = 64;
/** The signature: %xFF, 8 octets of padding, %x7F. */
export const SIGNATURE_SIZE = 10;
/** A ZMTP/2.0 greeting: signature, revision, socket type (RFC 15). */
export const V2_GREETING_SIZE = 12;
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
    // Revisions 0 and 1 (ZMTP/1.0 and 2.0) never get here: GreetingExchange hands them to legacy-peer.ts.
    throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `Peer announced ZMTP revision ${major}, which no ZMTP version uses`);
  }
  let end = 12;
  while (end < 32 && data[end] !== 0) end++;
  const mechanism = data.toString("ascii", 12, end);
  return { major, minor, mechanism, asServer: data[32] === 1 };
}

/** Revision octets of the versioned greetings before ZMTP 3.0 (libzmq's `ZMTP_1_0`, `ZMTP_2_0`). */
export const REVISION_ZMTP_1_0 = 0x00;
export const REVISION_ZMTP_2_0 = 0x01;

/** What the peer's first octets told us. */
export type GreetingOutcome =
  /** ZMTP 3.x: the 64-octet greeting; `rest` follows it. */
  | { readonly kind: "zmtp3"; readonly greeting: Greeting; readonly rest: Buffer }
  /**
   * A peer older than ZMTP 3.0. `revision` is null for an unversioned
   * ZMTP/1.0 peer (its identity frame came first and `rest` starts with
   * it), else 0 or 1 with the peer's `socketType` number.
   */
  | { readonly kind: "legacy"; readonly revision: number | null; readonly socketType: number; readonly rest: Buffer };

/**
 * Our greeting and the peer's, exchanged in the steps RFC 15 and RFC 23
 * lay down so that older peers can be detected (libzmq's `zmtp_engine`
 * does the same):
 *
 * 1. At once, the signature. Its padding is the length of our identity
 *    plus one (RFC 15): to a ZMTP/1.0 peer these 10 octets are the header
 *    of our identity frame (long length, flags).
 * 2. When the peer's first octet is not %xFF, or its tenth has bit 0
 *    clear, the peer speaks unversioned ZMTP/1.0 (RFC 15): our greeting
 *    ends there, the caller sends the identity body.
 * 3. Otherwise, after the peer's signature, the major version 3.
 * 4. After the peer's revision octet: for revision 0 or 1 (ZMTP/1.0 with a
 *    revision, ZMTP/2.0) our socket type, ending a 12-octet greeting; for
 *    3 and above the rest of the 64 octets (RFC 23).
 */
export class GreetingExchange {
  readonly #mechanism: string;
  readonly #asServer: boolean;
  readonly #socketType: number;
  /** Octets of the peer's greeting read so far (at most 64). */
  #received = Buffer.alloc(GREETING_SIZE);
  #have = 0;
  /** Where the peer's greeting ends: 12 until its revision says ZMTP 3. */
  #size = V2_GREETING_SIZE;
  /** Octets of our own greeting sent. */
  #sent = 0;
  readonly #send: (bytes: Buffer) => void;

  /**
   * @param send writes octets of our greeting to the peer.
   * @param socketType our socket type's number, for ZMTP/2.0 peers.
   */
  constructor(mechanism: string, asServer: boolean, socketType: number, send: (bytes: Buffer) => void) {
    this.#mechanism = mechanism;
    this.#asServer = asServer;
    this.#socketType = socketType;
    this.#send = send;
  }

  /** Sends the signature (step 1). `identityLength` is the length of the identity we announce. */
  open(identityLength: number): void {
    const signature = Buffer.alloc(SIGNATURE_SIZE);
    signature[0] = 0xff;
    signature.writeBigUInt64BE(BigInt(identityLength + 1), 1);
    signature[9] = 0x7f;
    this.#sent = SIGNATURE_SIZE;
    this.#send(signature);
  }

  /**
   * Feeds octets from the peer. Returns the outcome once the peer's
   * greeting is complete, else null. Throws a {@link ProtocolError} for
   * octets no ZMTP version sends.
   */
  read(chunk: Buffer): GreetingOutcome | null {
    const take = Math.min(this.#size - this.#have, chunk.length);
    chunk.copy(this.#received, this.#have, 0, take);
    this.#have += take;
    let used = take;
    const received = this.#received;
    // RFC 15: a first octet other than %xFF, or bit 0 of the tenth clear (the flags of a
    // long identity frame), is a ZMTP/1.0 peer's identity frame, to be decoded as such.
    if (received[0] !== 0xff || (this.#have >= SIGNATURE_SIZE && (received[9]! & 0x01) === 0)) {
      return { kind: "legacy", revision: null, socketType: -1, rest: Buffer.concat([received.subarray(0, this.#have), chunk.subarray(take)]) };
    }
    if (this.#have < SIGNATURE_SIZE) return null;
    if (this.#sent === SIGNATURE_SIZE) this.#sendNext(Buffer.from([ZMTP_MAJOR]));
    if (this.#have > SIGNATURE_SIZE && this.#sent === SIGNATURE_SIZE + 1) {
      const revision = received[SIGNATURE_SIZE]!;
      if (revision === REVISION_ZMTP_1_0 || revision === REVISION_ZMTP_2_0) {
        this.#sendNext(Buffer.from([this.#socketType]));
      } else {
        this.#sendNext(encodeGreeting(this.#mechanism, this.#asServer).subarray(SIGNATURE_SIZE + 1));
        this.#size = GREETING_SIZE;
        // The 64-octet greeting may continue in this chunk.
        const more = Math.min(this.#size - this.#have, chunk.length - used);
        chunk.copy(received, this.#have, used, used + more);
        this.#have += more;
        used += more;
      }
    }
    if (this.#have < this.#size) return null;
    const rest = chunk.subarray(used);
    if (this.#size === V2_GREETING_SIZE) {
      return { kind: "legacy", revision: received[SIGNATURE_SIZE]!, socketType: received[SIGNATURE_SIZE + 1]!, rest };
    }
    return { kind: "zmtp3", greeting: parseGreeting(received), rest };
  }

  #sendNext(bytes: Buffer): void {
    this.#sent += bytes.length;
    this.#send(bytes);
  }
}
