/**
 * TopicPublisher: publishes frames under a topic over PUB. The topic is the
 * first frame (RFC 29: subscriptions match it by prefix), so subscribers
 * filter at the publisher. Like PUB itself it never blocks: a subscriber at
 * its high-water mark misses messages (see {@link TopicSubscriber} and
 * {@link SnapshotPublisher} for detecting that).
 *
 * Wire: `[topic, ...frames]`. The socket is an XPUB so that it sees
 * subscriptions: it answers the subscription probes of
 * {@link TopicSubscriber.connected} (see subscription-probe.ts) and drops
 * anything else a peer sends, counted in {@link TopicPublisher.dropped}.
 */
import { Bytes, Context, XPublisher } from "@skein/core";
import { PatternError, checkFrames } from "./errors.js";
import { ProbeReplies, isProbeTopic } from "./subscription-probe.js";
import { attachEndpoints } from "./util/endpoints.js";

/** Options of {@link TopicPublisher}. */
export interface TopicPublisherOptions {
  /** Endpoints to bind (`tcp://127.0.0.1:0` picks a free port). */
  bind?: string[];
  /** Endpoints to connect to. */
  connect?: string[];
  /** Context of the sockets (default: `@skein/core`'s shared context). */
  context?: Context;
  /** Messages queued per subscriber before PUB drops for it. Default 1000. */
  sendHighWaterMark?: number;
  /** Called when a probe reply could not be sent (otherwise only counted in {@link TopicPublisher.errors}). */
  onError?: (error: unknown) => void;
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
  #socket: XPublisher | null = null;
  #endpoints: string[] = [];
  #loop: Promise<void> | null = null;
  readonly #replies = new ProbeReplies();
  #probes = 0;
  #dropped = 0;
  #errors = 0;
  #closed = false;

  constructor(options: TopicPublisherOptions) {
    this.#options = options ?? {};
  }

  /** Endpoints bound, with real ports, once {@link start} resolved. */
  get endpoints(): string[] {
    return [...this.#endpoints];
  }

  /** Subscription probes answered ({@link TopicSubscriber.connected}). */
  get probesAnswered(): number {
    return this.#probes;
  }

  /** Messages a peer sent that are not subscriptions (a SUB sends none): dropped. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Probe replies that could not be sent. */
  get errors(): number {
    return this.#errors;
  }

  /** Binds and connects. */
  async start(): Promise<void> {
    if (this.#closed) throw new PatternError("ECLOSED", "TopicPublisher is closed");
    if (this.#socket !== null) return;
    const o = this.#options;
    const socket = new XPublisher({
      linger: 1000,
      sendHighWaterMark: o.sendHighWaterMark ?? 1000,
      ...(o.context === undefined ? {} : { context: o.context }),
    });
    // Every connection's probe must be answered, even one for a topic already known.
    socket.verbosity = "allSubs";
    this.#socket = socket;
    this.#loop = this.#receiveLoop(socket);
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
    return this.#socket.send([Bytes.from(topic), ...frames]);
  }

  /** Closes the socket; queued messages are sent for up to a second. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket?.close();
    await this.#loop;
  }

  /** Reads subscriptions (XPUB applied them already) to answer probes; drops anything else. */
  async #receiveLoop(socket: XPublisher): Promise<void> {
    for await (const message of socket) {
      const body = message[0]!;
      if (message.length !== 1 || body.length === 0 || body[0]! > 1) {
        this.#dropped++;
        continue;
      }
      const prefix = body.subarray(1);
      if (body[0] !== 1 || !isProbeTopic(prefix)) continue; // an ordinary subscription
      this.#probes++;
      socket.send(this.#replies.reply(prefix)).catch((error: unknown) => {
        this.#errors++;
        this.#options.onError?.(error);
      });
    }
  }
}
