/**
 * A context: the container of sockets (libzmq's `zmq_ctx`). It owns the
 * inproc name space, so only sockets of the same context reach each other
 * over inproc://. Most programs use the default {@link context}.
 */
import { InprocRegistry } from "./transport/inproc.js";
import { applyOptions, defineOptions, type OptionSpec } from "./options.js";
import { ZmqError } from "./errors.js";
import { DEFAULT_MAX_ZAP_REQUESTS, ZapClient, type ZapHandler } from "./zap.js";
import { newOnly } from "./util/new-only.js";
import { sharedOptions } from "./shared-options.js";
import { watchAtExit, type ExitSocket } from "./exit-linger.js";

/** Set while the default context is made: its options and inproc names span threads. */
let makingDefault = false;

/** What a context needs of its sockets. */
export interface ContextSocket extends ExitSocket {
  readonly closed: boolean;
  close(): void;
  /** Closes with `ETERM` for pending calls (context termination). */
  terminate(): void;
  /** Messages still queued for peers (for the exit warning). */
  pendingOutbound(): number;
}

/** Context options, with the `zeromq` v6 names. */
export interface ContextOptions {
  /** See {@link Context.blocky}. */
  blocky?: boolean;
  /** See {@link Context.ioThreads}. */
  ioThreads?: number;
  /** See {@link Context.maxMessageSize}. */
  maxMessageSize?: number;
  /** See {@link Context.maxSockets}. */
  maxSockets?: number;
  /** See {@link Context.ipv6}. */
  ipv6?: boolean;
  /** See {@link Context.threadPriority}. */
  threadPriority?: number;
  /** See {@link Context.threadSchedulingPolicy}. */
  threadSchedulingPolicy?: number;
  /** skein: see {@link Context.maxZapRequests}. */
  maxZapRequests?: number;
  /** skein: see {@link Context.threadRingBytes}. */
  threadRingBytes?: number;
  /** skein: see {@link Context.threadRingMessages}. */
  threadRingMessages?: number;
}

/** Context options, checked when set as socket options are (a wrong type is a `TypeError`). */
const CONTEXT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  blocky: { kind: "bool", default: true },
  ioThreads: { kind: "int", default: 1, min: 1 },
  maxMessageSize: { kind: "int", default: -1, min: -1, max: Number.MAX_SAFE_INTEGER },
  maxSockets: { kind: "int", default: 1023, min: 1, max: 65535 },
  ipv6: { kind: "bool", default: false },
  threadPriority: { kind: "int", default: -1, min: -1 },
  threadSchedulingPolicy: { kind: "int", default: -1, min: -1 },
};

/** The options of a context, as properties (declared for the type checker; defined on the prototype). */
export interface Context {
  /**
   * When false, new sockets get `linger = 0`. When true (the default, as in
   * libzmq), sockets keep their default `linger = -1`: close() waits for
   * queued messages to be sent.
   */
  blocky: boolean;
  /** Accepted for compatibility: skein runs on Node's event loop, with no I/O threads of its own. */
  ioThreads: number;
  /** Default `maxMessageSize` for new sockets (-1: no limit). */
  maxMessageSize: number;
  /** Most sockets this context may hold; creating one more throws EMFILE. */
  maxSockets: number;
  /** Default `ipv6` for new sockets. */
  ipv6: boolean;
  /** Accepted for compatibility: no effect (no I/O threads). */
  threadPriority: number;
  /** Accepted for compatibility: no effect (no I/O threads). */
  threadSchedulingPolicy: number;
}

/**
 * A group of sockets with shared defaults, `inproc://` names and ZAP handler (libzmq's context).
 * Sockets created without `context` join the default {@link context}. `close()` closes them all.
 */
export class Context {
  /** @internal Option values; read them through the properties. */
  readonly options: Record<string, unknown> = Object.create(null);

  /** The largest `maxSockets` accepted. */
  get maxSocketsLimit(): number {
    return 65535;
  }

  /**
   * A typed ZAP handler (RFC 27) for the PLAIN and CURVE servers of this
   * context: it gets mechanism, address, domain and credentials and returns
   * allow/deny with a user id. When null, a handler bound at
   * `inproc://zeromq.zap.01` is asked instead, as with libzmq.
   *
   * ```ts
   * context.zapHandler = ({ mechanism, credentials }) =>
   *   ({ allow: credentials[0]?.toString() === "admin", userId: "admin" })
   * ```
   */
  zapHandler: ZapHandler | null = null;

  /**
   * Most ZAP requests (RFC 27) that may wait for an answer at once, from the
   * typed {@link zapHandler} or a handler at `inproc://zeromq.zap.01`. A
   * handshake beyond it is refused without asking, as a temporary failure:
   * an `AuthError` with status 300 in its `handshake:error:auth` event, and
   * the peer disconnected without an ERROR (as libzmq does for 300). A
   * request is waiting from the handshake's INITIATE (CURVE) or HELLO
   * (PLAIN) until the answer, or until the handshake ends (peer gone,
   * `handshakeInterval`). Below 1: no limit. Default 1000.
   */
  maxZapRequests = DEFAULT_MAX_ZAP_REQUESTS;

