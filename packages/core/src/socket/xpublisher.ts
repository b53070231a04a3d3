/**
 * XPUB (RFC 29): a publisher that also hands its subscribers' subscription
 * messages to the application (`receive()`: a frame of `\x01` + prefix to
 * subscribe, `\x00` + prefix to cancel). Messages are filtered on this side
 * by prefix (subscription trie) and dropped for subscribers at their
 * high-water mark, unless `noDrop` makes `send()` wait.
 */
import type { Msg, Pipe } from "../pipe.js";
import { Distributor } from "../routing/distributor.js";
import { SubscriptionTrie } from "../routing/subscription-trie.js";
import { defineOptions } from "../options.js";
import { Deque } from "../util/deque.js";
import { Socket, type SocketOptions } from "./socket-base.js";
import { SocketType } from "./socket-type.js";

export class XPublisher extends Socket {
  static readonly optionSpecs = {
    noDrop: { kind: "bool", default: false },
    manual: { kind: "bool", default: false },
    welcomeMessage: { kind: "string", default: null },
    invertMatching: { kind: "bool", default: false },
    conflate: { kind: "bool", default: false },
  } as const;
  protected readonly trie = new SubscriptionTrie();
  protected readonly dist = new Distributor();
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
    const welcome = this.options.welcomeMessage;
    if (typeof welcome === "string" && pipe.canWrite()) pipe.write([Buffer.from(welcome)]);
    return true;
  }

  protected xpipeTerminated(pipe: Pipe): void {
    let queued = false;
    this.trie.removePipe(pipe, (prefix) => {
      if (this.queuesSubscriptions && this.options.manual !== true) {
        this.#pending.push([Buffer.concat([Buffer.from([0]), prefix])]);
        queued = true;
      }
    });
    this.dist.terminated(pipe);
    if (this.#lastPipe === pipe) this.#lastPipe = null;
    // The cancels of a departed subscriber are messages too: wake pending receives.
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
      if (first[0] === 1) this.trie.add(prefix, this.#lastPipe);
      else this.trie.remove(prefix, this.#lastPipe);
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
}
