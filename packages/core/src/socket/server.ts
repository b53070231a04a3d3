import { ZmqError } from "../errors.js";
import type { Msg, Pipe } from "../pipe.js";
import { FairQueue } from "../routing/fair-queue.js";
import type { MessageLike } from "./message.js";
import { receiveSinglePart, singlePart } from "./single-part.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";
import type { DraftMessage } from "./single-part.js";

/** What a SERVER (or PEER) message carries beside its frame: the peer it comes from or goes to. */
export interface ServerRoutingOptions {
  /** The peer's routing id: a non-zero 32-bit unsigned integer (RFC 41). */
  routingId: number;
}

/** A queued outgoing message and the routing id `send()` was given. */
interface RoutedMsg extends Msg {
  routingId: number;
}

/**
 * SERVER (draft, RFC 41): talks to any number of CLIENT peers. Each peer gets
 * a routing id, a non-zero 32-bit number (libzmq starts at a random one and
 * counts up); `receive()` gives it with each message and `send()` takes it.
 * Messages are single-part.
 *
 * `send()` to a routing id no peer has rejects with `EHOSTUNREACH`; to a
 * peer whose queue is full it waits (RFC 41: SHALL block, SHALL NOT discard).
 *
 * ```ts
 * const server = new Server()
 * await server.bind("tcp://127.0.0.1:5555")
 * for await (const [msg, { routingId }] of server) await server.send(msg, { routingId })
 * ```
 */
export class Server extends Socket {
  readonly #fq = new FairQueue();
  readonly #read = (): Msg | undefined => this.#fq.recv();
  readonly #from = (): Pipe | null => this.#fq.lastPipe;
  readonly #byId = new Map<number, Pipe>();
  #nextId = (Math.random() * 0xffffffff) >>> 0;

  constructor(options?: SocketOptions<Server>, type: SocketType = SocketType.Server) {
    super(type, options);
    this.sealIfExactly(Server);
  }

  /** Sends one frame to the peer `routingId` names. */
  override send(message: MessageLike, options: ServerRoutingOptions): Promise<void> {
    return super.send(message, options);
  }

  /** Receives the next message and the routing id of the peer it came from. */
  override receive(): Promise<DraftMessage<ServerRoutingOptions>> {
    return super.receive() as Promise<DraftMessage<ServerRoutingOptions>>;
  }

  override [Symbol.asyncIterator](): AsyncIterableIterator<DraftMessage<ServerRoutingOptions>> & AsyncIterator<DraftMessage<ServerRoutingOptions>, undefined> {
    return super[Symbol.asyncIterator]() as AsyncIterableIterator<DraftMessage<ServerRoutingOptions>> & AsyncIterator<DraftMessage<ServerRoutingOptions>, undefined>;
  }

  protected override outgoingMessage(message: MessageLike | MessageLike[], options: unknown): Msg {
    const routingId = (options as Partial<ServerRoutingOptions> | undefined)?.routingId;
    if (typeof routingId !== "number" || !Number.isInteger(routingId) || routingId < 1 || routingId > 0xffffffff) {
      throw new TypeError("Option routingId must be a non-zero 32-bit unsigned integer");
    }
    const msg = singlePart(message, this.socketTypeName) as RoutedMsg;
    msg.routingId = routingId;
    return msg;
  }

  /** @internal The routing id of a pipe attached to this socket. */
  protected routingIdOf(pipe: Pipe): number {
    return pipe.state as number;
  }

  protected xattachPipe(pipe: Pipe): boolean {
    let id = this.#nextId;
    do id = id === 0xffffffff ? 1 : id + 1;
    while (this.#byId.has(id));
    this.#nextId = id;
    pipe.state = id;
    this.#byId.set(id, pipe);
    this.#fq.attach(pipe);
    return true;
  }

  protected xpipeTerminated(pipe: Pipe): void {
    if (this.#byId.get(pipe.state as number) === pipe) this.#byId.delete(pipe.state as number);
    this.#fq.terminated(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.#fq.activated(pipe);
  }

  protected override xsend(msg: Msg): boolean {
    const routingId = (msg as RoutedMsg).routingId;
    const pipe = this.#byId.get(routingId);
    if (pipe === undefined) throw new ZmqError("EHOSTUNREACH", `No peer with routing id ${routingId}`);
    if (!pipe.canWrite()) return false;
    pipe.write([msg[0]!]);
    return true;
  }

  protected override lastReceivedPipe(): Pipe | null {
    return this.#fq.lastPipe;
  }

  protected override xrecv(): Msg | undefined {
    const msg = receiveSinglePart(this.#read, this.#from, this, this.socketTypeName);
    if (msg === undefined) return undefined;
    return [msg[0]!, { routingId: this.#fq.lastPipe!.state as number }] as unknown as Msg;
  }

  protected override xhasIn(): boolean {
    return this.#fq.hasIn();
  }

  protected override xhasOut(): boolean {
    // libzmq: a SERVER can always try; the routing id decides.
    return true;
  }
}
