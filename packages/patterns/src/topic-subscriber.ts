/**
 * TopicSubscriber: receives {@link TopicPublisher} messages over SUB and
 * dispatches them by exact topic (`""` receives every topic). The socket is
 * drained into a bounded per-subscriber queue and handlers are run one at a
 * time from it: a slow handler cannot make memory grow without bound;
 * instead the oldest queued messages are dropped and reported through
 * `onDrop` ("dropped N"), batched per turn of the event loop.
 */
import { Bytes, Context, Subscriber } from "@skein/core";
import type { ResolveOptions } from "./discovery/endpoint-set.js";
import { SocketEndpoints } from "./discovery/socket-endpoints.js";
import { PatternError, checkNumber } from "./errors.js";
import { isProbeTopic, newProbeTopic } from "./subscription-probe.js";
import { BoundedQueue } from "./util/bounded-queue.js";
import { attachEndpoints } from "./util/endpoints.js";
import { cancelScheduled, schedule, type Scheduled } from "./util/runtime.js";

/** A topic handler. A returned promise is awaited before the next message. */
export type TopicHandler = (frames: Buffer[], topic: string) => void | Promise<void>;

/** A "dropped N" report of a slow subscriber. */
export interface DropReport {
  /** Messages dropped since the previous report. */
  dropped: number;
  /** Messages dropped since start. */
  totalDropped: number;
  /** Messages queued now (at most `maxQueue`). */
  queued: number;
}

/** Options of {@link TopicSubscriber}. */
export interface TopicSubscriberOptions {
  /**
   * Endpoints to connect to. `tcp+dns://name:port` or `tcp+srv://name`
   * connects to every publisher instance DNS names, and follows them as
   * they come and go (see `resolve`).
   */
  connect?: string[];
  /** How `+dns`/`+srv` endpoints are resolved and kept current. */
  resolve?: ResolveOptions;
  /** Endpoints to bind (`tcp://127.0.0.1:0` picks a free port). */
  bind?: string[];
  /** Context of the sockets (default: `@skein/core`'s shared context). */
  context?: Context;
  /** Messages buffered for slow handlers before the oldest is dropped. Default 10000. */
  maxQueue?: number;
  /** Called when messages were dropped because the handlers fell behind. */
  onDrop?: (report: DropReport) => void;
  /** Called with a handler's error (otherwise only counted in {@link TopicSubscriber.errors}). */
  onError?: (error: unknown, topic: string) => void;
  /** Messages the SUB socket queues per publisher. Default 1000. */
  receiveHighWaterMark?: number;
}

interface Queued {
  topic: string;
  frames: Buffer[];
}

/** One round of {@link TopicSubscriber.connected}: a probe topic and the replies it got. */
interface ProbeRound {
  topic: Buffer;
  readonly replies: Set<string>;
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: PatternError) => void;
  timer: NodeJS.Timeout | null;
}

/**
 * A subscriber with per-topic handlers and slow-consumer protection.
 *
 * ```ts
 * const sub = new TopicSubscriber({ connect: [endpoint], onDrop: (r) => console.warn(`dropped ${r.dropped}`) })
 * sub.subscribe("prices.EURUSD", ([price]) => console.log(price.toString()))
 * await sub.start()
 * ```
 */
export class TopicSubscriber {
  readonly #options: TopicSubscriberOptions;
  readonly #handlers = new Map<string, Set<TopicHandler>>();
  readonly #queue: BoundedQueue<Queued>;
  #socket: Subscriber | null = null;
  #connections: SocketEndpoints | null = null;
  #loop: Promise<void> | null = null;
  /** The probe under way, if {@link connected} is waiting. */
  #probe: ProbeRound | null = null;
  #pumping = false;
  #unreported = 0;
  #reportScheduled: Scheduled | null = null;
  #errors = 0;
  #delivered = 0;
  #closed = false;

  constructor(options: TopicSubscriberOptions) {
    checkNumber("maxQueue", options?.maxQueue, 1);
    this.#options = options ?? {};
    this.#queue = new BoundedQueue(this.#options.maxQueue ?? 10_000);
  }

  /** Messages waiting for a handler now (never more than `maxQueue`). */
  get queued(): number {
    return this.#queue.length;
  }

  /** Messages dropped because the handlers fell behind. */
  get dropped(): number {
    return this.#queue.dropped;
  }

  /** Messages handed to handlers. */
  get delivered(): number {
    return this.#delivered;
  }

  /** Handler errors so far. */
  get errors(): number {
    return this.#errors;
  }

  /** Calls `handler` for each message published under exactly `topic` (`""`: every topic). */
  subscribe(topic: string, handler: TopicHandler): void {
    if (typeof topic !== "string") throw new PatternError("EINVAL", "A topic must be a string");
    if (typeof handler !== "function") throw new PatternError("EINVAL", "subscribe() needs a handler function");
    let set = this.#handlers.get(topic);
    if (set === undefined) {
      this.#handlers.set(topic, (set = new Set()));
      this.#socket?.subscribe(topic);
    }
    set.add(handler);
  }

  /** Removes a handler (or all handlers of `topic`) and unsubscribes when none is left. */
  unsubscribe(topic: string, handler?: TopicHandler): void {
    const set = this.#handlers.get(topic);
    if (set === undefined) return;
    if (handler !== undefined) set.delete(handler);
    else set.clear();
    if (set.size === 0) {
      this.#handlers.delete(topic);
      this.#socket?.unsubscribe(topic);
    }
  }

