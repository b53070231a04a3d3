/**
 * RpcServer: serves {@link RpcClient} requests over ROUTER with a
 * concurrency limit. While `concurrency` handlers are running the server
 * stops reading, so further requests wait in the socket's queues and, past
 * the high-water mark, push back on clients (no unbounded buffering here).
 *
 * Wire: receives `[peerId, correlationId(8), ...frames]` and replies
 * `[peerId, correlationId(8), ...replyFrames]`. A message whose second
 * frame is not 8 bytes is a protocol error: it is dropped and reported.
 * A request that reaches a closing server is refused at once with
 * `[peerId, correlationId(8) + REFUSED_FLAG]` (the client rejects it with
 * `ESHUTDOWN`, or retries it elsewhere), while running ones drain.
 *
 * A call may carry further messages from its client while its handler runs
 * (client streams, flow-control credit, cancels): the client sends them as
 * `[correlationId(8) + CALL_FLAG, ...frames]` on the same connection, and
 * they reach that handler alone through {@link RequestContext.onMessage}.
 * So that such messages are never stuck behind requests waiting for a
 * handler slot, the server keeps reading while `concurrency` handlers run:
 * up to `backlog` further requests wait for a slot, and only then does it
 * stop reading (pushing back on clients as before).
 */
import { Bytes, Context, Router, messageProperties } from "@skein/core";
import { PatternError, checkNumber } from "./errors.js";
import { attachEndpoints } from "./util/endpoints.js";

/** What a handler knows about the request it serves. */
export interface RequestContext {
  /** Routing id of the client connection (the ROUTER envelope). */
  peerId: Buffer;
  /** The request's 8-byte correlation id. */
  correlationId: Buffer;
  /** Aborted when the server's close deadline passes: stop work, the reply will not be sent. */
  signal: AbortSignal;
  /** The user id the ZAP handler gave the client (PLAIN/CURVE security), if any. */
  userId?: string;
  /**
   * Sends a partial reply before the final one (the handler's return value):
   * the client sees it through `RequestOptions.onPartial`, in order. Resolves
   * once queued; does nothing once the server is closing.
   */
  sendPartial(frames: Buffer[]): Promise<void>;
  /**
   * Receives the further messages the client sends on this call
   * (`RpcCall.send`), in order, until the handler returns. Messages that
   * came before the listener (while the request waited in the backlog) are
   * kept, up to 256 (`MAX_EARLY_MESSAGES`), and handed to it at once; more
   * are dropped and counted ({@link RpcServer.unmatchedMessages}).
   */
  onMessage(listener: (frames: Buffer[]) => void): void;
}

/** A partial reply's correlation frame: the 8-byte id and this flag octet. */
export const PARTIAL_FLAG = 0x01;
/** A refusal's correlation frame: the 8-byte id and this flag octet (the server is closing). */
export const REFUSED_FLAG = 0x02;
/** A further message of a call from its client (`RpcCall.send`): the 8-byte id and this flag octet. */
export const CALL_FLAG = 0x01;
/** Size of a correlation frame with a flag octet (partial replies, refusals). */
export const PARTIAL_CORRELATION_SIZE = 9;

/** A request handler: its returned frames are the reply. */
export type RequestHandler = (frames: Buffer[], ctx: RequestContext) => Promise<Buffer[]> | Buffer[];

/**
 * Messages of one call kept until its handler listens (the request waits for
 * a slot): a client with flow control sends at most its window of items
 * meanwhile. Beyond it they are dropped and counted.
 */
export const MAX_EARLY_MESSAGES = 256;

/** The further messages of one call: its handler's listener, or those that came before it. */
interface CallInbox {
  listener: ((frames: Buffer[]) => void) | null;
  early: Buffer[][];
}

/** How often a reply to a client whose queue is full is tried again. */
const SEND_RETRY_MS = 5;

