import type { Msg, Pipe } from "../pipe.js";
import { LoadBalancer } from "../routing/load-balancer.js";
import { defineOptions } from "../options.js";
import type { MessageLike } from "./message.js";
import { singlePart } from "./single-part.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/** SCATTER (draft, RFC 49): PUSH of the thread-safe family: round-robin to GATHER peers, single-part messages; waits when all are full. */
export class Scatter extends Socket {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = {
    conflate: { kind: "bool", default: false },
  } as const;
  readonly #lb = new LoadBalancer();

  constructor(options?: SocketOptions<Scatter>) {
    super(SocketType.Scatter, options);
    this.sealIfExactly(Scatter);
  }

  /** Sends one frame to the next GATHER peer with room. */
  override send(message: MessageLike): Promise<void> {
    return super.send(message);
  }

  protected override outgoingMessage(message: MessageLike | MessageLike[]): Msg {
    return singlePart(message, this.socketTypeName);
  }

  protected xattachPipe(pipe: Pipe): boolean {
    this.#lb.attach(pipe);
    return true;
  }
  protected xpipeTerminated(pipe: Pipe): void {
    this.#lb.terminated(pipe);
  }
  protected override xwriteActivated(pipe: Pipe): void {
    this.#lb.activated(pipe);
  }
  protected override xsend(msg: Msg): boolean {
    return this.#lb.send(msg) !== null;
  }
  protected override xhasOut(): boolean {
    return this.#lb.hasOut();
  }
}
defineOptions(Scatter.prototype, Scatter.optionSpecs);

export interface Scatter {
  /** Keep only the newest message in each pipe (libzmq ZMQ_CONFLATE). */
  conflate: boolean;
}