  /** Connects, binds and starts delivering. */
  async start(): Promise<void> {
    if (this.#closed) throw new PatternError("ECLOSED", "TopicSubscriber is closed");
    if (this.#socket !== null) return;
    const o = this.#options;
    const socket = new Subscriber({
      linger: 0,
      receiveHighWaterMark: o.receiveHighWaterMark ?? 1000,
      ...(o.context === undefined ? {} : { context: o.context }),
    });
    this.#socket = socket;
    // A connection lost during a probe: its replacement (maybe a restarted
    // publisher) must answer a fresh probe, and an old reply must not count twice.
    socket.events.on("disconnect", () => {
      if (this.#probe !== null) this.#reprobe(this.#probe);
    });
    for (const topic of this.#handlers.keys()) socket.subscribe(topic);
    try {
      await attachEndpoints(socket, o.bind);
      this.#connections = new SocketEndpoints(socket, o.connect ?? [], o.resolve);
      await this.#connections.start();
    } catch (error) {
      await this.close();
      throw error;
    }
    this.#loop = this.#receiveLoop(socket);
  }

  /**
   * Resolves once every publisher this subscriber connects to has applied
   * all its subscriptions, so a message published after that is received
   * (PUB/SUB's "slow joiner": what is published earlier is not). The proof
   * is a probe (see subscription-probe.ts): a subscription to a topic of
   * its own that each {@link TopicPublisher} answers; the publishers must
   * be `TopicPublisher`s (or answer probes the same way), one per `connect`
   * endpoint (for a `+dns`/`+srv` endpoint, one per address it resolves to
   * now). Each call probes afresh, so it also covers reconnections.
   * Probe replies never reach the handlers. Rejects with `ETIMEDOUT` after
   * `timeoutMs`, `ECLOSED` if the subscriber closes first. Call after
   * {@link start}.
   */
  connected(timeoutMs = 5000): Promise<void> {
    if (this.#closed) return Promise.reject(new PatternError("ECLOSED", "TopicSubscriber is closed"));
    const socket = this.#socket;
    if (socket === null) return Promise.reject(new PatternError("EINVAL", "Call start() before connected()"));
    if (this.#publishers() === 0) return Promise.resolve();
    if (this.#probe !== null) return this.#probe.promise;
    let resolve!: () => void;
    let reject!: (error: PatternError) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const round: ProbeRound = { topic: Bytes.from(newProbeTopic(), "latin1"), replies: new Set(), promise, resolve, reject, timer: null };
    round.timer = setTimeout(() => {
      const wanted = this.#publishers();
      this.#endProbe(round, new PatternError("ETIMEDOUT", `${round.replies.size} of ${wanted} publishers applied the subscriptions within ${timeoutMs} ms`));
    }, timeoutMs);
    this.#probe = round;
    socket.subscribe(round.topic);
    return promise;
  }

  /** Replaces the probe topic of `round` with a fresh one; the replies so far no longer count. */
  #reprobe(round: ProbeRound): void {
    const socket = this.#socket!;
    socket.unsubscribe(round.topic);
    round.topic = Bytes.from(newProbeTopic(), "latin1");
    round.replies.clear();
    socket.subscribe(round.topic);
  }

  #onProbeReply(message: Buffer[]): void {
    const round = this.#probe;
    if (round === null || !message[0]!.equals(round.topic) || message.length !== 2) return; // stale, or another subscriber's
    round.replies.add(message[1]!.toString("latin1"));
    if (round.replies.size >= this.#publishers()) this.#endProbe(round, null);
  }

  /** Publishers connected to now: one per static endpoint and per address the names resolve to. */
  #publishers(): number {
    return this.#connections?.endpoints.length ?? (this.#options.connect ?? []).length;
  }

  /** The endpoints connected now, `+dns`/`+srv` names as the addresses they resolve to (after {@link start}). */
  get endpoints(): string[] {
    return this.#connections?.endpoints ?? [];
  }

  #endProbe(round: ProbeRound, error: PatternError | null): void {
    if (this.#probe !== round) return;
    this.#probe = null;
    if (round.timer !== null) clearTimeout(round.timer);
    if (this.#socket !== null && !this.#socket.closed) this.#socket.unsubscribe(round.topic);
    if (error === null) round.resolve();
    else round.reject(error);
  }

  /** Stops receiving and drops what is still queued. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#probe !== null) this.#endProbe(this.#probe, new PatternError("ECLOSED", "TopicSubscriber was closed"));
    this.#queue.clear();
    if (this.#reportScheduled !== null) cancelScheduled(this.#reportScheduled);
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
        return; // closed
      }
      if (isProbeTopic(message[0]!)) {
        this.#onProbeReply(message);
        continue;
      }
      if (this.#queue.push({ topic: message[0]!.toString(), frames: message.slice(1) }) !== undefined) this.#dropped();
      if (!this.#pumping) void this.#pump();
    }
  }

  #dropped(): void {
    this.#unreported++;
    if (this.#reportScheduled !== null) return;
    this.#reportScheduled = schedule(() => {
      this.#reportScheduled = null;
      const dropped = this.#unreported;
      this.#unreported = 0;
      this.#options.onDrop?.({ dropped, totalDropped: this.#queue.dropped, queued: this.#queue.length });
    });
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    let item: Queued | undefined;
    while (!this.#closed && (item = this.#queue.shift()) !== undefined) {
      this.#delivered++;
      await this.#dispatch(this.#handlers.get(item.topic), item);
      if (item.topic !== "") await this.#dispatch(this.#handlers.get(""), item);
    }
    this.#pumping = false;
  }

  async #dispatch(handlers: Set<TopicHandler> | undefined, item: Queued): Promise<void> {
    if (handlers === undefined) return;
    for (const handler of handlers) {
      try {
        const result = handler(item.frames, item.topic);
        if (result !== undefined && typeof (result as Promise<void>).then === "function") await result;
      } catch (error) {
        this.#errors++;
        this.#options.onError?.(error, item.topic);
      }
    }
  }
}