/** Options of {@link RpcServer}. */
export interface RpcServerOptions {
  /** Endpoints to bind (`tcp://127.0.0.1:0` picks a port; see {@link RpcServer.endpoints}). */
  bind?: string[];
  /** Endpoints to connect to (for example a device or a client that binds). */
  connect?: string[];
  /** Handlers running at once, at most. Default 64. */
  concurrency?: number;
  /**
   * Requests read while `concurrency` handlers run, waiting for a slot, at
   * most (default 1000). The server keeps reading meanwhile so that the
   * further messages of running calls (stream items, credit, cancels) reach
   * them; once the backlog is full it stops reading, and requests wait in
   * the socket's queues and push back on clients.
   */
  backlog?: number;
  /** Context of the socket. */
  context?: Context;
  /** Called with a handler's error or a protocol error; without it errors are only counted ({@link RpcServer.errors}). */
  onError?: (error: unknown, frames: Buffer[]) => void;
  /** Milliseconds replies still in the queue are sent for after close. Default 1000. */
  linger?: number;
  /**
   * Milliseconds a reply may wait for room in a client's queue (a client that
   * does not read its replies fills it) before it is dropped and reported
   * `EAGAIN`, which frees the handler's slot for other clients. Default 1000;
   * -1 waits for ever.
   */
  sendTimeout?: number;
  /**
   * Security options of the server socket, as `@skein/core` names them
   * (`curveServer`, `curveSecretKey`, `plainServer`, `zapDomain`, ...). The
   * user id a ZAP handler assigns reaches handlers as {@link RequestContext.userId}.
   */
  security?: SecurityOptions;
}

/** Security options of a pattern's socket (the `@skein/core` socket options). */
export interface SecurityOptions {
  /** Be the PLAIN server (`@skein/core` option `plainServer`). */
  plainServer?: boolean;
  /** PLAIN client username (`plainUsername`). */
  plainUsername?: string;
  /** PLAIN client password (`plainPassword`). */
  plainPassword?: string;
  /** Be the CURVE server; needs `curveSecretKey` (`curveServer`). */
  curveServer?: boolean;
  /** This CURVE client's public key, Z85 (`curvePublicKey`). */
  curvePublicKey?: string;
  /** This socket's CURVE secret key, Z85 (`curveSecretKey`). */
  curveSecretKey?: string;
  /** The CURVE server's public key this client expects, Z85 (`curveServerKey`). */
  curveServerKey?: string;
  /** ZAP domain passed to the authentication handler (`zapDomain`). */
  zapDomain?: string;
}

/**
 * A request-reply server with a concurrency limit and graceful close.
 *
 * ```ts
 * const server = new RpcServer({ bind: ["tcp://127.0.0.1:0"] })
 * await server.serve(async ([name]) => [Buffer.from(`hello ${name}`)])
 * console.log(server.endpoints)
 * await server.close()
 * ```
 */
