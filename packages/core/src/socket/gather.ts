import type { Msg, Pipe } from "../pipe.js";
import { FairQueue } from "../routing/fair-queue.js";
import { defineOptions } from "../options.js";
import { receiveSinglePart } from "./single-part.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/**
 * GATHER (draft, RFC 49): PULL of the thread-safe family: fair-queued from
 * SCATTER peers, single-part messages (a peer sending a multipart one is
 * dropped with a `disconnect` event).
 */
export class Gather extends Socket {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = {
    conflate: { kind: "bool", default: false },
  } as const;
  readonly #fq = new FairQueue();

  constructor(options?: SocketOptions<Gather>) {
    super(SocketType.Gather, options);
    this.sealIfExactly(Gather);
  }

  protected xattachPipe(pipe: Pipe): boolean {
    this.#fq.attach(pipe);
    return true;
  }
  protected xpipeTerminated(pipe: Pipe): void {
    this.#fq.terminated(pipe);
  }
  protected override xreadActivated(pipe: Pipe): void {
    this.#fq.activated(pipe);
  }
  protected override lastReceivedPipe(): Pipe | null {
    return this.#fq.lastPipe;
  }
  protected override xrecv(): Msg | undefined {
    return receiveSinglePart(this.#fq, this, this.socketTypeName);
  }
  protected override xhasIn(): boolean {
    return this.#fq.hasIn();
  }
}
defineOptions(Gather.prototype, Gather.optionSpecs);

export interface Gather {
  /** Keep only the newest message in each pipe (libzmq ZMQ_CONFLATE). */
  conflate: boolean;
}
