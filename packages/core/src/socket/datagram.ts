import { ZmqError } from "../errors.js";
import type { Msg } from "../pipe.js";
import { defineOptions } from "../options.js";
import { datagramDrops, parseDatagramAddress, type DatagramDrops } from "../transport/udp.js";
import { DATAGRAM_OPTIONS, type DatagramOptions } from "./datagram-options.js";
import { toMessage, type MessageLike } from "./message.js";
import { Pair } from "./pair.js";
import type { SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/**
 * DGRAM (draft): UDP datagrams over one udp:// endpoint (bound or
 * connected; either way it both sends and receives). One endpoint, as a
 * PAIR has one peer (libzmq's `dgram_t` refuses a second pipe too). Each message is two
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
export class Datagram extends Pair {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = { ...DATAGRAM_OPTIONS } as const;
  /** @internal Counters of the udp:// endpoint. */
  readonly datagramDrops: DatagramDrops = datagramDrops();

  constructor(options?: SocketOptions<Datagram>) {
    super(options, SocketType.Datagram);
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
}
defineOptions(Datagram.prototype, Datagram.optionSpecs);

export interface Datagram extends DatagramOptions {}
