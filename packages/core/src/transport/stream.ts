/**
 * Listener and connecter for the stream transports (tcp and ipc), each the
 * session of its connections (libzmq's `tcp_listener`/`tcp_connecter` plus
 * `session_base`): they create ZMTP engines for new connections and bind
 * each to a pipe of the socket once its handshake succeeds.
 *
 * A connecter's pipe outlives connections: messages queued while the peer is
 * away wait in it (up to the high-water mark) and leave on reconnect, unless
 * `immediate` is set or the socket routes by peer identity (ROUTER).
 */
import * as net from "node:net";
import { AuthError, ProtocolError, ZmqError, toZmqError } from "../errors.js";
import type { EventType } from "../events.js";
import type { Pipe } from "../pipe.js";
import { ZmtpEngine, type EngineSession, type EngineSocket } from "../zmtp/engine.js";
import type { Metadata } from "../zmtp/metadata.js";

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
  createEngine?(stream: net.Socket, session: StreamSession, endpoint: string, peer: string): StreamEngine;
}

/** Makes the engine of a new connection for a transport that is not plain ZMTP (ws://). */
export type EngineFactory = (stream: net.Socket, session: StreamSession, endpoint: string, peer: string) => StreamEngine;

/** Copies what the handshake learnt about the peer onto its pipe. */
function describePeer(pipe: Pipe, engine: StreamEngine): void {
  pipe.peerSocketType = engine.peerSocketType;
  pipe.peerMetadata = engine.peerMetadata;
  pipe.userId = engine.userId;
  pipe.peerAddress = engine.peerAddress;
  if (pipe.routingId === null && engine.peerRoutingId !== null) pipe.routingId = engine.peerRoutingId;
}

