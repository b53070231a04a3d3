/**
 * RpcClient: reliable request-reply over DEALER (the zguide's "lazy pirate",
 * generalised to many requests in flight). Each request carries an 8-byte
 * correlation id, so replies may come back in any order on one connection.
 * A request that gets no reply within `timeout` ms is retried (up to
 * `retries` times, after an exponential backoff) on the next endpoint that
 * has not failed recently: fail-over across several servers or brokers.
 *
 * Wire (see docs/patterns.md): DEALER sends `[correlationId(8), ...frames]`;
 * the server replies `[correlationId(8), ...replyFrames]`. With `service`
 * set (talking to a {@link Broker}) the request is
 * `[correlationId(8), service, ...frames]`.
 *
 * Why one DEALER per endpoint, not one DEALER connected to all: DEALER
 * round-robins blindly, so a dead server would keep receiving its share of
 * requests. With a socket per endpoint the client chooses, and skips
 * endpoints that timed out until their backoff has passed.
 *
 * An endpoint may be a DNS name of many instances (`tcp+dns://name:port`,
 * `tcp+srv://name`, see discovery/dns-endpoint.ts): each address gets its
 * DEALER, calls spread over all of them, a new address joins the rotation
 * and a vanished one takes no new call and is closed once the calls it
 * holds have ended (or `resolve.retireTimeout` passed).
 */
import { Bytes, Context, Dealer } from "@skein/core";
import { DeadlineSweep } from "./deadline-sweep.js";
import { EndpointSet, type EndpointChange, type ResolveOptions } from "./discovery/endpoint-set.js";
import { PatternError, checkFrames, checkNumber } from "./errors.js";
import type { SecurityOptions } from "./rpc-server.js";
import { decodeU64, encodeU64 } from "./util/codec.js";
import { SteadyMap } from "./util/steady-collections.js";
import { CALL_FLAG, PARTIAL_CORRELATION_SIZE, PARTIAL_FLAG, REFUSED_FLAG } from "./rpc-server.js";

/**
 * A call opened with {@link RpcClient.open}: a request whose client may send
 * further messages to the one server that holds it (streamed requests,
 * flow-control credit, a cancel) while it waits for the reply.
 */
export interface RpcCall {
  /** The final reply; rejects as {@link RpcClient.request} does, and with `ECONNRESET` when the connection to its server is lost mid-call. */
  readonly reply: Promise<Buffer[]>;
  /**
   * Sends `frames` to the server holding the call, after the request and
   * any earlier message, in order (the server's `RequestContext.onMessage`).
   * Rejects with `ECANCELED` once the call has ended (replied, failed or
   * cancelled); the message is then not sent.
   */
  send(frames: Buffer[]): Promise<void>;
}

/** Per-request options. */
export interface RequestOptions {
  /** Milliseconds to wait for a reply to each attempt (default: the client's `timeout`). */
  timeout?: number;
  /** Extra attempts after a timeout (default: the client's `retries`). */
  retries?: number;
  /** Aborting rejects the request with `ECANCELED`. */
  signal?: AbortSignal;
  /** `false` forbids retries: the server must not see this request twice. Default `true`. */
  idempotent?: boolean;
  /**
   * Called with each partial reply the server sends before its final one
   * ({@link RequestContext.sendPartial}), in order. Once one has arrived the
   * request is not retried. The timeout covers the whole exchange.
   */
  onPartial?: (frames: Buffer[]) => void;
  /**
   * What to do while no endpoint is connected (gRPC's `waitForReady`).
   * `true` (default): the request waits in the socket's queue for a
   * connection until its timeout; if none came it fails with `ENOTCONN`
   * instead of `ETIMEDOUT`. `false`: it fails with `ENOTCONN` as soon as
   * every endpoint has failed to connect (or lost its connection) and none
   * is connected.
   */
  waitForReady?: boolean;
}

