import { ProtocolError, ZmqError } from "../errors.js";
import type { Msg, Pipe } from "../pipe.js";
import { FairQueue } from "../routing/fair-queue.js";
import { defineOptions } from "../options.js";
import { datagramDrops, type DatagramDrops } from "../transport/udp.js";
import { DATAGRAM_OPTIONS, type DatagramOptions } from "./datagram-options.js";
import { GROUP_MAX_LENGTH, groupCommand, toGroup } from "./group.js";
import { dropPeer } from "./single-part.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";
import type { DraftMessage } from "./single-part.js";

/** What a DISH message carries beside its frame. */
export interface DishGroupOptions {
  /** The group the RADIO sent the message to. */
  group: Buffer;
}

/**
 * DISH (draft, RFC 48): receives the messages of the groups it joined, each
 * with its group. {@link join} and {@link leave} take effect at once: the
 * DISH tells its RADIO peers (JOIN/LEAVE commands over ZMTP) and filters
 * what arrives (udp:// carries every group). `linger` defaults to 0, as in
 * libzmq: pending JOINs are not worth waiting for at close.
 *
 * A RADIO peer that sends anything but `[group, body]` (RFC 37's two
 * frames, the group of at most 255 octets without a zero octet) is dropped
 * alone, with a `disconnect` event.
 *
 * ```ts
 * const dish = new Dish()
 * await dish.bind("udp://*:5556")
 * dish.join("weather")
 * const [msg, { group }] = await dish.receive()
 * ```
 */
export class Dish extends Socket {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = { ...DATAGRAM_OPTIONS } as const;
  readonly #fq = new FairQueue();
  readonly #pipes = new Set<Pipe>();
  /** Joined groups (key: the group's octets as latin1). */
  readonly #joined = new Set<string>();
  /** A matching message taken while answering `readable`. */
  #prefetched: Msg | undefined = undefined;
  /** What the udp:// endpoints of this socket dropped, by cause (read-only counters). */
  readonly datagramDrops: DatagramDrops = datagramDrops();
  /** See {@link DatagramOptions.maxDatagramSize}. */
  declare maxDatagramSize: DatagramOptions["maxDatagramSize"];
  /** See {@link DatagramOptions.maxNewSendersPerSecond}. */
  declare maxNewSendersPerSecond: DatagramOptions["maxNewSendersPerSecond"];

  constructor(options?: SocketOptions<Dish>) {
    super(SocketType.Dish, options);
    if (options?.linger === undefined) this.options.linger = 0;
    this.sealIfExactly(Dish);
  }

  /**
   * Joins groups (strings are UTF-8; a group ends at a zero octet, as
   * libzmq's C string). `EINVAL` for a group above 255 octets or one joined
   * already.
   */
  join(...values: Array<Buffer | string>): void {
    for (const value of values) {
      const group = toGroup(value);
      const key = group.toString("latin1");
      if (this.#joined.has(key)) throw new ZmqError("EINVAL", `Group ${JSON.stringify(key)} is joined already`);
      this.#joined.add(key);
      this.#tellAll(true, group);
    }
  }

  /** Leaves groups joined before; `EINVAL` for one not joined. */
  leave(...values: Array<Buffer | string>): void {
    for (const value of values) {
      const group = toGroup(value);
      const key = group.toString("latin1");
      if (!this.#joined.delete(key)) throw new ZmqError("EINVAL", `Group ${JSON.stringify(key)} is not joined`);
      this.#tellAll(false, group);
    }
  }

  /** Receives the next message of a joined group, and its group. */
  override receive(): Promise<DraftMessage<DishGroupOptions>> {
    return super.receive() as Promise<DraftMessage<DishGroupOptions>>;
  }

  override [Symbol.asyncIterator](): AsyncIterableIterator<DraftMessage<DishGroupOptions>> & AsyncIterator<DraftMessage<DishGroupOptions>, undefined> {
    return super[Symbol.asyncIterator]() as AsyncIterableIterator<DraftMessage<DishGroupOptions>> & AsyncIterator<DraftMessage<DishGroupOptions>, undefined>;
  }

  /** @internal */
  get sendsGroups(): boolean {
    return true;
  }

  /** JOIN and LEAVE are commands, not data: they go out whatever the high-water mark. */
  #tellAll(join: boolean, group: Buffer): void {
    for (const pipe of this.#pipes) if (!pipe.subscribeToAll) pipe.write(groupCommand(join, group));
  }

  #sendJoined(pipe: Pipe): void {
    if (pipe.subscribeToAll) return;
    for (const key of this.#joined) pipe.write(groupCommand(true, Buffer.from(key, "latin1")));
  }

  protected xattachPipe(pipe: Pipe): boolean {
    this.#pipes.add(pipe);
    this.#fq.attach(pipe);
    this.#sendJoined(pipe);
    return true;
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.#pipes.delete(pipe);
    this.#fq.terminated(pipe);
  }

  protected override xhiccuped(pipe: Pipe): void {
    this.#sendJoined(pipe);
  }

  protected override xreadActivated(pipe: Pipe): void {
    this.#fq.activated(pipe);
  }

  protected override lastReceivedPipe(): Pipe | null {
    return this.#fq.lastPipe;
  }

  protected override xrecv(): Msg | undefined {
    const ready = this.#prefetched;
    if (ready !== undefined) {
      this.#prefetched = undefined;
      return ready;
    }
    for (;;) {
      const msg = this.#fq.recv();
      if (msg === undefined) return undefined;
      const group = msg[0]!;
      if (msg.length !== 2 || group.length > GROUP_MAX_LENGTH || group.indexOf(0) >= 0) {
        const pipe = this.#fq.lastPipe;
        if (pipe !== null) {
          dropPeer(this, pipe, new ProtocolError("ERR_ZMTP_UNSPECIFIED", `A RADIO peer sent a message of ${msg.length} parts (RFC 48 over ZMTP: a group of at most ${GROUP_MAX_LENGTH} octets, then the body)`));
        }
        continue;
      }
      // Over udp:// (and from a RADIO that sends everything) the DISH filters: exact match, RFC 48.
      if (!this.#joined.has(group.toString("latin1"))) continue;
      return [msg[1]!, { group: Buffer.from(group) }] as unknown as Msg;
    }
  }

  protected override xhasIn(): boolean {
    if (this.#prefetched !== undefined) return true;
    this.#prefetched = this.xrecv();
    return this.#prefetched !== undefined;
  }
}
defineOptions(Dish.prototype, Dish.optionSpecs);

