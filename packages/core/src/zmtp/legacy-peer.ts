/**
 * Peers older than ZMTP 3.0, as libzmq 4 still accepts them: ZMTP/1.0
 * (RFC 13: libzmq 2.x, bindings built on it) and ZMTP/2.0 (RFC 15: libzmq
 * 3.x, JeroMQ before 0.4, old NetMQ). {@link GreetingExchange} detects
 * them; this class is what the engine needs to talk to one afterwards.
 *
 * What differs from ZMTP 3:
 * - No mechanism, no commands: a socket with PLAIN or CURVE, or with a ZAP
 *   domain, refuses these peers (libzmq's `zap_enabled` check).
 * - After the greeting each side sends an identity frame (the routing id it
 *   asks for, empty for none), then messages.
 * - ZMTP/1.0 frames put a length that counts the flags octet first
 *   ({@link V1FrameDecoder}); ZMTP/2.0 frames are ZMTP 3 frames without the
 *   COMMAND flag, read by the usual {@link FrameDecoder}.
 * - Socket types travel as numbers in a versioned greeting and are checked
 *   against RFC 15 §"Socket Compatibility"; an unversioned ZMTP/1.0 peer
 *   announces none (RFC 13 "Known Issues").
 * - Subscriptions travel as messages (%x01 or %x00, then the topic; RFC 15
 *   §"Publish-Subscribe"). A ZMTP/1.0 subscriber sends none (RFC 13
 *   §"Broadcast Content": it filters by itself), so a PUB counts it as
 *   subscribed to everything, as libzmq does.
 * - No heartbeats.
 */
import { Buffer } from "../util/buffer.js";
import { ProtocolError } from "../errors.js";
import type { Mechanism } from "../mechanism/mechanism.js";
import { SocketType, socketTypeName } from "../socket/socket-type.js";
import { FrameDecoder, type FrameSink } from "./frame-decoder.js";
import { FrameEncoder } from "./frame-encoder.js";
import { FLAG_LONG, FLAG_MORE } from "./frame.js";
import { REVISION_ZMTP_1_0, type GreetingOutcome } from "./greeting.js";
import { V1FrameDecoder } from "./v1-frame-decoder.js";
import { V1FrameEncoder } from "./v1-frame-encoder.js";

/** RFC 13 §"The Connection Layer", RFC 15 `identity = final-short body`: at most 255 octets. */
export const MAX_IDENTITY_SIZE = 255;

/** Socket type numbers of the versioned greetings (RFC 15; 9 and 10 as libzmq sends XPUB and XSUB). */
const TYPE_BY_NUMBER: ReadonlyMap<number, string> = new Map(
  Array.from({ length: SocketType.XSubscriber + 1 }, (_, type) => [type, socketTypeName(type)] as const),
);

/**
 * The socket type number our greeting announces to a versioned peer. RFC 15 §"Publish-Subscribe": XPUB and XSUB are
 * PUB and SUB on the wire (libzmq sends 9 and 10, which only other libzmq
 * versions know).
 */
export function legacySocketTypeNumber(name: string): number {
  if (name === "XPUB") return SocketType.Publisher;
  if (name === "XSUB") return SocketType.Subscriber;
  for (const [number, typeName] of TYPE_BY_NUMBER) if (typeName === name) return number;
  return -1;
}

/** What a legacy peer's handshake needs from our socket. */
export interface LegacySocket {
  readonly socketTypeName: string;
  isCompatible(peerType: string): boolean;
}

type LegacyOutcome = Extract<GreetingOutcome, { kind: "legacy" }>;

/**
 * One peer older than ZMTP 3.0. It stands in the engine's mechanism slot:
 * nothing is encrypted and no command is expected.
 */
export class LegacyPeer implements Mechanism {
  readonly name = "NULL";
  /** "ZMTP/1.0" or "ZMTP/2.0". */
  readonly version: string;
  /** The socket type the peer announced; "" for an unversioned ZMTP/1.0 peer. */
  readonly peerSocketType: string;
  /** True when the peer never sends subscriptions: count it as subscribed to everything. */
  readonly subscribedToAll: boolean;
  readonly #v1Framing: boolean;
  readonly #unversioned: boolean;

