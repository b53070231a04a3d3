import type { Msg, Pipe } from "../pipe.js";
import type { MessageLike } from "./message.js";
import { Pair } from "./pair.js";
import { receiveSinglePart, singlePart } from "./single-part.js";
import type { SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/** CHANNEL (draft, RFC 52): the PAIR of the thread-safe family: one peer, both directions, single-part messages. */
export class Channel extends Pair {
  readonly #read = (): Msg | undefined => super.xrecv();
  readonly #from = (): Pipe | null => this.lastReceivedPipe();

  constructor(options?: SocketOptions<Channel>) {
    super(options, SocketType.Channel);
    this.sealIfExactly(Channel);
  }

  /** Sends one frame to the peer. */
  override send(message: MessageLike): Promise<void> {
    return super.send(message);
  }

  protected override outgoingMessage(message: MessageLike | MessageLike[]): Msg {
    return singlePart(message, this.socketTypeName);
  }

  protected override xrecv(): Msg | undefined {
    return receiveSinglePart(this.#read, this.#from, this, this.socketTypeName);
  }
}
