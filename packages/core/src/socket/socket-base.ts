/**
 * What every socket does (libzmq's `socket_base_t`): endpoints (bind,
 * connect, unbind, disconnect), pipes to peers, the send and receive queues
 * behind `send()` / `receive()` / `for await`, options, monitor events and
 * close with linger. A socket type only says what is special about it by
 * implementing the `x*` hooks.
 *
 * Hot path: while a pipe has room, `send()` returns one shared settled
 * promise (no allocation); `receive()` hands out a queued message with a
 * single resolved promise, and waits only when nothing is queued. Every
 * `TURN_BUDGET` such calls, one resolves after a `setImmediate` instead, so a
 * tight `await` loop lets timers and I/O run (util/turn-budget.ts).
 *
 * The socket holds the event loop open while a caller waits on it (a blocked
 * send, a pending receive), as the `zeromq` package does (util/loop-hold.ts).
 */
import { Buffer } from "../util/buffer.js";
import { Context, context as defaultContext } from "../context.js";
import { ZEROMQ_MESSAGE, ZmqError } from "../errors.js";
import { Observer, type EventType } from "../events.js";
import { selectMechanism } from "../mechanism/factory.js";
import type { SecurityOptions, ZapReply, ZapRequest } from "../mechanism/mechanism.js";
import { toCurveKey } from "../mechanism/z85.js";
import {
  IMMEDIATE_OPTIONS,
  OPTION_IDS,
  SOCKET_OPTIONS,
  applyOptions,
  defineOptions,
  optionTypeError,
  type OptionSpec,
  type SocketOptionProperties,
} from "../options.js";
import { Pipe, type Msg, type PipeOwner, type PipeTransport } from "../pipe.js";
import type { StreamHost } from "../transport/stream.js";
import { parseEndpoint, resolveEndpoint, type Connecter, type Listener } from "../transport/transport.js";
import { Deque } from "../util/deque.js";
import { LoopHold } from "../util/loop-hold.js";
import { nextTurn, spendTurn } from "../util/turn-budget.js";
import type { Metadata } from "../zmtp/metadata.js";
import { ownedFrame, toFrame, toMessage, type MessageLike } from "./message.js";
import { recordProperties } from "../message-properties.js";
import { SocketType, socketTypeName, isCompatible } from "./socket-type.js";
import { newOnly } from "../util/new-only.js";
import { emitWarning, unrefTimer } from "../util/platform.js";
import type { SwapOptions, SwapQueue, SwapStats } from "../swap.js";

let swapFactory: ((options: SwapOptions) => SwapQueue) | null = null;

/** @internal Makes SWAP available (Node entry point only: it needs `node:fs`). */
export function registerSwap(factory: (options: SwapOptions) => SwapQueue): void {
  swapFactory = factory;
}

/** Constructor options: any writable option of the socket, plus `context`. */
export type SocketOptions<S> = Partial<{ [K in keyof S]: S[K] }> & {
  /** The context the socket joins (default: the shared {@link context}). */
  context?: Context;
};

interface SendWaiter {
  msg: Msg;
  resolve: () => void;
  reject: (error: ZmqError) => void;
  timer: NodeJS.Timeout | null;
}

interface ReceiveWaiter {
  resolve: (msg: Msg) => void;
  reject: (error: ZmqError) => void;
  timer: NodeJS.Timeout | null;
}

const RESOLVED: Promise<void> = Promise.resolve();
const DONE: IteratorResult<Msg, undefined> = Object.freeze({ done: true, value: undefined });

/** A connected endpoint: one connecter, or one a connect() where the transport allows several (inproc). */
interface Connection {
  connecters: Connecter[];
}

// Also a TransportHost (transport.ts), checked where it passes itself to a transport's bind and connect:
// an `implements` clause would name that internal type in the API reference.
/**
 * What every socket type has: `bind`/`connect` (any number of endpoints of any transport), `send` and
 * `receive` (or `for await`), the options as properties, the monitor `events`, and `close`. Create a
 * concrete type (`Push`, `Router`...); see docs/guide/context-and-sockets.md.
 */
export abstract class Socket implements PipeOwner, StreamHost {
  /** The monitor of this socket: `for await (const event of socket.events)` or `socket.events.on(...)`. */
  readonly events = new Observer();
  /** The context the socket belongs to. */
  readonly context: Context;
  /** @internal Option values; read them through the properties. */
  readonly options: Record<string, unknown> = Object.create(null);
  /** The numeric socket type (`zeromq`'s `SocketType`). */
  readonly type: SocketType;

  /** @internal Pipes to every peer. */
  protected readonly pipes = new Set<Pipe>();
  #bindings = new Map<string, Listener>();
  #connections = new Map<string, Connection>();
  #sendWaiters = new Deque<SendWaiter>();
  /** Set while {@link trySend} runs; a call from within it only asks for another pass. */
  #sendingNow = false;
  #sendAgain = false;
  #receiveWaiters = new Deque<ReceiveWaiter>();
  /** Held while a send or receive waits (keeps the process alive). */
  #loopHold = new LoopHold();
  /** Settles after the event loop's next turn, once the turn budget is spent; null otherwise. */
  #turn: Promise<void> | null = null;
  #closed = false;
  #recordProperties = false;
  /** SWAP, once opened (null: off, the send path's only cost). */
  #swap: SwapQueue | null = null;
  /** A `swap*` option was set: the swap opens at the next send or attach. */
  #swapPending = false;
  #swapDraining = false;
  #swapDrainScheduled = false;
  #lastEndpoint: string | null = null;
  #pendingBinds = 0;
  /** close() was called while a bind or unbind was in progress; it runs when that ends (as `zeromq`). */
  #closeRequested = false;
  /** Readiness listeners (Poller, Proxy); empty on the hot path, so one size check. */
  #readiness = new Set<() => void>();
  /** `send()` of one Buffer may take {@link xsendFrame} (see {@link #takesFrames}). */
  readonly #sendsFrames: boolean;

