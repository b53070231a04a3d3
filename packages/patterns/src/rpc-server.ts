/**
 * RpcServer: serves {@link RpcClient} requests over ROUTER with a
 * concurrency limit. While `concurrency` handlers are running the server
 * stops reading, so further requests wait in the socket's queues and, past
 * the high-water mark, push back on clients (no unbounded buffering here).
 *
 * Wire: receives `[peerId, correlationId(8), ...frames]` and replies
 * `[peerId, correlationId(8), ...replyFrames]`. A message whose second
 * frame is not 8 bytes is a protocol error: it is dropped and reported.
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
export const PARTIAL_CORRELATION_SIZE = 9;

/** A request handler: its returned frames are the reply. */
export type RequestHandler = (frames: Buffer[], ctx: RequestContext) => Promise<Buffer[]> | Buffer[];

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
   * Security options of the server socket, as `@skein/core` names them
   * (`curveServer`, `curveSecretKey`, `plainServer`, `zapDomain`, ...). The
   * user id a ZAP handler assigns reaches handlers as {@link RequestContext.userId}.
   */
  security?: SecurityOptions;
}

/** Security options of a pattern's socket (the `@skein/core` socket options). */
export interface SecurityOptions {
  plainServer?: boolean;
  plainUsername?: string;
  plainPassword?: string;
  curveServer?: boolean;
  curvePublicKey?: string;
  curveSecretKey?: string;
  curveServerKey?: string;
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
  #stopping = false;
  #closed = false;
  #slot: (() => void) | null = null;
  #idle: (() => void) | null = null;
  #loop: Promise<void> | null = null;

  constructor(options: RpcServerOptions) {
    checkNumber("concurrency", options?.concurrency, 1);
    checkNumber("linger", options?.linger, 0);
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
   * socket (replies already queued are sent within `linger`).
   */
  async close(drainTimeout = 5000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopping = true;
    if (this.#inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
        timer = setTimeout(resolve, drainTimeout);
      });
      clearTimeout(timer);
    }
    this.#abort.abort(new PatternError("ECLOSED", "RpcServer was closed"));
    this.#slot?.();
    this.#socket?.close();
    await this.#loop;
  }

  async #receiveLoop(socket: Router, handler: RequestHandler): Promise<void> {
    for (;;) {
      if (this.#inFlight >= this.#concurrency) {
        await new Promise<void>((resolve) => (this.#slot = resolve));
        this.#slot = null;
      }
      if (this.#stopping) return;
      let message: Buffer[];
      try {
        message = await socket.receive();
      } catch {
        return; // closed
      }
      if (this.#stopping) return; // arrived during close: the client's timeout and retry handle it
      if (message.length < 2 || message[1]!.length !== 8) {
        this.#report(new PatternError("EPROTO", "Request without an 8-byte correlation id frame was dropped"), message);
        continue;
      }
      void this.#handle(socket, handler, message);
    }
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
          await socket.send([peerId, partialCorrelation, ...partial]);
        },
      };
      if (userId) ctx.userId = userId;
      const reply = await handler(frames, ctx);
      if (!Array.isArray(reply) || !reply.every((f) => Buffer.isBuffer(f))) {
        throw new PatternError("EINVAL", "A request handler must return an array of Buffers");
      }
      if (!this.#abort.signal.aborted) await socket.send([peerId, correlationId, ...reply]);
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

  #report(error: unknown, frames: Buffer[]): void {
    this.#errors++;
    this.#options.onError?.(error, frames);
  }
}