export class RpcServer {
  readonly #options: RpcServerOptions;
  readonly #concurrency: number;
  readonly #abort = new AbortController();
  #socket: Router | null = null;
  #endpoints: string[] = [];
  #inFlight = 0;
  #errors = 0;
  #refused = 0;
  /** Refusals being sent now (bounded by `concurrency`). */
  #refusing = 0;
  #refusalSent: (() => void) | null = null;
  #stopping = false;
  #closed = false;
  #slot: (() => void) | null = null;
  readonly #backlogLimit: number;
  /** Requests read while `concurrency` handlers ran, waiting for a slot (at most `backlog`). */
  readonly #backlog: Buffer[][] = [];
  /** Listeners of running calls for their further messages, by peer and correlation id. */
  readonly #calls = new Map<string, CallInbox>();
  #unmatchedMessages = 0;
  #idle: (() => void) | null = null;
  #loop: Promise<void> | null = null;
  /** The handler {@link serve} was given. */
  #handler: RequestHandler | null = null;
  /** The socket records message properties: handlers get the ZAP user id. */
  #userIds = false;
  /** What a call's {@link RequestContext} needs of this server, made once. */
  readonly #host: CallHost = {
    signal: this.#abort.signal,
    send: (socket, message) => this.#send(socket, message),
    join: (key) => {
      let inbox = this.#calls.get(key);
      if (inbox === undefined) this.#calls.set(key, (inbox = { listener: null, early: [] }));
      return inbox;
    },
    leave: (key) => this.#calls.delete(key),
  };

  constructor(options: RpcServerOptions) {
    checkNumber("concurrency", options?.concurrency, 1);
    checkNumber("linger", options?.linger, 0);
    checkNumber("sendTimeout", options?.sendTimeout, -1);
    this.#options = options ?? {};
    this.#concurrency = options?.concurrency ?? 64;
    checkNumber("backlog", options?.backlog, 0);
    this.#backlogLimit = options?.backlog ?? 1000;
  }

  /** Endpoints bound, with real ports, once {@link serve} resolved. */
  get endpoints(): string[] {
    return [...this.#endpoints];
  }

  /** Handlers running now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests refused because they reached the server while it was closing. */
  get refused(): number {
    return this.#refused;
  }

  /** Further call messages that matched no running call (late credit or cancel after the reply, or a hostile peer): dropped. */
  get unmatchedMessages(): number {
    return this.#unmatchedMessages;
  }

  /** Handler errors and protocol errors so far. */
  get errors(): number {
    return this.#errors;
  }

  /**
   * Starts serving; resolves once bound and connected. The handler's frames
   * are the reply; a thrown error goes to `onError` and no reply is sent
   * (the client times out; the service layer encodes its own error replies).
   */
  async serve(handler: RequestHandler): Promise<void> {
    if (typeof handler !== "function") throw new PatternError("EINVAL", "serve() needs a handler function");
    if (this.#closed) throw new PatternError("ECLOSED", "RpcServer is closed");
    if (this.#socket !== null) throw new PatternError("EINVAL", "RpcServer is already serving");
    const o = this.#options;
    // Only a PLAIN or CURVE server has a ZAP user id to report (NULL never asks ZAP): recording
    // message properties costs a little per message, so other servers do not.
    this.#userIds = o.security?.plainServer === true || o.security?.curveServer === true;
    const socket = new Router({
      linger: o.linger ?? 1000,
      mandatory: true,
      // Never wait inside the socket: its waiting sends are served in order, so one
      // client that does not read would hold up every reply (see #send).
      sendTimeout: 0,
      messageProperties: this.#userIds,
      // Handlers reply concurrently: their sends queue rather than fail with EBUSY.
      maxPendingSends: 0,
      ...(o.security ?? {}),
      ...(o.context === undefined ? {} : { context: o.context }),
    });
    this.#socket = socket;
    this.#handler = handler;
    try {
      this.#endpoints.push(...(await attachEndpoints(socket, o.bind, o.connect)));
    } catch (error) {
      socket.close();
      this.#closed = true;
      throw error;
    }
    this.#loop = this.#receiveLoop(socket, handler);
  }

  /**
   * Stops taking requests, waits for running handlers up to `drainTimeout`
   * ms (default 5000), aborts the rest (`ctx.signal`), then closes the
   * socket (replies already queued are sent within `linger`). A request
   * that arrives meanwhile is refused at once: its caller gets `ESHUTDOWN`
   * (or its retry goes to another server) instead of waiting for its timeout.
   */
  async close(drainTimeout = 5000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopping = true;
    this.#slot?.(); // the loop goes on reading, to refuse
    if (this.#socket !== null) for (const message of this.#backlog.splice(0)) this.#refuseWaiting(this.#socket, message);
    if (this.#inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
        timer = setTimeout(resolve, drainTimeout);
      });
      clearTimeout(timer);
    }
    this.#abort.abort(new PatternError("ECLOSED", "RpcServer was closed"));
    this.#socket?.close();
    await this.#loop;
  }

  async #receiveLoop(socket: Router, handler: RequestHandler): Promise<void> {
    for (;;) {
      if (this.#backlog.length >= this.#backlogLimit && this.#inFlight >= this.#concurrency && !this.#stopping) {
        await new Promise<void>((resolve) => (this.#slot = resolve));
        this.#slot = null;
      }
      let message: Buffer[];
      try {
        message = await socket.receive();
      } catch {
        return; // closed
      }
      const head = message[1];
      if (head !== undefined && head.length === PARTIAL_CORRELATION_SIZE && head[8] === CALL_FLAG) {
        this.#deliver(message);
        continue;
      }
      if (message.length < 2 || head!.length !== 8) {
        this.#report(new PatternError("EPROTO", "Request without an 8-byte correlation id frame was dropped"), message);
        continue;
      }
      if (this.#stopping) await this.#refuse(socket, message);
      else if (this.#inFlight < this.#concurrency) this.#handle(socket, handler, message);
      else {
        this.#backlog.push(message);
        this.#calls.set(callKey(message[0]!, head!), { listener: null, early: [] });
      }
    }
  }

  /** Hands a further call message to the handler of its call, or drops and counts it. */
  #deliver(message: Buffer[]): void {
    const inbox = this.#calls.get(callKey(message[0]!, message[1]!.subarray(0, 8)));
    if (inbox?.listener != null) inbox.listener(message.slice(2));
    else if (inbox !== undefined && inbox.early.length < MAX_EARLY_MESSAGES) inbox.early.push(message.slice(2));
    else this.#unmatchedMessages++;
  }

  /** A handler slot is free: starts the oldest waiting request, or refuses them all once closing. */
  #nextFromBacklog(socket: Router, handler: RequestHandler): void {
    if (this.#stopping) {
      for (const message of this.#backlog.splice(0)) this.#refuseWaiting(socket, message);
    } else if (this.#inFlight < this.#concurrency) {
      const message = this.#backlog.shift();
      if (message !== undefined) this.#handle(socket, handler, message);
    }
    if (this.#backlog.length < this.#backlogLimit || this.#inFlight < this.#concurrency) {
      const slot = this.#slot;
      if (slot !== null) {
        this.#slot = null;
        slot();
      }
    }
  }

  /** Refuses a request of the backlog (the server is closing) and forgets its early messages. */
  #refuseWaiting(socket: Router, message: Buffer[]): void {
    this.#calls.delete(callKey(message[0]!, message[1]!));
    void this.#refuse(socket, message);
  }

  /** Tells the client at once that this server is closing (gRPC's UNAVAILABLE during a graceful shutdown). */
  async #refuse(socket: Router, message: Buffer[]): Promise<void> {
    this.#refused++;
    if (this.#refusing >= this.#concurrency) {
      // Clients that do not read: wait for a refusal to leave before reading more.
      await new Promise<void>((resolve) => (this.#refusalSent = resolve));
    }
    this.#refusing++;
    const flagged = Bytes.concat([message[1]!, Bytes.from([REFUSED_FLAG])]);
    this.#send(socket, [message[0]!, flagged])
      .catch((error: unknown) => this.#report(error, message.slice(2)))
      .finally(() => {
        this.#refusing--;
        const sent = this.#refusalSent;
        this.#refusalSent = null;
        sent?.();
      });
  }

  /**
   * Runs the handler of one request and sends its reply. No async function
   * per call: a handler that answers at once has its reply sent in this
   * microtask, and the slot is freed when core has taken it (`#sent`).
   */
  #handle(socket: Router, handler: RequestHandler, message: Buffer[]): void {
    const frames = message.slice(2);
    this.#inFlight++;
    const call = new CallContext(this.#host, socket, message[0]!, message[1]!, frames);
    // A call that waited in the backlog may have early messages already; any other call gets its
    // inbox only if it can receive one: its handler listens, or returns before it has answered.
    if (this.#calls.size > 0) call.join();
    let result: Promise<Buffer[]> | Buffer[];
    try {
      if (this.#userIds) {
        const userId = messageProperties(message)?.userId;
        if (userId) call.userId = userId;
      }
      result = handler(frames, call);
    } catch (error) {
      this.#failed(call, error);
      return;
    }
    // A handler that answered at once is not awaited: its reply leaves in this microtask.
    if (Array.isArray(result)) {
      this.#reply(call, result);
      return;
    }
    // Further messages of the call may come while it runs: they wait in its inbox.
    call.join();
    Promise.resolve(result).then(
      (reply) => this.#reply(call, reply),
      (error: unknown) => this.#failed(call, error),
    );
  }

  /** Sends the reply a handler returned (unless the server's close deadline has passed). */
  #reply(call: CallContext, reply: unknown): void {
    if (!isFrames(reply)) {
      this.#failed(call, new PatternError("EINVAL", "A request handler must return an array of Buffers"));
      return;
    }
    if (this.#abort.signal.aborted) {
      this.#ended(call);
      return;
    }
    const out = new Array<Buffer>(reply.length + 2);
    out[0] = call.peerId;
    out[1] = call.correlationId;
    for (let i = 0; i < reply.length; i++) out[i + 2] = reply[i]!;
    let sending: Promise<void>;
    try {
      sending = call.socket.send(out);
    } catch (error) {
      sending = Promise.reject(error);
    }
    // Only a refusal takes the slow path: wait for room in that client's queue (#sendWhenRoom).
    sending.then(
      () => this.#ended(call),
      (error: unknown) => this.#sendWhenRoom(call.socket, out, error).then(
        () => this.#ended(call),
        (failed: unknown) => this.#failed(call, failed),
      ),
    );
  }

  /**
   * A call failed (a handler error, whatever it threw, or `EHOSTUNREACH`:
   * the client went away): reported with its request frames, no reply (see
   * serve()), and ended.
   */
  #failed(call: CallContext, error: unknown): void {
    this.#report(error, call.frames);
    this.#ended(call);
  }

  /** A call has ended (its reply taken by core, or failed): frees its slot. */
  #ended(call: CallContext): void {
    call.leave();
    this.#inFlight--;
    this.#nextFromBacklog(call.socket, this.#handler!);
    if (this.#inFlight === 0) this.#idle?.();
  }

  /**
   * Sends a reply to one client, waiting up to `sendTimeout` while that
   * client's queue is full (it is not reading), by retrying every few ms:
   * the wait is this reply's alone, replies to other clients go on.
   */
  #send(socket: Router, message: Buffer[]): Promise<void> {
    // Sent at once (the usual case): no clock read, no retry loop.
    return socket.send(message).catch((error: unknown) => this.#sendWhenRoom(socket, message, error));
  }

  async #sendWhenRoom(socket: Router, message: Buffer[], first: unknown): Promise<void> {
    const timeout = this.#options.sendTimeout ?? 1000;
    const deadline = timeout < 0 ? Infinity : Date.now() + timeout;
    if ((first as { code?: string }).code !== "EAGAIN" || socket.closed || Date.now() >= deadline) throw first;
    await new Promise((resolve) => setTimeout(resolve, Math.min(SEND_RETRY_MS, deadline - Date.now())));
    for (;;) {
      try {
        await socket.send(message);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== "EAGAIN" || socket.closed || Date.now() >= deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(SEND_RETRY_MS, deadline - Date.now())));
    }
  }

  #report(error: unknown, frames: Buffer[]): void {
    this.#errors++;
    this.#options.onError?.(error, frames);
  }
}

