import type { Msg, Pipe } from "../pipe.js";
import { FairQueue } from "../routing/fair-queue.js";
import { defineOptions } from "../options.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/** PULL (RFC 30): receives from all connected PUSH peers, fair-queued. */
export class Pull extends Socket {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = {
    conflate: { kind: "bool", default: false },
  } as const;
  #fq = new FairQueue();

  constructor(options?: SocketOptions<Pull>, type: SocketType = SocketType.Pull) {
    super(type, options);
    this.sealIfExactly(Pull);
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
    return this.#fq.recv();
  }
  protected override xhasIn(): boolean {
    return this.#fq.hasIn();
  }
}
defineOptions(Pull.prototype, Pull.optionSpecs);

export interface Pull {
  /** Keep only the newest message in each pipe (libzmq ZMQ_CONFLATE). */
  conflate: boolean;
}
