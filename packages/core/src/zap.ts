/**
 * ZAP, the ZeroMQ Authentication Protocol (RFC 27): how a server-side
 * security mechanism asks the application whether to accept a peer.
 *
 * Two ways to answer, checked in this order for every handshake:
 * 1. a typed handler set on the context (`context.zapHandler = async (request) => ...`);
 * 2. an RFC 27 handler: any socket bound at `inproc://zeromq.zap.01` in the
 *    same context (usually a ROUTER), exactly as with libzmq, so existing
 *    ZAP handlers work unchanged.
 * With neither, the request is unanswered (`null`): CURVE then accepts every
 * client that knows the server key, and PLAIN refuses, as libzmq 4.3 does.
 *
 * The RFC 27 handler is reached as libzmq's session reaches it
 * (`session_base_t::zap_connect`): an inproc pipe pair from the context's
 * ZAP client straight to the socket bound at the endpoint, with no socket of
 * our own in between.
 */
import { Buffer } from "./util/buffer.js";
import { AuthError, ProtocolError, ZmqError } from "./errors.js";
import type { ZapReply, ZapRequest } from "./mechanism/mechanism.js";
import { Pipe, type Msg } from "./pipe.js";
import type { InprocRegistry, InprocSocket } from "./transport/inproc.js";
import { decodeMetadata, type Metadata } from "./zmtp/metadata.js";

export type { ZapReply, ZapRequest } from "./mechanism/mechanism.js";

/** The answer of a typed ZAP handler. */
export interface ZapDecision {
  /** Accept (true) or refuse (false). Shorthand for statusCode "200" / "400". */
  allow: boolean;
  /** Overrides `allow`: "200" accept, "300" temporary failure, "400" refuse, "500" internal error. */
  statusCode?: "200" | "300" | "400" | "500";
  /** Why, in words, for local error messages (default "OK" or "Access denied"). */
  statusText?: string;
  /** The authenticated user id; it appears as `User-Id` in the peer's message properties. */
  userId?: string;
  /** Extra properties for the peer's messages. */
  metadata?: Record<string, string | Buffer>;
}

/** A typed ZAP handler: sees mechanism, address, domain and credentials, decides. */
export type ZapHandler = (request: ZapRequest) => ZapDecision | Promise<ZapDecision>;

/** RFC 27's well-known endpoint. */
export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";
const ZAP_NAME = "zeromq.zap.01";
const ZAP_VERSION = "1.0";
/**
 * High-water marks of the client's end of the pipe, as a default socket's: a
 * handler that stops reading holds at most this plus its own
 * `receiveHighWaterMark` requests, then handshakes are refused with 300.
 */
const ZAP_HIGH_WATER_MARK = 1000;
/** The socket type the handler sees its peer as: requests are DEALER-shaped (an empty delimiter first). */
const ZAP_PEER_TYPE = "DEALER";

/** Default of {@link ZapContext.maxZapRequests}: as many as a default high-water mark. */
export const DEFAULT_MAX_ZAP_REQUESTS = 1000;

/** RFC 27 §"Reply": the status codes a handler may answer. */
const STATUS_CODES: ReadonlySet<string> = new Set(["200", "300", "400", "500"]);
/** Request ids are decimal counters: a longer id frame cannot be one of ours. */
const MAX_ID_BYTES = 20;
/** A status text is only shown in local error messages: longer ones are cut there. */
const MAX_STATUS_TEXT = 255;

/** What the ZAP client needs of a context. */
export interface ZapContext {
  readonly zapHandler: ZapHandler | null;
  /** Most ZAP requests waiting for an answer at once; below 1: no limit. */
  readonly maxZapRequests: number;
  readonly inproc: InprocRegistry;
}

/** An RFC 27 request waiting for its reply. */
interface Pending {
  resolve(reply: ZapReply): void;
  reject(error: ZmqError): void;
  /** Detaches from the handshake's abandon signal. */
  release(): void;
}

