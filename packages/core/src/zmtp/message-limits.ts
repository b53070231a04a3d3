/**
 * What one peer may make the engine hold for a message it has not finished
 * sending. The pipe's high-water mark counts whole messages; these bound the
 * one still arriving, which no high-water mark sees:
 *
 * - bytes: `maxMessageSize` (zeromq's option, the sum of all parts) when the
 *   user set it, else skein's `maxIncompleteMessageSize`, so a socket left at
 *   zeromq's default (-1, no limit) is still protected;
 * - parts: `maxMessageParts` (skein), since each part costs heap of its own
 *   (about 100 octets for an empty frame) whatever its size.
 *
 * A peer passing either is dropped with `EMSGSIZE`; its partial message is
 * discarded.
 *
 * Before the handshake completes a peer has not authenticated and may send
 * only commands, so one frame is held to {@link MAX_HANDSHAKE_FRAME_SIZE}
 * (or the message limit when smaller) instead: a 200 MB READY from a peer
 * that never finishes it would otherwise be held until `handshakeInterval`.
 * See docs/reliability.md, section "Frames, multipart messages and
 * heartbeats".
 */
import { INITIATE_MAX_SIZE } from "../mechanism/curve.js";
import { MAX_METADATA_PROPERTIES } from "./metadata.js";

/** The bounds in force for one connection. -1: none. */
export interface MessageLimits {
  /** Octets of one message, all parts together. */
  readonly bytes: number;
  /** The option `bytes` comes from, for error messages. */
  readonly bytesOption: "maxMessageSize" | "maxIncompleteMessageSize";
  /** Parts of one message. */
  readonly parts: number;
}

/** Reads the limits from a socket's options (defaults applied). */
export function messageLimits(option: <T>(name: string) => T): MessageLimits {
  const maxMessageSize = option<number>("maxMessageSize");
  const parts = option<number>("maxMessageParts");
  if (maxMessageSize >= 0) return { bytes: maxMessageSize, bytesOption: "maxMessageSize", parts };
  return { bytes: option<number>("maxIncompleteMessageSize"), bytesOption: "maxIncompleteMessageSize", parts };
}

/**
 * The command frames of a handshake around their metadata: the largest is a
 * CURVE INITIATE carrying `MAX_CURVE_METADATA_BYTES` (1 MiB) of it,
 * `INITIATE_MAX_SIZE` plus its name (9 octets). NULL's READY and PLAIN's
 * INITIATE carry the same metadata without a box; room is left for the
 * name and length octets of {@link MAX_METADATA_PROPERTIES} properties with
 * the longest names (1 + 255 + 4 each) beside their values.
 */
const LARGEST_HANDSHAKE_COMMAND = 1 + "INITIATE".length + INITIATE_MAX_SIZE + MAX_METADATA_PROPERTIES * (1 + 255 + 4);

/**
 * Most octets one frame may have before the handshake completes: the
 * largest legitimate handshake command, rounded up to half a mebibyte
 * (1.5 MiB). A peer that announces more is dropped at the frame header with
 * `EMSGSIZE`, so a connection that has not authenticated holds at most this
 * much (over ws://, one WebSocket message of this size).
 */
export const MAX_HANDSHAKE_FRAME_SIZE = Math.ceil(LARGEST_HANDSHAKE_COMMAND / (512 * 1024)) * (512 * 1024);

/** What bounds one frame while the handshake is in progress: octets, and the name its error gives. */
export interface HandshakeFrameLimit {
  readonly bytes: number;
  readonly name: string;
}

/**
 * The frame bound during the handshake: {@link MAX_HANDSHAKE_FRAME_SIZE},
 * or the message limit when the user set a smaller one.
 */
export function handshakeFrameLimit(limits: MessageLimits): HandshakeFrameLimit {
  if (limits.bytes >= 0 && limits.bytes <= MAX_HANDSHAKE_FRAME_SIZE) return { bytes: limits.bytes, name: limits.bytesOption };
  return { bytes: MAX_HANDSHAKE_FRAME_SIZE, name: "the handshake limit" };
}
