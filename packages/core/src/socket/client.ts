import type { Msg, Pipe } from "../pipe.js";
import { FairQueue } from "../routing/fair-queue.js";
import { LoadBalancer } from "../routing/load-balancer.js";
import type { MessageLike } from "./message.js";
import { receiveSinglePart, singlePart } from "./single-part.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/**
 * CLIENT (draft, RFC 41): talks to SERVER peers, round-robin out and
 * fair-queued in, single-part messages. `send()` waits while no peer has
 * room (RFC 41: SHALL NOT discard).
 */
export class Client extends Socket {
  readonly #lb = new LoadBalancer();
  readonly #fq = new FairQueue();
  readonly #read = (): Msg | undefined => this.#fq.recv();
  readonly #from = (): Pipe | null => this.#fq.lastPipe;

  constructor(options?: SocketOptions<Client>) {
    super(SocketType.Client, options);
    this.sealIfExactly(Client);
  }

  /** Sends one frame to the next SERVER with room. */
  override send(message: MessageLike): Promise<void> {
    return super.send(message);
  }

  protected override outgoingMessage(message: MessageLike | MessageLike[]): Msg {
    return singlePart(message, this.socketTypeName);
  }

  protected xattachPipe(pipe: Pipe): boolean {
    this.#fq.attach(pipe);
    this.#lb.attach(pipe);
    return true;
  }
  protected xpipeTerminated(pipe: Pipe): void {
    this.#fq.terminated(pipe);
    this.#lb.terminated(pipe);
  }
  protected override xreadActivated(pipe: Pipe): void {
    this.#fq.activated(pipe);
  }
  protected override xwriteActivated(pipe: Pipe): void {
    this.#lb.activated(pipe);
  }
  protected override xsend(msg: Msg): boolean {
    return this.#lb.send(msg) !== null;
  }
  protected override lastReceivedPipe(): Pipe | null {
    return this.#fq.lastPipe;
  }
  protected override xrecv(): Msg | undefined {
    return receiveSinglePart(this.#read, this.#from, this, this.socketTypeName);
  }
  protected override xhasIn(): boolean {
    return this.#fq.hasIn();
  }
  protected override xhasOut(): boolean {
    return this.#lb.hasOut();
  }
}
