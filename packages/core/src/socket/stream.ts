import { Buffer } from "../util/buffer.js";
import type * as net from "node:net";
import { ZmqError } from "../errors.js";
import { defineOptions } from "../options.js";
import type { Msg, Pipe } from "../pipe.js";
import { FairQueue } from "../routing/fair-queue.js";
import { RoutingIds } from "../routing/routing-ids.js";
import { RawEngine } from "../transport/raw-engine.js";
import type { StreamEngine, StreamSession } from "../transport/stream.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

const EMPTY = Buffer.alloc(0);

/**
 * STREAM (libzmq `ZMQ_STREAM`): talks to plain TCP (or ipc) peers that do
 * not speak ZMTP: no greeting, no framing. Every message is two frames, the
 * peer's routing id and the bytes:
 * - received: `[routingId, data]` for each chunk read from that peer; with
 *   `notify` (the default) `[routingId, ""]` when a peer connects and again
 *   when it disconnects;
 * - sent: `[routingId, data]` writes the bytes to that peer;
 *   `[routingId, ""]` closes that peer's connection.
 *
 * Routing ids are generated as ROUTER does (a zero byte and a 32-bit
 * counter), or given with `connect(address, { routingId })`.
 *
 * ```ts
 * const server = new Stream()
 * await server.bind("tcp://127.0.0.1:8080")
 * for await (const [id, data] of server) {
 *   if (data.length === 0) continue // connect or disconnect
 *   await server.send([id, "HTTP/1.0 200 OK\r\n\r\nhello"])
 *   await server.send([id, ""])
 * }
 * ```
 */
export class Stream extends Socket {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = {
    notify: { kind: "bool", default: true },
  } as const;
  #fq = new FairQueue();
  /** Pipes by routing id (latin1 string of the id bytes). */
  #ids = new RoutingIds();

  constructor(options?: SocketOptions<Stream>) {
    super(SocketType.Stream, options);
    this.sealIfExactly(Stream);
  }

  /**
   * Connects to a raw TCP (or ipc) peer; `routingId` names the peer in the
   * messages of this connection instead of a generated id.
   */
  override connect(address: string, options?: { routingId?: string | Buffer }): void {
    if (address.startsWith("inproc://")) {
      throw new ZmqError("EPROTONOSUPPORT", "STREAM sockets talk raw TCP or ipc; inproc:// has no byte stream", address);
    }
    super.connect(address, options);
  }

  /** STREAM cannot bind inproc:// (there is no byte stream to carry). */
  override async bind(address: string): Promise<void> {
    if (address.startsWith("inproc://")) {
      throw new ZmqError("EPROTONOSUPPORT", "STREAM sockets talk raw TCP or ipc; inproc:// has no byte stream", address);
    }
    return super.bind(address);
  }

  /** @internal Raw engines: no ZMTP on STREAM connections. */
  createEngine(stream: net.Socket, session: StreamSession, endpoint: string, peer: string): StreamEngine {
    const engine = new RawEngine(stream, session, endpoint, peer, this.option<boolean>("notify"));
    engine.start();
    return engine;
  }

  protected override routesByIdentity(): boolean {
    return true;
  }

  protected xattachPipe(pipe: Pipe): boolean {
    let id = pipe.routingId;
    if (id === null || id.length === 0) {
      id = this.#ids.generate();
    } else if (this.#ids.has(id)) {
      return false;
    }
    pipe.routingId = id;
    this.#ids.set(id, pipe);
    this.#fq.attach(pipe);
    return true;
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.#ids.remove(pipe);
    this.#fq.terminated(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.#fq.activated(pipe);
  }

  protected override xsend(msg: Msg): boolean {
    if (msg.length !== 2) {
      throw new ZmqError("EINVAL", "A STREAM message is exactly two frames: the peer's routing id and the bytes");
    }
    const pipe = this.#ids.get(msg[0]!);
    // libzmq: a STREAM send to an unknown peer fails with EHOSTUNREACH.
    if (pipe === undefined) throw new ZmqError("EHOSTUNREACH", `No peer with routing id ${msg[0]!.toString("hex")}`);
    if (msg[1]!.length === 0) {
      // An empty frame closes the connection after what was queued before it is written.
      pipe.terminate(-1);
      this.pipeTerminated(pipe);
      return true;
    }
    if (!pipe.canWrite()) return false;
    pipe.write([msg[1]!]);
    return true;
  }

  protected override xrecv(): Msg | undefined {
    const msg = this.#fq.recv();
    if (msg === undefined) return undefined;
    msg.unshift(this.#fq.lastPipe?.routingId ?? EMPTY);
    return msg;
  }

  protected override xhasIn(): boolean {
    return this.#fq.hasIn();
  }

  protected override xhasOut(): boolean {
    for (const pipe of this.#ids.routes.values()) if (pipe.canWrite()) return true;
    return false;
  }
}
defineOptions(Stream.prototype, Stream.optionSpecs);

export interface Stream {
  /** Deliver an empty message when a peer connects or disconnects (libzmq `ZMQ_STREAM_NOTIFY`). Default true. */
  notify: boolean;
}
