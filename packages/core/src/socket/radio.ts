import { ZmqError } from "../errors.js";
import type { Msg, Pipe } from "../pipe.js";
import { Distributor } from "../routing/distributor.js";
import { defineOptions } from "../options.js";
import { datagramDrops, type DatagramDrops } from "../transport/udp.js";
import { DATAGRAM_OPTIONS, type DatagramOptions } from "./datagram-options.js";
import { parseGroupCommand, toGroup } from "./group.js";
import type { MessageLike } from "./message.js";
import { dropPeer, singlePart } from "./single-part.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/** What a RADIO message carries beside its frame. */
export interface RadioGroupOptions {
  /** The group: up to 255 octets; a string is UTF-8, and it ends at a zero octet (as libzmq's C string). */
  group: Buffer | string;
}

/**
 * RADIO (draft, RFC 48): sends each message to the DISH peers that joined
 * its group (over udp://, to every DISH: they filter). Never waits: a DISH
 * whose queue is full misses the message, as PUB drops.
 *
 * The groups a peer joins are bounded by {@link maxGroups}; a JOIN or
 * LEAVE that breaks RFC 48 (a group above 255 octets or with a zero octet)
 * drops that peer alone, with a `disconnect` event. Messages a DISH sends
 * are discarded (RFC 48).
 *
 * ```ts
 * const radio = new Radio()
 * radio.connect("udp://239.0.0.1:5556")
 * await radio.send("22.5", { group: "weather" })
 * ```
 */
export class Radio extends Socket {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = {
    ...DATAGRAM_OPTIONS,
    maxGroups: { kind: "int", default: 100_000, min: -1, max: Number.MAX_SAFE_INTEGER },
  } as const;
  readonly #dist = new Distributor();
  /** The pipes that joined each group (key: the group's octets as latin1). */
  readonly #groups = new Map<string, Set<Pipe>>();
  /** udp:// pipes: every group. */
  readonly #all = new Set<Pipe>();
  readonly #targets: Pipe[] = [];
  /** @internal Counters of the udp:// endpoints. */
  readonly datagramDrops: DatagramDrops = datagramDrops();

  constructor(options?: SocketOptions<Radio>) {
    super(SocketType.Radio, options);
    this.sealIfExactly(Radio);
  }

  /** Sends one frame to the group's members. */
  override send(message: MessageLike, options: RadioGroupOptions): Promise<void> {
    return super.send(message, options);
  }

  /** @internal */
  get receivesGroups(): boolean {
    return true;
  }

  protected override outgoingMessage(message: MessageLike | MessageLike[], options: unknown): Msg {
    const group = (options as Partial<RadioGroupOptions> | undefined)?.group;
    if (group === undefined || group === null) throw new TypeError("Option group must be a string or a Buffer");
    const groupBytes = toGroup(group);
    return [groupBytes, singlePart(message, this.socketTypeName)[0]!];
  }

  protected xattachPipe(pipe: Pipe): boolean {
    this.#dist.attach(pipe);
    pipe.state = new Set<string>();
    if (pipe.subscribeToAll) this.#all.add(pipe);
    else if (pipe.hasIn()) this.xreadActivated(pipe);
    return true;
  }

  protected xpipeTerminated(pipe: Pipe): void {
    this.#leaveAll(pipe);
    this.#all.delete(pipe);
    this.#dist.terminated(pipe);
  }

  #leaveAll(pipe: Pipe): void {
    const joined = pipe.state as Set<string>;
    for (const key of joined) {
      const members = this.#groups.get(key);
      members?.delete(pipe);
      if (members?.size === 0) this.#groups.delete(key);
    }
    joined.clear();
  }

  /** Applies the JOIN and LEAVE commands a DISH sent. */
  protected override xreadActivated(pipe: Pipe): void {
    let msg;
    while ((msg = pipe.read()) !== undefined) {
      // RFC 48: "SHALL silently discard any messages that dishes send it".
      if (msg.length !== 1) continue;
      let command;
      try {
        command = parseGroupCommand(msg[0]!);
      } catch (error) {
        this.#drop(pipe, error as ZmqError);
        return;
      }
      const key = command.group.toString("latin1");
      const joined = pipe.state as Set<string>;
      if (command.join) {
        if (joined.has(key)) continue;
        const max = this.option<number>("maxGroups");
        if (max >= 0 && joined.size >= max) {
          this.#drop(pipe, new ZmqError("ENOBUFS", `Peer ${pipe.peerAddress || pipe.endpoint} would join more than maxGroups ${max} groups: dropped`, pipe.endpoint));
          return;
        }
        joined.add(key);
        let members = this.#groups.get(key);
        if (members === undefined) this.#groups.set(key, (members = new Set()));
        members.add(pipe);
      } else if (joined.delete(key)) {
        const members = this.#groups.get(key)!;
        members.delete(pipe);
        if (members.size === 0) this.#groups.delete(key);
      }
    }
  }

  #drop(pipe: Pipe, error: ZmqError): void {
    this.#leaveAll(pipe);
    dropPeer(this, pipe, error);
  }

  protected override xwriteActivated(pipe: Pipe): void {
    void pipe;
  }

  protected override xsend(msg: Msg): boolean {
    const targets = this.#targets;
    targets.length = 0;
    const members = this.#groups.get(msg[0]!.toString("latin1"));
    if (members !== undefined) for (const pipe of members) targets.push(pipe);
    for (const pipe of this.#all) targets.push(pipe);
    // RFC 48: SHALL NOT block; a full queue misses the message.
    Distributor.send(msg, targets);
    targets.length = 0;
    return true;
  }

  protected override xhasOut(): boolean {
    return true;
  }
}
defineOptions(Radio.prototype, Radio.optionSpecs);

export interface Radio extends DatagramOptions {
  /**
   * Most groups one DISH peer may join (skein limit; default 100000, -1: no
   * limit). A peer going over is dropped: its connection closes with a
   * `disconnect` event carrying an `ENOBUFS` error.
   */
  maxGroups: number;
}
