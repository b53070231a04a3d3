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
 * discarded. See docs/reliability.md, section "Frames, multipart messages and
 * heartbeats".
 */

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
