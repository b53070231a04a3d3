/**
 * SnapshotPublisher: pub-sub where late joiners first get a snapshot (the
 * last value of each topic) and then live updates, with none missing or
 * duplicated in between (the zguide's "Clone" pattern).
 *
 * Sockets: XPUB for live updates (XPUB, not PUB, because the publisher must
 * see subscriptions: it answers a snapshot request only after the
 * requester's token subscription arrived, see snapshot-protocol.ts) and a
 * ROUTER snapshot port. Every update carries its topic's sequence number;
 * the last value per topic is kept in memory (a last-value cache).
 */
import { Bytes, Context, Router, XPublisher } from "@skein/core";
import { PatternError, checkFrames, checkNumber } from "./errors.js";
import { FRAME, SNAPSHOT, TOKEN_PREFIX } from "./snapshot-protocol.js";
import { encodeU32, encodeU64 } from "./util/codec.js";
import { attachEndpoints } from "./util/endpoints.js";

/** Options of {@link SnapshotPublisher}. */
export interface SnapshotPublisherOptions {
  /** Live update endpoints (subscribers or a {@link Forwarder} connect here). */
  bind?: string[];
  /** Endpoints to connect to. */
  connect?: string[];
  /** Snapshot endpoints (subscribers' snapshot requests). */
  snapshotBind: string[];
  /** Context of the sockets (default: `@skein/core`'s shared context). */
  context?: Context;
  /** Updates queued per subscriber before XPUB drops for it (subscribers see a sequence gap). Default 1000. */
  sendHighWaterMark?: number;
  /**
   * Snapshot requests waiting for their token subscription, and token
   * subscriptions waiting for their request, each at most this many; beyond
   * it the oldest is forgotten (counted in `dropped`: its subscriber times
   * out and asks again). Default 1000.
   */
  maxPendingSnapshots?: number;
  /**
   * Milliseconds a snapshot message may wait for room in a requester's
   * queue (a requester that does not read fills it) before the snapshot is
   * abandoned and counted in `errors`. Default 1000; -1 waits for ever.
   */
  snapshotSendTimeout?: number;
  /** Called with a snapshot that could not be sent (the requester went away or stopped reading). */
  onError?: (error: unknown) => void;
}

interface LastValue {
  sequence: number;
  sequenceFrame: Buffer;
  frames: Buffer[];
}

interface SnapshotRequest {
  peer: Buffer;
  prefixes: string[];
}

/**
 * A publisher with a last-value cache and a snapshot port.
 *
 * ```ts
 * const pub = new SnapshotPublisher({ bind: ["tcp://*:5556"], snapshotBind: ["tcp://*:5557"] })
 * await pub.start()
 * await pub.publish("price.EURUSD", [Buffer.from("1.0842")])
 * ```
 */
export class SnapshotPublisher {
  readonly #options: SnapshotPublisherOptions;
  readonly #cache = new Map<string, LastValue>();
  /** Tokens whose subscription arrived. */
  readonly #tokens = new Set<string>();
  /** Snapshot requests waiting for their token subscription. */
  readonly #waiting = new Map<string, SnapshotRequest>();
  #live: XPublisher | null = null;
  #snapshot: Router | null = null;
  #endpoints: string[] = [];
  #snapshotEndpoints: string[] = [];
  #loops: Promise<void>[] = [];
  #snapshots = 0;
  #dropped = 0;
  #errors = 0;
  readonly #maxPending: number;
  #closed = false;

  constructor(options: SnapshotPublisherOptions) {
    if (options === null || typeof options !== "object" || !Array.isArray(options.snapshotBind) || options.snapshotBind.length === 0) {
      throw new PatternError("EINVAL", "SnapshotPublisher needs options.snapshotBind: at least one snapshot endpoint");
    }
    checkNumber("maxPendingSnapshots", options.maxPendingSnapshots, 1);
    checkNumber("snapshotSendTimeout", options.snapshotSendTimeout, -1);
    this.#options = options;
    this.#maxPending = options.maxPendingSnapshots ?? 1000;
  }

  /** Snapshot requests waiting for their token subscription now (at most `maxPendingSnapshots`). */
  get pendingSnapshots(): number {
    return this.#waiting.size;
  }

  /** Token subscriptions waiting for their snapshot request now (at most `maxPendingSnapshots`). */
  get pendingTokens(): number {
    return this.#tokens.size;
  }

  /** Snapshot requests or token subscriptions forgotten past `maxPendingSnapshots`, and malformed requests. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Snapshots abandoned because a send failed. */
  get errors(): number {
    return this.#errors;
  }

