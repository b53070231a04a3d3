import { Buffer } from "../util/buffer.js";
import { ZmqError } from "../errors.js";
import type { Msg } from "../pipe.js";
import { defineOptions } from "../options.js";
import type { SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";
import { XSubscriber } from "./xsubscriber.js";
import { toFrame } from "./message.js";

/**
 * SUB (RFC 29): receives the messages whose first frame starts with one of
 * its subscriptions. Publishers filter for ZMTP 3.x peers; SUB filters again,
 * so a message never reaches the application unsubscribed.
 */
export class Subscriber extends XSubscriber {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = {
    conflate: { kind: "bool", default: false },
    invertMatching: { kind: "bool", default: false },
  } as const;

  constructor(options?: SocketOptions<Subscriber>) {
    super(options, SocketType.Subscriber);
    this.sealIfExactly(Subscriber);
  }

  /**
   * Subscribes to messages starting with any of the prefixes; with no
   * arguments, to all messages.
   */
  subscribe(...prefixes: Array<Buffer | string>): void {
    if (prefixes.length === 0) prefixes = [""];
    for (const prefix of prefixes) super.xsend([Buffer.concat([Buffer.from([1]), toFrame(prefix)])]);
  }

  /** Cancels subscriptions made with {@link subscribe}; with no arguments, the subscribe-all one. */
  unsubscribe(...prefixes: Array<Buffer | string>): void {
    if (prefixes.length === 0) prefixes = [""];
    for (const prefix of prefixes) super.xsend([Buffer.concat([Buffer.from([0]), toFrame(prefix)])]);
  }

  protected override xsend(): boolean {
    throw new ZmqError("ENOTSUP", "Subscriber sockets cannot send; use subscribe()/unsubscribe()");
  }

  protected override xrecv(): Msg | undefined {
    for (;;) {
      const msg = this.fq.recv();
      if (msg === undefined) return undefined;
      if (this.#matches(msg[0]!) !== (this.options.invertMatching === true)) return msg;
    }
  }

  #matches(data: Buffer): boolean {
    const subscriptions = this.subscriptions;
    if (subscriptions.has("")) return true;
    for (const prefix of subscriptions.keys()) {
      if (prefix.length <= data.length && data.toString("latin1", 0, prefix.length) === prefix) return true;
    }
    return false;
  }

  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }

  protected override xhasOut(): boolean {
    return false;
  }
}
defineOptions(Subscriber.prototype, Subscriber.optionSpecs);

export interface Subscriber {
  /** Keep only the last message (accepted; see docs/compat.md). */
  conflate: boolean;
  /** Receive messages that match no subscription instead. */
  invertMatching: boolean;
}