/** Options of {@link RpcClient}. */
export interface RpcClientOptions {
  /**
   * Servers (or brokers) to use, in order of preference. At least one. A
   * `tcp+dns://name:port` or `tcp+srv://name` endpoint stands for every
   * instance DNS names (see `resolve`).
   */
  endpoints: string[];
  /** How `+dns`/`+srv` endpoints are resolved and kept current (servers, intervals, `maxAddresses`). */
  resolve?: ResolveOptions;
  /** Security options of the client sockets (`curveServerKey`, `curvePublicKey`, `curveSecretKey`, `plainUsername`, ...). */
  security?: SecurityOptions;
  /** Milliseconds to wait for a reply to one attempt. Default 5000. */
  timeout?: number;
  /** Extra attempts after a timeout. Default 0. */
  retries?: number;
  /** Delay before a retry, and how long a failed endpoint is skipped: doubles from `initial` up to `max`. Default `{ initial: 100, max: 5000 }`. */
  backoff?: {
    /** First delay, in ms. */
    initial: number;
    /** Largest delay, in ms. */
    max: number;
  };
  /** Context of the sockets (default: core's shared context). */
  context?: Context;
  /** Routing id the DEALER sockets announce. */
  routingId?: string;
  /** Service name to put in each request, when the endpoints are {@link Broker}s. */
  service?: string;
  /** DEALER send high-water mark (messages queued per endpoint). Default 1000. */
  sendHighWaterMark?: number;
}

interface Pending {
  readonly id: number;
  readonly correlation: Buffer;
  readonly frames: Buffer[];
  readonly timeout: number;
  readonly retries: number;
  readonly resolve: (reply: Buffer[]) => void;
  readonly reject: (error: PatternError) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
  readonly onPartial: ((frames: Buffer[]) => void) | undefined;
  readonly waitForReady: boolean;
  /** Opened with `open()`: tied to its first endpoint, never retried, failed when that connection is lost. */
  readonly open: boolean;
  /** An endpoint it was sent to was connected while it waited: the server may have it. */
  reached: boolean;
  partials: number;
  attempt: number;
  /** While it waits for an endpoint to exist: when it times out (ms since epoch). */
  waitingUntil: number;
  /** Where the request went last; `null` while no endpoint exists yet (names not resolved, or resolved to none). */
  endpoint: EndpointState | null;
  /** The connection of `endpoint` it went out on: its `connection` count then, plus one if it was not connected (the next). */
  sentOn: number;
  /** Endpoints this request was sent to: only they may answer it. */
  readonly sentTo: EndpointState[];
  /** While it waits for an endpoint, or for a retry's backoff: that timer (the reply's timeout is in {@link RpcClient}'s sweep). */
  timer: NodeJS.Timeout | null;
  /** When the attempt in flight times out (`performance.now()` ms): its entry in the sweep. */
  deadline: number;
  /** Its place in the sweep (the sweep's; -1 when not in it). */
  sweepSlot: number;
}

const CALL_FLAG_OCTET = Bytes.from([CALL_FLAG]);

/** `a` is a better choice than `b`: connected when `b` is not, or as connected with fewer failures. */
function isHealthier(a: EndpointState, b: EndpointState): boolean {
  if (a.connected !== b.connected) return a.connected;
  return a.failures < b.failures;
}

/**
 * An {@link RpcCall}: its `send` is made on first use (a unary call never
 * sends more) and bound, so it may be taken apart (`const { reply, send } = ...`).
 */
class OpenCall implements RpcCall {
  #send: ((frames: Buffer[]) => Promise<void>) | null = null;

  constructor(
    readonly reply: Promise<Buffer[]>,
    private readonly pending: Pending,
    private readonly sendOn: (pending: Pending, frames: Buffer[]) => Promise<void>,
  ) {}