/** What a {@link CallContext} needs of its server. */
interface CallHost {
  /** Aborted when the server's close deadline passes. */
  readonly signal: AbortSignal;
  /** Sends a message to one client, within `sendTimeout`. */
  send(socket: Router, message: Buffer[]): Promise<void>;
  /** The inbox of a running call, by {@link callKey}: made (and found by its further messages) from now on. */
  join(key: string): CallInbox;
  /** Forgets the inbox of a call that has ended. */
  leave(key: string): void;
}

/**
 * The {@link RequestContext} of one call. Its two functions are made on
 * first use (most unary calls use neither) and bound, so a handler may
 * still take them apart (`({ sendPartial }) => ...`).
 */
class CallContext implements RequestContext {
  readonly signal: AbortSignal;
  userId?: string;
  #sendPartial: ((frames: Buffer[]) => Promise<void>) | null = null;
  #onMessage: ((listener: (frames: Buffer[]) => void) => void) | null = null;
  #partialCorrelation: Buffer | null = null;
  /** Its {@link callKey} and inbox, once it has one (see {@link join}). */
  #key: string | null = null;
  #inbox: CallInbox | null = null;
  #ended = false;

  constructor(
    private readonly host: CallHost,
    /** The server's socket, where the reply goes. */
    readonly socket: Router,
    readonly peerId: Buffer,
    readonly correlationId: Buffer,
    /** The request's frames (after the envelope and id): what an error of the call is reported with. */
    readonly frames: Buffer[],
  ) {
    this.signal = host.signal;
  }

