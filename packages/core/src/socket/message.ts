/**
 * Turning what users pass to `send()` into frames. Buffers and typed-array
 * views are used as they are (zero-copy: do not modify them after sending),
 * strings are UTF-8 encoded, numbers and booleans become their text and `null`
 * an empty frame, as in the `zeromq` package.
 */
import type { Msg } from "../pipe.js";

/** One frame as `send()` accepts it. */
export type MessageLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer | string | number | boolean | null;

const EMPTY = Buffer.alloc(0);

export function toFrame(value: MessageLike): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (value === null) return EMPTY;
  // zeromq sends String(value) for these; objects and functions stay a TypeError (see docs/compat.md).
  if (typeof value === "number" || typeof value === "boolean") return Buffer.from(String(value), "utf8");
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
    return Buffer.from(value);
  }
  throw new TypeError(`Cannot send ${typeof value}: expected Buffer, typed array, ArrayBuffer, string, number or null`);
}

export function toMessage(message: MessageLike | MessageLike[]): Msg {
  if (Buffer.isBuffer(message)) return [message];
  if (Array.isArray(message)) {
    if (message.length === 0) throw new TypeError("A message needs at least one frame");
    const parts = new Array<Buffer>(message.length);
    for (let i = 0; i < message.length; i++) parts[i] = toFrame(message[i]!);
    return parts;
  }
  return [toFrame(message)];
}
