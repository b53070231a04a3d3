/**
 * What a pattern object counts of its peers' faults instead of swallowing
 * them: sends that failed (a peer gone, `EHOSTUNREACH`; a peer not reading,
 * `EAGAIN`) and messages that break the protocol (dropped, `EPROTO`). Each
 * is also passed to the object's `onError`, when it has one.
 */
import { PatternError } from "../errors.js";

export class PeerFaults {
  /** Sends that failed. */
  sendErrors = 0;
  /** Peer messages dropped for breaking the protocol. */
  protocolErrors = 0;

  constructor(private readonly onError: ((error: unknown) => void) | undefined) {}

  /** Counts and reports a failed send; a `.catch()` handler. */
  readonly sendFailed = (error: unknown): void => {
    this.sendErrors++;
    this.onError?.(error);
  };

  /** Counts and reports a peer's message that was dropped. */
  protocol(message: string): void {
    this.protocolErrors++;
    this.onError?.(new PatternError("EPROTO", message));
  }
}
