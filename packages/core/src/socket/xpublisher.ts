import { Buffer } from "../util/buffer.js";
import { ZmqError } from "../errors.js";
import type { Msg, Pipe } from "../pipe.js";
import { Distributor } from "../routing/distributor.js";
import { SubscriptionTrie } from "../routing/subscription-trie.js";
import { defineOptions } from "../options.js";
import { pgmStatistics, type PgmStatistics } from "../transport/epgm/pgm-statistics.js";
import { Deque } from "../util/deque.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

/**
 * XPUB (RFC 29): a publisher that also hands its subscribers' subscription
 * messages to the application (`receive()`: a frame of `\x01` + prefix to
 * subscribe, `\x00` + prefix to cancel). Messages are filtered on this side
 * by prefix (subscription trie) and dropped for subscribers at their
 * high-water mark, unless `noDrop` makes `send()` wait.
 *
 * Subscriptions are chosen by peers, so each peer may hold at most
 * `maxSubscriptions` distinct prefixes of `maxSubscriptionBytes` bytes in all
 * (skein limits; libzmq has none). A peer going over is dropped like a peer
 * sending a frame over `maxMessageSize`: its connection is closed, a
 * `disconnect` event carries an `ENOBUFS` error, and its subscriptions are
 * cancelled (XPUB hands the cancels on, as when any subscriber leaves).
 */