  protected constructor(type: SocketType, options?: Record<string, unknown>) {
    // The argument checks of zeromq's Socket(type, options), for code that subclasses Socket.
    if (arguments.length > 2) throw new TypeError(`Expected 2 arguments but received ${arguments.length}`);
    if (typeof type !== "number") throw new TypeError("Socket type must be a number");
    if (socketTypeName(type) === undefined) throw new ZmqError("EINVAL", `Unknown socket type ${type}`);
    if (options !== undefined && options !== null && typeof options !== "object") throw new TypeError("Options must be an object");
    this.type = type;
    const ctx = (options?.context as Context | undefined) ?? defaultContext;
    if (!(ctx instanceof Context)) throw new ZmqError("EINVAL", "Option context must be a Context");
    this.context = ctx;
    if (!ctx.blocky) this.options.linger = 0;
    if (ctx.maxMessageSize !== -1) this.options.maxMessageSize = ctx.maxMessageSize;
    if (ctx.ipv6) this.options.ipv6 = true;
    applyOptions(this, options, ["context"]);
    this.#recordProperties = this.options.messageProperties === true;
    this.#sendsFrames = takesFrames(this);
    ctx.register(this);
  }

  /**
   * Called last by each socket class's constructor: an instance of exactly
   * that class then takes no new properties, so a misspelt option
   * (`socket.lingr = 0`) throws a TypeError, as with `zeromq`'s sockets.
   * Instances of a user's subclass stay open for its own fields.
   */
  protected sealIfExactly(cls: abstract new (...args: never[]) => object): void {
    if (this.constructor === cls) Object.preventExtensions(this);
  }

  // ---- state ------------------------------------------------------------------

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether a message can be received now without waiting. */
  get readable(): boolean {
    return !this.#closed && this.xhasIn();
  }

  /** skein: SWAP counters (spilled, drained, recovered, cut bytes), null while SWAP is off. */
  get swapStats(): Readonly<SwapStats> | null {
    return this.#swap?.stats ?? null;
  }

  /** skein: messages waiting in the SWAP spill on disk (0 when off). */
  get swapLength(): number {
    return this.#swap?.length ?? 0;
  }

  /** Whether a message can be sent now without waiting. */
  get writable(): boolean {
    return !this.#closed && this.xhasOut();
  }

  /** The endpoint last bound, with the port resolved (`tcp://127.0.0.1:49152`). */
  get lastEndpoint(): string | null {
    return this.#lastEndpoint;
  }

  /** The security mechanism in use: null (NULL), "plain" or "curve". */
  get securityMechanism(): null | "plain" | "curve" {
    const { name } = this.greetingMechanism();
    return name === "NULL" ? null : (name.toLowerCase() as "plain" | "curve");
  }

  /** Sockets are used from one event loop; they are not shared across threads. */
  get threadSafe(): boolean {
    return false;
  }

  /** @internal RFC name of the socket type. */
  get socketTypeName(): string {
    return socketTypeName(this.type);
  }

  // ---- endpoints ----------------------------------------------------------------

