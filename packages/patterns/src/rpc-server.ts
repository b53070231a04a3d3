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
 */
import { Context, Router, messageProperties } from "@skein/core";
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
}

/** A partial reply's correlation frame: the 8-byte id and this flag octet. */
export const PARTIAL_FLAG = 0x01;
/** A refusal's correlation frame: the 8-byte id and this flag octet (the server is closing). */
export const REFUSED_FLAG = 0x02;
/** Size of a correlation frame with a flag octet (partial replies, refusals). */
export const PARTIAL_CORRELATION_SIZE = 9;

/** A request handler: its returned frames are the reply. */
export type RequestHandler = (frames: Buffer[], ctx: RequestContext) => Promise<Buffer[]> | Buffer[];

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
  #idle: (() => void) | null = null;
  #loop: Promise<void> | null = null;

  constructor(options: RpcServerOptions) {
    checkNumber("concurrency", options?.concurrency, 1);
    checkNumber("linger", options?.linger, 0);
    checkNumber("sendTimeout", options?.sendTimeout, -1);
    this.#options = options ?? {};
    this.#concurrency = options?.concurrency ?? 64;
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
    const socket = new Router({
      linger: o.linger ?? 1000,
      mandatory: true,
      // Never wait inside the socket: its waiting sends are served in order, so one
      // client that does not read would hold up every reply (see #send).
      sendTimeout: 0,
      messageProperties: true,
      // Handlers reply concurrently: their sends queue rather than fail with EBUSY.
      maxPendingSends: 0,
      ...(o.security ?? {}),
      ...(o.context === undefined ? {} : { context: o.context }),
    });
    this.#socket = socket;
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
      if (this.#inFlight >= this.#concurrency && !this.#stopping) {
        await new Promise<void>((resolve) => (this.#slot = resolve));
        this.#slot = null;
      }
      let message: Buffer[];
      try {
        message = await socket.receive();
      } catch {
        return; // closed
      }
      if (message.length < 2 || message[1]!.length !== 8) {
        this.#report(new PatternError("EPROTO", "Request without an 8-byte correlation id frame was dropped"), message);
        continue;
      }
      if (this.#stopping) await this.#refuse(socket, message);
      else void this.#handle(socket, handler, message);
    }
  }

  /** Tells the client at once that this server is closing (gRPC's UNAVAILABLE during a graceful shutdown). */
  async #refuse(socket: Router, message: Buffer[]): Promise<void> {
    this.#refused++;
    if (this.#refusing >= this.#concurrency) {
      // Clients that do not read: wait for a refusal to leave before reading more.
      await new Promise<void>((resolve) => (this.#refusalSent = resolve));
    }
    this.#refusing++;
    const flagged = Buffer.concat([message[1]!, Buffer.from([REFUSED_FLAG])]);
    this.#send(socket, [message[0]!, flagged])
      .catch((error: unknown) => this.#report(error, message.slice(2)))
      .finally(() => {
        this.#refusing--;
        const sent = this.#refusalSent;
        this.#refusalSent = null;
        sent?.();
      });
  }

  async #handle(socket: Router, handler: RequestHandler, message: Buffer[]): Promise<void> {
    const peerId = message[0]!;
    const correlationId = message[1]!;
    const frames = message.slice(2);
    this.#inFlight++;
    try {
      const userId = messageProperties(message)?.userId;
      let partialCorrelation: Buffer | null = null;
      const ctx: RequestContext = {
        peerId,
        correlationId,
        signal: this.#abort.signal,
        sendPartial: async (partial: Buffer[]) => {
          if (this.#abort.signal.aborted || socket.closed) return;
          partialCorrelation ??= Buffer.concat([correlationId, Buffer.from([PARTIAL_FLAG])]);
          await this.#send(socket, [peerId, partialCorrelation, ...partial]);
        },
      };
      if (userId) ctx.userId = userId;
      const reply = await handler(frames, ctx);
      if (!Array.isArray(reply) || !reply.every((f) => Buffer.isBuffer(f))) {
        throw new PatternError("EINVAL", "A request handler must return an array of Buffers");
      }
      if (!this.#abort.signal.aborted) await this.#send(socket, [peerId, correlationId, ...reply]);
    } catch (error) {
      // EHOSTUNREACH: the client went away; a handler error: no reply (see serve()).
      this.#report(error, frames);
    } finally {
      this.#inFlight--;
      const slot = this.#slot;
      if (slot !== null) {
        this.#slot = null;
        slot();
      }
      if (this.#inFlight === 0) this.#idle?.();
    }
  }

  /**
   * Sends a reply to one client, waiting up to `sendTimeout` while that
   * client's queue is full (it is not reading), by retrying every few ms:
   * the wait is this reply's alone, replies to other clients go on.
   */
  async #send(socket: Router, message: Buffer[]): Promise<void> {
    const timeout = this.#options.sendTimeout ?? 1000;
    const deadline = timeout < 0 ? Infinity : Date.now() + timeout;
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