/**
 * Sends ZAP requests for the sockets of one context. Every request belongs to
 * a handshake: when the handshake ends first (the peer left, or
 * `handshakeInterval` passed), the request is forgotten and a late reply is
 * discarded. At most `maxZapRequests` wait at once; beyond that a handshake
 * is refused as a temporary failure (RFC 27 status 300) without asking.
 */
export class ZapClient {
  readonly #context: ZapContext;
  /** Our end of the pipe to the RFC 27 handler; null until the first request, or after the handler left. */
  #pipe: Pipe | null = null;
  /** What the inproc transport and our pipe see of this client (kept off its public face). */
  readonly #end: InprocSocket & { pipeTerminated(pipe: Pipe): void; pipeHiccuped(pipe: Pipe): void; pipeReadable(pipe: Pipe): void };
  /** RFC 27 requests by request id. */
  #pending = new Map<string, Pending>();
  /** Calls of the typed handler not settled yet. */
  #handlerCalls = 0;
  #discardedReplies = 0;
  #nextId = 1;

  constructor(context: ZapContext) {
    this.#context = context;
    this.#end = {
      socketTypeName: ZAP_PEER_TYPE,
      createPipe: (outgoing, endpoint) => {
        const pipe = new Pipe(this.#end, ZAP_HIGH_WATER_MARK, ZAP_HIGH_WATER_MARK, outgoing);
        pipe.endpoint = endpoint;
        return pipe;
      },
      attachPipe: () => true,
      announcedRoutingId: () => null,
      // The client has no monitor: the handler's socket reports accept and handshake on its own.
      emitEvent: () => undefined,
      // Requests never wait for room (a full pipe refuses them with 300): nothing to resume.
      pipeWritable: () => undefined,
      pipeBeforeConnect: () => true,
      // Asked by a link to another thread (its `linger`): pending requests are not kept past close.
      option: <T>(name: string): T => (name === "linger" ? 0 : undefined) as T,
      pipeReadable: (pipe) => this.#readReplies(pipe),
      pipeTerminated: (pipe) => {
        if (this.#pipe === pipe) this.#pipe = null;
      },
      pipeHiccuped: () => undefined,
    };
  }

  /** ZAP requests waiting for an answer (typed handler calls and RFC 27 requests). */
  get pending(): number {
    return this.#pending.size + this.#handlerCalls;
  }

  /** RFC 27 replies that answered no waiting request (late, for an ended handshake, or malformed). */
  get discardedReplies(): number {
    return this.#discardedReplies;
  }

  /**
   * Asks for a decision; `null` when no handler is installed. `abandoned`
   * fires when the handshake ends without the answer: the request is then
   * forgotten and the promise rejects with `ECANCELED`.
   */
  async authenticate(request: ZapRequest, abandoned?: AbortSignal): Promise<ZapReply | null> {
    request = { ...request, address: zapAddress(request.address) };
    const handler = this.#context.zapHandler;
    if (handler === null && !this.#context.inproc.isBound(ZAP_NAME)) return null;
    if (abandoned?.aborted === true) throw abandonedError();
    const limit = this.#context.maxZapRequests;
    if (limit >= 1 && this.pending >= limit) {
      throw new AuthError(
        `${this.pending} ZAP requests are already waiting for an answer (maxZapRequests = ${limit}): ` +
          `${request.mechanism} client ${request.address} refused as a temporary failure (RFC 27 status 300)`,
        300,
      );
    }
    return handler !== null ? this.#viaHandler(handler, request, abandoned) : this.#viaSocket(request, abandoned);
  }

  /** A typed handler: what it throws or rejects with refuses the client with status 500, the error as `cause`. */
  async #viaHandler(handler: ZapHandler, request: ZapRequest, abandoned: AbortSignal | undefined): Promise<ZapReply> {
    this.#handlerCalls++;
    try {
      const decision = await untilAbandoned(
        new Promise<ZapDecision>((resolve) => resolve(handler(request))),
        abandoned,
      );
      return fromDecision(decision);
    } catch (error) {
      if (abandoned?.aborted === true) throw abandonedError();
      throw handlerFailed(request, error);
    } finally {
      this.#handlerCalls--;
    }
  }

  #viaSocket(request: ZapRequest, abandoned: AbortSignal | undefined): Promise<ZapReply> {
    const pipe = this.#connect();
    // A handler whose queue is full is not reading (or is gone): the handshake must not wait on it.
    if (!pipe.canWrite()) {
      const reason = pipe.peerGone ? "it is gone" : "its queue is full";
      throw new AuthError(
        `The ZAP handler at ${ZAP_ENDPOINT} takes no more requests (${reason}): ` +
          `${request.mechanism} client ${request.address} refused as a temporary failure (RFC 27 status 300)`,
        300,
      );
    }
    const id = String(this.#nextId++);
    const reply = this.#await(id, abandoned);
    // RFC 27 §"Request": the handler is a REP-like peer, so the request starts with an empty delimiter.
    pipe.write([
      Buffer.alloc(0),
      Buffer.from(ZAP_VERSION),
      Buffer.from(id),
      Buffer.from(request.domain),
      Buffer.from(request.address),
      request.identity,
      Buffer.from(request.mechanism),
      ...request.credentials,
    ]);
    return reply;
  }

  /**
   * The pipe to the handler bound now (authenticate() checked there is one).
   * A handler that closed and was bound again is a new peer: a new pipe, as
   * libzmq's session connects to the handler for each handshake. A handler
   * that stops reading keeps its pipe: its full queue refuses requests.
   */
  #connect(): Pipe {
    const current = this.#pipe;
    if (current !== null && !current.terminated && !current.peerGone) return current;
    current?.terminate();
    const pipe = this.#context.inproc.connect(this.#end, ZAP_NAME, ZAP_ENDPOINT, null);
    this.#pipe = pipe;
    return pipe;
  }

