import { Buffer } from "../util/buffer.js";
import { ZmqError } from "../errors.js";
import type { Msg, Pipe } from "../pipe.js";
import { defineOptions } from "../options.js";
import { Dealer } from "./dealer.js";
import type { SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

const EMPTY = Buffer.alloc(0);
/** The envelope of a request without `correlate`; shared, never changed (concat and the pipe copy it). */
const DELIMITER: Buffer[] = [EMPTY];

/**
 * REQ (RFC 28): strict request-reply alternation. Each request goes to the
 * next peer (round-robin) behind an empty delimiter frame; only that peer's
 * reply is accepted. `send` twice without `receive` fails with `EFSM`, unless
 * `relaxed` is set; `correlate` adds a request id frame so stale replies are
 * told apart.
 */
export class Request extends Dealer {
  /** @internal The options of this socket type: names, defaults, checks. */
  static override readonly optionSpecs = {
    ...Dealer.optionSpecs,
    correlate: { kind: "bool", default: false },
    relaxed: { kind: "bool", default: false },
  } as const;
  #receivingReply = false;
  #replyPipe: Pipe | null = null;
  #requestId = (Math.random() * 0xffffffff) >>> 0;

  constructor(options?: SocketOptions<Request>) {
    super(options, SocketType.Request);
    this.sealIfExactly(Request);
  }

  protected override xsend(msg: Msg): boolean {
    return this.#sent(this.lb.send(this.#envelope().concat(msg)));
  }

  /** {@link xsend} of a one-frame request: encoded behind its envelope at once when the connection takes it. */
  protected override xsendFrame(frame: Buffer): boolean {
    return this.#sent(this.lb.sendFrame(frame, this.#envelope()));
  }

  /** The frames before the next request's body (RFC 28 §REQ): its id with `correlate`, and the delimiter. */
  #envelope(): Buffer[] {
    if (this.#receivingReply) {
      if (this.options.relaxed !== true) {
        throw new ZmqError("EFSM", "A REQ socket must receive the reply before sending another request (or set relaxed)");
      }
      this.#receivingReply = false;
      this.#replyPipe = null;
    }
    if (this.options.correlate !== true) return DELIMITER;
    this.#requestId = (this.#requestId + 1) >>> 0;
    const id = Buffer.allocUnsafe(4);
    id.writeUInt32BE(this.#requestId, 0);
    return [id, EMPTY];
  }

  /** The request went to `pipe` (null: no peer had room): its reply is awaited from there. */
  #sent(pipe: Pipe | null): boolean {
    if (pipe === null) return false;
    this.#replyPipe = pipe;
    this.#receivingReply = true;
    return true;
  }

  protected override xrecv(): Msg | undefined {
    if (!this.#receivingReply) {
      throw new ZmqError("EFSM", "A REQ socket must send a request before receiving");
    }
    for (;;) {
      const msg = this.fq.recv();
      if (msg === undefined) return undefined;
      // Replies from other peers, or without our envelope, are dropped (RFC 28 §REQ). Relaxed too:
      // its new request moved #replyPipe, so a late reply from the old peer is stale (as libzmq).
      if (this.#replyPipe !== null && this.fq.lastPipe !== this.#replyPipe) continue;
      let at = 0;
      if (this.options.correlate === true) {
        const id = msg[0];
        if (id === undefined || id.length !== 4 || id.readUInt32BE(0) !== this.#requestId) continue;
        at = 1;
      }
      if (msg.length < at + 2 || msg[at]!.length !== 0) continue;
      this.#receivingReply = false;
      this.#replyPipe = null;
      // The array is the socket's own (the engine made it): drop the envelope in place, no copy.
      for (let i = 0; i <= at; i++) msg.shift();
      return msg;
    }
  }

  protected override xhasIn(): boolean {
    return this.#receivingReply && this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return (!this.#receivingReply || this.options.relaxed === true) && this.lb.hasOut();
  }

  protected override xpipeTerminated(pipe: Pipe): void {
    super.xpipeTerminated(pipe);
    if (this.#replyPipe === pipe) this.#replyPipe = null;
  }
}
defineOptions(Request.prototype, Request.optionSpecs);

export interface Request {
  /** Prefix requests with an id and accept only the matching reply. */
  correlate: boolean;
  /** Allow a new request before the reply to the last one arrived. */
  relaxed: boolean;
}
