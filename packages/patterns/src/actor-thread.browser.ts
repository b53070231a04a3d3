/**
 * actor-thread.ts in a browser (patterns' package.json maps it here for the
 * `browser` field): actor threads are Node `worker_threads` joined over
 * inproc://, which a page does not have, so constructing one fails with
 * `EPROTONOSUPPORT` (see docs/browser.md).
 */
import { PatternError } from "./errors.js";

export type { ActorFunction, ActorThreadOptions } from "./actor-thread.js";

/** The pipe command that asks an actor to end (as in actor-thread.ts). */
export const ACTOR_TERM = "$TERM";
/** The pipe message an actor's thread sends once it is ready (as in actor-thread.ts). */
export const ACTOR_READY = "$READY";

/** {@link ActorThread} of actor-thread.ts: refused in a browser. */
export class ActorThread {
  constructor() {
    throw new PatternError("EPROTONOSUPPORT", "A browser has no worker_threads: ActorThread runs on Node, Bun and Deno (see docs/browser.md)");
  }
}
