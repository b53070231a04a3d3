import { ZmqError } from "../errors.js";
import type { Msg, Pipe } from "../pipe.js";
import { defineOptions } from "../options.js";
import { datagramDrops, parseDatagramAddress, type DatagramDrops } from "../transport/udp.js";
import { DATAGRAM_OPTIONS, type DatagramOptions } from "./datagram-options.js";
import { toMessage, type MessageLike } from "./message.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/**
 * DGRAM (draft): UDP datagrams over one udp:// endpoint (bound or
 * connected; either way it both sends and receives). Each message is two
 * frames: the address (`ip:port`) and the body. `receive()` gives where a
 * datagram came from, `send()` takes where it goes, so replying is sending
 * back what was received.
 *
 * ```ts
 * const dgram = new Datagram()
 * await dgram.bind("udp://127.0.0.1:5555")
 * for await (const [address, body] of dgram) await dgram.send([address, body])
 * ```
 */
export class Datagram extends Socket {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = { ...DATAGRAM_OPTIONS } as const;
  #pipe: Pipe | null = null;
  /** @internal Counters of the udp:// endpoint. */
  readonly datagramDrops: DatagramDrops = datagramDrops();

  constructor(options?: SocketOptions<Datagram>) {
    super(SocketType.Datagram, options);
    this.sealIfExactly(Datagram);
  }

  /** Binds a udp:// endpoint (the only transport of DGRAM: others reject with `ENOCOMPATPROTO`). */
  override bind(address: string): Promise<void> {
    try {
      this.#checkUdp(address);
    } catch (error) {
      return Promise.reject(error);
    }
    return super.bind(address);
  }

  /** Opens a udp:// endpoint as {@link bind} does (libzmq resolves a DGRAM connect as a bind). */
  override connect(address: string): void {
    this.#checkUdp(address);
    super.connect(address);
  }

  #checkUdp(address: string): void {
    if (typeof address === "string" && !address.startsWith("udp://") && /^[a-z][a-z0-9+.-]*:\/\//.test(address)) {
      throw new ZmqError("ENOCOMPATPROTO", "DGRAM sockets speak udp:// only", address);
    }
  }

  /** Sends `[address, body]`: `address` is `ip:port`. */
  override send(message: [MessageLike, MessageLike]): Promise<void> {
    return super.send(message);
  }

  /** Receives `[address, body]`: where the datagram came from, and what it carried. */
  override receive(): Promise<[Buffer, Buffer]> {
    return super.receive() as Promise<[Buffer, Buffer]>;
  }

  protected override outgoingMessage(message: MessageLike | MessageLike[]): Msg {
    const msg = toMessage(message);
    if (msg.length !== 2) throw new ZmqError("EINVAL", "A DGRAM message is two frames: the address (ip:port) and the body");
    if (parseDatagramAddress(msg[0]!) === null) throw new ZmqError("EINVAL", `Not an ip:port address: ${JSON.stringify(msg[0]!.toString("latin1"))}`);
    const max = this.option<number>("maxDatagramSize");
    if (max >= 0 && msg[1]!.length > max) throw new ZmqError("EMSGSIZE", `A datagram of ${msg[1]!.length} octets is above maxDatagramSize ${max}`);
    return msg;
  }

  protected xattachPipe(pipe: Pipe): boolean {
    // libzmq: a DGRAM socket has one peer; further endpoints are refused.
    if (this.#pipe !== null && !this.#pipe.terminated) return false;
    this.#pipe = pipe;
    return true;
  }
  protected xpipeTerminated(pipe: Pipe): void {
    if (this.#pipe === pipe) this.#pipe = null;
  }
  protected override xsend(msg: Msg): boolean {
    const pipe = this.#pipe;
    if (pipe === null || !pipe.canWrite()) return false;
    pipe.write(msg);
    return true;
  }
  protected override lastReceivedPipe(): Pipe | null {
    return this.#pipe;
  }
  protected override xrecv(): Msg | undefined {
    return this.#pipe?.read();
  }
  protected override xhasIn(): boolean {
    return this.#pipe?.hasIn() ?? false;
  }
  protected override xhasOut(): boolean {
    return this.#pipe?.canWrite() ?? false;
  }
}
defineOptions(Datagram.prototype, Datagram.optionSpecs);

export interface Datagram extends DatagramOptions {}
