/**
 * Turning what users pass to `send()` into frames, as the `zeromq` package
 * does: bytes (Buffers, typed-array views, ArrayBuffers) are sent as they are,
 * zero-copy above {@link COPY_THRESHOLD} bytes (do not modify such a buffer
 * after sending it) and copied at or below it; strings are UTF-8 encoded,
 * `null` is an empty frame, and anything else is sent as its string form
 * (numbers, booleans, but also "[object Object]" or a function's source).
 */
import { Buffer } from "../util/buffer.js";
import type { Msg } from "../pipe.js";

/** One frame as `send()` accepts it. */
export type MessageLike = ArrayBufferView | ArrayBuffer | SharedArrayBuffer | string | number | boolean | null;

/**
 * Bytes up to this length are copied when sent, longer ones are sent
 * zero-copy. `zeromq`'s threshold (128): a small buffer queued for a peer
 * that is not there is not held, and may be reused at once.
 */
export const COPY_THRESHOLD = 128;

const EMPTY = Buffer.alloc(0);

/** `zeromq`'s TypeError text for `send()` with nothing (`undefined`) to send. */
const MISSING = "Message must be present";

/** A frame as a message holds it: a copy of small bytes (see {@link COPY_THRESHOLD}), the bytes themselves above. */
export function ownedFrame(buffer: Buffer): Buffer {
  if (buffer.length > COPY_THRESHOLD) return buffer;
  // Twice as fast as Buffer.from(buffer); small sizes come from Node's shared pool.
  const copy = Buffer.allocUnsafe(buffer.length);
  copy.set(buffer);
  return copy;
}

export function toFrame(value: MessageLike): Buffer {
  if (Buffer.isBuffer(value)) return ownedFrame(value);
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (value === null) return EMPTY;
  if (ArrayBuffer.isView(value)) return ownedFrame(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
    return ownedFrame(Buffer.from(value));
  }
  // As zeromq (ToString): numbers, booleans, undefined inside an array, objects, functions,
  // promises. A Symbol has no string form: the template literal throws a TypeError for it.
  return Buffer.from(`${value as unknown as string}`, "utf8");
}

export function toMessage(message: MessageLike | MessageLike[]): Msg {
  if (Buffer.isBuffer(message)) return [ownedFrame(message)];
  if (Array.isArray(message)) {
    if (message.length === 0) throw new TypeError("A message needs at least one frame");
    const parts = new Array<Buffer>(message.length);
    for (let i = 0; i < message.length; i++) parts[i] = toFrame(message[i]!);
    return parts;
  }
  if (message === undefined) throw new TypeError(MISSING);
  return [toFrame(message)];
}
