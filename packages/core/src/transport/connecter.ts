/**
 * The connecting side of a session (libzmq's `*_connecter` plus
 * `session_base`), for every transport that dials a connection: it dials,
 * redials with backoff, creates the engine of each connection and binds it
 * to the socket's pipe once its handshake succeeds. How a connection is made
 * is a {@link Dial} given by the transport (`node:net` for tcp, ipc, ws and
 * wss; the WebSocket API in a browser), so this file imports no `node:` module.
 *
 * A connecter's pipe outlives connections: messages queued while the peer is
 * away wait in it (up to the high-water mark) and leave on reconnect, unless
 * `immediate` is set or the socket routes by peer identity (ROUTER).
 */
import type { Socket as NetSocket } from "node:net";
import { Buffer } from "../util/buffer.js";
import { AuthError, ProtocolError, ZmqError } from "../errors.js";
import type { EventType } from "../events.js";
import type { Pipe } from "../pipe.js";
import { ZmtpEngine, type EngineSession, type EngineSocket } from "../zmtp/engine.js";
import type { Metadata } from "../zmtp/metadata.js";
import { LoopHold } from "../util/loop-hold.js";
import { unrefTimer } from "../util/platform.js";

/**
 * The byte stream under an engine: a `net.Socket`, or a stream with the part of its API the engine
 * uses (ws:// framing in Node, a browser WebSocket).
 */
export type EngineStream = NetSocket;

/**
 * One connection attempt: calls `connected` with the stream and the peer's
 * address once connected, or `failed` once it cannot be; returns a function
 * that abandons the attempt (detaches it and destroys its stream).
 */
export type Dial = (connected: (stream: EngineStream, peer: string) => void, failed: (error: Error) => void) => () => void;

/**
 * What a session needs from the engine of one connection: the ZMTP engine,
 * or the raw engine of a STREAM socket.
 */
export interface StreamEngine {
  readonly peerSocketType: string;
  readonly peerMetadata: Metadata;
  readonly userId: string;
  readonly peerAddress: string;
  readonly peerRoutingId: Buffer | null;
  readonly pipe: Pipe | null;
  readonly closed: boolean;
  attach(pipe: Pipe): void;
  close(error: ZmqError | null): void;
}

/** What an engine reports to its session (listener or connecter). */
export interface StreamSession {
  engineReady(engine: StreamEngine): void;
  engineClosed(engine: StreamEngine, error: ZmqError | null, duringHandshake: boolean): void;
}

/** What the stream transports need from a socket. */
export interface StreamHost extends EngineSocket {
  emitEvent(type: EventType, address: string, extra?: { error?: ZmqError; interval?: number }): void;
  /** Creates a pipe owned by the socket. */
  createPipe(outgoing: boolean, endpoint: string): Pipe;
  /** Registers a pipe with the socket type; false if the socket refuses it (duplicate routing id). */
  attachPipe(pipe: Pipe): boolean;
  /** Whether connect() creates the pipe before the first connection. */
  pipeBeforeConnect(routingId?: Buffer | null): boolean;
  pipeHiccuped(pipe: Pipe): void;
  /** Mechanism name and as-server flag for our greeting. */
  greetingMechanism(): { name: string; asServer: boolean };
  /** Makes the engine of a new connection instead of a ZMTP engine (STREAM: raw bytes). */
  createEngine?(stream: EngineStream, session: StreamSession, endpoint: string, peer: string): StreamEngine;
}

/** Makes the engine of a new connection for a transport that is not plain ZMTP (ws://). */
export type EngineFactory = (stream: EngineStream, session: StreamSession, endpoint: string, peer: string) => StreamEngine;

/** Copies what the handshake learnt about the peer onto its pipe. */
export function describePeer(pipe: Pipe, engine: StreamEngine): void {
  pipe.peerSocketType = engine.peerSocketType;
  pipe.peerMetadata = engine.peerMetadata;
  pipe.userId = engine.userId;
  pipe.peerAddress = engine.peerAddress;
  if (pipe.routingId === null && engine.peerRoutingId !== null) pipe.routingId = engine.peerRoutingId;
}