  /** @internal */
  readonly inproc = new InprocRegistry(makingDefault);

  /**
   * skein: bytes of frames the ring of an inproc:// connection between two
   * worker threads holds, in each direction (docs/threads.md). A message
   * larger than the ring still passes, in pieces. Read by the thread that
   * binds, when it accepts a connection from another thread; only the
   * default context's inproc names cross threads. Rounded up to a power of
   * two. Default 262144 (256 KiB).
   */
  get threadRingBytes(): number {
    return this.inproc.ringSizes.bytes;
  }

  /** Sets {@link threadRingBytes}: an integer from 64 to 2^30, else a `TypeError`. */
  set threadRingBytes(value: number) {
    this.inproc.ringSizes.bytes = checkRingSize("threadRingBytes", value, 64);
  }

  /**
   * skein: whole messages the ring of an inproc:// connection between two
   * worker threads holds, in each direction, besides the sender's
   * `sendHighWaterMark` and the receiver's `receiveHighWaterMark`: a slow
   * reader thread holds the writer back (or makes it drop, per the socket
   * type) once all three are full. Default 1000.
   */
  get threadRingMessages(): number {
    return this.inproc.ringSizes.messages;
  }

  /** Sets {@link threadRingMessages}: an integer from 1 to 2^30, else a `TypeError`. */
  set threadRingMessages(value: number) {
    this.inproc.ringSizes.messages = checkRingSize("threadRingMessages", value, 1);
  }

  /** @internal */
  readonly zap: ZapClient = new ZapClient(this);
  readonly #sockets = new Set<ContextSocket>();
  #closed = false;

  constructor(options?: ContextOptions) {
    if (arguments.length > 1) throw new TypeError(`Expected 1 argument but received ${arguments.length}`);
    applyOptions(this, options as Record<string, unknown> | undefined, []);
    // As zeromq's context: assigning an unknown property (a misspelt option) throws a TypeError.
    // Not new.target: `new` on the public Context (util/new-only.ts) passes that wrapper as new.target.
    if (this.constructor === Context) Object.preventExtensions(this);
    watchAtExit(this);
  }

  /** @internal */
  optionChanged(name: string): void {
    void name;
  }

  /** ZAP requests waiting for an answer now (at most {@link maxZapRequests}). */
  get zapPending(): number {
    return this.zap.pending;
  }

  /**
   * Replies of the handler at `inproc://zeromq.zap.01` that answered no
   * waiting request and were dropped: late answers for handshakes that had
   * already ended, or replies without a request id of ours.
   */
  get zapDiscardedReplies(): number {
    return this.zap.discardedReplies;
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** @internal */
  register(socket: ContextSocket): void {
    if (this.#closed) throw new ZmqError("ETERM", "Context was closed");
    if (this.#sockets.size >= this.maxSockets) {
      throw new ZmqError("EMFILE", `Context holds ${this.#sockets.size} sockets already (maxSockets)`);
    }
    this.#sockets.add(socket);
  }

  /** @internal The sockets not closed yet (exit-linger.ts). */
  openSockets(): Iterable<ContextSocket> {
    return this.#sockets;
  }

  /** @internal */
  unregister(socket: ContextSocket): void {
    this.#sockets.delete(socket);
  }

  /**
   * Closes every socket of the context (as `zmq_ctx_term`): pending receives
   * and sends reject with `ETERM`, queued messages are sent or dropped according to each socket's
   * `linger`. New sockets cannot be created afterwards.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.zap.close();
    for (const socket of [...this.#sockets]) socket.terminate();
  }
}

// Called without `new`, fails with the TypeError of zeromq's native Context class (util/new-only.ts).
// @ts-expect-error TS2629: a class declaration's binding may be replaced; code inside the class still sees the class.
Context = newOnly(Context);

defineOptions(Context.prototype, CONTEXT_OPTIONS);

function checkRingSize(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > 2 ** 30) {
    throw new TypeError(`Option "${name}" must be an integer from ${min} to 2^30`);
  }
  return value;
}

function makeDefaultContext(): Context {
  makingDefault = true;
  try {
    const made = new Context();
    (made as { options: Record<string, unknown> }).options = sharedOptions(CONTEXT_OPTIONS);
    return made;
  } finally {
    makingDefault = false;
  }
}

/**
 * The default context, used by sockets created without one. It is the same
 * for every worker thread of the process: its options are shared, and an
 * `inproc://` name bound in one thread is reachable from the others (see
 * docs/threads.md).
 */
export const context = makeDefaultContext();