  /** Registers request `id`; it is forgotten when answered or when `abandoned` fires. */
  #await(id: string, abandoned: AbortSignal | undefined): Promise<ZapReply> {
    return new Promise<ZapReply>((resolve, reject) => {
      const onAbandoned = (): void => this.#take(id)?.reject(abandonedError());
      this.#pending.set(id, { resolve, reject, release: () => abandoned?.removeEventListener("abort", onAbandoned) });
      abandoned?.addEventListener("abort", onAbandoned, { once: true });
    });
  }

  /** Removes the request waiting longest and returns it. */
  #takeOldest(): Pending | undefined {
    const oldest = this.#pending.keys().next();
    return oldest.done === true ? undefined : this.#take(oldest.value);
  }

  /** Removes request `id` from the waiting ones and returns it. */
  #take(id: string): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    this.#pending.delete(id);
    pending.release();
    return pending;
  }

  /** Replies are handled as they arrive, so the pipe's inbound never holds more than one. */
  #readReplies(pipe: Pipe): void {
    let frames: Msg | undefined;
    while ((frames = pipe.read()) !== undefined) this.#onReply(frames);
  }

  /**
   * RFC 27 §"Reply": [empty delimiter, version, request id, status code,
   * status text, user id, metadata]. The reply comes from application code:
   * anything malformed refuses only the handshake it names (with libzmq's
   * `ERR_ZAP_*` codes), or the oldest one when it is too short to name one;
   * a well-formed reply naming no waiting request is counted and dropped.
   */
  #onReply(frames: Buffer[]): void {
    const at = frames[0]?.length === 0 ? 1 : 0;
    const idFrame = frames[at + 1];
    let pending = idFrame === undefined || idFrame.length > MAX_ID_BYTES ? undefined : this.#take(idFrame.toString("latin1"));
    // A reply of the wrong shape that names no waiting request answers the oldest one: handlers answer
    // in order, and libzmq (one ZAP pipe a session) reports such a reply to the session that asked.
    if (pending === undefined && frames.length !== at + 6) pending = this.#takeOldest();
    if (pending === undefined) {
      this.#discardedReplies++;
      return;
    }
    const fail = (code: string, what: string): void =>
      pending.reject(new ProtocolError(code, `Malformed reply from the ZAP handler at ${ZAP_ENDPOINT}: ${what}`));
    if (frames.length !== at + 6) return fail("ERR_ZAP_MALFORMED_REPLY", `${frames.length - at} frames, expected 6`);
    if (frames[at]!.toString("latin1") !== ZAP_VERSION) return fail("ERR_ZAP_BAD_VERSION", "version is not 1.0");
    const status = frames[at + 2]!.toString("latin1");
    if (!STATUS_CODES.has(status)) return fail("ERR_ZAP_INVALID_STATUS_CODE", "status code is not 200, 300, 400 or 500");
    let metadata: Metadata;
    try {
      metadata = decodeMetadata(frames[at + 5]!);
    } catch {
      return fail("ERR_ZAP_INVALID_METADATA", "metadata frame is not ZMTP metadata");
    }
    pending.resolve({
      statusCode: status as ZapReply["statusCode"],
      statusText: frames[at + 3]!.toString("utf8", 0, MAX_STATUS_TEXT),
      userId: frames[at + 4]!.toString(),
      metadata,
    });
  }

  /** Drops the pipe to the handler and ends every request still waiting with `ETERM` (context close). */
  close(): void {
    this.#pipe?.terminate();
    this.#pipe = null;
    for (const id of [...this.#pending.keys()]) this.#take(id)?.reject(new ZmqError("ETERM", "ZAP client closed"));
  }
}

function abandonedError(): ZmqError {
  return new ZmqError("ECANCELED", "The handshake ended before the ZAP handler answered");
}

/** Settles as `promise` does, or rejects with `ECANCELED` once `abandoned` fires (the promise is then ignored). */
function untilAbandoned<T>(promise: Promise<T>, abandoned: AbortSignal | undefined): Promise<T> {
  if (abandoned === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbandoned = (): void => reject(abandonedError());
    abandoned.addEventListener("abort", onAbandoned, { once: true });
    promise.then(resolve, reject).finally(() => abandoned.removeEventListener("abort", onAbandoned));
  });
}

