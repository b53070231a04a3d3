/**
 * TopicPublisher: publishes frames under a topic over PUB. The topic is the
 * first frame (RFC 29: subscriptions match it by prefix), so subscribers
 * filter at the publisher. Like PUB itself it never blocks: a subscriber at
 * its high-water mark misses messages (see {@link TopicSubscriber} and
 * {@link SnapshotPublisher} for detecting that).
 *
 * Wire: `[topic, ...frames]`.
 */
import { Context, Publisher } from "@skein/core";
import { PatternError, checkFrames } from "./errors.js";
import { attachEndpoints } from "./util/endpoints.js";

/** Options of {@link TopicPublisher}. */
export interface TopicPublisherOptions {
  bind?: string[];
  connect?: string[];
  context?: Context;
  /** Messages queued per subscriber before PUB drops for it. Default 1000. */
  sendHighWaterMark?: number;
}

/**
 * A publisher of topic-tagged messages.
 *
 * ```ts
 * const pub = new TopicPublisher({ bind: ["tcp://127.0.0.1:0"] })
 * await pub.start()
 * await pub.publish("prices.EURUSD", [Buffer.from("1.0842")])
 * ```
 */
export class TopicPublisher {
  readonly #options: TopicPublisherOptions;
  #socket: Publisher | null = null;
  #endpoints: string[] = [];
  #closed = false;

  constructor(options: TopicPublisherOptions) {
    this.#options = options ?? {};
  }

  /** Endpoints bound, with real ports, once {@link start} resolved. */
  get endpoints(): string[] {
    return [...this.#endpoints];
  }

  /** Binds and connects. */
  async start(): Promise<void> {
    if (this.#closed) throw new PatternError("ECLOSED", "TopicPublisher is closed");
    if (this.#socket !== null) return;
    const o = this.#options;
    const socket = new Publisher({
      linger: 1000,
      sendHighWaterMark: o.sendHighWaterMark ?? 1000,
      ...(o.context === undefined ? {} : { context: o.context }),
    });
    this.#socket = socket;
    try {
      this.#endpoints.push(...(await attachEndpoints(socket, o.bind, o.connect)));
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Publishes `frames` under `topic`. Resolves once queued (PUB never waits for slow subscribers). */
  publish(topic: string, frames: Buffer[]): Promise<void> {
    if (this.#closed) return Promise.reject(new PatternError("ECLOSED", "TopicPublisher is closed"));
    if (this.#socket === null) return Promise.reject(new PatternError("EINVAL", "Call start() before publish()"));
    if (typeof topic !== "string") return Promise.reject(new PatternError("EINVAL", "A topic must be a string"));
    try {
      checkFrames(frames);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#socket.send([Buffer.from(topic), ...frames]);
  }

  /** Closes the socket; queued messages are sent for up to a second. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket?.close();
  }
}