function startEngine(
  host: StreamHost,
  stream: net.Socket,
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
function reportClosed(host: StreamHost, endpoint: string, error: ZmqError | null, duringHandshake: boolean): void {
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

function remoteAddress(stream: net.Socket, transport: StreamTransport, endpoint: string): string {
  if (transport === "ipc") return endpoint;
  const host = stream.remoteAddress ?? "";
  return host.includes(":") ? `tcp://[${host}]:${stream.remotePort}` : `tcp://${host}:${stream.remotePort}`;
}

/** The transports carried over a Node stream. */
export type StreamTransport = "tcp" | "ipc" | "ws";

/** A bound endpoint: accepts connections, one engine and one pipe each. */
export class StreamListener implements EngineSession, StreamSession {
  readonly host: StreamHost;
  /** The endpoint as resolved after binding (what `lastEndpoint` shows). */
  endpoint = "";
  readonly transport: StreamTransport;
  readonly #factory: EngineFactory | null;
  #server: net.Server;
  #engines = new Map<StreamEngine, Pipe | null>();
  #onClose: (() => void) | null = null;

  constructor(host: StreamHost, transport: StreamTransport, factory: EngineFactory | null = null) {
    this.host = host;
    this.transport = transport;
    this.#factory = factory;
    this.#server = net.createServer({ pauseOnConnect: false, noDelay: true }, (stream) => this.#accept(stream));
  }

  /** Starts listening; rejects with a coded error (EADDRINUSE, EACCES, ...). */
  listen(options: net.ListenOptions, address: string, resolveEndpoint: (server: net.Server) => string): Promise<void> {
    const server = this.#server;
    return new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        server.off("listening", onListening);
        reject(toZmqError(error, address));
      };
      const onListening = (): void => {
        server.off("error", onError);
        this.endpoint = resolveEndpoint(server);
        server.on("error", (error: NodeJS.ErrnoException) =>
          this.host.emitEvent("accept:error", this.endpoint, { error: toZmqError(error, this.endpoint) }),
        );
        resolve();
      };
      server.once("error", onError);
      server.once("listening", onListening);
      server.listen(options);
    });
  }

  #accept(stream: net.Socket): void {
    const peer = remoteAddress(stream, this.transport, this.endpoint);
    this.host.emitEvent("accept", this.endpoint);
    const engine = startEngine(this.host, stream, this, this.endpoint, peer, this.#factory);
    this.#engines.set(engine, null);
  }

  engineReady(engine: StreamEngine): void {
    const pipe = this.host.createPipe(false, this.endpoint);
    describePeer(pipe, engine);
    if (!this.host.attachPipe(pipe)) {
      engine.close(new ZmqError("EHOSTUNREACH", "Peer routing id already in use", this.endpoint));
      return;
    }
    this.#engines.set(engine, pipe);
    engine.attach(pipe);
    this.host.emitEvent("handshake", this.endpoint);
  }

  engineClosed(engine: StreamEngine, error: ZmqError | null, duringHandshake: boolean): void {
    const pipe = this.#engines.get(engine) ?? null;
    this.#engines.delete(engine);
    pipe?.peerLeft();
    reportClosed(this.host, this.endpoint, error, duringHandshake);
    if (this.#onClose !== null && this.#engines.size === 0) this.#onClose();
  }

  /** Stops accepting; `terminateConnections` also drops the peers accepted here (unbind). */
  close(terminateConnections: boolean, lingerMs: number): void {
    this.#server.close();
    this.host.emitEvent("close", this.endpoint);
    if (!terminateConnections) return;
    for (const [engine, pipe] of [...this.#engines]) {
      if (pipe !== null) pipe.terminate(lingerMs);
      else engine.close(null);
    }
  }

  /** Resolves once every accepted connection has ended. */
  drained(): Promise<void> {
    if (this.#engines.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#onClose = resolve));
  }
}

/** A connected endpoint: connects, reconnects with backoff, and carries one pipe. */
export class StreamConnecter implements EngineSession, StreamSession {
  readonly host: StreamHost;
  readonly endpoint: string;
  readonly #connectOptions: net.NetConnectOpts;
  readonly #transport: StreamTransport;
  readonly #factory: EngineFactory | null;
  /** The persistent pipe (null until the first handshake when created late). */
  #pipe: Pipe | null = null;
  #pipePersistent: boolean;
  #hadConnection = false;
  #engine: StreamEngine | null = null;
  #stream: net.Socket | null = null;
  #timer: NodeJS.Timeout | null = null;
  /**
   * Detaches the connection attempt in flight (its listeners and connect
   * timer): the socket handle lives on until libuv has closed it, and must not
   * keep this connecter, its socket and their context reachable meanwhile.
   */
  #abandonAttempt: (() => void) | null = null;
  #interval: number;
  #closed = false;
  /** Routing id to give the peer (ROUTER connect option). */
  readonly routingId: Buffer | null;

  constructor(
    host: StreamHost,
    endpoint: string,
    connectOptions: net.NetConnectOpts,
    transport: StreamTransport,
    routingId: Buffer | null,
    factory: EngineFactory | null = null,
  ) {
    this.host = host;
    this.#factory = factory;
    this.endpoint = endpoint;
    this.#connectOptions = connectOptions;
    this.#transport = transport;
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
    const stream = net.connect({ ...this.#connectOptions, noDelay: true } as net.NetConnectOpts);
    this.#stream = stream;
    let connectTimer: NodeJS.Timeout | null = null;
    const connectTimeout = this.host.option<number>("connectTimeout");
    if (connectTimeout > 0) {
      connectTimer = setTimeout(() => {
        stream.destroy(new ZmqError("ETIMEDOUT", `Connect to ${this.endpoint} timed out`, this.endpoint));
      }, connectTimeout);
    }
    this.host.emitEvent("connect:delay", this.endpoint);
    const settle = (): void => {
      if (connectTimer !== null) clearTimeout(connectTimer);
      stream.off("error", onError);
      stream.off("connect", onConnect);
      this.#abandonAttempt = null;
    };
    const onError = (error: NodeJS.ErrnoException): void => {
      settle();
      stream.destroy();
      this.#stream = null;
      this.#scheduleRetry();
      void error;
    };
    const onConnect = (): void => {
      settle();
      if (this.#closed) {
        stream.destroy();
        return;
      }
      this.#applyKeepalive(stream);
      this.host.emitEvent("connect", this.endpoint);
      const peer = remoteAddress(stream, this.#transport, this.endpoint);
      this.#engine = startEngine(this.host, stream, this, this.endpoint, peer, this.#factory);
    };
    stream.once("error", onError);
    stream.once("connect", onConnect);
    this.#abandonAttempt = settle;
  }

  #applyKeepalive(stream: net.Socket): void {
    if (this.host.option<number>("tcpKeepalive") === 1) {
      const idle = this.host.option<number>("tcpKeepaliveIdle");
      stream.setKeepAlive(true, idle > 0 ? idle * 1000 : 0);
    }
  }

  #scheduleRetry(): void {
    if (this.#closed) return;
    const base = this.host.option<number>("reconnectInterval");
    if (base < 0) return;
    const interval = this.#interval > 0 ? this.#interval : base;
    this.host.emitEvent("connect:retry", this.endpoint, { interval });
    this.#timer = setTimeout(() => this.#attempt(), interval);
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
    this.#stream = null;
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
  #lingerTimer: NodeJS.Timeout | null = null;

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
    if (this.#lingerTimer !== null) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const pipe = this.#pipe;
    this.#pipe = null;
    if (pipe !== null) pipe.terminate(lingerMs);
    const engine = this.#engine;
    if (engine !== null && !engine.closed && (pipe === null || engine.pipe !== pipe || lingerMs === 0)) engine.close(null);
    if (this.#engine === null && this.#stream !== null) {
      this.#abandonAttempt?.();
      this.#stream.destroy();
      this.#stream = null;
    }
  }
}
