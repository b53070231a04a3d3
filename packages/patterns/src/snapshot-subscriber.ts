/**
 * SnapshotSubscriber: the late joiner's side of {@link SnapshotPublisher}.
 * On start it subscribes first (live updates are held back meanwhile), then
 * fetches the snapshot, delivers it, then delivers the held-back and later
 * live updates, dropping those whose sequence number is not above the
 * topic's snapshot sequence: every update exactly once, in order per topic.
 *
 * Slow subscribers: live updates wait in a bounded queue (`maxQueue`); the
 * oldest are dropped when it is full, and sequence gaps (updates the
 * publisher dropped at its high-water mark) are detected: both reported
 * through `onDrop`.
 */
import { cancelScheduled, randomBytes, schedule, type Scheduled } from "./util/runtime.js";
import { Bytes, Context, Dealer, Subscriber } from "@skein/core";
import type { ResolveOptions } from "./discovery/endpoint-set.js";
import { SocketEndpoints } from "./discovery/socket-endpoints.js";
import { PatternError, checkNumber } from "./errors.js";
import { END, FRAME, KEY_VALUE, TOKEN_PREFIX } from "./snapshot-protocol.js";
import { BoundedQueue } from "./util/bounded-queue.js";
import { decodeU32, decodeU64 } from "./util/codec.js";

/** Where an update came from. */
export interface UpdateInfo {
  /** The topic's sequence number of this value. */
  sequence: number;
  /** True for values from the snapshot, false for live updates. */
  snapshot: boolean;
}

/** A snapshot subscriber's handler. */
export type UpdateHandler = (frames: Buffer[], topic: string, info: UpdateInfo) => void | Promise<void>;

/** A report of lost updates. */
export interface LossReport {
  /** `slow-handler`: dropped from our full queue; `gap`: never arrived (the publisher dropped them). */
  reason: "slow-handler" | "gap";
  /** Updates lost in this report. */
  dropped: number;
  /** For `gap`: the topic. */
  topic?: string;
}

/** Options of {@link SnapshotSubscriber}. */
export interface SnapshotSubscriberOptions {
  /**
   * Live endpoints (publisher or forwarder). `tcp+dns://name:port` or
   * `tcp+srv://name` connects to every instance DNS names and follows them
   * (see `resolve`); each topic must still come from one publisher (its
   * sequence numbers are that publisher's).
   */
  connect: string[];
  /** The publisher's snapshot endpoint(s); a `+dns`/`+srv` name is resolved once, and the request goes to one of its addresses. */
  snapshot: string[];
  /** How `+dns`/`+srv` endpoints are resolved and kept current. */
  resolve?: ResolveOptions;
  /** Context of the sockets (default: `@skein/core`'s shared context). */
  context?: Context;
  /** Updates buffered for slow handlers. Default 10000. */
  maxQueue?: number;
  /** Milliseconds to wait for the snapshot before `start()` rejects with ETIMEDOUT. Default 5000. */
  snapshotTimeout?: number;
  /** Lost updates, batched per turn of the event loop for slow handlers. */
  onDrop?: (report: LossReport) => void;
  /** Called with a handler's error. */
  onError?: (error: unknown, topic: string) => void;
  /** Messages the SUB socket queues per publisher (default 1000). */
  receiveHighWaterMark?: number;
}

interface Update {
  topic: string;
  sequence: number;
  frames: Buffer[];
  snapshot: boolean;
}

/**
 * A late-joining subscriber: snapshot first, then live.
 *
 * ```ts
 * const sub = new SnapshotSubscriber({ connect: [liveEndpoint], snapshot: [snapshotEndpoint] })
 * sub.subscribe("price.", (frames, topic, { snapshot }) => console.log(topic, snapshot))
 * await sub.start()   // resolves once the snapshot is delivered
 * ```
 */
