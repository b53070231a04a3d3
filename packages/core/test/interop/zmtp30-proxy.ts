/**
 * A TCP relay that makes two ZMTP 3.1 peers see each other as ZMTP 3.0: it
 * rewrites the minor version octet of each side's greeting (RFC 23
 * §"Version Negotiation": a peer talks the lower version) and copies every
 * other byte unchanged. libzmq 4.3.5 only speaks 3.1 itself, but it does
 * downgrade for a 3.0 peer, so this reaches real libzmq's 3.0 behaviour
 * (subscriptions as `\x01`/`\x00` messages instead of SUBSCRIBE/CANCEL
 * commands, RFC 37 §"SUBSCRIBE").
 *
 * It also records the bytes each way after the greetings, so a test can
 * check which form the subscriptions took.
 */
import { RecordingRelay } from "./recording-relay.js";

/** Offset of the minor version in the 64-octet greeting: signature (10), major (1). */
const MINOR_OFFSET = 11;

export class Zmtp30Proxy extends RecordingRelay {
  /** Lowers the greeting's minor version to 0. */
  protected override rewrite(chunk: Buffer, offset: number): Buffer {
    if (offset > MINOR_OFFSET || offset + chunk.length <= MINOR_OFFSET) return chunk;
    const copy = Buffer.from(chunk);
    copy[MINOR_OFFSET - offset] = 0;
    return copy;
  }
}