  /** Live endpoints bound (real ports). */
  get endpoints(): string[] {
    return [...this.#endpoints];
  }

  /** Snapshot endpoints bound (real ports). */
  get snapshotEndpoints(): string[] {
    return [...this.#snapshotEndpoints];
  }

  /** Snapshots served so far. */
  get snapshotsServed(): number {
    return this.#snapshots;
  }

  /** The last sequence number of `topic` (0: never published). */
  sequence(topic: string): number {
    return this.#cache.get(topic)?.sequence ?? 0;
  }

  /** Binds and connects the live and snapshot sockets; resolves once they listen. */
  async start(): Promise<void> {
    if (this.#closed) throw new PatternError("ECLOSED", "SnapshotPublisher is closed");
    if (this.#live !== null) return;
    const o = this.#options;
    const context = o.context === undefined ? {} : { context: o.context };
    const live = new XPublisher({ linger: 1000, sendHighWaterMark: o.sendHighWaterMark ?? 1000, ...context });
    const snapshot = new Router({ linger: 1000, mandatory: true, sendTimeout: o.snapshotSendTimeout ?? 1000, maxPendingSends: 0, ...context });
    this.#live = live;
    this.#snapshot = snapshot;
    try {
      this.#endpoints.push(...(await attachEndpoints(live, o.bind, o.connect)));
      for (const address of o.snapshotBind) {
        await snapshot.bind(address);
        this.#snapshotEndpoints.push(snapshot.lastEndpoint ?? address);
      }
    } catch (error) {
      await this.close();
      throw error;
    }
    this.#loops = [this.#subscriptionLoop(live), this.#snapshotLoop(snapshot)];
  }

  /** Publishes the next value of `topic`: cached as its last value, sent live with its sequence number. */
  publish(topic: string, frames: Buffer[]): Promise<void> {
    if (this.#closed) return Promise.reject(new PatternError("ECLOSED", "SnapshotPublisher is closed"));
    if (this.#live === null) return Promise.reject(new PatternError("EINVAL", "Call start() before publish()"));
    if (typeof topic !== "string" || topic.length === 0 || topic.startsWith("\u0000")) {
      return Promise.reject(new PatternError("EINVAL", "A topic must be a non-empty string not starting with a NUL character"));
    }
    try {
      checkFrames(frames);
    } catch (error) {
      return Promise.reject(error);
    }
    const sequence = (this.#cache.get(topic)?.sequence ?? 0) + 1;
    const value: LastValue = { sequence, sequenceFrame: encodeU64(sequence), frames };
    this.#cache.set(topic, value);
    return this.#live.send([Bytes.from(topic), value.sequenceFrame, ...frames]);
  }

  /** Closes the sockets; snapshots being sent are abandoned. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#live?.close();
    this.#snapshot?.close();
    await Promise.all(this.#loops);
  }

  async #subscriptionLoop(live: XPublisher): Promise<void> {
    for (;;) {
      let message: Buffer[];
      try {
        message = await live.receive();
      } catch {
        return;
      }
      const body = message[0];
      if (body === undefined || body.length < 1) continue;
      const prefix = body.toString("latin1", 1);
      if (!prefix.startsWith(TOKEN_PREFIX)) continue;
      const token = prefix.slice(TOKEN_PREFIX.length);
      if (body[0] === 0) {
        this.#tokens.delete(token);
        continue;
      }
      const request = this.#waiting.get(token);
      if (request !== undefined) {
        this.#waiting.delete(token);
        void this.#serve(request);
      } else {
        this.#tokens.add(token);
        this.#bound(this.#tokens);
      }
    }
  }

  async #snapshotLoop(snapshot: Router): Promise<void> {
    for (;;) {
      let message: Buffer[];
      try {
        message = await snapshot.receive();
      } catch {
        return;
      }
      const [peer, command, token] = message;
      if (command === undefined || command.length !== 1 || command[0] !== SNAPSHOT || token === undefined) {
        this.#dropped++;
        continue;
      }
      const request: SnapshotRequest = { peer: peer!, prefixes: message.slice(3).map((f) => f.toString()) };
      const key = token.toString("latin1");
      if (this.#tokens.delete(key)) void this.#serve(request);
      else {
        this.#waiting.set(key, request);
        this.#bound(this.#waiting);
      }
    }
  }

  /** Forgets the oldest entries of `pending` beyond `maxPendingSnapshots` (Maps and Sets iterate in insertion order). */
  #bound(pending: Set<string> | Map<string, SnapshotRequest>): void {
    while (pending.size > this.#maxPending) {
      pending.delete(pending.keys().next().value!);
      this.#dropped++;
    }
  }

  /** Sends the last values under the request's prefixes, then END. Taken synchronously: the cache is not changed meanwhile. */
  async #serve(request: SnapshotRequest): Promise<void> {
    const socket = this.#snapshot;
    if (socket === null || this.#closed) return;
    const messages: Buffer[][] = [];
    for (const [topic, value] of this.#cache) {
      if (request.prefixes.length > 0 && !request.prefixes.some((p) => topic.startsWith(p))) continue;
      messages.push([request.peer, FRAME.KEY_VALUE, Bytes.from(topic), value.sequenceFrame, ...value.frames]);
    }
    messages.push([request.peer, FRAME.END, encodeU32(messages.length)]);
    this.#snapshots++;
    try {
      for (const m of messages) await socket.send(m);
    } catch (error) {
      // The requester went away (EHOSTUNREACH), stopped reading (EAGAIN), or we closed: it asks again.
      this.#errors++;
      this.#options.onError?.(error);
    }
  }
}