export class XPublisher extends Socket {
  /** @internal The options of this socket type: names, defaults, checks. */
  static readonly optionSpecs = {
    noDrop: { kind: "bool", default: false },
    manual: { kind: "bool", default: false },
    welcomeMessage: { kind: "string", default: null },
    invertMatching: { kind: "bool", default: false },
    conflate: { kind: "bool", default: false },
    maxSubscriptions: { kind: "int", default: 100_000, min: -1, max: Number.MAX_SAFE_INTEGER },
    maxSubscriptionBytes: { kind: "int", default: 16 * 1024 * 1024, min: -1, max: Number.MAX_SAFE_INTEGER },
  } as const;
  protected readonly trie = new SubscriptionTrie();
  protected readonly dist = new Distributor();
  /** What the epgm:// endpoints of this socket sent, received and dropped (read-only counters). */
  readonly pgmStatistics: PgmStatistics = pgmStatistics();
  /** Subscription messages for the application. */
  #pending = new Deque<Msg>();
  #verbose: "none" | "allSubs" | "allSubsUnsubs" = "none";
  #lastPipe: Pipe | null = null;
  #targets: Pipe[] = [];
  readonly #collect = (pipe: Pipe): void => {
    this.#targets.push(pipe);
  };

  constructor(options?: SocketOptions<XPublisher>, type: SocketType = SocketType.XPublisher) {
    super(type, options);
    this.sealIfExactly(XPublisher);
  }

  /** Which subscriptions reach `receive()`: first ones only (null), all, or all plus cancels. */
  set verbosity(value: null | "allSubs" | "allSubsUnsubs") {
    if (value !== null && value !== "allSubs" && value !== "allSubsUnsubs") {
      throw new TypeError(`verbosity must be null, "allSubs" or "allSubsUnsubs"`);
    }
    this.#verbose = value ?? "none";
  }

  /** @internal */
  override get receivesSubscriptions(): boolean {
    return true;
  }

  /** Whether subscription messages are kept for `receive()` (XPUB yes, PUB no). */
  protected get queuesSubscriptions(): boolean {
    return true;
  }

  protected xattachPipe(pipe: Pipe): boolean {
    this.dist.attach(pipe);
    // A multicast pipe (epgm://) sends no subscriptions: it takes every message, as libzmq's.
    if (pipe.subscribeToAll) this.trie.add(Buffer.alloc(0), pipe);
    const welcome = this.options.welcomeMessage;
    if (typeof welcome === "string" && pipe.canWrite()) pipe.write([Buffer.from(welcome)]);
    return true;
  }

  protected xpipeTerminated(pipe: Pipe): void {
    const queued = this.#cancelAll(pipe);
    this.dist.terminated(pipe);
    if (this.#lastPipe === pipe) this.#lastPipe = null;
    // The cancels of a departed subscriber are messages too: wake pending receives.
    if (queued) this.tryReceive();
  }

  /** Removes every subscription of a pipe; returns true if cancels were queued for the application. */
  #cancelAll(pipe: Pipe): boolean {
    if (!this.queuesSubscriptions || this.options.manual === true) {
      // Nobody reads the cancels (PUB, manual XPUB): the prefixes need not be rebuilt.
      this.trie.removePipe(pipe);
      return false;
    }
    let queued = false;
    this.trie.removePipe(pipe, (prefix) => {
      const cancel = Buffer.allocUnsafe(1 + prefix.length);
      cancel[0] = 0;
      prefix.copy(cancel, 1);
      this.#pending.push([cancel]);
      queued = true;
    });
    return queued;
  }

  /**
   * Whether subscribing `pipe` to `prefix` would take it over
   * `maxSubscriptions` or `maxSubscriptionBytes`. A prefix it holds already
   * only gains a count and costs nothing.
   */
  #overLimit(prefix: Buffer, pipe: Pipe): ZmqError | null {
    const maxCount = this.option<number>("maxSubscriptions");
    const maxBytes = this.option<number>("maxSubscriptionBytes");
    const held = this.trie.held(pipe);
    const count = held.subscriptions + 1;
    const bytes = held.bytes + prefix.length;
    if ((maxCount < 0 || count <= maxCount) && (maxBytes < 0 || bytes <= maxBytes)) return null;
    if (this.trie.has(prefix, pipe)) return null;
    const what = maxCount >= 0 && count > maxCount ? `${count} subscriptions, above maxSubscriptions ${maxCount}` : `${bytes} bytes of subscriptions, above maxSubscriptionBytes ${maxBytes}`;
    return new ZmqError("ENOBUFS", `Peer ${pipe.peerAddress || pipe.endpoint} would hold ${what}: dropped`, pipe.endpoint);
  }

  /** Drops a peer that went over a subscription limit (see the class comment). */
  #dropPeer(pipe: Pipe, error: ZmqError): void {
    const queued = this.#cancelAll(pipe);
    if (!pipe.abort(error)) this.emitEvent("disconnect", pipe.endpoint, { error });
    // What the peer sent after the subscription that broke the limit is not applied.
    while (pipe.read() !== undefined);
    if (queued) this.tryReceive();
  }

  /** Reads the subscriptions a subscriber sent. */
  protected override xreadActivated(pipe: Pipe): void {
    let msg;
    let queued = false;
    while ((msg = pipe.read()) !== undefined) {
      const body = msg[0]!;
      if (msg.length !== 1 || body.length === 0 || body[0]! > 1) {
        // Not a subscription: XPUB hands it on to the application as is.
        if (this.queuesSubscriptions) {
          this.#pending.push(msg);
          queued = true;
        }
        continue;
      }
      const subscribe = body[0] === 1;
      const prefix = body.subarray(1);
      this.#lastPipe = pipe;
      if (this.options.manual === true) {
        if (this.queuesSubscriptions) {
          this.#pending.push(msg);
          queued = true;
        }
        continue;
      }
      if (subscribe) {
        const error = this.#overLimit(prefix, pipe);
        if (error !== null) {
          this.#dropPeer(pipe, error);
          break;
        }
      }
      const changed = subscribe ? this.trie.add(prefix, pipe) : this.trie.remove(prefix, pipe);
      const verbose = subscribe ? this.#verbose !== "none" : this.#verbose === "allSubsUnsubs";
      if (this.queuesSubscriptions && (changed || verbose)) {
        this.#pending.push(msg);
        queued = true;
      }
    }
    if (queued) this.tryReceive();
  }

  protected override xsend(msg: Msg): boolean {
    const first = msg[0]!;
    if (this.options.manual === true && msg.length === 1 && first.length > 0 && first[0]! <= 1 && this.#lastPipe !== null) {
      // Manual mode: the application sets the last subscriber's subscriptions.
      const prefix = first.subarray(1);
      const pipe = this.#lastPipe;
      if (first[0] !== 1) {
        this.trie.remove(prefix, pipe);
        return true;
      }
      const error = this.#overLimit(prefix, pipe);
      if (error === null) this.trie.add(prefix, pipe);
      else this.#dropPeer(pipe, error);
      return true;
    }
    const targets = this.#targets;
    targets.length = 0;
    if (this.options.invertMatching === true) {
      const matched = new Set<Pipe>();
      this.trie.match(first, (pipe) => matched.add(pipe));
      for (const pipe of this.dist.pipes) if (!matched.has(pipe)) targets.push(pipe);
    } else {
      this.trie.match(first, this.#collect);
    }
    if (this.options.noDrop === true && !Distributor.allWritable(targets)) return false;
    Distributor.send(msg, targets);
    targets.length = 0;
    return true;
  }

  protected override xwriteActivated(pipe: Pipe): void {
    void pipe;
  }

  protected override xrecv(): Msg | undefined {
    return this.#pending.shift();
  }

  protected override xhasIn(): boolean {
    return this.#pending.length > 0;
  }

  protected override xhasOut(): boolean {
    return true;
  }
}
defineOptions(XPublisher.prototype, XPublisher.optionSpecs);

export interface XPublisher {
  /** Make `send()` wait when a matching subscriber is at its high-water mark, instead of dropping. */
  noDrop: boolean;
  /** Subscriptions are not applied automatically: the application sends them back (see docs). */
  manual: boolean;
  /** A message sent to every new subscriber when it connects. */
  welcomeMessage: string | null;
  /** Send to subscribers whose subscriptions do NOT match. */
  invertMatching: boolean;
  /** Keep only the last message (accepted; see docs/compat.md). */
  conflate: boolean;
  /**
   * Most distinct subscriptions one peer may hold (skein limit; default
   * 100000, -1: no limit). A peer going over is dropped: its connection
   * closes with a `disconnect` event carrying an `ENOBUFS` error, and its
   * subscriptions are cancelled. Subscribing again to a prefix it holds
   * only raises a count and is not limited.
   */
  maxSubscriptions: number;
  /**
   * Most bytes of subscription prefixes one peer may hold, its distinct
   * prefixes added up (skein limit; default 16 MiB, -1: no limit). Going over
   * drops the peer as {@link maxSubscriptions} does.
   */
  maxSubscriptionBytes: number;
}
