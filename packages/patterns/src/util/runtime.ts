/**
 * What patterns needs from its runtime under names a browser has too:
 * random bytes through Web Crypto (Node 20+ has it as `globalThis.crypto`),
 * and a task after pending I/O (`setImmediate`, or a zero timeout where
 * there is none), so the patterns run in a page on core's browser build.
 */
import { Bytes } from "@skein/core";

/** `length` cryptographically strong random octets. */
export function randomBytes(length: number): Bytes {
  const bytes = Bytes.alloc(length);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

/** A handle of {@link schedule}, for {@link cancelScheduled}. */
export type Scheduled = ReturnType<typeof setTimeout>;

const immediate = (globalThis as unknown as { setImmediate?: (callback: () => void) => Scheduled }).setImmediate;
const clearImmediateOf = (globalThis as unknown as { clearImmediate?: (handle: Scheduled) => void }).clearImmediate;

/** Runs `callback` on a later turn of the event loop (Node's `setImmediate`). */
export function schedule(callback: () => void): Scheduled {
  return immediate !== undefined ? immediate(callback) : setTimeout(callback, 0);
}

/** Cancels a {@link schedule}d callback. */
export function cancelScheduled(handle: Scheduled): void {
  if (clearImmediateOf !== undefined) clearImmediateOf(handle);
  else clearTimeout(handle);
}
