/**
 * ZWS 2.0 messages (RFC 45, ZeroMQ over WebSocket), shared by the ws://
 * transport over `node:net` (zws-stream.ts) and the one over a browser's
 * WebSocket (browser-websocket.ts): each ZMTP frame is one binary WebSocket
 * message whose first octet holds the flags (bit 0 MORE, bit 1 COMMAND),
 * followed by the frame body. The mechanism is named by the subprotocol.
 */
import { Buffer } from "../../util/buffer.js";
import { ProtocolError } from "../../errors.js";
import { encodeCommand, parseCommand } from "../../zmtp/commands.js";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, SHORT_FRAME_MAX } from "../../zmtp/frame.js";
import { decodeMetadata, encodeMetadata, getProperty, type Metadata } from "../../zmtp/metadata.js";

/** RFC 45 §"Framing": flag bits of the first payload octet. */
export const ZWS_MORE = 0x01;
export const ZWS_COMMAND = 0x02;
const ZWS_RESERVED = 0xfc;

/** RFC 45: the subprotocol naming a mechanism (`ZWS2.0/NULL`, `ZWS2.0/PLAIN`, `ZWS2.0/CURVE`). */
export function zwsProtocol(mechanism: string): string {
  return `ZWS2.0/${mechanism}`;
}

/**
 * The ZMTP frame header for the body of a ZWS message (its payload after
 * the flags octet). Throws a {@link ProtocolError} for a message without its
 * flags octet, with reserved bits set, or a command with MORE set.
 */
export function zmtpHeaderOf(payload: Uint8Array): Buffer {
  if (payload.length === 0) throw new ProtocolError("ERR_WS_PROTOCOL", "ZWS message without its flags octet (RFC 45)");
  const flags = payload[0]!;
  if ((flags & ZWS_RESERVED) !== 0) throw new ProtocolError("ERR_WS_PROTOCOL", "ZWS message has reserved flag bits set (RFC 45)");
  // As in ZMTP, a command is one frame: it cannot have MORE set.
  if ((flags & ZWS_MORE) !== 0 && (flags & ZWS_COMMAND) !== 0) throw new ProtocolError("ERR_WS_PROTOCOL", "ZWS command message with MORE set (RFC 45)");
  const zmtpFlags = (flags & ZWS_MORE ? FLAG_MORE : 0) | (flags & ZWS_COMMAND ? FLAG_COMMAND : 0);
  return frameHeader(zmtpFlags, payload.length - 1);
}

/** RFC 37 §"Framing": a short or long frame header. */
function frameHeader(zmtpFlags: number, bodyLength: number): Buffer {
  if (bodyLength <= SHORT_FRAME_MAX) return Buffer.from([zmtpFlags, bodyLength]);
  const header = Buffer.allocUnsafe(9);
  header[0] = zmtpFlags | FLAG_LONG;
  header.writeBigUInt64BE(BigInt(bodyLength), 1);
  return header;
}

/** The ZWS flags octet for a ZMTP frame's flags. */
export function zwsFlagsOf(zmtpFlags: number): number {
  return (zmtpFlags & FLAG_MORE ? ZWS_MORE : 0) | (zmtpFlags & FLAG_COMMAND ? ZWS_COMMAND : 0);
}

/**
 * The one subprotocol a browser can offer for NULL: the WebSocket API takes
 * only tokens (RFC 6455 §4.1, RFC 7230 §3.2.6), and `/` is not a token
 * character, so `ZWS2.0/NULL` throws a SyntaxError in `new WebSocket()`.
 * libzmq answers `ZWS2.0` for NULL with no ZMTP handshake: each side sends
 * its routing id as its first message instead (see {@link RoutingIdExchange}).
 */
export const ZWS_BARE = "ZWS2.0";

/**
 * The subprotocol a browser offers for a mechanism: {@link ZWS_BARE} for
 * NULL, `ZWS2.0-PLAIN` and `ZWS2.0-CURVE` (token spellings of RFC 45's names,
 * which only skein servers accept: libzmq has no ws:// mechanism a browser can name).
 */
export function browserProtocol(mechanism: string): string {
  return mechanism === "NULL" ? ZWS_BARE : `ZWS2.0-${mechanism}`;
}

/**
 * The subprotocol a server answers for a socket with `mechanism`, from those
 * the client offered: RFC 45's name, else its browser spelling; null if
 * the client offers neither.
 */
export function selectProtocol(offered: readonly string[], mechanism: string): string | null {
  for (const protocol of [zwsProtocol(mechanism), browserProtocol(mechanism)]) {
    if (offered.includes(protocol)) return protocol;
  }
  return null;
}

/** A ZMTP command frame (header and body) as the engine reads it. */
function commandFrame(body: Buffer): Buffer {
  return Buffer.concat([frameHeader(FLAG_COMMAND, body.length), body]);
}

/**
 * libzmq's bare `ZWS2.0` (NULL without a ZMTP handshake: a routing-id
 * message each way, then messages) spoken by a ZMTP engine that runs a
 * NULL handshake: our READY leaves as our routing-id message, and the peer's
 * first message comes in as its READY. The peer names no socket type, so
 * its READY claims the first type ours accepts (RFC 37's table), as libzmq,
 * which checks no types over bare ZWS2.0.
 */
export class RoutingIdExchange {
  readonly #peerSocketType: string;
  #sent = false;
  #received = false;

  /** @param peerSocketType the type the peer's READY claims */
  constructor(peerSocketType: string) {
    this.#peerSocketType = peerSocketType;
  }

  /**
   * A frame our engine wrote: until our READY went, that READY becomes our
   * routing-id message (its `Identity`, maybe empty); returns the ZWS payload
   * to send, or null for the frame as it is.
   */
  outgoing(flags: number, body: Buffer): Buffer | null {
    if (this.#sent || (flags & FLAG_COMMAND) === 0) return null;
    const command = parseCommand(body);
    if (command.name !== "READY") return null;
    this.#sent = true;
    const identity = getProperty(decodeMetadata(command.data), "Identity") ?? Buffer.alloc(0);
    return Buffer.concat([Buffer.from([0]), identity]);
  }

  /**
   * A message from the peer: its first is its routing id, returned as the
   * ZMTP bytes of a READY for our engine; null for the messages after it.
   */
  incoming(payload: Buffer): Buffer | null {
    if (this.#received) return null;
    this.#received = true;
    const metadata: Metadata = new Map([["Socket-Type", Buffer.from(this.#peerSocketType, "latin1")]]);
    const routingId = payload.subarray(1);
    if (routingId.length > 0) metadata.set("Identity", routingId);
    return commandFrame(encodeCommand("READY", encodeMetadata(metadata)));
  }
}
