/**
 * The few things core needs from its runtime that a browser does not have
 * under Node's names: `setImmediate` (a macrotask after I/O), process
 * warnings, random bytes and a constant-time comparison. Node, Bun and Deno
 * get their own functions; a browser gets the web platform's.
 */

type Immediate = (callback: () => void) => void;

/** A macrotask through a MessageChannel: unlike setTimeout(0), never clamped to 4 ms. */
function channelImmediate(): Immediate {
  const queue: Array<() => void> = [];
  // MessageChannel's types are in the DOM library, which core does not compile against.
  const channel = new (globalThis as unknown as { MessageChannel: new () => { port1: { onmessage: (() => void) | null }; port2: { postMessage(value: unknown): void } } }).MessageChannel();
  channel.port1.onmessage = (): void => {
    const callback = queue.shift();
    callback?.();
  };
  return (callback) => {
    queue.push(callback);
    channel.port2.postMessage(null);
  };
}

const nodeImmediate = (globalThis as { setImmediate?: Immediate }).setImmediate;

/** Runs `callback` on a later turn of the event loop, after pending I/O (Node's `setImmediate`). */
export const setImmediate: Immediate = nodeImmediate !== undefined ? nodeImmediate.bind(globalThis) : channelImmediate();

/** Emits a process warning (Node's `process.emitWarning`), or `console.warn` where there is no process. */
export function emitWarning(message: string, code?: string): void {
  const processLike = (globalThis as { process?: { emitWarning?: (message: string, options?: { code?: string }) => void } }).process;
  if (typeof processLike?.emitWarning === "function") processLike.emitWarning(message, code === undefined ? undefined : { code });
  else console.warn(code === undefined ? message : `(${code}) ${message}`);
}

/** Lets a timer not keep Node's process alive; a browser timer never does. */
export function unrefTimer(timer: unknown): void {
  (timer as { unref?: () => void }).unref?.();
}

/** Web Crypto's bound on one getRandomValues call. */
const RANDOM_CHUNK = 65536;

/** Fills `bytes` with cryptographically strong random octets (Web Crypto, in Node 20+ too). */
export function randomFill<T extends Uint8Array>(bytes: T): T {
  for (let at = 0; at < bytes.length; at += RANDOM_CHUNK) {
    globalThis.crypto.getRandomValues(bytes.subarray(at, Math.min(bytes.length, at + RANDOM_CHUNK)));
  }
  return bytes;
}

/** Compares two byte strings in time that depends on their length only. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}
