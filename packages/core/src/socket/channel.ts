import type { Msg, Pipe } from "../pipe.js";
import type { MessageLike } from "./message.js";
import { dropPeer, singlePart } from "./single-part.js";
import { ProtocolError } from "../errors.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/** CHANNEL (draft, RFC 52): PAIR of the thread-safe family: one peer, both directions, single-part messages. */
export class Channel extends Socket {
  #pipe: Pipe | null = null;

  constructor(options?: SocketOptions<Channel>) {
    super(SocketType.Channel, options);
    this.sealIfExactly(Channel);
  }

  /** Sends one frame to the peer. */
  override send(message: MessageLike): Promise<void> {
    return super.send(message);
  }

  protected override outgoingMessage(message: MessageLike | MessageLike[]): Msg {
    return singlePart(message, this.socketTypeName);
  }

  protected xattachPipe(pipe: Pipe): boolean {
    if (this.#pipe !== null && !this.#pipe.terminated) {
      pipe.terminate();
      return false;
    }
    this.#pipe = pipe;
    return true;
  }
  protected xpipeTerminated(pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = null;
  }
  protected override xsend(msg: Msg): boolean {
    const pipe = this.#pipe;
    if (pipe === null || !pipe.canWrite()) return false;
    pipe.write(msg);
    return true;
  }
  protected override lastReceivedPipe(): Pipe | null {
    return this.#pipe;
  }
  protected override xrecv(): Msg | undefined {
    const pipe = this.#pipe;
    if (pipe === null) return undefined;
    const msg = pipe.read();
    if (msg === undefined || msg.length === 1) return msg;
    dropPeer(this, pipe, new ProtocolError("ERR_ZMTP_UNSPECIFIED", `A CHANNEL peer sent a message of ${msg.length} parts; this pattern has single-part messages only`));
    return undefined;
  }
  protected override xhasIn(): boolean {
    return this.#pipe?.hasIn() ?? false;
  }
  protected override xhasOut(): boolean {
    return this.#pipe?.canWrite() ?? false;
  }
}