export class SnapshotSubscriber {
  readonly #options: SnapshotSubscriberOptions;
  readonly #handlers = new Map<string, UpdateHandler[]>();
  readonly #queue: BoundedQueue<Update>;
  /** Last sequence delivered or skipped per topic. */
  readonly #sequences = new Map<string, number>();
  /** Updates dropped from our queue per topic, not yet matched to a sequence gap. */
  readonly #droppedPerTopic = new Map<string, number>();
  #socket: Subscriber | null = null;
  #connections: SocketEndpoints | null = null;
  #loop: Promise<void> | null = null;
  #synced = false;
  #pumping = false;
  #unreported = 0;
  #report: Scheduled | null = null;
  #gaps = 0;
  #malformed = 0;
  #errors = 0;
  #closed = false;

  constructor(options: SnapshotSubscriberOptions) {
    if (options === null || typeof options !== "object" || !Array.isArray(options.connect) || !Array.isArray(options.snapshot) || options.snapshot.length === 0) {
      throw new PatternError("EINVAL", "SnapshotSubscriber needs options.connect and options.snapshot endpoints");
    }
    checkNumber("maxQueue", options.maxQueue, 1);
    checkNumber("snapshotTimeout", options.snapshotTimeout, 1);
    this.#options = options;
    this.#queue = new BoundedQueue(options.maxQueue ?? 10_000);
  }

  /** Updates dropped because handlers fell behind. */
  get dropped(): number {
    return this.#queue.dropped;
  }

  /** Live messages without an 8-byte sequence frame (not a snapshot publisher's): dropped. */
  get malformed(): number {
    return this.#malformed;
  }

  /** Updates missing from the live stream (sequence gaps). */
  get gaps(): number {
    return this.#gaps;
  }

  /** Updates waiting for a handler now. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Handlers that threw or rejected (each error also goes to `onError`). */
  get errors(): number {
    return this.#errors;
  }