  /**
   * Throws a {@link ProtocolError} when our socket refuses this peer.
   * @param mechanism our greeting mechanism: "NULL", "PLAIN", "CURVE".
   */
  constructor(outcome: LegacyOutcome, local: LegacySocket, mechanism: string, zapDomain: string | null) {
    this.#unversioned = outcome.revision === null;
    this.#v1Framing = this.#unversioned || outcome.revision === REVISION_ZMTP_1_0;
    this.version = this.#v1Framing ? "ZMTP/1.0" : "ZMTP/2.0";
    if (mechanism !== "NULL" || (zapDomain !== null && zapDomain !== "")) {
      throw new ProtocolError(
        "ERR_ZMTP_MECHANISM_MISMATCH",
        `Peer speaks ${this.version}, which has no security; this socket requires ${mechanism === "NULL" ? "ZAP authentication" : mechanism}`,
      );
    }
    if (this.#unversioned) {
      this.peerSocketType = "";
    } else {
      const type = TYPE_BY_NUMBER.get(outcome.socketType);
      if (type === undefined) {
        throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `Peer speaks ${this.version} with unknown socket type ${outcome.socketType}`);
      }
      if (!local.isCompatible(type)) {
        throw new ProtocolError(
          "ERR_ZMTP_INVALID_METADATA",
          `Peer socket type ${type} (${this.version}) is not compatible with ${local.socketTypeName}`,
        );
      }
      this.peerSocketType = type;
    }
    const publisher = local.socketTypeName === "PUB" || local.socketTypeName === "XPUB";
    this.subscribedToAll = publisher && this.#unversioned;
  }

  start(): void {}

  onCommand(name: string): void {
    throw new ProtocolError("ERR_ZMTP_UNEXPECTED_COMMAND", `${this.version} has no commands (got ${name})`);
  }

  /** The decoder for the peer's frames, bounded by `limit` (octets, and the name its error gives) for now. */
  createDecoder(sink: FrameSink, limit: { bytes: number; name: string }): FrameDecoder | V1FrameDecoder {
    const decoder = this.#v1Framing ? new V1FrameDecoder(sink, limit.bytes) : new FrameDecoder(sink, limit.bytes);
    decoder.limitName = limit.name;
    return decoder;
  }

  /** The encoder for our frames. */
  createEncoder(): FrameEncoder {
    return this.#v1Framing ? new V1FrameEncoder() : new FrameEncoder();
  }

  /**
   * The octets that end our side of the greeting: our identity frame. To an
   * unversioned ZMTP/1.0 peer our signature was already its header (RFC 15),
   * so only the body is left.
   */
  identityFrame(identity: Buffer): Buffer {
    if (this.#unversioned) return identity;
    const encoder = this.createEncoder();
    encoder.frame(identity, false);
    return Buffer.concat(encoder.take());
  }

  /** Checks the peer's first frame, its identity. Returns the routing id it asks for, or null. */
  identity(flags: number, body: Buffer): Buffer | null {
    this.more(flags);
    if ((flags & FLAG_MORE) !== 0) {
      throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `${this.version} identity frame with MORE set`);
    }
    if (body.length > MAX_IDENTITY_SIZE) {
      throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `${this.version} identity of ${body.length} octets, above ${MAX_IDENTITY_SIZE}`);
    }
    return body.length > 0 ? Buffer.from(body) : null;
  }

  /** Checks the flags of a message frame. Returns true when more frames of the message follow. */
  more(flags: number): boolean {
    // RFC 15 §"Framing": bits 2-7 are reserved and MUST be zero (bit 2 is COMMAND in ZMTP 3).
    if ((flags & ~(FLAG_MORE | FLAG_LONG)) !== 0) {
      throw new ProtocolError("ERR_ZMTP_UNSPECIFIED", `Invalid ${this.version} frame flags 0x${flags.toString(16)}`);
    }
    return (flags & FLAG_MORE) !== 0;
  }
}
