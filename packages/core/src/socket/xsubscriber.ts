import { Buffer } from "../util/buffer.js";
import type { Msg, Pipe } from "../pipe.js";
import { FairQueue } from "../routing/fair-queue.js";
import { pgmStatistics, type PgmStatistics } from "../transport/epgm/pgm-statistics.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/**
 * XSUB (RFC 29): a subscriber whose subscriptions are messages the
 * application sends (`\x01` + prefix, `\x00` + prefix). They go to every
 * publisher, and again to each one that connects or reconnects later.
 */
export class XSubscriber extends Socket {
  protected readonly fq = new FairQueue();
  /** What the epgm:// endpoints of this socket received and dropped (read-only counters). */
  readonly pgmStatistics: PgmStatistics = pgmStatistics();
  /** Our subscriptions, counted: prefix (latin1) to count. */
  protected readonly subscriptions = new Map<string, number>();
  readonly #publishers = new Set<Pipe>();

  constructor(options?: SocketOptions<XSubscriber>, type: SocketType = SocketType.XSubscriber) {
    super(type, options);
    this.sealIfExactly(XSubscriber);
  }

  /** @internal */
  override get sendsSubscriptions(): boolean {
    return true;
  }

  protected xattachPipe(pipe: Pipe): boolean {
    this.fq.attach(pipe);
    this.#publishers.add(pipe);
    this.#sendSubscriptions(pipe);
    return true;
  }

  protected override xhiccuped(pipe: Pipe): void {
    // A new connection: what was queued for the old one (subscriptions made meanwhile included) is
    // dropped and the whole set sent afresh, as libzmq's pipe hiccup does; else the publisher counts some twice.
    pipe.outbound.clear();
    this.#sendSubscriptions(pipe);
  }

  #sendSubscriptions(pipe: Pipe): void {
    for (const prefix of this.subscriptions.keys()) {
      const body = Buffer.allocUnsafe(1 + Buffer.byteLength(prefix, "latin1"));
      body[0] = 1;
      body.write(prefix, 1, "latin1");
      pipe.write([body]);
    }
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe);
    this.#publishers.delete(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }

  /** Sends a message upstream; subscription messages also update our own list. */
  protected override xsend(msg: Msg): boolean {
    const body = msg[0]!;
    if (msg.length === 1 && body.length > 0 && body[0]! <= 1) {
      const key = body.toString("latin1", 1);
      const count = this.subscriptions.get(key) ?? 0;
      if (body[0] === 1) {
        this.subscriptions.set(key, count + 1);
      } else {
        if (count === 0) return true;
        if (count > 1) {
          this.subscriptions.set(key, count - 1);
          return true;
        }
        this.subscriptions.delete(key);
      }
    }
    // Subscriptions always go out (libzmq ignores the HWM for them).
    for (const pipe of this.#publishers) pipe.write(msg);
    return true;
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
    return true;
  }
}
