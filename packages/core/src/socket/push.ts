import type { Msg, Pipe } from "../pipe.js";
import { LoadBalancer } from "../routing/load-balancer.js";
import { defineOptions } from "../options.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/** PUSH (RFC 30): sends each message to the next connected PULL peer, round-robin; waits when all are full. */
export class Push extends Socket {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = {
    conflate: { kind: "bool", default: false },
  } as const;
  #lb = new LoadBalancer();

  constructor(options?: SocketOptions<Push>, type: SocketType = SocketType.Push) {
    super(type, options);
    this.sealIfExactly(Push);
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
  protected override xsendFrame(frame: Buffer): boolean {
    return this.#lb.sendFrame(frame) !== null;
  }
  protected override xhasOut(): boolean {
    return this.#lb.hasOut();
  }
}
defineOptions(Push.prototype, Push.optionSpecs);

export interface Push {
  /** Keep only the newest message in each pipe (libzmq ZMQ_CONFLATE). */
  conflate: boolean;
}