  get send(): (frames: Buffer[]) => Promise<void> {
    return (this.#send ??= (frames) => this.sendOn(this.pending, frames));
  }
}

interface EndpointState {
  readonly address: string;
  readonly socket: Dealer;
  failures: number;
  /** Skip this endpoint until this time (ms since epoch), after a timeout. */
  suspendedUntil: number;
  /** A connection is up (handshake done, no disconnect since). */
  connected: boolean;
  /** Connections made so far (handshakes): a timeout counts against the connection its request went out on only. */
  connection: number;
  /** The last connect attempt failed, or the connection was lost: not merely still connecting. */
  failed: boolean;
  /** Removed from DNS: takes no new request, closes once the requests it holds have ended. */
  retiring: NodeJS.Timeout | null;
  /** Its receive loop, ended by closing the socket. */
  loop: Promise<void> | null;
}

/**
 * A request-reply client with correlation, timeouts, retries and fail-over.
 *
 * ```ts
 * const client = new RpcClient({ endpoints: ["tcp://a:5555", "tcp://b:5555"], timeout: 1000, retries: 2 })
 * const [reply] = await client.request([Buffer.from("ping")])
 * await client.close()
 * ```
 */
export class RpcClient {
  #endpoints: EndpointState[] = [];
  /** Requests in flight by id; steady: a client with one call at a time fills and empties it on every call. */
  readonly #pending = new SteadyMap<number, Pending>();
  /** The reply timeouts of every attempt in flight: one timer for all, not one per request. */
  readonly #deadlines = new DeadlineSweep<Pending>((pending) => this.#timedOut(pending));
  /** Requests waiting for an endpoint to exist (the names are not resolved yet, or resolved to none). */
  readonly #unsent = new Set<Pending>();
  readonly #set: EndpointSet;
  readonly #options: RpcClientOptions;
  readonly #retireTimeout: number;
  readonly #timeout: number;
  readonly #retries: number;
  readonly #backoff: { initial: number; max: number };
  readonly #service: Buffer | null;
  #nextId = 1;
  #next = 0;
  #closed = false;
  readonly #loops = new Set<Promise<void>>();
  /** Replies that matched no pending request (late replies after a timeout, duplicates). */
  #unmatched = 0;