  /** Calls `handler` for every topic starting with `prefix`. Call before {@link start}. */
  subscribe(prefix: string, handler: UpdateHandler): void {
    if (typeof prefix !== "string" || prefix.startsWith("\u0000")) throw new PatternError("EINVAL", "A prefix must be a string not starting with NUL");
    if (typeof handler !== "function") throw new PatternError("EINVAL", "subscribe() needs a handler function");
    if (this.#socket !== null) throw new PatternError("EINVAL", "Subscribe before start(): the snapshot covers the prefixes known then");
    const list = this.#handlers.get(prefix) ?? [];
    list.push(handler);
    this.#handlers.set(prefix, list);
  }

  /** Subscribes, fetches and delivers the snapshot, then goes live. Resolves once the snapshot is delivered. */
  async start(): Promise<void> {
    if (this.#closed) throw new PatternError("ECLOSED", "SnapshotSubscriber is closed");
    if (this.#socket !== null) throw new PatternError("EINVAL", "SnapshotSubscriber already started");
    const o = this.#options;
    const context = o.context === undefined ? {} : { context: o.context };
    const prefixes = [...this.#handlers.keys()];
    const token = randomBytes(12).toString("hex");
    const live = new Subscriber({ linger: 0, receiveHighWaterMark: o.receiveHighWaterMark ?? 1000, ...context });
    this.#socket = live;
    // Real subscriptions first, the token last: the publisher seeing the token means all are in effect.
    for (const prefix of prefixes) live.subscribe(prefix);
    live.subscribe(TOKEN_PREFIX + token);
    this.#loop = this.#receiveLoop(live);
    const snapshot = new Dealer({ linger: 0, receiveTimeout: o.snapshotTimeout ?? 5000, ...context });
    let snapshotEndpoints: SocketEndpoints | undefined;
    try {
      this.#connections = new SocketEndpoints(live, o.connect, o.resolve);
      await this.#connections.start();
      snapshotEndpoints = new SocketEndpoints(snapshot, o.snapshot, o.resolve);
      await snapshotEndpoints.start();
      await snapshot.send([FRAME.SNAPSHOT, Bytes.from(token), ...prefixes.map((p) => Bytes.from(p))]);
      const values: Update[] = [];
      for (;;) {
        const message = await snapshot.receive();
        const command = message[0];
        if (command?.length === 1 && command[0] === END) {
          if (decodeU32(message[1]) !== values.length) throw new PatternError("EPROTO", "Snapshot ended with a wrong count");
          break;
        }
        const sequence = decodeU64(message[2]);
        if (command?.length !== 1 || command[0] !== KEY_VALUE || message[1] === undefined || sequence === undefined) {
          throw new PatternError("EPROTO", "Malformed snapshot message");
        }
        values.push({ topic: message[1].toString(), sequence, frames: message.slice(3), snapshot: true });
      }
      for (const value of values) {
        this.#sequences.set(value.topic, value.sequence);
        await this.#deliver(value);
      }
    } catch (error) {
      await this.close();
      if ((error as { code?: string }).code === "EAGAIN") {
        throw new PatternError("ETIMEDOUT", `No snapshot from ${o.snapshot.join(", ")} within ${o.snapshotTimeout ?? 5000} ms`, { cause: error });
      }
      throw error;
    } finally {
      snapshotEndpoints?.close();
      snapshot.close();
    }
    live.unsubscribe(TOKEN_PREFIX + token);
    this.#synced = true;
    if (!this.#pumping) void this.#pump();
  }

  /** Stops receiving and closes the sockets; queued updates are dropped. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.clear();
    if (this.#report !== null) cancelScheduled(this.#report);
    this.#connections?.close();
    this.#socket?.close();
    await this.#loop;
  }

  async #receiveLoop(socket: Subscriber): Promise<void> {
    for (;;) {
      let message: Buffer[];
      try {
        message = await socket.receive();
      } catch {
        return;
      }
      const sequence = decodeU64(message[1]);
      if (sequence === undefined) {
        this.#malformed++; // not a snapshot publisher's update: dropped
        continue;
      }
      const lost = this.#queue.push({ topic: message[0]!.toString(), sequence, frames: message.slice(2), snapshot: false });
      if (lost !== undefined) {
        this.#droppedPerTopic.set(lost.topic, (this.#droppedPerTopic.get(lost.topic) ?? 0) + 1);
        this.#dropped();
      }
      if (this.#synced && !this.#pumping) void this.#pump();
    }
  }

  #dropped(): void {
    this.#unreported++;
    if (this.#report !== null) return;
    this.#report = schedule(() => {
      this.#report = null;
      const dropped = this.#unreported;
      this.#unreported = 0;
      this.#options.onDrop?.({ reason: "slow-handler", dropped });
    });
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    let update: Update | undefined;
    while (!this.#closed && (update = this.#queue.shift()) !== undefined) {
      const last = this.#sequences.get(update.topic) ?? 0;
      if (update.sequence <= last) continue; // already in the snapshot (or a duplicate)
      this.#sequences.set(update.topic, update.sequence);
      // Part of a gap may be our own slow-handler drops, already reported: count only what never arrived.
      const known = this.#droppedPerTopic.get(update.topic) ?? 0;
      const skipped = update.sequence - last - 1;
      const missing = Math.max(0, skipped - known);
      if (known > 0) this.#droppedPerTopic.set(update.topic, Math.max(0, known - skipped));
      if (missing > 0) {
        this.#gaps += missing;
        this.#options.onDrop?.({ reason: "gap", dropped: missing, topic: update.topic });
      }
      await this.#deliver(update);
    }
    this.#pumping = false;
  }

  async #deliver(update: Update): Promise<void> {
    for (const [prefix, handlers] of this.#handlers) {
      if (!update.topic.startsWith(prefix)) continue;
      for (const handler of handlers) {
        try {
          const result = handler(update.frames, update.topic, { sequence: update.sequence, snapshot: update.snapshot });
          if (result !== undefined && typeof (result as Promise<void>).then === "function") await result;
        } catch (error) {
          this.#errors++;
          this.#options.onError?.(error, update.topic);
        }
      }
    }
  }
}
