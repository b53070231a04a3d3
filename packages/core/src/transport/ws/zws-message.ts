/**
 * ZWS 2.0 messages (RFC 45, ZeroMQ over WebSocket), shared by the ws://
 * transport over `node:net` (zws-stream.ts) and the one over a browser's
 * WebSocket (browser-websocket.ts): each ZMTP frame is one binary WebSocket
 * message whose first octet holds the flags (bit 0 MORE, bit 1 COMMAND),
 * followed by the frame body. The mechanism is named by the subprotocol.
 */
import { Buffer } from "../../util/buffer.js";
import { ProtocolError } from "../../errors.js";
import { FLAG_COMMAND, FLAG_LONG, FLAG_MORE, SHORT_FRAME_MAX } from "../../zmtp/frame.js";

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
  const bodyLength = payload.length - 1;
  const zmtpFlags = (flags & ZWS_MORE ? FLAG_MORE : 0) | (flags & ZWS_COMMAND ? FLAG_COMMAND : 0);
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