export function startEngine(
  host: StreamHost,
  stream: EngineStream,
  session: EngineSession & StreamSession,
  endpoint: string,
  peer: string,
  factory: EngineFactory | null,
): StreamEngine {
  if (factory !== null) return factory(stream, session, endpoint, peer);
  if (host.createEngine !== undefined) return host.createEngine(stream, session, endpoint, peer);
  const engine = new ZmtpEngine(stream, host, session, endpoint, peer);
  const { name, asServer } = host.greetingMechanism();
  engine.start(name, asServer);
  return engine;
}

/** Reports a failed or ended connection with the right monitor event. */
export function reportClosed(host: StreamHost, endpoint: string, error: ZmqError | null, duringHandshake: boolean): void {
  if (duringHandshake && error !== null) {
    const type: EventType =
      error instanceof AuthError
        ? "handshake:error:auth"
        : error instanceof ProtocolError
          ? "handshake:error:protocol"
          : "handshake:error:other";
    host.emitEvent(type, endpoint, { error });
  } else if (!duringHandshake) {
    host.emitEvent("disconnect", endpoint, error === null ? undefined : { error });
  }
}

/** A connected endpoint: connects, reconnects with backoff, and carries one pipe. */
export class Connecter implements EngineSession, StreamSession {
  readonly host: StreamHost;
  readonly endpoint: string;
  readonly #dial: Dial;
  readonly #factory: EngineFactory | null;
  /** The persistent pipe (null until the first handshake when created late). */
  #pipe: Pipe | null = null;
  #pipePersistent: boolean;
  #hadConnection = false;
  #engine: StreamEngine | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /**
   * Abandons the connection attempt in flight (its listeners, connect timer
   * and stream): a Node socket handle lives on until libuv has closed it, and
   * must not keep this connecter, its socket and their context reachable meanwhile.
   */
  #abandonAttempt: (() => void) | null = null;
  #interval: number;
  #closed = false;
  /** Routing id to give the peer (ROUTER connect option). */
  readonly routingId: Buffer | null;

  constructor(
    host: StreamHost,
    endpoint: string,
    dial: Dial,
    routingId: Buffer | null,
    factory: EngineFactory | null = null,
  ) {
    this.host = host;
    this.#factory = factory;
    this.endpoint = endpoint;
    this.#dial = dial;
    this.routingId = routingId;
    this.#interval = host.option<number>("reconnectInterval");
    this.#pipePersistent = host.pipeBeforeConnect(routingId);
    if (this.#pipePersistent) {
      const pipe = host.createPipe(true, endpoint);
      pipe.routingId = routingId;
      pipe.peerAddress = endpoint;
      host.attachPipe(pipe);
      this.#pipe = pipe;
    }
  }

  /** The pipe, if it exists (for disconnect and linger). */
  get pipe(): Pipe | null {
    return this.#pipe;
  }

  start(): void {
    this.#attempt();
  }

