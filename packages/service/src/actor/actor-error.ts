/**
 * Errors of the actor runtime: one class, {@link ActorError}, with a `code`
 * from {@link ActorErrorCode} saying what went wrong and whether the call ran.
 */

/** What went wrong with an actor call, and whether its handler ran. */
export const ActorErrorCode = {
  /** The class has no `@Actor` decorator, or the system hosts no such actor type. */
  NOT_REGISTERED: "ACTOR_NOT_REGISTERED",
  /** The actor has no handler of that name. The handler did not run. */
  NO_HANDLER: "ACTOR_NO_HANDLER",
  /** The key's owner in this member's view is another member. The handler did not run: safe to retry. */
  WRONG_OWNER: "ACTOR_WRONG_OWNER",
  /** The activation's mailbox holds `mailboxCapacity` messages. The handler did not run. */
  MAILBOX_FULL: "ACTOR_MAILBOX_FULL",
  /** This member has `maxActivations` live activations: a key not active here cannot be activated now. The handler did not run. */
  OVERLOADED: "ACTOR_OVERLOADED",
  /** The activation was stopped (supervision, deactivation, a membership change) before this message's turn. The handler did not run. */
  STOPPED: "ACTOR_STOPPED",
  /** The system is closed or closing. */
  CLOSED: "ACTOR_CLOSED",
  /** The owner did not answer within `callTimeout`, or its connection was lost: the handler may or may not have run. */
  UNREACHABLE: "ACTOR_UNREACHABLE",
  /** No member is in the membership view. */
  NO_MEMBERS: "ACTOR_NO_MEMBERS",
  /** The handler threw; `message` and `remoteCode` are the thrown error's. The turn's state changes were discarded. */
  HANDLER_FAILED: "ACTOR_HANDLER_FAILED",
  /** The state was written by another activation since this one read it (a membership change): this turn's changes were discarded. */
  CONFLICT: "ACTOR_CONFLICT",
  /** Arguments, a result or state could not be serialized (JSON), or a peer sent a malformed message. */
  SERIALIZATION: "ACTOR_SERIALIZATION",
  /** The storage failed to read or write. */
  STORAGE: "ACTOR_STORAGE",
} as const;

/** One of {@link ActorErrorCode}'s values. */
export type ActorErrorCodeValue = (typeof ActorErrorCode)[keyof typeof ActorErrorCode];

/**
 * A failed actor call or runtime operation.
 *
 * @example
 * ```ts
 * try { await cart.checkout(); }
 * catch (error) { if (error instanceof ActorError && error.code === ActorErrorCode.WRONG_OWNER) retry(); }
 * ```
 */
export class ActorError extends Error {
  /** `"ActorError"`. */
  override readonly name = "ActorError";
  /** What went wrong. */
  readonly code: ActorErrorCodeValue;
  /** For `ACTOR_HANDLER_FAILED` from another member: the `code` of the handler's error, if it had one. */
  readonly remoteCode: string | undefined;

  constructor(code: ActorErrorCodeValue, message: string, options: { cause?: unknown; remoteCode?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.remoteCode = options.remoteCode;
  }
}