  constructor(options: RpcClientOptions) {
    if (options === null || typeof options !== "object" || !Array.isArray(options.endpoints) || options.endpoints.length === 0) {
      throw new PatternError("EINVAL", "RpcClient needs options.endpoints: at least one endpoint");
    }
    checkNumber("timeout", options.timeout, 1);
    checkNumber("retries", options.retries, 0);
    if (options.backoff !== undefined) {
      checkNumber("backoff.initial", options.backoff.initial, 0);
      checkNumber("backoff.max", options.backoff.max, options.backoff.initial);
    }
    this.#timeout = options.timeout ?? 5000;
    this.#retries = options.retries ?? 0;
    this.#backoff = options.backoff ?? { initial: 100, max: 5000 };
    this.#service = options.service === undefined ? null : Bytes.from(options.service);
    this.#options = options;
    this.#retireTimeout = options.resolve?.retireTimeout ?? 30_000;
    this.#set = new EndpointSet(options.endpoints, { ...options.resolve, onChange: (change) => this.#change(change) });
    try {
      // Static endpoints are connected before this returns; names resolve in the background.
      void this.#set.start();
    } catch (error) {
      this.#set.close();
      for (const endpoint of this.#endpoints) endpoint.socket.close();
      throw error;
    }
  }

  /** Opens a DEALER per endpoint added; retires those removed. */
  #change({ added, removed }: EndpointChange): void {
    for (const address of removed) {
      const state = this.#endpoints.find((endpoint) => endpoint.address === address && endpoint.retiring === null);
      if (state !== undefined) this.#retire(state);
    }
    for (const address of added) {
      const back = this.#endpoints.find((endpoint) => endpoint.address === address);
      if (back !== undefined) {
        // Back in DNS while it was finishing its requests: it takes new ones again.
        if (back.retiring !== null) clearTimeout(back.retiring);
        back.retiring = null;
        continue;
      }
      this.#open(address);
    }
    if (this.#endpoints.some((endpoint) => endpoint.retiring === null)) {
      for (const pending of [...this.#unsent]) {
        this.#unsent.delete(pending);
        if (pending.timer !== null) clearTimeout(pending.timer);
        // The request keeps its deadline: the time it waited for DNS counts.
        this.#send(pending, Math.max(1, pending.waitingUntil - Date.now()));
      }
    } else if (this.#set.resolved && this.#unreachable()) {
      // DNS names no instance now: requests that may not wait fail as with every endpoint down.
      for (const pending of [...this.#pending.values()]) {
        if (!pending.waitForReady && !pending.reached) this.#fail(pending.id, this.#notConnected());
      }
    }
  }

  #open(address: string): void {
    const options = this.#options;
    const socket = new Dealer({
      linger: 0,
      // Concurrent calls each send at once: they queue (in order) rather than fail with EBUSY.
      maxPendingSends: 0,
      sendHighWaterMark: options.sendHighWaterMark ?? 1000,
      ...(options.security ?? {}),
      ...(options.context === undefined ? {} : { context: options.context }),
      ...(options.routingId === undefined ? {} : { routingId: options.routingId }),
    });
    const state: EndpointState = { address, socket, failures: 0, suspendedUntil: 0, connected: false, connection: 0, failed: false, retiring: null, loop: null };
    this.#watchConnection(state);
    try {
      socket.connect(address);
    } catch (error) {
      socket.close();
      throw new PatternError("EINVAL", `Cannot connect to ${address}: ${(error as Error).message}`, { cause: error });
    }
    this.#endpoints.push(state);
    const loop = this.#receiveLoop(state);
    state.loop = loop;
    this.#loops.add(loop);
    void loop.then(() => this.#loops.delete(loop));
  }

  /** Takes `state` out of the rotation; closes it once no request it holds is pending, or at `retireTimeout`. */
  #retire(state: EndpointState): void {
    state.retiring = setTimeout(() => this.#closeEndpoint(state), this.#retireTimeout);
    this.#closeIfIdle(state);
  }

  #closeIfIdle(state: EndpointState): void {
    if (state.retiring === null) return;
    for (const pending of this.#pending.values()) if (pending.endpoint === state) return;
    this.#closeEndpoint(state);
  }

  #closeEndpoint(state: EndpointState): void {
    if (state.retiring !== null) clearTimeout(state.retiring);
    state.retiring = null;
    const index = this.#endpoints.indexOf(state);
    if (index < 0) return;
    this.#endpoints.splice(index, 1);
    if (this.#next > index) this.#next--;
    state.socket.close();
    // Requests still held (at retireTimeout) go elsewhere on their timeout; open calls end now.
    for (const pending of [...this.#pending.values()]) {
      if (pending.open && pending.endpoint === state) {
        this.#fail(pending.id, new PatternError("ECONNRESET", `${state.address} left DNS and its connection was closed during the call`));
      }
    }
  }

  /**
   * Whether a connection to at least one endpoint is up now (ZMTP handshake
   * done). ZeroMQ connects in the background and reconnects by itself, so
   * `false` may only mean "not yet".
   */
  get connected(): boolean {
    return this.#endpoints.some((endpoint) => endpoint.connected && endpoint.retiring === null);
  }

  /**
   * The endpoints calls go to now: the static ones and every address the
   * names resolved to (not those removed and still finishing calls).
   */
  get endpoints(): string[] {
    return this.#endpoints.filter((endpoint) => endpoint.retiring === null).map((endpoint) => endpoint.address);
  }

  /** Requests waiting for a reply. */
  get inFlight(): number {
    return this.#pending.size;
  }

  /**
   * Replies that matched no pending request: late replies after a timeout,
   * duplicates, and replies from an endpoint the request was not sent to
   * (dropped, so a server cannot answer another server's requests).
   */
  get unmatchedReplies(): number {
    return this.#unmatched;
  }

  /**
   * Sends `frames` as one request; resolves with the reply frames. Rejects
   * with a {@link PatternError}: `ETIMEDOUT` (no reply after all attempts),
   * `ESHUTDOWN` (the server was closing and refused it, on the last
   * attempt; an earlier refusal is retried at once on the next endpoint),
   * `ENOTCONN` (no endpoint it was sent to was ever connected while it
   * waited: no server can have it; see `waitForReady`), `ECANCELED` (signal
   * aborted), `ECLOSED` (client closed), `EINVAL`.
   */
  request(frames: Buffer[], options?: RequestOptions): Promise<Buffer[]> {
    const started = this.#start(frames, options, false);
    return started instanceof PatternError ? Promise.reject(started) : started.reply;
  }

  /**
   * Opens a call: sends `frames` as its request, like {@link request}, and
   * returns at once with the reply to come and a way to send further
   * messages of the call to the server that holds it. An open call is never
   * retried (its later messages must reach the same server), and fails with
   * `ECONNRESET` as soon as the connection to that server is lost.
   *
   * ```ts
   * const call = client.open([Buffer.from("sum")], { onPartial: (frames) => console.log(frames) })
   * await call.send([Buffer.from("1")])
   * const [total] = await call.reply
   * ```
   */
  open(frames: Buffer[], options?: RequestOptions): RpcCall {
    const started = this.#start(frames, options, true);
    if (!(started instanceof PatternError)) return started;
    const reply = Promise.reject(started);
    return { reply, send: () => Promise.reject(new PatternError("ECANCELED", "The call never started")) };
  }

  #start(frames: Buffer[], options: RequestOptions | undefined, open: boolean): RpcCall | PatternError {
    if (this.#closed) return new PatternError("ECLOSED", "RpcClient is closed");
    try {
      checkFrames(frames);
      checkNumber("timeout", options?.timeout, 1);
      // An open call is never retried: its retries are not read.
      if (!open) checkNumber("retries", options?.retries, 0);
    } catch (error) {
      return error as PatternError;
    }
    const signal = options?.signal;
    if (signal?.aborted === true) return new PatternError("ECANCELED", "Request was aborted before it was sent");
    const waitForReady = options?.waitForReady ?? true;
    if (!waitForReady && this.#unreachable()) return this.#notConnected();
    const id = this.#nextId++;
    let pending!: Pending;
    const reply = new Promise<Buffer[]>((resolve, reject) => {
      const onAbort = signal === undefined ? undefined : (): void => this.#fail(id, new PatternError("ECANCELED", "Request was aborted"));
      pending = {
        id,
        correlation: encodeU64(id),
        frames,
        timeout: options?.timeout ?? this.#timeout,
        retries: open || options?.idempotent === false ? 0 : (options?.retries ?? this.#retries),
        resolve,
        reject,
        signal,
        onAbort,
        onPartial: options?.onPartial,
        waitForReady,
        open,
        reached: false,
        partials: 0,
        attempt: 0,
        waitingUntil: 0,
        endpoint: null,
        sentTo: [],
        sentOn: 0,
        timer: null,
        deadline: 0,
        sweepSlot: -1,
      };
      this.#pending.set(id, pending);
      if (onAbort !== undefined) signal!.addEventListener("abort", onAbort, { once: true });
      this.#send(pending);
    });
    return new OpenCall(reply, pending, this.#sendOnCallBound);
  }

  readonly #sendOnCallBound = (pending: Pending, frames: Buffer[]): Promise<void> => this.#sendOnCall(pending, frames);

  /** A further message of an open call, to the endpoint that has its request. */
  #sendOnCall(pending: Pending, frames: Buffer[]): Promise<void> {
    if (this.#pending.get(pending.id) !== pending) return Promise.reject(new PatternError("ECANCELED", "The call has ended"));
    try {
      checkFrames(frames);
    } catch (error) {
      return Promise.reject(error);
    }
    if (pending.endpoint === null) return Promise.reject(new PatternError("ENOTCONN", "The call has not reached a server yet: no endpoint is resolved"));
    const flagged = Bytes.concat([pending.correlation, CALL_FLAG_OCTET]);
    return pending.endpoint.socket.send([flagged, ...frames]);
  }

  /** Rejects every pending request with `ECLOSED` and closes the sockets. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#set.close();
    for (const pending of [...this.#pending.values()]) this.#fail(pending.id, new PatternError("ECLOSED", "RpcClient was closed"));
    this.#deadlines.close();
    for (const endpoint of this.#endpoints) {
      if (endpoint.retiring !== null) clearTimeout(endpoint.retiring);
      endpoint.socket.close();
    }
    await Promise.all(this.#loops);
  }

  #send(pending: Pending, timeout = pending.timeout): void {
    const endpoint = this.#choose(pending.endpoint);
    if (endpoint === null) {
      // No endpoint yet: wait (up to the timeout) for the names to resolve to one.
      this.#unsent.add(pending);
      pending.waitingUntil = Date.now() + timeout;
      pending.timer = setTimeout(() => this.#timedOut(pending), timeout);
      return;
    }
    const previous = pending.endpoint;
    pending.endpoint = endpoint;
    // Sent while not connected, it waits in the DEALER and goes out on the next connection.
    pending.sentOn = endpoint.connected ? endpoint.connection : endpoint.connection + 1;
    pending.attempt++;
    if (!pending.sentTo.includes(endpoint)) pending.sentTo.push(endpoint);
    if (previous !== null && previous !== endpoint) this.#closeIfIdle(previous);
    if (endpoint.connected) pending.reached = true;
    const frames = pending.frames;
    const head = this.#service === null ? 1 : 2;
    const message = new Array<Buffer>(frames.length + head);
    message[0] = pending.correlation;
    if (this.#service !== null) message[1] = this.#service;
    for (let i = 0; i < frames.length; i++) message[i + head] = frames[i]!;
    endpoint.socket.send(message).catch((error: unknown) => {
      // Only a closed socket rejects here (sends wait at the high-water mark). An endpoint closed at
      // its retireTimeout leaves the request to its timeout (retry elsewhere, or time out).
      if (!this.#closed && this.#endpoints.includes(endpoint)) this.#fail(pending.id, new PatternError("ECLOSED", `Send failed: ${(error as Error).message}`, { cause: error }));
    });
    pending.deadline = performance.now() + timeout;
    this.#deadlines.add(pending);
  }

  /**
   * Round-robin over the healthiest endpoints: those not suspended,
   * connected before not connected, then with the fewest consecutive
   * timeouts (an endpoint that failed is used again once its backoff has
   * passed and no endpoint with fewer failures is usable; a new connection,
   * such as a restarted server at the same address, starts at none);
   * `previous` is avoided when another is as good.
   */
  #choose(previous: EndpointState | null): EndpointState | null {
    const n = this.#endpoints.length;
    const now = Date.now();
    let best = -1;
    let fallback = -1;
    for (let k = 0; k < n; k++) {
      const i = (this.#next + k) % n;
      const e = this.#endpoints[i]!;
      if (e.retiring !== null) continue;
      if (e.suspendedUntil <= now) {
        const b = best === -1 ? undefined : this.#endpoints[best]!;
        if (b === undefined || isHealthier(e, b) || (b === previous && !isHealthier(b, e))) best = i;
      }
      if (fallback === -1 || e.suspendedUntil < this.#endpoints[fallback]!.suspendedUntil) fallback = i;
    }
    // Every endpoint failed recently: use the one that recovers first.
    const chosen = best === -1 ? fallback : best;
    if (chosen === -1) return null;
    this.#next = (chosen + 1) % n;
    return this.#endpoints[chosen]!;
  }

  #timedOut(pending: Pending): void {
    pending.timer = null;
    this.#deadlines.delete(pending);
    if (this.#pending.get(pending.id) !== pending) return;
    const endpoint = pending.endpoint;
    if (this.#unsent.delete(pending) || endpoint === null) {
      this.#fail(pending.id, this.#notConnected(`after ${pending.timeout} ms: no endpoint was resolved`));
      return;
    }
    // A request lost with a connection that has ended since (the server exited, and was restarted at the
    // same address) says nothing of the new connection: only a timeout on the current one counts.
    if (pending.sentOn >= endpoint.connection) {
      endpoint.failures++;
      endpoint.suspendedUntil = Date.now() + this.#delay(endpoint.failures);
    }
    if (pending.attempt > pending.retries || pending.partials > 0) {
      const tried = pending.attempt === 1 ? "1 attempt" : `${pending.attempt} attempts`;
      this.#fail(pending.id, pending.reached
        ? new PatternError("ETIMEDOUT", `No reply after ${tried} of ${pending.timeout} ms (last endpoint ${endpoint.address})`)
        : this.#notConnected(`after ${tried} of ${pending.timeout} ms`));
      return;
    }
    pending.timer = setTimeout(() => {
      pending.timer = null;
      if (this.#pending.get(pending.id) === pending) this.#send(pending);
    }, this.#delay(pending.attempt));
  }

  /** Follows the connection state of endpoint `state` through its socket's monitor events. */
  #watchConnection(state: EndpointState): void {
    const lost = (): void => {
      state.connected = false;
      state.failed = true;
      // The instance may have moved or gone: ask DNS again (rate-limited by the set).
      this.#set.refresh();
      // An open call's later messages could only reach a server that has not seen its request: it ends here.
      for (const pending of [...this.#pending.values()]) {
        if (pending.open && pending.endpoint === state && pending.reached) {
          this.#fail(pending.id, new PatternError("ECONNRESET", `The connection to ${state.address} was lost during the call`));
        }
      }
      // Requests that may not wait for a connection fail once no endpoint can take them.
      if (!this.#unreachable()) return;
      for (const pending of [...this.#pending.values()]) {
        if (!pending.waitForReady && !pending.reached) this.#fail(pending.id, this.#notConnected());
      }
    };
    state.socket.events
      .on("handshake", () => {
        state.connected = true;
        state.failed = false;
        // A new connection is a new start: the timeouts and refusals of the one before (an instance
        // that drained and was restarted at the same address) must not keep it out of turn.
        state.connection++;
        state.failures = 0;
        state.suspendedUntil = 0;
        for (const pending of this.#pending.values()) if (pending.sentTo.includes(state)) pending.reached = true;
      })
      .on("connect:retry", lost)
      .on("disconnect", lost)
      .on("handshake:error:protocol", lost)
      .on("handshake:error:auth", lost)
      .on("handshake:error:other", lost);
  }

  /** No endpoint is connected and each has failed to connect at least once (none is still making its first attempt). */
  #unreachable(): boolean {
    if (!this.#set.resolved) return false;
    return this.#endpoints.every((endpoint) => endpoint.retiring !== null || (!endpoint.connected && endpoint.failed));
  }

  #notConnected(when = "now"): PatternError {
    const live = this.#endpoints.filter((endpoint) => endpoint.retiring === null).map((endpoint) => endpoint.address);
    const named = this.#options.endpoints.filter((endpoint) => !live.includes(endpoint));
    const addresses = [...live, ...(this.#set.dynamic ? named.map((name) => `${name} (resolved to ${live.length === 0 ? "nothing" : "the above"})`) : [])].join(", ");
    return new PatternError("ENOTCONN", `No connection to ${addresses} (${when}): is a server running there?`);
  }

  #delay(failures: number): number {
    return Math.min(this.#backoff.max, this.#backoff.initial * 2 ** Math.max(0, failures - 1));
  }

  #fail(id: number, error: PatternError): void {
    const pending = this.#take(id);
    if (pending !== undefined) pending.reject(error);
  }

  #take(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    this.#pending.delete(id);
    this.#unsent.delete(pending);
    if (pending.timer !== null) clearTimeout(pending.timer);
    this.#deadlines.delete(pending);
    if (pending.onAbort !== undefined) pending.signal!.removeEventListener("abort", pending.onAbort);
    if (pending.endpoint !== null) this.#closeIfIdle(pending.endpoint);
    return pending;
  }

  /** The pending request `id` if `endpoint` was sent it. */
  #answerable(id: number | undefined, endpoint: EndpointState): Pending | undefined {
    const pending = id === undefined ? undefined : this.#pending.get(id);
    return pending !== undefined && pending.sentTo.includes(endpoint) ? pending : undefined;
  }

  /** The server at `endpoint` is closing and refused the request: retry now elsewhere, or fail. */
  #onRefused(id: number | undefined, endpoint: EndpointState): void {
    const pending = this.#answerable(id, endpoint);
    if (pending === undefined || pending.endpoint !== endpoint) {
      this.#unmatched++;
      return;
    }
    endpoint.failures++;
    endpoint.suspendedUntil = Date.now() + this.#delay(endpoint.failures);
    if (pending.attempt > pending.retries || pending.partials > 0) {
      this.#fail(pending.id, new PatternError("ESHUTDOWN", `The server at ${endpoint.address} is closing and refused the request`));
      return;
    }
    if (pending.timer !== null) clearTimeout(pending.timer);
    pending.timer = null;
    this.#deadlines.delete(pending);
    this.#send(pending);
  }

  #onPartial(id: number | undefined, endpoint: EndpointState, message: Buffer[]): void {
    const pending = this.#answerable(id, endpoint);
    if (pending?.onPartial === undefined) {
      this.#unmatched++;
      return;
    }
    pending.partials++;
    try {
      pending.onPartial(message.slice(1));
    } catch (error) {
      this.#fail(pending.id, new PatternError("EINVAL", `onPartial threw: ${(error as Error).message}`, { cause: error }));
    }
  }

  async #receiveLoop(endpoint: EndpointState): Promise<void> {
    for (;;) {
      let message: Buffer[];
      try {
        message = await endpoint.socket.receive();
      } catch {
        return; // closed
      }
      const head = message[0];
      if (head !== undefined && head.length === PARTIAL_CORRELATION_SIZE) {
        const flaggedId = decodeU64(head.subarray(0, 8));
        if (head[8] === PARTIAL_FLAG) this.#onPartial(flaggedId, endpoint, message);
        else if (head[8] === REFUSED_FLAG) this.#onRefused(flaggedId, endpoint);
        else this.#unmatched++;
        continue;
      }
      const answered = this.#answerable(decodeU64(head), endpoint);
      const pending = answered === undefined ? undefined : this.#take(answered.id);
      if (pending === undefined) {
        this.#unmatched++;
        continue;
      }
      endpoint.failures = 0;
      endpoint.suspendedUntil = 0;
      pending.resolve(message.slice(1));
    }
  }
}