  #attempt(): void {
    this.#timer = null;
    if (this.#closed) return;
    let connectTimer: ReturnType<typeof setTimeout> | null = null;
    let settled = false;
    const settle = (): void => {
      settled = true;
      if (connectTimer !== null) clearTimeout(connectTimer);
      this.#abandonAttempt = null;
    };
    this.host.emitEvent("connect:delay", this.endpoint);
    const abandon = this.#dial(
      (stream, peer) => {
        settle();
        if (this.#closed) {
          stream.destroy();
          return;
        }
        this.host.emitEvent("connect", this.endpoint);
        this.#engine = startEngine(this.host, stream, this, this.endpoint, peer, this.#factory);
      },
      () => {
        // A failed attempt is retried (libzmq reports the retry, connect:retry, not the cause).
        settle();
        this.#scheduleRetry();
      },
    );
    if (settled) return;
    this.#abandonAttempt = () => {
      settle();
      abandon();
    };
    const connectTimeout = this.host.option<number>("connectTimeout");
    if (connectTimeout > 0) {
      connectTimer = setTimeout(() => {
        // The connection never came (ETIMEDOUT): as a failed attempt, try again.
        this.#abandonAttempt?.();
        this.#scheduleRetry();
      }, connectTimeout);
      unrefTimer(connectTimer);
    }
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    const base = this.host.option<number>("reconnectInterval");
    if (base < 0) return;
    const interval = this.#interval > 0 ? this.#interval : base;
    this.host.emitEvent("connect:retry", this.endpoint, { interval });
    // Redialling alone holds no process open (as libzmq's I/O thread); a close that waits to flush does (#lingerHold).
    this.#timer = setTimeout(() => this.#attempt(), interval);
    unrefTimer(this.#timer);
    const max = this.host.option<number>("reconnectMaxInterval");
    this.#interval = max > 0 ? Math.min(interval * 2, max) : base;
  }

  engineReady(engine: StreamEngine): void {
    this.#interval = this.host.option<number>("reconnectInterval");
    let pipe = this.#pipe;
    if (pipe === null || pipe.terminated) {
      pipe = this.host.createPipe(true, this.endpoint);
      pipe.routingId = this.routingId;
      describePeer(pipe, engine);
      if (!this.host.attachPipe(pipe)) {
        engine.close(new ZmqError("EHOSTUNREACH", "Peer routing id already in use", this.endpoint));
        return;
      }
      this.#pipe = pipe;
    } else {
      describePeer(pipe, engine);
      if (this.#hadConnection) this.host.pipeHiccuped(pipe);
    }
    this.#hadConnection = true;
    engine.attach(pipe);
    this.host.emitEvent("handshake", this.endpoint);
    // Closed while waiting for this connection: flush what waited, then end.
    if (this.#lingerDeadline !== null) this.#finishClose(this.#remainingLinger());
  }

  engineClosed(engine: StreamEngine, error: ZmqError | null, duringHandshake: boolean): void {
    if (this.#engine === engine) this.#engine = null;
    if (!this.#pipePersistent && this.#pipe !== null) {
      this.#pipe.peerLeft();
      this.#pipe = null;
    }
    reportClosed(this.host, this.endpoint, error, duringHandshake);
    if (this.#closed) {
      this.#onIdle?.();
      return;
    }
    this.#scheduleRetry();
  }

  #onIdle: (() => void) | null = null;
  /** Set by a close that waits for a connection to flush queued messages. */
  #lingerDeadline: number | null = null;
  #lingerTimer: ReturnType<typeof setTimeout> | null = null;
  /** Keeps the process alive while a close waits for a connection to flush queued messages (libzmq's blocky close). */
  readonly #lingerHold = new LoopHold();

  /**
   * Stops connecting. With linger, a connected pipe first flushes what it
   * holds; `pipe.terminate` asks the engine to do that.
   *
   * Messages queued for a peer that has not connected yet are not dropped
   * while `linger` allows (libzmq's blocking close): the connecter keeps
   * trying, and flushes them once a connection is made. Returns true in that
   * case (the connecter now owns the pipe).
   */
  close(lingerMs: number): boolean {
    if (this.#closed || this.#lingerDeadline !== null) return false;
    const pipe = this.#pipe;
    if (lingerMs !== 0 && pipe !== null && !pipe.terminated && pipe.outbound.length > 0 && pipe.transport === null) {
      this.#lingerDeadline = lingerMs < 0 ? Number.POSITIVE_INFINITY : performance.now() + lingerMs;
      this.#lingerHold.hold();
      if (lingerMs > 0) this.#lingerTimer = setTimeout(() => this.#finishClose(0), lingerMs);
      return true;
    }
    this.#finishClose(lingerMs);
    return false;
  }

  /** Linger left after a close that waited for a connection: -1 for none set. */
  #remainingLinger(): number {
    const deadline = this.#lingerDeadline!;
    return deadline === Number.POSITIVE_INFINITY ? -1 : Math.max(1, Math.round(deadline - performance.now()));
  }

  #finishClose(lingerMs: number): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#lingerHold.release();
    if (this.#lingerTimer !== null) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const pipe = this.#pipe;
    this.#pipe = null;
    if (pipe !== null) pipe.terminate(lingerMs);
    const engine = this.#engine;
    if (engine !== null && !engine.closed && (pipe === null || engine.pipe !== pipe || lingerMs === 0)) engine.close(null);
    if (this.#engine === null) this.#abandonAttempt?.();
  }
}
