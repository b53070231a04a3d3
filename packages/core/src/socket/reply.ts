import { ZmqError } from "../errors.js";
import type { Msg, Pipe } from "../pipe.js";
import { FairQueue } from "../routing/fair-queue.js";
import { defineOptions } from "../options.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/**
 * REP (RFC 28): receives a request (fair-queued), remembers its envelope
 * (the routing frames up to and including the empty delimiter) and sends
 * the reply back with it to the same peer. Strict alternation: `EFSM`
 * otherwise. Requests without a delimiter are malformed and dropped.
 */
export class Reply extends Socket {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = {
    routingId: { kind: "binary", default: null, max: 255 },
  } as const;
  #fq = new FairQueue();
  #envelope: Buffer[] | null = null;
  #replyPipe: Pipe | null = null;

  constructor(options?: SocketOptions<Reply>) {
    super(SocketType.Reply, options);
    this.sealIfExactly(Reply);
  }

  protected xattachPipe(pipe: Pipe): boolean {
    this.#fq.attach(pipe);
    return true;
  }
  protected xpipeTerminated(pipe: Pipe): void {
    this.#fq.terminated(pipe);
    if (this.#replyPipe === pipe) this.#replyPipe = null;
  }
  protected override xreadActivated(pipe: Pipe): void {
    this.#fq.activated(pipe);
  }

  protected override lastReceivedPipe(): Pipe | null {
    return this.#fq.lastPipe;
  }
  protected override xrecv(): Msg | undefined {
    if (this.#envelope !== null) {
      throw new ZmqError("EFSM", "A REP socket must send the reply before receiving the next request");
    }
    for (;;) {
      const msg = this.#fq.recv();
      if (msg === undefined) return undefined;
      let delimiter = -1;
      for (let i = 0; i < msg.length; i++) {
        if (msg[i]!.length === 0) {
          delimiter = i;
          break;
        }
      }
      if (delimiter < 0 || delimiter === msg.length - 1) continue;
      // The array is the socket's own (the engine made it): the envelope is cut off it, the body left.
      this.#envelope = msg.splice(0, delimiter + 1);
      this.#replyPipe = this.#fq.lastPipe;
      return msg;
    }
  }

  protected override xsend(msg: Msg): boolean {
    const envelope = this.#takeEnvelope();
    const pipe = this.#replyPipe;
    this.#replyPipe = null;
    // The requester may be gone or full: the reply is dropped, as libzmq does.
    if (pipe !== null && pipe.canWrite()) pipe.write(envelope.concat(msg));
    return true;
  }

  /** {@link xsend} of a one-frame reply: encoded behind the request's envelope at once when the connection takes it. */
  protected override xsendFrame(frame: Buffer): boolean {
    const envelope = this.#takeEnvelope();
    const pipe = this.#replyPipe;
    this.#replyPipe = null;
    if (pipe !== null && pipe.canWrite()) pipe.writeFrame(frame, envelope);
    return true;
  }

  /** The envelope of the request being answered; the socket then waits for the next request. */
  #takeEnvelope(): Buffer[] {
    const envelope = this.#envelope;
    if (envelope === null) throw new ZmqError("EFSM", "A REP socket must receive a request before sending a reply");
    this.#envelope = null;
    return envelope;
  }

  protected override xhasIn(): boolean {
    return this.#envelope === null && this.#fq.hasIn();
  }
  protected override xhasOut(): boolean {
    return this.#envelope !== null;
  }
}
defineOptions(Reply.prototype, Reply.optionSpecs);

export interface Reply {
  /** The routing id announced to peers. */
  routingId: string | null;
}