/** RFC 27 status 500 ("internal error"): the typed handler threw, rejected or answered something unusable. */
function handlerFailed(request: ZapRequest, error: unknown): AuthError {
  const reason = error instanceof Error ? error.message : String(error);
  return new AuthError(
    `The ZAP handler failed on ${request.mechanism} client ${request.address}: ${reason} (refused with RFC 27 status 500)`,
    500,
    undefined,
    { cause: error },
  );
}

/**
 * RFC 27 §"Request": the address frame is "the origin network IP address",
 * which libzmq sends bare (`127.0.0.1`, `::1`), without scheme or port; so a
 * handler that allow-lists IPs works for both libraries. Others pass as they are.
 */
export function zapAddress(peerAddress: string): string {
  const tcp = /^tcp:\/\/\[?([^\]]*?)\]?:\d+$/.exec(peerAddress);
  return tcp === null ? peerAddress : tcp[1]!;
}

function fromDecision(decision: ZapDecision): ZapReply {
  if (typeof decision !== "object" || decision === null) throw new TypeError(`the handler answered ${String(decision)}, not a ZapDecision`);
  const statusCode = decision.statusCode ?? (decision.allow ? "200" : "400");
  if (!STATUS_CODES.has(statusCode)) throw new TypeError(`the handler answered status code ${String(statusCode)}`);
  const metadata: Metadata = new Map();
  for (const [name, value] of Object.entries(decision.metadata ?? {})) {
    metadata.set(name, typeof value === "string" ? Buffer.from(value) : value);
  }
  return {
    statusCode,
    statusText: decision.statusText ?? (statusCode === "200" ? "OK" : "Access denied"),
    userId: decision.userId ?? "",
    metadata,
  };
}