  /**
   * Binds to an endpoint: `tcp://*:5555`, `tcp://127.0.0.1:0`, `ipc:///tmp/x`,
   * `inproc://name`. Rejects with `EADDRINUSE`, `EINVAL`, `EPROTONOSUPPORT`...
   *
   * ```ts
   * await socket.bind("tcp://127.0.0.1:*")
   * console.log(socket.lastEndpoint)
   * ```
   */
  async bind(address: string): Promise<void> {
    this.#checkOpen();
    this.#checkNotBlocked();
    this.#pendingBinds++;
    try {
      // Always settle after this call returns, so close() right after bind() is deferred (as zeromq).
      await RESOLVED;
      const { transport, endpoint } = resolveEndpoint(address, true, this.option<boolean>("ipv6"));
      // A transport that binds at once (inproc) is not awaited: its bind settles in this same turn.
      const bound = transport.bind(this, endpoint);
      const listener = transport.bindsSynchronously === true ? (bound as Listener) : await bound;
      const resolved = listener.endpoint;
      if (this.#closed) {
        listener.close(true, 0);
        throw new ZmqError("ETERM", "Socket was closed while binding", address);
      }
      this.#bindings.set(resolved, listener);
      // A wildcard port or ipc path names no endpoint: unbind takes the resolved one (as libzmq).
      if (resolved !== address && !transport.isWildcard(endpoint)) this.#bindings.set(address, listener);
      this.#lastEndpoint = resolved;
      this.emitEvent("bind", resolved);
    } catch (error) {
      // libzmq reports a failed bind with the address after "scheme://" (zmq_socket_monitor).
      if (error instanceof ZmqError && error.code !== "ETERM") this.emitEvent("bind:error", address.replace(/^[a-z0-9+.-]*:\/\//i, ""), { error });
      throw error;
    } finally {
      this.#endBlocking();
    }
  }

  /**
   * Stops listening on an endpoint bound before, and drops the peers accepted
   * there. As in `zeromq`, another bind or unbind meanwhile rejects with
   * `EBUSY`, and `close()` meanwhile takes effect once the unbind is done.
   */
  async unbind(address: string): Promise<void> {
    this.#checkOpen();
    this.#checkNotBlocked();
    this.#pendingBinds++;
    try {
      await RESOLVED;
      this.unbindSync(address);
    } finally {
      this.#endBlocking();
    }
  }

  /** EBUSY while a bind or unbind is in progress, as `zeromq`. */
  #checkNotBlocked(): void {
    if (this.#pendingBinds > 0) throw new ZmqError("EBUSY", "Another bind() or unbind() of this socket is in progress; await it first", undefined, { message: ZEROMQ_MESSAGE.blocked });
  }

  #endBlocking(): void {
    this.#pendingBinds--;
    if (this.#pendingBinds === 0 && this.#closeRequested) this.close();
  }

  /** Synchronous {@link unbind}: stops listening at once (the listener closes in the background). */
  unbindSync(address: string): void {
    this.#checkOpen();
    parseEndpoint(address, true, this.option<boolean>("ipv6"));
    const listener = this.#bindings.get(address);
    if (listener === undefined) throw new ZmqError("ENOENT", `Not bound to ${address}`, address);
    for (const [key, value] of this.#bindings) if (value === listener) this.#bindings.delete(key);
    listener.close(true, this.option<number>("linger"));
  }

  /** Synchronous {@link bind}; supported for inproc:// only (network binds are asynchronous in Node). */
  bindSync(address: string): void {
    const { transport, endpoint } = resolveEndpoint(address, true, this.option<boolean>("ipv6"));
    if (transport.bindsSynchronously !== true) {
      throw new ZmqError("ENOTSUP", "bindSync() works for inproc:// only; use await bind() (see docs/compat.md)", address);
    }
    this.#checkOpen();
    const listener = transport.bind(this, endpoint) as Listener;
    this.#bindings.set(listener.endpoint, listener);
    this.#lastEndpoint = listener.endpoint;
    this.emitEvent("bind", listener.endpoint);
  }

  /**
   * Connects to an endpoint. Returns at once: the connection is made (and
   * remade after failures, with `reconnectInterval` backoff) in the background,
   * so peers may start in any order.
   */
  connect(address: string, options?: { routingId?: string | Buffer }): void {
    this.#checkOpen();
    const { transport, endpoint } = resolveEndpoint(address, false, this.option<boolean>("ipv6"));
    const existing = this.#connections.get(address);
    if (existing !== undefined && transport.connectsRepeatedly !== true) {
      throw new ZmqError("EINVAL", `Already connected to ${address}`, address);
    }
    const routingId = options?.routingId === undefined ? null : toFrame(options.routingId);
    const connecter = transport.connect(this, endpoint, routingId);
    if (existing !== undefined) existing.connecters.push(connecter);
    else this.#connections.set(address, { connecters: [connecter] });
    connecter.start();
  }

  /** Disconnects from an endpoint connected before; its queued messages are dropped per `linger`. */
  disconnect(address: string): void {
    this.#checkOpen();
    parseEndpoint(address, true, this.option<boolean>("ipv6"));
    const connection = this.#connections.get(address);
    if (connection === undefined) throw new ZmqError("ENOENT", `Not connected to ${address}`, address);
    this.#connections.delete(address);
    this.#dropConnection(connection, this.option<number>("linger"));
  }

  #dropConnection(connection: Connection, lingerMs: number): void {
    for (const connecter of connection.connecters) {
      // A connecter still waiting to deliver queued messages keeps its pipe (see StreamConnecter.close).
      if (connecter.close(lingerMs) && connecter.pipe !== null) this.pipes.delete(connecter.pipe);
    }
  }

  // ---- sending and receiving ----------------------------------------------------------

  /**
   * Sends a message: one frame or an array of frames (sent atomically).
   * Resolves once the message is queued for a peer. While queues are full
   * (high-water mark) it waits, up to `sendTimeout` (then `EAGAIN`). As in
   * `zeromq`, a `send()` while another still waits throws `EBUSY`; with
   * `maxPendingSends` above 1 (or 0: no limit) they wait in order instead.
   */
  send(message: MessageLike | MessageLike[], options?: unknown): Promise<void> {
    if (this.#closed) return Promise.reject(new ZmqError("EBADF", "Socket is closed"));
    // Thrown, not rejected, as zeromq does: the caller issued a call it must not.
    if (this.#sendWaiters.length > 0 && this.#atPendingLimit(this.#sendWaiters.length, "maxPendingSends")) {
      throw new ZmqError("EBUSY", "A send() is already waiting: await it first, or raise maxPendingSends", undefined, { message: ZEROMQ_MESSAGE.busyWriting });
    }
    if (this.#sendsFrames && this.#sendWaiters.length === 0 && this.#swap === null && !this.#swapPending && options === undefined) {
      // One frame, nothing waiting before it: no message array, and no copy of its bytes when the connection
      // encodes it at once. A message of one Buffer in an array (a received message sent back) is one frame too.
      const frame = Buffer.isBuffer(message) ? message : oneBuffer(message);
      try {
        if (frame !== null && this.xsendFrame(frame)) return this.#turn === null && spendTurn() ? RESOLVED : this.#afterTurn();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    let msg: Msg;
    try {
      msg = this.outgoingMessage(message, options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#swapPending) this.#openSwap();
    if (this.#sendWaiters.length === 0) {
      try {
        if (this.#swap === null ? this.xsend(msg) : this.#swapSend(this.#swap, msg)) return this.#turn === null && spendTurn() ? RESOLVED : this.#afterTurn();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const timeout = this.option<number>("sendTimeout");
    if (timeout === 0) return Promise.reject(new ZmqError("EAGAIN", "Socket is busy: no peer can take a message now"));
    return new Promise<void>((resolve, reject) => {
      const waiter: SendWaiter = { msg, resolve, reject, timer: null };
      if (timeout > 0) {
        waiter.timer = setTimeout(() => {
          this.#sendWaiters.remove((w) => w === waiter);
          this.#releaseIfIdle();
          reject(new ZmqError("EAGAIN", `Send timed out after ${timeout} ms`));
        }, timeout);
      }
      this.#sendWaiters.push(waiter);
      this.#loopHold.hold();
    });
  }

  /**
   * Receives the next message as an array of frames. Waits up to
   * `receiveTimeout` (then `EAGAIN`). A `receive()` while another still waits
   * throws `EBUSY`, as in `zeromq`, unless `maxPendingReceives` allows more.
   */
  receive(): Promise<Msg> {
    if (this.#closed) return Promise.reject(new ZmqError("EBADF", "Socket is closed"));
    if (this.#receiveWaiters.length > 0 && this.#atPendingLimit(this.#receiveWaiters.length, "maxPendingReceives")) {
      throw new ZmqError("EBUSY", "A receive() is already waiting: await it first, or raise maxPendingReceives", undefined, { message: ZEROMQ_MESSAGE.busyReading });
    }
    if (this.#receiveWaiters.length === 0) {
      try {
        const msg = this.xrecv();
        if (msg !== undefined) {
          if (this.#recordProperties) this.#record(msg);
          return this.#turn === null && spendTurn() ? Promise.resolve(msg) : this.#afterTurnWith(msg);
        }
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const timeout = this.option<number>("receiveTimeout");
    if (timeout === 0) return Promise.reject(new ZmqError("EAGAIN", "No message is waiting"));
    return new Promise<Msg>((resolve, reject) => {
      const waiter: ReceiveWaiter = { resolve, reject, timer: null };
      if (timeout > 0) {
        waiter.timer = setTimeout(() => {
          this.#receiveWaiters.remove((w) => w === waiter);
          this.#releaseIfIdle();
          reject(new ZmqError("EAGAIN", `Receive timed out after ${timeout} ms`));
        }, timeout);
      }
      this.#receiveWaiters.push(waiter);
      this.#loopHold.hold();
    });
  }

  /**
   * The promise a call completed at once returns when the turn budget is
   * spent: it settles after one `setImmediate`. Calls completed before it
   * settles chain on it, so they still settle in call order.
   */
  #afterTurn(): Promise<void> {
    if (this.#turn !== null) return this.#turn;
    const turn = new Promise<void>((resolve) => {
      nextTurn(() => {
        this.#turn = null;
        resolve();
      });
    });
    this.#turn = turn;
    return turn;
  }

  /**
   * {@link #afterTurn} settling with `value`. A function of its own: a closure
   * in the caller would make V8 allocate a context on the fast path too.
   */
  #afterTurnWith<T>(value: T): Promise<T> {
    return this.#afterTurn().then(() => value);
  }

  /** Lets the event loop go once nobody waits on this socket. */
  #releaseIfIdle(): void {
    if (this.#sendWaiters.length === 0 && this.#receiveWaiters.length === 0) this.#loopHold.release();
  }

  /**
   * What `send()` queues for its arguments: the frames of `message`. Draft
   * types override it to refuse multipart messages and to read `options`
   * (SERVER's `routingId`, RADIO's `group`).
   */
  protected outgoingMessage(message: MessageLike | MessageLike[], options: unknown): Msg {
    void options;
    return toMessage(message);
  }

  /** Iterates received messages until the socket is closed. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Msg> & AsyncIterator<Msg, undefined> {
    const next = (): Promise<IteratorResult<Msg, undefined>> => {
      if (this.#closed) return Promise.resolve(DONE);
      if (this.#receiveWaiters.length === 0) {
        try {
          const msg = this.xrecv();
          if (msg !== undefined) {
            if (this.#recordProperties) this.#record(msg);
            const result: IteratorResult<Msg, undefined> = { done: false, value: msg };
            return this.#turn === null && spendTurn() ? Promise.resolve(result) : this.#afterTurnWith(result);
          }
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return this.receive().then(
        (value) => ({ done: false, value }),
        (error: ZmqError) => {
          if (this.#closed && error.code === "EAGAIN") return DONE;
          throw error;
        },
      );
    };
    const iterator = {
      next,
      return: (): Promise<IteratorResult<Msg, undefined>> => Promise.resolve(DONE),
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator as AsyncIterableIterator<Msg> & AsyncIterator<Msg, undefined>;
  }

  /** SWAP's send: after what is spilled, to a pipe if one has room, else to disk if under `swapMaxBytes`. */
  #swapSend(swap: SwapQueue, msg: Msg): boolean {
    if (swap.length === 0 && this.xsend(msg)) return true;
    return swap.tryAppend(msg);
  }

  #openSwap(): void {
    this.#swapPending = false;
    const directory = this.option<string | null>("swapDirectory");
    if (directory === null || directory === "" || this.#swap !== null) return;
    if (swapFactory === null) throw new ZmqError("ENOTSUP", "SWAP needs a file system (the Node entry point of @skein/core)");
    this.#swap = swapFactory({ directory, maxBytes: this.option<number>("swapMaxBytes"), durable: this.option<boolean>("swapDurable") });
  }

  /** Sends spilled messages, oldest first, while pipes have room; true once none is left. */
  #drainSwap(swap: SwapQueue): boolean {
    // A send can flush and report room at once (pipeWritable): the loop already running goes on.
    if (this.#swapDraining) return false;
    this.#swapDraining = true;
    try {
      for (;;) {
        let msg;
        try {
          msg = swap.peek();
        } catch (error) {
          // The spill cannot be read back (a corrupt or vanished file): counted, warned, dropped.
          swap.discard(error as Error);
          emitWarning(`SWAP spill discarded: ${(error as Error).message}`);
          return true;
        }
        if (msg === undefined) return true;
        if (!this.xsend(msg)) return false;
        swap.shift();
      }
    } finally {
      this.#swapDraining = false;
    }
  }

  /**
   * Serves waiting senders in order while the socket type accepts messages.
   * Not re-entered: a message handed on can make a pipe report room at once
   * (the connection writes it and takes it from the pipe, or an inproc peer
   * reads it), and serving the head waiter again from there would send it
   * twice and recurse without end. The call already running goes on instead.
   */
  protected trySend(): void {
    if (this.#sendingNow) {
      this.#sendAgain = true;
      return;
    }
    this.#sendingNow = true;
    try {
      do {
        this.#sendAgain = false;
        if (!this.#serveSenders()) continue;
        this.#releaseIfIdle();
        return;
      } while (this.#sendAgain);
    } finally {
      this.#sendingNow = false;
    }
  }

  /** One pass of {@link trySend}: true once no sender is left waiting. */
  #serveSenders(): boolean {
    if (this.#swap !== null && !this.#drainSwap(this.#swap)) return false;
    let waiter;
    while ((waiter = this.#sendWaiters.peek()) !== undefined) {
      try {
        if (!this.xsend(waiter.msg)) return false;
      } catch (error) {
        this.#sendWaiters.shift();
        if (waiter.timer !== null) clearTimeout(waiter.timer);
        waiter.reject(error as ZmqError);
        continue;
      }
      this.#sendWaiters.shift();
      if (waiter.timer !== null) clearTimeout(waiter.timer);
      waiter.resolve();
    }
    return true;
  }

  /** Whether `pending` waiting calls reach the `maxPendingSends`/`maxPendingReceives` option (0: no limit). */
  #atPendingLimit(pending: number, option: string): boolean {
    const limit = this.option<number>(option);
    return limit > 0 && pending >= limit;
  }

  #record(msg: Msg): void {
    const pipe = this.lastReceivedPipe();
    if (pipe !== null) recordProperties(msg, pipe);
  }

  /** The pipe the last message handed out came from (for message properties). */
  protected lastReceivedPipe(): Pipe | null {
    return null;
  }

  /** Serves waiting receivers in order while messages are available. */
  protected tryReceive(): void {
    let waiter;
    while ((waiter = this.#receiveWaiters.peek()) !== undefined) {
      let msg;
      try {
        msg = this.xrecv();
      } catch (error) {
        this.#receiveWaiters.shift();
        if (waiter.timer !== null) clearTimeout(waiter.timer);
        waiter.reject(error as ZmqError);
        continue;
      }
      if (msg === undefined) return;
      this.#receiveWaiters.shift();
      if (waiter.timer !== null) clearTimeout(waiter.timer);
      if (this.#recordProperties) this.#record(msg);
      waiter.resolve(msg);
    }
    this.#releaseIfIdle();
  }

  // ---- closing -------------------------------------------------------------------

  /**
   * Closes the socket. Pending receives and sends reject with `EAGAIN`;
   * queued messages are sent in the background for up to `linger` ms
   * (-1: until sent, 0: dropped). Calling it twice is a no-op. While a
   * `bind()` or `unbind()` is in progress the close waits for it (`closed`
   * stays false until then), as in `zeromq`.
   */
  close(): void {
    if (this.#pendingBinds > 0 && !this.#closed) {
      this.#closeRequested = true;
      return;
    }
    this.#close("EAGAIN", "Socket was closed");
  }

  /** @internal Closes as part of `context.close()`: pending calls end with `ETERM`. */
  terminate(): void {
    this.#close("ETERM", "Context was terminated");
  }

  #close(code: string, reason: string, warn = true): void {
    if (this.#closed) return;
    this.#closed = true;
    const linger = this.option<number>("linger");
    const closedError = (): ZmqError => new ZmqError(code, reason);
    let waiter;
    while ((waiter = this.#receiveWaiters.shift()) !== undefined) {
      if (waiter.timer !== null) clearTimeout(waiter.timer);
      waiter.reject(closedError());
    }
    let sender;
    while ((sender = this.#sendWaiters.shift()) !== undefined) {
      if (sender.timer !== null) clearTimeout(sender.timer);
      sender.reject(closedError());
    }
    this.#loopHold.release();
    this.#swap?.close();
    if (linger !== 0 && warn) this.#warnIfLingering(linger);
    for (const listener of new Set(this.#bindings.values())) listener.close(true, linger);
    this.#bindings.clear();
    for (const connection of this.#connections.values()) this.#dropConnection(connection, linger);
    this.#connections.clear();
    for (const pipe of [...this.pipes]) pipe.terminate(linger);
    this.pipes.clear();
    this.context.unregister(this);
    this.emitEvent("end", undefined);
    this.events.close();
    if (this.#readiness.size > 0) this.#notifyReadiness();
  }

  /**
   * @internal Process exit (exit-linger.ts): if messages wait for peers and
   * `linger` lets them go out, closes the socket, as `zeromq` closes every
   * socket at exit, and returns what counts those still queued; else null.
   */
  closeAtExit(): (() => number) | null {
    if (this.#closed || this.option<number>("linger") === 0) return null;
    const flushing = this.#flushingPipes();
    if (flushing.length === 0) return null;
    // zeromq's own warning replaces SKEIN_LINGER here (exit-linger.ts).
    this.#close("ETERM", "Process is exiting", false);
    return () => stillQueued(flushing);
  }

  /** Pipes whose queued messages a close keeps sending: connected ones, and connect-side ones waiting for a connection. */
  #flushingPipes(): FlushingPipe[] {
    const flushing: FlushingPipe[] = [];
    for (const pipe of this.pipes) {
      if (pipe.outbound.length > 0 && (pipe.transport !== null || pipe.outgoing)) flushing.push([pipe, pipe.transport]);
    }
    return flushing;
  }

  /**
   * Queued messages of connected peers are still flushed after close (within
   * `linger`), which keeps the process alive. If that is still going on after
   * a second, say so, as the `zeromq` package does when exit is delayed.
   */
  #warnIfLingering(linger: number): void {
    const flushing = this.#flushingPipes();
    if (flushing.length === 0) return;
    const timer = setTimeout(() => {
      const queued = stillQueued(flushing);
      if (queued === 0) return;
      emitWarning(
        `A closed ${this.constructor.name} socket still has ${queued} queued message(s) to send (linger ${linger}), ` +
          "which keeps the process alive. Set linger to 0, or to a bound in ms, to exit without waiting.",
        "SKEIN_LINGER",
      );
    }, 1000);
    unrefTimer(timer);
  }

  /** @internal Messages received from peers and not yet read. */
  pendingInbound(): number {
    let n = 0;
    for (const pipe of this.pipes) n += pipe.inboundLength;
    return n;
  }

  /** @internal Peers this socket has a pipe to now (connected or attached over inproc). */
  peerCount(): number {
    return this.pipes.size;
  }

  /** @internal Whether the socket is bound or connected to at least one endpoint. */
  hasEndpoints(): boolean {
    return this.#bindings.size > 0 || this.#connections.size > 0;
  }

  /** @internal Messages queued for peers and not yet written. */
  pendingOutbound(): number {
    let n = 0;
    for (const pipe of this.pipes) n += pipe.outbound.length;
    return n;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ZmqError("EBADF", "Socket is closed");
  }

  // ---- pipes (PipeOwner, StreamHost) --------------------------------------------------------

  /** @internal */
  createPipe(outgoing: boolean, endpoint: string): Pipe {
    const pipe = new Pipe(this, this.option<number>("sendHighWaterMark"), this.option<number>("receiveHighWaterMark"), outgoing);
    pipe.endpoint = endpoint;
    if (this.options.conflate === true) pipe.conflate = true;
    return pipe;
  }

  /** @internal */
  attachPipe(pipe: Pipe): boolean {
    if (this.#closed) {
      pipe.terminate();
      return false;
    }
    if (!this.xattachPipe(pipe)) return false;
    this.pipes.add(pipe);
    if (this.#swapPending) this.#openSwap();
    if (pipe.hasIn()) this.pipeReadable(pipe);
    this.trySend();
    if (this.#readiness.size > 0) this.#notifyReadiness();
    return true;
  }

  /**
   * @internal Calls `listener` whenever the socket may have become readable
   * or writable (a pipe got messages, room, or was attached; the socket
   * closed). Level-triggered users re-check `readable`/`writable`.
   * Returns the function that removes the listener.
   */
  onReadiness(listener: () => void): () => void {
    this.#readiness.add(listener);
    return () => this.#readiness.delete(listener);
  }

  #notifyReadiness(): void {
    for (const listener of [...this.#readiness]) listener();
  }

  /** @internal */
  pipeReadable(pipe: Pipe): void {
    this.xreadActivated(pipe);
    if (this.#receiveWaiters.length > 0) this.tryReceive();
    if (this.#readiness.size > 0) this.#notifyReadiness();
  }

  /** @internal */
  pipeWritable(pipe: Pipe): void {
    this.xwriteActivated(pipe);
    if (this.#swap !== null && this.#swap.length > 0) this.#scheduleSwapDrain();
    else if (this.#sendWaiters.length > 0) this.trySend();
    if (this.#readiness.size > 0) this.#notifyReadiness();
  }

  /**
   * Room is reported while an engine takes a message (pipe.takeOutbound): a
   * spilled message sent right then would be encoded before the one being
   * taken. The drain runs once that call has returned.
   */
  #scheduleSwapDrain(): void {
    if (this.#swapDrainScheduled) return;
    this.#swapDrainScheduled = true;
    queueMicrotask(() => {
      this.#swapDrainScheduled = false;
      if (!this.#closed) this.trySend();
    });
  }

  /** @internal */
  pipeTerminated(pipe: Pipe): void {
    if (!this.pipes.delete(pipe)) return;
    this.xpipeTerminated(pipe);
  }

  /** @internal */
  pipeHiccuped(pipe: Pipe): void {
    this.xhiccuped(pipe);
  }

  /**
   * @internal Whether connect() makes its pipe before the first connection. A ROUTER does
   * when connect() names the peer's routing id, so it can route to it at once (as libzmq).
   */
  pipeBeforeConnect(routingId: Buffer | null = null): boolean {
    return !this.option<boolean>("immediate") && (!this.routesByIdentity() || routingId !== null);
  }

  /** ROUTER-like sockets need the peer's identity before they attach a pipe. */
  protected routesByIdentity(): boolean {
    return false;
  }

  /** @internal */
  emitEvent(type: EventType, address: string | undefined, extra?: { error?: ZmqError; interval?: number }): void {
    if (!this.events.wants(type)) return;
    this.events.emit(address === undefined ? { type, ...extra } : { type, address, ...extra });
  }

  /** @internal Option value with its default. */
  option<T>(name: string): T {
    const value = this.options[name];
    if (value !== undefined) return value as T;
    return (this.#optionSpec(name)?.default ?? null) as T;
  }

  #optionSpec(name: string): OptionSpec | undefined {
    return SOCKET_OPTIONS[name] ?? (this.constructor as { optionSpecs?: Record<string, OptionSpec> }).optionSpecs?.[name];
  }

  /** @internal Called when an option property is set. */
  optionChanged(name: string): void {
    if (name.startsWith("swap")) this.#swapPending = true;
    if (name === "messageProperties") this.#recordProperties = this.options.messageProperties === true;
    if (name === "sendHighWaterMark" || name === "receiveHighWaterMark") {
      // Existing pipes take the new marks at once, as in libzmq 4.3.
      const send = this.option<number>("sendHighWaterMark");
      const receive = this.option<number>("receiveHighWaterMark");
      for (const pipe of [...this.pipes]) pipe.setHighWaterMarks(send, receive);
    }
    if ((this.#bindings.size > 0 || this.#connections.size > 0 || this.#pendingBinds > 0) && !IMMEDIATE_OPTIONS.has(name)) {
      // Most options are read when a connection is made; zeromq warns with these very words.
      emitWarning("Socket option will not take effect until next connect/bind.");
    }
  }

  // ---- options by libzmq number (zeromq's low-level accessors) ----------------------------

  /** Reads a boolean option by its libzmq number (`ZMQ_IMMEDIATE` = 39...), as `zeromq`'s `getBoolOption`. */
  getBoolOption(option: number): boolean {
    return this.#optionById(option, arguments.length, 1) as boolean;
  }

  /** Sets a boolean option by its libzmq number. */
  setBoolOption(option: number, value: boolean): void {
    if (typeof value !== "boolean") throw new TypeError("Option value must be a boolean");
    this.#setOptionById(option, value, arguments.length);
  }

  /** Reads a 32-bit integer option by its libzmq number (`ZMQ_BACKLOG` = 19...). */
  getInt32Option(option: number): number {
    return this.#optionById(option, arguments.length, 1) as number;
  }

  /** Sets a 32-bit integer option by its libzmq number. */
  setInt32Option(option: number, value: number): void {
    if (typeof value !== "number") throw new TypeError("Option value must be a number");
    this.#setOptionById(option, value, arguments.length);
  }

  /** Reads a 64-bit integer option by its libzmq number (`ZMQ_MAXMSGSIZE` = 22). */
  getInt64Option(option: number): number {
    return this.#optionById(option, arguments.length, 1) as number;
  }

  /** Sets a 64-bit integer option by its libzmq number. */
  setInt64Option(option: number, value: number): void {
    if (typeof value !== "number") throw new TypeError("Option value must be a number");
    this.#setOptionById(option, value, arguments.length);
  }

  /** Reads an unsigned 64-bit option by its libzmq number (`ZMQ_AFFINITY` = 4). */
  getUint64Option(option: number): number {
    return this.#optionById(option, arguments.length, 1) as number;
  }

  /** Sets an unsigned 64-bit option by its libzmq number; warns, as `zeromq`, above `Number.MAX_SAFE_INTEGER`. */
  setUint64Option(option: number, value: number): void {
    if (typeof value !== "number") throw new TypeError("Option value must be a number");
    if (value > Number.MAX_SAFE_INTEGER) {
      emitWarning("Value is larger than Number.MAX_SAFE_INTEGER and may have been rounded inaccurately.");
    }
    this.#setOptionById(option, value, arguments.length);
  }

  /** Reads a string option by its libzmq number (`ZMQ_ROUTING_ID` = 5...); null when unset. */
  getStringOption(option: number): string | null {
    const value = this.#optionById(option, arguments.length, 1);
    return Buffer.isBuffer(value) ? value.toString("utf8") : (value as string | null);
  }

  /** Sets a string option by its libzmq number (a string, a Buffer or null). */
  setStringOption(option: number, value: string | Buffer | null): void {
    if (value !== null && typeof value !== "string" && !Buffer.isBuffer(value)) {
      throw new TypeError("Option value must be a string or buffer");
    }
    this.#setOptionById(option, value, arguments.length);
  }

  /** The option property a libzmq option number names on this socket; EINVAL if it has none. */
  #optionName(option: unknown, given: number, expected: number): string {
    if (given > expected) throw new TypeError(`Expected ${expected} argument${expected === 1 ? "" : "s"} but received ${given}`);
    if (typeof option !== "number") throw new TypeError("Identifier must be a number");
    const name = OPTION_IDS[option];
    if (name === undefined || !(name in this)) throw new ZmqError("EINVAL", `This socket has no option number ${option}`);
    return name;
  }

  #optionById(option: number, given: number, expected: number): unknown {
    return (this as unknown as Record<string, unknown>)[this.#optionName(option, given, expected)];
  }

  #setOptionById(option: number, value: unknown, given: number): void {
    const name = this.#optionName(option, given, 2);
    const descriptor = optionDescriptor(this, name);
    if (descriptor?.set === undefined) throw optionTypeError("Invalid argument", `Option number ${option} (${name}) is read-only`);
    (this as unknown as Record<string, unknown>)[name] = value;
  }

  // ---- ZMTP (EngineSocket) ------------------------------------------------------------------

  /** @internal */
  isCompatible(peerType: string): boolean {
    return isCompatible(this.socketTypeName, peerType);
  }

  /** @internal Subscriptions are commands on the wire for these. */
  get sendsSubscriptions(): boolean {
    return false;
  }

  /** @internal */
  get receivesSubscriptions(): boolean {
    return false;
  }

  /** @internal The routing id this socket announces in READY (`routingId` option). */
  announcedRoutingId(): Buffer | null {
    const id = this.options.routingId;
    return id === undefined || id === null ? null : toFrame(id as string | Buffer);
  }

  /** @internal */
  localMetadata(): Metadata {
    const metadata: Metadata = new Map([["Socket-Type", Buffer.from(this.socketTypeName, "latin1")]]);
    const type = this.socketTypeName;
    if (type === "REQ" || type === "DEALER" || type === "ROUTER") {
      metadata.set("Identity", this.announcedRoutingId() ?? Buffer.alloc(0));
    }
    return metadata;
  }

  /** @internal */
  securityOptions(): SecurityOptions {
    return {
      plainServer: this.option<boolean>("plainServer"),
      plainUsername: this.option<string | null>("plainUsername"),
      plainPassword: this.option<string | null>("plainPassword"),
      curveServer: this.option<boolean>("curveServer"),
      curvePublicKey: this.#curveKey("curvePublicKey"),
      curveSecretKey: this.#curveKey("curveSecretKey"),
      curveServerKey: this.#curveKey("curveServerKey"),
      zapDomain: this.option<string | null>("zapDomain"),
    };
  }

  #curveKey(name: string): Buffer | null {
    const value = this.options[name] as string | Buffer | Uint8Array | null | undefined;
    return value === undefined || value === null ? null : toCurveKey(value, name);
  }

  /** @internal The mechanism the options choose (mechanism/factory.ts), for our greeting. */
  greetingMechanism(): { name: string; asServer: boolean } {
    return selectMechanism(this.#readOption);
  }

  readonly #readOption = (name: string): unknown => this.option(name);

  /** @internal Asks the context's ZAP handler (RFC 27); null when none is installed. */
  authenticate(request: ZapRequest, abandoned?: AbortSignal): Promise<ZapReply | null> {
    return this.context.zap.authenticate(request, abandoned);
  }

  // ---- what each socket type says ---------------------------------------------------------------

  /** A pipe to a new peer; return false to refuse it. */
  protected abstract xattachPipe(pipe: Pipe): boolean;
  /** A pipe is gone. */
  protected abstract xpipeTerminated(pipe: Pipe): void;
  /** A pipe has messages to read. */
  protected xreadActivated(pipe: Pipe): void {
    void pipe;
  }
  /** A pipe has room again. */
  protected xwriteActivated(pipe: Pipe): void {
    void pipe;
  }
  /** A pipe was reconnected. */
  protected xhiccuped(pipe: Pipe): void {
    void pipe;
  }
  /** Sends a message; false if it must wait (no peer has room). Throws for EFSM and the like. */
  protected xsend(msg: Msg): boolean {
    void msg;
    throw new ZmqError("ENOTSUP", `${this.constructor.name} sockets cannot send`);
  }
  /**
   * Sends a message of one frame, `frame` as the user passed it (its bytes
   * not copied yet: the pipe copies or encodes them before this returns).
   * A socket type whose routing of a one-frame message is its `xsend`'s
   * overrides both in the same class to save the message array (PUSH).
   */
  protected xsendFrame(frame: Buffer): boolean {
    return this.xsend([ownedFrame(frame)]);
  }
  /** Receives a message, or undefined when none is waiting. */
  protected xrecv(): Msg | undefined {
    throw new ZmqError("ENOTSUP", `${this.constructor.name} sockets cannot receive`);
  }
  protected xhasIn(): boolean {
    return false;
  }
  protected xhasOut(): boolean {
    return false;
  }
}

// Called without `new`, fails with the TypeError of zeromq's native Socket class (util/new-only.ts).
// @ts-expect-error TS2629: a class declaration's binding may be replaced; code inside the class still sees the class.
Socket = newOnly(Socket);

defineOptions(Socket.prototype, SOCKET_OPTIONS);

/**
 * Whether `send()` of one Buffer may go to the socket's `xsendFrame`: only
 * when the class that says how it sends (`xsend`) also says how it sends one
 * frame, and `send()`'s arguments become frames the usual way. A subclass
 * that changes either (REQ over DEALER, SCATTER's checks over PUSH) then
 * keeps its own rules without knowing of the shortcut.
 */
function takesFrames(socket: Socket): boolean {
  const sender = ownerOf(socket, "xsend");
  return sender !== Socket.prototype && ownerOf(socket, "xsendFrame") === sender && ownerOf(socket, "outgoingMessage") === Socket.prototype;
}

/** The Buffer of a message given as an array of one Buffer, else null. */
function oneBuffer(message: MessageLike | MessageLike[]): Buffer | null {
  if (!Array.isArray(message) || message.length !== 1) return null;
  const frame = message[0];
  return Buffer.isBuffer(frame) ? frame : null;
}

/** The object of `target`'s prototype chain (itself first) that has `name` as its own property. */
function ownerOf(target: object, name: string): object | null {
  for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o)) {
    if (Object.hasOwn(o, name)) return o;
  }
  return null;
}

function optionDescriptor(target: object, name: string): PropertyDescriptor | undefined {
  const owner = ownerOf(target, name);
  return owner === null ? undefined : Object.getOwnPropertyDescriptor(owner, name);
}

// The option properties, declared for the type checker (defined on the prototype above; listed in options.ts).
/** The options every socket has, as properties with the `zeromq` v6 names (see {@link SocketOptionProperties}). */
export interface Socket extends SocketOptionProperties {}

/** A pipe flushing after close, with the transport it had then (null: waiting for a connection). */
type FlushingPipe = [Pipe, PipeTransport | null];

/** Messages of `flushing` not sent yet: a pipe counts until its transport closes or, unconnected, it ends. */
function stillQueued(flushing: readonly FlushingPipe[]): number {
  let queued = 0;
  for (const [pipe, transport] of flushing) {
    if (transport !== null ? !transport.closed : !pipe.terminated) queued += pipe.outbound.length;
  }
  return queued;
}
