/**
 * The raw engine: bytes on the wire for one connection of a STREAM socket
 * (libzmq's `raw_engine`). No greeting, no framing, no handshake: each chunk
 * read from the connection becomes a one-frame message on the pipe, and each
 * message the socket queues is written as it is.
 *
 * With `notify` set, the peer's arrival and departure are announced as an
 * empty message (libzmq `ZMQ_STREAM_NOTIFY`), so the application learns of
 * new and closed connections.
 */
import type { Socket as NetSocket } from "node:net";
import { toZmqError, type ZmqError } from "../errors.js";
import type { Pipe, PipeTransport } from "../pipe.js";
import type { Metadata } from "../zmtp/metadata.js";
import type { StreamEngine, StreamSession } from "./stream.js";

/** Keep writing while Node's stream buffer holds less than this. */
const WRITE_LIMIT = 256 * 1024;
const EMPTY = Buffer.alloc(0);

export class RawEngine implements StreamEngine, PipeTransport {
  readonly stream: NetSocket;
  readonly session: StreamSession;
  readonly endpoint: string;
  readonly peerAddress: string;
  /** Raw peers have no ZMTP socket type, metadata, user id or announced identity. */
  readonly peerSocketType = "";
  readonly peerMetadata: Metadata = new Map();
  readonly userId = "";
  readonly peerRoutingId: Buffer | null = null;

  readonly #notify: boolean;
  #pipe: Pipe | null = null;
  #closed = false;
  #paused = false;
  #flushScheduled = false;
  #waitingDrain = false;
  #lingerTimer: NodeJS.Timeout | null = null;
  readonly #flushBound = (): void => this.#flush();

  constructor(stream: NetSocket, session: StreamSession, endpoint: string, peerAddress: string, notify: boolean) {
    this.stream = stream;
    this.session = session;
    this.endpoint = endpoint;
    this.peerAddress = peerAddress;
    this.#notify = notify;
  }

  /**
   * Starts reading. The session learns the connection is ready on the next
   * microtask, after whoever created the engine has recorded it.
   */
  start(): void {
    const stream = this.stream;
    stream.setNoDelay(true);
    stream.on("data", (chunk: Buffer) => this.#onData(chunk));
    stream.on("error", (error: NodeJS.ErrnoException) => this.#end(toZmqError(error, this.endpoint)));
    stream.on("end", () => this.#end(null));
    stream.on("close", () => this.#end(null));
    stream.on("drain", () => {
      this.#waitingDrain = false;
      this.#flush();
    });
    queueMicrotask(() => {
      if (!this.#closed) this.session.engineReady(this);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  get pipe(): Pipe | null {
    return this.#pipe;
  }

  /** Attaches the pipe and, with `notify`, announces the connection with an empty message. */
  attach(pipe: Pipe): void {
    this.#pipe = pipe;
    pipe.transport = this;
    if (this.#notify) pipe.deliver([EMPTY]);
    if (pipe.outbound.length > 0) this.flush();
  }

  // ---- PipeTransport ---------------------------------------------------------

  flushNow(): void {
    if (!this.#closed && !this.#waitingDrain) this.#flush();
  }

  flush(): void {
    if (this.#closed) return;
    // As the ZMTP engine: the first message since the last turn of the event loop is written at
    // once (a reply waits for nothing, and a close() with linger 0 right after it keeps it);
    // the ones that follow in the same turn are batched into one write by the scheduled flush.
    if (!this.#flushScheduled && !this.#waitingDrain) this.#flush();
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(this.#flushBound);
  }

  resumeReading(): void {
    if (this.#paused && !this.#closed) {
      this.#paused = false;
      this.stream.resume();
    }
  }

  /** Writes what the pipe still holds, then closes the connection (linger 0: at once). */
  shutdown(lingerMs: number): void {
    if (this.#closed) return;
    const pipe = this.#pipe;
    if (lingerMs === 0 || pipe === null) {
      this.close(null);
      return;
    }
    // The pipe is terminated: take what it holds now, end after it is written.
    let msg;
    while ((msg = pipe.takeOutbound()) !== undefined) for (const part of msg) if (part.length > 0) this.stream.write(part);
    this.#detach();
    if (lingerMs > 0) this.#lingerTimer = setTimeout(() => this.close(null), lingerMs);
    this.stream.end();
  }

  // ---- data ---------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    const pipe = this.#pipe;
    if (this.#closed || pipe === null) return;
    pipe.deliver([chunk]);
    if (pipe.inboundFull && !this.#paused) {
      this.#paused = true;
      this.stream.pause();
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const pipe = this.#pipe;
    if (this.#closed || this.#waitingDrain || pipe === null) return;
    const stream = this.stream;
    let corked = false;
    while (stream.writableLength < WRITE_LIMIT) {
      const msg = pipe.takeOutbound();
      if (msg === undefined) break;
      if (!corked) {
        stream.cork();
        corked = true;
      }
      for (const part of msg) if (part.length > 0) stream.write(part);
    }
    if (corked) stream.uncork();
    if (stream.writableLength >= WRITE_LIMIT) this.#waitingDrain = true;
    else if (pipe.outbound.length > 0) this.flush();
  }

  // ---- closing ----------------------------------------------------------------

  /** The peer closed or the connection failed: announce it (notify) and tell the session. */
  #end(error: ZmqError | null): void {
    if (this.#closed) return;
    const pipe = this.#pipe;
    if (this.#notify && pipe !== null && !pipe.terminated) pipe.deliver([EMPTY]);
    this.#closed = true;
    this.#clearTimer();
    this.#detach();
    this.stream.destroySoon();
    this.session.engineClosed(this, error, false);
  }

  /** Closes the connection now. */
  close(error: ZmqError | null): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    this.#detach();
    this.stream.destroy();
    this.session.engineClosed(this, error, false);
  }

  #detach(): void {
    const pipe = this.#pipe;
    if (pipe !== null && pipe.transport === this) pipe.transport = null;
  }

  #clearTimer(): void {
    if (this.#lingerTimer !== null) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = null;
  }
}