  get sendPartial(): (frames: Buffer[]) => Promise<void> {
    return (this.#sendPartial ??= (partial) => this.#sendPartialNow(partial));
  }

  get onMessage(): (listener: (frames: Buffer[]) => void) => void {
    return (this.#onMessage ??= (listener) => this.#listen(listener));
  }

  /**
   * Gives the running call its inbox, where its further messages go from
   * now on (kept until a listener comes). Made only for a call that can
   * get one: a handler that answers in the turn its request came never
   * needs a key or an inbox.
   */
  join(): CallInbox | null {
    if (this.#inbox === null && !this.#ended) {
      this.#key = callKey(this.peerId, this.correlationId);
      this.#inbox = this.host.join(this.#key);
    }
    return this.#inbox;
  }

  /** The call has ended: its further messages are unmatched from now on, a late listener gets none. */
  leave(): void {
    this.#ended = true;
    if (this.#key !== null) this.host.leave(this.#key);
  }

  async #sendPartialNow(partial: Buffer[]): Promise<void> {
    if (this.signal.aborted || this.socket.closed) return;
    this.#partialCorrelation ??= Bytes.concat([this.correlationId, Bytes.from([PARTIAL_FLAG])]);
    await this.host.send(this.socket, [this.peerId, this.#partialCorrelation, ...partial]);
  }

  #listen(listener: (frames: Buffer[]) => void): void {
    if (this.#ended) return;
    const inbox = this.join();
    if (inbox === null) return;
    inbox.listener = listener;
    for (const early of inbox.early.splice(0)) listener(early);
  }
}

/** Whether a handler returned an array of frames (a loop, not a closure per call). */
function isFrames(reply: unknown): reply is Buffer[] {
  if (!Array.isArray(reply)) return false;
  for (let i = 0; i < reply.length; i++) if (!(reply[i] instanceof Uint8Array)) return false;
  return true;
}

/** Key of a running call: the client connection's routing id and the call's correlation id. */
function callKey(peerId: Buffer, correlationId: Buffer): string {
  return `${peerId.toString("hex")}.${correlationId.toString("hex")}`;
}
