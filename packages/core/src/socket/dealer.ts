import { Buffer } from "../util/buffer.js";
import type { Msg, Pipe } from "../pipe.js";
import { FairQueue } from "../routing/fair-queue.js";
import { LoadBalancer } from "../routing/load-balancer.js";
import { defineOptions } from "../options.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

const EMPTY = Buffer.alloc(0);

/** DEALER (RFC 28): round-robin out to all peers, fair-queued in; no envelope handling. */
export class Dealer extends Socket {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = {
    routingId: { kind: "binary", default: null, max: 255 },
    probeRouter: { kind: "bool", default: false },
    conflate: { kind: "bool", default: false },
  } as const;
  protected readonly lb = new LoadBalancer();
  protected readonly fq = new FairQueue();

  constructor(options?: SocketOptions<Dealer>, type: SocketType = SocketType.Dealer) {
    super(type, options);
    this.sealIfExactly(Dealer);
  }

  protected xattachPipe(pipe: Pipe): boolean {
    this.fq.attach(pipe);
    this.lb.attach(pipe);
    if (this.options.probeRouter === true && pipe.canWrite()) pipe.write([EMPTY]);
    return true;
  }
  protected xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe);
    this.lb.terminated(pipe);
  }
  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }
  protected override xwriteActivated(pipe: Pipe): void {
    this.lb.activated(pipe);
  }
  protected override xsend(msg: Msg): boolean {
    return this.lb.send(msg) !== null;
  }
  protected override lastReceivedPipe(): Pipe | null {
    return this.fq.lastPipe;
  }
  protected override xrecv(): Msg | undefined {
    return this.fq.recv();
  }
  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }
  protected override xhasOut(): boolean {
    return this.lb.hasOut();
  }
}
defineOptions(Dealer.prototype, Dealer.optionSpecs);

export interface Dealer {
  /** The routing id announced to peers (a ROUTER addresses us by it). */
  routingId: string | null;
  /** Send an empty message to each new peer, so a ROUTER learns of us at once. */
  probeRouter: boolean;
  /** Keep only the last message (accepted; see docs/compat.md). */
  conflate: boolean;
}
