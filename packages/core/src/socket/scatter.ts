import type { Msg } from "../pipe.js";
import type { MessageLike } from "./message.js";
import { Push } from "./push.js";
import { singlePart } from "./single-part.js";
import type { SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/**
 * SCATTER (draft, RFC 49): the PUSH of the thread-safe family (as libzmq's
 * `scatter_t` is its `push_t`): round-robin to GATHER peers, waits when all
 * are full; single-part messages. `conflate` as PUSH.
 */
export class Scatter extends Push {
  constructor(options?: SocketOptions<Scatter>) {
    super(options, SocketType.Scatter);
    this.sealIfExactly(Scatter);
  }

  /** Sends one frame to the next GATHER peer with room. */
  override send(message: MessageLike): Promise<void> {
    return super.send(message);
  }

  protected override outgoingMessage(message: MessageLike | MessageLike[]): Msg {
    return singlePart(message, this.socketTypeName);
  }
}
