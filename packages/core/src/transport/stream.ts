/**
 * Listener and connecter for the transports over `node:net` (tcp, ipc, ws,
 * wss), each the session of its connections (libzmq's `tcp_listener` /
 * `tcp_connecter` plus `session_base`): they create ZMTP engines for new
 * connections and bind each to a pipe of the socket once its handshake
 * succeeds. The connecting side is {@link Connecter} with a `net.connect` dial.
 */
import * as net from "node:net";
import { ZmqError, toZmqError } from "../errors.js";
import type { Pipe } from "../pipe.js";
import type { EngineSession } from "../zmtp/engine.js";
import {
  Connecter,
  describePeer,
  reportClosed,
  startEngine,
  type Dial,
  type EngineFactory,
  type StreamEngine,
  type StreamHost,
  type StreamSession,
} from "./connecter.js";
import { acceptWithDirectRead, directReadAvailable, directReadConnectOptions } from "./direct-read-socket.js";

export type { EngineFactory, StreamEngine, StreamHost, StreamSession } from "./connecter.js";

function remoteAddress(stream: net.Socket, transport: StreamTransport, endpoint: string): string {
  if (transport === "ipc") return endpoint;
  const host = stream.remoteAddress ?? "";
  return host.includes(":") ? `tcp://[${host}]:${stream.remotePort}` : `tcp://${host}:${stream.remotePort}`;
}

/** The transports carried over a Node stream. */
export type StreamTransport = "tcp" | "ipc" | "ws";

/** Whether connections of `transport` read large bodies straight into their buffers (ZMTP engines over tcp and ipc). */
function readsDirectly(host: StreamHost, transport: StreamTransport, factory: EngineFactory | null): boolean {
  return directReadAvailable && transport !== "ws" && factory === null && host.createEngine === undefined;
}


/** A bound endpoint: accepts connections, one engine and one pipe each. */
export class StreamListener implements EngineSession, StreamSession {
  readonly host: StreamHost;
  /** The endpoint as resolved after binding (what `lastEndpoint` shows). */
  endpoint = "";
  readonly transport: StreamTransport;
  readonly #factory: EngineFactory | null;
  /** Accepted sockets are taken over to read through a DirectRead (transport/direct-read-socket.ts). */
  readonly #direct: boolean;
  #server: net.Server;
  #engines = new Map<StreamEngine, Pipe | null>();
  #onClose: (() => void) | null = null;

  constructor(host: StreamHost, transport: StreamTransport, factory: EngineFactory | null = null) {
    this.host = host;
    this.transport = transport;
    this.#factory = factory;
    this.#direct = readsDirectly(host, transport, factory);
    this.#server = net.createServer({ pauseOnConnect: this.#direct, noDelay: true }, (stream) => this.#accept(stream));
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
        // An idle listener holds no process open, as libzmq's I/O thread holds none (util/loop-hold.ts).
        server.unref();
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
    if (this.#direct) stream = acceptWithDirectRead(stream);
    // Nor does an idle connection: a write in flight still does (libuv's write request).
    stream.unref();
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

/** A connecter over `node:net`: connects, reconnects with backoff, and carries one pipe. */
export class StreamConnecter extends Connecter {
  constructor(
    host: StreamHost,
    endpoint: string,
    connectOptions: net.NetConnectOpts,
    transport: StreamTransport,
    routingId: Buffer | null,
    factory: EngineFactory | null = null,
  ) {
    super(host, endpoint, netDial(host, endpoint, connectOptions, transport, readsDirectly(host, transport, factory)), routingId, factory);
  }
}

/** Dials with `net.connect`; TCP keepalive as the socket's options say. */
function netDial(host: StreamHost, endpoint: string, connectOptions: net.NetConnectOpts, transport: StreamTransport, direct: boolean): Dial {
  return (connected, failed) => {
    const plain = { ...connectOptions, noDelay: true } as net.NetConnectOpts;
    const { options, reader } = direct ? directReadConnectOptions(plain) : { options: plain, reader: null };
    const stream = net.connect(options);
    reader?.register(stream);
    // An idle connection holds no process open; the connect request and writes in flight do.
    stream.unref();
    const detach = (): void => {
      stream.off("error", onError);
      stream.off("connect", onConnect);
    };
    const onError = (error: Error): void => {
      detach();
      stream.destroy();
      failed(error);
    };
    const onConnect = (): void => {
      detach();
      if (host.option<number>("tcpKeepalive") === 1) {
        const idle = host.option<number>("tcpKeepaliveIdle");
        stream.setKeepAlive(true, idle > 0 ? idle * 1000 : 0);
      }
      connected(stream, remoteAddress(stream, transport, endpoint));
    };
    stream.once("error", onError);
    stream.once("connect", onConnect);
    return () => {
      detach();
      stream.destroy();
    };
  };
}
