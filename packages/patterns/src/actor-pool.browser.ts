/**
 * actor-pool.ts in a browser (patterns' package.json maps it here for the
 * `browser` field): a pool of actor threads needs Node `worker_threads`, so
 * constructing one fails with `EPROTONOSUPPORT` (see docs/browser.md).
 */
import { PatternError } from "./errors.js";

export type { ActorPoolOptions, PoolFrame, PoolHandler } from "./actor-pool.js";

/** {@link ActorPool} of actor-pool.ts: refused in a browser. */
export class ActorPool {
  constructor() {
    throw new PatternError("EPROTONOSUPPORT", "A browser has no worker_threads: ActorPool runs on Node, Bun and Deno (see docs/browser.md)");
  }
}
