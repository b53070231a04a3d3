/**
 * Frames as codec hands them out: Node's `Buffer` where there is one (Node,
 * Bun, Deno), plain `Uint8Array` in a browser. codec depends on nothing of
 * ours, so it carries these two helpers rather than core's byte type.
 */

const NodeBuffer = (globalThis as { Buffer?: BufferConstructor }).Buffer;

/** `bytes` as a Buffer view of the same memory where Buffer exists (never a copy); as it is otherwise. */
export function asFrame(bytes: Uint8Array): Buffer {
  if (NodeBuffer === undefined || NodeBuffer.isBuffer(bytes)) return bytes as Buffer;
  return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Whether `value` is a frame: a Buffer where Buffer exists, a Uint8Array otherwise. */
export function isFrame(value: unknown): value is Buffer {
  return NodeBuffer !== undefined ? NodeBuffer.isBuffer(value) : value instanceof Uint8Array;
}
