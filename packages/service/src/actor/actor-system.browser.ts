/**
 * actor-system.ts in a browser (the package.json `browser` field maps it
 * here): the actor system places actors across processes and threads and
 * keeps state in files, none of which a page has; it is not offered there.
 * A page calls actors through their contracts like any service (`connect()`).
 */
import { ActorError, ActorErrorCode } from "./actor-error.js";

export type { ActorSystemEvents, ActorSystemOptions, ContractRef, Member } from "./actor-system.js";

function unsupported(): ActorError {
  return new ActorError(ActorErrorCode.CLOSED, "The actor system does not run in a browser: call actors through their contracts with connect() (docs/browser.md)");
}

/** {@link ActorSystem} of actor-system.ts, refusing to start. */
export class ActorSystem {
  static readonly default: ActorSystem | undefined = undefined;

  constructor() {
    throw unsupported();
  }
}

/** `ref()` of actor-system.ts: there is no actor system in a page. */
export function ref(): never {
  throw unsupported();
}
