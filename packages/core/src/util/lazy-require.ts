/**
 * A module required on first use instead of imported when the package loads:
 * for what only a rarely used part needs (TweetNaCl for CURVE, node:tls for
 * wss://, node:dgram for udp:// and epgm://, node:zlib for SWAP, node:crypto
 * for ipc://*, ws:// and epgm://), so that
 * `import "@skein/core"` does not pay for it. `require` is synchronous: the
 * call that first needs the module (a key pair, a bind, a connect) stays
 * synchronous and throws what it threw before. Node, Bun and Deno have
 * `createRequire`; the browser entry never reaches this file.
 */
import { createRequire } from "node:module";

const requireHere = createRequire(import.meta.url);

/** A getter that requires `specifier` on its first call and returns the same module after. */
export function lazyRequire<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(specifier) as T);
}

/** node:crypto, required by the first ipc://* bind, ws:// handshake or epgm:// socket (about 10 ms of a cold start otherwise). */
export const nodeCrypto = lazyRequire<typeof import("node:crypto")>("node:crypto");
